package pki

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// renewalFixture is a CA due for renewal now, in real time (openssl
// verifies at the real time), with a server and a client certificate
// issued under it before the renewal.
type renewalFixture struct {
	ca             *Authority
	server, client *x509.Certificate
	now            time.Time
	validity       time.Duration
	early          time.Duration
}

func newRenewalFixture(t *testing.T, alg KeyAlgorithm, constraints NameConstraints) renewalFixture {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	issuedAt := now.Add(-300 * 24 * time.Hour)
	f := renewalFixture{now: now, validity: 400 * 24 * time.Hour, early: 200 * 24 * time.Hour}
	key := testKey(t, alg)
	issued, err := NewCA(CARequest{Subject: Subject{CommonName: "Renewed CA", Organization: "Example", OrganizationalUnit: "Platform"},
		Validity: f.validity, Constraints: constraints}, key, issuedAt, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	f.ca = &Authority{Certificate: issued.Certificate, Key: key}
	leaf := func(usage x509.ExtKeyUsage, names ...string) *x509.Certificate {
		got, err := f.ca.Issue(LeafRequest{
			Subject: Subject{CommonName: names[0]}, DNSNames: names, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, Validity: 365 * 24 * time.Hour, PublicKey: testKey(t, ECDSAP256).Public(),
		}, issuedAt.Add(10*24*time.Hour), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return got.Certificate
	}
	f.server = leaf(x509.ExtKeyUsageServerAuth, "docker1.example.internal")
	f.client = leaf(x509.ExtKeyUsageClientAuth, "ci.example.internal")
	if !DueForRenewal(f.ca.Certificate.NotAfter, f.early, now) {
		t.Fatal("fixture: the CA is not due for renewal")
	}
	return f
}

func TestRenewCAKeepsEverythingButSerialAndValidity(t *testing.T) {
	for _, alg := range []KeyAlgorithm{ECDSAP256, ECDSAP384, RSA2048, ED25519} {
		t.Run(string(alg), func(t *testing.T) {
			constraints := NameConstraints{PermittedDNSDomains: []string{"example.internal", "localhost"}, PermittedIPRanges: []*net.IPNet{mustCIDR(t, "127.0.0.0/8")}}
			f := newRenewalFixture(t, alg, constraints)
			prior := f.ca.Certificate
			renewed, err := RenewCA(prior, f.ca.Key, f.validity, f.early, f.now)
			if err != nil {
				t.Fatal(err)
			}
			got := renewed.Certificate
			start := RenewalAt(prior.NotAfter, f.early)
			for _, c := range []struct {
				what string
				ok   bool
			}{
				{"same subject bytes", bytes.Equal(got.RawSubject, prior.RawSubject)},
				{"self-signed: issuer is the subject", bytes.Equal(got.RawIssuer, got.RawSubject)},
				{"same key", PublicKeysEqual(got.PublicKey, prior.PublicKey)},
				{"same subject key identifier", bytes.Equal(got.SubjectKeyId, prior.SubjectKeyId) && len(got.SubjectKeyId) == 20},
				{"same key usage", got.KeyUsage == prior.KeyUsage},
				{"CA with path length 0", got.IsCA && got.BasicConstraintsValid && got.MaxPathLen == 0 && got.MaxPathLenZero},
				{"no extended key usage", len(got.ExtKeyUsage) == 0},
				{"same name constraints", got.PermittedDNSDomainsCritical && strings.Join(got.PermittedDNSDomains, ",") == "example.internal,localhost" &&
					len(got.PermittedIPRanges) == 1 && got.PermittedIPRanges[0].String() == "127.0.0.0/8"},
				{"new serial", got.SerialNumber.Cmp(prior.SerialNumber) != 0 && got.SerialNumber.BitLen() == serialBits},
				{"starts where the renewal window opened", got.NotBefore.Equal(start.Add(-Backdate))},
				{"lasts the validity from there", got.NotAfter.Equal(start.Add(f.validity))},
				{"self-signature verifies", got.CheckSignatureFrom(got) == nil},
				{"the same authority", SameAuthority(prior, got)},
			} {
				if !c.ok {
					t.Errorf("renewed CA: want %s", c.what)
				}
			}
			// The leaves issued before the renewal verify against the
			// renewed certificate alone, in Go and in openssl.
			if err := Verify(got, f.server, UsageServer, "docker1.example.internal", f.now); err != nil {
				t.Errorf("old server certificate under the renewed CA: %v", err)
			}
			if err := Verify(got, f.client, UsageClient, "", f.now); err != nil {
				t.Errorf("old client certificate under the renewed CA: %v", err)
			}
			opensslVerify(t, got, f.server, "sslserver")
			opensslVerify(t, got, f.client, "sslclient")
			for _, leaf := range []*x509.Certificate{f.server, f.client} {
				if err := IssuedBy(leaf, got); err != nil {
					t.Errorf("IssuedBy: %v", err)
				}
			}
		})
	}
}

// The plan shows the renewed certificate and the apply must make the same
// one: RenewCA is a function of its inputs.
func TestRenewCAIsDeterministic(t *testing.T) {
	for _, alg := range []KeyAlgorithm{ECDSAP256, RSA2048, ED25519} {
		t.Run(string(alg), func(t *testing.T) {
			f := newRenewalFixture(t, alg, NameConstraints{})
			a, err := RenewCA(f.ca.Certificate, f.ca.Key, f.validity, f.early, f.now)
			if err != nil {
				t.Fatal(err)
			}
			// Later the same hour, as when a plan is applied.
			b, err := RenewCA(f.ca.Certificate, f.ca.Key, f.validity, f.early, f.now.Add(40*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if a.CertPEM != b.CertPEM {
				t.Error("two renewals of the same CA differ")
			}
			// A different validity makes a different certificate.
			c, err := RenewCA(f.ca.Certificate, f.ca.Key, f.validity+time.Hour, f.early, f.now)
			if err != nil {
				t.Fatal(err)
			}
			if c.CertPEM == a.CertPEM || c.Certificate.SerialNumber.Cmp(a.Certificate.SerialNumber) == 0 {
				t.Error("a renewal with another validity gave the same certificate or serial")
			}
		})
	}
}

func TestRenewCAMissedForLong(t *testing.T) {
	f := newRenewalFixture(t, ECDSAP256, NameConstraints{})
	// So late that a certificate starting at the window's opening would
	// already be due itself: it starts whole renewal periods later, at the
	// last such start before now, and is not due.
	late := f.ca.Certificate.NotAfter.Add(300 * 24 * time.Hour).Add(17 * time.Minute)
	got, err := RenewCA(f.ca.Certificate, f.ca.Key, f.validity, f.early, late)
	if err != nil {
		t.Fatal(err)
	}
	opened := RenewalAt(f.ca.Certificate.NotAfter, f.early)
	period := f.validity - f.early
	start := got.Certificate.NotBefore.Add(Backdate)
	if steps := start.Sub(opened); steps <= 0 || steps%period != 0 || start.After(late) || DueForRenewal(got.Certificate.NotAfter, f.early, late) {
		t.Errorf("late renewal valid %s to %s (window opened %s, period %s, now %s)", got.Certificate.NotBefore, got.Certificate.NotAfter, opened, period, late)
	}
	// A plan made late in an hour and applied early in the next renews to
	// the same certificate: Terraform refuses an apply that differs.
	atPlan := late.Truncate(time.Hour).Add(59 * time.Minute)
	planned, err := RenewCA(f.ca.Certificate, f.ca.Key, f.validity, f.early, atPlan)
	if err != nil {
		t.Fatal(err)
	}
	applied, err := RenewCA(f.ca.Certificate, f.ca.Key, f.validity, f.early, atPlan.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if planned.CertPEM != applied.CertPEM {
		t.Errorf("a late renewal planned at %s and applied two minutes later differs: valid from %s, then %s",
			atPlan.Format("15:04"), planned.Certificate.NotBefore, applied.Certificate.NotBefore)
	}
}

func TestRenewCARefusesAnotherKey(t *testing.T) {
	f := newRenewalFixture(t, ECDSAP256, NameConstraints{})
	if _, err := RenewCA(f.ca.Certificate, freshKey(t, ECDSAP256), f.validity, f.early, f.now); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("renewal with another key: %v, want ErrKeyMismatch", err)
	}
}

func TestSameAuthorityAndIssuedBy(t *testing.T) {
	f := newRenewalFixture(t, ECDSAP256, NameConstraints{})
	sameName, err := NewCA(CARequest{Subject: Subject{CommonName: "Renewed CA", Organization: "Example", OrganizationalUnit: "Platform"},
		Validity: f.validity}, freshKey(t, ECDSAP256), f.now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherName, err := NewCA(CARequest{Subject: Subject{CommonName: "Other CA"}, Validity: f.validity}, f.ca.Key, f.now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	narrower, err := NewCA(CARequest{Subject: Subject{CommonName: "Renewed CA", Organization: "Example", OrganizationalUnit: "Platform"},
		Validity: f.validity, Constraints: NameConstraints{PermittedDNSDomains: []string{"other.internal"}}}, f.ca.Key, f.now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		ca       *x509.Certificate
		same     bool
		issuedBy bool
	}{
		{"itself", f.ca.Certificate, true, true},
		{"the same name with another key", sameName.Certificate, false, false},
		{"the same key with another name", otherName.Certificate, false, false},
		{"the same name and key, narrower name constraints", narrower.Certificate, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := SameAuthority(f.ca.Certificate, c.ca); got != c.same {
				t.Errorf("SameAuthority = %t, want %t", got, c.same)
			}
			if err := IssuedBy(f.server, c.ca); (err == nil) != c.issuedBy {
				t.Errorf("IssuedBy = %v, want issued %t", err, c.issuedBy)
			}
		})
	}
}

func TestParseCABundlePEM(t *testing.T) {
	a, b := testCA(t, ECDSAP256, time.Hour), testCA(t, ED25519, time.Hour)
	leaf, err := a.Issue(LeafRequest{Subject: Subject{CommonName: "leaf"}, DNSNames: []string{"leaf"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		Validity: time.Hour, PublicKey: testKey(t, ECDSAP256).Public()}, testNow, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, _ := MarshalPrivateKeyPEM(testKey(t, ECDSAP256))
	caA, caB := EncodeCertificatePEM(a.Certificate.Raw), EncodeCertificatePEM(b.Certificate.Raw)
	for _, c := range []struct {
		name, in string
		count    int
		err      string
	}{
		{"one CA", caA, 1, ""},
		{"two CAs", caA + caB, 2, ""},
		{"two CAs with blank lines and CRLF", strings.ReplaceAll("\n"+caA+"\n\n"+caB+"\n", "\n", "\r\n"), 2, ""},
		{"empty", "  \n", 0, "the value is empty"},
		{"a leaf in second place", caA + leaf.CertPEM, 0, `block 2: the certificate "leaf" is not a CA`},
		{"a key in first place", keyPEM + caA, 0, `block 1: found a PEM block of type "PRIVATE KEY"`},
		{"garbage between", caA + "garbage\n" + caB, 0, "block 2: unexpected text"},
		{"garbage after", caA + caB + "trailing", 0, "block 3: unexpected text"},
		{"truncated", caA + caB[:len(caB)-30], 0, "block 2: the PEM block is malformed or truncated"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseCABundlePEM(c.in)
			if c.err == "" {
				if err != nil || len(got) != c.count {
					t.Fatalf("got %d certificates, %v; want %d", len(got), err, c.count)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("error %v, want it to contain %q", err, c.err)
			}
			var ie *InputError
			if !errors.As(err, &ie) || ie.Input != InputCACert {
				t.Errorf("error %T is not attributed to the CA certificate", err)
			}
			assertNoSecret(t, err.Error(), keyPEM)
		})
	}
}

func TestVerifyBundle(t *testing.T) {
	a, b, other := testCA(t, ECDSAP256, 2*time.Hour), testCA(t, ED25519, 2*time.Hour), testCA(t, ECDSAP384, 2*time.Hour)
	leaf, err := b.Issue(LeafRequest{Subject: Subject{CommonName: "c"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		Validity: time.Hour, PublicKey: testKey(t, ECDSAP256).Public()}, testNow, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyBundle([]*x509.Certificate{a.Certificate, b.Certificate}, leaf.Certificate, UsageClient, "", testNow); err != nil {
		t.Errorf("a client of the second CA in the bundle: %v", err)
	}
	if err := VerifyBundle([]*x509.Certificate{a.Certificate, other.Certificate}, leaf.Certificate, UsageClient, "", testNow); err == nil {
		t.Error("a client of a CA outside the bundle verified")
	}
}

func mustCIDR(t *testing.T, s string) *net.IPNet {
	t.Helper()
	n, err := ParseIPRange(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
