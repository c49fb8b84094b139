package pki

import (
	"crypto/rand"
	"crypto/x509"
	"net"
	"testing"
	"time"
)

// BenchmarkIssueServer is the whole cost of one server certificate: key
// generation, signing, and PEM encoding of the certificate and the key. It
// is the floor for the provider's cost per certificate.
func BenchmarkIssueServer(b *testing.B) {
	for _, alg := range KeyAlgorithms() {
		b.Run(string(alg), func(b *testing.B) {
			ca := testCA(b, ECDSAP256, 87600*time.Hour)
			req := LeafRequest{
				Subject:     Subject{CommonName: "host-1.bench.internal"},
				DNSNames:    []string{"host-1.bench.internal", "localhost"},
				IPAddresses: []net.IP{net.ParseIP("10.0.0.1"), net.ParseIP("127.0.0.1"), net.IPv6loopback},
				ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
				Validity:    8760 * time.Hour,
			}
			b.ReportAllocs()
			for b.Loop() {
				key, err := GenerateKey(alg, rand.Reader)
				if err != nil {
					b.Fatal(err)
				}
				req.PublicKey = key.Public()
				issued, err := ca.Issue(req, testNow, rand.Reader)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := MarshalPrivateKeyPEM(key); err != nil || issued.CertPEM == "" {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoadAuthority is parsing and checking a CA certificate and key,
// which the provider does once per CA per process (it caches the result).
func BenchmarkLoadAuthority(b *testing.B) {
	ca := testCA(b, ECDSAP256, time.Hour)
	certPEM := EncodeCertificatePEM(ca.Certificate.Raw)
	keyPEM, _ := MarshalPrivateKeyPEM(ca.Key)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadAuthority(certPEM, keyPEM, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenewalCheck is the plan-time renewal decision for one
// certificate: parsing not_after from state and comparing.
func BenchmarkRenewalCheck(b *testing.B) {
	notAfter := FormatTime(testNow.Add(8760 * time.Hour))
	b.ReportAllocs()
	for b.Loop() {
		t, err := time.Parse(time.RFC3339, notAfter)
		if err != nil {
			b.Fatal(err)
		}
		_ = DueForRenewal(t, 720*time.Hour, testNow)
	}
}
