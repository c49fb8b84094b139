package provider

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// TestE2EClientTrustLimit measures, with the real dockerd and docker CLI,
// how many client issuers one daemon can trust before the CLI can no longer
// connect (dockerd names every one in each handshake, and Go clients bound
// that message), and checks dockerconf.MaxAcceptableCAsBytes against it:
// the bound must be below the measured limit, and not far below it.
func TestE2EClientTrustLimit(t *testing.T) {
	dockerd, docker := requireDocker(t)
	dir := e2eDir(t, "dtlsl")
	now := time.Now()
	port := freePort(t)

	key, issuers, first := clientIssuers(t, now, 2*issuersThatFit)
	fits := issuersThatFit
	serverCA, err := pki.NewCA(pki.CARequest{Subject: pki.Subject{CommonName: "Docker servers CA"}, Validity: 2 * time.Hour}, key, now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	server, serverKey := issueLocal(t, serverCA.Certificate, key, now, x509.ExtKeyUsageServerAuth)
	client, clientKey := issueLocal(t, first, key, now, x509.ExtKeyUsageClientAuth)
	writeFile(t, filepath.Join(dir, "cert.pem"), server)
	writeFile(t, filepath.Join(dir, "key.pem"), serverKey)
	clientDir := filepath.Join(dir, "client")
	if err := os.MkdirAll(clientDir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(clientDir, "ca.pem"), serverCA.CertPEM)
	writeFile(t, filepath.Join(clientDir, "cert.pem"), client)
	writeFile(t, filepath.Join(clientDir, "key.pem"), clientKey)
	daemonJSON := filepath.Join(dir, "daemon.json")
	writeFile(t, daemonJSON, fmt.Sprintf(`{"hosts": ["unix://%[1]s/docker.sock", "tcp://127.0.0.1:%[2]d"], "tls": true, "tlsverify": true,
"tlscacert": "%[1]s/ca.pem", "tlscert": "%[1]s/cert.pem", "tlskey": "%[1]s/key.pem"}`, dir, port))
	env := []string{fmt.Sprintf("DOCKER_HOST=tcp://127.0.0.1:%d", port), "DOCKER_TLS_VERIFY=1", "DOCKER_CERT_PATH=" + clientDir}

	var d *dockerdProcess
	connects := func(n int) bool {
		writeFile(t, filepath.Join(dir, "ca.pem"), strings.Join(issuers[:n], ""))
		if d == nil {
			d = startDockerd(t, dockerd, dir, daemonJSON)
		} else {
			d.stop()
			d.start()
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			out, err := dockerCmd(docker, env, "version", "--format", "{{.Server.Version}}")
			if err == nil {
				return true
			}
			if !strings.Contains(out, "Cannot connect") && !strings.Contains(out, "connection refused") {
				return false
			}
			if time.Now().After(deadline) {
				t.Fatalf("dockerd did not come up with %d issuers:\n%s", n, out)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !connects(fits) {
		t.Fatalf("the docker CLI cannot connect to a daemon trusting %d issuers (%d bytes), the most the provider allows", fits, fits*perIssuer)
	}
	if connects(len(issuers)) {
		t.Fatalf("the docker CLI connects to a daemon trusting %d issuers: no limit found", len(issuers))
	}
	lo, hi := fits, len(issuers) // lo connects, hi does not
	for hi-lo > 1 {
		if mid := (lo + hi) / 2; connects(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	t.Logf("the docker CLI connects to a daemon trusting up to %d issuers (%d bytes of names) and fails with %d (%d bytes); the provider allows %d bytes (%d such issuers)",
		lo, lo*perIssuer, hi, hi*perIssuer, dockerconf.MaxAcceptableCAsBytes, fits)
	if float64(fits) < 0.95*float64(lo) {
		t.Errorf("the provider's bound (%d issuers) is far below the measured limit (%d): raise MaxAcceptableCAsBytes", fits, lo)
	}
}

// perIssuer is what each of clientIssuers' subjects, CN=Docker client
// issuer NNNNN (39 bytes), takes in the list of acceptable CAs.
const perIssuer = 2 + 39

// issuersThatFit is how many of them the provider allows.
const issuersThatFit = dockerconf.MaxAcceptableCAsBytes / perIssuer

// clientIssuers makes n CAs on one key (the names are what is measured),
// and returns the key, their PEMs and the first certificate.
func clientIssuers(t *testing.T, now time.Time, n int) (crypto.Signer, []string, *x509.Certificate) {
	t.Helper()
	key, err := pki.GenerateKey(pki.ECDSAP256, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	issuers := make([]string, n)
	var first *x509.Certificate
	for i := range issuers {
		ca, err := pki.NewCA(pki.CARequest{Subject: pki.Subject{CommonName: fmt.Sprintf("Docker client issuer %05d", i)}, Validity: 2 * time.Hour}, key, now, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if len(ca.Certificate.RawSubject)+2 != perIssuer {
			t.Fatalf("subject of %d bytes", len(ca.Certificate.RawSubject))
		}
		if i == 0 {
			first = ca.Certificate
		}
		issuers[i] = ca.CertPEM
	}
	return key, issuers, first
}

// TestAccClientTrustTooLarge: a bundle past the bound that
// TestE2EClientTrustLimit measures is an error at plan time, naming the
// number, on the argument it comes from.
func TestAccClientTrustTooLarge(t *testing.T) {
	_, issuers, _ := clientIssuers(t, time.Now(), issuersThatFit+1)
	tf := newCLI(t, newTestClock(), providerBlock)
	tf.write(providerBlock + fmt.Sprintf("data \"dockertls_daemon_config\" \"x\" {\n  client_ca_cert_pem = %s\n}\n", hclString(strings.Join(issuers, ""))))
	out, code := tf.run(nil, "plan", "-input=false")
	want := fmt.Sprintf("the bundle has %d CA certificates whose names take %d bytes", len(issuers), len(issuers)*perIssuer)
	if code == 0 || !strings.Contains(unwrap(out), want) || !strings.Contains(out, "client_ca_cert_pem") {
		t.Errorf("plan with %d issuers exited %d, want an error on client_ca_cert_pem saying %q:\n%s", len(issuers), code, want, tail(out, 20))
	}
	if n := strings.Count(unwrap(out), want); n != 1 {
		t.Errorf("the error is reported %d times, want once:\n%s", n, tail(out, 40))
	}
}

// issueLocal issues a certificate for usage, named 127.0.0.1, under the
// CA ca with key caKey.
func issueLocal(t *testing.T, ca *x509.Certificate, caKey crypto.Signer, now time.Time, usage x509.ExtKeyUsage) (certPEM, keyPEM string) {
	t.Helper()
	key, err := pki.GenerateKey(pki.ECDSAP256, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	issued, err := (&pki.Authority{Certificate: ca, Key: caKey}).Issue(pki.LeafRequest{
		Subject: pki.Subject{CommonName: "127.0.0.1"}, IPAddresses: ipList("127.0.0.1"),
		ExtKeyUsage: []x509.ExtKeyUsage{usage}, Validity: time.Hour, PublicKey: key.Public(),
	}, now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if keyPEM, err = pki.MarshalPrivateKeyPEM(key); err != nil {
		t.Fatal(err)
	}
	return issued.CertPEM, keyPEM
}
