package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// rotationGuidePlans are the plan lines the renewal guide quotes for the
// single-host layout (examples/rotation/0-one-ca to 3-drop-old, with the
// real delivery module), in the order of its story; TestCLIRotationGuidePlans
// measures them.
var rotationGuidePlans = []struct {
	step, example string
	at            time.Duration // the provider's clock, from the first apply
	plan          string
}{
	{"the CA renews on its key", "0-one-ca", 19 * time.Hour, "Plan: 3 to add, 3 to change, 3 to destroy."},
	{"the server certificate renews", "0-one-ca", 20*time.Hour + 30*time.Minute, "Plan: 4 to add, 0 to change, 4 to destroy."},
	{"re-key phase 1: trust both CAs", "1-trust-both", 20*time.Hour + 30*time.Minute, "Plan: 4 to add, 0 to change, 3 to destroy."},
	{"re-key phase 2: move the certificates", "2-move-leaves", 20*time.Hour + 30*time.Minute, "Plan: 7 to add, 0 to change, 7 to destroy."},
	{"re-key phase 3: drop the old CA", "3-drop-old", 20*time.Hour + 30*time.Minute, "Plan: 3 to add, 0 to change, 4 to destroy."},
}

// planCARenewsDataSources is the plan line of the CA's renewal in 0-one-ca
// rendered with the data sources (Terraform 1.5 to 1.7): every delivered
// file and the restart, since the data sources are read only during apply.
const planCARenewsDataSources = "Plan: 9 to add, 3 to change, 9 to destroy."

// TestCLIRotationGuidePlans applies the renewal guide's single-host
// examples in the order of its story, with the real delivery module (its
// provisioners, which need SSH, overridden to do nothing), and checks the
// plan line of each step: what the guide quotes is what Terraform prints.
func TestCLIRotationGuidePlans(t *testing.T) {
	needsCLI(t, featureFunctions)
	clock := newTestClock()
	start := clock.Now()
	tf := newCLI(t, clock, providerBlock)
	tf.dir = rotationWorkDir(t, tf.dir)
	for _, step := range rotationGuidePlans {
		example := readExample(t, step.example)
		writeFile(t, filepath.Join(tf.dir, "main.tf"), example)
		writeFile(t, filepath.Join(tf.dir, "guide_override.tf"), guideLifetimes(example))
		tf.mustRun("init", "-input=false")
		if len(tf.stateList()) == 0 {
			tf.mustRun("apply", "-auto-approve", "-input=false")
		}
		clock.Set(start.Add(step.at))
		out := tf.mustRun("plan", "-input=false", "-out=step.tfplan")
		t.Logf("%s (%s): %s", step.step, step.example, planSummary(out))
		if got := planSummary(out); got != step.plan {
			t.Errorf("%s: %q, want %q (the renewal guide quotes it)", step.step, got, step.plan)
		}
		if strings.Contains(out, "will no longer be marked as sensitive") {
			t.Errorf("%s: the plan warns about sensitivity:\n%s", step.step, out)
		}
		if step.step == rotationGuidePlans[0].step {
			// The guide shows this plan's resources.
			expectActions(t, tf.plannedChanges("step.tfplan"), map[string]string{
				"dockertls_ca.current": "update", "dockertls_client_cert.ci": "update", "dockertls_server_cert.docker1": "update",
				`module.deploy.terraform_data.client_file["ca.pem"]`: "delete,create",
				`module.deploy.terraform_data.host_file["ca.pem"]`:   "delete,create",
				`module.deploy.terraform_data.restart_docker`:        "delete,create",
			})
		}
		tf.mustRun("apply", "-input=false", "step.tfplan")
	}
}

