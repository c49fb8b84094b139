package dockerconf

import (
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// Material is a trust bundle (one or more CA certificates) with a leaf
// certificate and its key, as PEM.
type Material struct {
	CACertPEM, CertPEM, KeyPEM string
}

// CheckMaterial checks that the leaf certificate and key will work for usage
// under the trust bundle at now: the key is readable by dockerd (not
// encrypted) and belongs to the certificate, and the certificate chains to
// one of the bundle's CAs and carries the extended key usage the peer
// checks. Each error is a *pki.InputError naming the input it is about
// (InputCACert, InputCert or InputKey), worded after the error the user
// would otherwise meet.
func CheckMaterial(usage pki.Usage, m Material, now time.Time) []error {
	var errs []error
	cas, err := pki.ParseCABundlePEM(m.CACertPEM)
	if err != nil {
		errs = append(errs, err)
	}
	cert, err := pki.ParseCertificatePEM(m.CertPEM)
	if err != nil {
		errs = append(errs, &pki.InputError{Input: pki.InputCert, Err: err})
	}
	if m.KeyPEM != "" {
		key, err := pki.ParsePrivateKeyPEM(m.KeyPEM)
		switch {
		case errors.Is(err, pki.ErrEncryptedKey):
			errs = append(errs, &pki.InputError{Input: pki.InputKey, Err: errors.New("the key is encrypted, and dockerd and the docker CLI refuse encrypted keys " +
				"(\"encrypted private keys are obsolete, and not supported\"): give the unencrypted key (openssl pkey -in key.pem -out key-plain.pem)")})
		case err != nil:
			errs = append(errs, &pki.InputError{Input: pki.InputKey, Err: err})
		case cert != nil && !pki.PublicKeysEqual(key.Public(), cert.PublicKey):
			errs = append(errs, &pki.InputError{Input: pki.InputKey, Err: fmt.Errorf("the private key does not belong to the %s certificate %q: give the key issued with it", usage.Side(), cert.Subject.CommonName)})
		}
	}
	if cas == nil || cert == nil {
		return errs
	}
	want := usage.ExtKeyUsage()
	if len(cert.ExtKeyUsage) > 0 && !slices.Contains(cert.ExtKeyUsage, want) && !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageAny) {
		errs = append(errs, &pki.InputError{Input: pki.InputCert, Err: fmt.Errorf("the certificate %q does not carry the %s extended key usage, so the peer rejects it "+
			"(\"x509: certificate specifies an incompatible key usage\"): use a dockertls_%s_cert", cert.Subject.CommonName, usage, usage.Side())})
		return errs
	}
	if err := pki.VerifyBundle(cas, cert, usage, "", now); err != nil {
		var unknown x509.UnknownAuthorityError
		var invalid x509.CertificateInvalidError
		switch {
		case errors.As(err, &unknown):
			err = fmt.Errorf("the %s certificate %q is not signed by %s, so the peer rejects it (\"x509: certificate signed by unknown authority\"): issue it from %s, or give the CA that issued it",
				usage.Side(), cert.Subject.CommonName, describeCAs(cas), pluralCA(cas))
		case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
			err = fmt.Errorf("the %s certificate %q is not valid at %s (valid %s to %s): renew it",
				usage.Side(), cert.Subject.CommonName, pki.FormatTime(now), pki.FormatTime(cert.NotBefore), pki.FormatTime(cert.NotAfter))
		}
		errs = append(errs, &pki.InputError{Input: pki.InputCert, Err: err})
	}
	return errs
}

// CheckServerName returns an error, worded as the docker CLI's own, when a
// client connecting to h would reject the server certificate's names.
func CheckServerName(h Host, serverCert *x509.Certificate) error {
	if err := serverCert.VerifyHostname(h.Hostname); err != nil {
		return fmt.Errorf("the server certificate does not name %q, so the docker CLI will fail with %q: add %q to the server certificate's %s, or connect by a name it has (%s)",
			h.Hostname, err.Error(), h.Hostname, sanAttribute(h), sanList(serverCert))
	}
	return nil
}

func sanAttribute(h Host) string {
	if h.IsIP() {
		return "ip_addresses"
	}
	return "dns_names"
}

func sanList(c *x509.Certificate) string {
	names := append([]string{}, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "it has no SANs at all"
	}
	return fmt.Sprint(names)
}

// describeCAs names the CAs of a bundle for a message: `the CA "A"`, or
// `any of the CAs "A", "B"`.
func describeCAs(cas []*x509.Certificate) string {
	quoted := make([]string, len(cas))
	for i, name := range pki.CommonNames(cas) {
		quoted[i] = strconv.Quote(name)
	}
	if len(cas) == 1 {
		return "the CA " + quoted[0]
	}
	return "any of the CAs " + strings.Join(quoted, ", ")
}

func pluralCA(cas []*x509.Certificate) string {
	if len(cas) == 1 {
		return "this CA"
	}
	return "one of them"
}

// materialProblems are CheckMaterial's errors, each attached to the input
// it is about (fields, by what it is about; the certificate's input when
// the error does not say).
func materialProblems(usage pki.Usage, m Material, fields map[pki.Input]Field, now time.Time) []Problem {
	var out []Problem
	for _, err := range CheckMaterial(usage, m, now) {
		field := fields[pki.InputCert]
		var ie *pki.InputError
		if errors.As(err, &ie) {
			field = fields[ie.Input]
		}
		out = append(out, Problem{Field: field, Summary: "Invalid " + string(field), Detail: fmt.Sprintf("%s: %s", field, err)})
	}
	return out
}
