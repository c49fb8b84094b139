package provider

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/keytrace"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// renderingFleet is a servers' CA that renews on its key, an issuer per
// person, and two hosts whose files are delivered by terraform_data, one
// per file, replaced when the file's digest changes, and a restart per
// host: the layout of examples/rotation/fleet, rendered by the function
// form of dockertls_daemon_config.
const renderingFleet = `
terraform {
  required_providers {
    dockertls = { source = "dockertls/dockertls" }
  }
}

variable "revoked" {
  type    = set(string)
  default = []
}

locals {
  hosts  = toset(["docker1.example.internal", "docker2.example.internal"])
  people = toset(["alice", "bob"])
  names  = toset(["daemon.json", "systemd_dropin", "ca.pem", "server-cert.pem", "server-key.pem"])
  files  = { for pair in setproduct(local.hosts, local.names) : "${pair[0]} ${pair[1]}" => { host = pair[0], name = pair[1] } }
}

resource "dockertls_ca" "servers" {
  common_name           = "Docker servers CA"
  validity_period_hours = 4000
  early_renewal_hours   = 1000
}

resource "dockertls_server_cert" "host" {
  for_each           = local.hosts
  ca_cert_pem        = dockertls_ca.servers.cert_pem
  ca_private_key_pem = dockertls_ca.servers.private_key_pem
  dns_names          = [each.key]
}

resource "dockertls_ca" "person" {
  for_each              = local.people
  common_name           = "Docker client issuer: ${each.key}"
  validity_period_hours = 4200
  early_renewal_hours   = 1100
}

resource "dockertls_client_cert" "person" {
  for_each           = local.people
  ca_cert_pem        = dockertls_ca.person[each.key].cert_pem
  ca_private_key_pem = dockertls_ca.person[each.key].private_key_pem
  common_name        = each.key
}

locals {
  daemon = { for h in local.hosts : h => provider::dockertls::daemon_config({
    ca_cert_pem        = dockertls_ca.servers.cert_pem
    client_ca_cert_pem = join("", [for name, ca in dockertls_ca.person : ca.cert_pem if !contains(var.revoked, name)])
    server_cert_pem    = dockertls_server_cert.host[h].cert_pem
    server_key_pem     = dockertls_server_cert.host[h].private_key_pem
  }) }
}

resource "terraform_data" "host_file" {
  for_each         = local.files
  triggers_replace = [nonsensitive(sha256(coalesce(local.daemon[each.value.host].files[each.value.name].content, local.daemon[each.value.host].files[each.value.name].sensitive_content)))]
}

resource "terraform_data" "restart" {
  for_each         = local.hosts
  triggers_replace = [nonsensitive(local.daemon[each.key].restart_trigger)]
}
`

