package dockerconf

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
)

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
