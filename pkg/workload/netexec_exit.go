package workload

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// exitHandler ends the workload, as agnhost's /exit does: after ?wait=,
// with exit code ?code= (0-127, default 0), giving open requests
// ?timeout= to finish (default 0: close them at once).
func (n *netexec) exitHandler(w http.ResponseWriter, r *http.Request) {
	waitString, timeoutString, codeString := r.FormValue("wait"), r.FormValue("timeout"), r.FormValue("code")
	timeout, err := time.ParseDuration(timeoutString)
	if err != nil && timeoutString != "" {
		fmt.Fprintf(w, "argument 'timeout' must be a valid golang duration or empty, got %q\n", timeoutString)
		return
	}
	wait, err := time.ParseDuration(waitString)
	if err != nil && waitString != "" {
		fmt.Fprintf(w, "argument 'wait' must be a valid golang duration or empty, got %q\n", waitString)
		return
	}
	code, err := strconv.Atoi(codeString)
	if (err != nil && codeString != "") || code < 0 || code > 127 {
		fmt.Fprintf(w, "argument 'code' must be an integer [0-127] or empty, got %q\n", codeString)
		return
	}
	n.log.printf("netexec: will begin shutdown in %s, allowing %s for connections to close, then will exit with %d", wait, timeout, code)
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	n.exit(&exitRequest{code: code, grace: timeout})
}

// shutdown ends the workload with exit code 0 at once, as agnhost's
// /shutdown does.
func (n *netexec) shutdown(w http.ResponseWriter, _ *http.Request) {
	n.exit(&exitRequest{code: 0})
}
