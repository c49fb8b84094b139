package provider

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dockertls/terraform-provider-dockertls/internal/keytrace"
)

// sensitivityConfig renders every rendering data source and function with
// private keys given, on every platform (dockertls_endpoint renders
// nothing: it connects, and its key argument is sensitive).
const sensitivityConfig = providerBlock + `
resource "dockertls_ca" "ca" { common_name = "CA" }
resource "dockertls_ca" "team" { common_name = "Team" }
resource "dockertls_server_cert" "s" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  dns_names          = ["docker1.example.internal", "registry.example.internal"]
  ip_addresses       = ["192.0.2.10"]
}
resource "dockertls_client_cert" "c" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  common_name        = "ci"
}
locals {
  server = {
    ca_cert_pem     = dockertls_ca.ca.cert_pem
    server_cert_pem = dockertls_server_cert.s.cert_pem
    server_key_pem  = dockertls_server_cert.s.private_key_pem
  }
  client = {
    ca_cert_pem     = dockertls_ca.ca.cert_pem
    client_cert_pem = dockertls_client_cert.c.cert_pem
    client_key_pem  = dockertls_client_cert.c.private_key_pem
  }
  args = {
    daemon_config = merge(local.server, { hosts = ["unix:///var/run/docker.sock", "tcp://192.0.2.10:2376"] })
    daemon_config_socket = merge(local.server, { hosts = ["tcp://192.0.2.10:2376"], socket_activation = true })
    daemon_config_rootless = merge(local.server, { platform = "rootless", hosts = ["tcp://192.0.2.10:2376"],
      rootless_user = { name = "ci", uid = 1000, home = "/home/ci" } })
    daemon_config_windows = merge(local.server, { platform = "windows", hosts = ["tcp://192.0.2.10:2376"] })
    client_config = merge(local.client, { host = "tcp://docker1.example.internal:2376", cert_dir = "/home/ci/.docker/docker1" })
    buildkitd_config = merge(local.server, { addresses = ["tcp://192.0.2.10:1234"] })
    buildkit_client_config = merge(local.client, { host = "tcp://docker1.example.internal:1234", cert_dir = "/home/ci/.buildkit/b1" })
    registry_config = merge(local.server, { registry = "registry.example.internal:5000",
      config_yaml = "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/registry\n" })
    registry_client_config = merge(local.client, { registry = "registry.example.internal:5000" })
    podman_config = merge(local.server, { address = "tcp://192.0.2.10:2376" })
    podman_client_config = merge(local.client, { host = "tcp://docker1.example.internal:2376", cert_dir = "/home/ci/.config/containers/tls/p1" })
    authorization_policy = { ca_cert_pem = local.client.ca_cert_pem, plugin = "legacy",
      roles = { ci = { base = "builder", members = [local.client.client_cert_pem], bind_paths = ["/srv/ci"] } } }
  }
}
data "dockertls_daemon_config" "d" {
  for_each          = { for k, v in local.args : k => v if startswith(k, "daemon_config") }
  platform          = try(each.value.platform, null)
  rootless_user     = try(each.value.rootless_user, null)
  hosts             = each.value.hosts
  socket_activation = try(each.value.socket_activation, null)
  ca_cert_pem       = each.value.ca_cert_pem
  server_cert_pem   = each.value.server_cert_pem
  server_key_pem    = each.value.server_key_pem
}
data "dockertls_client_config" "c" {
  host            = local.args.client_config.host
  cert_dir        = local.args.client_config.cert_dir
  ca_cert_pem     = local.client.ca_cert_pem
  client_cert_pem = local.client.client_cert_pem
  client_key_pem  = local.client.client_key_pem
}
data "dockertls_buildkitd_config" "b" {
  addresses       = local.args.buildkitd_config.addresses
  ca_cert_pem     = local.server.ca_cert_pem
  server_cert_pem = local.server.server_cert_pem
  server_key_pem  = local.server.server_key_pem
}
data "dockertls_buildkit_client_config" "b" {
  host            = local.args.buildkit_client_config.host
  cert_dir        = local.args.buildkit_client_config.cert_dir
  ca_cert_pem     = local.client.ca_cert_pem
  client_cert_pem = local.client.client_cert_pem
  client_key_pem  = local.client.client_key_pem
}
data "dockertls_registry_config" "r" {
  registry        = local.args.registry_config.registry
  config_yaml     = local.args.registry_config.config_yaml
  ca_cert_pem     = local.server.ca_cert_pem
  server_cert_pem = local.server.server_cert_pem
  server_key_pem  = local.server.server_key_pem
}
data "dockertls_registry_client_config" "r" {
  registry        = local.args.registry_client_config.registry
  ca_cert_pem     = local.client.ca_cert_pem
  client_cert_pem = local.client.client_cert_pem
  client_key_pem  = local.client.client_key_pem
}
data "dockertls_podman_config" "p" {
  address         = local.args.podman_config.address
  ca_cert_pem     = local.server.ca_cert_pem
  server_cert_pem = local.server.server_cert_pem
  server_key_pem  = local.server.server_key_pem
}
data "dockertls_podman_client_config" "p" {
  host            = local.args.podman_client_config.host
  cert_dir        = local.args.podman_client_config.cert_dir
  ca_cert_pem     = local.client.ca_cert_pem
  client_cert_pem = local.client.client_cert_pem
  client_key_pem  = local.client.client_key_pem
}
data "dockertls_authorization_policy" "a" {
  plugin      = local.args.authorization_policy.plugin
  ca_cert_pem = local.args.authorization_policy.ca_cert_pem
  roles       = local.args.authorization_policy.roles
}
`

