package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"slices"
	"time"
)

const (
	caCommonName = "svcnet-ca"
	caTTL        = 10 * 365 * 24 * time.Hour
	leafTTL      = 365 * 24 * time.Hour
	// renewBefore is how close to expiry a leaf certificate gets renewed on start.
	renewBefore = 90 * 24 * time.Hour
	// backdate allows for clocks on other machines running a little behind.
	backdate = 5 * time.Minute
)

// leafSpec describes a certificate signed by the cluster CA.
type leafSpec struct {
	commonName   string
	organization []string
	dnsNames     []string
	ips          []net.IP
	usage        x509.ExtKeyUsage
	ttl          time.Duration
}

func newKey() (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating P-256 key: %w", err)
	}
	return key, nil
}

func newSerial() (*big.Int, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("generating serial number: %w", err)
	}
	return serial, nil
}

// newCA creates a self-signed CA and returns its DER certificate and key.
func newCA(now time.Time) ([]byte, crypto.Signer, error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: caCommonName},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caTTL),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("creating CA certificate: %w", err)
	}
	return der, key, nil
}

// signLeaf creates a fresh key and a certificate for spec signed by the CA.
// The certificate never outlives the CA.
func signLeaf(ca *x509.Certificate, caKey crypto.Signer, spec leafSpec, now time.Time) ([]byte, crypto.Signer, error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, nil, err
	}
	notAfter := now.Add(spec.ttl)
	if notAfter.After(ca.NotAfter) {
		notAfter = ca.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: spec.commonName, Organization: spec.organization},
		DNSNames:              spec.dnsNames,
		IPAddresses:           spec.ips,
		NotBefore:             now.Add(-backdate),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{spec.usage},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("signing certificate for %q: %w", spec.commonName, err)
	}
	return der, key, nil
}

// checkLeaf returns why cert cannot be kept for spec, or nil if it can.
func checkLeaf(cert *x509.Certificate, key crypto.Signer, ca *x509.Certificate, spec leafSpec, now time.Time) error {
	if err := cert.CheckSignatureFrom(ca); err != nil {
		return fmt.Errorf("not signed by the cluster CA: %w", err)
	}
	if !publicKeysEqual(cert.PublicKey, key.Public()) {
		return errors.New("key does not match certificate")
	}
	if now.Before(cert.NotBefore) {
		return fmt.Errorf("not valid before %s", cert.NotBefore)
	}
	// A leaf capped at the CA's expiry cannot be renewed to last longer.
	if now.Add(renewBefore).After(cert.NotAfter) && cert.NotAfter.Before(ca.NotAfter) {
		return fmt.Errorf("expires at %s", cert.NotAfter)
	}
	if !slices.Contains(cert.ExtKeyUsage, spec.usage) {
		return errors.New("wrong extended key usage")
	}
	if cert.Subject.CommonName != spec.commonName || !slices.Equal(cert.Subject.Organization, spec.organization) {
		return fmt.Errorf("subject %q does not match", cert.Subject)
	}
	for _, name := range spec.dnsNames {
		if !slices.Contains(cert.DNSNames, name) {
			return fmt.Errorf("SANs do not cover DNS name %q", name)
		}
	}
	for _, ip := range spec.ips {
		if !containsIP(cert.IPAddresses, ip) {
			return fmt.Errorf("SANs do not cover IP %s", ip)
		}
	}
	return nil
}

// publicKeysEqual compares two public keys of any standard type.
func publicKeysEqual(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}
