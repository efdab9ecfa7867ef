package dns

import (
	"net/http"
)

// Handler serves /healthz (and /readyz, the same): 200 once the index has
// synced with the API server, 503 before.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	h := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !s.index.Synced() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("dns index not synced\n"))
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	}
	mux.HandleFunc("/healthz", h)
	mux.HandleFunc("/readyz", h)
	return mux
}
