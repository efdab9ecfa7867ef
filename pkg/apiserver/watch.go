package apiserver

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/streaming"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/svcnet/svcnet/pkg/registry/generic"
)

// initialEventsEndAnnotation marks the bookmark that ends a watch-list's
// initial events; client-go informers wait for it before they sync.
const initialEventsEndAnnotation = "k8s.io/initial-events-end"

// watchStream encodes watch events onto a response.
type watchStream struct {
	s       *Server
	r       *http.Request
	w       http.ResponseWriter
	rc      *http.ResponseController
	out     output
	gv      schema.GroupVersion
	encoder streaming.Encoder
	buf     bytes.Buffer
}

func (ws *watchStream) send(typ watch.EventType, obj runtime.Object) error {
	gv := ws.gv
	if typ != watch.Error {
		var err error
		if obj, gv, err = ws.s.transform(ws.r, ws.out, ws.gv, obj); err != nil {
			return err
		}
	} else {
		gv = schema.GroupVersion{Version: "v1"}
	}
	ws.buf.Reset()
	if err := ws.s.codecs.EncoderForVersion(ws.out.info.Serializer, gv).Encode(obj, &ws.buf); err != nil {
		return err
	}
	ev := &metav1.WatchEvent{Type: string(typ), Object: runtime.RawExtension{Raw: ws.buf.Bytes()}}
	if err := ws.encoder.Encode(ev); err != nil {
		return err
	}
	return ws.rc.Flush()
}

// watchTimeout returns the watch's lifetime: timeoutSeconds, or a random
// 30-60 minutes as kube-apiserver picks, so that clients reconnect spread out.
func watchTimeout(r *http.Request) (time.Duration, error) {
	secs, err := parseInt64(r, "timeoutSeconds")
	if err != nil {
		return 0, err
	}
	if secs > 0 {
		return time.Duration(secs) * time.Second, nil
	}
	return 30*time.Minute + time.Duration(rand.Int64N(int64(30*time.Minute))), nil
}

func (s *Server) handleWatch(w http.ResponseWriter, r *http.Request, req *request) {
	opts, err := listOptions(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	q := r.URL.Query()
	bookmarks := isTrue(q.Get("allowWatchBookmarks"))
	sendInitial := q.Get("sendInitialEvents") == "true"
	if sendInitial {
		var errs field.ErrorList
		if q.Get("resourceVersionMatch") != string(metav1.ResourceVersionMatchNotOlderThan) {
			errs = append(errs, field.Forbidden(field.NewPath("resourceVersionMatch"), "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
		}
		if !bookmarks {
			errs = append(errs, field.Forbidden(field.NewPath("allowWatchBookmarks"), "sendInitialEvents requires setting allowWatchBookmarks to true"))
		}
		if len(errs) > 0 {
			s.writeError(w, apierrors.NewInvalid(schema.GroupKind{Group: metaGV.Group, Kind: "ListOptions"}, "", errs))
			return
		}
	}
	// Without a resourceVersion (or with "0"), a watch starts with the
	// current state as ADDED events, unless sendInitialEvents=false.
	initial := sendInitial || (opts.ResourceVersion == 0 && q.Get("sendInitialEvents") != "false")
	timeout, err := watchTimeout(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	out, ok := s.negotiateOutput(r.Header.Get("Accept"), true)
	if !ok || out.info.StreamSerializer == nil {
		s.writeError(w, notAcceptable(r.Header.Get("Accept")))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()

	var initialItems []runtime.Object
	if initial {
		list, err := req.res.Registry.List(ctx, req.info.Namespace, generic.ListOptions{Labels: opts.Labels, Fields: opts.Fields})
		if err != nil {
			s.writeError(w, err)
			return
		}
		if initialItems, err = meta.ExtractList(list); err != nil {
			s.writeError(w, apierrors.NewInternalError(err))
			return
		}
		lm, _ := meta.ListAccessor(list)
		opts.ResourceVersion, _ = strconv.ParseInt(lm.GetResourceVersion(), 10, 64)
	}
	opts.ProgressNotify = bookmarks
	watcher, err := req.res.Registry.Watch(ctx, req.info.Namespace, opts)
	if err != nil {
		s.writeError(w, err)
		return
	}
	defer watcher.Stop()

	framer := out.info.StreamSerializer.Framer
	contentType := out.info.MediaType
	if out.info.MediaType != runtime.ContentTypeJSON {
		contentType += ";stream=watch"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Transfer-Encoding", "chunked")
	w.WriteHeader(http.StatusOK)
	ws := &watchStream{s: s, r: r, w: w, rc: http.NewResponseController(w), out: out, gv: req.gv}
	ws.encoder = streaming.NewEncoder(framer.NewFrameWriter(w), s.codecs.EncoderForVersion(out.info.StreamSerializer.Serializer, req.gv))
	if err := ws.rc.Flush(); err != nil {
		return
	}
	for _, item := range initialItems {
		if ws.send(watch.Added, item) != nil {
			return
		}
	}
	if sendInitial {
		bm := req.res.Registry.New()
		acc, _ := meta.Accessor(bm)
		acc.SetResourceVersion(strconv.FormatInt(opts.ResourceVersion, 10))
		acc.SetAnnotations(map[string]string{initialEventsEndAnnotation: "true"})
		if ws.send(watch.Bookmark, bm) != nil {
			return
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-watcher.ResultChan():
			if !ok {
				return
			}
			if ev.Type == watch.Bookmark && (!bookmarks || out.as == "Table") {
				continue
			}
			if ws.send(ev.Type, ev.Object) != nil {
				return
			}
		}
	}
}
