package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/component-base/version"

	"github.com/svcnet/svcnet/pkg/apis/scheme"
	"github.com/svcnet/svcnet/pkg/apiserver"
	"github.com/svcnet/svcnet/pkg/apiserver/authn"
	"github.com/svcnet/svcnet/pkg/apiserver/openapi"
	"github.com/svcnet/svcnet/pkg/pki"
	"github.com/svcnet/svcnet/pkg/printers"
	"github.com/svcnet/svcnet/pkg/registry/resources"
	"github.com/svcnet/svcnet/pkg/storage"
	etcdstore "github.com/svcnet/svcnet/pkg/storage/etcd"
)

// Server is a running control plane.
type Server struct {
	c        Config
	etcd     *etcdstore.Embedded
	client   *clientv3.Client
	store    storage.Store
	set      *resources.Set
	api      *apiserver.Server
	bundle   *pki.Bundle
	listener net.Listener
	http     *http.Server
	metrics  *prometheus.Registry

	mu    sync.Mutex
	done  chan struct{}
	ready chan struct{}
}

// New prepares a control plane: credentials, etcd, storage and the API
// handler. Start serves it.
func New(ctx context.Context, c Config) (*Server, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	s := &Server{c: c, metrics: prometheus.NewRegistry(), done: make(chan struct{}), ready: make(chan struct{})}
	s.metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ln, err := net.Listen("tcp", net.JoinHostPort(c.BindAddress.String(), strconv.Itoa(c.SecurePort)))
	if err != nil {
		return nil, fmt.Errorf("listening on port %d: %w", c.SecurePort, err)
	}
	s.listener = ln
	ok := false
	defer func() {
		if !ok {
			s.close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	if s.bundle, err = pki.Ensure(pki.Config{
		Dir:           c.DataDir,
		ServerURL:     fmt.Sprintf("https://127.0.0.1:%d", port),
		NodeIPs:       []net.IP{c.AdvertiseAddress},
		ExtraSANs:     c.ExtraSANs,
		ClusterDomain: c.ClusterDomain,
		ServiceIP:     net.IP(firstIP(c.ServiceCIDR).AsSlice()),
	}); err != nil {
		return nil, fmt.Errorf("preparing credentials: %w", err)
	}
	if err := s.openEtcd(ctx); err != nil {
		return nil, err
	}
	if err := s.buildAPI(); err != nil {
		return nil, err
	}
	ok = true
	return s, nil
}

func (s *Server) openEtcd(ctx context.Context) error {
	if len(s.c.EtcdServers) > 0 {
		client, err := etcdstore.NewClient(s.c.EtcdServers)
		if err != nil {
			return err
		}
		s.client = client
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if _, err := client.Get(cctx, "/registry/health-probe", clientv3.WithCountOnly()); err != nil {
			return fmt.Errorf("reaching etcd %v: %w", s.c.EtcdServers, err)
		}
		return nil
	}
	e, err := etcdstore.StartEmbedded(ctx, etcdstore.EmbeddedConfig{Dir: filepath.Join(s.c.DataDir, "etcd"), Logger: s.c.Logger})
	if err != nil {
		return err
	}
	s.etcd, s.client = e, e.Client
	return nil
}

// storageCodec encodes objects as protobuf. Every served group has one
// version, so the scheme's versions pick the storage version of each kind.
func storageCodec(sch *runtime.Scheme) (runtime.Codec, error) {
	codecs := scheme.Codecs(sch)
	gvs := schema.GroupVersions(sch.PrioritizedVersionsAllGroups())
	for _, info := range codecs.SupportedMediaTypes() {
		if info.MediaType == runtime.ContentTypeProtobuf {
			return codecs.CodecForVersions(info.Serializer, codecs.UniversalDeserializer(), gvs, gvs), nil
		}
	}
	return nil, errors.New("no protobuf serializer")
}

func (s *Server) buildAPI() error {
	sch := scheme.New()
	codec, err := storageCodec(sch)
	if err != nil {
		return err
	}
	types := &newFuncs{}
	if s.store, err = etcdstore.New(etcdstore.Config{Client: s.client, Codec: codec, NewFunc: types.lookup}); err != nil {
		return err
	}
	set, err := resources.New(resources.Config{
		Store:         s.store,
		ServiceCIDR:   s.c.ServiceCIDR,
		NodePortRange: s.c.NodePortRange,
		NodeToken:     s.bundle.NodeToken,
		Logger:        s.c.Logger,
		Now:           s.c.Now,
	})
	if err != nil {
		return err
	}
	for _, r := range set.Resources {
		types.add(r.Registry.Config().KeyPrefix, r.Registry.New)
	}
	types.freeze()
	s.set = set
	oapi, err := openapi.NewService(openAPIResources(set.Resources))
	if err != nil {
		return fmt.Errorf("building OpenAPI: %w", err)
	}
	oapiMux := http.NewServeMux()
	oapi.Install(oapiMux)
	health := http.HandlerFunc(s.serveHealth)
	s.api, err = apiserver.New(apiserver.Config{
		Scheme:          sch,
		Resources:       set.Resources,
		Tables:          printers.New(),
		Namespaces:      set.Namespaces,
		Version:         version.Get(),
		ExternalAddress: net.JoinHostPort(s.c.AdvertiseAddress.String(), strconv.Itoa(s.Port())),
		Extra: map[string]http.Handler{
			"/openapi/": oapiMux, "/metrics": promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{}),
			"/healthz": health, "/livez": health, "/readyz": health,
		},
		Logger: s.c.Logger,
		Now:    s.c.Now,
	})
	return err
}

// newFuncs maps storage prefixes to the empty objects decoded under them.
type newFuncs struct {
	prefixes []string
	funcs    map[string]func() runtime.Object
}

func (n *newFuncs) add(prefix string, f func() runtime.Object) {
	if n.funcs == nil {
		n.funcs = map[string]func() runtime.Object{}
	}
	n.funcs[prefix+"/"] = f
	n.prefixes = append(n.prefixes, prefix+"/")
}

// freeze sorts the prefixes longest first, so that lookups find the most
// specific one.
func (n *newFuncs) freeze() {
	sort.Slice(n.prefixes, func(i, j int) bool { return len(n.prefixes[i]) > len(n.prefixes[j]) })
}

func (n *newFuncs) lookup(key string) (runtime.Object, error) {
	for _, p := range n.prefixes {
		if strings.HasPrefix(key, p) {
			return n.funcs[p](), nil
		}
	}
	return nil, fmt.Errorf("no type is stored under %s", key)
}

// openAPIResources describes the served resources for the OpenAPI builder.
func openAPIResources(rs []apiserver.Resource) []openapi.Resource {
	out := make([]openapi.Resource, 0, len(rs))
	for _, r := range rs {
		o := openapi.Resource{
			Group: r.GroupVersion.Group, Version: r.GroupVersion.Version, Kind: r.Kind,
			Plural: r.Plural, Namespaced: r.Namespaced, ListKind: r.Kind + "List",
		}
		if r.Status != nil {
			o.Subresources = append(o.Subresources, openapi.Subresource{Name: "status", Kind: r.Kind})
		}
		if r.Scale != nil {
			o.Subresources = append(o.Subresources, openapi.Subresource{Name: "scale", Group: "autoscaling", Version: "v1", Kind: "Scale"})
		}
		for name, h := range r.Subresources {
			o.Subresources = append(o.Subresources, openapi.Subresource{Name: name, Group: h.Kind.Group, Version: h.Kind.Version, Kind: h.Kind.Kind})
		}
		out = append(out, o)
	}
	return out
}

// Port returns the API server's port.
func (s *Server) Port() int { return s.listener.Addr().(*net.TCPAddr).Port }

// URL returns the API server's loopback URL.
func (s *Server) URL() string { return fmt.Sprintf("https://127.0.0.1:%d", s.Port()) }

// KubeconfigPath returns the admin kubeconfig's path.
func (s *Server) KubeconfigPath() string { return s.bundle.KubeconfigPath }

// RESTConfig returns an admin client configuration.
func (s *Server) RESTConfig() (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", s.bundle.KubeconfigPath)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", s.bundle.KubeconfigPath, err)
	}
	cfg.Host = s.URL()
	cfg.QPS, cfg.Burst = 1000, 2000
	return cfg, nil
}

