package pki

// Renewal. A certificate is due for renewal from RenewalAt on: its notAfter
// less its early renewal period. What happens then depends on what it is.
//
// A leaf (a server or client certificate) is replaced: a new key, a new
// certificate, new files on the host or client.
//
// A CA is renewed on its own key (RenewCA), which no client or daemon
// notices: the renewed certificate has the same subject and public key, so
// every leaf issued under the old one verifies under the new one (chain
// building matches the issuer's name and key identifier, and checks the
// signature with the same public key), and a trust bundle holding either
// admits the same certificates. The provider does this in two halves that
// must agree:
//   - the CA resource plans the renewal as an in-place update, whose new
//     certificate is known at plan time because RenewCA is deterministic
//     (certificateResource.renewOnKey, set to caResource.planRenewalOnKey);
//   - each leaf keeps its certificate when only its ca_cert_pem changed to
//     such a renewal (SameAuthority and IssuedBy: the replacement rule's
//     keeps, env.stillIssuedBy), and records the new CA fingerprint.
// Renewing a CA with a new key is not transparent, and replaces every leaf
// under it.

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"time"
)

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

// RenewCA issues a new certificate for the CA prior on its own key: the
// same subject, subject key identifier, key usages, basic and name
// constraints, with a new serial number and a new validity period of
// validity. Every certificate issued under prior verifies against the
// renewed certificate, because chain building matches the issuer's name and
// key identifier and checks the signature with the same public key.
//
// The result is a function of its arguments alone: the same prior, key,
// validity, early and hour of now give the same certificate, byte for byte.
// That lets a plan show the renewed certificate and the apply produce
// exactly it (Terraform plans again while applying and refuses a different
// result). To that end:
//   - the new period starts where prior's renewal window opened
//     (RenewalAt(prior.NotAfter, early)), backdated by Backdate, rather than
//     at now; when a certificate starting there would itself be due at now
//     (a renewal missed for most of a validity period), it starts whole
//     renewal periods later, at the last such start before now
//     (renewalStart);
//   - the serial number is derived from prior and the new notBefore;
//   - the signature is deterministic: RFC 6979 for ECDSA, PKCS #1 v1.5 for
//     RSA, and Ed25519, which is deterministic by design.
//
// The derived serial is not secret and need not be: random serials defend
// against chosen-prefix collisions in certificates whose content an
// applicant chose, and nobody but the CA chooses the content of its own
// certificate.
func RenewCA(prior *x509.Certificate, key crypto.Signer, validity, early time.Duration, now time.Time) (*Issued, error) {
	if !prior.IsCA {
		return nil, errors.New("only a CA certificate can be renewed on its key")
	}
	if !PublicKeysEqual(prior.PublicKey, key.Public()) {
		return nil, ErrKeyMismatch
	}
	if validity <= 0 {
		return nil, errors.New("the validity period must be positive")
	}
	start := renewalStart(prior.NotAfter, validity, early, now)
	notBefore := start.Add(-Backdate).UTC().Truncate(time.Second)
	notAfter := start.Add(validity).UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:                renewalSerial(prior, notBefore, notAfter),
		RawSubject:                  prior.RawSubject,
		NotBefore:                   notBefore,
		NotAfter:                    notAfter,
		KeyUsage:                    prior.KeyUsage,
		BasicConstraintsValid:       true,
		IsCA:                        true,
		MaxPathLen:                  prior.MaxPathLen,
		MaxPathLenZero:              prior.MaxPathLen == 0,
		SubjectKeyId:                prior.SubjectKeyId,
		PermittedDNSDomainsCritical: prior.PermittedDNSDomainsCritical,
		PermittedDNSDomains:         prior.PermittedDNSDomains,
		PermittedIPRanges:           prior.PermittedIPRanges,
	}
	// RawSubject is the subject and, self-signed, the issuer, byte for
	// byte. A nil random source makes the signature deterministic.
	return sign(tmpl, tmpl, key.Public(), key, nil)
}

// renewalStart is when a renewal of a certificate expiring at notAfter
// starts: where its renewal window opened; or, when a certificate starting
// there would itself be due at now (the renewal was missed for longer than
// a renewal period, validity less early), that opening moved on by whole
// renewal periods to the last one not after now. Either way it is a
// function of now that changes only once a renewal period, so a saved plan
// applied hours later renews to the same certificate. (A renewal asked for
// before the window opens starts at the hour of now.)
func renewalStart(notAfter time.Time, validity, early time.Duration, now time.Time) time.Time {
	start := RenewalAt(notAfter, early)
	period := validity - early
	switch {
	case start.After(now):
		return now.UTC().Truncate(time.Hour)
	case !DueForRenewal(start.Add(validity), early, now):
		return start
	case period <= 0:
		return now.UTC().Truncate(time.Hour)
	}
	return start.Add(now.Sub(start) / period * period)
}

// renewalSerial derives a serial number of serialBits bits from prior and
// the renewed certificate's validity period, shaped as NewSerialNumber's
// are.
func renewalSerial(prior *x509.Certificate, notBefore, notAfter time.Time) *big.Int {
	h := sha256.New()
	h.Write([]byte("dockertls CA renewal serial\x00"))
	h.Write(prior.Raw)
	_ = binary.Write(h, binary.BigEndian, [2]int64{notBefore.Unix(), notAfter.Unix()})
	return serialFromBytes(h.Sum(nil)[:(serialBits+7)/8])
}

// SameAuthority reports whether a and b are the same CA for verification:
// the same subject, byte for byte, and the same public key. A certificate
// issued under either verifies against the other, unless b constrains names
// the certificate has (see IssuedBy).
func SameAuthority(a, b *x509.Certificate) bool {
	return bytes.Equal(a.RawSubject, b.RawSubject) && PublicKeysEqual(a.PublicKey, b.PublicKey)
}

// IssuedBy returns nil when ca could have issued leaf: leaf names ca's
// subject as its issuer, carries a signature by ca's key, and has no name
// outside ca's name constraints. It does not look at validity periods.
func IssuedBy(leaf, ca *x509.Certificate) error {
	if !bytes.Equal(leaf.RawIssuer, ca.RawSubject) {
		return fmt.Errorf("the certificate %q names another issuer than %q", leaf.Subject.CommonName, ca.Subject.CommonName)
	}
	if err := leaf.CheckSignatureFrom(ca); err != nil {
		return fmt.Errorf("the certificate %q is not signed by the key of %q: %w", leaf.Subject.CommonName, ca.Subject.CommonName, err)
	}
	return CheckNameConstraints(ca, leaf.DNSNames, leaf.IPAddresses)
}
