package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"
)

// KeyAlgorithm names a key type and size that the package can generate.
type KeyAlgorithm string

// The supported key algorithms. ECDSAP256 is the default: it is fast to
// generate, small on the wire, and accepted by every Docker release.
const (
	ECDSAP256 KeyAlgorithm = "ECDSA_P256"
	ECDSAP384 KeyAlgorithm = "ECDSA_P384"
	RSA2048   KeyAlgorithm = "RSA_2048"
	RSA3072   KeyAlgorithm = "RSA_3072"
	RSA4096   KeyAlgorithm = "RSA_4096"
	ED25519   KeyAlgorithm = "ED25519"
)

// DefaultKeyAlgorithm is used when the caller does not choose one.
const DefaultKeyAlgorithm = ECDSAP256

// KeyAlgorithms returns every supported algorithm in a stable order, for
// validators and documentation.
func KeyAlgorithms() []KeyAlgorithm {
	return []KeyAlgorithm{ECDSAP256, ECDSAP384, RSA2048, RSA3072, RSA4096, ED25519}
}

// ParseKeyAlgorithm returns the algorithm named s, or an error listing the
// valid names.
func ParseKeyAlgorithm(s string) (KeyAlgorithm, error) {
	for _, a := range KeyAlgorithms() {
		if string(a) == s {
			return a, nil
		}
	}
	names := make([]string, 0, len(KeyAlgorithms()))
	for _, a := range KeyAlgorithms() {
		names = append(names, string(a))
	}
	return "", fmt.Errorf("unknown key algorithm %q: use one of %s", s, strings.Join(names, ", "))
}

// GenerateKey creates a new private key of the given algorithm, reading
// randomness from rand.
func GenerateKey(alg KeyAlgorithm, rand io.Reader) (crypto.Signer, error) {
	switch alg {
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand)
	case ECDSAP384:
		return ecdsa.GenerateKey(elliptic.P384(), rand)
	case RSA2048:
		return rsa.GenerateKey(rand, 2048)
	case RSA3072:
		return rsa.GenerateKey(rand, 3072)
	case RSA4096:
		return rsa.GenerateKey(rand, 4096)
	case ED25519:
		_, key, err := ed25519.GenerateKey(rand)
		return key, err
	}
	_, err := ParseKeyAlgorithm(string(alg))
	return nil, err
}

// AlgorithmOf reports the KeyAlgorithm of a public key, or an error for key
// types and sizes the package does not issue.
func AlgorithmOf(pub crypto.PublicKey) (KeyAlgorithm, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return ECDSAP256, nil
		case elliptic.P384():
			return ECDSAP384, nil
		}
		return "", fmt.Errorf("unsupported ECDSA curve %s: use P-256 or P-384", k.Curve.Params().Name)
	case *rsa.PublicKey:
		switch k.N.BitLen() {
		case 2048:
			return RSA2048, nil
		case 3072:
			return RSA3072, nil
		case 4096:
			return RSA4096, nil
		}
		return "", fmt.Errorf("unsupported RSA key size %d bits: use 2048, 3072 or 4096", k.N.BitLen())
	case ed25519.PublicKey:
		return ED25519, nil
	}
	return "", fmt.Errorf("unsupported public key type %T", pub)
}

// MarshalPrivateKeyPEM encodes key as an unencrypted PKCS#8 "PRIVATE KEY"
// block, the form dockerd, the docker CLI and openssl all read.
func MarshalPrivateKeyPEM(key crypto.Signer) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("encoding private key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// MarshalPublicKeyPEM encodes pub as a PKIX "PUBLIC KEY" block.
func MarshalPublicKeyPEM(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("encoding public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// ErrEncryptedKey is returned for a passphrase-protected PEM private key
// read without a passphrase. dockerd refuses such keys.
var ErrEncryptedKey = errors.New("the private key is encrypted: give its passphrase, or decrypt it first (openssl pkey -in key.pem -out key-plain.pem)")

// ErrWrongPassphrase is returned when a passphrase does not decrypt a key.
var ErrWrongPassphrase = errors.New("the passphrase does not decrypt the private key: check the passphrase")

// ParsePrivateKeyPEM decodes the one unencrypted private key in s: PKCS#8
// ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY").
// An encrypted key gives ErrEncryptedKey.
//
// Errors never quote the input, which is secret.
func ParsePrivateKeyPEM(s string) (crypto.Signer, error) {
	key, _, err := ParsePrivateKeyPEMWithPassphrase(s, nil)
	return key, err
}

// ParsePrivateKeyPEMWithPassphrase decodes the one private key in s, which
// may be encrypted the ways openssl writes keys: PKCS#8 "ENCRYPTED PRIVATE
// KEY" (OpenSSL 3's default for genrsa -aes256) or legacy PEM encryption
// with Proc-Type and DEK-Info headers (OpenSSL 1.x, or -traditional). It
// reports whether the key was encrypted. A nil passphrase reads only
// unencrypted keys.
//
// Errors never quote the input or the passphrase.
func ParsePrivateKeyPEMWithPassphrase(s string, passphrase []byte) (key crypto.Signer, encrypted bool, err error) {
	block, err := decodeSinglePEM(s, "private key")
	if err != nil {
		return nil, false, err
	}
	switch {
	case block.Type == "ENCRYPTED PRIVATE KEY":
		if len(passphrase) == 0 {
			return nil, true, ErrEncryptedKey
		}
		key, err := decryptPKCS8(block.Bytes, passphrase)
		return key, true, err
	case x509.IsEncryptedPEMBlock(block): //nolint:staticcheck // legacy PEM encryption is what openssl -traditional writes
		if len(passphrase) == 0 {
			return nil, true, ErrEncryptedKey
		}
		der, err := x509.DecryptPEMBlock(block, passphrase) //nolint:staticcheck // see above; used only to read a key the user holds
		if err != nil {
			return nil, true, ErrWrongPassphrase
		}
		key, err := parsePrivateKeyDER(block.Type, der)
		if err != nil {
			// CBC padding can check out by chance with a wrong passphrase;
			// the bytes then do not parse.
			return nil, true, ErrWrongPassphrase
		}
		return key, true, nil
	}
	key, err = parsePrivateKeyDER(block.Type, block.Bytes)
	return key, false, err
}

func parsePrivateKeyDER(blockType string, der []byte) (crypto.Signer, error) {
	var key any
	var err error
	switch blockType {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(der)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(der)
	default:
		return nil, fmt.Errorf("found a PEM block of type %q where a private key was expected (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)", blockType)
	}
	if err != nil {
		// The parser's own message names the structure, never the bytes.
		return nil, fmt.Errorf("the %s block is not a valid private key: %w", blockType, err)
	}
	return checkSigner(key)
}

func checkSigner(key any) (crypto.Signer, error) {
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("unsupported private key type %T", key)
	}
	if _, err := AlgorithmOf(signer.Public()); err != nil {
		return nil, err
	}
	return signer, nil
}

// ParsePublicKeyPEM decodes one PKIX "PUBLIC KEY" block.
func ParsePublicKeyPEM(s string) (crypto.PublicKey, error) {
	block, err := decodeSinglePEM(s, "public key")
	if err != nil {
		return nil, err
	}
	if block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("found a PEM block of type %q where a PUBLIC KEY was expected", block.Type)
	}
	return x509.ParsePKIXPublicKey(block.Bytes)
}

// PublicKeysEqual reports whether a and b are the same public key.
func PublicKeysEqual(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}
