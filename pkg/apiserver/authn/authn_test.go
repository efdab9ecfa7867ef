package authn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

const goodToken = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// echoUser writes "name|group,group|authorization header" for the context user.
func echoUser(w http.ResponseWriter, r *http.Request) {
	u, ok := UserFrom(r.Context())
	if !ok {
		http.Error(w, "no user in context", http.StatusInternalServerError)
		return
	}
	fmt.Fprintf(w, "%s|%s|%s", u.Name, strings.Join(u.Groups, ","), r.Header.Get("Authorization"))
}

func TestMiddlewareOverTLS(t *testing.T) {
	ca := newTestCA(t, "svcnet-ca")
	other := newTestCA(t, "svcnet-ca") // same name, different key
	serving := ca.issue(t, leafOpts{cn: "kube-apiserver", usage: x509.ExtKeyUsageServerAuth})

	auth := NewAuthenticator(ca.pool(), NewStaticTokens(map[string]User{goodToken: BootstrapUser()}))
	srv := httptest.NewUnstartedServer(auth.Middleware(http.HandlerFunc(echoUser)))
	srv.TLS = TLSConfig(serving, ca.pool())
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	admin := ca.issue(t, leafOpts{cn: "kubernetes-admin", orgs: []string{"system:masters"}, usage: x509.ExtKeyUsageClientAuth})
	tests := []struct {
		name     string
		cert     *tls.Certificate
		authz    string
		wantCode int // 0: the TLS handshake or the request may fail instead of a 401
		wantBody string
	}{
		{name: "no credentials", wantCode: http.StatusUnauthorized},
		{name: "admin certificate", cert: &admin, wantCode: http.StatusOK,
			wantBody: "kubernetes-admin|system:masters,system:authenticated|"},
		{name: "node certificate", wantCode: http.StatusOK,
			cert:     ptr(ca.issue(t, leafOpts{cn: "system:node:n1", orgs: []string{"system:nodes"}, usage: x509.ExtKeyUsageClientAuth})),
			wantBody: "system:node:n1|system:nodes,system:authenticated|"},
		{name: "certificate without groups", wantCode: http.StatusOK,
			cert:     ptr(ca.issue(t, leafOpts{cn: "alice", usage: x509.ExtKeyUsageClientAuth})),
			wantBody: "alice|system:authenticated|"},
		{name: "certificate from another CA",
			cert: ptr(other.issue(t, leafOpts{cn: "kubernetes-admin", orgs: []string{"system:masters"}, usage: x509.ExtKeyUsageClientAuth}))},
		{name: "server-only certificate",
			cert: ptr(ca.issue(t, leafOpts{cn: "kubernetes-admin", orgs: []string{"system:masters"}, usage: x509.ExtKeyUsageServerAuth}))},
		{name: "expired certificate",
			cert: ptr(ca.issue(t, leafOpts{cn: "kubernetes-admin", usage: x509.ExtKeyUsageClientAuth, notAfter: time.Now().Add(-time.Minute)}))},
		{name: "good bearer token", authz: "Bearer " + goodToken, wantCode: http.StatusOK,
			wantBody: "system:bootstrap:svcnet|system:bootstrappers,system:nodes,system:authenticated|"},
		{name: "scheme is case-insensitive", authz: "bearer " + goodToken, wantCode: http.StatusOK,
			wantBody: "system:bootstrap:svcnet|system:bootstrappers,system:nodes,system:authenticated|"},
		{name: "bad bearer token", authz: "Bearer " + goodToken[:63] + "0", wantCode: http.StatusUnauthorized},
		{name: "token prefix", authz: "Bearer " + goodToken[:32], wantCode: http.StatusUnauthorized},
		{name: "empty bearer token", authz: "Bearer ", wantCode: http.StatusUnauthorized},
		{name: "basic scheme", authz: "Basic " + goodToken, wantCode: http.StatusUnauthorized},
		{name: "certificate wins over token", cert: &admin, authz: "Bearer " + goodToken, wantCode: http.StatusOK,
			wantBody: "kubernetes-admin|system:masters,system:authenticated|"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := get(srv.URL, ca.pool(), tt.cert, tt.authz)
			if tt.wantCode == 0 {
				// Rejected at the handshake (TLS 1.2) or on first read
				// (TLS 1.3), or let through to a 401.
				if err == nil {
					defer resp.Body.Close()
					if resp.StatusCode != http.StatusUnauthorized {
						t.Fatalf("status %d, want the request refused", resp.StatusCode)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, tt.wantCode)
			}
			if resp.ProtoMajor != 2 {
				t.Errorf("protocol %s, want HTTP/2", resp.Proto)
			}
			if tt.wantCode == http.StatusUnauthorized {
				checkStatusBody(t, resp, body)
				return
			}
			if string(body) != tt.wantBody {
				t.Errorf("body %q, want %q (the Authorization header must not reach the handler)", body, tt.wantBody)
			}
		})
	}
}