// sensitivityFunctions are the rendering functions' outputs, by the data
// source whose schema (and sensitivity) each result shares.
const sensitivityFunctions = `
output "fn_daemon_config" {
  value     = { for k, v in local.args : k => provider::dockertls::daemon_config(v) if startswith(k, "daemon_config") }
  sensitive = true
}
output "fn_client_config" {
  value     = { x = provider::dockertls::client_config(local.args.client_config) }
  sensitive = true
}
output "fn_buildkitd_config" {
  value     = { x = provider::dockertls::buildkitd_config(local.args.buildkitd_config) }
  sensitive = true
}
output "fn_buildkit_client_config" {
  value     = { x = provider::dockertls::buildkit_client_config(local.args.buildkit_client_config) }
  sensitive = true
}
output "fn_registry_config" {
  value     = { x = provider::dockertls::registry_config(local.args.registry_config) }
  sensitive = true
}
output "fn_registry_client_config" {
  value     = { x = provider::dockertls::registry_client_config(local.args.registry_client_config) }
  sensitive = true
}
output "fn_podman_config" {
  value     = { x = provider::dockertls::podman_config(local.args.podman_config) }
  sensitive = true
}
output "fn_podman_client_config" {
  value     = { x = provider::dockertls::podman_client_config(local.args.podman_client_config) }
  sensitive = true
}
output "fn_authorization_policy" {
  value     = { x = provider::dockertls::authorization_policy(local.args.authorization_policy) }
  sensitive = true
}
`

