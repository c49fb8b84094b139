package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// decodeSinglePEM returns the only PEM block in s. Anything else that is not
// white space, before or after the block, is an error: a second block, a
// truncated block, or trailing garbage usually means the wrong file or a
// bad copy and paste. what names the expected content for the message.
//
// Errors never quote s, which may be a private key.
func decodeSinglePEM(s, what string) (*pem.Block, error) {
	data := []byte(s)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("the value is empty: expected a PEM-encoded %s", what)
	}
	start := bytes.Index(data, []byte("-----BEGIN "))
	if start < 0 {
		return nil, fmt.Errorf("no PEM block found: expected a PEM-encoded %s starting with a -----BEGIN line", what)
	}
	if len(bytes.TrimSpace(data[:start])) != 0 {
		return nil, fmt.Errorf("unexpected text before the PEM block: pass only the PEM-encoded %s", what)
	}
	block, rest := pem.Decode(data[start:])
	if block == nil {
		return nil, fmt.Errorf("the PEM block is malformed or truncated: expected a complete PEM-encoded %s ending with an -----END line", what)
	}
	rest = bytes.TrimSpace(rest)
	if len(rest) != 0 {
		if next, _ := pem.Decode(rest); next != nil {
			return nil, fmt.Errorf("found more than one PEM block: pass exactly one %s, not a bundle", what)
		}
		return nil, fmt.Errorf("unexpected text after the PEM block: pass only the PEM-encoded %s", what)
	}
	return block, nil
}

// ParseCertificatePEM decodes exactly one "CERTIFICATE" block.
func ParseCertificatePEM(s string) (*x509.Certificate, error) {
	block, err := decodeSinglePEM(s, "certificate")
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case "CERTIFICATE":
	case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
		return nil, errors.New("found a certificate signing request (CSR) where a certificate was expected: pass the signed certificate")
	default:
		return nil, fmt.Errorf("found a PEM block of type %q where a CERTIFICATE was expected", block.Type)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("the CERTIFICATE block does not parse: %w", err)
	}
	return cert, nil
}

// EncodeCertificatePEM returns der as a "CERTIFICATE" PEM block.
func EncodeCertificatePEM(der []byte) string {
	return string(encodePEM("CERTIFICATE", der))
}

func encodePEM(blockType string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
}
