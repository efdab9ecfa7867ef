package healthcheck

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// Service is one Service's health check: its port and the number of its
// endpoints on this node.
type Service struct {
	Port           uint16
	LocalEndpoints int
}

// ServiceConfig configures a ServiceServer.
type ServiceConfig struct {
	// Addresses are the node addresses to listen on; none listens on all.
	Addresses []netip.Addr
	// Listen opens a listener; net.Listen when nil. Tests listen on
	// loopback ports of their choice.
	Listen func(network, address string) (net.Listener, error)
	// ProxyHealthy reports the proxy's own health, sent as
	// serviceProxyHealthy; a node whose proxy is unhealthy answers 503.
	// Always healthy when nil.
	ProxyHealthy func() bool
}

// ServiceServer serves the health check node ports.
type ServiceServer struct {
	cfg ServiceConfig

	mu       sync.Mutex
	services map[types.NamespacedName]Service
	servers  map[uint16]*portServer
}

// portServer is the HTTP server of one health check port.
type portServer struct {
	name      types.NamespacedName
	listeners []net.Listener
	server    *http.Server
}

// NewServiceServer returns a server with no Services.
func NewServiceServer(cfg ServiceConfig) *ServiceServer {
	if cfg.Listen == nil {
		cfg.Listen = net.Listen
	}
	if cfg.ProxyHealthy == nil {
		cfg.ProxyHealthy = func() bool { return true }
	}
	return &ServiceServer{cfg: cfg, services: map[types.NamespacedName]Service{}, servers: map[uint16]*portServer{}}
}

// Sync makes the server answer for exactly the given Services: it opens
// ports for new ones and closes those no longer listed. A port that cannot
// be opened is reported and retried at the next Sync.
func (s *ServiceServer) Sync(services map[types.NamespacedName]Service) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.services = services
	byPort := map[uint16]types.NamespacedName{}
	for name, svc := range services {
		byPort[svc.Port] = name
	}
	for port, ps := range s.servers {
		if name, ok := byPort[port]; !ok || name != ps.name {
			ps.close()
			delete(s.servers, port)
		}
	}
	var errs []error
	for port, name := range byPort {
		if _, ok := s.servers[port]; ok {
			continue
		}
		ps, err := s.open(port, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.servers[port] = ps
	}
	return errors.Join(errs...)
}

func (s *ServiceServer) open(port uint16, name types.NamespacedName) (*portServer, error) {
	ps := &portServer{name: name}
	ps.server = &http.Server{Handler: s.handler(name), ReadHeaderTimeout: 10 * time.Second}
	addrs := []string{""}
	if len(s.cfg.Addresses) > 0 {
		addrs = addrs[:0]
		for _, a := range s.cfg.Addresses {
			addrs = append(addrs, a.String())
		}
	}
	for _, a := range addrs {
		l, err := s.cfg.Listen("tcp", net.JoinHostPort(a, strconv.Itoa(int(port))))
		if err != nil {
			ps.close()
			return nil, fmt.Errorf("health check port %d of %s: %w", port, name, err)
		}
		ps.listeners = append(ps.listeners, l)
		go func() { _ = ps.server.Serve(l) }()
	}
	return ps, nil
}

func (ps *portServer) close() {
	_ = ps.server.Close()
	for _, l := range ps.listeners {
		_ = l.Close()
	}
}

// serviceBody is kube-proxy's health check answer.
type serviceBody struct {
	Service struct {
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	} `json:"service"`
	LocalEndpoints      int  `json:"localEndpoints"`
	ServiceProxyHealthy bool `json:"serviceProxyHealthy"`
}

func (s *ServiceServer) handler(name types.NamespacedName) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		count := s.services[name].LocalEndpoints
		s.mu.Unlock()
		var body serviceBody
		body.Service.Namespace, body.Service.Name = name.Namespace, name.Name
		body.LocalEndpoints = count
		body.ServiceProxyHealthy = s.cfg.ProxyHealthy()
		w.Header().Set("X-Load-Balancing-Endpoint-Weight", strconv.Itoa(count))
		writeJSON(w, count > 0 && body.ServiceProxyHealthy, body)
	})
}

// Ports returns the ports being served, for tests and status pages.
func (s *ServiceServer) Ports() map[uint16]types.NamespacedName {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[uint16]types.NamespacedName{}
	for p, ps := range s.servers {
		out[p] = ps.name
	}
	return out
}

// Close stops every port.
func (s *ServiceServer) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for port, ps := range s.servers {
		ps.close()
		delete(s.servers, port)
	}
}
