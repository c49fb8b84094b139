package provider

import (
	"crypto/sha256"
	"crypto/x509"
	"sync"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// authorityCache remembers parsed CAs for the life of the provider process.
// A plan over a fleet hands the same CA certificate and key to every leaf;
// parsing and checking them once instead of once per resource keeps the
// provider's cost per certificate at the cost of signing.
//
// Entries are keyed by a digest of the inputs, never by the key itself.
type authorityCache struct {
	mu           sync.Mutex
	authorities  map[cacheKey]cached[*pki.Authority]
	certificates map[cacheKey]cached[*x509.Certificate]
}

type cacheKey [sha256.Size]byte

type cached[T any] struct {
	value T
	err   error
}

func newAuthorityCache() *authorityCache {
	return &authorityCache{
		authorities:  map[cacheKey]cached[*pki.Authority]{},
		certificates: map[cacheKey]cached[*x509.Certificate]{},
	}
}

func keyOf(parts ...string) cacheKey {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var k cacheKey
	h.Sum(k[:0])
	return k
}

// lookup returns the cached result for k in m, computing it with parse the
// first time. Two goroutines may both parse on a miss; the results agree.
func lookup[T any](c *authorityCache, m map[cacheKey]cached[T], k cacheKey, parse func() (T, error)) (T, error) {
	c.mu.Lock()
	e, ok := m[k]
	c.mu.Unlock()
	if !ok {
		v, err := parse()
		e = cached[T]{value: v, err: err}
		c.mu.Lock()
		m[k] = e
		c.mu.Unlock()
	}
	return e.value, e.err
}

// load returns the Authority for the PEM pair and the key's passphrase
// (nil for an unencrypted key), parsing and decrypting it at most once.
func (c *authorityCache) load(certPEM, keyPEM string, passphrase []byte) (*pki.Authority, error) {
	return lookup(c, c.authorities, keyOf(certPEM, keyPEM, string(passphrase)), func() (*pki.Authority, error) {
		return pki.LoadAuthority(certPEM, keyPEM, passphrase)
	})
}

// certificate returns the parsed CA certificate, checked to be a CA.
func (c *authorityCache) certificate(certPEM string) (*x509.Certificate, error) {
	return lookup(c, c.certificates, keyOf(certPEM), func() (*x509.Certificate, error) {
		return pki.ParseCACertificatePEM(certPEM)
	})
}
