package authn

import (
	"crypto/tls"
	"crypto/x509"
)

// TLSConfig returns the API server's TLS configuration: it serves the given
// certificate, asks clients for a certificate and verifies one against
// clientCAs when given (VerifyClientCertIfGiven), speaks TLS 1.2 or newer,
// and offers HTTP/2 and HTTP/1.1.
func TLSConfig(serving tls.Certificate, clientCAs *x509.CertPool) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{serving},
		ClientCAs:    clientCAs,
		ClientAuth:   tls.VerifyClientCertIfGiven,
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"h2", "http/1.1"},
	}
}
