package pki

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// maxDNSNameLength is the longest name in presentation form (RFC 1035 §2.3.4
// allows 255 octets on the wire, which is 253 characters without the root).
const maxDNSNameLength = 253

// ValidateDNSName checks that name can be a dNSName SAN that Go's TLS
// verification (dockerd and the docker CLI) will match: letters, digits and
// hyphens in labels of 1 to 63 characters, no leading or trailing hyphen, no
// trailing dot, and optionally a single "*" as the whole leftmost label.
//
// The error says what is wrong and how to fix it.
func ValidateDNSName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("the DNS name is empty: remove it or give a host name such as docker1.example.internal")
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("DNS name %q has leading or trailing white space: remove it", name)
	case strings.HasSuffix(name, "."):
		return fmt.Errorf("DNS name %q ends with a dot: write it without the trailing dot (%q)", name, strings.TrimSuffix(name, "."))
	case len(name) > maxDNSNameLength:
		return fmt.Errorf("DNS name %q is %d characters long: the limit is %d", name, len(name), maxDNSNameLength)
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return fmt.Errorf("%q is an IP address, not a DNS name: list it in ip_addresses so that it becomes an IP SAN (clients reject an IP given as a DNS SAN)", name)
	}
	if !isASCII(name) {
		return internationalizedNameError(name)
	}
	labels := strings.Split(name, ".")
	for i, label := range labels {
		if label == "*" && i == 0 && len(labels) > 2 {
			continue
		}
		if err := validateLabel(label); err != nil {
			return fmt.Errorf("DNS name %q: %w", name, err)
		}
	}
	return nil
}

func validateLabel(label string) error {
	switch {
	case label == "":
		return fmt.Errorf("it has an empty label (two dots in a row or a leading dot)")
	case strings.Contains(label, "*"):
		return fmt.Errorf("a wildcard is allowed only as the whole leftmost label of a name with at least three labels, as in *.nodes.example.com")
	case len(label) > 63:
		return fmt.Errorf("the label %q is %d characters long: the limit is 63", label, len(label))
	case label[0] == '-' || label[len(label)-1] == '-':
		return fmt.Errorf("the label %q starts or ends with a hyphen", label)
	}
	for _, r := range label {
		if !isLDH(r) {
			return fmt.Errorf("the label %q contains %q: only letters, digits and hyphens are allowed in a host name", label, r)
		}
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// internationalizedNameError refuses a name written with non-ASCII
// letters (a U-label) and gives the A-label to write instead.
// Certificates carry internationalized names as A-labels (RFC 5280 §7.2),
// and Go's verifier compares names as they are, so the configuration
// says exactly what the certificate will hold rather than the provider
// converting it out of sight.
func internationalizedNameError(name string) error {
	wildcard, rest := "", name
	if strings.HasPrefix(name, "*.") {
		wildcard, rest = "*.", strings.TrimPrefix(name, "*.")
	}
	ascii, err := idna.Lookup.ToASCII(rest)
	if err != nil {
		return fmt.Errorf("DNS name %q is not a valid internationalized domain name (%w): certificates carry such names as A-labels (RFC 5280 §7.2), and this one has none", name, err)
	}
	return fmt.Errorf("DNS name %q has letters outside ASCII: certificates carry internationalized names as A-labels (RFC 5280 §7.2), so write %q, which clients match for this name", name, wildcard+ascii)
}

// isLDH reports whether r may appear in a host name label: a letter, a
// digit or a hyphen (RFC 1123).
func isLDH(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-'
}

// ParseIPAddress parses an IPv4 or IPv6 address for an iPAddress SAN. It
// refuses zones (fe80::1%eth0), which a certificate cannot carry, and
// surrounding white space, which usually hides a copy and paste error.
func ParseIPAddress(s string) (netip.Addr, error) {
	if strings.TrimSpace(s) != s {
		return netip.Addr{}, fmt.Errorf("IP address %q has leading or trailing white space: remove it", s)
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%q is not a valid IPv4 or IPv6 address (for example 10.0.0.5 or fd00::5); host names belong in dns_names", s)
	}
	if addr.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("IP address %q has a zone (%%%s): certificates cannot carry zones, write %q", s, addr.Zone(), addr.WithZone("").String())
	}
	addr = addr.Unmap()
	switch {
	case addr.IsUnspecified():
		return netip.Addr{}, fmt.Errorf("IP address %q is the unspecified address, where a daemon listens on every address, but no client "+
			"connects to it: list the addresses clients use, such as the host's own (10.0.0.5)", s)
	case addr.IsMulticast():
		return netip.Addr{}, fmt.Errorf("IP address %q is a multicast address, which no client connects to over TCP: list the host's own address", s)
	case addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return netip.Addr{}, fmt.Errorf("IP address %q is the broadcast address, which no client connects to over TCP: list the host's own address", s)
	}
	return addr, nil
}
