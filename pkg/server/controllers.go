package server

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/google/uuid"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	"github.com/svcnet/svcnet/pkg/controller/endpoints"
	"github.com/svcnet/svcnet/pkg/controller/endpointslice"
	"github.com/svcnet/svcnet/pkg/controller/endpointslicemirroring"
	"github.com/svcnet/svcnet/pkg/controller/gc"
	"github.com/svcnet/svcnet/pkg/controller/namespace"
	"github.com/svcnet/svcnet/pkg/controller/nodeipam"
	"github.com/svcnet/svcnet/pkg/controller/nodelifecycle"
)

// LeaderElectionLease names the Lease in kube-system that elects the one
// server whose controllers act.
const LeaderElectionLease = "svcnet-controller-manager"

// controllerContext is what controller starters get.
type controllerContext struct {
	client    kubernetes.Interface
	metadata  metadata.Interface
	informers informers.SharedInformerFactory
	s         *Server
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
func (s *Server) starters() []starter {
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

// runControllers campaigns for leadership through a Lease and runs the
// controllers while it leads, until ctx ends. Losing the lease stops the
// controllers, and the server campaigns again.
func (s *Server) runControllers(ctx context.Context) {
	cfg, err := s.RESTConfig()
	if err != nil {
		s.c.Logger.Error("controllers cannot start", "err", err)
		return
	}
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
			LeaseDuration:   s.c.LeaderElection.LeaseDuration,
			RenewDeadline:   s.c.LeaderElection.RenewDeadline,
			RetryPeriod:     s.c.LeaderElection.RetryPeriod,
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
func (s *Server) startControllers(ctx context.Context, client kubernetes.Interface, md metadata.Interface) {
	factory := informers.NewSharedInformerFactory(client, 0)
	cc := controllerContext{client: client, metadata: md, informers: factory, s: s}
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
