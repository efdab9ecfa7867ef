package lab

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestStateRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if _, err := readState(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("readState on an empty dir: %v, want ErrNotExist", err)
	}
	want := &state{
		Version: stateVersion, Name: "lab", Nodes: 2, Phase: phaseReady,
		Created:    time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Namespaces: []string{"lab-router", "lab-outside", "lab-node1", "lab-node2"},
		Processes:  []process{{PID: 42, StartTime: 12345, Namespace: "lab-node1", Command: []string{"sleep", "1"}, Log: "/tmp/x"}},
	}
	if err := writeState(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := readState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("run dir holds %d files after a write, want only the state", len(entries))
	}
	if err := os.WriteFile(statePath(dir), []byte(`{"version":99}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readState(dir); err == nil {
		t.Fatal("a state of an unknown version was accepted")
	}
}

func TestRemoveRunFilesKeepsOthers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	unlock, err := lockRunDir(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if err := writeState(dir, &state{Version: stateVersion}); err != nil {
		t.Fatal(err)
	}
	logf := filepath.Join(dir, "agent.log")
	if err := os.WriteFile(logf, []byte("log"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := removeRunFiles(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(logf); err != nil {
		t.Fatalf("a log the lab did not create was removed: %v", err)
	}
	if err := os.Remove(logf); err != nil {
		t.Fatal(err)
	}
	if err := removeRunFiles(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("empty run dir left behind: %v", err)
	}
}

func TestParseProcStat(t *testing.T) {
	for _, tc := range []struct {
		name  string
		text  string
		state byte
		start uint64
		bad   bool
	}{
		{"plain", "1234 (sleep) S 1 1234 1234 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 98765 1000 100 18446744073709551615", 'S', 98765, false},
		{"spaces and parens in comm", "77 (a) b (c) Z 1 77 77 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 555 1000 100", 'Z', 555, false},
		{"truncated", "1 (x) S 1 2 3", 0, 0, true},
		{"no comm", "garbage", 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := parseProcStat([]byte(tc.text))
			if tc.bad {
				if err == nil {
					t.Fatalf("parsed %+v, want an error", st)
				}
				return
			}
			if err != nil || st.State != tc.state || st.StartTime != tc.start {
				t.Fatalf("parseProcStat = %+v, %v; want state %c start %d", st, err, tc.state, tc.start)
			}
		})
	}
	self, err := readProcStat(os.Getpid())
	if err != nil || self.StartTime == 0 {
		t.Fatalf("readProcStat(self) = %+v, %v", self, err)
	}
	if !alive(process{PID: os.Getpid(), StartTime: self.StartTime}) {
		t.Fatal("this process is not alive")
	}
	if alive(process{PID: os.Getpid(), StartTime: self.StartTime + 1}) {
		t.Fatal("a PID with another start time counts as alive")
	}
}
