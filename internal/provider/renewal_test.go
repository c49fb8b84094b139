package provider

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// renewalFleet is cliFleet with a CA whose renewal window opens long before
// the leaves' own: 4000 hours of validity, due 1000 hours before expiry.
// The leaves are clipped to the CA's expiry and due 720 hours before it.
var renewalFleet = strings.Replace(cliFleet, `organization = "Example"`,
	"organization = \"Example\"\n  validity_period_hours = 4000\n  early_renewal_hours = 1000", 1)

var fleetAddrs = []string{"dockertls_ca.ca", "dockertls_server_cert.docker1", "dockertls_client_cert.ci"}

// snapshot reads the attributes of the fleet's three resources.
func snapshot(tf *cli) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, addr := range fleetAddrs {
		out[addr] = map[string]any{}
		for _, name := range []string{"cert_pem", "private_key_pem", "public_key_pem", "serial_number", "id", "not_after",
			"sha256_fingerprint", "ca_cert_pem", "ca_sha256_fingerprint"} {
			if strings.HasPrefix(name, "ca_") && addr == "dockertls_ca.ca" {
				continue
			}
			out[addr][name] = tf.stateAttr(addr, name)
		}
	}
	return out
}

// TestCLICARenewsOnItsKey drives a CA into its renewal window and checks,
// through the real CLI, that it renews in place on the same key, that no
// leaf is replaced, that the old leaves verify against the renewed CA (Go
// and openssl), and that the plan was applied exactly as shown: the apply
// runs from a saved plan, later, as a reviewed change would.
func TestCLICARenewsOnItsKey(t *testing.T) {
	clock := newTestClock()
	tf := newCLI(t, clock, renewalFleet)
	tf.mustRun("apply", "-auto-approve", "-input=false")
	before := snapshot(tf)

	clock.Advance(3001 * time.Hour) // the CA is due; the leaves (due at 3280 h) are not
	out, code := tf.run(nil, "plan", "-detailed-exitcode", "-input=false", "-out=renewal.tfplan")
	if code != 2 {
		t.Fatalf("plan with the CA due exited %d, want 2:\n%s", code, out)
	}
	for _, want := range []string{
		"Warning: CA certificate due for renewal: renewed on its own key",
		`The CA certificate "Docker CA" (serial ` + before["dockertls_ca.ca"]["serial_number"].(string),
	} {
		if !strings.Contains(unwrap(out), want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
	expectActions(t, tf.plannedChanges("renewal.tfplan"), map[string]string{
		"dockertls_ca.ca": "update", "dockertls_server_cert.docker1": "update", "dockertls_client_cert.ci": "update",
	})
	if strings.Contains(out, "known after apply") {
		t.Errorf("the renewal plan leaves a value unknown:\n%s", out)
	}

	// Applied later in the same hour: Terraform plans again while applying
	// and would refuse a renewed certificate that differs from the plan.
	clock.Advance(20 * time.Minute)
	tf.mustRun("apply", "-input=false", "renewal.tfplan")
	after := snapshot(tf)

	ca := after["dockertls_ca.ca"]
	for _, name := range []string{"private_key_pem", "public_key_pem", "id"} {
		if ca[name] != before["dockertls_ca.ca"][name] {
			t.Errorf("the renewal changed the CA's %s", name)
		}
	}
	if ca["serial_number"] == before["dockertls_ca.ca"]["serial_number"] || ca["cert_pem"] == before["dockertls_ca.ca"]["cert_pem"] {
		t.Fatal("the CA certificate was not renewed")
	}
	oldCA, newCA := mustParseCert(t, before["dockertls_ca.ca"]["cert_pem"].(string)), mustParseCert(t, ca["cert_pem"].(string))
	if !pki.SameAuthority(oldCA, newCA) || string(oldCA.SubjectKeyId) != string(newCA.SubjectKeyId) {
		t.Error("the renewed CA has another subject, key or key identifier")
	}
	if pki.DueForRenewal(newCA.NotAfter, 1000*time.Hour, clock.Now()) || !newCA.NotBefore.Before(clock.Now()) {
		t.Errorf("the renewed CA is valid %s to %s, not fit for now (%s)", newCA.NotBefore, newCA.NotAfter, clock.Now())
	}
	for addr, purpose := range map[string]string{"dockertls_server_cert.docker1": "sslserver", "dockertls_client_cert.ci": "sslclient"} {
		leaf := after[addr]
		for _, name := range []string{"cert_pem", "private_key_pem", "serial_number", "id", "sha256_fingerprint"} {
			if leaf[name] != before[addr][name] {
				t.Errorf("%s: the CA's renewal changed %s", addr, name)
			}
		}
		if leaf["ca_cert_pem"] != ca["cert_pem"] || leaf["ca_sha256_fingerprint"] != ca["sha256_fingerprint"] {
			t.Errorf("%s does not record the renewed CA", addr)
		}
		cert := mustParseCert(t, leaf["cert_pem"].(string))
		usage := map[string]pki.Usage{"sslserver": pki.UsageServer, "sslclient": pki.UsageClient}[purpose]
		if err := pki.Verify(newCA, cert, usage, "", clock.Now()); err != nil {
			t.Errorf("%s under the renewed CA (crypto/x509): %v", addr, err)
		}
		if err := opensslVerifyAt(t, ca["cert_pem"].(string), leaf["cert_pem"].(string), purpose, clock.Now()); err != nil {
			t.Errorf("%s under the renewed CA: %v", addr, err)
		}
	}
	if out, code := tf.run(nil, "plan", "-detailed-exitcode", "-input=false"); code != 0 {
		t.Errorf("plan after the renewal exited %d, want 0:\n%s", code, out)
	}
}

// TestCLIRekeyOnRenewalReplaces keeps the old behaviour for teams whose
// policy rotates CA keys: a new key, and every leaf replaced.
func TestCLIRekeyOnRenewalReplaces(t *testing.T) {
	clock := newTestClock()
	config := strings.Replace(renewalFleet, "early_renewal_hours = 1000", "early_renewal_hours = 1000\n  rekey_on_renewal = true", 1)
	tf := newCLI(t, clock, config)
	tf.mustRun("apply", "-auto-approve", "-input=false")
	key := tf.stateAttr("dockertls_ca.ca", "public_key_pem")
	clock.Advance(3001 * time.Hour)
	out, code := tf.run(nil, "plan", "-detailed-exitcode", "-input=false", "-out=rekey.tfplan")
	if code != 2 {
		t.Fatalf("plan exited %d, want 2:\n%s", code, out)
	}
	expectActions(t, tf.plannedChanges("rekey.tfplan"), map[string]string{
		"dockertls_ca.ca": "delete,create", "dockertls_server_cert.docker1": "delete,create", "dockertls_client_cert.ci": "delete,create",
	})
	tf.mustRun("apply", "-auto-approve", "-input=false")
	if tf.stateAttr("dockertls_ca.ca", "public_key_pem") == key {
		t.Error("rekey_on_renewal kept the key")
	}
}

// TestCLIWriteOnlyCAKeyRenewsOnIt renews a CA whose key is held outside
// Terraform: the key is in the configuration only, never in the state.
func TestCLIWriteOnlyCAKeyRenewsOnIt(t *testing.T) {
	needsCLI(t, featureWriteOnly)
	clock := newTestClock()
	key, err := pki.GenerateKey(pki.ECDSAP256, randReader)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := pki.MarshalPrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	config := strings.Replace(renewalFleet, "early_renewal_hours = 1000",
		"early_renewal_hours = 1000\n  private_key_pem_wo = "+hclString(keyPEM)+"\n  private_key_pem_wo_version = 1", 1)
	config = strings.ReplaceAll(config, "ca_private_key_pem = dockertls_ca.ca.private_key_pem",
		"ca_private_key_pem_wo = "+hclString(keyPEM)+"\n  ca_private_key_pem_wo_version = 1")
	tf := newCLI(t, clock, config)
	tf.mustRun("apply", "-auto-approve", "-input=false")
	serial := tf.stateAttr("dockertls_server_cert.docker1", "serial_number")
	clock.Advance(3001 * time.Hour)
	out, code := tf.run(nil, "plan", "-detailed-exitcode", "-input=false", "-out=renewal.tfplan")
	if code != 2 {
		t.Fatalf("plan exited %d, want 2:\n%s", code, out)
	}
	expectActions(t, tf.plannedChanges("renewal.tfplan"), map[string]string{
		"dockertls_ca.ca": "update", "dockertls_server_cert.docker1": "update", "dockertls_client_cert.ci": "update",
	})
	tf.mustRun("apply", "-auto-approve", "-input=false")
	if tf.stateAttr("dockertls_server_cert.docker1", "serial_number") != serial {
		t.Error("the server certificate was re-issued")
	}
	if tf.stateAttr("dockertls_ca.ca", "private_key_pem") != nil {
		t.Error("the write-only CA key reached the state")
	}
	if out, code := tf.run(nil, "plan", "-detailed-exitcode", "-input=false"); code != 0 {
		t.Errorf("plan after the renewal exited %d, want 0:\n%s", code, out)
	}
}

// TestCLILateRenewalAppliesAsPlanned: a CA renewal missed for longer than
// a renewal period, planned at a minute to the hour and applied from the
// saved plan two minutes later, in the next hour, applies as shown.
func TestCLILateRenewalAppliesAsPlanned(t *testing.T) {
	clock := newTestClock()
	tf := newCLI(t, clock, renewalFleet)
	tf.mustRun("apply", "-auto-approve", "-input=false")
	// The window opened at 3000 h; past 6000 h a certificate starting there
	// would itself be due.
	late := clock.Now().Add(6500 * time.Hour)
	clock.Set(late.Truncate(time.Hour).Add(59 * time.Minute))
	out, code := tf.run(nil, "plan", "-detailed-exitcode", "-input=false", "-out=late.tfplan")
	if code != 2 {
		t.Fatalf("plan exited %d, want 2:\n%s", code, out)
	}
	if got := tf.plannedChanges("late.tfplan")["dockertls_ca.ca"]; got != "update" {
		t.Fatalf("the CA's late renewal plans %q, want an in-place update", got)
	}
	clock.Advance(2 * time.Minute)
	if out, code := tf.run(nil, "apply", "-input=false", "late.tfplan"); code != 0 {
		t.Fatalf("the saved plan, applied in the next hour, fails:\n%s", out)
	}
	notAfter, err := time.Parse(time.RFC3339, tf.stateAttr("dockertls_ca.ca", "not_after").(string))
	if err != nil || !notAfter.After(clock.Now().Add(1000*time.Hour)) {
		t.Errorf("the renewed CA expires at %v (%v): due at once", notAfter, err)
	}
}

func TestAccRenewal(t *testing.T) {
	clock := newTestClock()
	start := clock.Now()
	var firstSerial string
	inWindow := start.Add(8760*time.Hour - 700*time.Hour) // 700h before expiry: inside the 720h window
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(clock),
		Steps: []resource.TestStep{
			{
				Config: fleetConfig,
				Check: func(s *terraform.State) error {
					a, err := attrs(s, "dockertls_server_cert.docker1")
					firstSerial = a["serial_number"]
					return err
				},
			},
			{
				// Just before the window: nothing happens.
				PreConfig: func() { clock.Set(start.Add(8760*time.Hour - 721*time.Hour)) },
				Config:    fleetConfig,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// Inside the window, refresh sets ready_for_renewal.
				PreConfig:          func() { clock.Set(inWindow) },
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check:              resource.TestCheckResourceAttr("dockertls_server_cert.docker1", "ready_for_renewal", "true"),
			},
			{
				// And the plan replaces the due certificates, and only them.
				Config: fleetConfig,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("dockertls_server_cert.docker1", plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction("dockertls_client_cert.ci", plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction("dockertls_ca.ca", plancheck.ResourceActionNoop),
					},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("dockertls_server_cert.docker1", "ready_for_renewal", "false"),
					func(s *terraform.State) error {
						a, _ := attrs(s, "dockertls_server_cert.docker1")
						if a["serial_number"] == firstSerial {
							return fmt.Errorf("the certificate was not renewed")
						}
						if want := pki.FormatTime(inWindow.Add(8760 * time.Hour)); a["not_after"] != want {
							return fmt.Errorf("renewed not_after %s, want %s", a["not_after"], want)
						}
						return nil
					},
				),
			},
		},
	})
}
