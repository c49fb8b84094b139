package pki

import (
	"crypto/x509"
	"net"
	"strings"
	"unicode/utf8"
)

// The certificate profiles: what a server or client certificate for Docker
// carries besides its key, validity and issuer. Go's crypto/tls, on both
// sides of every connection here, decides what matters: a client matches
// the name it dials against the SANs only, and each side checks the peer's
// extended key usage.

// MaxSubjectNameLength is RFC 5280's upper bound on a Common Name or an
// Organization, in characters (ub-common-name, ub-organization-name).
const MaxSubjectNameLength = 64

// LoopbackDNSNames and LoopbackIPs are the names a server profile adds with
// IncludeLoopback, so that `docker -H tcp://localhost:2376` works on the
// host itself.
var (
	LoopbackDNSNames = []string{"localhost"}
	LoopbackIPs      = []string{"127.0.0.1", "::1"}
)

// ServerProfile is a server certificate's profile: the names clients
// connect by and the extended key usages. The zero Subject.CommonName takes
// DefaultServerCommonName.
type ServerProfile struct {
	Subject Subject
	// DNSNames and IPAddresses are written into the SANs, in order, IP
	// addresses as the user wrote them (ParseIPAddress reads them).
	DNSNames, IPAddresses []string
	// IncludeLoopback adds LoopbackDNSNames and LoopbackIPs that are not
	// among the names already.
	IncludeLoopback bool
	// ClientAuth adds clientAuth to serverAuth, for a node that is also a
	// client of its peers.
	ClientAuth bool
}

// Names are the SANs of p: DNSNames and IPAddresses, then the loopback
// names they lack with IncludeLoopback. An address that does not parse is
// an error (ParseIPAddress's).
func (p ServerProfile) Names() (dnsNames []string, ips []net.IP, err error) {
	dnsNames, addrs := p.DNSNames, p.IPAddresses
	if p.IncludeLoopback {
		dnsNames = appendMissing(dnsNames, LoopbackDNSNames, strings.ToLower)
		addrs = appendMissing(addrs, LoopbackIPs, canonicalIP)
	}
	ips = make([]net.IP, 0, len(addrs))
	for _, s := range addrs {
		a, err := ParseIPAddress(s)
		if err != nil {
			return nil, nil, err
		}
		ips = append(ips, net.IP(a.AsSlice()))
	}
	return dnsNames, ips, nil
}

// ExtKeyUsage is serverAuth, and clientAuth with ClientAuth.
func (p ServerProfile) ExtKeyUsage() []x509.ExtKeyUsage {
	if p.ClientAuth {
		return []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	}
	return []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
}

// Request is the request for a certificate of profile p; its caller sets
// the validity and the public key.
func (p ServerProfile) Request() (LeafRequest, error) {
	dnsNames, ips, err := p.Names()
	if err != nil {
		return LeafRequest{}, err
	}
	subject := p.Subject
	if subject.CommonName == "" {
		subject.CommonName = DefaultServerCommonName(p.DNSNames, p.IPAddresses)
	}
	return LeafRequest{Subject: subject, DNSNames: dnsNames, IPAddresses: ips, ExtKeyUsage: p.ExtKeyUsage()}, nil
}

// DefaultServerCommonName is the Common Name of a server certificate given
// none, for the people who read it (clients ignore it): the first DNS name
// that fits in a Common Name, else the first address in its canonical form
// (so that the same address in another notation gives the same name), else
// localhost.
func DefaultServerCommonName(dnsNames, ips []string) string {
	for _, n := range dnsNames {
		if utf8.RuneCountInString(n) <= MaxSubjectNameLength {
			return n
		}
	}
	if len(ips) > 0 {
		return canonicalIP(ips[0])
	}
	return LoopbackDNSNames[0]
}

// ClientProfile is a client certificate's profile: clientAuth, and the
// subject whose Common Name the server sees as the client's name.
type ClientProfile struct {
	Subject Subject
}

// Request is the request for a certificate of profile p; its caller sets
// the validity and the public key.
func (p ClientProfile) Request() LeafRequest {
	return LeafRequest{Subject: p.Subject, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
}

// canonicalIP is s in its canonical form, or s when it does not parse.
func canonicalIP(s string) string {
	if a, err := ParseIPAddress(s); err == nil {
		return a.String()
	}
	return s
}

// appendMissing appends each of extra that is not already in list,
// comparing normalized forms.
func appendMissing(list, extra []string, normalize func(string) string) []string {
	have := map[string]bool{}
	for _, s := range list {
		have[normalize(s)] = true
	}
	out := append([]string{}, list...)
	for _, s := range extra {
		if !have[normalize(s)] {
			out = append(out, s)
		}
	}
	return out
}
