package authn

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Well-known group names.
const (
	// GroupAuthenticated is added to every authenticated user.
	GroupAuthenticated = "system:authenticated"
	// GroupMasters is the superuser group.
	GroupMasters = "system:masters"
	// GroupNodes holds the kubelets (here: svcnet agents).
	GroupNodes = "system:nodes"
	// GroupBootstrappers holds users that authenticated with a join token.
	GroupBootstrappers = "system:bootstrappers"
)

// User is an authenticated identity.
type User struct {
	// Name is the user name, such as "kubernetes-admin" or "system:node:n1".
	Name string
	// Groups are the groups the user belongs to.
	Groups []string
}

// TokenLookup maps bearer tokens to users.
type TokenLookup interface {
	// LookupToken returns the user a token belongs to, and false if the
	// token is unknown.
	LookupToken(token string) (User, bool)
}

// Authenticator identifies the user behind an HTTP request by client
// certificate or bearer token. It is safe for concurrent use.
type Authenticator struct {
	caPool *x509.CertPool
	tokens TokenLookup
	now    func() time.Time

	// verified caches certificate chains that passed verification, keyed
	// by a hash of the chain, so that each request on a connection does not
	// repeat the signature checks (they were most of a request's CPU).
	mu       sync.Mutex
	verified map[[sha256.Size]byte]verifiedCert
}

// verifiedCert is a cached verification result.
type verifiedCert struct {
	user     User
	notAfter time.Time
}

// maxVerifiedCerts bounds the cache; when full it is emptied, which only
// costs re-verifications.
const maxVerifiedCerts = 4096

// chainKey hashes a presented certificate chain.
func chainKey(certs []*x509.Certificate) [sha256.Size]byte {
	h := sha256.New()
	for _, c := range certs {
		h.Write(c.Raw)
	}
	var k [sha256.Size]byte
	copy(k[:], h.Sum(nil))
	return k
}

// NewAuthenticator returns an Authenticator that trusts client certificates
// signed by caPool and bearer tokens known to tokens. Either may be nil to
// disable that kind of credential.
func NewAuthenticator(caPool *x509.CertPool, tokens TokenLookup) *Authenticator {
	return &Authenticator{caPool: caPool, tokens: tokens, now: time.Now}
}

// Authenticate returns the user making r, and false if r carries no valid
// credential. A client certificate is tried first, then a bearer token.
func (a *Authenticator) Authenticate(r *http.Request) (User, bool) {
	if u, ok := a.fromCertificate(r); ok {
		return withAuthenticated(u), true
	}
	if u, ok := a.fromToken(r); ok {
		return withAuthenticated(u), true
	}
	return User{}, false
}

// fromCertificate verifies the peer's certificate chain against the CA pool
// itself rather than trusting the TLS layer's ClientCAs, so the result does
// not depend on how the listener was configured.
func (a *Authenticator) fromCertificate(r *http.Request) (User, bool) {
	if a.caPool == nil || r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return User{}, false
	}
	leaf := r.TLS.PeerCertificates[0]
	key := chainKey(r.TLS.PeerCertificates)
	now := a.now()
	a.mu.Lock()
	hit, ok := a.verified[key]
	a.mu.Unlock()
	if ok && now.Before(hit.notAfter) && !now.Before(leaf.NotBefore) {
		return User{Name: hit.user.Name, Groups: slices.Clone(hit.user.Groups)}, true
	}
	intermediates := x509.NewCertPool()
	for _, c := range r.TLS.PeerCertificates[1:] {
		intermediates.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         a.caPool,
		Intermediates: intermediates,
		CurrentTime:   a.now(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil || leaf.Subject.CommonName == "" {
		return User{}, false
	}
	u := User{Name: leaf.Subject.CommonName, Groups: slices.Clone(leaf.Subject.Organization)}
	notAfter := leaf.NotAfter
	for _, c := range r.TLS.PeerCertificates[1:] {
		if c.NotAfter.Before(notAfter) {
			notAfter = c.NotAfter
		}
	}
	a.mu.Lock()
	if a.verified == nil || len(a.verified) >= maxVerifiedCerts {
		a.verified = map[[sha256.Size]byte]verifiedCert{}
	}
	a.verified[key] = verifiedCert{user: User{Name: u.Name, Groups: slices.Clone(u.Groups)}, notAfter: notAfter}
	a.mu.Unlock()
	return u, true
}

func (a *Authenticator) fromToken(r *http.Request) (User, bool) {
	if a.tokens == nil {
		return User{}, false
	}
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return User{}, false
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return User{}, false
	}
	u, ok := a.tokens.LookupToken(token)
	if !ok || u.Name == "" {
		return User{}, false
	}
	return User{Name: u.Name, Groups: slices.Clone(u.Groups)}, true
}

// withAuthenticated appends GroupAuthenticated unless it is already there.
func withAuthenticated(u User) User {
	if !slices.Contains(u.Groups, GroupAuthenticated) {
		u.Groups = append(u.Groups, GroupAuthenticated)
	}
	return u
}

// Middleware authenticates every request. It answers 401 with a Kubernetes
// Status body when that fails; otherwise it removes the Authorization header
// (so the credential goes no further) and calls next with the User in the
// request context.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.Authenticate(r)
		if !ok {
			writeUnauthorized(w)
			return
		}
		r = r.WithContext(WithUser(r.Context(), u))
		r.Header.Del("Authorization")
		next.ServeHTTP(w, r)
	})
}

func writeUnauthorized(w http.ResponseWriter) {
	status := metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Message:  "Unauthorized",
		Reason:   metav1.StatusReasonUnauthorized,
		Code:     http.StatusUnauthorized,
	}
	body, _ := json.Marshal(status) // a fixed struct of strings always marshals
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusUnauthorized)
	w.Write(append(body, '\n'))
}

type userKey struct{}

// WithUser returns a context carrying u, as Middleware stores it.
func WithUser(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the user stored in ctx by Middleware or WithUser.
func UserFrom(ctx context.Context) (User, bool) {
	u, ok := ctx.Value(userKey{}).(User)
	return u, ok
}
