package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Well-known names in the credentials Ensure creates.
const (
	// AdminUser is the common name of the admin client certificate.
	AdminUser = "kubernetes-admin"
	// AdminGroup is the organization of the admin client certificate; it
	// is the Kubernetes superuser group.
	AdminGroup = "system:masters"
	// servingCommonName is the subject of the API server's certificate.
	servingCommonName = "kube-apiserver"
)

// Bundle holds the credentials Ensure loaded or created.
type Bundle struct {
	// CA is the cluster CA certificate.
	CA *x509.Certificate
	// CAKey is the cluster CA's private key.
	CAKey crypto.Signer
	// CAPEM is CA in PEM form, as clients need it.
	CAPEM []byte
	// ServingCert is the API server's certificate and key, with Leaf set.
	ServingCert tls.Certificate
	// AdminCertPEM and AdminKeyPEM are the admin client credentials
	// (CN kubernetes-admin, O system:masters).
	AdminCertPEM, AdminKeyPEM []byte
	// NodeToken is the token nodes present to join the cluster.
	NodeToken string
	// KubeconfigPath is where the admin kubeconfig was written.
	KubeconfigPath string

	now func() time.Time
}

// Ensure loads the credentials under c.Dir, creates the missing ones, renews
// leaf certificates that are invalid, expiring or lack a configured SAN, and
// writes the admin kubeconfig. It never replaces an existing CA; if the CA
// cannot be loaded it fails and leaves the files alone.
func Ensure(c Config) (*Bundle, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("ensuring credentials: %w", err)
	}
	c = c.withDefaults()
	dir := filepath.Join(c.Dir, "pki")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("ensuring credentials: %w", err)
	}
	now := c.Now()

	b := &Bundle{now: c.Now, KubeconfigPath: filepath.Join(c.Dir, "kubeconfig")}
	var err error
	if b.CA, b.CAKey, b.CAPEM, err = ensureCA(dir, now); err != nil {
		return nil, err
	}

	dnsNames, ips := c.servingSANs()
	servingCert, servingKey, err := b.ensureLeaf(dir, "apiserver", leafSpec{
		commonName: servingCommonName,
		dnsNames:   dnsNames,
		ips:        ips,
		usage:      x509.ExtKeyUsageServerAuth,
		ttl:        leafTTL,
	}, now)
	if err != nil {
		return nil, err
	}
	if b.ServingCert, err = tls.X509KeyPair(servingCert, servingKey); err != nil {
		return nil, fmt.Errorf("loading serving certificate: %w", err)
	}

	b.AdminCertPEM, b.AdminKeyPEM, err = b.ensureLeaf(dir, "admin", leafSpec{
		commonName:   AdminUser,
		organization: []string{AdminGroup},
		usage:        x509.ExtKeyUsageClientAuth,
		ttl:          leafTTL,
	}, now)
	if err != nil {
		return nil, err
	}

	if b.NodeToken, err = ensureToken(filepath.Join(dir, "token")); err != nil {
		return nil, err
	}
	if err := WriteKubeconfig(b.KubeconfigPath, c.ServerURL, b.CAPEM, b.AdminCertPEM, b.AdminKeyPEM, ""); err != nil {
		return nil, fmt.Errorf("ensuring credentials: %w", err)
	}
	return b, nil
}

// CAPool returns a pool holding only the cluster CA, for verifying clients
// or the server.
func (b *Bundle) CAPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(b.CA)
	return pool
}

// IssueClientCert returns a new key and a client certificate for a user
// named commonName in groups, signed by the cluster CA and valid for ttl
// (never past the CA's own expiry). Nodes get theirs this way after joining.
func (b *Bundle) IssueClientCert(commonName string, groups []string, ttl time.Duration) (certPEM, keyPEM []byte, err error) {
	if commonName == "" {
		return nil, nil, errors.New("issuing client certificate: common name is required")
	}
	if ttl <= 0 {
		return nil, nil, fmt.Errorf("issuing client certificate for %q: ttl %s must be positive", commonName, ttl)
	}
	now := time.Now
	if b.now != nil {
		now = b.now
	}
	der, key, err := signLeaf(b.CA, b.CAKey, leafSpec{
		commonName:   commonName,
		organization: groups,
		usage:        x509.ExtKeyUsageClientAuth,
		ttl:          ttl,
	}, now())
	if err != nil {
		return nil, nil, fmt.Errorf("issuing client certificate: %w", err)
	}
	keyPEM, err = encodeKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("issuing client certificate for %q: %w", commonName, err)
	}
	return encodeCert(der), keyPEM, nil
}

