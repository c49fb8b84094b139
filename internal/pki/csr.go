package pki

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"net"
	"strings"
)

// ParseCSRPEM decodes one certificate signing request and checks its
// signature, which proves that whoever made it holds the private key.
// Only the public key of a CSR is ever used: names, usages and the subject
// come from the issuer's own inputs.
func ParseCSRPEM(s string) (*x509.CertificateRequest, error) {
	block, err := decodeSinglePEM(s, "certificate signing request")
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
	case "CERTIFICATE":
		return nil, errors.New("found a certificate where a certificate signing request (CSR) was expected: pass the CSR (openssl req -new ...)")
	default:
		return nil, fmt.Errorf("found a PEM block of type %q where a CERTIFICATE REQUEST was expected", block.Type)
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("the CERTIFICATE REQUEST block does not parse: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("the CSR's signature does not verify (%w): it was altered after it was made, or signed with another key; make a new CSR with the host's key", err)
	}
	if _, err := AlgorithmOf(csr.PublicKey); err != nil {
		return nil, fmt.Errorf("the CSR's key: %w", err)
	}
	return csr, nil
}

var oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}

// CheckCSRRequests refuses a CSR that asks for more than the issuer grants:
// a subject alternative name that is not among dnsNames and ips, an email
// or URI name, or the CA flag. Such a CSR would be silently narrowed, and
// the host's owner would believe the certificate covers names it does not.
func CheckCSRRequests(csr *x509.CertificateRequest, dnsNames []string, ips []net.IP) error {
	granted := map[string]bool{}
	for _, n := range dnsNames {
		granted[strings.ToLower(n)] = true
	}
	for _, ip := range ips {
		granted[ip.String()] = true
	}
	var extra []string
	for _, n := range csr.DNSNames {
		if !granted[strings.ToLower(n)] {
			extra = append(extra, n)
		}
	}
	for _, ip := range csr.IPAddresses {
		if !granted[ip.String()] {
			extra = append(extra, ip.String())
		}
	}
	extra = append(extra, csr.EmailAddresses...)
	for _, u := range csr.URIs {
		extra = append(extra, u.String())
	}
	if len(extra) > 0 {
		return fmt.Errorf("the CSR asks for names this certificate does not grant: %s. Names come from dns_names and ip_addresses only: add them there if the host should have them, or make the CSR without them",
			strings.Join(extra, ", "))
	}
	for _, ext := range csr.Extensions {
		if !ext.Id.Equal(oidBasicConstraints) {
			continue
		}
		var bc struct {
			IsCA bool `asn1:"optional"`
		}
		if _, err := asn1.Unmarshal(ext.Value, &bc); err == nil && bc.IsCA {
			return errors.New("the CSR asks to be a CA (basicConstraints CA:TRUE): a Docker host key must never sign certificates; make the CSR without -addext basicConstraints or the v3_ca extensions")
		}
	}
	return nil
}
