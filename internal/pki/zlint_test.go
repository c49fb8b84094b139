package pki

import (
	"crypto/rand"
	"crypto/x509"
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	zx509 "github.com/zmap/zcrypto/x509"
	"github.com/zmap/zlint/v3"
	"github.com/zmap/zlint/v3/lint"
)

// intentionalFindings lists the zlint results this project accepts, each
// with the reason. Anything else at warning level or above fails the test.
var intentionalFindings = map[string]string{}

// TestZlint runs an independent linter over every certificate shape the
// provider issues. Only the RFC and community sources apply: the CA/Browser
// Forum lints are for the web PKI, not for a private Docker CA.
func TestZlint(t *testing.T) {
	registry, err := lint.GlobalRegistry().Filter(lint.FilterOptions{
		IncludeSources: lint.SourceList{lint.RFC5280, lint.RFC5480, lint.RFC3279, lint.RFC5891, lint.Community},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(registry.Names()); n < 50 {
		t.Fatalf("only %d lints selected", n)
	}
	now := time.Now()
	for _, alg := range KeyAlgorithms() {
		t.Run(string(alg), func(t *testing.T) {
			key := testKey(t, alg)
			caIssued, err := NewCA(CARequest{Subject: Subject{CommonName: "Docker CA", Organization: "Example", OrganizationalUnit: "Platform"}, Validity: 87600 * time.Hour}, key, now, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			keyPEM, _ := MarshalPrivateKeyPEM(key)
			ca, err := LoadAuthority(caIssued.CertPEM, keyPEM, nil)
			if err != nil {
				t.Fatal(err)
			}
			shapes := map[string]*x509.Certificate{"CA": ca.Certificate}
			leaf := func(name string, req LeafRequest) {
				req.PublicKey = testKey(t, alg).Public()
				req.Validity = 8760 * time.Hour
				issued, err := ca.Issue(req, now, rand.Reader)
				if err != nil {
					t.Fatal(err)
				}
				shapes[name] = issued.Certificate
			}
			leaf("server", LeafRequest{
				Subject:     Subject{CommonName: "docker1.example.internal", Organization: "Example"},
				DNSNames:    []string{"docker1.example.internal", "*.nodes.example.internal", "localhost"},
				IPAddresses: []net.IP{net.ParseIP("10.0.0.5"), net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
				ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			})
			leaf("server with clientAuth", LeafRequest{
				Subject: Subject{CommonName: "10.0.0.6"}, IPAddresses: []net.IP{net.ParseIP("10.0.0.6")},
				ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
			})
			leaf("client", LeafRequest{Subject: Subject{CommonName: "ci-runner"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
			for name, cert := range shapes {
				lintCertificate(t, name, cert, registry)
			}
		})
	}
	t.Run("name-constrained CA", func(t *testing.T) {
		_, ten, _ := net.ParseCIDR("10.0.0.0/8")
		_, fd, _ := net.ParseCIDR("fd00::/8")
		issued, err := NewCA(CARequest{
			Subject: Subject{CommonName: "Constrained CA"}, Validity: 87600 * time.Hour,
			Constraints: NameConstraints{PermittedDNSDomains: []string{"example.internal", ".nodes.example.com"}, PermittedIPRanges: []*net.IPNet{ten, fd}},
		}, testKey(t, ECDSAP256), now, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		lintCertificate(t, "constrained CA", issued.Certificate, registry)
	})
}

func lintCertificate(t *testing.T, name string, cert *x509.Certificate, registry lint.Registry) {
	t.Helper()
	zc, err := zx509.ParseCertificate(cert.Raw)
	if err != nil {
		t.Fatalf("%s: zcrypto cannot parse it: %v", name, err)
	}
	results := zlint.LintCertificateEx(zc, registry)
	var findings []string
	ran := 0
	for lintName, r := range results.Results {
		if r.Status != lint.NA && r.Status != lint.NE {
			ran++
		}
		if r.Status < lint.Warn {
			continue
		}
		if _, ok := intentionalFindings[lintName]; ok {
			continue
		}
		findings = append(findings, lintName+" "+r.Status.String()+" "+r.Details)
	}
	sort.Strings(findings)
	if len(findings) > 0 {
		t.Errorf("%s: zlint reports:\n  %s", name, strings.Join(findings, "\n  "))
	}
	if ran < 10 {
		t.Errorf("%s: only %d lints applied", name, ran)
	}
}
