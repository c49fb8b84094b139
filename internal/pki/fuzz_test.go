package pki

import (
	"crypto/rand"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"
)

// The fuzz targets cover every parser of user input in this package. Their
// invariants: no panic; an error never quotes a private key; and whatever
// parses satisfies what the callers rely on.

func seedPEMs(f *testing.F) {
	key, _ := GenerateKey(ECDSAP256, rand.Reader)
	keyPEM, _ := MarshalPrivateKeyPEM(key)
	ca, _ := NewCA(CARequest{Subject: Subject{CommonName: "Seed"}, Validity: time.Hour}, key, time.Unix(1700000000, 0), rand.Reader)
	csrDER, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{DNSNames: []string{"a.example"}}, key)
	for _, s := range []string{
		ca.CertPEM, keyPEM, string(encodePEM("CERTIFICATE REQUEST", csrDER)),
		ca.CertPEM + ca.CertPEM, ca.CertPEM[:len(ca.CertPEM)/2], "junk\n" + ca.CertPEM, ca.CertPEM + "junk",
		"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", "", "-----BEGIN ", "\x00\xff",
		"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n",
		"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n",
	} {
		f.Add(s)
	}
}

func FuzzParseCertificatePEM(f *testing.F) {
	seedPEMs(f)
	f.Fuzz(func(t *testing.T, s string) {
		cert, err := ParseCertificatePEM(s)
		if err == nil && (cert == nil || len(cert.Raw) == 0) {
			t.Fatal("nil certificate without an error")
		}
		if ca, err := ParseCACertificatePEM(s); err == nil && !ca.IsCA {
			t.Fatal("ParseCACertificatePEM accepted a certificate that is not a CA")
		}
	})
}

func FuzzParsePrivateKeyPEM(f *testing.F) {
	seedPEMs(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, pass := range [][]byte{nil, []byte("pass")} {
			key, _, err := ParsePrivateKeyPEMWithPassphrase(s, pass)
			if err != nil {
				if strings.Contains(err.Error(), "PRIVATE KEY-----") || (len(s) > 40 && strings.Contains(err.Error(), s[len(s)/2:len(s)/2+20])) {
					t.Fatalf("the error quotes the input: %v", err)
				}
				continue
			}
			if _, err := AlgorithmOf(key.Public()); err != nil {
				t.Fatalf("parsed a key of an unsupported algorithm: %v", err)
			}
		}
	})
}

func FuzzParseCSRPEM(f *testing.F) {
	seedPEMs(f)
	f.Fuzz(func(t *testing.T, s string) {
		csr, err := ParseCSRPEM(s)
		if err != nil {
			return
		}
		if csr.CheckSignature() != nil {
			t.Fatal("accepted a CSR whose signature does not verify")
		}
		_ = CheckCSRRequests(csr, []string{"a.example"}, nil)
	})
}

func FuzzNames(f *testing.F) {
	for _, s := range []string{"docker1.example.internal", "*.a.b", "a..b", "-a", "a_b", "10.0.0.1", "::1", "fe80::1%eth0",
		"256.1.1.1", " 1.2.3.4", "xn--bcher-kva.example", strings.Repeat("a.", 130), "*", "a.*.b", "10.0.0.0/8", "::ffff:1.2.3.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateDNSName(s) == nil {
			if len(s) > maxDNSNameLength || strings.ContainsAny(s, " _/%\x00") || strings.HasSuffix(s, ".") {
				t.Fatalf("accepted the DNS name %q", s)
			}
		}
		if a, err := ParseIPAddress(s); err == nil && (a.Zone() != "" || !a.IsValid()) {
			t.Fatalf("ParseIPAddress(%q) = %v", s, a)
		}
		if n, err := ParseIPRange(s); err == nil && n.IP.Mask(n.Mask).Equal(n.IP) == false {
			t.Fatalf("ParseIPRange(%q) kept host bits", s)
		}
		if err := ValidateConstraintDomain(s); err == nil && strings.Contains(s, "*") {
			t.Fatalf("accepted the wildcard constraint %q", s)
		}
	})
}

// TestErrorsAreClassified keeps the fuzzers' no-quote invariant honest for
// the error kinds callers branch on.
func TestErrorsAreClassified(t *testing.T) {
	_, err := ParsePrivateKeyPEM("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n")
	if !errors.Is(err, ErrEncryptedKey) {
		t.Fatal(err)
	}
}
