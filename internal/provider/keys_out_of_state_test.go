package provider

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// openssl runs the real openssl in dir and returns the content of out, a
// file it wrote there.
func openssl(t *testing.T, dir, out string, args ...string) string {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	b, err := os.ReadFile(filepath.Join(dir, out))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// opensslCA makes a CA certificate with openssl for the key in keyFile, the
// way the Docker documentation's recipe does.
func opensslCA(t *testing.T, dir, keyFile, passphrase string) string {
	t.Helper()
	args := []string{"req", "-x509", "-new", "-key", keyFile, "-sha256", "-days", "3650", "-subj", "/CN=openssl CA",
		"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "ca.pem"}
	if passphrase != "" {
		args = append(args, "-passin", "pass:"+passphrase)
	}
	return openssl(t, dir, "ca.pem", args...)
}

// keyTraces returns strings that would betray a private key: its PEM body
// lines and the base64 of every DER form it could be stored in.
func keyTraces(t *testing.T, keyPEM, passphrase string) []string {
	t.Helper()
	var traces []string
	for _, line := range strings.Split(keyPEM, "\n") {
		if len(line) > 20 && !strings.HasPrefix(line, "-----") && !strings.Contains(line, ":") {
			traces = append(traces, line)
		}
	}
	var pass []byte
	if passphrase != "" {
		pass = []byte(passphrase)
	}
	key, _, err := pki.ParsePrivateKeyPEMWithPassphrase(keyPEM, pass)
	if err != nil {
		t.Fatal(err)
	}
	if der, err := x509.MarshalPKCS8PrivateKey(key); err == nil {
		traces = append(traces, base64.StdEncoding.EncodeToString(der)[:48])
	}
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		b, _ := k.Bytes()
		traces = append(traces, hex.EncodeToString(b), base64.StdEncoding.EncodeToString(b)[:32])
		if der, err := x509.MarshalECPrivateKey(k); err == nil {
			traces = append(traces, base64.StdEncoding.EncodeToString(der)[:48])
		}
	case *rsa.PrivateKey:
		traces = append(traces, base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PrivateKey(k))[:48], k.D.Text(16)[:40])
	}
	return traces
}

