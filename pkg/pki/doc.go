// Package pki creates and reloads the credentials a svcnet server needs on
// its first start: a cluster CA, the API server's serving certificate, an
// admin client certificate with its kubeconfig, and the node join token.
//
// [Ensure] is idempotent. It loads what already exists under DIR/pki, creates
// what is missing, and renews leaf certificates that are invalid, close to
// expiry, or whose SANs no longer cover the configured ones (for example
// after a node IP changed). It never replaces an existing CA: every
// credential handed out before would stop working.
//
// Layout under the data directory:
//
//	DIR/pki/ca.crt, ca.key               cluster CA "svcnet-ca", 10 years
//	DIR/pki/apiserver.crt, apiserver.key serving certificate, 1 year
//	DIR/pki/admin.crt, admin.key         CN=kubernetes-admin, O=system:masters, 1 year
//	DIR/pki/token                        node join token, 64 hex digits
//	DIR/kubeconfig                       admin kubeconfig (cluster, user, context "svcnet")
//
// Keys are ECDSA P-256 in PKCS#8 PEM. Private keys, the token and the
// kubeconfig are mode 0600; every file is written atomically.
package pki