// TestCLIRenderingFunctionsKnownInPlan drives a two-host fleet through a
// renewal of the servers' CA, a renewal of a person's issuer and a
// revocation, and checks in each saved plan (terraform show -json) that
// exactly the files whose bytes change are replaced and exactly the hosts
// whose restart_trigger changes restart. With the data source, each of
// these plans would replace every file and restart every host: its results
// are unknown at plan time while a resource it reads has pending changes.
//
// The timeline: the servers' CA is due at 3000 h, the issuers at 3100 h,
// the server certificates (clipped to the servers' first CA) at 3280 h.
func TestCLIRenderingFunctionsKnownInPlan(t *testing.T) {
	needsCLI(t, featureFunctions)
	clock := newTestClock()
	tf := newCLI(t, clock, renderingFleet)
	tf.mustRun("apply", "-auto-approve", "-input=false")
	if _, code := tf.run(nil, "plan", "-detailed-exitcode", "-input=false"); code != 0 {
		t.Fatalf("the plan after apply is not empty")
	}
	pemUpdates := map[string]string{}
	for _, h := range []string{"docker1", "docker2"} {
		pemUpdates[`dockertls_server_cert.host["`+h+`.example.internal"]`] = "update"
	}
	hostFile := func(host, name string) string {
		return `terraform_data.host_file["` + host + `.example.internal ` + name + `"]`
	}
	restart := func(host string) string { return `terraform_data.restart["` + host + `.example.internal"]` }
	with := func(base map[string]string, more map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range more {
			out[k] = v
		}
		return out
	}

	steps := []struct {
		name    string
		advance time.Duration
		vars    []string
		want    map[string]string
	}{
		{"the servers' CA renews on its key: no host file, no restart", 3001 * time.Hour, nil,
			with(pemUpdates, map[string]string{"dockertls_ca.servers": "update"})},
		{"a person's issuer renews: every host's ca.pem, every host restarts", 100 * time.Hour, nil,
			map[string]string{
				`dockertls_ca.person["alice"]`: "update", `dockertls_ca.person["bob"]`: "update",
				`dockertls_client_cert.person["alice"]`: "update", `dockertls_client_cert.person["bob"]`: "update",
				hostFile("docker1", "ca.pem"): "delete,create", hostFile("docker2", "ca.pem"): "delete,create",
				restart("docker1"): "delete,create", restart("docker2"): "delete,create",
			}},
		{"bob is revoked: ca.pem and a restart on each host, nothing else", 0, []string{`-var=revoked=["bob"]`},
			map[string]string{
				hostFile("docker1", "ca.pem"): "delete,create", hostFile("docker2", "ca.pem"): "delete,create",
				restart("docker1"): "delete,create", restart("docker2"): "delete,create",
			}},
	}
	for i, step := range steps {
		clock.Advance(step.advance)
		planFile := "step.tfplan"
		args := append([]string{"plan", "-input=false", "-out=" + planFile}, step.vars...)
		out := tf.mustRun(args...)
		if strings.Contains(out, "will no longer be marked as sensitive") {
			t.Errorf("step %d (%s): the plan warns about sensitivity:\n%s", i+1, step.name, out)
		}
		t.Logf("step %d, %s: %s", i+1, step.name, planSummary(out))
		expectActions(t, tf.plannedChanges(planFile), step.want)
		tf.mustRun("apply", "-input=false", planFile)
		args = append([]string{"plan", "-detailed-exitcode", "-input=false"}, step.vars...)
		if out, code := tf.run(nil, args...); code != 0 {
			t.Errorf("step %d (%s): the plan after apply is not empty:\n%s", i+1, step.name, out)
		}
	}
}

// planSummary is the "Plan: ..." line of terraform plan's output.
func planSummary(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "Plan:") {
			return strings.TrimSpace(line)
		}
	}
	return "no changes"
}

// callRendering calls a rendering function with config as Terraform would,
// and returns its result (unknown, or an object) or its error's text.
func callRendering(t *testing.T, f function.Function, config map[string]attr.Value) (types.Object, string) {
	t.Helper()
	ctx := context.Background()
	attrTypes := map[string]attr.Type{}
	for k, v := range config {
		attrTypes[k] = v.Type(ctx)
	}
	var def function.DefinitionResponse
	f.Definition(ctx, function.DefinitionRequest{}, &def)
	resultTypes := def.Definition.Return.(function.ObjectReturn).AttributeTypes
	resp := function.RunResponse{Result: function.NewResultData(types.ObjectUnknown(resultTypes))}
	arg := types.DynamicValue(types.ObjectValueMust(attrTypes, config))
	f.Run(ctx, function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{arg})}, &resp)
	if resp.Error != nil {
		return types.Object{}, resp.Error.Text
	}
	return resp.Result.Value().(types.Object), ""
}

// file is the result's files[name].attr.
func file(t *testing.T, result types.Object, name, attrName string) attr.Value {
	t.Helper()
	files := result.Attributes()["files"].(types.Map)
	f, ok := files.Elements()[name].(types.Object)
	if !ok {
		t.Fatalf("files has no %q: %v", name, files)
	}
	return f.Attributes()[attrName]
}

