package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

func TestAccDaemonConfig(t *testing.T) {
	clock := newTestClock()
	m := newPEMMaterial(t, clock.Now())
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(clock),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
data "dockertls_daemon_config" "d" {
  ca_cert_pem     = %s
  server_cert_pem = %s
  server_key_pem  = %s
  settings_json   = jsonencode({ "log-driver" = "journald" })
}`, hclString(m.ca), hclString(m.server), hclString(m.serverKey)),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.dockertls_daemon_config.d", "files.%", "5"),
				resource.TestCheckResourceAttr("data.dockertls_daemon_config.d", "files.server-key.pem.mode", "0400"),
				resource.TestCheckResourceAttr("data.dockertls_daemon_config.d", "files.server-key.pem.path", "/etc/docker/tls/server-key.pem"),
				resource.TestCheckNoResourceAttr("data.dockertls_daemon_config.d", "files.server-key.pem.content"),
				resource.TestCheckResourceAttr("data.dockertls_daemon_config.d", "files.server-key.pem.sensitive_content", m.serverKey),
				resource.TestCheckResourceAttr("data.dockertls_daemon_config.d", "files.ca.pem.mode", "0444"),
				resource.TestCheckResourceAttr("data.dockertls_daemon_config.d", "files.ca.pem.content", m.ca),
				resource.TestCheckResourceAttr("data.dockertls_daemon_config.d", "files.daemon.json.path", "/etc/docker/daemon.json"),
				resource.TestCheckResourceAttr("data.dockertls_daemon_config.d", "files.daemon.json.mode", "0644"),
				resource.TestCheckResourceAttr("data.dockertls_daemon_config.d", "files.systemd_dropin.path", "/etc/systemd/system/docker.service.d/dockertls.conf"),
				resource.TestCheckResourceAttr("data.dockertls_daemon_config.d", "systemd_dropin_path", "/etc/systemd/system/docker.service.d/dockertls.conf"),
				resource.TestMatchResourceAttr("data.dockertls_daemon_config.d", "restart_trigger", regexp.MustCompile(`^[0-9a-f]{64}$`)),
				func(s *terraform.State) error {
					a, err := attrs(s, "data.dockertls_daemon_config.d")
					if err != nil {
						return err
					}
					for _, want := range []string{`"hosts": [`, `"tcp://0.0.0.0:2376"`, `"log-driver": "journald"`, `"tlsverify": true`, `"tlscacert": "/etc/docker/tls/ca.pem"`} {
						if !strings.Contains(a["json"], want) {
							return fmt.Errorf("json lacks %s:\n%s", want, a["json"])
						}
					}
					if a["files.daemon.json.content"] != a["json"] || a["files.systemd_dropin.content"] != a["systemd_dropin"] {
						return fmt.Errorf("files do not carry the rendered json and drop-in")
					}
					return nil
				},
			),
		}},
	})
}

// TestAccTrustBundles gives the configuration data sources a bundle of two
// CAs: a server and a client certificate from the second are accepted, and
// ca.pem holds the whole bundle, byte for byte.
func TestAccTrustBundles(t *testing.T) {
	clock := newTestClock()
	current, next := newPEMMaterial(t, clock.Now()), newPEMMaterial(t, clock.Now())
	bundle := next.ca + current.ca
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(clock),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
data "dockertls_daemon_config" "d" {
  ca_cert_pem     = %[1]s
  server_cert_pem = %[2]s
  server_key_pem  = %[3]s
}
data "dockertls_client_config" "c" {
  host            = "tcp://docker1:2376"
  ca_cert_pem     = %[1]s
  client_cert_pem = %[4]s
  client_key_pem  = %[5]s
}`, hclString(bundle), hclString(current.server), hclString(current.serverKey), hclString(next.client), hclString(next.clientKey)),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.dockertls_daemon_config.d", "files.ca.pem.content", bundle),
				resource.TestCheckResourceAttr("data.dockertls_client_config.c", "files.ca.pem.content", bundle),
				resource.TestCheckResourceAttr("data.dockertls_client_config.c", "ca_material", bundle),
				resource.TestMatchResourceAttr("data.dockertls_daemon_config.d", "json", regexp.MustCompile(`"live-restore": true`)),
			),
		}, {
			Config: fmt.Sprintf(`
data "dockertls_daemon_config" "d" {
  ca_cert_pem  = %s
  live_restore = false
}`, hclString(bundle)),
			Check: resource.TestMatchResourceAttr("data.dockertls_daemon_config.d", "json", regexp.MustCompile(`"live-restore": false`)),
		}},
	})
}

