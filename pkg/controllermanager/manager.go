// Package controllermanager runs svcnet's controllers against an API
// server, under Lease leader election so that of several servers exactly
// one acts. `svcnet server` runs it in-process; it only talks to the API.
package controllermanager

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/rest"

	"github.com/google/uuid"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	"github.com/svcnet/svcnet/pkg/controller/deployment"
	"github.com/svcnet/svcnet/pkg/controller/endpoints"
	"github.com/svcnet/svcnet/pkg/controller/endpointslice"
	"github.com/svcnet/svcnet/pkg/controller/endpointslicemirroring"
	"github.com/svcnet/svcnet/pkg/controller/gc"
	"github.com/svcnet/svcnet/pkg/controller/namespace"
	"github.com/svcnet/svcnet/pkg/controller/nodeipam"
	"github.com/svcnet/svcnet/pkg/controller/nodelifecycle"
	"github.com/svcnet/svcnet/pkg/controller/replicaset"
	"github.com/svcnet/svcnet/pkg/scheduler"
)

// Config configures the controllers.
type Config struct {
	// ClusterCIDR is the pod network node IPAM splits into /24s.
	ClusterCIDR netip.Prefix
	// MaxEndpointsPerSlice caps the endpoints per EndpointSlice (0: 100).
	MaxEndpointsPerSlice int
	// NodeMonitorGracePeriod is how long a node's heartbeat may be missing
	// before it turns NotReady (0: 40s).
	NodeMonitorGracePeriod time.Duration
	// LeaseDuration, RenewDeadline and RetryPeriod tune leader election;
	// zero values take client-go's usual 15s/10s/2s.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// Logger receives the controllers' logs.
	Logger *slog.Logger
}

// Manager runs the controllers while it holds the leader Lease.
type Manager struct {
	c       Config
	leading atomic.Bool
	metrics prometheus.Registerer
}

// replacingRegisterer lets each leadership term's new controllers register
// their collectors again: a collector already registered by the previous
// term's controllers is replaced, so the metrics follow the running ones.
type replacingRegisterer struct{ prometheus.Registerer }

// Register implements prometheus.Registerer.
func (r replacingRegisterer) Register(c prometheus.Collector) error {
	err := r.Registerer.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		r.Registerer.Unregister(are.ExistingCollector)
		return r.Registerer.Register(c)
	}
	return err
}

