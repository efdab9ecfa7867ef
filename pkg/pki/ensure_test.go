package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
)

var pkiFiles = []string{"ca.crt", "ca.key", "apiserver.crt", "apiserver.key", "admin.crt", "admin.key", "token"}

func testConfig(t *testing.T) Config {
	t.Helper()
	return Config{
		Dir:       t.TempDir(),
		ServerURL: "https://192.0.2.10:6443",
		NodeIPs:   []net.IP{net.ParseIP("192.0.2.10")},
		ExtraSANs: []string{"api.example.com", "203.0.113.7"},
	}
}

// readAll returns the content of every file Ensure writes under DIR/pki.
func readAll(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, name := range pkiFiles {
		data, err := os.ReadFile(filepath.Join(dir, "pki", name))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = data
	}
	return out
}

func mustParseCert(t *testing.T, data []byte) *x509.Certificate {
	t.Helper()
	cert, err := parseCert(data)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestEnsureCreatesEverything(t *testing.T) {
	c := testConfig(t)
	b, err := Ensure(c)
	if err != nil {
		t.Fatal(err)
	}

	modes := map[string]os.FileMode{"ca.crt": 0o644, "ca.key": 0o600, "apiserver.crt": 0o644,
		"apiserver.key": 0o600, "admin.crt": 0o644, "admin.key": 0o600, "token": 0o600}
	for name, want := range modes {
		fi, err := os.Stat(filepath.Join(c.Dir, "pki", name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode = %v, want %v", name, fi.Mode().Perm(), want)
		}
	}

	t.Run("CA", func(t *testing.T) {
		if !b.CA.IsCA || b.CA.Subject.CommonName != "svcnet-ca" {
			t.Errorf("CA subject %q IsCA %t", b.CA.Subject, b.CA.IsCA)
		}
		if life := b.CA.NotAfter.Sub(b.CA.NotBefore); life < 9*365*24*time.Hour || life > 11*365*24*time.Hour {
			t.Errorf("CA lifetime %s, want about 10 years", life)
		}
		if key, ok := b.CAKey.(*ecdsa.PrivateKey); !ok || key.Curve != elliptic.P256() {
			t.Errorf("CA key is a %T, want ECDSA P-256", b.CAKey)
		}
	})

	t.Run("serving certificate", func(t *testing.T) {
		leaf := b.ServingCert.Leaf
		wantDNS := []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local", "api.example.com"}
		for _, name := range wantDNS {
			if err := leaf.VerifyHostname(name); err != nil {
				t.Errorf("serving cert does not cover %s: %v", name, err)
			}
		}
		for _, ip := range []string{"127.0.0.1", "::1", "10.96.0.1", "192.0.2.10", "203.0.113.7"} {
			if err := leaf.VerifyHostname(ip); err != nil {
				t.Errorf("serving cert does not cover %s: %v", ip, err)
			}
		}
		if err := leaf.VerifyHostname("10.96.0.2"); err == nil {
			t.Error("serving cert covers 10.96.0.2, which was never configured")
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: b.CAPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			t.Errorf("serving cert does not verify for server auth: %v", err)
		}
	})

	t.Run("admin certificate", func(t *testing.T) {
		admin := mustParseCert(t, b.AdminCertPEM)
		if admin.Subject.CommonName != "kubernetes-admin" || !slices.Equal(admin.Subject.Organization, []string{"system:masters"}) {
			t.Errorf("admin subject = %q", admin.Subject)
		}
		if _, err := admin.Verify(x509.VerifyOptions{Roots: b.CAPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("admin cert does not verify for client auth: %v", err)
		}
		if _, err := tls.X509KeyPair(b.AdminCertPEM, b.AdminKeyPEM); err != nil {
			t.Errorf("admin cert and key do not pair: %v", err)
		}
	})

	t.Run("token", func(t *testing.T) {
		raw, err := hex.DecodeString(b.NodeToken)
		if err != nil || len(raw) != 32 {
			t.Errorf("token %q is not 32 hex-encoded bytes", b.NodeToken)
		}
		stored, _ := os.ReadFile(filepath.Join(c.Dir, "pki", "token"))
		if strings.TrimSpace(string(stored)) != b.NodeToken {
			t.Errorf("stored token %q differs from %q", stored, b.NodeToken)
		}
	})

	t.Run("kubeconfig", func(t *testing.T) {
		if b.KubeconfigPath != filepath.Join(c.Dir, "kubeconfig") {
			t.Errorf("KubeconfigPath = %s", b.KubeconfigPath)
		}
		fi, err := os.Stat(b.KubeconfigPath)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("kubeconfig stat = %v, %v; want mode 0600", fi, err)
		}
		kc, err := clientcmd.LoadFromFile(b.KubeconfigPath)
		if err != nil {
			t.Fatal(err)
		}
		cluster, user, ctx := kc.Clusters["svcnet"], kc.AuthInfos["svcnet"], kc.Contexts["svcnet"]
		if kc.CurrentContext != "svcnet" || cluster == nil || user == nil || ctx == nil {
			t.Fatalf("kubeconfig lacks the svcnet cluster, user or context: %+v", kc)
		}
		if cluster.Server != c.ServerURL || !bytes.Equal(cluster.CertificateAuthorityData, b.CAPEM) {
			t.Errorf("cluster = %s with CA %d bytes", cluster.Server, len(cluster.CertificateAuthorityData))
		}
		if !bytes.Equal(user.ClientCertificateData, b.AdminCertPEM) || !bytes.Equal(user.ClientKeyData, b.AdminKeyPEM) || user.Token != "" {
			t.Error("kubeconfig user does not hold the admin credentials")
		}
	})
}

func TestEnsureIsIdempotent(t *testing.T) {
	c := testConfig(t)
	first, err := Ensure(c)
	if err != nil {
		t.Fatal(err)
	}
	before := readAll(t, c.Dir)
	second, err := Ensure(c)
	if err != nil {
		t.Fatal(err)
	}
	after := readAll(t, c.Dir)
	for _, name := range pkiFiles {
		if !bytes.Equal(before[name], after[name]) {
			t.Errorf("%s changed on the second Ensure", name)
		}
	}
	if first.NodeToken != second.NodeToken || !first.CA.Equal(second.CA) || !first.ServingCert.Leaf.Equal(second.ServingCert.Leaf) {
		t.Error("second Ensure returned different credentials")
	}
}

func TestEnsureRenewsLeaves(t *testing.T) {
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	otherCA, otherKey, err := newCA(base)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		change      func(t *testing.T, c *Config)
		wantServing bool // serving cert replaced
		wantAdmin   bool // admin cert replaced
	}{
		{name: "nothing changed", change: func(*testing.T, *Config) {}},
		{
			name:        "new node IP",
			change:      func(_ *testing.T, c *Config) { c.NodeIPs = append(c.NodeIPs, net.ParseIP("192.0.2.11")) },
			wantServing: true,
		},
		{
			name:        "new cluster domain",
			change:      func(_ *testing.T, c *Config) { c.ClusterDomain = "corp.local" },
			wantServing: true,
		},
		{
			name:   "removed SAN keeps the wider certificate",
			change: func(_ *testing.T, c *Config) { c.ExtraSANs = nil },
		},
		{
			name:        "close to expiry",
			change:      func(_ *testing.T, c *Config) { c.Now = func() time.Time { return base.Add(300 * 24 * time.Hour) } },
			wantServing: true,
			wantAdmin:   true,
		},
		{
			name: "signed by another CA",
			change: func(t *testing.T, c *Config) {
				ca, _ := x509.ParseCertificate(otherCA)
				der, key, err := signLeaf(ca, otherKey, leafSpec{commonName: AdminUser, organization: []string{AdminGroup},
					usage: x509.ExtKeyUsageClientAuth, ttl: leafTTL}, base)
				if err != nil {
					t.Fatal(err)
				}
				keyPEM, _ := encodeKey(key)
				writeTestFile(t, filepath.Join(c.Dir, "pki", "admin.crt"), encodeCert(der))
				writeTestFile(t, filepath.Join(c.Dir, "pki", "admin.key"), keyPEM)
			},
			wantAdmin: true,
		},
		{
			name: "corrupt serving key",
			change: func(t *testing.T, c *Config) {
				writeTestFile(t, filepath.Join(c.Dir, "pki", "apiserver.key"), []byte("junk"))
			},
			wantServing: true,
		},
		{
			name:      "missing admin key",
			change:    func(t *testing.T, c *Config) { os.Remove(filepath.Join(c.Dir, "pki", "admin.key")) },
			wantAdmin: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig(t)
			c.Now = func() time.Time { return base }
			if _, err := Ensure(c); err != nil {
				t.Fatal(err)
			}
			before := readAll(t, c.Dir)
			tt.change(t, &c)
			b, err := Ensure(c)
			if err != nil {
				t.Fatal(err)
			}
			after := readAll(t, c.Dir)
			if !bytes.Equal(before["ca.crt"], after["ca.crt"]) || !bytes.Equal(before["ca.key"], after["ca.key"]) {
				t.Error("CA was replaced")
			}
			if !bytes.Equal(before["token"], after["token"]) {
				t.Error("token was replaced")
			}
			if got := !bytes.Equal(before["apiserver.crt"], after["apiserver.crt"]); got != tt.wantServing {
				t.Errorf("serving cert replaced = %t, want %t", got, tt.wantServing)
			}
			if got := !bytes.Equal(before["admin.crt"], after["admin.crt"]); got != tt.wantAdmin {
				t.Errorf("admin cert replaced = %t, want %t", got, tt.wantAdmin)
			}
			// Whatever happened, the result must be usable.
			if _, err := b.ServingCert.Leaf.Verify(x509.VerifyOptions{Roots: b.CAPool(), CurrentTime: c.Now(),
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
				t.Errorf("serving cert does not verify: %v", err)
			}
			for _, ip := range c.NodeIPs {
				if err := b.ServingCert.Leaf.VerifyHostname(ip.String()); err != nil {
					t.Errorf("serving cert does not cover node IP %s", ip)
				}
			}
			if _, err := tls.X509KeyPair(b.AdminCertPEM, b.AdminKeyPEM); err != nil {
				t.Errorf("admin pair unusable: %v", err)
			}
		})
	}
}

func writeTestFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestEnsureNeverReplacesCA(t *testing.T) {
	tests := []struct {
		name    string
		change  func(t *testing.T, pki string)
		wantErr string // empty: Ensure succeeds with the same CA
	}{
		{name: "missing key", change: func(t *testing.T, pki string) { os.Remove(filepath.Join(pki, "ca.key")) }, wantErr: "does not"},
		{name: "corrupt certificate", change: func(t *testing.T, pki string) { writeTestFile(t, filepath.Join(pki, "ca.crt"), []byte("junk")) }, wantErr: "loading CA"},
		{name: "corrupt key", change: func(t *testing.T, pki string) { writeTestFile(t, filepath.Join(pki, "ca.key"), []byte("junk")) }, wantErr: "loading CA key"},
		{
			name: "key of another CA",
			change: func(t *testing.T, pki string) {
				_, key, err := newCA(time.Now())
				if err != nil {
					t.Fatal(err)
				}
				keyPEM, _ := encodeKey(key)
				writeTestFile(t, filepath.Join(pki, "ca.key"), keyPEM)
			},
			wantErr: "does not match",
		},
		{
			name: "leaf in place of the CA",
			change: func(t *testing.T, pki string) {
				for _, f := range []string{"crt", "key"} {
					data, _ := os.ReadFile(filepath.Join(pki, "admin."+f))
					writeTestFile(t, filepath.Join(pki, "ca."+f), data)
				}
			},
			wantErr: "not a CA",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig(t)
			if _, err := Ensure(c); err != nil {
				t.Fatal(err)
			}
			pki := filepath.Join(c.Dir, "pki")
			tt.change(t, pki)
			var before [][]byte
			for _, name := range []string{"ca.crt", "ca.key"} {
				data, _ := readIfExists(filepath.Join(pki, name))
				before = append(before, data)
			}
			_, err := Ensure(c)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Ensure() = %v, want error containing %q", err, tt.wantErr)
			}
			for i, name := range []string{"ca.crt", "ca.key"} {
				if after, _ := readIfExists(filepath.Join(pki, name)); !bytes.Equal(before[i], after) {
					t.Errorf("failed Ensure rewrote %s", name)
				}
			}
		})
	}
}

