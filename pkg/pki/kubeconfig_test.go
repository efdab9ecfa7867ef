package pki

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// TestKubeconfigTalksTLS serves HTTPS with the serving certificate and
// connects with client-go using the written admin kubeconfig: the client must
// trust the server and the server must see the admin certificate.
func TestKubeconfigTalksTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.VerifiedChains) == 0 {
			http.Error(w, "no client certificate", http.StatusUnauthorized)
			return
		}
		leaf := r.TLS.VerifiedChains[0][0]
		io.WriteString(w, leaf.Subject.CommonName+"/"+strings.Join(leaf.Subject.Organization, ","))
	}))
	c := testConfig(t)
	c.ServerURL = "https://" + srv.Listener.Addr().String()
	c.NodeIPs = nil
	b, err := Ensure(c)
	if err != nil {
		t.Fatal(err)
	}
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{b.ServingCert},
		ClientCAs:    b.CAPool(),
		ClientAuth:   tls.VerifyClientCertIfGiven,
	}
	srv.StartTLS()
	defer srv.Close()

	cfg, err := clientcmd.BuildConfigFromFlags("", b.KubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Get(cfg.Host + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "kubernetes-admin/system:masters" {
		t.Fatalf("got %d %q, want 200 kubernetes-admin/system:masters", resp.StatusCode, body)
	}
}

func TestWriteKubeconfig(t *testing.T) {
	caPEM := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	tests := []struct {
		name             string
		server           string
		cert, key        []byte
		token            string
		wantErr          bool
		wantCert, wantTk bool
	}{
		{name: "token only", server: "https://10.0.0.1:6443", token: "abc", wantTk: true},
		{name: "certificate only", server: "https://10.0.0.1:6443", cert: []byte("c"), key: []byte("k"), wantCert: true},
		{name: "both", server: "https://h:1", cert: []byte("c"), key: []byte("k"), token: "abc", wantCert: true, wantTk: true},
		{name: "no server", server: "", token: "abc", wantErr: true},
		{name: "cert without key", server: "https://h:1", cert: []byte("c"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sub", "kubeconfig")
			err := WriteKubeconfig(path, tt.server, caPEM, tt.cert, tt.key, tt.token)
			if tt.wantErr {
				if err == nil {
					t.Fatal("WriteKubeconfig succeeded, want error")
				}
				if _, err := os.Stat(path); !os.IsNotExist(err) {
					t.Errorf("failed write left a file: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("stat = %v, %v; want mode 0600", fi, err)
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			if len(entries) != 1 {
				t.Errorf("directory holds %d entries, want only the kubeconfig (temp file left behind?)", len(entries))
			}
			kc, err := clientcmd.LoadFromFile(path)
			if err != nil {
				t.Fatal(err)
			}
			u := kc.AuthInfos["svcnet"]
			if kc.CurrentContext != "svcnet" || kc.Contexts["svcnet"].Cluster != "svcnet" || kc.Clusters["svcnet"].Server != tt.server {
				t.Errorf("unexpected kubeconfig %+v", kc)
			}
			if (u.Token != "") != tt.wantTk || (len(u.ClientCertificateData) > 0) != tt.wantCert {
				t.Errorf("user token %q cert %d bytes", u.Token, len(u.ClientCertificateData))
			}
		})
	}
}

func TestIssueClientCert(t *testing.T) {
	b, err := Ensure(testConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cn      string
		groups  []string
		ttl     time.Duration
		wantErr bool
		maxLife time.Duration
	}{
		{name: "node", cn: "system:node:n1", groups: []string{"system:nodes"}, ttl: 24 * time.Hour, maxLife: 24*time.Hour + backdate},
		{name: "no groups", cn: "alice", ttl: time.Hour, maxLife: time.Hour + backdate},
		{name: "capped at CA expiry", cn: "bob", ttl: 50 * 365 * 24 * time.Hour, maxLife: 10*365*24*time.Hour + backdate},
		{name: "empty name", cn: "", ttl: time.Hour, wantErr: true},
		{name: "zero ttl", cn: "alice", ttl: 0, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certPEM, keyPEM, err := b.IssueClientCert(tt.cn, tt.groups, tt.ttl)
			if tt.wantErr {
				if err == nil {
					t.Fatal("IssueClientCert succeeded, want error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
				t.Fatalf("cert and key do not pair: %v", err)
			}
			cert := mustParseCert(t, certPEM)
			if cert.Subject.CommonName != tt.cn || !slices.Equal(cert.Subject.Organization, tt.groups) {
				t.Errorf("subject = %q", cert.Subject)
			}
			if _, err := cert.Verify(x509.VerifyOptions{Roots: b.CAPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
				t.Errorf("does not verify as a client cert: %v", err)
			}
			if _, err := cert.Verify(x509.VerifyOptions{Roots: b.CAPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err == nil {
				t.Error("client cert also verifies for server auth")
			}
			if life := cert.NotAfter.Sub(cert.NotBefore); life > tt.maxLife || cert.NotAfter.After(b.CA.NotAfter) {
				t.Errorf("lifetime %s (until %s), want at most %s and within the CA's", life, cert.NotAfter, tt.maxLife)
			}
		})
	}
}
