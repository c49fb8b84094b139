package provider

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// previousRelease is the last commit before CA renewal on its own key,
// trust bundles and live-restore: the provider users have state from.
const previousRelease = "c28f44c"

// TestUpgradeFromPreviousRelease applies a configuration with the previous
// release's provider, built from this repository's history, and plans it
// with this one: nothing may be replaced or changed, and a refresh leaves
// every certificate as it was.
func TestUpgradeFromPreviousRelease(t *testing.T) {
	tf := requireTerraform(t)
	oldDir := buildRevision(t, previousRelease)
	config := cliFleet + `
data "dockertls_daemon_config" "docker1" {
  ca_cert_pem     = dockertls_ca.ca.cert_pem
  server_cert_pem = dockertls_server_cert.docker1.cert_pem
  server_key_pem  = dockertls_server_cert.docker1.private_key_pem
}

data "dockertls_client_config" "ci" {
  host            = "tcp://docker1.example.internal:2376"
  ca_cert_pem     = dockertls_ca.ca.cert_pem
  client_cert_pem = dockertls_client_cert.ci.cert_pem
  client_key_pem  = dockertls_client_cert.ci.private_key_pem
}
`
	old := newCLIDir(t, tf, oldDir)
	old.write(config)
	old.mustRun("apply", "-auto-approve", "-input=false")
	statePath := filepath.Join(old.dir, "terraform.tfstate")
	before := resourceAttributes(t, statePath)

	current := newBinaryCLI(t, config)
	current.dir = old.dir // the same working directory and state, the new provider
	out, code := current.run(nil, "plan", "-detailed-exitcode", "-input=false")
	if code != 0 || strings.Contains(out, "replaced") || strings.Contains(out, "updated in-place") {
		t.Fatalf("plan with this provider on the previous release's state exited %d, want 0 (no changes):\n%s", code, out)
	}
	current.mustRun("apply", "-refresh-only", "-auto-approve", "-input=false")
	after := resourceAttributes(t, statePath)
	for _, typ := range []string{"dockertls_ca", "dockertls_server_cert", "dockertls_client_cert"} {
		attrs := before[typ]
		for name, v := range attrs.(map[string]any) {
			if got := after[typ].(map[string]any)[name]; mustJSON(t, got) != mustJSON(t, v) {
				t.Errorf("%s.%s changed on refresh: %v -> %v", typ, name, v, got)
			}
		}
	}
	// What does change, on purpose: daemon.json gains live-restore, and so
	// restart_trigger changes once (see the CHANGELOG).
	daemonJSON := after["dockertls_daemon_config"].(map[string]any)["json"].(string)
	if !strings.Contains(daemonJSON, `"live-restore": true`) || strings.Contains(before["dockertls_daemon_config"].(map[string]any)["json"].(string), "live-restore") {
		t.Errorf("daemon.json before and after the upgrade:\n%v\n%s", before["dockertls_daemon_config"], daemonJSON)
	}
}

// buildRevision builds the provider at a commit of this repository and
// returns the folder holding the binary.
func buildRevision(t *testing.T, rev string) string {
	t.Helper()
	if out, err := exec.Command("git", "-C", "../..", "cat-file", "-e", rev+"^{commit}").CombinedOutput(); err != nil {
		t.Fatalf("commit %s is not in this clone's history (a shallow clone?): %v %s", rev, err, out)
	}
	src := t.TempDir()
	archive := exec.Command("sh", "-c", "git -C ../.. archive "+rev+" | tar -x -C "+src)
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("git archive %s: %v\n%s", rev, err, out)
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "terraform-provider-dockertls"), ".")
	build.Dir = src
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", rev, err, out)
	}
	return bin
}
