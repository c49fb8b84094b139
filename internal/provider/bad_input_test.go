package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/keytrace"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// TestBadInput applies each bad input through the real CLI. Every case must
// fail with a message that names the attribute and says how to fix it, and
// leave nothing in the state.
func TestBadInput(t *testing.T) {
	clock := newTestClock()
	now := clock.Now()
	m := newPEMMaterial(t, now)
	_, edKey, _ := externalCA(t, pki.ED25519, now, time.Hour)
	expiredCA, expiredKey, _ := externalCA(t, pki.ECDSAP256, now.Add(-100*time.Hour), 10*time.Hour)
	futureCA, futureKey, _ := externalCA(t, pki.ECDSAP256, now.Add(100*time.Hour), 1000*time.Hour)
	csrPEM := newCSR(t)
	otherIssuer := newPEMMaterial(t, now)

	server := func(body string) string {
		return fmt.Sprintf("resource \"dockertls_server_cert\" \"x\" {\n%s\n}\n", body)
	}
	issuer := fmt.Sprintf("  ca_cert_pem = %s\n  ca_private_key_pem = %s\n", hclString(m.ca), hclString(m.caKey))
	serverWith := func(extra string) string { return server(issuer + "  " + extra) }
	ca := func(body string) string {
		return "resource \"dockertls_ca\" \"x\" {\n  common_name = \"CA\"\n  " + body + "\n}\n"
	}
	clientWith := func(extra string) string {
		return fmt.Sprintf("resource \"dockertls_client_cert\" \"x\" {\n%s  common_name = \"c\"\n  %s\n}\n", issuer, extra)
	}
	daemon := func(body string) string { return "data \"dockertls_daemon_config\" \"x\" {\n  " + body + "\n}\n" }
	clientConfig := func(host string) string {
		return fmt.Sprintf("data \"dockertls_client_config\" \"x\" {\n  host = %q\n  ca_cert_pem = %s\n  client_cert_pem = %s\n  client_key_pem = %s\n}\n",
			host, hclString(m.ca), hclString(m.client), hclString(m.clientKey))
	}
	clientConfigWith := func(extra string) string {
		return strings.Replace(clientConfig("tcp://10.0.0.5:2376"), "\n}\n", "\n  "+extra+"\n}\n", 1)
	}
	buildkitd := func(extra string) string {
		return fmt.Sprintf("data \"dockertls_buildkitd_config\" \"x\" {\n  ca_cert_pem = %s\n  server_cert_pem = %s\n  %s\n}\n", hclString(m.ca), hclString(m.server), extra)
	}
	buildkitClient := func(extra string) string {
		return fmt.Sprintf("data \"dockertls_buildkit_client_config\" \"x\" {\n  host = \"tcp://10.0.0.5:1234\"\n  ca_cert_pem = %s\n  client_cert_pem = %s\n  client_key_pem = %s\n  %s\n}\n",
			hclString(m.ca), hclString(m.client), hclString(m.clientKey), extra)
	}
	registry := func(extra string) string {
		return fmt.Sprintf("data \"dockertls_registry_config\" \"x\" {\n  ca_cert_pem = %s\n  server_cert_pem = %s\n  %s\n}\n", hclString(m.ca), hclString(m.server), extra)
	}
	registryClient := func(name string) string {
		return fmt.Sprintf("data \"dockertls_registry_client_config\" \"x\" {\n  registry = %q\n  ca_cert_pem = %s\n  client_cert_pem = %s\n  client_key_pem = %s\n}\n",
			name, hclString(m.ca), hclString(m.client), hclString(m.clientKey))
	}
	podman := func(extra string) string {
		return fmt.Sprintf("data \"dockertls_podman_config\" \"x\" {\n  ca_cert_pem = %s\n  server_cert_pem = %s\n  %s\n}\n", hclString(m.ca), hclString(m.server), extra)
	}
	podmanClient := func(extra string) string {
		return fmt.Sprintf("data \"dockertls_podman_client_config\" \"x\" {\n  host = \"tcp://10.0.0.5:2376\"\n  ca_cert_pem = %s\n  client_cert_pem = %s\n  client_key_pem = %s\n  %s\n}\n",
			hclString(m.ca), hclString(m.client), hclString(m.clientKey), extra)
	}
	policy := func(roles string) string {
		return fmt.Sprintf("data \"dockertls_authorization_policy\" \"x\" {\n  ca_cert_pem = %s\n  roles = %s\n}\n", hclString(m.ca), roles)
	}
	member := hclString(m.client)
	withCA := func(caPEM, keyPEM, extra string) string {
		return server(fmt.Sprintf("  ca_cert_pem = %s\n  ca_private_key_pem = %s\n  %s", hclString(caPEM), hclString(keyPEM), extra))
	}

	cases := []struct{ name, config, want string }{
		// Types and empty values.
		{"validity of the wrong type", ca(`validity_period_hours = "a year"`), `validity_period_hours.*number is required`},
		{"dns_names of the wrong type", serverWith(`dns_names = "docker1"`), `dns_names.*list of string required`},
		{"include_loopback of the wrong type", serverWith(`include_loopback = "yes please"`), `include_loopback.*bool is required`},
		{"empty common name", "resource \"dockertls_ca\" \"x\" {\n  common_name = \"\"\n}\n", `common_name.*between 1 and 64`},
		{"common name too long", strings.Replace(clientWith(""), `common_name = "c"`, `common_name = "`+strings.Repeat("c", 65)+`"`, 1), `common_name.*between 1 and 64`},
		{"organization too long", ca(`organization = "` + strings.Repeat("o", 65) + `"`), `organization.*between 1 and 64`},
		{"empty CA certificate", withCA("", m.caKey, ""), `ca_cert_pem.*the value is empty: expected a PEM-encoded certificate`},
		{"empty DNS name", serverWith(`dns_names = [""]`), `dns_names\[0\].*the DNS name is empty: remove it`},
		// Addresses.
		{"whitespace-padded IP", serverWith(`ip_addresses = [" 10.0.0.1"]`), `ip_addresses\[0\].*white space: remove it`},
		{"IPv6 zone", serverWith(`ip_addresses = ["fe80::1%eth0"]`), `ip_addresses\[0\].*has a zone.*write "fe80::1"`},
		{"256.1.1.1", serverWith(`ip_addresses = ["256.1.1.1"]`), `ip_addresses\[0\].*"256.1.1.1" is not a valid IPv4 or IPv6 address`},
		{"host name as IP", serverWith(`ip_addresses = ["docker1"]`), `ip_addresses\[0\].*host names belong in dns_names`},
		{"IP as DNS name", serverWith(`dns_names = ["10.0.0.5"]`), `dns_names\[0\].*is an IP address.*list it in ip_addresses`},
		// DNS names.
		{"underscore", serverWith(`dns_names = ["my_host.example.com"]`), `dns_names\[0\].*contains '_': only letters, digits and hyphens`},
		{"space", serverWith(`dns_names = ["my host.example.com"]`), `dns_names\[0\].*contains ' '`},
		{"trailing dot", serverWith(`dns_names = ["docker1.example.com."]`), `dns_names\[0\].*ends with a dot: write it without the trailing dot`},
		{"over-long label", serverWith(`dns_names = ["` + strings.Repeat("a", 64) + `.example.com"]`), `dns_names\[0\].*is 64 characters long: the limit is 63`},
		{"over-long name", serverWith(`dns_names = ["` + strings.Repeat("abcdefgh.", 29) + `com"]`), `dns_names\[0\].*the limit is 253`},
		{"bare wildcard", serverWith(`dns_names = ["*.com"]`), `dns_names\[0\].*a wildcard is allowed only as the whole leftmost label of a name with at least three labels`},
		{"inner wildcard", serverWith(`dns_names = ["a.*.example.com"]`), `dns_names\[0\].*wildcard is allowed only as the whole leftmost label`},
		{"partial wildcard", serverWith(`dns_names = ["web*.example.com"]`), `dns_names\[0\].*wildcard is allowed only`},
		{"duplicate DNS SAN", serverWith(`dns_names = ["a.example.com", "A.example.com"]`), `dns_names\[1\].*names the same thing as dns_names\[0\].*remove the duplicate`},
		{"duplicate IP SAN", serverWith(`ip_addresses = ["::1", "0:0:0:0:0:0:0:1"]`), `ip_addresses\[1\].*remove the duplicate`},
		{"no SAN at all", serverWith(`include_loopback = false`), `needs at least one name.*Add the host's names to dns_names`},
		// Lifetimes.
		{"validity 0", ca(`validity_period_hours = 0`), `validity_period_hours.*between 1 and 876000`},
		{"negative validity", serverWith(`validity_period_hours = -1`), `validity_period_hours.*between 1 and 876000`},
		{"validity over 100 years", ca(`validity_period_hours = 876001`), `validity_period_hours.*between 1 and 876000`},
		// A fraction or an overflow in a whole-number argument is named with
		// the whole numbers around it, not a framework conversion error.
		{"fractional validity", ca(`validity_period_hours = 1.5`), `validity_period_hours is 1.5; it takes a whole number, such as 1 or 2`},
		{"fractional early renewal", serverWith(`early_renewal_hours = 0.25`), `early_renewal_hours is 0.25; it takes a whole number, such as 0 or 1`},
		{"validity beyond int64", ca(`validity_period_hours = 1e30`), `validity_period_hours is 1e\+30, beyond the range of a 64-bit whole number`},
		{"fractional key version", ca(`private_key_pem_wo_version = 2.5`), `private_key_pem_wo_version is 2.5; it takes a whole number, such as 2 or 3`},
		{"fractional rootless uid", daemon("platform = \"rootless\"\n  rootless_user = { name = \"ci\", uid = 1000.5 }"), `rootless_user.uid is 1000.5; it takes a whole number, such as 1000 or 1001`},
		{"negative fractional timeout", fmt.Sprintf("data \"dockertls_endpoint\" \"x\" {\n  host = \"tcp://127.0.0.1:1\"\n  ca_cert_pem = %s\n  timeout_seconds = -0.5\n}\n", hclString(m.ca)), `timeout_seconds is -0.5; it takes a whole number, such as -1 or 0`},
		{"negative early renewal", ca(`early_renewal_hours = -5`), `early_renewal_hours.*at least 0`},
		{"early renewal equal to validity", serverWith("validity_period_hours = 24\n  early_renewal_hours = 24"), `early_renewal_hours is 24 but validity_period_hours is 24.*Set early_renewal_hours below 24`},
		{"early renewal beyond validity", clientWith("validity_period_hours = 24\n  early_renewal_hours = 48"), `early_renewal_hours.*Set early_renewal_hours below 24`},
		{"unknown key algorithm", ca(`key_algorithm = "DSA_1024"`), `key_algorithm.*value must be one of.*"ECDSA_P256"`},
		// PEM inputs.
		{"leaf PEM as the CA", withCA(m.server, m.serverKey, ""), `ca_cert_pem.*is not a CA.*pass the CA certificate, not a server or client certificate`},
		{"CSR as a certificate", withCA(csrPEM, m.caKey, ""), `ca_cert_pem.*found a certificate signing request \(CSR\) where a certificate was expected`},
		{"truncated PEM", withCA(m.ca[:len(m.ca)-40], m.caKey, ""), `ca_cert_pem.*malformed or truncated`},
		{"PEM with trailing garbage", withCA(m.ca+"garbage", m.caKey, ""), `ca_cert_pem.*unexpected text after the PEM block: pass only`},
		{"two certificates in the CA input", withCA(m.ca+m.ca, m.caKey, ""), `ca_cert_pem.*more than one PEM block: pass exactly one certificate, not a bundle`},
		{"private key as the CA certificate", withCA(m.caKey, m.caKey, ""), `ca_cert_pem.*"PRIVATE KEY" where a CERTIFICATE was expected`},
		{"certificate as the CA key", withCA(m.ca, m.ca, ""), `ca_private_key_pem.*"CERTIFICATE" where a private key was expected`},
		{"CA key of another algorithm", withCA(m.ca, edKey, ""), `ca_private_key_pem.*does not belong to the CA certificate: pass the key`},
		{"expired CA", withCA(expiredCA, expiredKey, ""), `ca_cert_pem.*expired at.*renew the CA`},
		{"CA not yet valid", withCA(futureCA, futureKey, ""), `ca_cert_pem.*is not valid until.*check this machine's clock`},
		{"garbage CSR", serverWith(`cert_request_pem = "hello"`), `cert_request_pem.*no PEM block found`},
		// Docker configuration.
		{"tcp host without a port", daemon(`hosts = ["tcp://0.0.0.0"]`), `hosts\[0\].*has no port: add one, as in tcp://0.0.0.0:2376`},
		{"http host", daemon(`hosts = ["http://10.0.0.5:2376"]`), `hosts\[0\].*use tcp://, not http://.*write tcp://10.0.0.5:2376`},
		{"settings_json array", daemon(`settings_json = "[1]"`), `settings_json.*is a JSON array, not an object: write a JSON object`},
		{"settings_json invalid", daemon(`settings_json = "{\"a\":"`), `settings_json.*is not valid JSON.*write a JSON object`},
		{"settings_json owning tlsverify", daemon(`settings_json = jsonencode({ tlsverify = false })`), `settings_json.*sets tlsverify, which this data source writes itself.*remove it from settings_json`},
		{"empty tls_dir", daemon(`tls_dir = ""`), `tls_dir: the value is empty: leave the argument out \(or null\) to take its default`},
		{"empty client cert_dir", clientConfigWith(`cert_dir = ""`), `cert_dir: the value is empty: leave the argument out`},
		{"empty buildkit server_name", buildkitClient("cert_dir = \"/home/ci/.buildkit\"\n  server_name = \"\""), `server_name: the value is empty: leave the argument out`},
		{"empty registry config_yaml", registry(`config_yaml = ""`), `config_yaml: config_yaml is empty: give the rest of the configuration`},
		{"empty buildkitd server_cert_pem", strings.Replace(buildkitd(""), "server_cert_pem = "+hclString(m.server), `server_cert_pem = ""`, 1),
			`server_cert_pem: the value is empty`},
		{"relative tls_dir", daemon(`tls_dir = "certs"`), `tls_dir.*not an absolute path.*write the full path`},
		{"unverified TCP socket", daemon(`tls_verify = false`), `tls_verify.*would let any client.*Set tls_verify = true`},
		{"client host without port", clientConfig("tcp://docker1"), `host.*has no port: add one`},
		{"client host on a unix socket", clientConfig("unix:///var/run/docker.sock"), `host.*is not a tcp:// address: TLS applies only to TCP`},
		{"endpoint timeout 0", fmt.Sprintf("data \"dockertls_endpoint\" \"x\" {\n  host = \"tcp://127.0.0.1:1\"\n  ca_cert_pem = %s\n  timeout_seconds = 0\n}\n", hclString(m.ca)), `timeout_seconds.*between 1 and 120`},
		{"unreachable endpoint", fmt.Sprintf("data \"dockertls_endpoint\" \"x\" {\n  host = \"tcp://127.0.0.1:%d\"\n  ca_cert_pem = %s\n  timeout_seconds = 2\n}\n", freePort(t), hclString(m.ca)), `host.*connecting to 127.0.0.1:[0-9]+.*connection refused`},
		// Trust bundles.
		{"a leaf in the daemon's bundle", daemon(`ca_cert_pem = ` + hclString(m.ca+m.server)), `ca_cert_pem.*block 2: the certificate .* is not a CA`},
		{"garbage in the client's bundle", strings.Replace(clientConfig("tcp://docker1:2376"), "ca_cert_pem = "+hclString(m.ca), "ca_cert_pem = "+hclString(m.ca+"garbage\n"+m.ca), 1), `ca_cert_pem.*block 2: unexpected text`},
		{"a key in the endpoint's bundle", fmt.Sprintf("data \"dockertls_endpoint\" \"x\" {\n  host = \"tcp://127.0.0.1:1\"\n  ca_cert_pem = %s\n}\n", hclString(m.ca+m.caKey)), `ca_cert_pem.*block 2: found a PEM block of type "PRIVATE KEY"`},
		{"a server certificate outside the bundle", daemon(fmt.Sprintf("ca_cert_pem = %s\n  server_cert_pem = %s", hclString(m.ca+m.ca), hclString(m.otherServer))), `server_cert_pem.*is not signed by any of the CAs "External CA", "External CA"`},
		{"a bundle on a leaf's issuer", withCA(m.ca+m.ca, m.caKey, ""), `ca_cert_pem.*more than one PEM block: pass exactly one certificate`},
		{"internationalized name", serverWith(`dns_names = ["bücher.example"]`), `dns_names\[0\].*letters outside ASCII.*write "xn--bcher-kva.example"`},
		{"a leaf among the client issuers", daemon(`client_ca_cert_pem = ` + hclString(m.ca+m.ca+m.client)), `client_ca_cert_pem.*block 3: the certificate .* is not a CA`},
		{"a client certificate outside its issuer", strings.Replace(clientConfig("tcp://docker1:2376"), "client_cert_pem", "client_ca_cert_pem = "+hclString(otherIssuer.ca)+"\n  client_cert_pem", 1),
			`client_cert_pem: the client certificate .* is not signed by the CA "External CA", so the peer rejects it`},
		{"live-restore set twice", daemon(`live_restore = false` + "\n  settings_json = jsonencode({ \"live-restore\" = true })"), `live_restore.*both set daemon.json's live-restore: remove "live-restore" from settings_json`},
		{"permitted range with host bits", ca(`permitted_ip_ranges = ["192.168.1.1/24"]`), `permitted_ip_ranges\[0\].*host bits set: write the network, 192.168.1.0/24`},
		// Names no client connects to, and text a name cannot hold.
		{"the unspecified address as a SAN", serverWith(`ip_addresses = ["0.0.0.0"]`), `ip_addresses\[0\].*the unspecified address.*no client connects to it`},
		{"the IPv6 unspecified address as a SAN", serverWith(`ip_addresses = ["::"]`), `the unspecified address`},
		{"a multicast address as a SAN", serverWith(`ip_addresses = ["224.0.0.1"]`), `a multicast address`},
		{"the broadcast address as a SAN", serverWith(`ip_addresses = ["255.255.255.255"]`), `the broadcast address`},
		{"a common name on two lines", strings.Replace(clientWith(""), `common_name = "c"`, `common_name = "ci\nrunner"`, 1), `common_name.*control character`},
		{"a common name of spaces", strings.Replace(clientWith(""), `common_name = "c"`, `common_name = "   "`, 1), `common_name.*only white space`},
		// Trust that locks everyone out.
		{"only expired client issuers", daemon("client_ca_cert_pem = " + hclString(expiredCA)), `client_ca_cert_pem: no CA in it is valid now.*refuse every client`},
		// What dockerd or the docker CLI would refuse.
		{"both wildcards on one port", daemon(`hosts = ["tcp://0.0.0.0:2376", "tcp://[::]:2376"]`), `(?s)hosts\[0\] "tcp://0.0.0.0:2376" and hosts\[1\] "tcp://\[::\]:2376" are one listener.*address already in use`},
		{"a wildcard and an address on one port", daemon(`hosts = ["tcp://0.0.0.0:2376", "tcp://127.0.0.1:2376"]`), `0.0.0.0:2376 takes port 2376 on every IPv4 address`},
		{"one port written two ways", daemon(`hosts = ["tcp://10.0.0.5:2376", "tcp://10.0.0.5:02376"]`), `the same address and port, 10.0.0.5:2376`},
		{"upper-case scheme", daemon(`hosts = ["TCP://0.0.0.0:2376"]`), `lower case only.*write tcp://0.0.0.0:2376`},
		{"unix socket on windows", daemon("platform = \"windows\"\n  hosts = [\"unix:///var/run/docker.sock\", \"tcp://0.0.0.0:2376\"]"), `listens only on tcp:// and npipe://`},
		{"misspelt daemon.json key", daemon(`settings_json = jsonencode({ "log-levl" = "debug" })`), `(?s)"log-levl" is not a daemon.json key dockerd knows.*Did you mean "log-level"`},
		{"daemon.json key in capitals", daemon(`settings_json = jsonencode({ TLSVERIFY = true })`), `Did you mean "tlsverify"\? This data source writes it itself`},
		{"a dockerd flag as a key", daemon(`settings_json = jsonencode({ "--tlsverify" = true })`), `Did you mean "tlsverify"`},
		{"a second line in dockerd_path", daemon(`dockerd_path = "/usr/bin/dockerd\nExecStartPre=/bin/sh -c 'id'"`), `(?s)dockerd_path.*has white space: it is the program alone.*write /usr/bin/dockerd`},
		{"flags in dockerd_path", daemon(`dockerd_path = "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock"`), `write /usr/bin/dockerd`},
		{"a systemd specifier in daemon_json_path", daemon(`daemon_json_path = "/etc/docker/%i.json"`), `which systemd expands as a specifier`},
		{"socket activation on windows", daemon("platform = \"windows\"\n  socket_activation = true"), `(?s)socket_activation is for platform linux.*Windows has no systemd`},
		{"socket activation on rootless", daemon("platform = \"rootless\"\n  rootless_user = { name = \"ci\", uid = 1001 }\n  socket_activation = true"), `RootlessKit publishes a rootless engine's TCP port`},
		{"socket activation on a host name", daemon("socket_activation = true\n  hosts = [\"tcp://docker1.example.com:2376\"]"), `(?s)hosts = \["tcp://docker1.*ListenStream=\s+takes\s+an\s+IP\s+address,\s+not\s+a\s+name`},
		{"socket activation with no hosts", daemon("socket_activation = true\n  hosts = []"), `systemd refuses a socket unit with none`},
		{"socket activation with daemon.json elsewhere", daemon("socket_activation = true\n  daemon_json_path = \"/srv/daemon.json\""), `(?s)daemon_json_path.*remove daemon_json_path, or set socket_activation = false`},
		{"socket activation with dockerd_path", daemon("socket_activation = true\n  dockerd_path = \"/usr/bin/dockerd\""), `(?s)dockerd_path.*socket_activation does not write`},
		{"a context name the CLI refuses", clientConfigWith(`context_name = "my context/1"`), `context_name "my context/1" is not a name the docker CLI accepts`},
		{"a comma in cert_dir", clientConfigWith(`cert_dir = "/home/ci/.docker/a,b"`), `has a comma or a quote`},
		{"client host in capitals", clientConfig("TCP://10.0.0.5:2376"), `lower case only`},
		// BuildKit builders and registries.
		{"buildkitd listeners that are one", buildkitd(`addresses = ["tcp://0.0.0.0:1234", "tcp://127.0.0.1:1234"]`), `(?s)addresses\[1\].*are one listener for buildkitd`},
		{"buildkitd address without a port", buildkitd(`addresses = ["tcp://0.0.0.0"]`), `add one, as in tcp://0.0.0.0:1234`},
		{"buildkitd unverified", buildkitd(`tls_verify = false`), `(?s)tls_verify.*RUN steps run as root.*insecure_allow_unverified_clients = true`},
		{"buildkitd flags in buildkitd_path", buildkitd(`buildkitd_path = "/usr/local/bin/buildkitd --debug"`), `(?s)buildkitd_path.*write /usr/local/bin/buildkitd`},
		{"buildkitd grpc in extra_toml", buildkitd(`extra_toml = "[grpc]\n  address = [\"tcp://0.0.0.0:1235\"]"`), `(?s)extra_toml.*sets grpc`},
		// Accepted before, then refused or misread by the program that reads it.
		{"buildkitd grpc as an inline table", buildkitd(`extra_toml = "grpc = { address = [\"tcp://0.0.0.0:1235\"] }"`), `(?s)extra_toml.*sets grpc`},
		{"buildkitd extra_toml with a table twice", buildkitd(`extra_toml = "[worker.oci]\n  gc = true\n[worker.oci]\n  gc = false"`), `(?s)extra_toml.*not TOML buildkitd reads.*line 3`},
		{"buildkitd fd:// without a socket unit", buildkitd(`addresses = ["fd://"]`), `(?s)addresses.*fd:// only from a systemd socket unit`},
		{"buildkitd_path a directory", buildkitd(`buildkitd_path = "/usr/local/bin/"`), `(?s)buildkitd_path.*is a directory.*write /usr/local/bin/buildkitd`},
		{"daemon.json path with a trailing slash", daemon(`daemon_json_path = "/etc/docker/"`), `(?s)daemon_json_path.*ends with a slash.*write "/etc/docker"`},
		{"a DEL in tls_dir", daemon(`tls_dir = "/etc/docker/t\u007fls"`), `(?s)tls_dir.*control character`},
		{"tls_dir that is daemon.json", daemon(`tls_dir = "/etc/docker/daemon.json"`), `(?s)a path cannot be both a file and a directory; give daemon_json_path and ca_cert_path distinct places`},
		{"a socket path too long", daemon(`hosts = ["unix:///run/` + strings.Repeat("d", 110) + `"]`), `(?s)the kernel takes at most 107`},
		{"a link-local address", daemon(`hosts = ["tcp://[fe80::1]:2376"]`), `(?s)link-local IPv6 address`},
		{"localhost and 127.0.0.1 on one port", daemon(`hosts = ["tcp://localhost:2376", "tcp://127.0.0.1:2376"]`), `(?s)are one listener`},
		{"seccomp unconfined", daemon(`settings_json = jsonencode({ "seccomp-profile" = "unconfined" })`), `(?s)settings_json.*turns seccomp off for every container`},
		{"registry config_yaml with two storage types", registry("config_yaml = \"version: 0.1\\nstorage: {inmemory: {}, filesystem: {rootdirectory: /srv}}\""), `(?s)config_yaml.*names 2 storage types`},
		{"registry config_yaml with http.net", registry("config_yaml = \"version: 0.1\\nstorage: inmemory\\nhttp: {net: unix}\""), `(?s)config_yaml.*http.net "unix"`},
		{"podman on a unix socket", podman(`address = "unix:///run/podman/podman.sock"`), `(?s)address.*podman serves TLS on TCP only`},
		{"podman socket on a name", podman(`address = "tcp://docker1.example.internal:2376"`), `(?s)address.*ListenStream= takes an IP address, not a name`},
		{"podman server certificate without the address", podman(`address = "tcp://10.0.0.9:2376"`), `(?s)server_cert_pem.*does not name "10.0.0.9"`},
		{"podman_path a directory", podman(`podman_path = "/usr/bin"`), `(?s)podman_path.*is a directory.*write /usr/bin/podman`},
		{"podman client relative cert_dir", podmanClient(`cert_dir = "tls"`), `(?s)cert_dir.*not absolute: podman records the paths as given`},
		{"podman client connection name", podmanClient("cert_dir = \"/c\"\n  connection_name = \"a b\""), `(?s)connection_name.*write a-b\b`},
		{"podman client host not a SAN", strings.Replace(podmanClient("cert_dir = \"/c\"\n  server_cert_pem = "+hclString(m.server)), "10.0.0.5:2376", "10.0.0.6:2376", 1), `(?s)host.*does not name "10.0.0.6".*podman-remote would fail every call`},
		{"podman client without cert_dir", podmanClient(""), `(?s)The argument "cert_dir" is required`},
		{"registry of one label", registryClient(`registry`), `(?s)registry.*one label without a port.*Docker Hub`},
		{"buildx server_name with a comma", buildkitClient("cert_dir = \"/home/ci/.buildkit\"\n  server_name = \"a,key=/tmp/x\""), `(?s)server_name.*a comma`},
		{"buildkitd server certificate without the address", buildkitd(`addresses = ["tcp://10.0.0.9:1234"]`), `(?s)server_cert_pem.*does not name "10.0.0.9"`},
		{"buildkit client relative cert_dir", buildkitClient(`cert_dir = "certs"`), `(?s)cert_dir.*buildx's remote driver refuses relative paths`},
		{"buildkit client servername not a SAN", buildkitClient("cert_dir = \"/home/ci/.buildkit\"\n  server_name = \"buildkitd\"\n  server_cert_pem = " + hclString(m.server)), `(?s)server_name.*does not name "buildkitd".*inactive`},
		{"buildkit client host not a SAN", strings.Replace(buildkitClient("cert_dir = \"/home/ci/.buildkit\"\n  server_cert_pem = "+hclString(m.server)), "10.0.0.5:1234", "10.0.0.6:1234", 1), `(?s)host.*does not name "10.0.0.6"`},
		{"buildkit client builder name", buildkitClient("cert_dir = \"/home/ci/.buildkit\"\n  builder_name = \"1 builder\""), `builder_name "1 builder" is not a name buildx accepts`},
		{"buildkit client host without port", strings.Replace(buildkitClient(`cert_dir = "/home/ci/.buildkit"`), "10.0.0.5:1234", "10.0.0.5", 1), `add one, as in tcp://10.0.0.5:1234`},
		{"registry minimum_tls", registry(`minimum_tls = "tls1.1"`), `(?s)minimum_tls.*one of tls1.2, tls1.3`},
		{"registry address", registry(`address = "5000"`), `(?s)address.*write it as :5000`},
		{"registry certificate without the registry", registry(`registry = "registry.example.internal:5000"`), `(?s)server_cert_pem.*does not name "registry.example.internal"`},
		{"registry client with a scheme", registryClient(`https://docker1.example.internal:5000`), `(?s)registry.*without a scheme or a path: write docker1.example.internal:5000`},
		{"policy role of an unknown base", policy(`{ ci = { base = "root", members = [` + member + `] } }`), `(?s)roles\["ci"\].base.*value must be one of`},
		{"policy role without members", policy(`{ ci = { base = "builder", members = [] } }`), `(?s)roles\["ci"\].members.*at least 1`},
		{"policy member of another issuer", policy(`{ ci = { base = "builder", members = [` + hclString(otherIssuer.client) + `] } }`),
			`(?s)roles\["ci"\].members\[0\]: "docker1.example.internal" is not issued by a CA in ca_cert_pem`},
		{"policy rule that does not compile", policy(`{ ci = { base = "none", members = [` + member + `], allow_rules = ["no_such_rule"] } }`),
			`(?s)roles\["ci"\].allow_rules: OPA's compiler refuses the policy`},
		{"policy rule that breaks out of its body", policy(`{ ci = { base = "none", members = [` + member + `], allow_rules = ["true }\nallow if { true"] } }`),
			`(?s)roles\["ci"\].allow_rules\[0\] is not a Rego rule body`},
		{"policy bind path of the host's root", policy(`{ ci = { base = "builder", members = [` + member + `], bind_paths = ["/"] } }`),
			`(?s)roles\["ci"\].bind_paths\[0\]: "/" is or holds`},
		{"registry client in capitals", registryClient(`Docker1.example.internal:5000`), `write docker1.example.internal:5000`},
		{"registry client relative certs.d", strings.Replace(registryClient(`docker1.example.internal:5000`), "\n}", "\n  docker_certs_dir = \"certs.d\"\n}", 1), `(?s)docker_certs_dir.*not an absolute path`},
		{"registry client server certificate of another name", strings.Replace(registryClient(`registry.example.internal:5000`), "\n}", "\n  server_cert_pem = "+hclString(m.server)+"\n}", 1), `(?s)registry.*does not name "registry.example.internal"`},
		{"registry client with a server certificate as client", strings.Replace(registryClient(`docker1.example.internal:5000`), hclString(m.client), hclString(m.server), 1), `(?s)client_cert_pem.*does not carry the clientAuth`},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	tf := newCLI(t, clock, providerBlock)
	var secrets []*keytrace.Key
	for i, s := range []string{m.caKey, m.serverKey, m.clientKey, edKey, expiredKey, futureKey} {
		secrets = append(secrets, keytrace.MustNew(fmt.Sprint("key ", i), s))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf.t = t
			tf.write(providerBlock + tc.config)
			out, code := tf.run(nil, "apply", "-auto-approve", "-input=false")
			if code == 0 {
				t.Fatalf("apply succeeded:\n%s", out)
			}
			want := regexp.MustCompile(`(?s)` + strings.ReplaceAll(tc.want, " ", `\s+`))
			if !want.MatchString(out) {
				t.Errorf("the error does not match %q:\n%s", tc.want, out)
			}
			if state, err := os.ReadFile(filepath.Join(tf.dir, "terraform.tfstate")); err == nil && strings.Contains(string(state), `"type": "dockertls_`) {
				t.Errorf("a failed apply wrote to the state:\n%s", state)
			}
			// Terraform echoes the configuration's source line in its
			// diagnostics; what must never appear is a key in the provider's
			// own messages.
			assertNoKeyIn(t, "a diagnostic", strings.Join(providerMessages(out), "\n"), secrets)
		})
	}
}

// providerMessages returns the text of each diagnostic after Terraform's
// source excerpt, which is the provider's own wording.
func providerMessages(out string) []string {
	var msgs []string
	for _, block := range strings.Split(out, "Error: ")[1:] {
		lines := strings.Split(block, "\n")
		var own []string
		for _, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), "on ") || strings.Contains(l, " = ") || strings.HasPrefix(strings.TrimSpace(l), "with ") {
				continue
			}
			own = append(own, l)
		}
		msgs = append(msgs, strings.Join(own, "\n"))
	}
	return msgs
}

// newCSR makes a CSR in Go, for inputs that want one.
func newCSR(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	return openssl(t, dir, "x.csr", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", "x.key", "-subj", "/CN=x", "-out", "x.csr")
}
