package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccPlatforms renders the three engines from one set of PEMs, and a
// Windows client. What dockerd on Windows reads is checked against moby's
// source in dockerconf's TestWindowsDaemon; here the provider's mapping.
func TestAccPlatforms(t *testing.T) {
	clock := newTestClock()
	m := newPEMMaterial(t, clock.Now())
	pems := fmt.Sprintf("ca_cert_pem = %s\n  server_cert_pem = %s\n  server_key_pem = %s", hclString(m.ca), hclString(m.server), hclString(m.serverKey))
	config := fmt.Sprintf(`
data "dockertls_daemon_config" "default" {
  %[1]s
}
data "dockertls_daemon_config" "linux" {
  platform = "linux"
  %[1]s
}
data "dockertls_daemon_config" "rootless" {
  platform      = "rootless"
  rootless_user = { name = "ci", uid = 1000 }
  hosts         = ["unix:///run/user/1000/docker.sock", "tcp://10.0.0.5:2376"]
  %[1]s
}
data "dockertls_daemon_config" "windows" {
  platform = "windows"
  %[1]s
}
data "dockertls_client_config" "windows" {
  platform        = "windows"
  host            = "tcp://10.0.0.5:2376"
  ca_cert_pem     = %[2]s
  client_cert_pem = %[3]s
  client_key_pem  = %[4]s
}
`, pems, hclString(m.ca), hclString(m.client), hclString(m.clientKey))
	const (
		def      = "data.dockertls_daemon_config.default"
		linux    = "data.dockertls_daemon_config.linux"
		rootless = "data.dockertls_daemon_config.rootless"
		windows  = "data.dockertls_daemon_config.windows"
		client   = "data.dockertls_client_config.windows"
	)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(clock),
		Steps: []resource.TestStep{{
			Config: config,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttrPair(def, "restart_trigger", linux, "restart_trigger"),
				resource.TestCheckResourceAttrPair(def, "json", linux, "json"),
				resource.TestCheckResourceAttr(linux, "restart_command", "systemctl daemon-reload && systemctl restart docker"),

				resource.TestCheckResourceAttr(rootless, "files.%", "5"),
				resource.TestCheckResourceAttr(rootless, "files.daemon.json.path", "/home/ci/.config/docker/daemon.json"),
				resource.TestCheckResourceAttr(rootless, "files.server-key.pem.path", "/home/ci/.config/docker/tls/server-key.pem"),
				resource.TestCheckResourceAttr(rootless, "files.server-key.pem.mode", "0400"),
				resource.TestCheckResourceAttr(rootless, "systemd_dropin_path", "/home/ci/.config/systemd/user/docker.service.d/dockertls.conf"),
				resource.TestCheckResourceAttr(rootless, "restart_command", "systemctl --user daemon-reload && systemctl --user restart docker"),

				resource.TestCheckResourceAttr(windows, "files.%", "4"),
				resource.TestCheckNoResourceAttr(windows, "files.systemd_dropin.path"),
				resource.TestCheckResourceAttr(windows, "files.daemon.json.path", `C:\ProgramData\docker\config\daemon.json`),
				resource.TestCheckResourceAttr(windows, "files.server-key.pem.path", `C:\ProgramData\docker\certs.d\server-key.pem`),
				resource.TestCheckNoResourceAttr(windows, "files.server-key.pem.mode"),
				resource.TestCheckNoResourceAttr(windows, "systemd_dropin"),
				resource.TestCheckNoResourceAttr(windows, "systemd_dropin_path"),
				resource.TestCheckNoResourceAttr(windows, "cloud_init"),
				resource.TestCheckResourceAttr(windows, "findings.#", "0"),
				resource.TestCheckResourceAttr(windows, "restart_command", "Restart-Service docker"),

				resource.TestCheckResourceAttr(client, "files.ca.pem.path", `%USERPROFILE%\.docker\ca.pem`),
				resource.TestCheckNoResourceAttr(client, "files.ca.pem.mode"),
				resource.TestCheckResourceAttr(client, "env_powershell", "$env:DOCKER_HOST = 'tcp://10.0.0.5:2376'\n$env:DOCKER_TLS_VERIFY = '1'\n"),
				resource.TestCheckResourceAttr(client, "env_sh", "export DOCKER_HOST=tcp://10.0.0.5:2376\nexport DOCKER_TLS_VERIFY=1\n"),
				resource.TestCheckResourceAttr(client, "docker_context_command",
					`docker context create 10.0.0.5 --docker "host=tcp://10.0.0.5:2376,ca=$env:USERPROFILE\.docker\ca.pem,cert=$env:USERPROFILE\.docker\cert.pem,key=$env:USERPROFILE\.docker\key.pem"`),
				func(s *terraform.State) error {
					r, err := attrs(s, rootless)
					if err != nil {
						return err
					}
					for _, want := range []string{`"unix:///run/user/1000/docker.sock"`, `"tcp://0.0.0.0:2376"`, `"tlscacert": "/home/ci/.config/docker/tls/ca.pem"`} {
						if !strings.Contains(r["json"], want) {
							return fmt.Errorf("rootless json lacks %s:\n%s", want, r["json"])
						}
					}
					if !strings.Contains(r["systemd_dropin"], "Environment=\"DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS=-p 10.0.0.5:2376:2376/tcp\"\n") || strings.Contains(r["systemd_dropin"], "ExecStart") {
						return fmt.Errorf("rootless drop-in:\n%s", r["systemd_dropin"])
					}
					w, err := attrs(s, windows)
					if err != nil {
						return err
					}
					for _, want := range []string{`"npipe://"`, `"tlskey": "C:\\ProgramData\\docker\\certs.d\\server-key.pem"`, `"log-driver": "json-file"`} {
						if !strings.Contains(w["json"], want) {
							return fmt.Errorf("windows json lacks %s:\n%s", want, w["json"])
						}
					}
					for _, linuxOnly := range []string{"live-restore", "icc", "no-new-privileges", "userland-proxy"} {
						if strings.Contains(w["json"], `"`+linuxOnly+`"`) {
							return fmt.Errorf("windows json has %s, which dockerd on Windows refuses:\n%s", linuxOnly, w["json"])
						}
					}
					return nil
				},
			),
		}},
	})
}