// get makes one request over a fresh connection.
func get(url string, roots *x509.CertPool, cert *tls.Certificate, authz string) (*http.Response, error) {
	cfg := &tls.Config{RootCAs: roots}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true, DisableKeepAlives: true}}
	req, err := http.NewRequest(http.MethodGet, url+"/api/v1/namespaces", nil)
	if err != nil {
		return nil, err
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	return client.Do(req)
}

func checkStatusBody(t *testing.T, resp *http.Response, body []byte) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("body %q is not JSON: %v", body, err)
	}
	want := map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure",
		"message": "Unauthorized", "reason": "Unauthorized", "code": float64(401)}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Status body %s = %v, want %v", k, got[k], v)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestAuthenticateVerifiesCertificates covers listeners that pass client
// certificates through unverified (tls.RequestClientCert): the Authenticator
// must check the chain itself.
func TestAuthenticateVerifiesCertificates(t *testing.T) {
	ca := newTestCA(t, "svcnet-ca")
	other := newTestCA(t, "other")
	tests := []struct {
		name   string
		pool   *x509.CertPool
		cert   tls.Certificate
		want   User
		wantOK bool
	}{
		{name: "signed by the CA", pool: ca.pool(),
			cert:   ca.issue(t, leafOpts{cn: "bob", orgs: []string{"dev", "ops"}, usage: x509.ExtKeyUsageClientAuth}),
			want:   User{Name: "bob", Groups: []string{"dev", "ops", GroupAuthenticated}},
			wantOK: true},
		{name: "signed by another CA", pool: ca.pool(),
			cert: other.issue(t, leafOpts{cn: "bob", usage: x509.ExtKeyUsageClientAuth})},
		{name: "no common name", pool: ca.pool(),
			cert: ca.issue(t, leafOpts{orgs: []string{"system:masters"}, usage: x509.ExtKeyUsageClientAuth})},
		{name: "server usage", pool: ca.pool(),
			cert: ca.issue(t, leafOpts{cn: "bob", usage: x509.ExtKeyUsageServerAuth})},
		{name: "certificates disabled", pool: nil,
			cert: ca.issue(t, leafOpts{cn: "bob", usage: x509.ExtKeyUsageClientAuth})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "https://127.0.0.1/api", nil)
			r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{tt.cert.Leaf}}
			got, ok := NewAuthenticator(tt.pool, nil).Authenticate(r)
			if ok != tt.wantOK || got.Name != tt.want.Name || !slices.Equal(got.Groups, tt.want.Groups) {
				t.Errorf("Authenticate() = %+v, %t; want %+v, %t", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestStaticTokens(t *testing.T) {
	admin := User{Name: "admin", Groups: []string{GroupMasters, GroupAuthenticated}}
	tokens := NewStaticTokens(map[string]User{"t1": BootstrapUser(), "t2": admin, "": admin})
	tests := []struct {
		token  string
		want   User
		wantOK bool
	}{
		{token: "t1", want: BootstrapUser(), wantOK: true},
		{token: "t2", want: admin, wantOK: true},
		{token: ""},
		{token: "t3"},
		{token: "T1"},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			got, ok := tokens.LookupToken(tt.token)
			if ok != tt.wantOK || got.Name != tt.want.Name || !slices.Equal(got.Groups, tt.want.Groups) {
				t.Errorf("LookupToken(%q) = %+v, %t; want %+v, %t", tt.token, got, ok, tt.want, tt.wantOK)
			}
		})
	}
	// Callers may not corrupt the table through the returned slice, and the
	// system:authenticated group is not added twice.
	u, _ := tokens.LookupToken("t2")
	u.Groups[0] = "hacked"
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer t2")
	got, ok := NewAuthenticator(nil, tokens).Authenticate(r)
	if !ok || !slices.Equal(got.Groups, admin.Groups) {
		t.Errorf("Authenticate() = %+v, %t; want groups %v", got, ok, admin.Groups)
	}
}

func TestUserFrom(t *testing.T) {
	if _, ok := UserFrom(context.Background()); ok {
		t.Error("UserFrom(empty context) found a user")
	}
	want := User{Name: "n", Groups: []string{"g"}}
	got, ok := UserFrom(WithUser(context.Background(), want))
	if !ok || got.Name != want.Name || !slices.Equal(got.Groups, want.Groups) {
		t.Errorf("UserFrom = %+v, %t", got, ok)
	}
}

func TestTLSConfig(t *testing.T) {
	ca := newTestCA(t, "ca")
	cert := ca.issue(t, leafOpts{cn: "s", usage: x509.ExtKeyUsageServerAuth})
	cfg := TLSConfig(cert, ca.pool())
	if cfg.ClientAuth != tls.VerifyClientCertIfGiven || cfg.MinVersion != tls.VersionTLS12 ||
		!slices.Equal(cfg.NextProtos, []string{"h2", "http/1.1"}) || len(cfg.Certificates) != 1 || cfg.ClientCAs == nil {
		t.Errorf("TLSConfig() = %+v", cfg)
	}
	// A TLS 1.1 client must be refused.
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.TLS = cfg
	srv.StartTLS()
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: ca.pool(), MaxVersion: tls.VersionTLS11, MinVersion: tls.VersionTLS10}}}
	if resp, err := client.Get(srv.URL); err == nil {
		resp.Body.Close()
		t.Error("TLS 1.1 client was served")
	}
}