// TestNoKeyOutsideSensitiveAttributes renders every data source and every
// rendering function with private keys, the provider running as the real
// binary at TRACE, and proves the rule users rely on when they write an
// output without sensitive = true: a private key's secret bytes are only
// ever in an attribute the schema marks sensitive. It walks every
// attribute of the state (resources and data sources) and of each
// function's result (by its data source's schema) and looks for any
// window of the keys' random bytes (keytrace: PEM, base64 of a file, data
// URLs, hexadecimal), then reads the whole provider log and every
// diagnostic of a run that quotes a key (an import ID, a key given as a
// certificate) for the same.
func TestNoKeyOutsideSensitiveAttributes(t *testing.T) {
	config := sensitivityConfig
	functions := cliHas(t, featureFunctions)
	if functions {
		config += sensitivityFunctions
	} else {
		t.Log("this CLI has no provider functions: the data sources alone are walked")
	}
	tf := newBinaryCLI(t, config)
	logPath := filepath.Join(t.TempDir(), "provider.log")
	traceEnv := []string{"TF_LOG_PROVIDER=TRACE", "TF_LOG_PATH=" + logPath}
	if out, code := tf.run(traceEnv, "apply", "-auto-approve", "-input=false"); code != 0 {
		t.Fatalf("apply: %s", out)
	}
	schemas := providerSchemas(t, tf)
	var state showState
	if err := json.Unmarshal([]byte(tf.mustRun("show", "-json")), &state); err != nil {
		t.Fatal(err)
	}
	keys := stateKeys(t, state)

	walked := map[string]int{}
	for _, r := range state.Values.RootModule.Resources {
		kind := "resource_schemas"
		if r.Mode == "data" {
			kind = "data_source_schemas"
		}
		s, ok := schemas[kind][r.Type]
		if !ok {
			t.Fatalf("no schema for %s", r.Type)
		}
		walked[r.Type] += walkUnmarked(t, r.Address, r.Values, s.Block.Attributes, keys)
	}
	if functions {
		for name, out := range state.Values.Outputs {
			ds := "dockertls_" + strings.TrimPrefix(name, "fn_")
			s, ok := schemas["data_source_schemas"][ds]
			if !ok {
				t.Fatalf("output %s: no data source %s", name, ds)
			}
			attrs := maps.Clone(s.Block.Attributes)
			attrs[warningsResult] = schemaAttribute{} // the function's own result
			results, _ := out.Value.(map[string]any)
			for k, v := range results {
				walked["function "+ds] += walkUnmarked(t, name+"."+k, v, attrs, keys)
			}
		}
	}
	for _, ds := range []string{"dockertls_daemon_config", "dockertls_client_config", "dockertls_buildkitd_config",
		"dockertls_buildkit_client_config", "dockertls_registry_config", "dockertls_registry_client_config",
		"dockertls_authorization_policy", "dockertls_podman_config", "dockertls_podman_client_config"} {
		if walked[ds] < 3 || functions && walked["function "+ds] < 3 {
			t.Errorf("%s: too few attributes walked (%d, functions %d)", ds, walked[ds], walked["function "+ds])
		}
	}
	// A key given where it does not belong, and as an import ID: the
	// messages name the argument and never quote the key.
	misplaced := strings.Replace(config, "server_cert_pem = dockertls_server_cert.s.cert_pem", "server_cert_pem = dockertls_server_cert.s.private_key_pem", 1)
	tf.write(misplaced)
	out, code := tf.run(traceEnv, "plan", "-input=false")
	if code == 0 || !strings.Contains(out, "server_cert_pem") {
		t.Errorf("a key as server_cert_pem: plan exited %d\n%s", code, out)
	}
	assertNoKeyIn(t, "the plan's diagnostics", strings.Join(providerMessages(out), "\n"), keys)
	tf.write(config + `
resource "dockertls_client_cert" "x" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  common_name        = "x"
}
`)
	clientKey := state.resource("dockertls_client_cert.c").Values.(map[string]any)["private_key_pem"].(string)
	out, code = tf.run(traceEnv, "import", "-input=false", "dockertls_client_cert.x", clientKey)
	if code == 0 || !strings.Contains(out, "cannot be imported") {
		t.Errorf("import with a key as the ID exited %d\n%s", code, out)
	}
	if strings.Contains(out, "BEGIN PRIVATE KEY") {
		t.Log("Terraform itself echoes an import ID (\"Importing from ID\"); the provider's messages are checked")
	}
	assertNoKeyIn(t, "the import's diagnostics", strings.Join(providerMessages(out), "\n"), keys)

	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	log := string(raw)
	if !strings.Contains(log, "[TRACE] provider.terraform-provider-dockertls") || !strings.Contains(log, "ReadDataSource") {
		t.Fatalf("the provider's TRACE log is missing or has no data source read (%d bytes)", len(raw))
	}
	assertNoKeyIn(t, "the provider's TRACE log", log, keys)
}

// showState is what this test reads of `terraform show -json`.
type showState struct {
	Values struct {
		Outputs    map[string]struct{ Value any } `json:"outputs"`
		RootModule struct {
			Resources []struct {
				Address, Mode, Type string
				Values              any
			} `json:"resources"`
		} `json:"root_module"`
	} `json:"values"`
}

