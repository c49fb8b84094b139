package pki

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
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

// RenewalAt returns the moment a certificate expiring at notAfter becomes due
// for renewal when renewal starts early by early.
func RenewalAt(notAfter time.Time, early time.Duration) time.Time {
	return notAfter.Add(-early)
}

// DueForRenewal reports whether, at now, a certificate expiring at notAfter
// is inside its early renewal window.
func DueForRenewal(notAfter time.Time, early time.Duration, now time.Time) bool {
	return !now.Before(RenewalAt(notAfter, early))
}
