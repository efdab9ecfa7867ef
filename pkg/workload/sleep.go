package workload

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// runSleep does nothing, as the shell or sleep of busybox, alpine and
// similar images does in a pod. When the args ask to sleep for a while
// ("sleep 3600", "sleep 1h"), it returns after that long, as the real
// command would; otherwise it waits until it is stopped.
func runSleep(ctx context.Context, p *proc) error {
	d, ok := sleepDuration(p.opts.positional)
	if !ok {
		<-ctx.Done()
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	return nil
}

// sleepDuration finds how long args ask to sleep: the word after "sleep"
// (or the first word when it is a duration), in busybox's syntax: a
// number of seconds with an optional s, m, h or d suffix. "infinity", or
// no duration at all, means forever.
func sleepDuration(args []string) (time.Duration, bool) {
	for i, a := range args {
		if a == "sleep" && i+1 < len(args) {
			return parseSleep(args[i+1])
		}
	}
	if len(args) > 0 {
		return parseSleep(args[0])
	}
	return 0, false
}

// parseSleep parses one busybox sleep argument.
func parseSleep(s string) (time.Duration, bool) {
	unit := time.Second
	switch {
	case strings.HasSuffix(s, "s"):
		s = strings.TrimSuffix(s, "s")
	case strings.HasSuffix(s, "m"):
		s, unit = strings.TrimSuffix(s, "m"), time.Minute
	case strings.HasSuffix(s, "h"):
		s, unit = strings.TrimSuffix(s, "h"), time.Hour
	case strings.HasSuffix(s, "d"):
		s, unit = strings.TrimSuffix(s, "d"), 24*time.Hour
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f >= 0 && f <= float64(365*24*time.Hour/unit)) {
		return 0, false
	}
	return time.Duration(f * float64(unit)), true
}
