package pki

import (
	"crypto/rand"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCheckNameConstraints(t *testing.T) {
	key := testKey(t, ECDSAP256)
	_, ten, _ := net.ParseCIDR("10.0.0.0/8")
	issued, err := NewCA(CARequest{
		Subject: Subject{CommonName: "Constrained"}, Validity: time.Hour,
		Constraints: NameConstraints{PermittedDNSDomains: []string{"example.internal", ".nodes.example.com"}, PermittedIPRanges: []*net.IPNet{ten}},
	}, key, testNow, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := issued.Certificate
	if !ca.PermittedDNSDomainsCritical {
		t.Error("nameConstraints is not critical")
	}
	for _, tt := range []struct {
		dns  []string
		ips  []string
		want string
	}{
		{dns: []string{"example.internal", "docker1.example.internal", "DOCKER2.Example.Internal", "*.example.internal"}},
		{dns: []string{"a.nodes.example.com"}, ips: []string{"10.1.2.3"}},
		{dns: []string{"nodes.example.com"}, want: `"nodes.example.com" is outside`},
		{dns: []string{"localhost"}, want: `"localhost" is outside the CA "Constrained"'s permitted DNS domains`},
		{dns: []string{"badexample.internal"}, want: "outside"},
		{ips: []string{"127.0.0.1"}, want: "127.0.0.1 is outside the CA \"Constrained\"'s permitted IP ranges [10.0.0.0/8]"},
		{ips: []string{"::1"}, want: "outside"},
	} {
		var ips []net.IP
		for _, s := range tt.ips {
			ips = append(ips, net.ParseIP(s))
		}
		err := CheckNameConstraints(ca, tt.dns, ips)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("CheckNameConstraints(%v, %v) = %v, want %q", tt.dns, tt.ips, err, tt.want)
		}
		// Our verdict must be Go's: issue without our check and verify.
		leafKey := freshKey(t, ECDSAP256)
		tmpl := &x509.Certificate{SerialNumber: issued.Certificate.SerialNumber, DNSNames: tt.dns, IPAddresses: ips,
			NotBefore: testNow.Add(-time.Minute), NotAfter: testNow.Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, leafKey.Public(), key)
		if err != nil {
			t.Fatal(err)
		}
		leaf, _ := x509.ParseCertificate(der)
		roots := x509.NewCertPool()
		roots.AddCert(ca)
		_, verr := leaf.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: testNow, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		if (verr == nil) != (tt.want == "") {
			t.Errorf("names %v %v: our check says %q, Go's verifier says %v", tt.dns, tt.ips, tt.want, verr)
		}
	}
	if _, err := ParseIPRange("10.0.0.1/8"); err == nil || !strings.Contains(err.Error(), "10.0.0.0/8") {
		t.Errorf("host bits: %v", err)
	}
	if n, err := ParseIPRange("fd00::/8"); err != nil || n.String() != "fd00::/8" {
		t.Errorf("IPv6 range: %v %v", n, err)
	}
}

// opensslKey has the real openssl write a key with args into dir.
func opensslKey(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl %v: %v\n%s", args, err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEncryptedKeys(t *testing.T) {
	dir := t.TempDir()
	for name, args := range map[string][]string{
		"PKCS#8":     {"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes-256-cbc", "-pass", "pass:right", "-out", "key.pem"},
		"legacy PEM": {"genrsa", "-traditional", "-aes256", "-passout", "pass:right", "-out", "key.pem", "2048"},
	} {
		keyPEM := opensslKey(t, dir, args...)
		if _, err := ParsePrivateKeyPEM(keyPEM); !errors.Is(err, ErrEncryptedKey) {
			t.Errorf("%s without passphrase: %v", name, err)
		}
		// A wrong passphrase is an error, never a panic or a wrong key,
		// whatever the passphrase.
		for _, wrong := range []string{"wrong", "", "r", strings.Repeat("x", 1000), "right "} {
			if wrong == "" {
				continue
			}
			_, enc, err := ParsePrivateKeyPEMWithPassphrase(keyPEM, []byte(wrong))
			if !enc || !errors.Is(err, ErrWrongPassphrase) {
				t.Errorf("%s with passphrase %q: encrypted=%v err=%v", name, wrong, enc, err)
			}
		}
		key, enc, err := ParsePrivateKeyPEMWithPassphrase(keyPEM, []byte("right"))
		if err != nil || !enc || key == nil {
			t.Errorf("%s with the right passphrase: %v", name, err)
		}
	}
}

func TestCSR(t *testing.T) {
	key := freshKey(t, ECDSAP256)
	newCSR := func(tmpl *x509.CertificateRequest) *x509.CertificateRequest {
		der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
		if err != nil {
			t.Fatal(err)
		}
		csr, err := ParseCSRPEM(string(encodePEM("CERTIFICATE REQUEST", der)))
		if err != nil {
			t.Fatal(err)
		}
		return csr
	}
	granted := []string{"docker1.example.internal", "localhost"}
	ips := []net.IP{net.ParseIP("10.0.0.5")}
	if err := CheckCSRRequests(newCSR(&x509.CertificateRequest{DNSNames: []string{"Docker1.example.internal"}, IPAddresses: ips}), granted, ips); err != nil {
		t.Errorf("a CSR asking for granted names: %v", err)
	}
	err := CheckCSRRequests(newCSR(&x509.CertificateRequest{DNSNames: []string{"evil.example.com"}, EmailAddresses: []string{"a@b.c"}}), granted, ips)
	if err == nil || !strings.Contains(err.Error(), "evil.example.com, a@b.c") {
		t.Errorf("extra names: %v", err)
	}
}
