package pki

import (
	"crypto/x509"
	"fmt"
	"net"
	"strings"
)

// NameConstraints restrict the names a CA may certify (RFC 5280 §4.2.1.10).
// A stolen key of a constrained CA cannot mint a certificate for a host
// outside them that Go (dockerd, the docker CLI) would accept.
type NameConstraints struct {
	// PermittedDNSDomains: "example.com" permits example.com and every name
	// under it; ".example.com" permits only names under it.
	PermittedDNSDomains []string
	PermittedIPRanges   []*net.IPNet
}

func (c NameConstraints) empty() bool {
	return len(c.PermittedDNSDomains) == 0 && len(c.PermittedIPRanges) == 0
}

// ParseIPRange parses a CIDR for a name constraint. The address must be the
// network's first address, as in 10.0.0.0/8, so that what is written is what
// is encoded.
func ParseIPRange(s string) (*net.IPNet, error) {
	ip, n, err := net.ParseCIDR(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a CIDR range such as 10.0.0.0/8 or fd00::/8", s)
	}
	if !ip.Equal(n.IP) {
		return nil, fmt.Errorf("%q has host bits set: write the network, %s", s, n.String())
	}
	if v4 := n.IP.To4(); v4 != nil {
		n.IP = v4
		if len(n.Mask) == net.IPv6len {
			n.Mask = n.Mask[12:]
		}
	}
	return n, nil
}

// ValidateConstraintDomain checks one permitted DNS domain.
func ValidateConstraintDomain(d string) error {
	if err := ValidateDNSName(strings.TrimPrefix(d, ".")); err != nil {
		return err
	}
	if strings.Contains(d, "*") {
		return fmt.Errorf("%q: a name constraint is a domain, not a wildcard: write %q to permit every name under it", d, strings.TrimPrefix(d, "*."))
	}
	return nil
}

// CheckNameConstraints returns an error naming the first SAN that ca's name
// constraints (permitted or excluded) do not allow, and the constraint.
// It follows Go's verifier: each kind of constraint applies only to names
// of its kind, DNS matching is case-insensitive, and a wildcard name is
// judged by the domain it covers.
func CheckNameConstraints(ca *x509.Certificate, dnsNames []string, ips []net.IP) error {
	for _, name := range dnsNames {
		if len(ca.PermittedDNSDomains) > 0 && !anyDomainMatch(ca.PermittedDNSDomains, name) {
			return fmt.Errorf("the DNS name %q is outside the CA %q's permitted DNS domains %s", name, ca.Subject.CommonName, quoteAll(ca.PermittedDNSDomains))
		}
		if anyDomainMatch(ca.ExcludedDNSDomains, name) {
			return fmt.Errorf("the DNS name %q is in the CA %q's excluded DNS domains %s", name, ca.Subject.CommonName, quoteAll(ca.ExcludedDNSDomains))
		}
	}
	for _, ip := range ips {
		if len(ca.PermittedIPRanges) > 0 && !anyRangeContains(ca.PermittedIPRanges, ip) {
			return fmt.Errorf("the IP address %s is outside the CA %q's permitted IP ranges %s", ip, ca.Subject.CommonName, rangesString(ca.PermittedIPRanges))
		}
		if anyRangeContains(ca.ExcludedIPRanges, ip) {
			return fmt.Errorf("the IP address %s is in the CA %q's excluded IP ranges %s", ip, ca.Subject.CommonName, rangesString(ca.ExcludedIPRanges))
		}
	}
	return nil
}

func anyDomainMatch(domains []string, name string) bool {
	name = strings.ToLower(strings.TrimPrefix(name, "*."))
	for _, d := range domains {
		d = strings.ToLower(d)
		switch {
		case strings.HasPrefix(d, "."):
			if strings.HasSuffix(name, d) {
				return true
			}
		case name == d || strings.HasSuffix(name, "."+d):
			return true
		}
	}
	return false
}

func anyRangeContains(ranges []*net.IPNet, ip net.IP) bool {
	for _, r := range ranges {
		if r.Contains(ip) {
			return true
		}
	}
	return false
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func rangesString(rs []*net.IPNet) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = r.String()
	}
	return "[" + strings.Join(s, ", ") + "]"
}
