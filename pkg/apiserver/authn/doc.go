// Package authn decides who is making an API request.
//
// An [Authenticator] accepts two kinds of credentials, tried in order:
//
//  1. A TLS client certificate signed by the cluster CA. The common name is
//     the user name and each organization is a group, as in Kubernetes
//     (kubernetes-admin in system:masters is the superuser).
//  2. A bearer token ("Authorization: Bearer <token>") known to a
//     [TokenLookup], such as the node join token in [StaticTokens].
//
// Every authenticated user also gets the group system:authenticated. There
// is no anonymous access: [Authenticator.Middleware] answers 401 with a
// Kubernetes Status body when neither credential is valid, and otherwise
// passes the [User] down in the request context for authorization
// ([UserFrom]).
//
// [TLSConfig] builds the server side of the handshake so that client
// certificates are requested and verified but not required, which lets token
// clients (and health probes) connect too.
package authn
