package pki

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // RFC 5280 §4.2.1.2 method (1) defines the key identifier as a SHA-1 hash.
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"slices"
	"time"
)

// Backdate is how far before the moment of issuance a certificate's
// notBefore is set, so that a host whose clock runs a little behind accepts
// a certificate issued just now (docker-machine uses the same margin).
const Backdate = 5 * time.Minute

// Subject is the distinguished name written into a certificate. Go's TLS
// stack ignores it for name matching; it identifies the holder to people
// and to dockerd authorization plugins (which see the client's CommonName).
type Subject struct {
	CommonName         string
	Organization       string
	OrganizationalUnit string
}

func (s Subject) name() pkix.Name {
	n := pkix.Name{CommonName: s.CommonName}
	if s.Organization != "" {
		n.Organization = []string{s.Organization}
	}
	if s.OrganizationalUnit != "" {
		n.OrganizationalUnit = []string{s.OrganizationalUnit}
	}
	return n
}

// Issued is a certificate as it was just created.
type Issued struct {
	Certificate *x509.Certificate
	CertPEM     string
	// Clipped is true when the requested validity was cut short so that the
	// certificate does not outlive its issuer.
	Clipped bool
}

// CARequest describes a self-signed CA certificate.
type CARequest struct {
	Subject  Subject
	Validity time.Duration
	// Constraints, when not empty, are encoded as a critical
	// nameConstraints extension.
	Constraints NameConstraints
}

// NewCA self-signs a CA certificate for key. The certificate has
// basicConstraints CA:TRUE with a path length of 0 (encoded, so it cannot
// sign intermediates), keyUsage certSign, cRLSign and digitalSignature
// (critical), and no extended key usage: Go checks EKUs across the whole
// chain, so any EKU here would restrict every certificate issued under it.
func NewCA(req CARequest, key crypto.Signer, now time.Time, rand io.Reader) (*Issued, error) {
	if req.Validity <= 0 {
		return nil, errors.New("the validity period must be positive")
	}
	if req.Subject.CommonName == "" {
		return nil, errors.New("a CA needs a common name")
	}
	serial, err := NewSerialNumber(rand)
	if err != nil {
		return nil, err
	}
	skid, err := SubjectKeyID(key.Public())
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               req.Subject.name(),
		NotBefore:             now.Add(-Backdate).UTC().Truncate(time.Second),
		NotAfter:              now.Add(req.Validity).UTC().Truncate(time.Second),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		SubjectKeyId:          skid,
	}
	if !req.Constraints.empty() {
		tmpl.PermittedDNSDomains = req.Constraints.PermittedDNSDomains
		tmpl.PermittedIPRanges = req.Constraints.PermittedIPRanges
		tmpl.PermittedDNSDomainsCritical = true
	}
	return sign(tmpl, tmpl, key.Public(), key, rand)
}

// LeafRequest describes a server or client certificate.
type LeafRequest struct {
	Subject     Subject
	DNSNames    []string
	IPAddresses []net.IP
	// ExtKeyUsage lists the purposes: serverAuth for dockerd, clientAuth for
	// the docker CLI, both for nodes that talk to each other.
	ExtKeyUsage []x509.ExtKeyUsage
	Validity    time.Duration
	PublicKey   crypto.PublicKey
}

// Authority is a CA certificate with its private key, checked to belong
// together. It is safe for concurrent use.
type Authority struct {
	Certificate *x509.Certificate
	Key         crypto.Signer
	// Fingerprint is the CA certificate's SHA-256 fingerprint, computed once.
	Fingerprint string
}

// ErrKeyMismatch is returned when a private key does not belong to the
// certificate it was given with.
var ErrKeyMismatch = errors.New("the private key does not belong to the CA certificate: pass the key the CA certificate was created with")

// LoadAuthority parses a CA certificate and its private key and checks that
// the certificate is a CA that may sign certificates and that the key is
// the certificate's. The returned errors wrap ErrCertificate or ErrKey so
// that callers can attribute them to the right input.
//
// passphrase decrypts an encrypted key; it may be nil for an unencrypted one.
func LoadAuthority(certPEM, keyPEM string, passphrase []byte) (*Authority, error) {
	cert, err := ParseCACertificatePEM(certPEM)
	if err != nil {
		return nil, err
	}
	key, _, err := ParsePrivateKeyPEMWithPassphrase(keyPEM, passphrase)
	if err != nil {
		return nil, &InputError{Input: InputCAKey, Err: err}
	}
	if !PublicKeysEqual(cert.PublicKey, key.Public()) {
		return nil, &InputError{Input: InputCAKey, Err: ErrKeyMismatch}
	}
	return &Authority{Certificate: cert, Key: key, Fingerprint: Fingerprint(cert)}, nil
}

// ParseCACertificatePEM parses a certificate and checks that it can act as
// an issuing CA.
func ParseCACertificatePEM(certPEM string) (*x509.Certificate, error) {
	cert, err := ParseCertificatePEM(certPEM)
	if err != nil {
		return nil, &InputError{Input: InputCACert, Err: err}
	}
	if !cert.BasicConstraintsValid || !cert.IsCA {
		return nil, &InputError{Input: InputCACert, Err: fmt.Errorf("the certificate %q is not a CA (basicConstraints CA:TRUE is missing): pass the CA certificate, not a server or client certificate", cert.Subject.CommonName)}
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, &InputError{Input: InputCACert, Err: fmt.Errorf("the CA certificate %q does not allow certificate signing (keyUsage keyCertSign is missing)", cert.Subject.CommonName)}
	}
	return cert, nil
}

// CheckValidAt returns an error when the CA is not valid at now: a
// certificate issued by an expired or not-yet-valid CA does not verify.
func (a *Authority) CheckValidAt(now time.Time) error {
	return CheckCAValidAt(a.Certificate, now)
}

