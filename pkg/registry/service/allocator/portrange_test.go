package allocator

import (
	"errors"
	"math/rand/v2"
	"testing"
)

func TestParsePortRange(t *testing.T) {
	tests := []struct {
		in      string
		wantErr bool
		base    int
		size    int
		static  int
		spec    string
	}{
		{in: "30000-32767", base: 30000, size: 2768, static: 86, spec: "30000-32767"},
		{in: " 30000 - 32767 ", base: 30000, size: 2768, static: 86, spec: "30000-32767"},
		{in: "1-65535", base: 1, size: 65535, static: 128, spec: "1-65535"},
		{in: "30000-30099", base: 30000, size: 100, static: 16, spec: "30000-30099"},
		{in: "30000-30015", base: 30000, size: 16, static: 0, spec: "30000-30015"},
		{in: "30000-30016", base: 30000, size: 17, static: 16, spec: "30000-30016"},
		{in: "8080", base: 8080, size: 1, static: 0, spec: "8080-8080"},
		{in: "", wantErr: true},
		{in: "a-b", wantErr: true},
		{in: "30000-", wantErr: true},
		{in: "32767-30000", wantErr: true},
		{in: "0-100", wantErr: true},
		{in: "30000-65536", wantErr: true},
		{in: "-5-10", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParsePortRange(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParsePortRange(%q) = %s, want error", tt.in, r)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePortRange(%q): %v", tt.in, err)
			}
			if r.Base() != tt.base || r.Size() != tt.size || r.StaticSize() != tt.static || r.String() != tt.spec {
				t.Errorf("got base %d size %d static %d %q, want %d %d %d %q",
					r.Base(), r.Size(), r.StaticSize(), r.String(), tt.base, tt.size, tt.static, tt.spec)
			}
		})
	}
}

func TestNewPortRangeBounds(t *testing.T) {
	tests := []struct {
		name       string
		base, size int
		wantErr    bool
	}{
		{name: "default", base: 30000, size: 2768},
		{name: "last port", base: 65535, size: 1},
		{name: "zero size", base: 30000, size: 0, wantErr: true},
		{name: "port zero", base: 0, size: 10, wantErr: true},
		{name: "past 65535", base: 65535, size: 2, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPortRange(tt.base, tt.size)
			if (err != nil) != tt.wantErr {
				t.Errorf("NewPortRange(%d, %d) error = %v, wantErr %t", tt.base, tt.size, err, tt.wantErr)
			}
		})
	}
}

func TestPortRangeAllocate(t *testing.T) {
	tests := []struct {
		name    string
		port    int
		prepare []int
		wantErr error
	}{
		{name: "first port", port: 30000},
		{name: "last port", port: 32767},
		{name: "static band port", port: 30085},
		{name: "below range", port: 29999, wantErr: ErrNotInRange},
		{name: "above range", port: 32768, wantErr: ErrNotInRange},
		{name: "negative", port: -1, wantErr: ErrNotInRange},
		{name: "double allocation", port: 31000, prepare: []int{31000}, wantErr: ErrAllocated},
		{name: "neighbour taken", port: 31000, prepare: []int{30999, 31001}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParsePortRange("30000-32767")
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range tt.prepare {
				if err := r.Allocate(p); err != nil {
					t.Fatal(err)
				}
			}
			err = r.Allocate(tt.port)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Allocate(%d) = %v, want %v", tt.port, err, tt.wantErr)
			}
			if want := len(tt.prepare) + map[bool]int{true: 1}[err == nil]; r.Used() != want {
				t.Errorf("Used() = %d, want %d", r.Used(), want)
			}
			if err == nil && !r.Has(tt.port) {
				t.Errorf("Has(%d) = false after Allocate", tt.port)
			}
		})
	}
}

func TestPortRangeBands(t *testing.T) {
	r, err := ParsePortRange("30000-32767")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	seen := map[int]bool{}
	for i := range r.Size() - r.StaticSize() {
		p, err := r.AllocateNext(rng)
		if err != nil {
			t.Fatalf("allocation %d: %v", i, err)
		}
		if p < 30086 || p > 32767 || seen[p] {
			t.Fatalf("allocation %d returned port %d: static band, out of range or duplicate", i, p)
		}
		seen[p] = true
	}
	for i := range r.StaticSize() {
		p, err := r.AllocateNext(rng)
		if err != nil {
			t.Fatalf("static allocation %d: %v", i, err)
		}
		if p < 30000 || p > 30085 || seen[p] {
			t.Fatalf("static allocation %d returned port %d", i, p)
		}
		seen[p] = true
	}
	if _, err := r.AllocateNext(rng); !errors.Is(err, ErrFull) {
		t.Fatalf("AllocateNext = %v, want ErrFull", err)
	}
	var n, prev int
	r.ForEach(func(p int) {
		if p <= prev {
			t.Errorf("ForEach not ascending: %d after %d", p, prev)
		}
		prev = p
		n++
	})
	if n != 2768 {
		t.Errorf("ForEach yielded %d ports, want 2768", n)
	}
	r.Release(31234)
	r.Release(31234)
	if r.Free() != 1 {
		t.Errorf("Free() = %d after a double release, want 1", r.Free())
	}
	if p, err := r.AllocateNext(rng); err != nil || p != 31234 {
		t.Errorf("AllocateNext = %d, %v; want the released 31234", p, err)
	}
}
