package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // the RFC 5280 key identifier is defined with SHA-1
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	oidKeyUsage       = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtKeyUsage    = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// keyCache hands out one key per algorithm so that RSA 4096 is generated once.
var keyCache sync.Map

func testKey(t testing.TB, alg KeyAlgorithm) crypto.Signer {
	t.Helper()
	if k, ok := keyCache.Load(alg); ok {
		return k.(crypto.Signer)
	}
	k, err := GenerateKey(alg, rand.Reader)
	if err != nil {
		t.Fatalf("GenerateKey(%s): %v", alg, err)
	}
	actual, _ := keyCache.LoadOrStore(alg, k)
	return actual.(crypto.Signer)
}

func freshKey(t testing.TB, alg KeyAlgorithm) crypto.Signer {
	t.Helper()
	k, err := GenerateKey(alg, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testCA(t testing.TB, alg KeyAlgorithm, validity time.Duration) *Authority {
	t.Helper()
	key := testKey(t, alg)
	ca, err := NewCA(CARequest{Subject: Subject{CommonName: "Test CA", Organization: "Example"}, Validity: validity}, key, testNow, rand.Reader)
	if err != nil {
		t.Fatalf("NewCA: %v", err)
	}
	keyPEM, err := MarshalPrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	a, err := LoadAuthority(ca.CertPEM, keyPEM, nil)
	if err != nil {
		t.Fatalf("LoadAuthority: %v", err)
	}
	return a
}

func extension(t *testing.T, cert *x509.Certificate, oid asn1.ObjectIdentifier) (critical bool, value []byte, ok bool) {
	t.Helper()
	for _, e := range cert.Extensions {
		if e.Id.Equal(oid) {
			return e.Critical, e.Value, true
		}
	}
	return false, nil, false
}

// wantSKID is the RFC 5280 method (1) key identifier computed independently
// of SubjectKeyID: straight from the certificate's SubjectPublicKeyInfo.
func wantSKID(t *testing.T, cert *x509.Certificate) []byte {
	t.Helper()
	var spki struct {
		Algorithm asn1.RawValue
		Key       asn1.BitString
	}
	if _, err := asn1.Unmarshal(cert.RawSubjectPublicKeyInfo, &spki); err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(spki.Key.Bytes) //nolint:gosec
	return sum[:]
}

func TestNewCA(t *testing.T) {
	for _, alg := range KeyAlgorithms() {
		t.Run(string(alg), func(t *testing.T) {
			key := testKey(t, alg)
			validity := 87600 * time.Hour
			issued, err := NewCA(CARequest{Subject: Subject{CommonName: "Docker CA", Organization: "Acme", OrganizationalUnit: "Platform"}, Validity: validity}, key, testNow, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			cert, err := ParseCertificatePEM(issued.CertPEM)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := AlgorithmOf(cert.PublicKey); got != alg {
				t.Errorf("key algorithm = %s, want %s", got, alg)
			}
			if cert.Subject.CommonName != "Docker CA" || cert.Subject.Organization[0] != "Acme" || cert.Subject.OrganizationalUnit[0] != "Platform" {
				t.Errorf("subject = %v", cert.Subject)
			}
			if !bytes.Equal(cert.RawSubject, cert.RawIssuer) {
				t.Error("CA is not self-issued")
			}
			if err := cert.CheckSignatureFrom(cert); err != nil {
				t.Errorf("self-signature: %v", err)
			}
			if !cert.IsCA || !cert.BasicConstraintsValid || cert.MaxPathLen != 0 || !cert.MaxPathLenZero {
				t.Errorf("basicConstraints: IsCA=%v valid=%v MaxPathLen=%d zero=%v", cert.IsCA, cert.BasicConstraintsValid, cert.MaxPathLen, cert.MaxPathLenZero)
			}
			// Read the extension itself: pathLenConstraint 0 must be encoded,
			// not merely implied by the parser's defaults.
			critical, raw, ok := extension(t, cert, oidBasicConstraints)
			if !ok || !critical {
				t.Fatalf("basicConstraints present=%v critical=%v, want both", ok, critical)
			}
			var bc struct {
				IsCA       bool `asn1:"optional"`
				MaxPathLen int  `asn1:"optional,default:-1"`
			}
			if _, err := asn1.Unmarshal(raw, &bc); err != nil {
				t.Fatal(err)
			}
			if !bc.IsCA || bc.MaxPathLen != 0 {
				t.Errorf("encoded basicConstraints = %+v, want cA TRUE, pathLenConstraint 0", bc)
			}
			if critical, _, ok := extension(t, cert, oidKeyUsage); !ok || !critical {
				t.Errorf("keyUsage present=%v critical=%v, want both", ok, critical)
			}
			if want := x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature; cert.KeyUsage != want {
				t.Errorf("keyUsage = %b, want %b", cert.KeyUsage, want)
			}
			if _, _, ok := extension(t, cert, oidExtKeyUsage); ok {
				t.Error("CA carries an extendedKeyUsage extension; it would restrict every leaf")
			}
			if !bytes.Equal(cert.SubjectKeyId, wantSKID(t, cert)) {
				t.Errorf("subjectKeyIdentifier = %x, want %x", cert.SubjectKeyId, wantSKID(t, cert))
			}
			if alg == ED25519 {
				raw := key.Public().(ed25519.PublicKey)
				sum := sha1.Sum(raw) //nolint:gosec
				if !bytes.Equal(cert.SubjectKeyId, sum[:]) {
					t.Error("Ed25519 key identifier is not the SHA-1 of the raw 32-byte key")
				}
			}
			if !cert.NotBefore.Equal(testNow.Add(-Backdate)) || !cert.NotAfter.Equal(testNow.Add(validity)) {
				t.Errorf("validity %s .. %s", cert.NotBefore, cert.NotAfter)
			}
			if cert.SerialNumber.BitLen() < 128 || cert.SerialNumber.Sign() <= 0 {
				t.Errorf("serial %s has %d bits", cert.SerialNumber, cert.SerialNumber.BitLen())
			}
		})
	}
}

func TestIssueServerAndClient(t *testing.T) {
	for _, alg := range KeyAlgorithms() {
		t.Run(string(alg), func(t *testing.T) {
			ca := testCA(t, alg, 87600*time.Hour)
			leafKey := testKey(t, alg)
			server, err := ca.Issue(LeafRequest{
				Subject:     Subject{CommonName: "docker1.example.internal"},
				DNSNames:    []string{"docker1.example.internal", "localhost"},
				IPAddresses: []net.IP{net.ParseIP("10.0.0.5"), net.ParseIP("::1")},
				ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
				Validity:    8760 * time.Hour,
				PublicKey:   leafKey.Public(),
			}, testNow, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			cert := server.Certificate
			if server.Clipped {
				t.Error("a leaf shorter than its CA was clipped")
			}
			if cert.IsCA || !cert.BasicConstraintsValid {
				t.Error("leaf must carry basicConstraints CA:FALSE")
			}
			wantUsage := x509.KeyUsageDigitalSignature
			if _, ok := leafKey.(*rsa.PrivateKey); ok {
				wantUsage |= x509.KeyUsageKeyEncipherment
			}
			if cert.KeyUsage != wantUsage {
				t.Errorf("keyUsage = %b, want %b", cert.KeyUsage, wantUsage)
			}
			if len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
				t.Errorf("extKeyUsage = %v", cert.ExtKeyUsage)
			}
			if _, _, ok := extension(t, cert, oidSubjectAltName); !ok {
				t.Error("no subjectAltName extension")
			}
			if strings.Join(cert.DNSNames, ",") != "docker1.example.internal,localhost" {
				t.Errorf("DNS SANs = %v", cert.DNSNames)
			}
			if len(cert.IPAddresses) != 2 || !cert.IPAddresses[0].Equal(net.ParseIP("10.0.0.5")) || !cert.IPAddresses[1].Equal(net.IPv6loopback) {
				t.Errorf("IP SANs = %v", cert.IPAddresses)
			}
			if !bytes.Equal(cert.AuthorityKeyId, ca.Certificate.SubjectKeyId) {
				t.Error("authorityKeyIdentifier is not the CA's subjectKeyIdentifier")
			}
			if !bytes.Equal(cert.SubjectKeyId, wantSKID(t, cert)) {
				t.Error("leaf subjectKeyIdentifier is not the RFC 5280 method (1) hash")
			}
			if cert.SerialNumber.BitLen() < 128 {
				t.Errorf("serial has %d bits", cert.SerialNumber.BitLen())
			}
			if !cert.NotBefore.Equal(testNow.Add(-Backdate)) || !cert.NotAfter.Equal(testNow.Add(8760*time.Hour)) {
				t.Errorf("validity %s .. %s", cert.NotBefore, cert.NotAfter)
			}
			for _, name := range []string{"docker1.example.internal", "localhost", "10.0.0.5", "::1"} {
				if err := Verify(ca.Certificate, cert, UsageServer, name, testNow); err != nil {
					t.Errorf("server certificate for %s: %v", name, err)
				}
			}
			if err := Verify(ca.Certificate, cert, UsageServer, "10.0.0.6", testNow); err == nil {
				t.Error("verified for an address that is not a SAN")
			}
			if err := Verify(ca.Certificate, cert, UsageClient, "", testNow); err == nil {
				t.Error("a server-only certificate verified for clientAuth")
			}

			client, err := ca.Issue(LeafRequest{
				Subject:     Subject{CommonName: "ci-runner"},
				ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
				Validity:    8760 * time.Hour,
				PublicKey:   leafKey.Public(),
			}, testNow, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(ca.Certificate, client.Certificate, UsageClient, "", testNow); err != nil {
				t.Error(err)
			}
			if err := Verify(ca.Certificate, client.Certificate, UsageServer, "", testNow); err == nil {
				t.Error("a client certificate verified for serverAuth")
			}
			if len(client.Certificate.DNSNames)+len(client.Certificate.IPAddresses) != 0 {
				t.Error("client certificate has SANs")
			}
			opensslVerify(t, ca.Certificate, server.Certificate, "sslserver")
			opensslVerify(t, ca.Certificate, client.Certificate, "sslclient")
		})
	}
}

// opensslVerify runs the real openssl binary over the chain: an independent
// implementation's judgement of what we issued.
func opensslVerify(t *testing.T, ca, leaf *x509.Certificate, purpose string) {
	t.Helper()
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("openssl is required for this test (the project's setup script installs it): %v", err)
	}
	dir := t.TempDir()
	write := func(name string, c *x509.Certificate) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caPath, leafPath := write("ca.pem", ca), write("leaf.pem", leaf)
	out, err := exec.Command(openssl, "verify", "-CAfile", caPath, "-purpose", purpose, leafPath).CombinedOutput()
	if err != nil || !strings.Contains(string(out), ": OK") {
		t.Errorf("openssl verify -purpose %s: %v\n%s", purpose, err, out)
	}
	// And the wrong purpose must fail: proof the check is not vacuous.
	wrong := map[string]string{"sslserver": "sslclient", "sslclient": "sslserver"}[purpose]
	if out, err := exec.Command(openssl, "verify", "-CAfile", caPath, "-purpose", wrong, leafPath).CombinedOutput(); err == nil && strings.Contains(string(out), ": OK") {
		t.Errorf("openssl accepted the certificate for %s too:\n%s", wrong, out)
	}
}

func TestIssueClipsToCA(t *testing.T) {
	ca := testCA(t, ECDSAP256, 100*time.Hour)
	issued, err := ca.Issue(LeafRequest{
		Subject: Subject{CommonName: "c"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		Validity: 8760 * time.Hour, PublicKey: freshKey(t, ECDSAP256).Public(),
	}, testNow, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !issued.Clipped || !issued.Certificate.NotAfter.Equal(ca.Certificate.NotAfter) {
		t.Errorf("clipped=%v notAfter=%s, CA notAfter=%s", issued.Clipped, issued.Certificate.NotAfter, ca.Certificate.NotAfter)
	}
}

func TestIssueRefusesInvalidCA(t *testing.T) {
	ca := testCA(t, ECDSAP256, 100*time.Hour)
	req := LeafRequest{Subject: Subject{CommonName: "c"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, Validity: time.Hour, PublicKey: freshKey(t, ECDSAP256).Public()}
	for name, at := range map[string]time.Time{"expired": testNow.Add(101 * time.Hour), "not yet valid": testNow.Add(-time.Hour)} {
		_, err := ca.Issue(req, at, rand.Reader)
		if err == nil {
			t.Errorf("%s CA: issued", name)
			continue
		}
		var ie *InputError
		if !asInputError(err, &ie) || ie.Input != InputCACert {
			t.Errorf("%s CA: error %v is not attributed to the CA certificate", name, err)
		}
	}
}

func asInputError(err error, target **InputError) bool {
	return errors.As(err, target)
}

func TestSerialNumbersAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		s, err := NewSerialNumber(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if s.BitLen() != serialBits || s.Sign() <= 0 {
			t.Fatalf("serial %x has %d bits", s, s.BitLen())
		}
		if seen[s.String()] {
			t.Fatalf("duplicate serial %s", s)
		}
		seen[s.String()] = true
	}
}

func TestLoadAuthorityErrors(t *testing.T) {
	ca := testCA(t, ECDSAP256, time.Hour*1000)
	caKeyPEM, _ := MarshalPrivateKeyPEM(ca.Key)
	otherKeyPEM, _ := MarshalPrivateKeyPEM(freshKey(t, ECDSAP256))
	rsaKeyPEM, _ := MarshalPrivateKeyPEM(testKey(t, RSA2048))
	leaf, err := ca.Issue(LeafRequest{Subject: Subject{CommonName: "leaf"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, Validity: time.Hour, PublicKey: ca.Key.Public()}, testNow, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caPEM := EncodeCertificatePEM(ca.Certificate.Raw)
	csrDER, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, ca.Key)
	csrPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csrDER}))

	tests := []struct {
		name, cert, key string
		input           Input
		want            string
	}{
		{"empty certificate", "", caKeyPEM, InputCACert, "empty"},
		{"not PEM", "hello", caKeyPEM, InputCACert, "no PEM block"},
		{"leaf as CA", leaf.CertPEM, caKeyPEM, InputCACert, "not a CA"},
		{"CSR as certificate", csrPEM, caKeyPEM, InputCACert, "certificate signing request"},
		{"truncated", caPEM[:len(caPEM)/2], caKeyPEM, InputCACert, "truncated"},
		{"trailing garbage", caPEM + "garbage\n", caKeyPEM, InputCACert, "after the PEM block"},
		{"two certificates", caPEM + caPEM, caKeyPEM, InputCACert, "more than one PEM block"},
		{"key as certificate", caKeyPEM, caKeyPEM, InputCACert, `"PRIVATE KEY" where a CERTIFICATE`},
		{"another key", caPEM, otherKeyPEM, InputCAKey, "does not belong"},
		{"key of another algorithm", caPEM, rsaKeyPEM, InputCAKey, "does not belong"},
		{"certificate as key", caPEM, caPEM, InputCAKey, "where a private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadAuthority(tt.cert, tt.key, nil)
			if err == nil {
				t.Fatal("no error")
			}
			var ie *InputError
			if !asInputError(err, &ie) || ie.Input != tt.input {
				t.Errorf("error %q attributed to %v, want %v", err, ie, tt.input)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			assertNoSecret(t, err.Error(), caKeyPEM, otherKeyPEM, rsaKeyPEM)
		})
	}
}

// assertNoSecret fails when msg quotes any line of the given PEM secrets.
func assertNoSecret(t *testing.T, msg string, secrets ...string) {
	t.Helper()
	if strings.Contains(msg, "PRIVATE KEY-----") {
		t.Errorf("message contains a private key block: %q", msg)
	}
	for _, s := range secrets {
		for _, line := range strings.Split(s, "\n") {
			if len(line) > 16 && !strings.HasPrefix(line, "-----") && strings.Contains(msg, line) {
				t.Errorf("message quotes key material: %q", msg)
			}
		}
	}
}

func TestParsePrivateKeyPEMForms(t *testing.T) {
	rsaKey := testKey(t, RSA2048).(*rsa.PrivateKey)
	ecKey := testKey(t, ECDSAP256).(*ecdsa.PrivateKey)
	sec1, _ := x509.MarshalECPrivateKey(ecKey)
	forms := map[string]struct {
		pem  string
		want crypto.PublicKey
	}{
		"PKCS#1": {string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})), rsaKey.Public()},
		"SEC1":   {string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})), ecKey.Public()},
	}
	for _, alg := range KeyAlgorithms() {
		k := testKey(t, alg)
		p, err := MarshalPrivateKeyPEM(k)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(p, "-----BEGIN PRIVATE KEY-----") {
			t.Errorf("%s: not PKCS#8: %.30s", alg, p)
		}
		forms["PKCS#8 "+string(alg)] = struct {
			pem  string
			want crypto.PublicKey
		}{p, k.Public()}
	}
	for name, f := range forms {
		got, err := ParsePrivateKeyPEM(f.pem)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !PublicKeysEqual(got.Public(), f.want) {
			t.Errorf("%s: parsed a different key", name)
		}
	}

	encrypted := "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n"
	if _, err := ParsePrivateKeyPEM(encrypted); !errors.Is(err, ErrEncryptedKey) {
		t.Errorf("encrypted PKCS#8: %v, want ErrEncryptedKey", err)
	}
	legacy := "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"
	if _, err := ParsePrivateKeyPEM(legacy); !errors.Is(err, ErrEncryptedKey) {
		t.Errorf("legacy encrypted PEM: %v, want ErrEncryptedKey", err)
	}
	corrupt := strings.Replace(forms["SEC1"].pem, "\n", "\nAAAA", 2)
	_, err := ParsePrivateKeyPEM(corrupt)
	if err == nil {
		t.Fatal("corrupt key parsed")
	}
	assertNoSecret(t, err.Error(), forms["SEC1"].pem)
}