func (s showState) resource(addr string) struct {
	Address, Mode, Type string
	Values              any
} {
	for _, r := range s.Values.RootModule.Resources {
		if r.Address == addr {
			return r
		}
	}
	return struct {
		Address, Mode, Type string
		Values              any
	}{}
}

// stateKeys are the traces of every private key in the state.
func stateKeys(t *testing.T, s showState) []*keytrace.Key {
	t.Helper()
	var keys []*keytrace.Key
	for _, r := range s.Values.RootModule.Resources {
		if pemKey, ok := r.Values.(map[string]any)["private_key_pem"].(string); ok && pemKey != "" {
			keys = append(keys, keytrace.MustNew(r.Address, pemKey))
		}
	}
	if len(keys) < 4 {
		t.Fatalf("only %d keys in the state", len(keys))
	}
	return keys
}

// schemaAttribute is one attribute of `terraform providers schema -json`.
type schemaAttribute struct {
	Sensitive  bool `json:"sensitive"`
	NestedType *struct {
		Attributes map[string]schemaAttribute `json:"attributes"`
	} `json:"nested_type"`
}

type providerSchema struct {
	Block struct {
		Attributes map[string]schemaAttribute `json:"attributes"`
	} `json:"block"`
}

// providerSchemas are the dockertls schemas by kind (resource_schemas,
// data_source_schemas) and type.
func providerSchemas(t *testing.T, tf *cli) map[string]map[string]providerSchema {
	t.Helper()
	var all struct {
		Schemas map[string]map[string]json.RawMessage `json:"provider_schemas"`
	}
	if err := json.Unmarshal([]byte(tf.mustRun("providers", "schema", "-json")), &all); err != nil {
		t.Fatal(err)
	}
	for addr, kinds := range all.Schemas {
		if !strings.HasSuffix(addr, "dockertls/dockertls") {
			continue
		}
		out := map[string]map[string]providerSchema{}
		for _, kind := range []string{"resource_schemas", "data_source_schemas"} {
			var m map[string]providerSchema
			if err := json.Unmarshal(kinds[kind], &m); err != nil {
				t.Fatal(err)
			}
			out[kind] = m
		}
		return out
	}
	t.Fatal("no dockertls schema")
	return nil
}

// walkUnmarked fails the test for every attribute of value, at address,
// that the schema does not mark sensitive and that holds a key's secret.
// Nested attributes are walked by their own marks; a sensitive attribute
// is not looked into. It returns how many attributes it looked at.
func walkUnmarked(t *testing.T, address string, value any, attrs map[string]schemaAttribute, keys []*keytrace.Key) int {
	t.Helper()
	obj, ok := value.(map[string]any)
	if !ok {
		return 0
	}
	names := make([]string, 0, len(obj))
	for name := range obj {
		names = append(names, name)
	}
	sort.Strings(names)
	n := 0
	for _, name := range names {
		a, known := attrs[name]
		if !known {
			t.Errorf("%s.%s is not in the schema", address, name)
			continue
		}
		if a.Sensitive {
			continue
		}
		n++
		at := address + "." + name
		if a.NestedType != nil {
			for _, elem := range elements(obj[name]) {
				n += walkUnmarked(t, at, elem, a.NestedType.Attributes, keys)
			}
			continue
		}
		text, _ := json.Marshal(obj[name])
		assertNoKeyIn(t, at, string(text), keys)
	}
	return n
}

// elements are a nested attribute's objects: the value itself (single), or
// those of its map or list.
func elements(v any) []any {
	switch x := v.(type) {
	case []any:
		return x
	case map[string]any:
		var out []any
		for _, e := range x {
			if _, nested := e.(map[string]any); !nested {
				return []any{x}
			}
			out = append(out, e)
		}
		return out
	}
	return nil
}

func assertNoKeyIn(t *testing.T, where, text string, keys []*keytrace.Key) {
	t.Helper()
	if found := keytrace.Find(text, keys...); len(found) > 0 {
		t.Errorf("%s holds the private key of %s", where, strings.Join(found, ", "))
	}
}

// cliHas reports whether the CLI under test has feature f.
func cliHas(t *testing.T, f cliFeature) bool {
	t.Helper()
	return underTest(t).atLeast(f.major, f.minor)
}