// TestVerifiedCertificateCache checks that a cached verification still ends
// when the certificate expires, and that the cache never admits a chain
// that failed.
func TestVerifiedCertificateCache(t *testing.T) {
	ca := newTestCA(t, "svcnet-ca")
	other := newTestCA(t, "other")
	good := ca.issue(t, leafOpts{cn: "bob", usage: x509.ExtKeyUsageClientAuth})
	bad := other.issue(t, leafOpts{cn: "bob", usage: x509.ExtKeyUsageClientAuth})
	a := NewAuthenticator(ca.pool(), nil)
	now := time.Now()
	a.now = func() time.Time { return now }
	req := func(c tls.Certificate) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "https://127.0.0.1/api", nil)
		r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{c.Leaf}}
		return r
	}
	for i := 0; i < 3; i++ {
		if _, ok := a.Authenticate(req(good)); !ok {
			t.Fatalf("attempt %d: a valid certificate was refused", i)
		}
		if _, ok := a.Authenticate(req(bad)); ok {
			t.Fatalf("attempt %d: a certificate from another CA was accepted", i)
		}
	}
	if n := len(a.verified); n != 1 {
		t.Fatalf("cache holds %d chains, want 1", n)
	}
	now = good.Leaf.NotAfter.Add(time.Second)
	if _, ok := a.Authenticate(req(good)); ok {
		t.Fatal("a cached certificate was accepted after it expired")
	}
}
