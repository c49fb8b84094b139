package provider

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestE2ERevokeOneClient applies examples/rotation/revoke-one-client to a
// real dockerd with a running container: three clients (alice and bob with
// issuers of their own, carol from the ops team's issuer) reach it; then bob
// is revoked in one apply. After dockerd's restart the docker CLI refuses
// bob and admits the others, the container keeps its PID, nothing but the
// daemon's client trust and restart trigger changed, the others' API calls
// failed only during the restart, and dockertls_endpoint's client_accepted
// says so against the live daemon.
func TestE2ERevokeOneClient(t *testing.T) {
	forEachLayout(t, testRevokeOneClient)
}

func testRevokeOneClient(t *testing.T, socketActivation bool) {
	dockerd, docker := requireDocker(t)
	dir := e2eDir(t, "dtlsv")
	h := &e2eHost{t: t, dir: dir, port: freePort(t), dockerd: dockerd, docker: docker, clientDir: filepath.Join(dir, "clients", "alice"), socketActivation: socketActivation}
	h.tf = newCLI(t, newTestClock(), providerBlock)
	h.setUp()
	h.extra = revocationClientFiles(dir)
	const example = "revoke-one-client"
	h.apply(example, revocationOverride)
	h.startDaemon()
	h.waitReady()
	h.startContainer()
	pid := h.containerPID()

	names := []string{"alice", "bob", "carol"}
	clientDir := func(name string) string { return filepath.Join(dir, "clients", name) }
	for _, name := range names {
		h.dockerVersion(clientDir(name))
	}
	// Read at plan time from now on, against the live daemon.
	h.extra = revocationClientFiles(dir) + revocationEndpoints(h.port)
	h.apply(example, revocationOverride)
	if got := acceptedByName(t, h.tf); fmt.Sprint(got) != "map[alice:true bob:true carol:true]" {
		t.Fatalf("before the revocation, client_accepted = %v", got)
	}
	before := configurationValues(t, h.tf)

	probers := map[string]*apiProber{}
	marks := map[string]int{}
	for _, name := range names {
		probers[name] = h.newProber(name, clientDir(name))
		marks[name] = probers[name].mark()
	}
	time.Sleep(time.Second)

	// The one change: bob's issuer is revoked.
	h.vars = []string{`-var=revoked=["bob"]`}
	actions := h.apply(example, revocationOverride)
	for addr, action := range actions {
		if action != "no-op" {
			t.Errorf("the revocation plans %s for %s; it must change no certificate", action, addr)
		}
	}
	for addr, action := range planActions(t, h.lastPlan, "") {
		if want := map[bool]string{true: "delete,create", false: "no-op"}[addr == `module.deploy.terraform_data.host_file["ca.pem"]`]; action != want &&
			!strings.HasPrefix(addr, "data.") {
			t.Errorf("the revocation plans %s for %s, want %s", action, addr, want)
		}
	}
	// With the real delivery module, its restart_docker is replaced too.
	if !strings.Contains(h.lastApply, "Resources: 1 added, 0 changed, 1 destroyed.") {
		t.Errorf("the revocation applied more than the new ca.pem:\n%s", h.lastApply)
	}
	if !strings.Contains(unwrap(h.lastApply), "docker1 still admits clients of, or cannot tell about, bob: deliver its ca.pem and restart dockerd") {
		t.Errorf("before the restart, the check does not warn that bob is still admitted:\n%s", h.lastApply)
	}
	window := h.restartIfTriggered()
	if window == nil {
		t.Fatal("restart_trigger did not change when an issuer left the client trust")
	}
	time.Sleep(time.Second)
	for _, name := range names {
		probers[name].stop()
	}

	for _, name := range []string{"alice", "carol"} {
		report := probers[name].report(marks[name], window)
		t.Logf("revocation of bob, client %s: %s", name, report)
		if report.failed > 0 || report.calls == 0 || h.refusedDuringRestart(report) {
			t.Errorf("%s: %s; want %s", name, report, h.allowedFailures())
		}
		h.dockerVersion(clientDir(name))
	}
	refusedAfter, total := probers["bob"].refusedAfter(window.to)
	t.Logf("revocation of bob, client bob: all %d calls after the restart refused: %t", total, refusedAfter)
	if !refusedAfter || total == 0 {
		t.Errorf("bob's calls after the restart were not all refused (%d calls)", total)
	}
	if out, err := dockerCmd(docker, h.clientEnv(clientDir("bob")), "version"); err == nil || !refusedCertificate(out) {
		t.Errorf("the docker CLI with bob's revoked certificate: %v\n%s", err, out)
	}
	if got := h.containerPID(); got != pid {
		t.Errorf("the container's PID went from %d to %d", pid, got)
	}

	// The next plan: the check passes, and client_accepted tells who is in.
	out := h.tf.mustRun("apply", "-auto-approve", "-input=false", `-var=revoked=["bob"]`)
	if strings.Contains(out, "revoked_keys_are_shut_out") {
		t.Errorf("after the restart the check still fails:\n%s", out)
	}
	if got := acceptedByName(t, h.tf); fmt.Sprint(got) != "map[alice:true bob:false carol:true]" {
		t.Errorf("after the revocation, client_accepted = %v", got)
	}
	t.Logf("dockertls_endpoint as bob: client_refusal = %s", h.tf.mustRun("output", "-json", "client_refusal"))

	// Nothing changed but the daemon's client trust and its restart trigger.
	after := configurationValues(t, h.tf)
	for addr, values := range before {
		for name, v := range values {
			changed := mustJSON(t, v) != mustJSON(t, after[addr][name])
			expected := addr == "data.dockertls_daemon_config.docker1" && (name == "files" || name == "restart_trigger" || name == "id" || name == "client_ca_cert_pem" || name == "cloud_init" || name == "ignition")
			switch {
			case changed && !expected:
				t.Errorf("the revocation changed %s.%s", addr, name)
			case !changed && expected:
				t.Errorf("the revocation did not change %s.%s", addr, name)
			}
		}
	}
	var files map[string]map[string]any
	_ = json.Unmarshal([]byte(mustJSON(t, after["data.dockertls_daemon_config.docker1"]["files"])), &files)
	var filesBefore map[string]map[string]any
	_ = json.Unmarshal([]byte(mustJSON(t, before["data.dockertls_daemon_config.docker1"]["files"])), &filesBefore)
	for name := range files {
		if changed := mustJSON(t, files[name]) != mustJSON(t, filesBefore[name]); changed != (name == "ca.pem") {
			t.Errorf("files[%q] changed: %t", name, changed)
		}
	}
}