func TestRenderingFunctionPending(t *testing.T) {
	clock := newTestClock()
	m := newPEMMaterial(t, clock.Now())
	e := &env{clock: clock.Now, rand: rand.Reader, authorities: newAuthorityCache()}
	str := types.StringValue
	daemonArgs := func(overrides map[string]attr.Value) map[string]attr.Value {
		args := map[string]attr.Value{"ca_cert_pem": str(m.ca), "server_cert_pem": str(m.server), "server_key_pem": str(m.serverKey)}
		for k, v := range overrides {
			args[k] = v
		}
		return args
	}
	fn := renderingFunctionNamed(e, "daemon_config")

	known, errText := callRendering(t, fn, daemonArgs(nil))
	if errText != "" || known.IsUnknown() {
		t.Fatalf("with every PEM known: %v %s", known, errText)
	}

	// A CA still to be created: only ca.pem and the aggregates wait for it.
	pending, errText := callRendering(t, fn, daemonArgs(map[string]attr.Value{"ca_cert_pem": types.StringUnknown()}))
	if errText != "" {
		t.Fatal(errText)
	}
	if !file(t, pending, "ca.pem", "content").IsUnknown() {
		t.Error("files[\"ca.pem\"].content is known while ca_cert_pem is not")
	}
	for _, name := range []string{"daemon.json", "systemd_dropin", "server-cert.pem"} {
		if got, want := file(t, pending, name, "content"), file(t, known, name, "content"); !got.Equal(want) {
			t.Errorf("files[%q].content is %v while ca_cert_pem is pending, want %v", name, got, want)
		}
	}
	if !file(t, pending, "ca.pem", "path").Equal(file(t, known, "ca.pem", "path")) {
		t.Error("files[\"ca.pem\"].path is not known while ca_cert_pem is pending")
	}
	for _, name := range []string{"restart_trigger", "cloud_init", "ignition"} {
		if !pending.Attributes()[name].IsUnknown() {
			t.Errorf("%s is known while ca_cert_pem is pending", name)
		}
	}
	for _, name := range []string{"json", "systemd_dropin", "restart_command", "findings"} {
		if !pending.Attributes()[name].Equal(known.Attributes()[name]) {
			t.Errorf("%s changed while ca_cert_pem is pending", name)
		}
	}

	// A pending key is in sensitive_content, and unknown there.
	pending, _ = callRendering(t, fn, daemonArgs(map[string]attr.Value{"server_key_pem": types.StringUnknown()}))
	if !file(t, pending, "server-key.pem", "sensitive_content").IsUnknown() || !file(t, pending, "ca.pem", "content").Equal(file(t, known, "ca.pem", "content")) {
		t.Error("a pending server_key_pem: wrong files")
	}

	// Anything else not known makes everything unknown: every file may
	// depend on it.
	hosts := types.TupleValueMust([]attr.Type{types.StringType}, []attr.Value{types.StringUnknown()})
	if r, errText := callRendering(t, fn, daemonArgs(map[string]attr.Value{"hosts": hosts})); errText != "" || !r.IsUnknown() {
		t.Errorf("with a host not known: %v %s; want an unknown result", r, errText)
	}

	// The client's env does not wait for its PEMs.
	client := renderingFunctionNamed(e, "client_config")
	r, errText := callRendering(t, client, map[string]attr.Value{
		"host": str("tcp://docker1.example.internal:2376"), "ca_cert_pem": str(m.ca),
		"client_cert_pem": types.StringUnknown(), "client_key_pem": types.StringUnknown(),
	})
	if errText != "" {
		t.Fatal(errText)
	}
	if r.Attributes()["env"].IsUnknown() || !file(t, r, "cert.pem", "content").IsUnknown() || file(t, r, "ca.pem", "content").IsUnknown() {
		t.Errorf("client_config with pending client PEMs: %v", r)
	}
}

