package dockerconf

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"strings"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// The client trust: the bundle of issuers a server admits clients from,
// chosen, judged and bounded here, for every server this package renders.
// Revocation works by issuer: a client whose issuer leaves the bundle is
// refused at the handshake.

// MaxAcceptableCAsBytes bounds the names of the CAs a daemon trusts for
// clients (tlscacert). In every handshake dockerd sends the subject of each
// of them, DER-encoded with a two-byte length, as the certificate
// authorities it accepts, and Go's TLS client (the docker CLI, the
// kreuzwerker/docker provider) refuses a handshake message over 65536
// bytes: the connection fails with "EOF" before any request. Measured with
// dockerd 20.10 and the docker CLI 28: subjects of 65477 bytes in all
// connect and 65518 do not. The bound leaves a margin for other servers'
// longer lists of signature algorithms.
const MaxAcceptableCAsBytes = 65000

// AcceptableCAsBytes is how many bytes the subjects of cas take in the
// certificate request of a server that trusts them.
func AcceptableCAsBytes(cas []*x509.Certificate) int {
	n := 0
	for _, ca := range cas {
		n += 2 + len(ca.RawSubject)
	}
	return n
}

// CheckClientTrustSize returns an error when a daemon trusting cas for
// clients could not be reached by Go clients at all.
func CheckClientTrustSize(cas []*x509.Certificate) error {
	size := AcceptableCAsBytes(cas)
	if size <= MaxAcceptableCAsBytes {
		return nil
	}
	fit := len(cas) * MaxAcceptableCAsBytes / size
	return fmt.Errorf("the bundle has %d CA certificates whose names take %d bytes in the list of accepted CAs that dockerd sends in every "+
		"handshake, more than the %d bytes Go clients (the docker CLI, kreuzwerker/docker) accept in that message: every client would fail "+
		"to connect (\"EOF\"). Trust at most about %d issuers with names like these: share an issuer per team rather than per person, or "+
		"shorten their common names", len(cas), size, MaxAcceptableCAsBytes, fit)
}

// IssuersThatFit is how many CAs with the subject CN=commonName fit in
// MaxAcceptableCAsBytes, for documentation and messages.
func IssuersThatFit(commonName string) int {
	der, err := asn1.Marshal(pkix.Name{CommonName: commonName}.ToRDNSequence())
	if err != nil {
		return 0
	}
	return MaxAcceptableCAsBytes / (2 + len(der))
}

// ClientTrust returns the bundle a server verifies clients with (dockerd's
// tlscacert, buildkitd's ca, the registry's clientcas), and the input it
// comes from: the client issuers when they are given, else the server's
// own CAs. Revocation by issuer is removing an issuer from this bundle.
func (m ServerMaterial) ClientTrust() (pem string, field Field) {
	if m.ClientCACertPEM != "" {
		return m.ClientCACertPEM, FieldClientCACert
	}
	return m.CACertPEM, FieldCACert
}

// checkTrust judges the bundles of m whose inputs are not pending at now:
// the client trust, when the server uses one (verify), as CheckBundle
// judges a client trust, and with ownCAs the server's own CAs, when they
// are another bundle, for their warnings only.
func (m ServerMaterial) checkTrust(verify, ownCAs bool, now time.Time, pending Pending) []Problem {
	var out []Problem
	trust, at := m.ClientTrust()
	if verify && !pending.Any(at) {
		out = append(out, CheckBundle(at, trust, true, now)...)
	}
	if ownCAs && at != FieldCACert && !pending.Any(FieldCACert) {
		out = append(out, CheckBundle(FieldCACert, m.CACertPEM, false, now)...)
	}
	return out
}

// CheckBundle judges a bundle of CA certificates (from field) at now:
// a CA listed twice, and a CA outside its validity period, warn. When the
// bundle is dockerd's client trust (clientTrust), two things are errors:
// no CA in it is valid, or its names are too large for Go clients to
// connect at all (CheckClientTrustSize); either way no client gets in. A
// malformed bundle is the caller's validator's to report, and passes here.
func CheckBundle(field Field, bundle string, clientTrust bool, now time.Time) []Problem {
	cas, err := pki.ParseCABundlePEM(bundle)
	if err != nil {
		return nil
	}
	var out []Problem
	seen := map[string]bool{}
	var copies []string
	valid := 0
	for i, ca := range cas {
		name := fmt.Sprintf("the CA %q (block %d)", ca.Subject.CommonName, i+1)
		if seen[string(ca.Raw)] {
			copies = append(copies, name)
			continue
		}
		seen[string(ca.Raw)] = true
		switch {
		case now.After(ca.NotAfter):
			out = append(out, Problem{Field: field, Warning: true, Summary: "An expired CA in a bundle",
				Detail: fmt.Sprintf("%s: %s expired at %s: nothing it signed verifies any more. Renew it, or remove it from the bundle.", field, name, pki.FormatTime(ca.NotAfter))})
		case now.Before(ca.NotBefore):
			out = append(out, Problem{Field: field, Warning: true, Summary: "A CA in a bundle that is not valid yet",
				Detail: fmt.Sprintf("%s: %s is valid only from %s: nothing it signed verifies until then (check the clocks).", field, name, pki.FormatTime(ca.NotBefore))})
		default:
			valid++
		}
	}
	if len(copies) > 0 {
		shown := copies[:min(len(copies), 3)]
		out = append(out, Problem{Field: field, Warning: true, Summary: "A CA listed twice",
			Detail: fmt.Sprintf("%s: it repeats CAs listed before (%d copies: %s): remove the copies (the file holds what the bundle holds).",
				field, len(copies), strings.Join(shown, ", "))})
	}
	if clientTrust {
		if err := CheckClientTrustSize(cas); err != nil {
			out = append(out, Problem{Field: field, Summary: "Too many client issuers for one daemon", Detail: string(field) + ": " + err.Error()})
		}
	}
	if clientTrust && valid == 0 && len(cas) > 0 {
		out = append(out, Problem{Field: field, Summary: "No client could connect",
			Detail: fmt.Sprintf("%s: no CA in it is valid now, so dockerd would verify no client certificate and refuse every client: "+
				"renew the issuers, or add a valid one.", field)})
	}
	return out
}
