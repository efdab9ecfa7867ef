package dns

import (
	"context"

	"github.com/miekg/dns"
)

// Handler answers DNS queries; Server tries its handlers in order.
//
// ServeDNS returns the reply to req, or nil and no error to pass req to
// the next handler. An error makes the Server answer SERVFAIL. Replies may
// be larger than the client's buffer and may carry any OPT record: the
// Server truncates them and sets the OPT record itself.
type Handler interface {
	ServeDNS(ctx context.Context, req *dns.Msg) (*dns.Msg, error)
	// Name identifies the handler in metrics and logs.
	Name() string
}