// assertNoKeyInState fails when the raw state file holds a private key.
func assertNoKeyInState(t *testing.T, tf *cli, keys map[string][]string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(tf.dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	state := string(raw)
	if len(state) < 500 {
		t.Fatalf("the state file is nearly empty (%d bytes): nothing was applied", len(state))
	}
	if strings.Contains(state, "PRIVATE KEY") {
		t.Error("the state file contains a PRIVATE KEY block")
	}
	for name, traces := range keys {
		for _, trace := range traces {
			if strings.Contains(state, trace) {
				t.Errorf("the state file contains bytes of %s", name)
				break
			}
		}
	}
}

const providerBlock = `
terraform {
  required_providers {
    dockertls = { source = "dockertls/dockertls" }
  }
}
`

// TestKeysOutOfState applies CSR-mode leaves under an openssl CA whose key
// is given write-only, a CA whose key is held outside Terraform, and an
// ephemeral client certificate, then reads the raw state file: no private
// key of any of them may be in it.
func TestKeysOutOfState(t *testing.T) {
	needsCLI(t, featureWriteOnly)
	dir := t.TempDir()
	caKey := openssl(t, dir, "ca-key.pem", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ca-key.pem")
	caPEM := opensslCA(t, dir, "ca-key.pem", "")
	hostKey := openssl(t, dir, "host-key.pem", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "host-key.pem")
	hostCSR := openssl(t, dir, "host.csr", "req", "-new", "-key", "host-key.pem", "-subj", "/CN=docker1", "-out", "host.csr")
	userKey := openssl(t, dir, "user-key.pem", "genpkey", "-algorithm", "ED25519", "-out", "user-key.pem")
	userCSR := openssl(t, dir, "user.csr", "req", "-new", "-key", "user-key.pem", "-subj", "/CN=user", "-out", "user.csr")
	externalKey := openssl(t, dir, "ext-key.pem", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "ext-key.pem")
	out := filepath.Join(dir, "ephemeral")

	config := providerBlock + fmt.Sprintf(`
locals {
  ca_key = %s
}

resource "dockertls_server_cert" "host" {
  ca_cert_pem                   = %s
  ca_private_key_pem_wo         = local.ca_key
  ca_private_key_pem_wo_version = 1
  cert_request_pem              = %s
  dns_names                     = ["docker1.example.internal"]
}

resource "dockertls_client_cert" "user" {
  ca_cert_pem                   = %s
  ca_private_key_pem_wo         = local.ca_key
  ca_private_key_pem_wo_version = 1
  cert_request_pem              = %s
  common_name                   = "user"
}

resource "dockertls_ca" "external" {
  common_name                = "Externally keyed CA"
  private_key_pem_wo         = %s
  private_key_pem_wo_version = 1
}

ephemeral "dockertls_client_cert" "run" {
  ca_cert_pem        = %s
  ca_private_key_pem = local.ca_key
  common_name        = "terraform-run"
}

# Provisioners may use ephemeral values; this writes the certificate and key
# out for the test to check, and nothing of them reaches the state.
resource "terraform_data" "use" {
  provisioner "local-exec" {
    command = "mkdir -p %s && printf '%%s' \"$CERT\" > %s/cert.pem && printf '%%s' \"$KEY\" > %s/key.pem"
    environment = {
      CERT = ephemeral.dockertls_client_cert.run.cert_pem
      KEY  = ephemeral.dockertls_client_cert.run.private_key_pem
    }
  }
}

output "host_cert" {
  value = dockertls_server_cert.host.cert_pem
}
output "user_cert" {
  value = dockertls_client_cert.user.cert_pem
}
`, hclString(caKey), hclString(caPEM), hclString(hostCSR), hclString(caPEM), hclString(userCSR), hclString(externalKey), hclString(caPEM), out, out, out)

	tf := newCLI(t, newTestClock(), config)
	plan := tf.mustRun("plan", "-input=false")
	if strings.Contains(plan, "private_key_pem       = (sensitive value)") {
		t.Errorf("a CSR-mode or externally keyed certificate plans a private key:\n%s", plan)
	}
	tf.mustRun("apply", "-auto-approve", "-input=false")

	for _, addr := range []string{"dockertls_server_cert.host", "dockertls_client_cert.user", "dockertls_ca.external"} {
		if v := tf.stateAttr(addr, "private_key_pem"); v != nil {
			t.Errorf("%s private_key_pem is not null", addr)
		}
	}
	for _, addr := range []string{"dockertls_server_cert.host", "dockertls_client_cert.user"} {
		if v := tf.stateAttr(addr, "ca_private_key_pem_wo"); v != nil {
			t.Errorf("%s holds the write-only CA key in state", addr)
		}
	}
	outputs := outputs(t, tf)
	for name, c := range map[string]struct{ cert, key, purpose string }{
		"host": {outputs["host_cert"], hostKey, "sslserver"},
		"user": {outputs["user_cert"], userKey, "sslclient"},
	} {
		if err := opensslVerify(t, caPEM, c.cert, c.purpose); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		key, err := pki.ParsePrivateKeyPEM(c.key)
		if err != nil {
			t.Fatal(err)
		}
		if !pki.PublicKeysEqual(key.Public(), mustParseCert(t, c.cert).PublicKey) {
			t.Errorf("the %s certificate is not for the key on the host", name)
		}
	}
	extCert := mustParseCert(t, tf.stateAttr("dockertls_ca.external", "cert_pem").(string))
	extKey, _ := pki.ParsePrivateKeyPEM(externalKey)
	if !pki.PublicKeysEqual(extCert.PublicKey, extKey.Public()) || tf.stateAttr("dockertls_ca.external", "key_algorithm") != "RSA_2048" {
		t.Error("the externally keyed CA is not for the external key, or its key_algorithm is not the key's")
	}
	ephCert, err := os.ReadFile(filepath.Join(out, "cert.pem"))
	if err != nil {
		t.Fatalf("the ephemeral certificate was not handed to the provisioner: %v", err)
	}
	if err := opensslVerify(t, caPEM, string(ephCert), "sslclient"); err != nil {
		t.Errorf("ephemeral client certificate: %v", err)
	}
	eph := mustParseCert(t, string(ephCert))
	if got := eph.NotAfter.Sub(eph.NotBefore); got != 65*60*1e9 {
		t.Errorf("ephemeral certificate lasts %s, want 1h plus the 5 minute backdating", got)
	}
	ephKey, err := os.ReadFile(filepath.Join(out, "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	assertNoKeyInState(t, tf, map[string][]string{
		"the CA key":              keyTraces(t, caKey, ""),
		"the host key":            keyTraces(t, hostKey, ""),
		"the user key":            keyTraces(t, userKey, ""),
		"the external CA key":     keyTraces(t, externalKey, ""),
		"the ephemeral key":       keyTraces(t, string(ephKey), ""),
		"the ephemeral cert body": {pemBody(string(ephCert))},
	})

	// A new CSR for the same key does not replace the certificate.
	hostCSR2 := openssl(t, dir, "host2.csr", "req", "-new", "-key", "host-key.pem", "-subj", "/CN=docker1-again", "-out", "host2.csr")
	tf.write(strings.Replace(config, hclString(hostCSR), hclString(hostCSR2), 1))
	if out, code := tf.run(nil, "plan", "-detailed-exitcode", "-input=false"); code == 1 || strings.Contains(out, "must be replaced") {
		t.Errorf("a new CSR for the same key replaces the certificate (exit %d):\n%s", code, out)
	}
}

// TestAccEphemeralClientCert checks the ephemeral resource's values through
// terraform-plugin-testing's echo provider.
func TestAccEphemeralClientCert(t *testing.T) {
	needsCLI(t, featureEphemeral)
	clock := newTestClock()
	caPEM, caKey, _ := externalCA(t, pki.ECDSAP384, clock.Now(), 1000*1e9*3600)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){
			TypeName: factories(clock)[TypeName],
			"echo":   echoprovider.NewProviderServer(),
		},
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
ephemeral "dockertls_client_cert" "run" {
  ca_cert_pem           = %s
  ca_private_key_pem    = %s
  common_name           = "ci-run"
  key_algorithm         = "ED25519"
  validity_period_hours = 2
}

provider "echo" {
  data = ephemeral.dockertls_client_cert.run
}

resource "echo" "run" {}
`, hclString(caPEM), hclString(caKey)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.run", tfjsonpath.New("data").AtMapKey("common_name"), knownvalue.StringExact("ci-run")),
				statecheck.ExpectKnownValue("echo.run", tfjsonpath.New("data").AtMapKey("validity_period_hours"), knownvalue.Int64Exact(2)),
			},
			Check: func(s *terraform.State) error {
				a, err := attrs(s, "echo.run")
				if err != nil {
					return err
				}
				cert := mustParseCert(t, a["data.cert_pem"])
				if cert.Subject.CommonName != "ci-run" || cert.NotAfter.Sub(clock.Now()).Hours() != 2 {
					return fmt.Errorf("certificate %q valid until %s", cert.Subject.CommonName, cert.NotAfter)
				}
				if alg, _ := pki.AlgorithmOf(cert.PublicKey); alg != pki.ED25519 {
					return fmt.Errorf("key algorithm %s", alg)
				}
				key, err := pki.ParsePrivateKeyPEM(a["data.private_key_pem"])
				if err != nil || !pki.PublicKeysEqual(key.Public(), cert.PublicKey) {
					return fmt.Errorf("private_key_pem does not match: %v", err)
				}
				if a["data.ca_sha256_fingerprint"] != pki.Fingerprint(mustParseCert(t, caPEM)) {
					return fmt.Errorf("ca_sha256_fingerprint")
				}
				return opensslVerify(t, caPEM, a["data.cert_pem"], "sslclient")
			},
		}},
	})
}

// TestAccOpenSSLKeyForms issues a certificate under a CA whose key openssl
// wrote in each form people have, and checks it with openssl verify.
func TestAccOpenSSLKeyForms(t *testing.T) {
	forms := []struct {
		name, passphrase, header string
		args                     []string
	}{
		{"encrypted PKCS#8 AES-256 (genrsa -aes256, OpenSSL 3)", "s3cret pass", "BEGIN ENCRYPTED PRIVATE KEY",
			[]string{"genrsa", "-aes256", "-passout", "pass:s3cret pass", "-out", "key.pem", "2048"}},
		{"legacy PEM AES-256-CBC (genrsa -traditional -aes256)", "s3cret", "DEK-Info: AES-256-CBC",
			[]string{"genrsa", "-traditional", "-aes256", "-passout", "pass:s3cret", "-out", "key.pem", "2048"}},
		{"encrypted PKCS#8 EC (genpkey -aes-256-cbc)", "s3cret", "BEGIN ENCRYPTED PRIVATE KEY",
			[]string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-aes-256-cbc", "-pass", "pass:s3cret", "-out", "key.pem"}},
		{"PKCS#1 (genrsa -traditional)", "", "BEGIN RSA PRIVATE KEY",
			[]string{"genrsa", "-traditional", "-out", "key.pem", "2048"}},
		{"SEC1 (ecparam -genkey)", "", "BEGIN EC PRIVATE KEY",
			[]string{"ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "key.pem"}},
		{"PKCS#8 (genpkey ed25519)", "", "BEGIN PRIVATE KEY",
			[]string{"genpkey", "-algorithm", "ED25519", "-out", "key.pem"}},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			dir := t.TempDir()
			key := openssl(t, dir, "key.pem", f.args...)
			if !strings.Contains(key, f.header) {
				t.Fatalf("openssl wrote another form than %s:\n%.80s", f.header, key)
			}
			caPEM := opensslCA(t, dir, "key.pem", f.passphrase)
			passLine := ""
			if f.passphrase != "" {
				passLine = "ca_private_key_passphrase = " + hclString(f.passphrase)
			}
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: factories(newTestClock()),
				Steps: []resource.TestStep{{
					Config: leafConfig(caPEM, key, passLine),
					Check: func(s *terraform.State) error {
						a, err := attrs(s, "dockertls_server_cert.s")
						if err != nil {
							return err
						}
						if !strings.HasPrefix(a["private_key_pem"], "-----BEGIN PRIVATE KEY-----") {
							return fmt.Errorf("the issued key is not unencrypted PKCS#8")
						}
						return opensslVerify(t, caPEM, a["cert_pem"], "sslserver")
					},
				}},
			})
		})
	}
}

func TestAccKeysOutOfStateErrors(t *testing.T) {
	clock := newTestClock()
	dir := t.TempDir()
	openssl(t, dir, "key.pem", "genrsa", "-aes256", "-passout", "pass:right", "-out", "key.pem", "2048")
	encKey, _ := os.ReadFile(filepath.Join(dir, "key.pem"))
	encCA := opensslCA(t, dir, "key.pem", "right")
	openssl(t, dir, "host.pem", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "host.pem")
	csr := openssl(t, dir, "host.csr", "req", "-new", "-key", "host.pem", "-subj", "/CN=docker1", "-out", "host.csr")
	greedy := openssl(t, dir, "greedy.csr", "req", "-new", "-key", "host.pem", "-subj", "/CN=docker1",
		"-addext", "subjectAltName=DNS:docker1.example.internal,DNS:evil.example.com", "-out", "greedy.csr")
	wantsCA := openssl(t, dir, "ca.csr", "req", "-new", "-key", "host.pem", "-subj", "/CN=docker1",
		"-addext", "basicConstraints=critical,CA:TRUE", "-out", "ca.csr")
	tampered := tamperCSR(t, csr)
	caPEM, caKey, _ := externalCA(t, pki.ECDSAP256, clock.Now(), 1000*3600*1e9)

	tests := []struct{ name, config, want string }{
		{"wrong passphrase", leafConfig(encCA, string(encKey), `ca_private_key_passphrase = "wrong"`), `ca_private_key_passphrase: the passphrase does not decrypt`},
		{"encrypted key without passphrase", leafConfig(encCA, string(encKey), ""), `the CA key is encrypted: set ca_private_key_passphrase`},
		{"CSR with a bad signature", leafConfig(caPEM, caKey, "cert_request_pem = "+hclString(tampered)), `cert_request_pem: the CSR's signature does not verify`},
		{"CSR asking for extra names", leafConfig(caPEM, caKey, "dns_names = [\"docker1.example.internal\"]\n  cert_request_pem = "+hclString(greedy)), `asks for names this certificate does not grant: evil.example.com`},
		{"CSR asking to be a CA", leafConfig(caPEM, caKey, "cert_request_pem = "+hclString(wantsCA)), `the CSR asks to be a CA`},
		{"CSR where a certificate belongs", leafConfig(csr, caKey, ""), `ca_cert_pem: found a certificate signing request`},
		{"key_algorithm contradicting the CSR", leafConfig(caPEM, caKey, "key_algorithm = \"RSA_2048\"\n  cert_request_pem = "+hclString(csr)), `key_algorithm is RSA_2048, but the key given in cert_request_pem is ECDSA_P256`},
		{"both CA key attributes", leafConfig(caPEM, caKey, "ca_private_key_pem_wo = "+hclString(caKey)+"\n  ca_private_key_pem_wo_version = 1"), `Two CA keys are set.*keep exactly one of them`},
		{"no CA key", strings.Replace(leafConfig(caPEM, caKey, ""), "ca_private_key_pem = "+hclString(caKey), "", 1), `The CA key is missing.*Set ca_private_key_pem`},
		{"write-only key without version", strings.Replace(leafConfig(caPEM, caKey, ""), "ca_private_key_pem ", "ca_private_key_pem_wo ", 1), `ca_private_key_pem_wo_version.*must be specified`},
		{"encrypted write-only CA key", fmt.Sprintf(`
resource "dockertls_ca" "c" {
  common_name                = "External"
  private_key_pem_wo         = %s
  private_key_pem_wo_version = 1
}`, hclString(string(encKey))), `private_key_pem_wo: the key is encrypted, and dockertls_ca takes it unencrypted.*openssl pkey`},
		{"re-key of a key held outside", fmt.Sprintf(`
resource "dockertls_ca" "c" {
  common_name                = "External"
  private_key_pem_wo         = %s
  private_key_pem_wo_version = 1
  rekey_on_renewal           = true
}`, hclString(caKey)), `rekey_on_renewal = true makes a new key at each renewal, but private_key_pem_wo holds`},
		{"bad IP range", `
resource "dockertls_ca" "c" {
  common_name         = "Constrained"
  permitted_ip_ranges = ["10.0.0.1/8"]
}`, `permitted_ip_ranges\[0\]: "10.0.0.1/8" has host bits set: write the network, 10.0.0.0/8`},
		{"wildcard constraint", `
resource "dockertls_ca" "c" {
  common_name           = "Constrained"
  permitted_dns_domains = ["*.example.internal"]
}`, `a name constraint is a domain, not a wildcard`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: factories(clock),
				Steps: []resource.TestStep{{
					Config: tt.config, PlanOnly: true,
					ExpectError: regexp.MustCompile(`(?s)` + strings.ReplaceAll(tt.want, " ", `\s+`)),
				}},
			})
		})
	}
	// The CA must exist before the leaf is planned against its constraints.
	t.Run("name outside the CA's constraints", func(t *testing.T) {
		constrained := `
resource "dockertls_ca" "c" {
  common_name           = "Constrained"
  permitted_dns_domains = ["example.internal"]
  permitted_ip_ranges   = ["10.0.0.0/8"]
}
resource "dockertls_server_cert" "s" {
  ca_cert_pem        = dockertls_ca.c.cert_pem
  ca_private_key_pem = dockertls_ca.c.private_key_pem
  dns_names          = ["docker1.example.internal"]
}`
		caOnly, _, _ := strings.Cut(constrained, `resource "dockertls_server_cert"`)
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: factories(clock),
			Steps: []resource.TestStep{
				{Config: caOnly},
				{
					Config:      constrained,
					ExpectError: regexp.MustCompile(`(?s)the\s+DNS\s+name\s+"localhost"\s+is\s+outside\s+the\s+CA\s+"Constrained"'s\s+permitted\s+DNS\s+domains\s+\["example.internal"\].*include_loopback\s+=\s+false`),
				},
				{
					Config: strings.Replace(constrained, `dns_names          = ["docker1.example.internal"]`,
						"dns_names          = [\"docker1.example.internal\"]\n  ip_addresses = [\"10.0.0.5\"]\n  include_loopback = false", 1),
					Check: func(s *terraform.State) error {
						ca, _ := attrs(s, "dockertls_ca.c")
						server, _ := attrs(s, "dockertls_server_cert.s")
						caCert := mustParseCert(t, ca["cert_pem"])
						if !caCert.PermittedDNSDomainsCritical || strings.Join(caCert.PermittedDNSDomains, ",") != "example.internal" ||
							len(caCert.PermittedIPRanges) != 1 || caCert.PermittedIPRanges[0].String() != "10.0.0.0/8" {
							return fmt.Errorf("nameConstraints: critical=%v dns=%v ip=%v", caCert.PermittedDNSDomainsCritical, caCert.PermittedDNSDomains, caCert.PermittedIPRanges)
						}
						return opensslVerify(t, ca["cert_pem"], server["cert_pem"], "sslserver")
					},
				},
			},
		})
	})
}

