package provider

import (
	"strings"
	"testing"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// TestFeaturesByCLIVersion runs, through the real CLI, one configuration
// for each feature that needs a newer Terraform than the resources and data
// sources do. A CLI new enough must plan it; an older one must refuse it
// before anything is written, with the message the support matrix quotes
// (Terraform 1.5 cannot parse a provider function's name, and knows no
// ephemeral block; the framework refuses write-only attributes itself).
func TestFeaturesByCLIVersion(t *testing.T) {
	v := underTest(t)
	keyPEM := mustCAKeyPEM(t)
	ca := `resource "dockertls_ca" "ca" {
  common_name = "Docker CA"
}
`
	for _, f := range []struct {
		cliFeature
		config  string
		refusal string
	}{
		{featureFunctions, ca + `output "cn" {
  value = provider::dockertls::certificate_info(dockertls_ca.ca.cert_pem).common_name
}
`, `Missing newline after argument`},
		{featureEphemeral, ca + `ephemeral "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  common_name        = "ci"
}
`, `Blocks of type "ephemeral" are not expected here`},
		{featureWriteOnly, `resource "dockertls_ca" "ca" {
  common_name                = "Docker CA"
  private_key_pem_wo         = ` + hclString(keyPEM) + `
  private_key_pem_wo_version = 1
}
`, `Write-only attributes are only supported in Terraform 1.11 and later`},
	} {
		t.Run(f.name, func(t *testing.T) {
			// An older CLI cannot even initialise this configuration.
			tf := newCLI(t, newTestClock(), providerBlock)
			tf.write(providerBlock + f.config)
			out, code := tf.run(nil, "apply", "-auto-approve", "-input=false")
			if v.atLeast(f.major, f.minor) {
				if code != 0 {
					t.Fatalf("%s needs Terraform %d.%d; %s refused it:\n%s", f.name, f.major, f.minor, v, out)
				}
				return
			}
			if code == 0 || !strings.Contains(unwrap(out), f.refusal) {
				t.Fatalf("Terraform %s, older than %d.%d, exited %d; want the refusal %q:\n%s", v, f.major, f.minor, code, f.refusal, out)
			}
			if strings.Contains(out, "Apply complete") || tf.stateHas("dockertls_ca.ca") {
				t.Errorf("Terraform %s wrote to the state before refusing %s", v, f.name)
			}
			t.Logf("Terraform %s on %s: %s", v, f.name, f.refusal)
		})
	}
}

func mustCAKeyPEM(t *testing.T) string {
	t.Helper()
	key, err := pki.GenerateKey(pki.ECDSAP256, randReader)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := pki.MarshalPrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	return keyPEM
}

// stateHas reports whether the working directory's state holds the
// resource at addr.
func (c *cli) stateHas(addr string) bool {
	c.t.Helper()
	out, code := c.run(nil, "state", "list")
	return code == 0 && strings.Contains(out, addr)
}
