package healthcheck

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// loopbackListen listens on a free loopback port for each requested port
// and remembers where.
type loopbackListen struct {
	mu    sync.Mutex
	addrs map[string]string
}

func (l *loopbackListen) listen(network, address string) (net.Listener, error) {
	ln, err := net.Listen(network, "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(address)
	l.mu.Lock()
	l.addrs[port] = ln.Addr().String()
	l.mu.Unlock()
	return ln, nil
}

func (l *loopbackListen) url(port uint16) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return "http://" + l.addrs[strconv.Itoa(int(port))] + "/healthz"
}

func TestServiceServer(t *testing.T) {
	ll := &loopbackListen{addrs: map[string]string{}}
	healthy := true
	var mu sync.Mutex
	s := NewServiceServer(ServiceConfig{Listen: ll.listen, ProxyHealthy: func() bool { mu.Lock(); defer mu.Unlock(); return healthy }})
	defer s.Close()
	web := types.NamespacedName{Namespace: "ns", Name: "web"}
	tests := []struct {
		name        string
		local       int
		proxyHealth bool
		wantCode    int
	}{
		{"local endpoints", 2, true, http.StatusOK},
		{"no local endpoint", 0, true, http.StatusServiceUnavailable},
		{"proxy unhealthy", 2, false, http.StatusServiceUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			healthy = tc.proxyHealth
			mu.Unlock()
			if err := s.Sync(map[types.NamespacedName]Service{web: {Port: 30100, LocalEndpoints: tc.local}}); err != nil {
				t.Fatal(err)
			}
			resp, err := http.Get(ll.url(30100))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body serviceBody
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.wantCode || body.LocalEndpoints != tc.local || body.Service.Name != "web" ||
				body.Service.Namespace != "ns" || body.ServiceProxyHealthy != tc.proxyHealth {
				t.Errorf("got %d %+v", resp.StatusCode, body)
			}
			if got := resp.Header.Get("X-Load-Balancing-Endpoint-Weight"); got != strconv.Itoa(tc.local) {
				t.Errorf("weight header %q", got)
			}
		})
	}
	url := ll.url(30100)
	if err := s.Sync(nil); err != nil {
		t.Fatal(err)
	}
	if len(s.Ports()) != 0 {
		t.Errorf("ports still open: %v", s.Ports())
	}
	client := &http.Client{Timeout: 2 * time.Second}
	if resp, err := client.Get(url); err == nil {
		resp.Body.Close()
		t.Errorf("port still answers after the Service went away")
	}
}

func TestProxyHealth(t *testing.T) {
	now := time.Unix(1000, 0)
	clock := func() time.Time { return now }
	h := NewProxyHealth(10*time.Second, clock)
	check := func(want int) {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		if rec.Code != want {
			t.Errorf("at %v: /healthz = %d, want %d: %s", now.Sub(time.Unix(1000, 0)), rec.Code, want, rec.Body)
		}
	}
	check(http.StatusOK) // starting, within the timeout
	now = now.Add(11 * time.Second)
	check(http.StatusServiceUnavailable) // the first sync never came
	h.Updated(now)
	check(http.StatusOK)
	now = now.Add(time.Hour)
	check(http.StatusOK) // nothing to do is healthy
	h.Queued()
	start := now
	now = now.Add(5 * time.Second)
	h.Queued() // arrives while the sync runs
	h.Updated(start)
	now = now.Add(6 * time.Second)
	check(http.StatusOK) // the second change waited 6s
	now = now.Add(5 * time.Second)
	check(http.StatusServiceUnavailable) // ... and now 11s
	h.Updated(now)
	check(http.StatusOK)
}
