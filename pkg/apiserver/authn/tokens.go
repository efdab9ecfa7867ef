package authn

import (
	"crypto/sha256"
	"crypto/subtle"
	"slices"
)

// BootstrapUserName is the user a node join token authenticates as.
const BootstrapUserName = "system:bootstrap:svcnet"

// BootstrapUser returns the identity of the node join token: a bootstrapper
// that may also act as a node while it registers.
func BootstrapUser() User {
	return User{Name: BootstrapUserName, Groups: []string{GroupBootstrappers, GroupNodes, GroupAuthenticated}}
}

// StaticTokens is a fixed set of bearer tokens. Lookups compare digests in
// constant time so response timing does not reveal how much of a guessed
// token was right.
type StaticTokens struct {
	entries []tokenEntry
}

type tokenEntry struct {
	digest [sha256.Size]byte
	user   User
}

var _ TokenLookup = (*StaticTokens)(nil)

// NewStaticTokens returns a lookup for the given token -> user pairs. Empty
// tokens are ignored.
func NewStaticTokens(tokens map[string]User) *StaticTokens {
	s := &StaticTokens{}
	for token, u := range tokens {
		if token == "" {
			continue
		}
		s.entries = append(s.entries, tokenEntry{
			digest: sha256.Sum256([]byte(token)),
			user:   User{Name: u.Name, Groups: slices.Clone(u.Groups)},
		})
	}
	return s
}

// LookupToken returns the user of token. Every entry is compared, whether or
// not an earlier one matched.
func (s *StaticTokens) LookupToken(token string) (User, bool) {
	digest := sha256.Sum256([]byte(token))
	var found User
	ok := false
	for _, e := range s.entries {
		if subtle.ConstantTimeCompare(digest[:], e.digest[:]) == 1 {
			found, ok = e.user, true
		}
	}
	if !ok {
		return User{}, false
	}
	return User{Name: found.Name, Groups: slices.Clone(found.Groups)}, true
}