// refusedAfter reports whether every call that started after t failed, and
// how many there were.
func (p *apiProber) refusedAfter(t time.Time) (bool, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.calls {
		if c.at.After(t) {
			n++
			if c.err == nil {
				return false, n
			}
		}
	}
	return true, n
}

func revocationOverride(h *e2eHost, _ string) string {
	return fmt.Sprintf(`data "dockertls_daemon_config" "docker1" {
  hosts   = ["unix://%[1]s/docker.sock", "tcp://127.0.0.1:%[2]d"]
  tls_dir = "%[1]s/tls"
  %[3]s
}

data "dockertls_client_config" "client" {
  host = "tcp://127.0.0.1:%[2]d"
}

data "dockertls_endpoint" "revoked" {
  host = "tcp://127.0.0.1:%[2]d"
}
`, h.dir, h.port, h.layoutSettings(" = ", "\n  "))
}

// revocationClientFiles writes each person's files to dir/clients/NAME, as
// their own machines would hold them.
func revocationClientFiles(dir string) string {
	return fmt.Sprintf(`
locals {
  # The rotation tests' outputs read local.docker1, which the examples that
  # render with the function declare; this one renders with the data source.
  docker1          = data.dockertls_daemon_config.docker1
  e2e_client_files = { for pair in setproduct(keys(local.clients), ["ca.pem", "cert.pem", "key.pem"]) : "${pair[0]}/${pair[1]}" => { name = pair[0], file = pair[1] } }
}

resource "terraform_data" "e2e_client_file" {
  for_each = local.e2e_client_files

  triggers_replace = [sha256(coalesce(data.dockertls_client_config.client[each.value.name].files[each.value.file].content, data.dockertls_client_config.client[each.value.name].files[each.value.file].sensitive_content))]
  provisioner "local-exec" {
    command = %s
    environment = {
      FILE    = "%s/clients/${each.key}"
      MODE    = data.dockertls_client_config.client[each.value.name].files[each.value.file].mode
      CONTENT = coalesce(data.dockertls_client_config.client[each.value.name].files[each.value.file].content, data.dockertls_client_config.client[each.value.name].files[each.value.file].sensitive_content)
    }
  }
}
`, writeFileAtomically, dir)
}

// revocationEndpoints asks the live daemon, as each client, whether it is
// admitted.
func revocationEndpoints(port int) string {
	return fmt.Sprintf(`
data "dockertls_endpoint" "e2e_as" {
  for_each        = local.clients
  host            = "tcp://127.0.0.1:%d"
  ca_cert_pem     = dockertls_ca.servers.cert_pem
  client_cert_pem = each.value.cert_pem
  client_key_pem  = each.value.private_key_pem
}

output "client_accepted" {
  value = { for name, e in data.dockertls_endpoint.e2e_as : name => e.client_accepted }
}

output "client_refusal" {
  value = { for name, e in data.dockertls_endpoint.e2e_as : name => coalesce(e.client_refusal, "-") }
}
`, port)
}

func acceptedByName(t *testing.T, tf *cli) map[string]bool {
	t.Helper()
	var out struct {
		Value map[string]bool `json:"value"`
	}
	if err := json.Unmarshal([]byte(tf.mustRun("output", "-json", "client_accepted")), &out.Value); err != nil {
		t.Fatal(err)
	}
	return out.Value
}

// configurationValues returns the values of every dockertls resource and
// configuration data source in the state, by address; the endpoints, which
// report the live daemon, are left out.
func configurationValues(t *testing.T, tf *cli) map[string]map[string]any {
	t.Helper()
	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string         `json:"address"`
					Type    string         `json:"type"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(tf.mustRun("show", "-json")), &state); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, r := range state.Values.RootModule.Resources {
		if strings.HasPrefix(r.Type, "dockertls_") && r.Type != "dockertls_endpoint" {
			out[r.Address] = r.Values
		}
	}
	return out
}
