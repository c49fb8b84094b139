package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// These tests drive the real Terraform CLI as a user would and read what it
// prints, which terraform-plugin-testing does not expose: warnings, the exit
// codes of -detailed-exitcode, and trace logs.

const cliFleet = `
terraform {
  required_providers {
    dockertls = { source = "dockertls/dockertls" }
  }
}
` + fleetConfig

func TestCLIRenewalMakesScheduledPlanExit2(t *testing.T) {
	clock := newTestClock()
	tf := newCLI(t, clock, cliFleet)
	tf.mustRun("apply", "-auto-approve", "-input=false")

	out, code := tf.run(nil, "plan", "-detailed-exitcode", "-input=false")
	if code != 0 {
		t.Fatalf("plan right after apply exited %d, want 0 (no changes):\n%s", code, out)
	}
	notAfter := tf.stateAttr("dockertls_server_cert.docker1", "not_after").(string)

	clock.Advance(8760*time.Hour - 719*time.Hour)
	out, code = tf.run(nil, "plan", "-detailed-exitcode", "-input=false", "-out=due.tfplan")
	if code != 2 {
		t.Fatalf("plan inside the renewal window exited %d, want 2:\n%s", code, out)
	}
	// The CA, far from its renewal window, is kept.
	expectActions(t, tf.plannedChanges("due.tfplan"), map[string]string{
		"dockertls_server_cert.docker1": "delete,create", "dockertls_client_cert.ci": "delete,create",
	})
	for _, want := range []string{
		`Warning: Server certificate due for renewal: it will be replaced`,
		`The server certificate "docker1.example.internal" (serial`,
		`expires at ` + notAfter,
	} {
		if !strings.Contains(unwrap(out), want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
	// -refresh=false still sees it: renewal is decided at plan time.
	if _, code := tf.run(nil, "plan", "-detailed-exitcode", "-refresh=false", "-input=false"); code != 2 {
		t.Errorf("plan -refresh=false exited %d, want 2", code)
	}
	tf.mustRun("apply", "-auto-approve", "-input=false")
	if out, code := tf.run(nil, "plan", "-detailed-exitcode", "-input=false"); code != 0 {
		t.Errorf("plan after renewal exited %d, want 0:\n%s", code, out)
	}
}

func TestCLIClippedLeafWarns(t *testing.T) {
	clock := newTestClock()
	config := strings.Replace(cliFleet, `organization = "Example"`, "organization = \"Example\"\n  validity_period_hours = 4000\n  early_renewal_hours = 100", 1)
	tf := newCLI(t, clock, config)
	out := tf.mustRun("apply", "-auto-approve", "-input=false")
	if !regexp.MustCompile(`Warning: The server certificate will expire with its CA`).MatchString(out) {
		t.Errorf("no clipping warning:\n%s", out)
	}
	caNotAfter := tf.stateAttr("dockertls_ca.ca", "not_after")
	if got := tf.stateAttr("dockertls_server_cert.docker1", "not_after"); got != caNotAfter {
		t.Errorf("server not_after %v, CA not_after %v: the leaf outlives its CA", got, caNotAfter)
	}
	if out, code := tf.run(nil, "plan", "-detailed-exitcode", "-input=false"); code != 0 {
		t.Errorf("plan after a clipped apply exited %d, want 0:\n%s", code, out)
	}
}

func TestCLITraceLogHoldsNoPrivateKey(t *testing.T) {
	tf := newBinaryCLI(t, cliFleet+`
output "server_key" {
  value     = dockertls_server_cert.docker1.private_key_pem
  sensitive = true
}
`)
	logPath := filepath.Join(t.TempDir(), "trace.log")
	env := []string{"TF_LOG=trace", "TF_LOG_PATH=" + logPath}
	applyOut, code := tf.run(env, "apply", "-auto-approve", "-input=false")
	if code != 0 {
		t.Fatalf("apply exited %d:\n%s", code, applyOut)
	}
	planOut, _ := tf.run(env, "plan", "-input=false")
	logBytes, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	// The provider's own trace logs must be in the file, or the test proves
	// nothing about them.
	for _, want := range []string{"provider.terraform-provider-dockertls", "issued server certificate", "ApplyResourceChange"} {
		if !strings.Contains(string(logBytes), want) {
			t.Fatalf("the trace log lacks %q: the provider's logs did not reach it", want)
		}
	}
	for _, addr := range []string{"dockertls_ca.ca", "dockertls_server_cert.docker1", "dockertls_client_cert.ci"} {
		keyPEM := tf.stateAttr(addr, "private_key_pem").(string)
		if _, err := pki.ParsePrivateKeyPEM(keyPEM); err != nil {
			t.Fatalf("%s private_key_pem: %v", addr, err)
		}
		body := pemBody(keyPEM)
		for name, text := range map[string]string{"trace log": string(logBytes), "apply output": applyOut, "plan output": planOut} {
			if strings.Contains(text, body) || strings.Contains(text, body[:40]) {
				t.Errorf("the %s contains the private key of %s", name, addr)
			}
		}
	}
	if strings.Contains(string(logBytes), "PRIVATE KEY-----") {
		t.Error("the trace log contains a PEM private key block")
	}
}

// pemBody returns the base64 body of a PEM block on one line.
func pemBody(s string) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if !strings.HasPrefix(l, "-----") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "")[:60]
}