func TestRenderingFunctionErrors(t *testing.T) {
	clock := newTestClock()
	m := newPEMMaterial(t, clock.Now())
	e := &env{clock: clock.Now, rand: rand.Reader, authorities: newAuthorityCache()}
	str := types.StringValue
	daemon, client := renderingFunctionNamed(e, "daemon_config"), renderingFunctionNamed(e, "client_config")
	list := func(s ...string) attr.Value {
		elems := make([]attr.Value, len(s))
		elemTypes := make([]attr.Type, len(s))
		for i := range s {
			elems[i], elemTypes[i] = str(s[i]), types.StringType
		}
		return types.TupleValueMust(elemTypes, elems)
	}
	user := func(attrs map[string]attr.Value) attr.Value {
		attrTypes := map[string]attr.Type{}
		for k, v := range attrs {
			attrTypes[k] = v.Type(context.Background())
		}
		return types.ObjectValueMust(attrTypes, attrs)
	}
	cases := []struct {
		name   string
		f      function.Function
		config map[string]attr.Value
		want   string
	}{
		{"a misspelt argument", daemon, map[string]attr.Value{"hots": list("tcp://0.0.0.0:2376")}, `config has no argument "hots": did you mean "hosts"?`},
		{"a result given as an argument", daemon, map[string]attr.Value{"restart_trigger": str("x")}, `config has no argument "restart_trigger"`},
		{"a string for a list", daemon, map[string]attr.Value{"hosts": str("tcp://0.0.0.0:2376")}, `hosts: a list is required`},
		{"a number for a string", daemon, map[string]attr.Value{"tls_dir": types.NumberValue(big.NewFloat(1))}, `tls_dir: a string required, not a number`},
		{"an attribute rootless_user lacks", daemon, map[string]attr.Value{"platform": str("rootless"), "rootless_user": user(map[string]attr.Value{"nam": str("ci")})}, `rootless_user has no attribute "nam"`},
		{"a fractional uid", daemon, map[string]attr.Value{"platform": str("rootless"), "rootless_user": user(map[string]attr.Value{"name": str("ci"), "uid": types.NumberValue(big.NewFloat(1000.5))})}, `uid is 1000.5; it takes a whole number`},
		{"an unknown platform", daemon, map[string]attr.Value{"platform": str("linx")}, `platform`},
		{"a validator: overlapping listeners", daemon, map[string]attr.Value{"hosts": list("tcp://0.0.0.0:2376", "tcp://[::]:2376")}, `hosts\[1\]`},
		{"a check: TCP without client verification", daemon, map[string]attr.Value{"tls_verify": types.BoolValue(false)}, `insecure_allow_unverified_clients`},
		{"a check: the key of another certificate", daemon, map[string]attr.Value{"ca_cert_pem": str(m.ca), "server_cert_pem": str(m.server), "server_key_pem": str(m.clientKey)}, `server_key_pem`},
		{"a required argument left out", client, map[string]attr.Value{"ca_cert_pem": str(m.ca), "client_cert_pem": str(m.client), "client_key_pem": str(m.clientKey)}, `The argument "host" is required`},
		{"a client host validator", client, map[string]attr.Value{"host": str("docker1:2376"), "ca_cert_pem": str(m.ca), "client_cert_pem": str(m.client), "client_key_pem": str(m.clientKey)}, `host`},
		{"not an object", daemon, nil, `config: an object is required`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var errText string
			if c.config == nil {
				errText = runWithArg(t, c.f, types.DynamicValue(str("tcp://0.0.0.0:2376")))
			} else {
				_, errText = callRendering(t, c.f, c.config)
			}
			if !regexp.MustCompile(c.want).MatchString(errText) {
				t.Errorf("error %q, want one matching %q", errText, c.want)
			}
			assertNoKeyIn(t, "the error", errText, []*keytrace.Key{keytrace.MustNew("server", m.serverKey), keytrace.MustNew("client", m.clientKey)})
		})
	}
}

// runWithArg calls f with arg itself and returns its error's text.
func runWithArg(t *testing.T, f function.Function, arg attr.Value) string {
	t.Helper()
	ctx := context.Background()
	var def function.DefinitionResponse
	f.Definition(ctx, function.DefinitionRequest{}, &def)
	resp := function.RunResponse{Result: function.NewResultData(types.ObjectUnknown(def.Definition.Return.(function.ObjectReturn).AttributeTypes))}
	f.Run(ctx, function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{arg})}, &resp)
	if resp.Error == nil {
		return ""
	}
	return resp.Error.Text
}

// TestRenderingFunctionValidatorsCovered keeps runValidators complete: every
// argument of the rendering data sources with validators is of a kind it
// runs.
func TestRenderingFunctionValidatorsCovered(t *testing.T) {
	e := &env{clock: pki.SystemClock, rand: rand.Reader, authorities: newAuthorityCache()}
	for _, r := range renderings {
		rf := r.function(e).(renderingFunction)
		for name, a := range rf.schema.Attributes {
			switch a.(type) {
			case schema.StringAttribute, schema.ListAttribute:
				continue
			}
			if validated(a) {
				t.Errorf("%s: %s (%T) has validators that the function does not run", rf.name, name, a)
			}
		}
	}
}

