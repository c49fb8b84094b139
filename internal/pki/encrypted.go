package pki

import (
	"crypto"
	"strings"

	"github.com/youmark/pkcs8"
)

// decryptPKCS8 decrypts an EncryptedPrivateKeyInfo (RFC 5958) with
// github.com/youmark/pkcs8, which implements PBES2 with PBKDF2 or scrypt and
// the AES and 3DES ciphers that openssl uses. The key derivation and cipher
// code is deliberately not ours.
func decryptPKCS8(der, passphrase []byte) (crypto.Signer, error) {
	key, _, err := pkcs8.ParsePrivateKey(der, passphrase)
	if err != nil {
		if strings.Contains(err.Error(), "incorrect password") {
			return nil, ErrWrongPassphrase
		}
		// The library's messages name algorithms and structures, not bytes.
		return nil, &encryptedKeyError{err}
	}
	return checkSigner(key)
}

type encryptedKeyError struct{ err error }

func (e *encryptedKeyError) Error() string {
	return "the encrypted private key could not be read: " + e.err.Error() +
		" (re-encrypt it with openssl pkcs8 -topk8 -v2 aes-256-cbc, or give it unencrypted)"
}

func (e *encryptedKeyError) Unwrap() error { return e.err }