// tamperCSR flips a bit in the CSR's subject, so that its signature no
// longer verifies.
func tamperCSR(t *testing.T, csrPEM string) string {
	t.Helper()
	block, _ := pem.Decode([]byte(csrPEM))
	i := strings.Index(string(block.Bytes), "docker1")
	if i < 0 {
		t.Fatal("no subject in the CSR")
	}
	block.Bytes[i] ^= 0x01
	return string(pem.EncodeToMemory(block))
}

func TestAccExternalCAKeyRotation(t *testing.T) {
	needsCLI(t, featureWriteOnly)
	clock := newTestClock()
	_, key1, _ := externalCA(t, pki.ECDSAP256, clock.Now(), 3600*1e9)
	_, key2, _ := externalCA(t, pki.ED25519, clock.Now(), 3600*1e9)
	config := func(key string, version int) string {
		return fmt.Sprintf(`
resource "dockertls_ca" "ext" {
  common_name                = "External"
  private_key_pem_wo         = %s
  private_key_pem_wo_version = %d
}`, hclString(key), version)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(clock),
		Steps: []resource.TestStep{
			{
				Config: config(key1, 1),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("dockertls_ca.ext", tfjsonpath.New("private_key_pem"), knownvalue.Null()),
					statecheck.ExpectKnownValue("dockertls_ca.ext", tfjsonpath.New("private_key_pem_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue("dockertls_ca.ext", tfjsonpath.New("key_algorithm"), knownvalue.StringExact("ECDSA_P256")),
				},
			},
			{
				Config:      config(key2, 1),
				ExpectError: regexp.MustCompile(`The CA key changed without a version change`),
			},
			{
				Config: config(key2, 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("dockertls_ca.ext", plancheck.ResourceActionReplace)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("dockertls_ca.ext", tfjsonpath.New("key_algorithm"), knownvalue.StringExact("ED25519")),
				},
			},
		},
	})
}