// TestCLIRenderingFunctionsEqualDataSources renders each of the renderings
// both ways, through the real CLI, from the same arguments, and compares
// every result of the function with the data source's.
func TestCLIRenderingFunctionsEqualDataSources(t *testing.T) {
	needsCLI(t, featureFunctions)
	server := map[string]string{
		"ca_cert_pem": "dockertls_ca.ca.cert_pem", "server_cert_pem": "dockertls_server_cert.docker1.cert_pem",
		"server_key_pem": "dockertls_server_cert.docker1.private_key_pem",
	}
	client := func(more map[string]string) map[string]string {
		args := map[string]string{
			"ca_cert_pem": "dockertls_ca.ca.cert_pem", "client_cert_pem": "dockertls_client_cert.ci.cert_pem",
			"client_key_pem": "dockertls_client_cert.ci.private_key_pem", "server_cert_pem": "dockertls_server_cert.docker1.cert_pem",
		}
		maps.Copy(args, more)
		return args
	}
	args := map[string]map[string]string{
		"daemon_config": {
			"hosts":         `["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"]`,
			"settings_json": `jsonencode({ "log-level" = "warn" })`,
			"ca_cert_pem":   server["ca_cert_pem"], "server_cert_pem": server["server_cert_pem"], "server_key_pem": server["server_key_pem"],
		},
		"buildkitd_config": server,
		"registry_config":  server,
		"client_config":    client(map[string]string{"host": `"tcp://docker1.example.internal:2376"`, "cert_dir": `"/home/ci/.docker/docker1"`}),
		"buildkit_client_config": client(map[string]string{"host": `"tcp://docker1.example.internal:1234"`,
			"cert_dir": `"/home/ci/.buildkit/docker1"`}),
		"registry_client_config": client(map[string]string{"registry": `"docker1.example.internal:5000"`}),
		"podman_config":          server,
		"podman_client_config": client(map[string]string{"host": `"tcp://docker1.example.internal:2376"`,
			"cert_dir": `"/home/ci/.config/containers/tls/docker1"`}),
		"authorization_policy": {
			"ca_cert_pem": server["ca_cert_pem"],
			"roles":       `{ ops = { base = "admin", members = [dockertls_client_cert.ci.cert_pem], allow_rules = ["input.Method == \"GET\""] } }`,
		},
	}
	var config strings.Builder
	config.WriteString(`
terraform {
  required_providers {
    dockertls = { source = "dockertls/dockertls" }
  }
}

resource "dockertls_ca" "ca" {
  common_name = "Docker CA"
}

resource "dockertls_server_cert" "docker1" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  dns_names          = ["docker1.example.internal"]
}

resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  common_name        = "ci"
}
`)
	// Each function's results, warnings included: a result dropped from a
	// data source, or added without its function, changes these.
	wantResults := map[string]int{
		"daemon_config": 10, "client_config": 10, "buildkitd_config": 7, "buildkit_client_config": 6,
		"registry_config": 5, "registry_client_config": 7, "authorization_policy": 7,
		"podman_config": 8, "podman_client_config": 5,
	}
	e := &env{clock: pki.SystemClock, rand: rand.Reader, authorities: newAuthorityCache()}
	results := 0
	var functions []string
	for _, r := range renderings {
		f := r.function(e).(renderingFunction)
		a, ok := args[f.name]
		if !ok {
			t.Fatalf("no arguments for %s", f.name)
		}
		if got := len(f.resultTypes()); got != wantResults[f.name] {
			t.Errorf("%s has %d results, want %d", f.name, got, wantResults[f.name])
		}
		results += wantResults[f.name]
		functions = append(functions, "local."+f.name+"_fn")
		names := slices.Sorted(maps.Keys(a))
		fmt.Fprintf(&config, "\nlocals {\n  %s_args = {\n", f.name)
		for _, name := range names {
			fmt.Fprintf(&config, "    %s = %s\n", name, a[name])
		}
		fmt.Fprintf(&config, "  }\n  %[1]s_fn = provider::dockertls::%[1]s(local.%[1]s_args)\n}\n\ndata \"dockertls_%[1]s\" \"x\" {\n", f.name)
		for _, name := range names {
			fmt.Fprintf(&config, "  %s = local.%s_args.%s\n", name, f.name, name)
		}
		fmt.Fprintf(&config, "}\n\noutput \"%[1]s_differs\" {\n  value = nonsensitive([for name in setsubtract(keys(local.%[1]s_fn), [\"warnings\"]) : "+
			"name if local.%[1]s_fn[name] != data.dockertls_%[1]s.x[name]])\n}\n", f.name)
	}
	fmt.Fprintf(&config, "\noutput \"warnings\" {\n  value = nonsensitive(concat(%s))\n}\n", joinWarnings(functions))
	fmt.Fprintf(&config, "\noutput \"compared\" {\n  value = nonsensitive(%s)\n}\n", joinLengths(functions))

	tf := newCLI(t, newTestClock(), config.String())
	tf.mustRun("apply", "-auto-approve", "-input=false")
	if got := strings.TrimSpace(tf.mustRun("output", "-json", "compared")); got != strconv.Itoa(results) {
		t.Errorf("the functions have %s results, want %d", got, results)
	}
	for _, r := range renderings {
		name := r.function(e).(renderingFunction).name + "_differs"
		if got := tf.mustRun("output", "-json", name); strings.TrimSpace(got) != "[]" {
			t.Errorf("output %s = %s, want []", name, got)
		}
	}
	if got := tf.mustRun("output", "-json", "warnings"); strings.TrimSpace(got) != "[]" {
		t.Errorf("output warnings = %s, want []", got)
	}
}

