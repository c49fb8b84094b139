package pki

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"time"
)

// Fingerprint returns the SHA-256 of the certificate's DER encoding in lower
// case hex without separators, the form Terraform's sha256() and
// `openssl x509 -noout -fingerprint -sha256 | tr -d : | tr A-F a-f` give.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// FormatTime renders t as RFC 3339 in UTC, the form of every timestamp the
// provider reports.
func FormatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// Info is what a module author checks about a certificate in a
// precondition.
type Info struct {
	Subject, CommonName, Issuer string
	SerialNumber                string
	DNSNames, IPAddresses       []string
	// ExtKeyUsages are named as in RFC 5280 ("serverAuth", "clientAuth", ...).
	ExtKeyUsages        []string
	IsCA                bool
	KeyAlgorithm        string
	NotBefore, NotAfter string
	SHA256Fingerprint   string
}

var extKeyUsageNames = map[x509.ExtKeyUsage]string{
	x509.ExtKeyUsageAny:             "any",
	x509.ExtKeyUsageServerAuth:      "serverAuth",
	x509.ExtKeyUsageClientAuth:      "clientAuth",
	x509.ExtKeyUsageCodeSigning:     "codeSigning",
	x509.ExtKeyUsageEmailProtection: "emailProtection",
	x509.ExtKeyUsageTimeStamping:    "timeStamping",
	x509.ExtKeyUsageOCSPSigning:     "OCSPSigning",
}

// Describe returns the facts of cert.
func Describe(cert *x509.Certificate) Info {
	info := Info{
		Subject:           cert.Subject.String(),
		CommonName:        cert.Subject.CommonName,
		Issuer:            cert.Issuer.String(),
		SerialNumber:      cert.SerialNumber.String(),
		DNSNames:          append([]string{}, cert.DNSNames...),
		IPAddresses:       []string{},
		ExtKeyUsages:      []string{},
		IsCA:              cert.BasicConstraintsValid && cert.IsCA,
		NotBefore:         FormatTime(cert.NotBefore),
		NotAfter:          FormatTime(cert.NotAfter),
		SHA256Fingerprint: Fingerprint(cert),
	}
	for _, ip := range cert.IPAddresses {
		info.IPAddresses = append(info.IPAddresses, ip.String())
	}
	for _, u := range cert.ExtKeyUsage {
		name, ok := extKeyUsageNames[u]
		if !ok {
			name = fmt.Sprintf("unknown(%d)", u)
		}
		info.ExtKeyUsages = append(info.ExtKeyUsages, name)
	}
	for _, oid := range cert.UnknownExtKeyUsage {
		info.ExtKeyUsages = append(info.ExtKeyUsages, oid.String())
	}
	if alg, err := AlgorithmOf(cert.PublicKey); err == nil {
		info.KeyAlgorithm = string(alg)
	} else {
		info.KeyAlgorithm = cert.PublicKeyAlgorithm.String()
	}
	return info
}