// ensureCA loads DIR/pki/ca.{crt,key} or, when neither exists, creates them.
func ensureCA(dir string, now time.Time) (*x509.Certificate, crypto.Signer, []byte, error) {
	crtPath, keyPath := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	crtPEM, err := readIfExists(crtPath)
	if err != nil {
		return nil, nil, nil, err
	}
	keyPEM, err := readIfExists(keyPath)
	if err != nil {
		return nil, nil, nil, err
	}
	// The key is written before the certificate, so a key without a
	// certificate means a first start died half-way: nothing can have been
	// signed by that CA yet and it is safe to start over.
	if crtPEM == nil {
		return createCA(crtPath, keyPath, now)
	}
	if keyPEM == nil {
		return nil, nil, nil, fmt.Errorf("loading CA: %s exists but %s does not; restore the key or remove both", crtPath, keyPath)
	}
	ca, err := parseCert(crtPEM)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("loading CA %s: %w", crtPath, err)
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("loading CA key %s: %w", keyPath, err)
	}
	switch {
	case !ca.IsCA:
		return nil, nil, nil, fmt.Errorf("loading CA %s: certificate is not a CA", crtPath)
	case !publicKeysEqual(ca.PublicKey, key.Public()):
		return nil, nil, nil, fmt.Errorf("loading CA: %s does not match %s", keyPath, crtPath)
	case now.After(ca.NotAfter):
		return nil, nil, nil, fmt.Errorf("loading CA %s: expired at %s", crtPath, ca.NotAfter)
	}
	return ca, key, crtPEM, nil
}

func createCA(crtPath, keyPath string, now time.Time) (*x509.Certificate, crypto.Signer, []byte, error) {
	der, key, err := newCA(now)
	if err != nil {
		return nil, nil, nil, err
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := writeFileAtomic(keyPath, keyPEM, keyMode); err != nil {
		return nil, nil, nil, fmt.Errorf("creating CA: %w", err)
	}
	crtPEM := encodeCert(der)
	if err := writeFileAtomic(crtPath, crtPEM, certMode); err != nil {
		return nil, nil, nil, fmt.Errorf("creating CA: %w", err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("creating CA: %w", err)
	}
	return ca, key, crtPEM, nil
}

// ensureLeaf keeps DIR/pki/<name>.{crt,key} if they still satisfy spec and
// otherwise signs and writes a new pair. It returns both in PEM form.
func (b *Bundle) ensureLeaf(dir, name string, spec leafSpec, now time.Time) (certPEM, keyPEM []byte, err error) {
	crtPath, keyPath := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if certPEM, keyPEM, ok := loadLeaf(crtPath, keyPath, b.CA, spec, now); ok {
		return certPEM, keyPEM, nil
	}
	der, key, err := signLeaf(b.CA, b.CAKey, spec, now)
	if err != nil {
		return nil, nil, err
	}
	if keyPEM, err = encodeKey(key); err != nil {
		return nil, nil, err
	}
	certPEM = encodeCert(der)
	if err := writeFileAtomic(keyPath, keyPEM, keyMode); err != nil {
		return nil, nil, fmt.Errorf("writing %s credentials: %w", name, err)
	}
	if err := writeFileAtomic(crtPath, certPEM, certMode); err != nil {
		return nil, nil, fmt.Errorf("writing %s credentials: %w", name, err)
	}
	return certPEM, keyPEM, nil
}

// loadLeaf returns the stored pair if it can be kept. Anything unreadable
// counts as missing, since a leaf can always be re-issued.
func loadLeaf(crtPath, keyPath string, ca *x509.Certificate, spec leafSpec, now time.Time) ([]byte, []byte, bool) {
	certPEM, err := os.ReadFile(crtPath)
	if err != nil {
		return nil, nil, false
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, false
	}
	cert, err := parseCert(certPEM)
	if err != nil {
		return nil, nil, false
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, nil, false
	}
	if checkLeaf(cert, key, ca, spec, now) != nil {
		return nil, nil, false
	}
	return certPEM, keyPEM, true
}

// ensureToken loads the node join token at path or creates one.
func ensureToken(path string) (string, error) {
	data, err := readIfExists(path)
	if err != nil {
		return "", fmt.Errorf("loading node token: %w", err)
	}
	if token := strings.TrimSpace(string(data)); token != "" {
		return token, nil
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("creating node token: %w", err)
	}
	token := hex.EncodeToString(raw)
	if err := writeFileAtomic(path, []byte(token+"\n"), keyMode); err != nil {
		return "", fmt.Errorf("creating node token: %w", err)
	}
	return token, nil
}