// MustRegister implements prometheus.Registerer.
func (r replacingRegisterer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

// New returns a Manager.
func New(c Config) *Manager {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.LeaseDuration == 0 {
		c.LeaseDuration = 15 * time.Second
	}
	if c.RenewDeadline == 0 {
		c.RenewDeadline = 10 * time.Second
	}
	if c.RetryPeriod == 0 {
		c.RetryPeriod = 2 * time.Second
	}
	if !c.ClusterCIDR.IsValid() {
		c.ClusterCIDR = netip.MustParsePrefix("10.244.0.0/16")
	}
	return &Manager{c: c}
}

// Leading reports whether this manager's controllers are running.
func (s *Manager) Leading() bool { return s.leading.Load() }

// LeaderElectionLease names the Lease in kube-system that elects the one
// server whose controllers act.
const LeaderElectionLease = "svcnet-controller-manager"

// controllerContext is what controller starters get.
type controllerContext struct {
	client    kubernetes.Interface
	metadata  metadata.Interface
	informers informers.SharedInformerFactory
}

// runner is a constructed controller.
type runner interface {
	Run(ctx context.Context, workers int)
}

// starter builds one controller.
type starter struct {
	name    string
	workers int
	build   func(cc controllerContext) (runner, error)
}

// starters lists the controllers the server runs when it leads.
func (s *Manager) starters() []starter {
	log := s.c.Logger
	return []starter{
		{"endpointslice", 5, func(cc controllerContext) (runner, error) {
			return endpointslice.New(endpointslice.Config{Client: cc.client, Informers: cc.informers,
				Logger: log.With("controller", "endpointslice"), MaxEndpointsPerSlice: s.c.MaxEndpointsPerSlice, Registerer: s.metrics})
		}},
		{"endpoints", 5, func(cc controllerContext) (runner, error) {
			return endpoints.New(endpoints.Config{Client: cc.client, Informers: cc.informers,
				Logger: log.With("controller", "endpoints"), Registerer: s.metrics})
		}},
		{"endpointslicemirroring", 2, func(cc controllerContext) (runner, error) {
			return endpointslicemirroring.New(endpointslicemirroring.Config{Client: cc.client, Informers: cc.informers,
				Logger: log.With("controller", "endpointslicemirroring"), Registerer: s.metrics})
		}},
		{"replicaset", 5, func(cc controllerContext) (runner, error) {
			return replicaset.New(replicaset.Config{Client: cc.client, Informers: cc.informers,
				Logger: log.With("controller", "replicaset"), Registerer: s.metrics})
		}},
		{"deployment", 5, func(cc controllerContext) (runner, error) {
			return deployment.New(deployment.Config{Client: cc.client, Informers: cc.informers,
				Logger: log.With("controller", "deployment"), Registerer: s.metrics})
		}},
		{"scheduler", 1, func(cc controllerContext) (runner, error) {
			return scheduler.New(scheduler.Config{Client: cc.client, Informers: cc.informers,
				Logger: log.With("component", "scheduler"), Registerer: s.metrics})
		}},
		{"nodeipam", 1, func(cc controllerContext) (runner, error) {
			return nodeipam.New(nodeipam.Config{Client: cc.client, Informers: cc.informers,
				Logger: log.With("controller", "nodeipam"), ClusterCIDR: s.c.ClusterCIDR})
		}},
		{"nodelifecycle", 1, func(cc controllerContext) (runner, error) {
			return nodelifecycle.New(nodelifecycle.Config{Client: cc.client, Informers: cc.informers,
				Logger: log.With("controller", "nodelifecycle"), GracePeriod: s.c.NodeMonitorGracePeriod})
		}},
		{"namespace", 2, func(cc controllerContext) (runner, error) {
			return namespace.New(namespace.Config{Client: cc.client, Informers: cc.informers, Metadata: cc.metadata,
				Logger: log.With("controller", "namespace")})
		}},
		{"garbagecollector", 5, func(cc controllerContext) (runner, error) {
			return gc.New(gc.Config{Client: cc.client, Metadata: cc.metadata, Logger: log.With("controller", "garbagecollector")})
		}},
	}
}

// Run campaigns for leadership through a Lease and runs the controllers
// while it leads, until ctx ends. Losing the lease stops the controllers,
// and the manager campaigns again. metrics receives the controllers'
// metrics.
func (s *Manager) Run(ctx context.Context, cfg *rest.Config, metrics prometheus.Registerer) {
	s.metrics = replacingRegisterer{metrics}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		s.c.Logger.Error("controllers cannot start", "err", err)
		return
	}
	md, err := metadata.NewForConfig(cfg)
	if err != nil {
		s.c.Logger.Error("controllers cannot start", "err", err)
		return
	}
	host, _ := os.Hostname()
	id := fmt.Sprintf("%s_%s", host, uuid.NewString())
	for ctx.Err() == nil {
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock: &resourcelock.LeaseLock{
				LeaseMeta:  metaFor(LeaderElectionLease),
				Client:     client.CoordinationV1(),
				LockConfig: resourcelock.ResourceLockConfig{Identity: id},
			},
			LeaseDuration:   s.c.LeaseDuration,
			RenewDeadline:   s.c.RenewDeadline,
			RetryPeriod:     s.c.RetryPeriod,
			ReleaseOnCancel: true,
			Name:            LeaderElectionLease,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(lctx context.Context) {
					s.c.Logger.Info("leading: starting controllers", "identity", id)
					s.leading.Store(true)
					defer s.leading.Store(false)
					s.startControllers(lctx, client, md)
				},
				OnStoppedLeading: func() { s.c.Logger.Info("stopped leading", "identity", id) },
			},
		})
		if err != nil {
			s.c.Logger.Error("leader election misconfigured", "err", err)
			return
		}
		le.Run(ctx)
	}
}

// startControllers builds and runs every controller until ctx ends.
func (s *Manager) startControllers(ctx context.Context, client kubernetes.Interface, md metadata.Interface) {
	factory := informers.NewSharedInformerFactory(client, 0)
	cc := controllerContext{client: client, metadata: md, informers: factory}
	var runners []func()
	for _, st := range s.starters() {
		r, err := st.build(cc)
		if err != nil {
			s.c.Logger.Error("controller not started", "controller", st.name, "err", err)
			continue
		}
		workers := st.workers
		runners = append(runners, func() { r.Run(ctx, workers) })
	}
	factory.Start(ctx.Done())
	done := make(chan struct{}, len(runners))
	for _, run := range runners {
		go func() { run(); done <- struct{}{} }()
	}
	for range runners {
		<-done
	}
	factory.Shutdown()
}

func metaFor(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "kube-system"}
}
