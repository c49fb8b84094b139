package provider

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStateStability applies a configuration and then plans against state
// as an older provider would have left it: a refresh must change nothing, a
// changed default must not replace anything, and a state written by schema
// version 0 must upgrade without replacing anything.
func TestStateStability(t *testing.T) {
	clock := newTestClock()
	tf := newCLI(t, clock, cliFleet)
	tf.mustRun("apply", "-auto-approve", "-input=false")
	statePath := filepath.Join(tf.dir, "terraform.tfstate")

	t.Run("refresh of healthy certificates changes nothing", func(t *testing.T) {
		before := resourceAttributes(t, statePath)
		clock.Advance(90 * 24 * time.Hour)
		tf.mustRun("apply", "-refresh-only", "-auto-approve", "-input=false")
		after := resourceAttributes(t, statePath)
		if b, a := mustJSON(t, before), mustJSON(t, after); b != a {
			t.Errorf("refresh changed the state:\nbefore %s\nafter  %s", b, a)
		}
	})

	t.Run("a changed provider default replaces nothing", func(t *testing.T) {
		// As if the certificates had been made when the defaults were
		// different: the configuration leaves these attributes out.
		editState(t, statePath, func(typ string, attrs map[string]any) {
			switch typ {
			case "dockertls_ca":
				attrs["validity_period_hours"] = 43800
				attrs["early_renewal_hours"] = 4380
			default:
				attrs["validity_period_hours"] = 4380
				attrs["early_renewal_hours"] = 500
			}
		}, nil)
		if out, code := tf.run(nil, "plan", "-detailed-exitcode", "-input=false"); code != 0 {
			t.Errorf("plan exited %d, want 0 (no changes):\n%s", code, out)
		}
	})

	t.Run("a state of the release before rekey_on_renewal plans no change", func(t *testing.T) {
		// Schema version 1 as that release wrote it: without the attribute.
		editState(t, statePath, func(_ string, attrs map[string]any) { delete(attrs, "rekey_on_renewal") }, nil)
		if out, code := tf.run(nil, "plan", "-detailed-exitcode", "-input=false"); code != 0 {
			t.Errorf("plan exited %d, want 0 (no changes):\n%s", code, out)
		}
	})

	t.Run("a schema version 0 state upgrades without replacement", func(t *testing.T) {
		added := []string{"cert_request_pem", "ca_private_key_pem_wo", "ca_private_key_pem_wo_version", "ca_private_key_passphrase",
			"permitted_dns_domains", "permitted_ip_ranges", "private_key_pem_wo", "private_key_pem_wo_version", "rekey_on_renewal"}
		editState(t, statePath, func(_ string, attrs map[string]any) {
			for _, name := range added {
				delete(attrs, name)
			}
			attrs["attribute_removed_since"] = "a value a v0 provider stored"
		}, func(instance map[string]any) { instance["schema_version"] = 0 })
		out, code := tf.run(nil, "plan", "-detailed-exitcode", "-input=false")
		if code != 0 || strings.Contains(out, "replaced") {
			t.Fatalf("plan on a version 0 state exited %d, want 0:\n%s", code, out)
		}
		tf.mustRun("apply", "-refresh-only", "-auto-approve", "-input=false")
		raw, _ := os.ReadFile(statePath)
		if strings.Contains(string(raw), `"schema_version": 0`) || strings.Contains(string(raw), "attribute_removed_since") {
			t.Errorf("the state was not upgraded:\n%s", raw)
		}
	})
}

// resourceAttributes returns each dockertls resource's attributes from the
// raw state file.
func resourceAttributes(t *testing.T, statePath string) map[string]any {
	t.Helper()
	out := map[string]any{}
	editState(t, statePath, func(typ string, attrs map[string]any) { out[typ] = attrs }, nil)
	return out
}

// editState applies edit to every dockertls resource instance's attributes
// (and instanceEdit, if given, to the instance) and writes the state back.
func editState(t *testing.T, statePath string, edit func(typ string, attrs map[string]any), instanceEdit func(map[string]any)) {
	t.Helper()
	raw, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	var state map[string]any
	if err := json.Unmarshal(raw, &state); err != nil {
		t.Fatal(err)
	}
	resources, _ := state["resources"].([]any)
	if len(resources) == 0 {
		t.Fatal("no resources in the state")
	}
	for _, r := range resources {
		res := r.(map[string]any)
		typ, _ := res["type"].(string)
		if !strings.HasPrefix(typ, "dockertls_") {
			continue
		}
		for _, i := range res["instances"].([]any) {
			instance := i.(map[string]any)
			edit(typ, instance["attributes"].(map[string]any))
			if instanceEdit != nil {
				instanceEdit(instance)
			}
		}
	}
	b, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(statePath, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