// CheckCAValidAt is CheckValidAt for a CA certificate without its key.
func CheckCAValidAt(ca *x509.Certificate, now time.Time) error {
	if now.After(ca.NotAfter) {
		return &InputError{Input: InputCACert, Err: fmt.Errorf("the CA certificate %q expired at %s: renew the CA (replace it) before issuing under it", ca.Subject.CommonName, FormatTime(ca.NotAfter))}
	}
	if now.Before(ca.NotBefore) {
		return &InputError{Input: InputCACert, Err: fmt.Errorf("the CA certificate %q is not valid until %s: check this machine's clock or the CA's notBefore", ca.Subject.CommonName, FormatTime(ca.NotBefore))}
	}
	return nil
}

// LeafNotAfter returns the notAfter a leaf issued at now for validity would
// get under ca, and whether it was clipped to the CA's own notAfter.
func LeafNotAfter(ca *x509.Certificate, now time.Time, validity time.Duration) (time.Time, bool) {
	notAfter := now.Add(validity).UTC().Truncate(time.Second)
	if notAfter.After(ca.NotAfter) {
		return ca.NotAfter.UTC(), true
	}
	return notAfter, false
}

// Issue signs a leaf certificate for req.PublicKey. Every name goes into the
// subjectAltName extension; the certificate carries the CA's key identifier,
// a random serial number, keyUsage digitalSignature (plus keyEncipherment for
// RSA server keys, which RSA key exchange needs), and a notBefore backdated by
// Backdate. Its notAfter never passes the CA's.
func (a *Authority) Issue(req LeafRequest, now time.Time, rand io.Reader) (*Issued, error) {
	if err := a.CheckValidAt(now); err != nil {
		return nil, err
	}
	if req.Validity <= 0 {
		return nil, errors.New("the validity period must be positive")
	}
	if len(req.ExtKeyUsage) == 0 {
		return nil, errors.New("a leaf certificate needs at least one extended key usage")
	}
	if _, err := AlgorithmOf(req.PublicKey); err != nil {
		return nil, err
	}
	serial, err := NewSerialNumber(rand)
	if err != nil {
		return nil, err
	}
	skid, err := SubjectKeyID(req.PublicKey)
	if err != nil {
		return nil, err
	}
	usage := x509.KeyUsageDigitalSignature
	if _, isRSA := req.PublicKey.(*rsa.PublicKey); isRSA && slices.Contains(req.ExtKeyUsage, x509.ExtKeyUsageServerAuth) {
		// Only a TLS server decrypts with its RSA key (RSA key exchange);
		// a client only signs, and keyEncipherment on a client
		// certificate contradicts clientAuth (RFC 5280 §4.2.1.12).
		usage |= x509.KeyUsageKeyEncipherment
	}
	if err := CheckNameConstraints(a.Certificate, req.DNSNames, req.IPAddresses); err != nil {
		return nil, err
	}
	notAfter, clipped := LeafNotAfter(a.Certificate, now, req.Validity)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               req.Subject.name(),
		NotBefore:             now.Add(-Backdate).UTC().Truncate(time.Second),
		NotAfter:              notAfter,
		KeyUsage:              usage,
		ExtKeyUsage:           req.ExtKeyUsage,
		BasicConstraintsValid: true,
		IsCA:                  false,
		DNSNames:              req.DNSNames,
		IPAddresses:           req.IPAddresses,
		SubjectKeyId:          skid,
		AuthorityKeyId:        a.Certificate.SubjectKeyId,
	}
	issued, err := sign(tmpl, a.Certificate, req.PublicKey, a.Key, rand)
	if err != nil {
		return nil, err
	}
	issued.Clipped = clipped
	return issued, nil
}

func sign(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer, rand io.Reader) (*Issued, error) {
	der, err := x509.CreateCertificate(rand, tmpl, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("signing the certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing the certificate just signed: %w", err)
	}
	return &Issued{Certificate: cert, CertPEM: EncodeCertificatePEM(der)}, nil
}

// serialBits is the size of generated serial numbers. With the top bit fixed
// they have 158 random bits and always encode in 20 octets, the RFC 5280
// maximum, as a positive INTEGER.
const serialBits = 159

// NewSerialNumber returns a random positive serial number of serialBits bits.
func NewSerialNumber(rand io.Reader) (*big.Int, error) {
	buf := make([]byte, (serialBits+7)/8)
	if _, err := io.ReadFull(rand, buf); err != nil {
		return nil, fmt.Errorf("reading randomness for the serial number: %w", err)
	}
	return serialFromBytes(buf), nil
}

// serialFromBytes shapes 20 octets into a serial number of serialBits
// bits: positive, and always encoded in 20 octets.
func serialFromBytes(buf []byte) *big.Int {
	buf[0] &= 0x7f // clear bit 159: positive, 20 octets
	buf[0] |= 0x40 // set bit 158: always the full length
	return new(big.Int).SetBytes(buf)
}

// SubjectKeyID computes the key identifier of RFC 5280 §4.2.1.2, method
// (1): the SHA-1 hash of the BIT STRING subjectPublicKey, without the tag,
// length and unused-bits octets. For Ed25519 that is the 32-byte key itself,
// not the SubjectPublicKeyInfo wrapper.
func SubjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encoding public key: %w", err)
	}
	var info struct {
		Algorithm        pkix.AlgorithmIdentifier
		SubjectPublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(spki, &info); err != nil {
		return nil, fmt.Errorf("decoding public key: %w", err)
	}
	sum := sha1.Sum(info.SubjectPublicKey.Bytes) //nolint:gosec // see import
	return sum[:], nil
}
