package provider

import (
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// TestAuthorizationPoliciesJudgedByOPA renders the authorization policy in
// every shape a user can give (each base alone, all together, rules of
// one's own in several forms, names that need escaping) and has OPA's own
// opa judge each: opa check --strict on the policy and its tests, and opa
// test. The end-to-end test does the same for the example on a running
// daemon.
func TestAuthorizationPoliciesJudgedByOPA(t *testing.T) {
	opa := os.Getenv("DOCKERTLS_OPA")
	if opa == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("DOCKERTLS_OPA is not set: make test builds opa (scripts/install-tool.sh) and sets it")
		}
		t.Skip("SKIP (loudly): opa check and opa test did not run on the policy shapes: DOCKERTLS_OPA is not set. Run make test, which builds opa once.")
	}
	now := time.Now()
	m := newPEMMaterial(t, now)
	auth, err := pki.LoadAuthority(m.ca, m.caKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	member := func(cn string) string {
		key, err := pki.GenerateKey(pki.ECDSAP256, randReader)
		if err != nil {
			t.Fatal(err)
		}
		issued, err := auth.Issue(pki.LeafRequest{Subject: pki.Subject{CommonName: cn}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
			Validity: time.Hour, PublicKey: key.Public()}, now, randReader)
		if err != nil {
			t.Fatal(err)
		}
		return issued.CertPEM
	}
	bindDir := t.TempDir()
	roles := map[string][]dockerconf.Role{
		"admin alone":     {{Name: "ops", Base: dockerconf.RoleAdmin, Members: []string{member("alice")}}},
		"read_only alone": {{Name: "monitor", Base: dockerconf.RoleReadOnly, Members: []string{member("prometheus")}}},
		"builder alone":   {{Name: "ci", Base: dockerconf.RoleBuilder, Members: []string{member("runner-1"), member("runner-2")}, BindPaths: []string{bindDir}}},
		"none with rules": {{Name: "lister", Base: dockerconf.RoleNone, Members: []string{member("lister")}, AllowRules: []string{
			`input.Method == "GET"; request_path == "/plugins"`,
			"startswith(request_path, \"/images/\")\ninput.Method in {\"GET\", \"HEAD\"}",
			`some v in input.Query.all; v == "1"`,
		}}},
		"every base, names to escape": {
			{Name: `ops "root"`, Base: dockerconf.RoleAdmin, Members: []string{member(`o'brien "ops"`)}},
			{Name: "monitor\\team", Base: dockerconf.RoleReadOnly, Members: []string{member("prométhée")}},
			{Name: "ci", Base: dockerconf.RoleBuilder, Members: []string{member("runner }\nallow if { true")}, AllowRules: []string{`request_path == "/info"`}},
			{Name: "none", Base: dockerconf.RoleNone, Members: []string{member("nobody")}},
		},
	}
	for name, rs := range roles {
		t.Run(name, func(t *testing.T) {
			a := dockerconf.AuthorizationPolicy{Trust: dockerconf.ServerMaterial{CACertPEM: m.ca}, Roles: rs, Plugin: dockerconf.PluginLegacy,
				PolicyPath: "/etc/docker/policies/authz.rego", Now: now}.WithDefaults()
			out, problems := a.Render()
			for _, p := range problems {
				if !p.Warning {
					t.Fatalf("%s: %s", p.Summary, p.Detail)
				}
			}
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "authz.rego"), out.Policy)
			writeFile(t, filepath.Join(dir, "authz_test.rego"), out.PolicyTests)
			for _, args := range [][]string{
				{"check", "--strict", filepath.Join(dir, "authz.rego"), filepath.Join(dir, "authz_test.rego")},
				{"test", dir},
			} {
				got, err := exec.Command(opa, args...).CombinedOutput()
				if err != nil || args[0] == "test" && !strings.Contains(string(got), "PASS: ") {
					t.Errorf("opa %s: %v\n%s", strings.Join(args, " "), err, got)
				}
			}
		})
	}
}
