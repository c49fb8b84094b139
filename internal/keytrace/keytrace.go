// Package keytrace finds a private key's secret bytes in text, in every
// form this provider could let them out in: a PEM body (with its line
// breaks written as they are or escaped, as in JSON), base64 of a whole
// file (cloud-init's write_files), a data URL (Ignition), hexadecimal, or
// the raw secret in base64.
//
// It looks for the key's random bytes, never its header: every PKCS#8
// P-256 key starts with the same 36 bytes (MIGHAgEAMBMGByqGSM49AgEGCCqGSM49
// in base64), which a search for the first characters of a PEM body finds
// in every key, or in none that matters.
//
// It is a test helper: the provider itself never imports it.
package keytrace

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Key is the secret of one private key, as the windows of text it shows
// as.
type Key struct {
	Name    string
	windows []string
	secret  []byte
}

// window is how many characters of a secret's encoding a match needs:
// 24 base64 characters are 18 random bytes, which no other text holds by
// chance.
const window = 24

// lineWindow is a window inside one PEM line: 16 characters, 12 random
// bytes, still no text's by chance.
const (
	lineWindow = 16
	pemLine    = 64
)

// New returns the traces of the unencrypted PEM private key keyPEM (PKCS#8,
// SEC 1 or PKCS #1).
func New(name, keyPEM string) (*Key, error) {
	block, _ := pem.Decode([]byte(keyPEM))
	if block == nil {
		return nil, fmt.Errorf("keytrace: %s is not PEM", name)
	}
	secret, err := secretOf(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("keytrace: %s: %w", name, err)
	}
	k := &Key{Name: name, secret: secret}
	// The secret inside the DER, as the PEM body encodes it: the base64
	// characters that encode secret bytes only.
	at := bytes.Index(block.Bytes, secret)
	if at < 0 {
		return nil, fmt.Errorf("keytrace: %s: the secret is not in the DER", name)
	}
	body := base64.StdEncoding.EncodeToString(block.Bytes)
	first, last := (at+2)/3*4, (at+len(secret))/3*4
	// Every window of the secret's characters within one PEM line (64
	// characters), so that a single line quoted alone is found too.
	for line := first / pemLine * pemLine; line < last; line += pemLine {
		lo, hi := max(first, line), min(last, line+pemLine)
		for i := lo; i+lineWindow <= hi; i++ {
			k.windows = append(k.windows, body[i:i+lineWindow])
		}
	}
	if len(k.windows) == 0 {
		return nil, fmt.Errorf("keytrace: %s: the secret is too short to trace", name)
	}
	// The secret alone, in base64 (three alignments) and hexadecimal.
	for shift := 0; shift < 3; shift++ {
		enc := base64.StdEncoding.EncodeToString(secret[shift:])
		k.windows = append(k.windows, enc[4:4+window])
	}
	k.windows = append(k.windows, hex.EncodeToString(secret)[:2*window], strings.ToUpper(hex.EncodeToString(secret)[:2*window]))
	return k, nil
}

// MustNew is New that panics, for tests.
func MustNew(name, keyPEM string) *Key {
	k, err := New(name, keyPEM)
	if err != nil {
		panic(err)
	}
	return k
}

// secretOf returns the random part of a private key's DER: an ECDSA
// scalar, an RSA private exponent, an Ed25519 seed.
func secretOf(der []byte) ([]byte, error) {
	var key any
	var err error
	if key, err = x509.ParsePKCS8PrivateKey(der); err != nil {
		if key, err = x509.ParseECPrivateKey(der); err != nil {
			if key, err = x509.ParsePKCS1PrivateKey(der); err != nil {
				return nil, fmt.Errorf("not an unencrypted private key")
			}
		}
	}
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		return k.Bytes()
	case *rsa.PrivateKey:
		return k.D.Bytes(), nil
	case ed25519.PrivateKey:
		return k.Seed(), nil
	}
	return nil, fmt.Errorf("a %T key", key)
}

var base64Runs = regexp.MustCompile(`[A-Za-z0-9+/]{32,}={0,2}`)

// In reports whether text holds k's secret in any form this package knows.
func (k *Key) In(text string) bool {
	for _, variant := range variants(text, 2) {
		for _, w := range k.windows {
			if strings.Contains(variant, w) {
				return true
			}
		}
		if bytes.Contains([]byte(variant), k.secret) {
			return true
		}
	}
	return false
}

// variants are text and what it may encode, depth levels deep: with line
// breaks (as they are or JSON-escaped) removed, URL-unescaped, and each
// base64 run decoded.
func variants(text string, depth int) []string {
	flat := strings.NewReplacer("\\n", "", "\n", "", "\r", "", "\\r", "", `\/`, "/").Replace(text)
	out := []string{text, flat}
	if u, err := url.PathUnescape(flat); err == nil && u != flat {
		out = append(out, strings.NewReplacer("\n", "", "\r", "").Replace(u))
	}
	if depth == 0 {
		return out
	}
	for _, s := range out {
		for _, run := range base64Runs.FindAllString(s, -1) {
			if decoded, err := decodeRun(run); err == nil {
				out = append(out, variants(string(decoded), depth-1)...)
			}
		}
	}
	return out
}

// decodeRun decodes a run of base64 that may be cut short.
func decodeRun(run string) ([]byte, error) {
	if !strings.HasSuffix(run, "=") {
		run = run[:len(run)/4*4]
	}
	return base64.StdEncoding.DecodeString(run)
}

// Find returns the names of the keys whose secret is in text.
func Find(text string, keys ...*Key) []string {
	var found []string
	for _, k := range keys {
		if k.In(text) {
			found = append(found, k.Name)
		}
	}
	return found
}
