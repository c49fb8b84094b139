package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// ParseCABundlePEM parses a trust bundle: one or more PEM "CERTIFICATE"
// blocks, each a CA certificate, with nothing but white space around and
// between them. It is what dockerd's tlscacert and the docker CLI's ca.pem
// hold (both are read with AppendCertsFromPEM, which silently skips what it
// cannot parse; this refuses it instead). Errors name the block by its
// position, counting from 1, and never quote the input.
func ParseCABundlePEM(s string) ([]*x509.Certificate, error) {
	rest := []byte(s)
	if len(bytes.TrimSpace(rest)) == 0 {
		return nil, &InputError{Input: InputCACert, Err: errors.New("the value is empty: expected one or more PEM-encoded CA certificates")}
	}
	var cas []*x509.Certificate
	for n := 1; len(bytes.TrimSpace(rest)) > 0; n++ {
		start := bytes.Index(rest, []byte("-----BEGIN "))
		if start < 0 || len(bytes.TrimSpace(rest[:start])) != 0 {
			return nil, bundleError(n, errors.New("unexpected text where a PEM block should begin: pass only PEM-encoded CA certificates, one after another"))
		}
		var block *pem.Block
		block, rest = pem.Decode(rest[start:])
		if block == nil {
			return nil, bundleError(n, errors.New("the PEM block is malformed or truncated: each CA certificate must end with an -----END CERTIFICATE----- line"))
		}
		ca, err := ParseCACertificatePEM(string(pem.EncodeToMemory(block)))
		if err != nil {
			var ie *InputError
			if errors.As(err, &ie) {
				err = ie.Err
			}
			return nil, bundleError(n, err)
		}
		cas = append(cas, ca)
	}
	return cas, nil
}

func bundleError(n int, err error) error {
	return &InputError{Input: InputCACert, Err: fmt.Errorf("block %d: %w", n, err)}
}

// VerifyBundle is Verify with a trust bundle: leaf must chain to one of
// cas, for usage at now.
func VerifyBundle(cas []*x509.Certificate, leaf *x509.Certificate, usage Usage, name string, now time.Time) error {
	roots := x509.NewCertPool()
	for _, ca := range cas {
		roots.AddCert(ca)
	}
	return verify(roots, leaf, usage, name, now)
}

// CommonNames lists the common names of certs, for messages.
func CommonNames(certs []*x509.Certificate) []string {
	names := make([]string, len(certs))
	for i, c := range certs {
		names[i] = c.Subject.CommonName
	}
	return names
}
