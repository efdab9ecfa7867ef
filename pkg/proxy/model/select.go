package model

// Selection is the endpoints of one Service port that traffic may use,
// split by traffic policy.
type Selection struct {
	// Cluster are the endpoints for traffic policy Cluster: the ready
	// endpoints or, when none is ready, the serving terminating ones.
	Cluster []*Endpoint
	// Local are the endpoints on this node, chosen the same way.
	Local []*Endpoint
}

// Select picks the usable endpoints of eps for a proxy on node. A
// terminating endpoint that still serves is used only when no endpoint is
// ready, so that connections keep working during a rolling update without
// sending new ones to pods that are going away.
func Select(eps []*Endpoint, node string) Selection {
	return Selection{
		Cluster: usable(eps, func(*Endpoint) bool { return true }),
		Local:   usable(eps, func(e *Endpoint) bool { return node != "" && e.NodeName == node }),
	}
}

func usable(eps []*Endpoint, keep func(*Endpoint) bool) []*Endpoint {
	var ready, fallback []*Endpoint
	for _, e := range eps {
		switch {
		case !keep(e):
		case e.Ready:
			ready = append(ready, e)
		case e.Serving && e.Terminating:
			fallback = append(fallback, e)
		}
	}
	if len(ready) > 0 {
		return ready
	}
	return fallback
}
