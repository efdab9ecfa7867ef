package dns

import (
	"context"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/svcnet/svcnet/pkg/dns/object"
)

// startInformers feeds the index from Services, EndpointSlices and Pods,
// trimmed by object.Transform before they are stored, and marks the index
// synced once every handler has seen the initial lists. It returns the
// factory, for Shutdown.
//
// Informers keep the last state they saw and retry with backoff while the
// API server is unreachable, so the server keeps answering from that.
func (s *Server) startInformers(ctx context.Context) (informers.SharedInformerFactory, error) {
	f := informers.NewSharedInformerFactoryWithOptions(s.cfg.Client, 0, informers.WithTransform(object.Transform))
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { s.apply(s.index.Upsert, obj) },
		UpdateFunc: func(_, obj any) { s.apply(s.index.Upsert, obj) },
		DeleteFunc: func(obj any) { s.apply(s.index.Delete, obj) },
	}
	var synced []cache.InformerSynced
	for _, inf := range []cache.SharedIndexInformer{
		f.Core().V1().Services().Informer(),
		f.Discovery().V1().EndpointSlices().Informer(),
		f.Core().V1().Pods().Informer(),
	} {
		reg, err := inf.AddEventHandler(handler)
		if err != nil {
			return nil, err
		}
		synced = append(synced, reg.HasSynced)
	}
	f.Start(ctx.Done())
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), synced...) {
			return
		}
		s.index.MarkSynced()
		st := s.index.Stats()
		s.log.Info("dns index synced", "services", st.Services, "endpoints", st.Endpoints, "pods", st.Pods)
	}()
	return f, nil
}

func (s *Server) apply(f func(any) error, obj any) {
	if err := f(obj); err != nil {
		s.log.Warn("dns index update failed", "err", err)
	}
}