func TestEnsureExpiredCA(t *testing.T) {
	c := testConfig(t)
	if _, err := Ensure(c); err != nil {
		t.Fatal(err)
	}
	c.Now = func() time.Time { return time.Now().Add(11 * 365 * 24 * time.Hour) }
	if _, err := Ensure(c); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("Ensure with an expired CA = %v, want an expiry error", err)
	}
}

// A key without its certificate means the first start died between the two
// writes; the CA is created afresh.
func TestEnsureRecoversHalfCreatedCA(t *testing.T) {
	c := testConfig(t)
	pki := filepath.Join(c.Dir, "pki")
	if err := os.MkdirAll(pki, 0o700); err != nil {
		t.Fatal(err)
	}
	_, key, err := newCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, _ := encodeKey(key)
	writeTestFile(t, filepath.Join(pki, "ca.key"), keyPEM)
	b, err := Ensure(c)
	if err != nil {
		t.Fatal(err)
	}
	if !publicKeysEqual(b.CA.PublicKey, b.CAKey.Public()) {
		t.Error("CA certificate and key do not match")
	}
}

func TestEnsureKeepsExistingToken(t *testing.T) {
	c := testConfig(t)
	pki := filepath.Join(c.Dir, "pki")
	if err := os.MkdirAll(pki, 0o700); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, filepath.Join(pki, "token"), []byte("operator-chosen-token\n"))
	b, err := Ensure(c)
	if err != nil {
		t.Fatal(err)
	}
	if b.NodeToken != "operator-chosen-token" {
		t.Errorf("NodeToken = %q, want the stored one", b.NodeToken)
	}
}

func TestEnsureRejectsInvalidConfig(t *testing.T) {
	dir := t.TempDir()
	if _, err := Ensure(Config{Dir: dir}); err == nil {
		t.Fatal("Ensure without a server URL succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "pki")); !os.IsNotExist(err) {
		t.Errorf("invalid config still created files: %v", err)
	}
}
