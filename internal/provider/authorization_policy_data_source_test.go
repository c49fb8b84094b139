package provider

import (
	"strings"
	"testing"
)

// TestCLIAuthorizationPolicyPlanTime: on the first plan, when the members
// are still to be issued, a rule OPA's compiler refuses fails the plan,
// naming the role; and roles not known at all (a variable at validate)
// are not an error.
func TestCLIAuthorizationPolicyPlanTime(t *testing.T) {
	const base = `
resource "dockertls_ca" "ca" {
  common_name = "Docker CA"
}

resource "dockertls_client_cert" "runner" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  common_name        = "runner-1"
}

data "dockertls_authorization_policy" "p" {
  ca_cert_pem = dockertls_ca.ca.cert_pem
  roles = {
    ci = { base = "none", members = [dockertls_client_cert.runner.cert_pem], allow_rules = [RULE] }
  }
}
`
	tf := newCLI(t, newTestClock(), providerBlock+strings.Replace(base, "RULE", `"no_such_rule"`, 1))
	out, code := tf.run(nil, "plan", "-input=false")
	if code == 0 || !strings.Contains(unwrap(out), `roles["ci"].allow_rules: OPA's compiler refuses the policy`) {
		t.Errorf("a rule that does not compile, members still to be issued: exit %d\n%s", code, out)
	}
	tf.write(providerBlock + strings.Replace(base, "RULE", `"input.Method == \"GET\""`, 1))
	if out, code := tf.run(nil, "plan", "-input=false"); code != 0 {
		t.Errorf("a rule that compiles, members still to be issued: exit %d\n%s", code, out)
	}
	tf.write(providerBlock + `
variable "roles" {
  type = map(object({ base = string, members = list(string) }))
}
variable "ca" { type = string }

data "dockertls_authorization_policy" "p" {
  ca_cert_pem = var.ca
  roles       = var.roles
}
`)
	if out, code := tf.run(nil, "validate"); code != 0 {
		t.Errorf("roles from a variable, at validate: exit %d\n%s", code, out)
	}
}
