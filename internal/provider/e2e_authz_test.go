package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dockertls/terraform-provider-dockertls/internal/authzplugin"
	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
)

// TestE2EAuthorization: dockerd on the rendered daemon.json of the
// least-privilege example, with an authorization plugin that speaks
// dockerd's protocol and decides as opa-docker-authz does (the rendered
// policy evaluated by OPA on opa-docker-authz's input document; how each
// field is matched is in internal/authzplugin). The docker CLI, over mutual
// TLS, as each role: what it may do succeeds, and every way to the host is
// refused, with the plugin's message; the local socket is root; a name no
// role holds is refused; a revoked client is refused at the handshake.
// OPA's own opa check and opa test pass on the rendered policy.
func TestE2EAuthorization(t *testing.T) {
	forEachLayout(t, testAuthorization)
}

// refusedByPolicy is how the docker CLI reports the plugin's refusal.
const refusedByPolicy = "authorization denied by plugin " + dockerconf.AuthzPluginName + ": " + authzplugin.RefusedMessage

func testAuthorization(t *testing.T, socketActivation bool) {
	dockerd, docker := requireDocker(t)
	dir := e2eDir(t, "dtlsz")
	port := freePort(t)
	ciDir := filepath.Join(dir, "ci")
	if err := os.MkdirAll(ciDir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(ciDir, "hello"), "checked out\n")
	// A link out of the bind path, as a checkout could hold one.
	if err := os.Symlink("/", filepath.Join(ciDir, "root")); err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(filepath.Join("..", "..", "examples", "least-privilege", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	tf := newCLI(t, newTestClock(), "")
	writeFile(t, filepath.Join(tf.dir, "main.tf"), string(example))
	writeFile(t, filepath.Join(tf.dir, "e2e.tf"), authorizationE2E)
	writeFile(t, filepath.Join(tf.dir, "e2e_override.tf"), authorizationOverride(dir, ciDir, port, socketActivation, dockerd))
	tf.mustRun("init", "-input=false")
	out := tf.mustRun("apply", "-auto-approve", "-input=false")
	if !strings.Contains(unwrap(out), "Two issuers behind different roles") {
		t.Errorf("the contractors' issuer beside the staff's, behind another role, does not warn:\n%s", out)
	}
	writeAuthorizationFiles(t, tf, dir)
	if got := outputs(t, tf)["authorization_finding"]; got != "pass" {
		t.Errorf("CIS 2.12 with the policy: %s, want pass", got)
	}
	opaJudges(t, dir)

	// The plugin first, then dockerd: a legacy plugin is found at the
	// first request.
	plugin, err := authzplugin.Serve("/run/docker/plugins/"+dockerconf.AuthzPluginName+".sock", filepath.Join(dir, "authz.rego"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = plugin.Close() })
	var sockets *socketUnit
	if socketActivation {
		sockets = openSocketUnit(t, outputs(t, tf)["systemd_dropin"])
	}
	daemon := startDockerdOn(t, dockerd, dir, filepath.Join(dir, "daemon.json"), sockets)
	local := []string{"DOCKER_HOST=unix://" + filepath.Join(dir, "docker.sock"), "DOCKER_TLS_VERIFY=", "DOCKER_CERT_PATH=", "DOCKER_CONFIG=" + filepath.Join(dir, "dockercfg")}
	waitForDocker(t, docker, local)
	importBusybox(t, docker, local, dir)
	as := func(name string) []string {
		return []string{fmt.Sprintf("DOCKER_HOST=tcp://127.0.0.1:%d", port), "DOCKER_TLS_VERIFY=1", "DOCKER_CERT_PATH=" + filepath.Join(dir, "clients", name),
			"DOCKER_CONFIG=" + filepath.Join(dir, "dockercfg"), "DOCKER_BUILDKIT=0"}
	}
	must := func(who string, env []string, args ...string) string {
		t.Helper()
		out, err := dockerCmd(docker, env, args...)
		if err != nil {
			t.Fatalf("%s: docker %s: %v\n%s", who, strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(out)
	}
	// refusedFor: the plugin's refusal, for the policy's reason.
	refusedFor := func(who string, env []string, reason string, args ...string) {
		t.Helper()
		out, err := dockerCmd(docker, env, args...)
		if err == nil || !strings.Contains(out, refusedByPolicy) {
			t.Errorf("%s: docker %s: %v, want the policy's refusal:\n%s", who, strings.Join(args, " "), err, tail(out, 5))
			return
		}
		why := lastRefusal(plugin, who)
		if !strings.Contains(why, reason) {
			t.Errorf("%s: docker %s: refused for %q, want a reason with %q", who, strings.Join(args, " "), why, reason)
		}
		t.Logf("%s: docker %s: refused (%s)", who, strings.Join(args, " "), why)
	}
	const noRule = "no rule of the role allows it"
	refused := func(who string, env []string, args ...string) { t.Helper(); refusedFor(who, env, noRule, args...) }
	run := func(flags ...string) []string {
		return append(append([]string{"run", "--rm", "--network", "none"}, flags...), busyboxImage, "true")
	}
	runOn := func(network string, flags ...string) []string {
		return append(append([]string{"run", "--rm", "--network", network}, flags...), busyboxImage, "true")
	}

	// What only root may ask is created, not started: this machine cannot
	// start a privileged container, and the decision is the create's.
	privileged := func(who string, env []string, flags ...string) {
		t.Helper()
		id := must(who, env, append(append([]string{"create", "--network", "none", "--privileged"}, flags...), busyboxImage, "true")...)
		must(who, env, "rm", id)
	}

	// The local socket: root, by design.
	privileged("the local socket", local)
	adminBox := must("the local socket", local, "run", "-d", "--network", "none", "-v", "/:/host:ro", busyboxImage, "sleep", "100000")
	t.Cleanup(func() { _, _ = dockerCmd(docker, local, "rm", "-f", adminBox) })

	// The administrator: everything.
	privileged("alice (ops)", as("alice"), "-v", "/:/host")

	// Read-only: inspect, list, logs; nothing that changes the host.
	viewer := as("monitoring")
	must("monitoring (monitor)", viewer, "version")
	must("monitoring (monitor)", viewer, "ps", "-a")
	must("monitoring (monitor)", viewer, "images")
	must("monitoring (monitor)", viewer, "inspect", adminBox)
	must("monitoring (monitor)", viewer, "logs", adminBox)
	refused("monitoring (monitor)", viewer, run()...)
	refused("monitoring (monitor)", viewer, "stop", adminBox)
	refused("monitoring (monitor)", viewer, "volume", "create", "v")

	// The builder: runs containers that cannot reach the host.
	ci := as("ci-runner-1")
	must("ci-runner-1 (ci)", ci, run()...)
	if got := must("ci-runner-1 (ci)", ci, "run", "--rm", "--network", "none", "-v", ciDir+":/src:ro", busyboxImage, "cat", "/src/hello"); got != "checked out" {
		t.Errorf("the builder's read-only bind of its checkout read %q", got)
	}
	must("ci-runner-1 (ci)", ci, "volume", "create", "ci-cache")
	must("ci-runner-1 (ci)", ci, run("-v", "ci-cache:/cache", "--mount", "type=tmpfs,dst=/tmp", "--security-opt", "no-new-privileges", "--cap-drop", "ALL")...)
	ciBox := must("ci-runner-1 (ci)", ci, "run", "-d", "--network", "none", busyboxImage, "sleep", "100000")
	must("ci-runner-1 (ci)", ci, "exec", ciBox, "true")
	must("ci-runner-1 (ci)", ci, "rm", "-f", ciBox)
	buildDir := filepath.Join(dir, "build")
	if err := os.MkdirAll(buildDir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(buildDir, "Dockerfile"), "FROM "+busyboxImage+"\nLABEL built-by=ci\n")
	// A classic build (POST /build) is refused: dockerd reads its
	// parameters from a form body too. Builds go through BuildKit's API.
	refusedFor("ci-runner-1 (ci)", ci, "for the admin only", "build", "-q", "-t", "ci-built:e2e", buildDir)
	ciBox = must("ci-runner-1 (ci)", ci, "run", "-d", "--network", "none", busyboxImage, "sleep", "100000")
	t.Cleanup(func() { _, _ = dockerCmd(docker, local, "rm", "-f", ciBox) })

	// Every way to the host, refused for the builder, each on its own.
	bigLabels := filepath.Join(dir, "labels")
	// A body the plugin is not sent: dockerd 20.10 to 28 send none of
	// 1 MiB or more, and the policy refuses the request for want of it;
	// Engine 29 sends up to 4 MiB and refuses a larger request itself
	// ("request body too large for authorization plugin").
	var labels strings.Builder
	for i := range 4500 {
		fmt.Fprintf(&labels, "dockertls.padding.%d=%s\n", i, strings.Repeat("x", 1000))
	}
	writeFile(t, bigLabels, labels.String())
	for _, escape := range []struct {
		reason string
		args   []string
	}{
		{"--privileged is not allowed", run("--privileged")},
		{"the bind mount /:/host is not allowed", run("-v", "/:/host")},
		{`the mount {"Source": "/"`, run("--mount", "type=bind,src=/,dst=/host")},
		{"the bind mount /var/run/docker.sock:/var/run/docker.sock is not allowed", run("-v", "/var/run/docker.sock:/var/run/docker.sock")},
		{"the bind mount " + ciDir + ":/src is not allowed", run("-v", ciDir+":/src")}, // writable, under the bind path
		{"resolves to /, which is not allowed", run("-v", ciDir+"/root:/host:ro")},     // a link to / under the bind path
		{"resolves to /etc, which is not allowed", run("-v", ciDir+"/../../../../etc:/e:ro")},
		{`"device": "/", "o": "bind"`, run("--mount", "type=volume,dst=/host,volume-driver=local,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/")},
		{"a volume of another driver than local, or with driver options", []string{"volume", "create", "-o", "type=none", "-o", "o=bind", "-o", "device=/", "host-root"}},
		{"--volumes-from", run("--volumes-from", adminBox)},
		{"--cap-add is not allowed", run("--cap-add", "SYS_ADMIN")},
		{"--device is not allowed", run("--device", "/dev/null:/dev/host-null")},
		{"--device-cgroup-rule is not allowed", run("--device-cgroup-rule", "b *:* rwm")},
		{"--gpus is not allowed", run("--gpus", "all")},
		{"networkmode host is not allowed", runOn("host")},
		{"networkmode container:", runOn("container:" + adminBox)},
		{"pidmode host is not allowed", run("--pid", "host")},
		{"pidmode container:", run("--pid", "container:"+adminBox)},
		{"ipcmode host is not allowed", run("--ipc", "host")},
		{"utsmode host is not allowed", run("--uts", "host")},
		{"usernsmode host is not allowed", run("--userns", "host")},
		{"cgroupnsmode host is not allowed", run("--cgroupns", "host")},
		{"the security option seccomp=unconfined is not allowed", run("--security-opt", "seccomp=unconfined")},
		{"the security option apparmor=unconfined is not allowed", run("--security-opt", "apparmor=unconfined")},
		{"the security option label=disable is not allowed", run("--security-opt", "label=disable")},
		{"masked paths (--security-opt systempaths=unconfined) is not allowed", run("--security-opt", "systempaths=unconfined")},
		{"the runtime unsafe is not allowed", run("--runtime", "unsafe")},
		{"--cgroup-parent is not allowed", run("--cgroup-parent", "/")},
		{"the log driver syslog is not allowed", run("--log-driver", "syslog", "--log-opt", "syslog-address=unix:///dev/log")},
		{"exec with --privileged is not allowed", []string{"exec", "--privileged", ciBox, "true"}},
		{"for the admin only", []string{"build", "-q", "--network", "host", "-t", "ci-host:e2e", buildDir}},
		{"a network other than a bridge", []string{"network", "create", "-d", "macvlan", "-o", "parent=lo", "ci-macvlan"}},
		{noRule, []string{"plugin", "install", "--grant-all-permissions", "example/plugin"}}, // not a builder's
	} {
		refusedFor("ci-runner-1 (ci)", ci, escape.reason, escape.args...)
	}

	if out, err := dockerCmd(docker, ci, run("--label-file", bigLabels)...); err == nil ||
		!strings.Contains(out, refusedByPolicy) && !strings.Contains(out, "request body too large for authorization plugin") {
		t.Errorf("ci-runner-1 (ci): a create whose body the plugin is not sent: %v, want a refusal:\n%s", err, tail(out, 5))
	} else {
		t.Logf("ci-runner-1 (ci): a create of 4.5 MiB: refused (%s)", strings.SplitN(strings.TrimSpace(out), "\n", 2)[0])
	}

	// A name no role holds, from the trusted CA: refused by the policy.
	refused("stranger", as("stranger"), "version")

	// Revocation by issuer: the contractor is refused at the handshake,
	// before any policy, after the rendered restart; the others are not.
	must("contractor-1 (ci)", as("contractor-1"), run()...)
	tf.mustRun("apply", "-auto-approve", "-input=false", "-var=revoked=true")
	writeAuthorizationFiles(t, tf, dir)
	daemon.stop()
	daemon.start()
	waitForDocker(t, docker, as("alice"))
	if out, err := dockerCmd(docker, as("contractor-1"), "version"); err == nil || !refusedCertificate(out) {
		t.Errorf("the revoked contractor: %v, want a refusal at the handshake:\n%s", err, tail(out, 5))
	}
	must("monitoring (monitor)", viewer, "ps")
	refused("monitoring (monitor)", viewer, run()...)
	must("ci-runner-1 (ci)", ci, run()...)
}

// lastRefusal is the policy's reasons for who's last refused request.
func lastRefusal(p *authzplugin.Plugin, who string) string {
	name, _, _ := strings.Cut(who, " ")
	records := p.Records()
	for i := len(records) - 1; i >= 0; i-- {
		r := records[i]
		if r.User == name && !r.Decision.Allow {
			reasons := strings.Join(r.Decision.Refusals, "; ")
			if reasons == "" {
				reasons = "no rule of the role allows it"
			}
			return fmt.Sprintf("%s %s: %s", r.Method, r.URI, reasons)
		}
	}
	return "no refused request recorded"
}

// opaJudges runs OPA's own opa check and opa test on the rendered policy
// and its tests.
func opaJudges(t *testing.T, dir string) {
	t.Helper()
	opa := os.Getenv("DOCKERTLS_OPA")
	if opa == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("DOCKERTLS_OPA is not set: make test builds opa (scripts/install-tool.sh) and sets it")
		}
		t.Log("SKIP (loudly): opa check and opa test did not run: DOCKERTLS_OPA is not set. Run make test, which builds opa once.")
		return
	}
	policies := filepath.Join(dir, "opa")
	for _, args := range [][]string{
		{"check", "--strict", filepath.Join(policies, "authz.rego"), filepath.Join(policies, "authz_test.rego")},
		{"test", "--verbose", policies},
	} {
		out, err := exec.Command(opa, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("opa %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		t.Logf("opa %s: %s", args[0], tail(strings.TrimSpace(string(out)), 3))
	}
}

// writeAuthorizationFiles writes what the example renders where this test
// keeps it: the policy (and a copy with its tests for opa), the daemon's
// files, and each client's.
func writeAuthorizationFiles(t *testing.T, tf *cli, dir string) {
	t.Helper()
	var o struct {
		PolicyFiles struct{ Value map[string]renderedFile } `json:"policy_files"`
		DaemonFiles struct{ Value map[string]renderedFile } `json:"daemon_files"`
		ClientFiles struct {
			Value map[string]map[string]renderedFile
		} `json:"client_files"`
		E2EClientFiles struct {
			Value map[string]map[string]renderedFile
		} `json:"e2e_client_files"`
		PolicyTests struct{ Value string } `json:"policy_tests"`
	}
	if err := json.Unmarshal([]byte(tf.mustRun("output", "-json")), &o); err != nil {
		t.Fatal(err)
	}
	policy := o.PolicyFiles.Value["authz.rego"]
	policy.write(t, policy.Path)
	policy.write(t, filepath.Join(dir, "opa", "authz.rego"))
	writeFile(t, filepath.Join(dir, "opa", "authz_test.rego"), o.PolicyTests.Value)
	for name, f := range o.DaemonFiles.Value {
		if name == dockerconf.DaemonJSONName {
			f.write(t, filepath.Join(dir, "daemon.json"))
		} else if strings.HasSuffix(name, ".pem") {
			f.write(t, f.Path)
		}
	}
	for _, clients := range []map[string]map[string]renderedFile{o.ClientFiles.Value, o.E2EClientFiles.Value} {
		for client, files := range clients {
			for name, f := range files {
				f.write(t, filepath.Join(dir, "clients", client, name))
			}
		}
	}
}

// write writes f to path with its mode.
func (f renderedFile) write(t *testing.T, path string) {
	t.Helper()
	content := f.content()
	if content == nil {
		t.Fatalf("%s: no content", f.Path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var mode os.FileMode = 0o644
	if _, err := fmt.Sscanf(f.Mode, "%o", &mode); err != nil {
		t.Fatalf("%s: mode %q", f.Path, f.Mode)
	}
	_ = os.Remove(path)
	if err := os.WriteFile(path, []byte(*content), mode); err != nil {
		t.Fatal(err)
	}
}

// authorizationE2E is what the test adds to the example: a contractors'
// issuer the daemon trusts until it is revoked, a contractor in the ci
// role, a client no role holds, and the outputs the test reads.
const authorizationE2E = `
variable "revoked" {
  type    = bool
  default = false
}

resource "dockertls_ca" "contractors" {
  common_name = "Docker clients: contractors"
}

resource "dockertls_client_cert" "contractor" {
  ca_cert_pem        = dockertls_ca.contractors.cert_pem
  ca_private_key_pem = dockertls_ca.contractors.private_key_pem
  common_name        = "contractor-1"
}

resource "dockertls_client_cert" "stranger" {
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem
  common_name        = "stranger"
}

locals {
  client_trust = var.revoked ? dockertls_ca.docker.cert_pem : "${dockertls_ca.docker.cert_pem}${dockertls_ca.contractors.cert_pem}"
  e2e_clients  = { "contractor-1" = dockertls_client_cert.contractor, stranger = dockertls_client_cert.stranger }
}

data "dockertls_client_config" "e2e" {
  for_each           = local.e2e_clients
  host               = data.dockertls_client_config.client["alice"].host
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  client_ca_cert_pem = each.key == "contractor-1" ? dockertls_ca.contractors.cert_pem : null
  client_cert_pem = each.value.cert_pem
  client_key_pem  = each.value.private_key_pem
}

output "e2e_client_files" {
  value     = { for name, c in data.dockertls_client_config.e2e : name => c.files }
  sensitive = true
}

output "systemd_dropin" {
  value = data.dockertls_daemon_config.docker1.systemd_dropin
}
`

// authorizationOverride points the example at this test's dockerd: its
// sockets, its folder, a legacy plugin (the test's) reading the policy
// here, the builder's bind path, and the contractors in the client trust.
func authorizationOverride(dir, ciDir string, port int, socketActivation bool, dockerd string) string {
	layout := fmt.Sprintf("daemon_json_path = %q\n  dockerd_path = %q", dir+"/daemon.json", dockerd)
	if socketActivation {
		layout = "socket_activation = true"
	}
	return fmt.Sprintf(`
resource "dockertls_server_cert" "docker1" {
  ip_addresses = ["127.0.0.1"]
}

data "dockertls_authorization_policy" "docker1" {
  client_ca_cert_pem = local.client_trust
  plugin             = "legacy"
  policy_path        = "%[1]s/authz.rego"
  roles = {
    ops     = { base = "admin", members = [dockertls_client_cert.client["alice"].cert_pem] }
    monitor = { base = "read_only", members = [dockertls_client_cert.client["monitoring"].cert_pem] }
    ci = {
      base       = "builder"
      # A revoked issuer's members leave the policy with it.
      members    = concat([dockertls_client_cert.client["ci-runner-1"].cert_pem], var.revoked ? [] : [dockertls_client_cert.contractor.cert_pem])
      bind_paths = ["%[2]s"]
    }
  }
}

data "dockertls_daemon_config" "docker1" {
  hosts              = ["unix://%[1]s/docker.sock", "tcp://127.0.0.1:%[3]d"]
  tls_dir            = "%[1]s/tls"
  client_ca_cert_pem = local.client_trust
  %[4]s
}

data "dockertls_client_config" "client" {
  host = "tcp://127.0.0.1:%[3]d"
}
`, dir, ciDir, port, layout)
}
