package etcd

import (
	"context"
	"sync"

	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/svcnet/svcnet/pkg/storage"
)

// watchChanSize buffers events between etcd and a slow HTTP client.
const watchChanSize = 100

// etcdWatcher adapts an etcd watch channel to watch.Interface.
type etcdWatcher struct {
	store  *Store
	opts   storage.WatchOptions
	cancel context.CancelFunc
	result chan watch.Event
	once   sync.Once
}

// Watch implements storage.Store.
func (s *Store) Watch(ctx context.Context, prefix string, opts storage.WatchOptions) (watch.Interface, error) {
	ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	w := &etcdWatcher{store: s, opts: opts, cancel: cancel, result: make(chan watch.Event, watchChanSize)}
	wopts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithPrevKV()}
	if opts.ResourceVersion > 0 {
		wopts = append(wopts, clientv3.WithRev(opts.ResourceVersion+1))
	}
	if opts.ProgressNotify {
		wopts = append(wopts, clientv3.WithProgressNotify())
	}
	wch := s.client.Watch(ctx, prefix, wopts...)
	go w.run(ctx, wch)
	return w, nil
}

// Stop implements watch.Interface.
func (w *etcdWatcher) Stop() { w.once.Do(w.cancel) }

// ResultChan implements watch.Interface.
func (w *etcdWatcher) ResultChan() <-chan watch.Event { return w.result }

func (w *etcdWatcher) send(ctx context.Context, ev watch.Event) bool {
	select {
	case w.result <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

func (w *etcdWatcher) sendError(ctx context.Context, status *apierrors.StatusError) {
	st := status.Status()
	w.send(ctx, watch.Event{Type: watch.Error, Object: &st})
}

func (w *etcdWatcher) run(ctx context.Context, wch clientv3.WatchChan) {
	defer close(w.result)
	defer w.Stop()
	for resp := range wch {
		if resp.CompactRevision != 0 {
			w.sendError(ctx, apierrors.NewResourceExpired("too old resource version: the requested revision has been compacted"))
			return
		}
		if err := resp.Err(); err != nil {
			w.sendError(ctx, apierrors.NewInternalError(err))
			return
		}
		if resp.IsProgressNotify() {
			if w.opts.NewObject == nil {
				continue
			}
			obj := w.opts.NewObject()
			if setRV(obj, resp.Header.Revision) == nil && !w.send(ctx, watch.Event{Type: watch.Bookmark, Object: obj}) {
				return
			}
			continue
		}
		for _, ev := range resp.Events {
			out, ok, err := w.convert(ev)
			if err != nil {
				w.sendError(ctx, apierrors.NewInternalError(err))
				return
			}
			if ok && !w.send(ctx, out) {
				return
			}
		}
	}
}

// convert turns one etcd event into a watch event, applying the predicate
// so that objects entering or leaving the selection appear as ADDED or
// DELETED.
func (w *etcdWatcher) convert(ev *clientv3.Event) (watch.Event, bool, error) {
	key := string(ev.Kv.Key)
	var cur, prev runtime.Object
	var err error
	if ev.Type == clientv3.EventTypePut {
		if cur, err = w.store.decode(key, ev.Kv.Value, ev.Kv.ModRevision); err != nil {
			return watch.Event{}, false, err
		}
	}
	if ev.PrevKv != nil {
		// The old object carries the revision of this event, as Kubernetes
		// delivers deleted objects.
		if prev, err = w.store.decode(key, ev.PrevKv.Value, ev.Kv.ModRevision); err != nil {
			return watch.Event{}, false, err
		}
	}
	match := func(o runtime.Object) bool {
		return o != nil && (w.opts.Predicate == nil || w.opts.Predicate(o))
	}
	curOK, prevOK := match(cur), match(prev)
	switch {
	case ev.Type == clientv3.EventTypeDelete:
		return watch.Event{Type: watch.Deleted, Object: prev}, prevOK, nil
	case ev.IsCreate() || prev == nil:
		return watch.Event{Type: watch.Added, Object: cur}, curOK, nil
	case curOK && prevOK:
		return watch.Event{Type: watch.Modified, Object: cur}, true, nil
	case curOK:
		return watch.Event{Type: watch.Added, Object: cur}, true, nil
	case prevOK:
		return watch.Event{Type: watch.Deleted, Object: prev}, true, nil
	}
	return watch.Event{}, false, nil
}
