package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccRegistryConfigs reads the registry data sources and checks each
// consumer's files.
func TestAccRegistryConfigs(t *testing.T) {
	clock := newTestClock()
	m := newPEMMaterial(t, clock.Now())
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(clock),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
data "dockertls_registry_config" "r" {
  address         = "10.0.0.5:5000"
  registry        = "docker1.example.internal:5000"
  minimum_tls     = "tls1.3"
  ca_cert_pem     = %[1]s
  server_cert_pem = %[2]s
  server_key_pem  = %[3]s
}
data "dockertls_registry_client_config" "c" {
  registry        = "docker1.example.internal:5000"
  ca_cert_pem     = %[1]s
  client_cert_pem = %[4]s
  client_key_pem  = %[5]s
  server_cert_pem = %[2]s
}`, hclString(m.ca), hclString(m.server), hclString(m.serverKey), hclString(m.client), hclString(m.clientKey)),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.dockertls_registry_config.r", "yaml", "http:\n  addr: \"10.0.0.5:5000\"\n  tls:\n"+
					"    certificate: \"/etc/distribution/tls/server-cert.pem\"\n    key: \"/etc/distribution/tls/server-key.pem\"\n"+
					"    clientcas:\n      - \"/etc/distribution/tls/ca.pem\"\n    minimumtls: \"tls1.3\"\n"),
				resource.TestCheckResourceAttr("data.dockertls_registry_config.r", "files.%", "3"),
				resource.TestCheckResourceAttr("data.dockertls_registry_config.r", "files.ca.pem.content", m.ca),
				resource.TestCheckResourceAttr("data.dockertls_registry_client_config.c", "docker_files.ca.crt.path", "/etc/docker/certs.d/docker1.example.internal:5000/ca.crt"),
				resource.TestCheckResourceAttr("data.dockertls_registry_client_config.c", "docker_files.client.cert.content", m.client),
				resource.TestCheckResourceAttr("data.dockertls_registry_client_config.c", "docker_files.client.key.sensitive_content", m.clientKey),
				resource.TestCheckResourceAttr("data.dockertls_registry_client_config.c", "docker_files.client.key.mode", "0400"),
				resource.TestCheckResourceAttr("data.dockertls_registry_client_config.c", "containers_files.client.key.path", "/etc/containers/certs.d/docker1.example.internal:5000/client.key"),
				resource.TestCheckResourceAttr("data.dockertls_registry_client_config.c", "containerd_files.%", "4"),
				resource.TestCheckResourceAttr("data.dockertls_registry_client_config.c", "containerd_files.hosts.toml.path", "/etc/containerd/certs.d/docker1.example.internal:5000/hosts.toml"),
				resource.TestCheckResourceAttr("data.dockertls_registry_client_config.c", "buildkitd_files.ca.crt.path", "/etc/buildkit/certs.d/docker1.example.internal:5000/ca.crt"),
				func(s *terraform.State) error {
					a, err := attrs(s, "data.dockertls_registry_client_config.c")
					if err != nil {
						return err
					}
					if a["containerd_files.hosts.toml.content"] != a["containerd_hosts_toml"] || !strings.Contains(a["buildkitd_toml"], `[registry."docker1.example.internal:5000"]`) {
						return fmt.Errorf("hosts.toml or buildkitd_toml:\n%s\n%s", a["containerd_hosts_toml"], a["buildkitd_toml"])
					}
					return nil
				},
			),
		}},
	})
}
