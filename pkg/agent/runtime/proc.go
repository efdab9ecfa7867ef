package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// procStat is what the runtime reads from /proc/PID/stat.
type procStat struct {
	State      byte   // R, S, D, Z, ...
	PGID       int    // process group
	StartTicks uint64 // start time, clock ticks after boot
}

// readProcStat reads /proc/<pid>/stat under procRoot ("/proc").
func readProcStat(procRoot string, pid int) (procStat, error) {
	b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, fmt.Errorf("read stat of process %d: %w", pid, err)
	}
	return parseProcStat(string(b))
}

// parseProcStat parses a /proc/PID/stat line. The command name (field 2)
// may hold spaces and parentheses, so fields are counted after its last ')'.
func parseProcStat(s string) (procStat, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("malformed /proc stat %q", s)
	}
	// Fields after ')' start at field 3 (state).
	f := strings.Fields(s[i+1:])
	if len(f) < 20 || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("malformed /proc stat %q", s)
	}
	pgid, err := strconv.Atoi(f[2]) // field 5
	if err != nil {
		return procStat{}, fmt.Errorf("malformed pgrp in /proc stat: %w", err)
	}
	start, err := strconv.ParseUint(f[19], 10, 64) // field 22
	if err != nil {
		return procStat{}, fmt.Errorf("malformed starttime in /proc stat: %w", err)
	}
	return procStat{State: f[0][0], PGID: pgid, StartTicks: start}, nil
}

// refOf returns the procRef of a running process.
func refOf(procRoot string, pid int) (procRef, error) {
	st, err := readProcStat(procRoot, pid)
	if err != nil {
		return procRef{}, err
	}
	return procRef{PID: pid, StartTicks: st.StartTicks}, nil
}

// alive reports whether the process r names still runs: same PID, same
// start time, and not a zombie waiting to be reaped.
func alive(procRoot string, r procRef) bool {
	if r.PID <= 0 {
		return false
	}
	st, err := readProcStat(procRoot, r.PID)
	return err == nil && st.StartTicks == r.StartTicks && st.State != 'Z' && st.State != 'X'
}

// groupMembers lists the PIDs whose process group is pgid, except skip.
func groupMembers(procRoot string, pgid, skip int) []int {
	ents, err := os.ReadDir(procRoot)
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == skip {
			continue
		}
		if st, err := readProcStat(procRoot, pid); err == nil && st.PGID == pgid && st.State != 'Z' {
			out = append(out, pid)
		}
	}
	return out
}