// joinWarnings is the functions' warnings, as concat's arguments.
func joinWarnings(functions []string) string {
	parts := make([]string, len(functions))
	for i, f := range functions {
		parts[i] = f + ".warnings"
	}
	return strings.Join(parts, ", ")
}

// joinLengths is the sum of the functions' numbers of results.
func joinLengths(functions []string) string {
	parts := make([]string, len(functions))
	for i, f := range functions {
		parts[i] = "length(keys(" + f + "))"
	}
	return strings.Join(parts, " + ")
}

// dataSourceFleet is renderingFleet with the data source in place of the
// function: the path for Terraform 1.5 to 1.7.
var dataSourceFleet = strings.NewReplacer(
	`daemon = { for h in local.hosts : h => provider::dockertls::daemon_config({`, `daemon = data.dockertls_daemon_config.host
}

data "dockertls_daemon_config" "host" {
  for_each = local.hosts
`,
	`server_cert_pem    = dockertls_server_cert.host[h].cert_pem`, `server_cert_pem    = dockertls_server_cert.host[each.key].cert_pem`,
	`server_key_pem     = dockertls_server_cert.host[h].private_key_pem
  }) }`, `server_key_pem     = dockertls_server_cert.host[each.key].private_key_pem`,
	`[nonsensitive(local.daemon[each.key].restart_trigger)]`, `[local.daemon[each.key].restart_trigger]`,
).Replace(renderingFleet)

// TestCLIDataSourceRenderingDeferred is the reason for the functions: with
// the data source, a renewal of the servers' CA, which changes no host
// file, plans the replacement of every delivered file and a restart of
// every host, because Terraform reads the data source only during apply.
// The guides quote its plan line.
func TestCLIDataSourceRenderingDeferred(t *testing.T) {
	if !strings.Contains(dataSourceFleet, `data "dockertls_daemon_config" "host"`) || strings.Contains(dataSourceFleet, "provider::") {
		t.Fatalf("dataSourceFleet did not replace the function:\n%s", dataSourceFleet)
	}
	clock := newTestClock()
	tf := newCLI(t, clock, dataSourceFleet)
	tf.mustRun("apply", "-auto-approve", "-input=false")
	clock.Advance(3001 * time.Hour)
	out := tf.mustRun("plan", "-input=false", "-out=step.tfplan")
	t.Logf("the servers' CA renews on its key, with the data source: %s", planSummary(out))
	got := tf.plannedChanges("step.tfplan")
	replaced := 0
	for addr, action := range got {
		if strings.HasPrefix(addr, "terraform_data.") && action == "delete,create" {
			replaced++
		}
	}
	if replaced != 12 { // 5 files and a restart, on each of 2 hosts
		t.Errorf("the data source's plan replaces %d terraform_data, want all 12: %v", replaced, got)
	}
	if want := "Plan: 12 to add, 3 to change, 12 to destroy."; planSummary(out) != want {
		t.Errorf("plan summary %q, want %q (the guides quote it)", planSummary(out), want)
	}
	tf.mustRun("apply", "-input=false", "step.tfplan")
}

// renderingFunctionNamed is the function form of the rendering named name
// (a row of renderings).
func renderingFunctionNamed(e *env, name string) function.Function {
	for _, r := range renderings {
		if f := r.function(e).(renderingFunction); f.name == name {
			return f
		}
	}
	panic("no rendering " + name)
}
