package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

func TestAccCertificateInfoFunction(t *testing.T) {
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		ProtoV6ProviderFactories: factories(newTestClock()),
		Steps: []resource.TestStep{
			{
				Config: fleetConfig + `
output "server" {
  value = provider::dockertls::certificate_info(dockertls_server_cert.docker1.cert_pem)
}
output "ca" {
  value = provider::dockertls::certificate_info(dockertls_ca.ca.cert_pem)
}
output "fingerprint_matches" {
  value = provider::dockertls::certificate_info(dockertls_server_cert.docker1.cert_pem).sha256_fingerprint == dockertls_server_cert.docker1.sha256_fingerprint
}
output "not_after_matches" {
  value = provider::dockertls::certificate_info(dockertls_server_cert.docker1.cert_pem).not_after == dockertls_server_cert.docker1.not_after
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("server", knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"common_name":    knownvalue.StringExact("docker1.example.internal"),
						"subject":        knownvalue.StringExact("CN=docker1.example.internal"),
						"issuer":         knownvalue.StringExact("CN=Docker CA,O=Example"),
						"dns_names":      knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("docker1.example.internal"), knownvalue.StringExact("localhost")}),
						"ip_addresses":   knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("10.0.0.5"), knownvalue.StringExact("127.0.0.1"), knownvalue.StringExact("::1")}),
						"ext_key_usages": knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("serverAuth")}),
						"is_ca":          knownvalue.Bool(false),
						"key_algorithm":  knownvalue.StringExact("ECDSA_P256"),
					})),
					statecheck.ExpectKnownOutputValue("ca", knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"is_ca":          knownvalue.Bool(true),
						"ext_key_usages": knownvalue.ListSizeExact(0),
					})),
					statecheck.ExpectKnownOutputValue("fingerprint_matches", knownvalue.Bool(true)),
					statecheck.ExpectKnownOutputValue("not_after_matches", knownvalue.Bool(true)),
				},
			},
		},
	})
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		ProtoV6ProviderFactories: factories(newTestClock()),
		Steps: []resource.TestStep{{
			Config:      `output "x" { value = provider::dockertls::certificate_info("not a certificate") }`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)certificate_info:\s+no\s+PEM\s+block\s+found`),
		}},
	})
}