// unwrap joins Terraform's word-wrapped diagnostic lines.
func unwrap(s string) string {
	return regexp.MustCompile(`\s+`).ReplaceAllString(s, " ")
}

// TestCLIExpiringCAAdvice checks that the advice for a CA too close to
// expiry fits the CA: a dockertls_ca of the configuration renews itself,
// a CA made elsewhere is renewed there.
func TestCLIExpiringCAAdvice(t *testing.T) {
	clock := newTestClock()
	caPEM, caKey, _ := externalCA(t, pki.ECDSAP256, clock.Now(), 500*time.Hour)
	for name, c := range map[string]struct{ config, want, not string }{
		"a CA from a file": {leafConfig(caPEM, caKey, ""),
			"If ca_cert_pem is a CA made outside Terraform (such as openssl's ca.pem), renew it there", "The CA is a dockertls_ca of this configuration"},
		"a dockertls_ca": {`
resource "dockertls_ca" "ca" {
  common_name           = "Short CA"
  validity_period_hours = 500
  early_renewal_hours   = 100
}

resource "dockertls_server_cert" "s" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  dns_names          = ["docker1.example.internal"]
}
`, "The CA is a dockertls_ca of this configuration, which renews itself on its own key once inside its early renewal window: give it an early_renewal_hours of more than 720", "outside Terraform"},
	} {
		t.Run(name, func(t *testing.T) {
			tf := newCLI(t, clock, providerBlock+c.config)
			out, code := tf.run(nil, "apply", "-auto-approve", "-input=false")
			if code == 0 || !strings.Contains(unwrap(out), "The CA expires too soon to issue this certificate") ||
				!strings.Contains(unwrap(out), c.want) || strings.Contains(unwrap(out), c.not) {
				t.Errorf("exit %d; want the advice %q:\n%s", code, c.want, out)
			}
			if tf.stateHas("dockertls_server_cert.s") {
				t.Error("the certificate was created")
			}
		})
	}
}

// TestCLIImportSaysWhatToDo checks the answer to terraform import of each
// resource: why it is not imported, and what to do instead.
func TestCLIImportSaysWhatToDo(t *testing.T) {
	tf := newCLI(t, newTestClock(), cliFleet)
	for addr, want := range map[string]string{
		"dockertls_ca.ca":               `ca_cert_pem = file("ca.pem")`,
		"dockertls_server_cert.docker1": "terraform apply -replace=ADDRESS",
		"dockertls_client_cert.ci":      "terraform apply -replace=ADDRESS",
	} {
		out, code := tf.run(nil, "import", "-input=false", addr, "123")
		if code == 0 || !strings.Contains(unwrap(out), "cannot be imported") || !strings.Contains(unwrap(out), want) ||
			strings.Contains(out, "Please contact the provider developer") {
			t.Errorf("terraform import %s exited %d; want advice with %q:\n%s", addr, code, want, out)
		}
	}
	if tf.stateHas("dockertls_") {
		t.Error("an import wrote to the state")
	}
}

// TestCLIPlanWarnings: what the plan can tell before anything is created,
// said once, as a warning.
func TestCLIPlanWarnings(t *testing.T) {
	clock := newTestClock()
	caPEM, caKey, _ := externalCA(t, pki.ECDSAP256, clock.Now(), 1000*time.Hour)
	for _, c := range []struct{ name, config, want string }{
		{"a CA too short-lived for the default leaf", `resource "dockertls_ca" "ca" {
  common_name           = "Docker CA"
  validity_period_hours = 24
  early_renewal_hours   = 1
}`, "validity_period_hours = 24: a server or client certificate issued under this CA expires with it"},
		{"a passphrase for a key that is not encrypted", fmt.Sprintf(`resource "dockertls_client_cert" "ci" {
  ca_cert_pem               = %s
  ca_private_key_pem        = %s
  ca_private_key_passphrase = "not needed"
  common_name               = "ci"
}`, hclString(caPEM), hclString(caKey)), "ca_private_key_passphrase is set, but the CA key is not encrypted"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tf := newCLI(t, clock, providerBlock+c.config)
			out, code := tf.run(nil, "plan", "-input=false")
			if code != 0 || strings.Count(unwrap(out), c.want) != 1 {
				t.Errorf("plan exited %d; want one warning %q:\n%s", code, c.want, out)
			}
		})
	}
}
