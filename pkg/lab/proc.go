package lab

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
)

// procStat is what Down needs from /proc/<pid>/stat.
type procStat struct {
	State     byte   // R, S, D, Z, ...
	StartTime uint64 // clock ticks after boot
}

// readProcStat reads /proc/<pid>/stat; a PID that does not exist gives an
// error satisfying errors.Is(err, fs.ErrNotExist).
func readProcStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, fmt.Errorf("read process %d: %w", pid, err)
	}
	return parseProcStat(b)
}

// parseProcStat parses the text of /proc/<pid>/stat. The command name (field
// 2) is in parentheses and may itself contain spaces and parentheses, so the
// fields are counted from the last ')'.
func parseProcStat(b []byte) (procStat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, errors.New("parse /proc stat: no command name")
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state); starttime is field 22, so f[19].
	if len(f) < 20 || len(f[0]) != 1 {
		return procStat{}, errors.New("parse /proc stat: too few fields")
	}
	st, err := strconv.ParseUint(string(f[19]), 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("parse /proc stat start time: %w", err)
	}
	return procStat{State: f[0][0], StartTime: st}, nil
}

// alive reports whether p still names the process that was started: the PID
// exists, has the recorded start time and is not a zombie.
func alive(p process) bool {
	st, err := readProcStat(p.PID)
	if err != nil {
		return false
	}
	return st.StartTime == p.StartTime && st.State != 'Z' && st.State != 'X'
}

// isNotExist reports whether err says a file or process is gone.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