// EtcdEndpoint returns the embedded etcd's client URL, or "" when the
// server uses an external cluster.
func (s *Server) EtcdEndpoint() string {
	if s.etcd == nil {
		return ""
	}
	return s.etcd.Endpoint
}

// Ready is closed once the server serves and its bootstrap objects exist.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Leading reports whether this server's controllers are running.
func (s *Server) Leading() bool { return s.c.Controllers != nil && s.c.Controllers.Leading() }

// Bundle returns the cluster's credentials.
func (s *Server) Bundle() *pki.Bundle { return s.bundle }

// Resources returns the served resources.
func (s *Server) Resources() *resources.Set { return s.set }

// Store returns the storage the server uses.
func (s *Server) Store() storage.Store { return s.store }

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.store.Revision(ctx); err != nil {
		http.Error(w, "etcd: "+err.Error(), http.StatusInternalServerError)
		return
	}
	_, _ = w.Write([]byte("ok"))
}

// Run bootstraps the cluster objects, serves the API and runs the
// controllers until ctx ends, then shuts down.
func (s *Server) Run(ctx context.Context) error {
	defer s.close()
	if _, err := s.set.Allocator.Repair(ctx); err != nil {
		return fmt.Errorf("repairing service allocations: %w", err)
	}
	auth := authn.NewAuthenticator(s.bundle.CAPool(), authn.NewStaticTokens(map[string]authn.User{s.bundle.NodeToken: authn.BootstrapUser()}))
	s.http = &http.Server{
		Handler:           auth.Middleware(s.api),
		TLSConfig:         authn.TLSConfig(s.bundle.ServingCert, s.bundle.CAPool()),
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          nil,
	}
	errc := make(chan error, 1)
	go func() { errc <- s.http.ServeTLS(s.listener, "", "") }()
	if err := s.bootstrap(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("bootstrapping cluster objects: %w", err)
	}
	close(s.ready)
	go s.runBackground(ctx)
	// The controllers stop before the API does, so that they can release
	// their leader Lease and another server takes over at once.
	ctrlCtx, stopControllers := context.WithCancel(ctx)
	ctrlDone := make(chan struct{})
	defer func() {
		stopControllers()
		select {
		case <-ctrlDone:
		case <-time.After(5 * time.Second):
		}
	}()
	if s.c.Controllers != nil {
		cfg, err := s.RESTConfig()
		if err != nil {
			return err
		}
		go func() {
			defer close(ctrlDone)
			s.c.Controllers.Run(ctrlCtx, cfg, s.metrics)
		}()
	} else {
		close(ctrlDone)
	}
	s.c.Logger.Info("API server ready", "url", s.URL(), "kubeconfig", s.bundle.KubeconfigPath)
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serving: %w", err)
		}
	}
	stopControllers()
	select {
	case <-ctrlDone:
	case <-time.After(5 * time.Second):
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.http.Shutdown(shutdownCtx)
	return nil
}

func (s *Server) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.done:
		return
	default:
		close(s.done)
	}
	if s.listener != nil {
		s.listener.Close()
	}
	if s.etcd != nil {
		s.etcd.Close()
	} else if s.client != nil {
		s.client.Close()
	}
}

// runBackground runs the loops every server runs, leader or not.
func (s *Server) runBackground(ctx context.Context) {
	ticker := time.NewTicker(3 * time.Minute)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			// The allocation cache is a hint; refreshing it picks up what
			// other API servers allocated and released.
			if err := s.set.Allocator.Sync(ctx); err != nil {
				s.c.Logger.Warn("syncing service allocations", "err", err)
			}
		}
	}
}
