package provider

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccBuildkitConfigs reads the BuildKit data sources and checks what
// each output holds; the end-to-end test runs buildkitd and buildctl on it.
func TestAccBuildkitConfigs(t *testing.T) {
	clock := newTestClock()
	m := newPEMMaterial(t, clock.Now())
	other := newPEMMaterial(t, clock.Now())
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(clock),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
data "dockertls_buildkitd_config" "b" {
  addresses          = ["unix:///run/buildkit/buildkitd.sock", "tcp://10.0.0.5:1234"]
  ca_cert_pem        = %[1]s
  client_ca_cert_pem = %[2]s
  server_cert_pem    = %[3]s
  server_key_pem     = %[4]s
}
data "dockertls_buildkit_client_config" "c" {
  host            = "tcp://docker1.example.internal:1234"
  ca_cert_pem     = %[1]s
  client_cert_pem = %[5]s
  client_key_pem  = %[6]s
  server_cert_pem = %[3]s
  cert_dir        = "/home/ci/.buildkit/docker1"
  file_names      = "cert_manager"
}`, hclString(m.ca), hclString(other.ca), hclString(m.server), hclString(m.serverKey), hclString(m.client), hclString(m.clientKey)),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.dockertls_buildkitd_config.b", "files.%", "5"),
				resource.TestCheckResourceAttr("data.dockertls_buildkitd_config.b", "files.buildkitd.toml.path", "/etc/buildkit/buildkitd.toml"),
				resource.TestCheckResourceAttr("data.dockertls_buildkitd_config.b", "files.buildkit.service.path", "/etc/systemd/system/buildkit.service"),
				resource.TestCheckResourceAttr("data.dockertls_buildkitd_config.b", "files.ca.pem.content", other.ca),
				resource.TestCheckResourceAttr("data.dockertls_buildkitd_config.b", "files.server-key.pem.mode", "0400"),
				resource.TestCheckNoResourceAttr("data.dockertls_buildkitd_config.b", "files.server-key.pem.content"),
				resource.TestCheckResourceAttr("data.dockertls_buildkitd_config.b", "restart_command", "systemctl daemon-reload && systemctl enable buildkit && systemctl restart buildkit"),
				resource.TestCheckResourceAttr("data.dockertls_buildkit_client_config.c", "files.%", "3"),
				resource.TestCheckResourceAttr("data.dockertls_buildkit_client_config.c", "files.tls.key.path", "/home/ci/.buildkit/docker1/tls.key"),
				resource.TestCheckResourceAttr("data.dockertls_buildkit_client_config.c", "files.tls.key.sensitive_content", m.clientKey),
				resource.TestCheckResourceAttr("data.dockertls_buildkit_client_config.c", "files.ca.crt.content", m.ca),
				resource.TestCheckResourceAttr("data.dockertls_buildkit_client_config.c", "buildkit_host", "tcp://docker1.example.internal:1234"),
				resource.TestCheckResourceAttr("data.dockertls_buildkit_client_config.c", "buildctl_args.#", "8"),
				resource.TestCheckResourceAttr("data.dockertls_buildkit_client_config.c", "buildctl_args.1", "docker1.example.internal"),
				resource.TestCheckResourceAttr("data.dockertls_buildkit_client_config.c", "remote_driver_options.cacert", "/home/ci/.buildkit/docker1/ca.crt"),
				resource.TestCheckResourceAttr("data.dockertls_buildkit_client_config.c", "remote_driver_options.servername", "docker1.example.internal"),
				resource.TestCheckResourceAttr("data.dockertls_buildkit_client_config.c", "buildx_create_command",
					"docker buildx create --name docker1.example.internal --driver remote --driver-opt cacert=/home/ci/.buildkit/docker1/ca.crt,"+
						"cert=/home/ci/.buildkit/docker1/tls.crt,key=/home/ci/.buildkit/docker1/tls.key,servername=docker1.example.internal tcp://docker1.example.internal:1234"),
				func(s *terraform.State) error {
					a, err := attrs(s, "data.dockertls_buildkitd_config.b")
					if err != nil {
						return err
					}
					for _, want := range []string{`address = ["unix:///run/buildkit/buildkitd.sock", "tcp://10.0.0.5:1234"]`, `ca = "/etc/buildkit/tls/ca.pem"`} {
						if !strings.Contains(a["toml"], want) {
							return fmt.Errorf("toml lacks %s:\n%s", want, a["toml"])
						}
					}
					if a["files.buildkitd.toml.content"] != a["toml"] || a["files.buildkit.service.content"] != a["systemd_unit"] || a["id"] != a["restart_trigger"] {
						return fmt.Errorf("files do not carry the rendered toml and unit")
					}
					return nil
				},
			),
		}},
	})
}

// TestCLIBuildkitServerNameAtPlanTime: with the certificates made in the
// same run, the data source reads (and checks) at apply; the function form
// with server_names (the server certificate's planned SANs) makes a
// server_name the certificate will not have a plan-time error, before
// anything is created.
func TestCLIBuildkitServerNameAtPlanTime(t *testing.T) {
	needsCLI(t, featureFunctions)
	config := providerBlock + `
resource "dockertls_ca" "ca" { common_name = "CA" }
resource "dockertls_server_cert" "builder" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  common_name        = "builder1"
  dns_names          = ["builder1.example.internal"]
}
resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  common_name        = "ci"
}
locals {
  ci = provider::dockertls::buildkit_client_config({
    host            = "tcp://builder1.example.internal:1234"
    server_name     = "SERVER_NAME"
    server_names    = dockertls_server_cert.builder.dns_names
    ca_cert_pem     = dockertls_ca.ca.cert_pem
    client_cert_pem = dockertls_client_cert.ci.cert_pem
    client_key_pem  = dockertls_client_cert.ci.private_key_pem
    server_cert_pem = dockertls_server_cert.builder.cert_pem
    cert_dir        = "/home/ci/.buildkit/builder1"
  })
}
output "args" {
  value     = local.ci.buildctl_args
  sensitive = true # the function's result is, since an argument (the key) is
}
`
	tf := newCLI(t, newTestClock(), strings.Replace(config, "SERVER_NAME", "buildkitd", 1))
	out, code := tf.run(nil, "plan", "-input=false")
	if code == 0 || !strings.Contains(unwrap(out), `the server certificate does not name "buildkitd"`) {
		t.Fatalf("plan with a server_name that is not a SAN: exit %d\n%s", code, out)
	}
	tf.write(strings.Replace(config, "SERVER_NAME", "builder1.example.internal", 1))
	tf.mustRun("apply", "-auto-approve", "-input=false")
	var args []string
	if err := json.Unmarshal([]byte(tf.mustRun("output", "-json", "args")), &args); err != nil || len(args) != 8 || args[1] != "builder1.example.internal" {
		t.Errorf("buildctl_args after apply: %v %q", err, args)
	}
}