func TestValidateDNSName(t *testing.T) {
	valid := []string{"docker1", "docker1.example.internal", "a-b.example.com", "*.nodes.example.com", "XN--bcher-kva.example", strings.Repeat("a", 63) + ".com"}
	for _, n := range valid {
		if err := ValidateDNSName(n); err != nil {
			t.Errorf("%q: %v", n, err)
		}
	}
	invalid := map[string]string{
		"":                              "empty",
		" docker1":                      "white space",
		"docker1.":                      "trailing dot",
		"my_host":                       "only letters, digits and hyphens",
		"my host":                       "only letters",
		"-a.com":                        "hyphen",
		"a..com":                        "empty label",
		"*.com":                         "wildcard",
		"a.*.com":                       "wildcard",
		"f*o.example.com":               "wildcard",
		strings.Repeat("a", 64) + ".io": "limit is 63",
		strings.Repeat("a.", 127) + "a": "limit is 253",
		"10.0.0.5":                      "ip_addresses",
		"::1":                           "ip_addresses",
	}
	for n, want := range invalid {
		err := ValidateDNSName(n)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateDNSName(%q) = %v, want an error containing %q", n, err, want)
		}
	}
}

func TestParseIPAddress(t *testing.T) {
	for in, want := range map[string]string{"10.0.0.5": "10.0.0.5", "::1": "::1", "fd00::5": "fd00::5", "::ffff:10.0.0.1": "10.0.0.1"} {
		got, err := ParseIPAddress(in)
		if err != nil || got.String() != want {
			t.Errorf("ParseIPAddress(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for in, want := range map[string]string{"256.1.1.1": "not a valid", " 10.0.0.1": "white space", "fe80::1%eth0": "zone", "docker1": "dns_names", "10.0.0.01": "not a valid", "": "not a valid"} {
		_, err := ParseIPAddress(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseIPAddress(%q) = %v, want error containing %q", in, err, want)
		}
	}
}

func TestRenewal(t *testing.T) {
	notAfter := testNow.Add(100 * time.Hour)
	early := 10 * time.Hour
	for _, tt := range []struct {
		at   time.Time
		want bool
	}{
		{testNow, false},
		{notAfter.Add(-early - time.Second), false},
		{notAfter.Add(-early), true},
		{notAfter.Add(time.Hour), true},
	} {
		if got := DueForRenewal(notAfter, early, tt.at); got != tt.want {
			t.Errorf("DueForRenewal at %s = %v, want %v", tt.at, got, tt.want)
		}
	}
}

func TestFingerprintMatchesOpenSSLForm(t *testing.T) {
	ca := testCA(t, ECDSAP256, time.Hour*10)
	fp := Fingerprint(ca.Certificate)
	if len(fp) != 64 || strings.ToLower(fp) != fp {
		t.Errorf("fingerprint %q is not 64 lower-case hex digits", fp)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(p, []byte(EncodeCertificatePEM(ca.Certificate.Raw)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("openssl", "x509", "-in", p, "-noout", "-fingerprint", "-sha256").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(strings.SplitN(string(out), "=", 2)[1]), ":", ""))
	if fp != want {
		t.Errorf("fingerprint %s, openssl says %s", fp, want)
	}
}

func TestParseKeyAlgorithm(t *testing.T) {
	if _, err := ParseKeyAlgorithm("DSA"); err == nil || !strings.Contains(err.Error(), "ECDSA_P256, ECDSA_P384, RSA_2048") {
		t.Errorf("error %v does not list the algorithms", err)
	}
	if _, err := GenerateKey("DSA", rand.Reader); err == nil {
		t.Error("generated a key for an unknown algorithm")
	}
}

func TestRSAClientHasNoKeyEncipherment(t *testing.T) {
	ca := testCA(t, ECDSAP256, time.Hour*100)
	issued, err := ca.Issue(LeafRequest{Subject: Subject{CommonName: "c"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		Validity: time.Hour, PublicKey: testKey(t, RSA2048).Public()}, testNow, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if issued.Certificate.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Errorf("RSA client keyUsage = %b, want digitalSignature only", issued.Certificate.KeyUsage)
	}
}