// TestAccClientTrust gives the daemon issuers of its clients apart from the
// CA of its own certificate: ca.pem (tlscacert) holds the client issuers,
// and a client of one of them is checked against its own issuer.
func TestAccClientTrust(t *testing.T) {
	clock := newTestClock()
	servers, alice, bob := newPEMMaterial(t, clock.Now()), newPEMMaterial(t, clock.Now()), newPEMMaterial(t, clock.Now())
	issuers := alice.ca + bob.ca
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(clock),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
data "dockertls_daemon_config" "d" {
  ca_cert_pem        = %[1]s
  client_ca_cert_pem = %[2]s
  server_cert_pem    = %[3]s
  server_key_pem     = %[4]s
}
data "dockertls_client_config" "bob" {
  host               = "tcp://docker1:2376"
  ca_cert_pem        = %[1]s
  client_ca_cert_pem = %[5]s
  client_cert_pem    = %[6]s
  client_key_pem     = %[7]s
}`, hclString(servers.ca), hclString(issuers), hclString(servers.server), hclString(servers.serverKey), hclString(bob.ca), hclString(bob.client), hclString(bob.clientKey)),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.dockertls_daemon_config.d", "files.ca.pem.content", issuers),
				resource.TestCheckResourceAttr("data.dockertls_client_config.bob", "files.ca.pem.content", servers.ca),
				resource.TestCheckResourceAttr("data.dockertls_client_config.bob", "ca_material", servers.ca),
			),
		}},
	})
}

func TestAccConfigDataSourceErrors(t *testing.T) {
	clock := newTestClock()
	m := newPEMMaterial(t, clock.Now())
	daemon := func(body string) string { return "data \"dockertls_daemon_config\" \"d\" {\n" + body + "\n}\n" }
	client := func(body string) string {
		return fmt.Sprintf("data \"dockertls_client_config\" \"c\" {\n  ca_cert_pem = %s\n  %s\n}\n", hclString(m.ca), body)
	}
	clientPair := fmt.Sprintf("client_cert_pem = %s\n  client_key_pem = %s", hclString(m.client), hclString(m.clientKey))
	tests := []struct{ name, config, want string }{
		{"tcp without verification", daemon(`tls_verify = false`), `tls_verify = false with tcp://0.0.0.0:2376 would let any client`},
		{"tcp without a port", daemon(`hosts = ["tcp://10.0.0.5"]`), `hosts\[0\]: host "tcp://10.0.0.5" has no port: add one, as in tcp://10.0.0.5:2376`},
		{"http scheme", daemon(`hosts = ["http://10.0.0.5:2376"]`), `not http://`},
		{"unknown scheme", daemon(`hosts = ["udp://10.0.0.5:2376"]`), `unknown scheme`},
		{"no hosts", daemon(`hosts = []`), `hosts.*at least 1`},
		{"duplicate hosts", daemon(`hosts = ["fd://", "fd://"]`), `hosts\[0\] "fd://" and hosts\[1\] "fd://" are one listener`},
		{"default socket twice", daemon(`hosts = ["unix://", "unix:///var/run/docker.sock"]`), `the same socket, /var/run/docker.sock`},
		{"settings array", daemon(`settings_json = "[1,2]"`), `settings_json: settings_json is a JSON array, not an object`},
		{"settings invalid", daemon(`settings_json = "{"`), `settings_json is not valid JSON`},
		{"settings owns hosts", daemon(`settings_json = jsonencode({ hosts = ["fd://"] })`), `sets hosts, which this data source writes itself`},
		{"relative tls_dir", daemon(`tls_dir = "tls"`), `tls_dir "tls" is not an absolute path`},
		{"relative key_path", daemon(`key_path = "./key.pem"`), `key_path "./key.pem" is not an absolute path`},
		{"Windows path on linux", daemon(`tls_dir = "C:\\ProgramData\\docker\\certs.d"`), `tls_dir "C:\\\\ProgramData\\\\docker\\\\certs.d" is a Windows path, but platform is "linux": set platform = "windows"`},
		{"POSIX path on windows", daemon("platform = \"windows\"\n  daemon_json_path = \"/etc/docker/daemon.json\""), `daemon_json_path "/etc/docker/daemon.json" is a POSIX path, but platform is "windows": write a Windows path with its drive, such as C:\\ProgramData\\docker\\certs.d`},
		{"relative path on windows", daemon("platform = \"windows\"\n  key_path = \"certs.d\\\\key.pem\""), `key_path "certs.d\\\\key.pem" is not an absolute Windows path`},
		{"rootless without its user", daemon(`platform = "rootless"`), `platform = "rootless" needs rootless_user`},
		{"rootless user on linux", daemon(`rootless_user = { name = "ci", uid = 1000 }`), `rootless_user is set, but platform is "linux"`},
		{"rootless user root", daemon("platform = \"rootless\"\n  rootless_user = { name = \"root\", uid = 0 }"), `rootless_user.uid is 0, but a rootless engine runs as an unprivileged user`},
		{"rootless default socket", daemon("platform = \"rootless\"\n  rootless_user = { name = \"ci\", uid = 1000 }\n  hosts = [\"unix://\", \"tcp://0.0.0.0:2376\"]"), `host "unix://" is the socket /var/run/docker.sock, which a rootless dockerd creates inside RootlessKit's private copy of /run`},
		{"rootless host by name", daemon("platform = \"rootless\"\n  rootless_user = { name = \"ci\", uid = 1000 }\n  hosts = [\"tcp://docker1.example:2376\"]"), `RootlessKit publishes the port on an IP address of the host, not a name`},
		{"pipe on linux", daemon(`hosts = ["npipe://"]`), `host "npipe://" is a Windows named pipe, but platform is "linux"`},
		{"socket activation on windows", daemon("platform = \"windows\"\n  hosts = [\"fd://\"]"), `no sockets found via socket activation": write npipe://`},
		{"live-restore on windows", daemon("platform = \"windows\"\n  live_restore = true"), `dockerd on Windows has no live-restore and refuses the key`},
		{"Linux-only setting on windows", daemon("platform = \"windows\"\n  settings_json = jsonencode({ icc = false })"), `settings_json: "icc": dockerd on Windows knows no such setting and refuses to start`},
		{"client POSIX dir on windows", client("platform = \"windows\"\n  cert_dir = \"/home/ci/.docker\"\n  host = \"tcp://10.0.0.5:2376\"\n  " + clientPair), `cert_dir "/home/ci/.docker" is a POSIX path, but platform is "windows"`},
		{"client Windows dir on macos", client("platform = \"macos\"\n  cert_dir = \"C:\\\\Users\\\\ci\"\n  host = \"tcp://10.0.0.5:2376\"\n  " + clientPair), `is a Windows path, but platform is "macos"`},
		{"server certificate from another CA", daemon(fmt.Sprintf("ca_cert_pem = %s\n  server_cert_pem = %s\n  server_key_pem = %s", hclString(m.ca), hclString(m.otherServer), hclString(m.otherServerKey))), `server_cert_pem: the server certificate .* is not signed by the CA`},
		{"client certificate as server", daemon(fmt.Sprintf("ca_cert_pem = %s\n  server_cert_pem = %s\n  server_key_pem = %s", hclString(m.ca), hclString(m.client), hclString(m.clientKey))), `does not carry the serverAuth extended key usage`},
		{"server key that is not the certificate's", daemon(fmt.Sprintf("ca_cert_pem = %s\n  server_cert_pem = %s\n  server_key_pem = %s", hclString(m.ca), hclString(m.server), hclString(m.clientKey))), `server_key_pem: the private key does not belong to the server certificate`},
		{"encrypted server key", daemon(fmt.Sprintf("ca_cert_pem = %s\n  server_cert_pem = %s\n  server_key_pem = %s", hclString(m.ca), hclString(m.server), hclString(encryptedKeyPEM))), `server_key_pem: the key is encrypted`},
		{"server certificate without the CA", daemon(fmt.Sprintf("server_cert_pem = %s", hclString(m.server))), `ca_cert_pem.*must be specified when.*server_cert_pem`},
		{"client host not tcp", client(`host = "unix:///var/run/docker.sock"` + "\n  " + clientPair), `not a tcp:// address`},
		{"client host without port", client(`host = "tcp://docker1"` + "\n  " + clientPair), `has no port`},
		{"server certificate as client", client(fmt.Sprintf("host = \"tcp://10.0.0.5:2376\"\n  client_cert_pem = %s\n  client_key_pem = %s", hclString(m.server), hclString(m.serverKey))), `client_cert_pem: the certificate .* does not carry the clientAuth`},
		{"client key mismatch", client(fmt.Sprintf("host = \"tcp://10.0.0.5:2376\"\n  client_cert_pem = %s\n  client_key_pem = %s", hclString(m.client), hclString(m.serverKey))), `client_key_pem: the private key does not belong to the client certificate`},
		{"endpoint host not tcp", fmt.Sprintf("data \"dockertls_endpoint\" \"e\" {\n  host = \"fd://\"\n  ca_cert_pem = %s\n}\n", hclString(m.ca)), `not a tcp:// address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: factories(clock),
				Steps: []resource.TestStep{{
					Config:      tt.config,
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`(?s)` + strings.ReplaceAll(tt.want, " ", `\s+`)),
				}},
			})
		})
	}
}

// encryptedKeyPEM is the shape of what `openssl genrsa -aes256` writes with
// OpenSSL 3; its content is never decrypted.
const encryptedKeyPEM = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n"

func TestCLIConfigDataSourceWarnings(t *testing.T) {
	clock := newTestClock()
	m := newPEMMaterial(t, clock.Now())
	tf := newCLI(t, clock, fmt.Sprintf(`
terraform {
  required_providers {
    dockertls = { source = "dockertls/dockertls" }
  }
}
data "dockertls_daemon_config" "insecure" {
  hosts                             = ["tcp://0.0.0.0:2375"]
  tls_verify                        = false
  insecure_allow_unverified_clients = true
}
data "dockertls_daemon_config" "rootless" {
  platform      = "rootless"
  rootless_user = { name = "ci", uid = 1000 }
  hosts         = ["tcp://0.0.0.0:443"]
  live_restore  = true
}
data "dockertls_client_config" "c" {
  host            = "tcp://172.16.15.79:2376"
  ca_cert_pem     = %s
  client_cert_pem = %s
  client_key_pem  = %s
  server_cert_pem = %s
}
`, hclString(m.ca), hclString(m.client), hclString(m.clientKey), hclString(m.server)))
	out := unwrap(tf.mustRun("plan", "-input=false"))
	if strings.Contains(out, "more similar warnings") {
		t.Errorf("a warning is repeated:\n%s", out)
	}
	for _, want := range []string{
		"Warning: Docker API open to unverified clients",
		"Warning: Port 2375 is the plain-text convention",
		"Warning: The server certificate does not name this host",
		`x509: certificate is valid for 10.0.0.5, not 172.16.15.79`,
		`add "172.16.15.79" to the server certificate's ip_addresses`,
		"Warning: A rootless engine does not support live-restore",
		"Warning: A privileged port for a rootless engine",
		"RootlessKit binds port 443 as ci, an unprivileged user",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
}