// TestCLIRotationGuidePlansDataSources measures the CA's renewal of
// 0-one-ca rendered by the data sources, the path for Terraform 1.5 to 1.7.
func TestCLIRotationGuidePlansDataSources(t *testing.T) {
	clock := newTestClock()
	tf := newCLI(t, clock, providerBlock)
	tf.dir = rotationWorkDir(t, tf.dir)
	example := strings.NewReplacer(`  required_version = ">= 1.8"`+"\n", "").Replace(readExample(t, "0-one-ca"))
	i, j := strings.Index(example, "locals {\n  # What the host"), strings.Index(example, `module "deploy"`)
	if i < 0 || j < i {
		t.Fatal("0-one-ca no longer has the locals this test replaces")
	}
	example = example[:i] + `data "dockertls_daemon_config" "docker1" {
  ca_cert_pem     = dockertls_ca.current.cert_pem
  server_cert_pem = dockertls_server_cert.docker1.cert_pem
  server_key_pem  = dockertls_server_cert.docker1.private_key_pem
}

data "dockertls_client_config" "ci" {
  host            = "tcp://docker1.example.internal:2376"
  ca_cert_pem     = dockertls_ca.current.cert_pem
  client_cert_pem = dockertls_client_cert.ci.cert_pem
  client_key_pem  = dockertls_client_cert.ci.private_key_pem
  cert_dir        = pathexpand("~/.docker/docker1")
}

locals {
  docker1 = data.dockertls_daemon_config.docker1
  ci      = data.dockertls_client_config.ci
}

` + example[j:]
	writeFile(t, filepath.Join(tf.dir, "main.tf"), example)
	writeFile(t, filepath.Join(tf.dir, "guide_override.tf"), guideLifetimes(example))
	tf.mustRun("init", "-input=false")
	tf.mustRun("apply", "-auto-approve", "-input=false")
	clock.Advance(rotationGuidePlans[0].at)
	out := tf.mustRun("plan", "-input=false")
	t.Logf("the CA renews on its key, with the data sources: %s", planSummary(out))
	if got := planSummary(out); got != planCARenewsDataSources {
		t.Errorf("%q, want %q (the renewal guide quotes it)", got, planCARenewsDataSources)
	}
}

// TestGuidesQuoteMeasuredPlans keeps the guides' plan lines to those the
// tests measure.
func TestGuidesQuoteMeasuredPlans(t *testing.T) {
	measured := []string{planCARenewsDataSources, planServersCARenews, planIssuerRenews, planRevokeOne}
	for _, step := range rotationGuidePlans {
		measured = append(measured, step.plan)
	}
	planLine := regexp.MustCompile(`Plan: \d+ to add, \d+ to change, \d+ to destroy\.`)
	for _, guide := range []string{"renewal-and-rotation", "client-key-lost"} {
		text, err := os.ReadFile(filepath.Join("..", "..", "templates", "guides", guide+".md.tmpl"))
		if err != nil {
			t.Fatal(err)
		}
		quoted := planLine.FindAllString(string(text), -1)
		if len(quoted) == 0 {
			t.Errorf("%s quotes no plan line", guide)
		}
		for _, q := range quoted {
			if !slices.Contains(measured, q) {
				t.Errorf("%s quotes %q, which no test measures (measured: %q)", guide, q, measured)
			}
		}
	}
}

// rotationWorkDir lays out examples/rotation's delivery module under root,
// with its provisioners overridden to do nothing, and returns the folder an
// example goes in.
func rotationWorkDir(t *testing.T, root string) string {
	t.Helper()
	module, err := os.ReadFile(filepath.Join("..", "..", "examples", "rotation", "modules", "deploy", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	deploy := filepath.Join(root, "modules", "deploy")
	work := filepath.Join(root, "example")
	for _, d := range []string{deploy, work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(deploy, "main.tf"), string(module))
	// An override's provisioner blocks replace the original's, and its
	// connection block the original's.
	var override strings.Builder
	for _, r := range []string{"host_file", "restart_docker", "client_file"} {
		override.WriteString(`resource "terraform_data" "` + r + `" {
  provisioner "local-exec" {
    command = "true"
  }
}

`)
	}
	writeFile(t, filepath.Join(deploy, "no_ssh_override.tf"), override.String())
	return work
}

// guideLifetimes shortens the lifetimes in example so that the clock
// reaches each renewal of the story: the CA is due at 18 h, the server
// certificate at 20 h, the client certificate at 23 h.
func guideLifetimes(example string) string {
	var b strings.Builder
	for _, ca := range []string{"current", "next"} {
		if strings.Contains(example, `resource "dockertls_ca" "`+ca+`"`) {
			b.WriteString(`resource "dockertls_ca" "` + ca + `" {
  validity_period_hours = 24
  early_renewal_hours   = 6
}

`)
		}
	}
	b.WriteString(`resource "dockertls_server_cert" "docker1" {
  validity_period_hours = 23
  early_renewal_hours   = 3
}

resource "dockertls_client_cert" "ci" {
  validity_period_hours = 23
  early_renewal_hours   = 1
}
`)
	return b.String()
}

func readExample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "rotation", name, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// stateList is `terraform state list`, empty before the first apply.
func (c *cli) stateList() []string {
	out, code := c.run(nil, "state", "list")
	if code != 0 {
		return nil
	}
	return strings.Fields(out)
}
