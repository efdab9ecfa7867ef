package etcd

import (
	"context"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/svcnet/svcnet/pkg/storage"
)

// watchChanSize buffers events between etcd and a slow HTTP client.
const watchChanSize = 100

// bookmarkInterval is how often an idle watch that asked for bookmarks gets
// one. etcd's own progress notifications depend on server settings the
// store cannot rely on (and RequestProgress is deferred while any watcher
// on the shared stream is unsynced), so the watcher synthesizes them from
// the newest revision it has delivered: every event up to it has been sent,
// which is exactly what a bookmark promises.
const bookmarkInterval = 5 * time.Second

// etcdWatcher adapts an etcd watch channel to watch.Interface.
type etcdWatcher struct {
	store  *Store
	opts   storage.WatchOptions
	cancel context.CancelFunc
	result chan watch.Event
	once   sync.Once
	// delivered is the newest revision whose events have all been sent.
	delivered int64
}

// Watch implements storage.Store.
func (s *Store) Watch(ctx context.Context, prefix string, opts storage.WatchOptions) (watch.Interface, error) {
	ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	w := &etcdWatcher{store: s, opts: opts, cancel: cancel, result: make(chan watch.Event, watchChanSize), delivered: opts.ResourceVersion}
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
	var tick <-chan time.Time
	if w.opts.ProgressNotify && w.opts.NewObject != nil {
		ticker := time.NewTicker(bookmarkInterval)
		defer ticker.Stop()
		tick = ticker.C
	}
	for {
		var resp clientv3.WatchResponse
		var ok bool
		select {
		case <-ctx.Done():
			return
		case <-tick:
			if w.delivered > 0 && !w.sendBookmark(ctx, w.delivered) {
				return
			}
			continue
		case resp, ok = <-wch:
			if !ok {
				return
			}
		}
		if resp.CompactRevision != 0 {
			w.sendError(ctx, apierrors.NewResourceExpired("too old resource version: the requested revision has been compacted"))
			return
		}
		if err := resp.Err(); err != nil {
			w.sendError(ctx, apierrors.NewInternalError(err))
			return
		}
		if resp.IsProgressNotify() {
			if w.opts.NewObject != nil && resp.Header.Revision > w.delivered {
				w.delivered = resp.Header.Revision
				if !w.sendBookmark(ctx, w.delivered) {
					return
				}
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
			w.delivered = ev.Kv.ModRevision
		}
	}
}

// sendBookmark delivers a BOOKMARK at rev.
func (w *etcdWatcher) sendBookmark(ctx context.Context, rev int64) bool {
	obj := w.opts.NewObject()
	if setRV(obj, rev) != nil {
		return true
	}
	return w.send(ctx, watch.Event{Type: watch.Bookmark, Object: obj})
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
