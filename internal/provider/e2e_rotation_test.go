package provider

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// TestE2ERenewalWithoutOutage runs the rotation guide's configurations
// (examples/rotation) against a real dockerd with a running container while
// clients call the Docker API in a loop, and counts the calls that fail:
//
//  1. the CA renews on its own key and the host and the client get the new
//     ca.pem: no call may fail, and no certificate is re-issued;
//  2. the server certificate renews and dockerd restarts (restart_trigger
//     changed): the container keeps its PID, and calls fail only while
//     dockerd is down;
//  3. the staged re-key (trust both CAs, move the certificates, drop the
//     old CA): a client that keeps its old certificate is never refused
//     until the old CA leaves the bundle, and the new client certificate
//     works as soon as it is issued.
//
// The guide's HCL is applied as it is. Only the delivery module (SSH to a
// host) is replaced by one that writes the files here, and an override file
// puts the host's paths here and shortens the lifetimes so that the
// provider's clock can reach each renewal while the certificates stay valid
// in real time, which dockerd and the clients check.
func TestE2ERenewalWithoutOutage(t *testing.T) {
	needsCLI(t, featureFunctions) // the rotation examples render with the function
	forEachLayout(t, testRenewalWithoutOutage)
}

// forEachLayout runs an end-to-end test in each of the daemon layouts:
// hosts in daemon.json with a docker.service drop-in, and socket_activation
// (docker.socket holds the sockets, played by socketUnit).
func forEachLayout(t *testing.T, test func(t *testing.T, socketActivation bool)) {
	t.Run("docker.service drop-in", func(t *testing.T) { test(t, false) })
	t.Run("socket_activation", func(t *testing.T) { test(t, true) })
}

func testRenewalWithoutOutage(t *testing.T, socketActivation bool) {
	dockerd, docker := requireDocker(t)
	dir := e2eDir(t, "dtlsr")
	h := &rotationHost{t: t, dir: dir, port: freePort(t), dockerd: dockerd, docker: docker, clientDir: filepath.Join(dir, "client"), socketActivation: socketActivation}

	// Phase 0, issued 20 hours ago: the CA (24 h, due 6 h before expiry) is
	// due now in real time; the leaves (23 h) are not.
	realNow := time.Now().UTC().Truncate(time.Second)
	clock := newTestClock()
	clock.Set(realNow.Add(-20 * time.Hour))
	h.tf = newCLI(t, clock, providerBlock)
	h.setUp()
	h.apply("0-one-ca", serverEarlyRenewal(1))
	h.startDaemon()
	h.waitReady()
	h.startContainer()
	admin := h.newProber("reads the deployed files", filepath.Join(dir, "client"))
	before := h.certs()

	t.Run("1 the CA renews on its key: no call fails", func(t *testing.T) {
		clock.Set(realNow)
		mark := admin.mark()
		actions := h.apply("0-one-ca", serverEarlyRenewal(1))
		wantActions(t, actions, map[string]string{"dockertls_ca.current": "update", "dockertls_server_cert.docker1": "update", "dockertls_client_cert.ci": "update"})
		after := h.certs()
		if after.caKey != before.caKey || after.caPEM == before.caPEM {
			t.Errorf("the CA was not renewed on its key")
		}
		if after.server != before.server || after.client != before.client {
			t.Error("a leaf certificate was re-issued")
		}
		for _, leaf := range []string{after.server, after.client} {
			if err := pki.Verify(mustParseCert(t, after.caPEM), mustParseCert(t, leaf), usageOf(t, leaf), "", realNow); err != nil {
				t.Errorf("an old leaf under the renewed CA: %v", err)
			}
		}
		time.Sleep(2 * time.Second) // calls against the new ca.pem, dockerd not restarted
		report := admin.report(mark, nil)
		t.Logf("step 1 (CA renewed on its key, no restart): %s", report)
		if report.failed > 0 || report.calls == 0 || h.refusedDuringRestart(report) {
			t.Errorf("step 1: %s; want no failed call", report)
		}
		h.dockerVersion(filepath.Join(dir, "client"))
	})

	t.Run("2 the server certificate renews: dockerd restarts, the container runs on", func(t *testing.T) {
		pid := h.containerPID()
		mark := admin.mark()
		actions := h.apply("0-one-ca", serverEarlyRenewal(4)) // due 4 h before its expiry in 3 h: now
		wantActions(t, actions, map[string]string{"dockertls_ca.current": "no-op", "dockertls_server_cert.docker1": "replace", "dockertls_client_cert.ci": "no-op"})
		window := h.restartIfTriggered()
		if window == nil {
			t.Fatal("restart_trigger did not change for a new server certificate")
		}
		time.Sleep(time.Second)
		report := admin.report(mark, window)
		t.Logf("step 2 (server certificate renewed, dockerd restarted): %s", report)
		if report.failed > 0 || report.calls == 0 || h.refusedDuringRestart(report) {
			t.Errorf("step 2: %s; want %s", report, h.allowedFailures())
		}
		if got := h.containerPID(); got != pid {
			t.Errorf("the container's PID went from %d to %d: it did not survive the restart", pid, got)
		}
		h.execInContainer()
		if served := h.servedFingerprint(); served != h.output("server_fingerprint") {
			t.Errorf("dockerd serves %s, the configuration issued %s", served, h.output("server_fingerprint"))
		}
	})

	t.Run("3 the staged re-key: nobody is refused", func(t *testing.T) {
		// A client that keeps its old certificate, but gets the new ca.pem.
		old := filepath.Join(dir, "old-client")
		for _, name := range []string{"cert.pem", "key.pem"} {
			copyFile(t, filepath.Join(dir, "client", name), filepath.Join(old, name))
		}
		stayer := h.newProberWithCA("kept its old certificate", old, filepath.Join(dir, "client", "ca.pem"))
		pid := h.containerPID()
		phases := []struct {
			example string
			actions map[string]string
		}{
			{"1-trust-both", map[string]string{"dockertls_ca.next": "create", "dockertls_ca.current": "no-op", "dockertls_server_cert.docker1": "no-op", "dockertls_client_cert.ci": "no-op"}},
			{"2-move-leaves", map[string]string{"dockertls_ca.next": "no-op", "dockertls_server_cert.docker1": "replace", "dockertls_client_cert.ci": "replace"}},
		}
		for _, phase := range phases {
			marks := [2]int{admin.mark(), stayer.mark()}
			wantActions(t, h.apply(phase.example, serverEarlyRenewal(4)), phase.actions)
			window := h.restartIfTriggered()
			if window == nil {
				t.Fatalf("%s: restart_trigger did not change", phase.example)
			}
			time.Sleep(time.Second)
			for i, p := range []*apiProber{admin, stayer} {
				report := p.report(marks[i], window)
				t.Logf("step 3, %s, client that %s: %s", phase.example, p.name, report)
				if report.failed > 0 || report.calls == 0 || h.refusedDuringRestart(report) {
					t.Errorf("%s, client that %s: %s; want %s", phase.example, p.name, report, h.allowedFailures())
				}
			}
		}
		if issuer := mustParseCert(t, h.certs().client).Issuer.CommonName; issuer != "Docker CA 2027" {
			t.Errorf("after phase 2 the client certificate is from %q", issuer)
		}
		stayer.stop()

		mark := admin.mark()
		wantActions(t, h.apply("3-drop-old", serverEarlyRenewal(4)), map[string]string{"dockertls_ca.current": "delete", "dockertls_ca.next": "no-op", "dockertls_server_cert.docker1": "no-op", "dockertls_client_cert.ci": "no-op"})
		window := h.restartIfTriggered()
		if window == nil {
			t.Fatal("3-drop-old: restart_trigger did not change")
		}
		time.Sleep(time.Second)
		report := admin.report(mark, window)
		t.Logf("step 3, 3-drop-old, client with the new certificate: %s", report)
		if report.failed > 0 || report.calls == 0 || h.refusedDuringRestart(report) {
			t.Errorf("3-drop-old: %s; want %s", report, h.allowedFailures())
		}
		// Now, and only now, the old certificate is refused.
		copyFile(t, filepath.Join(dir, "client", "ca.pem"), filepath.Join(old, "ca.pem"))
		if out, err := dockerCmd(docker, h.clientEnv(old), "version"); err == nil || !refusedCertificate(out) {
			t.Errorf("the old client certificate is still accepted after the old CA left the bundle: %v\n%s", err, out)
		}
		h.dockerVersion(filepath.Join(dir, "client"))
		if got := h.containerPID(); got != pid {
			t.Errorf("the container's PID went from %d to %d during the re-key", pid, got)
		}
	})
	admin.stop()
}

// serverEarlyRenewal is the override of the rotation examples for this
// host: paths in the test's folder, and lifetimes short enough for the
// provider's clock to reach each renewal.
func serverEarlyRenewal(hours int) func(h *rotationHost, example string) string {
	return func(h *rotationHost, example string) string {
		var b strings.Builder
		for _, ca := range []string{"current", "next"} {
			if strings.Contains(h.example(example), `resource "dockertls_ca" "`+ca+`"`) {
				fmt.Fprintf(&b, "resource \"dockertls_ca\" %q {\n  validity_period_hours = 24\n  early_renewal_hours   = 6\n}\n\n", ca)
			}
		}
		fmt.Fprintf(&b, `resource "dockertls_server_cert" "docker1" {
  validity_period_hours = 23
  early_renewal_hours   = %d
}

resource "dockertls_client_cert" "ci" {
  validity_period_hours = 23
  early_renewal_hours   = 1
}

locals {
  docker1_settings = {
    hosts = ["unix://%[2]s/docker.sock", "tcp://127.0.0.1:%[3]d"]
    tls_dir = "%[2]s/tls"
    %[4]s
  }
  ci_settings = {
    host     = "tcp://127.0.0.1:%[3]d"
    cert_dir = "%[2]s/client"
  }
}
`, hours, h.dir, h.port, h.layoutSettings(" = ", "\n    "))
		return b.String()
	}
}

// writeFileAtomically is a shell command, as an HCL string, that writes
// $CONTENT to $FILE with mode $MODE and then moves it into place, so that a
// client reading the files in a loop never reads half of one.
const writeFileAtomically = `"mkdir -p \"$(dirname \"$FILE\")\" && printf '%s' \"$CONTENT\" > \"$FILE.new\" && chmod \"$MODE\" \"$FILE.new\" && mv -f \"$FILE.new\" \"$FILE\""`

// rotationDeployModule stands in for examples/rotation/modules/deploy: the
// same inputs, with the host's files written here instead of over SSH (the
// systemd drop-in belongs to a real host and is left out) and the restart
// left to the test, which watches restart_trigger.
const rotationDeployModule = `
variable "ssh_host" { type = string }
variable "ssh_user" {
  type    = string
  default = "admin"
}
variable "host_files" { type = any }
variable "restart_trigger" { type = string }
variable "client_files" {
  type    = any
  default = null
}
variable "write_client_files" {
  type    = bool
  default = true
}

locals {
  write = ` + writeFileAtomically + `
}

resource "terraform_data" "host_file" {
  for_each = toset(["daemon.json", "ca.pem", "server-cert.pem", "server-key.pem"])

  triggers_replace = [sha256(coalesce(var.host_files[each.key].content, var.host_files[each.key].sensitive_content))]
  provisioner "local-exec" {
    command = local.write
    environment = {
      # The test's dockerd reads daemon.json beside tls/, wherever the
      # layout puts it on a host (with socket_activation, the packaged
      # /etc/docker/daemon.json, which a test must not touch).
      FILE    = each.key == "daemon.json" ? "${dirname(dirname(var.host_files["ca.pem"].path))}/daemon.json" : var.host_files[each.key].path
      MODE    = var.host_files[each.key].mode
      CONTENT = coalesce(var.host_files[each.key].content, var.host_files[each.key].sensitive_content)
    }
  }
}

resource "terraform_data" "client_file" {
  for_each = var.write_client_files ? toset(["ca.pem", "cert.pem", "key.pem"]) : toset([])

  triggers_replace = [sha256(coalesce(var.client_files[each.key].content, var.client_files[each.key].sensitive_content))]
  provisioner "local-exec" {
    command = local.write
    environment = {
      FILE    = var.client_files[each.key].path
      MODE    = var.client_files[each.key].mode
      CONTENT = coalesce(var.client_files[each.key].content, var.client_files[each.key].sensitive_content)
    }
  }
}
`

const rotationOutputs = `
# Sensitive as the function's whole result is (Terraform 1.8+), and
# harmless where it is not (the data source on Terraform 1.5).
output "restart_trigger" {
  value     = local.docker1.restart_trigger
  sensitive = true
}
output "systemd_dropin" {
  value     = local.docker1.systemd_dropin
  sensitive = true
}
output "server_fingerprint" {
  value = dockertls_server_cert.docker1.sha256_fingerprint
}
`

// rotationHost is the Docker host of TestE2ERenewalWithoutOutage: a
// Terraform working directory, a dockerd and a container.
type rotationHost struct {
	t                    *testing.T
	dir                  string
	port                 int
	dockerd, docker      string
	tf                   *cli
	daemon               *dockerdProcess
	container            string
	trigger              string
	examplesDir, workDir string
	// clientDir holds the files waitReady connects with.
	clientDir string
	// extra is more configuration for the working directory: the test's
	// own files and outputs.
	extra string
	// vars are -var arguments for plan.
	vars []string
	// lastApply is what the last apply printed, and lastPlan its plan as
	// JSON.
	lastApply, lastPlan string
	// socketActivation renders the socket_activation layout, and dockerd
	// runs on the sockets of a socketUnit.
	socketActivation bool
	sockets          *socketUnit
}

// layoutSettings are the daemon_config arguments of the host's layout,
// written as name, assign, value and joined by sep: with socket_activation
// the packaged docker.service runs dockerd (daemon.json in its default
// place, which the test's deploy module maps into the test's folder);
// otherwise the drop-in names the dockerd under test and daemon.json here.
func (h *rotationHost) layoutSettings(assign, sep string) string {
	if h.socketActivation {
		return "socket_activation" + assign + "true"
	}
	return "daemon_json_path" + assign + strconv.Quote(h.dir+"/daemon.json") + sep + "dockerd_path" + assign + strconv.Quote(h.dockerd)
}

// startDaemon starts the host's dockerd on the files applied: in the
// socket_activation layout on the sockets of the rendered docker.socket
// drop-in, opened once and kept open across restarts.
func (h *rotationHost) startDaemon() {
	h.t.Helper()
	if h.socketActivation && h.sockets == nil {
		h.sockets = openSocketUnit(h.t, h.output("systemd_dropin"))
	}
	h.daemon = startDockerdOn(h.t, h.dockerd, h.dir, filepath.Join(h.dir, "daemon.json"), h.sockets)
}

// refusedDuringRestart reports, in the socket_activation layout, a call
// refused during a restart, or more than one failed. The socket stays open
// there and a client that connects during the restart waits for the new
// dockerd; what can still fail is the one call that the stopping dockerd
// had already accepted when it closed its connections (http.Server.Close):
// a reset or EOF, never a refusal, and at most one per client, which makes
// one call at a time.
func (h *rotationHost) refusedDuringRestart(r probeReport) bool {
	if !h.socketActivation {
		return false
	}
	for _, err := range r.restartErrors {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return true
		}
	}
	return r.duringRestart > 1
}

// allowedFailures says which calls may fail in the host's layout.
func (h *rotationHost) allowedFailures() string {
	if h.socketActivation {
		return "no refusal, docker.socket holding the socket through the restart (at most the one call the stopping dockerd had accepted fails)"
	}
	return "failures only while dockerd restarts"
}

func (h *rotationHost) setUp() {
	h.examplesDir = filepath.Join("..", "..", "examples", "rotation")
	root := h.tf.dir
	if err := os.MkdirAll(filepath.Join(root, "modules", "deploy"), 0o755); err != nil {
		h.t.Fatal(err)
	}
	writeFile(h.t, filepath.Join(root, "modules", "deploy", "main.tf"), rotationDeployModule)
	h.workDir = filepath.Join(root, "host")
	if err := os.MkdirAll(h.workDir, 0o755); err != nil {
		h.t.Fatal(err)
	}
	h.tf.dir = h.workDir
}

func (h *rotationHost) example(name string) string {
	b, err := os.ReadFile(filepath.Join(h.examplesDir, name, "main.tf"))
	if err != nil {
		h.t.Fatal(err)
	}
	return string(b)
}

// apply applies the rotation example with the override and returns the
// planned action of each dockertls resource.
func (h *rotationHost) apply(example string, override func(*rotationHost, string) string) map[string]string {
	h.t.Helper()
	writeFile(h.t, filepath.Join(h.workDir, "main.tf"), h.example(example))
	writeFile(h.t, filepath.Join(h.workDir, "e2e_override.tf"), override(h, example))
	writeFile(h.t, filepath.Join(h.workDir, "e2e.tf"), rotationOutputs+h.extra)
	h.tf.mustRun("init", "-input=false")
	h.tf.mustRun(append([]string{"plan", "-input=false", "-out=step.tfplan"}, h.vars...)...)
	h.lastPlan = h.tf.mustRun("show", "-json", "step.tfplan")
	actions := planActions(h.t, h.lastPlan, "dockertls_")
	h.lastApply = h.tf.mustRun("apply", "-input=false", "step.tfplan")
	return actions
}

// planActions reads the action of each resource whose address starts with
// prefix from a plan's JSON: "create", "update", "delete", "replace" or
// "no-op".
func planActions(t *testing.T, planJSON, prefix string) map[string]string {
	t.Helper()
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Actions []string `json:"actions"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(planJSON), &plan); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, rc := range plan.ResourceChanges {
		if !strings.HasPrefix(rc.Address, prefix) {
			continue
		}
		action := strings.Join(rc.Change.Actions, ",")
		if action == "delete,create" || action == "create,delete" {
			action = "replace"
		}
		out[rc.Address] = action
	}
	return out
}

func wantActions(t *testing.T, got, want map[string]string) {
	t.Helper()
	for addr, action := range want {
		if got[addr] != action {
			t.Errorf("%s: planned %q, want %q (all: %v)", addr, got[addr], action, got)
		}
	}
}

func (h *rotationHost) output(name string) string {
	return outputs(h.t, h.tf)[name]
}

// restartIfTriggered restarts dockerd when restart_trigger changed since
// the last restart, as a host's terraform_data with replace_triggered_by
// would, and returns the window during which dockerd was down: from the
// stop until it served the API over TLS again.
func (h *rotationHost) restartIfTriggered() *restartWindow {
	h.t.Helper()
	trigger := h.output("restart_trigger")
	if trigger == h.trigger {
		return nil
	}
	h.trigger = trigger
	w := &restartWindow{from: time.Now()}
	h.daemon.stop()
	h.daemon.start()
	h.waitReady()
	w.to = time.Now()
	h.t.Logf("dockerd restarted in %s", w.to.Sub(w.from).Round(time.Millisecond))
	return w
}

// waitReady waits until dockerd answers /_ping over TLS with the client's
// files.
func (h *rotationHost) waitReady() {
	h.t.Helper()
	if h.trigger == "" {
		h.trigger = h.output("restart_trigger")
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		client, err := loadAPIClient(filepath.Join(h.clientDir, "ca.pem"), h.clientDir)
		if err == nil {
			err = ping(client, fmt.Sprintf("https://127.0.0.1:%d/_ping", h.port))
		}
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("dockerd did not serve the API over TLS: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (h *rotationHost) adminEnv() []string {
	return []string{"DOCKER_HOST=unix://" + filepath.Join(h.dir, "docker.sock"), "DOCKER_TLS_VERIFY=", "DOCKER_CERT_PATH=", "DOCKER_CONFIG=" + filepath.Join(h.dir, "dockercfg")}
}

func (h *rotationHost) clientEnv(certDir string) []string {
	return []string{fmt.Sprintf("DOCKER_HOST=tcp://127.0.0.1:%d", h.port), "DOCKER_TLS_VERIFY=1", "DOCKER_CERT_PATH=" + certDir, "DOCKER_CONFIG=" + filepath.Join(h.dir, "dockercfg")}
}

func (h *rotationHost) mustDocker(env []string, args ...string) string {
	h.t.Helper()
	out, err := dockerCmd(h.docker, env, args...)
	if err != nil {
		h.t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(out)
}

// startContainer runs a container from the offline busybox image.
func (h *rotationHost) startContainer() {
	h.t.Helper()
	importBusybox(h.t, h.docker, h.adminEnv(), h.dir)
	h.container = h.mustDocker(h.adminEnv(), "run", "-d", "--network", "none", busyboxImage, "/bin/sleep", "100000")
	h.t.Cleanup(func() { _, _ = dockerCmd(h.docker, h.adminEnv(), "rm", "-f", h.container) })
	h.t.Logf("container %.12s runs with PID %d", h.container, h.containerPID())
}

// busyboxImage is the offline image importBusybox makes.
const busyboxImage = "dockertls-busybox:e2e"

// importBusybox imports an image made of Debian's static busybox (no
// registry is reachable) into the daemon env reaches, building its root
// filesystem in dir.
func importBusybox(t *testing.T, docker string, env []string, dir string) {
	t.Helper()
	rootfs := filepath.Join(dir, "rootfs")
	if err := os.MkdirAll(filepath.Join(rootfs, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, "/bin/busybox", filepath.Join(rootfs, "bin", "busybox"))
	if err := os.Chmod(filepath.Join(rootfs, "bin", "busybox"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, applet := range []string{"sh", "sleep", "true", "cat"} {
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", applet)); err != nil && !os.IsExist(err) {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("sh", "-c", fmt.Sprintf("tar -C %s -cf - . | %s import - %s", rootfs, docker, busyboxImage))
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v\n%s", err, out)
	}
}

func (h *rotationHost) containerPID() int {
	h.t.Helper()
	var pid int
	state := h.mustDocker(h.adminEnv(), "inspect", "-f", "{{.State.Running}} {{.State.Pid}}", h.container)
	if _, err := fmt.Sscanf(state, "true %d", &pid); err != nil || pid == 0 {
		h.t.Fatalf("the container is not running: %q", state)
	}
	return pid
}

func (h *rotationHost) execInContainer() {
	h.t.Helper()
	h.mustDocker(h.adminEnv(), "exec", h.container, "/bin/true")
}

// dockerVersion runs the docker CLI over mutual TLS with the files in dir.
func (h *rotationHost) dockerVersion(certDir string) {
	h.t.Helper()
	h.mustDocker(h.clientEnv(certDir), "version", "--format", "{{.Server.Version}}")
}

func (h *rotationHost) servedFingerprint() string {
	h.t.Helper()
	conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", h.port), &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}) //nolint:gosec // only reads the served certificate
	if err != nil {
		h.t.Fatal(err)
	}
	defer conn.Close()
	return pki.Fingerprint(conn.ConnectionState().PeerCertificates[0])
}

type issuedCerts struct{ caPEM, caKey, server, client string }

func (h *rotationHost) certs() issuedCerts {
	str := func(addr, attr string) string { s, _ := h.tf.stateAttr(addr, attr).(string); return s }
	return issuedCerts{
		caPEM:  str("dockertls_ca.current", "cert_pem"),
		caKey:  str("dockertls_ca.current", "private_key_pem"),
		server: str("dockertls_server_cert.docker1", "cert_pem"),
		client: str("dockertls_client_cert.ci", "cert_pem"),
	}
}

func usageOf(t *testing.T, leafPEM string) pki.Usage {
	if len(mustParseCert(t, leafPEM).DNSNames) > 0 {
		return pki.UsageServer
	}
	return pki.UsageClient
}

func refusedCertificate(out string) bool {
	return strings.Contains(out, "bad certificate") || strings.Contains(out, "certificate required") || strings.Contains(out, "unknown certificate authority")
}

// restartWindow is when dockerd was down for a restart.
type restartWindow struct{ from, to time.Time }

// apiProber calls the Docker API over mutual TLS in a loop, as a client
// would, reading its files before every call (so that it sees them change)
// and opening a new connection each time (so that every call is a full
// handshake against the daemon's current trust).
type apiProber struct {
	name            string
	url             string
	caPath, certDir string
	mu              sync.Mutex
	calls           []apiCall
	quit, done      chan struct{}
}

// apiCall is one call, from its start (at) to its end.
type apiCall struct {
	at, end time.Time
	err     error
}

// maxProbeCalls and maxProbeTime bound every prober: it stops by itself.
const (
	maxProbeCalls = 20000
	maxProbeTime  = 10 * time.Minute
	probeInterval = 50 * time.Millisecond
)

func (h *rotationHost) newProber(name, certDir string) *apiProber {
	return h.newProberWithCA(name, certDir, filepath.Join(certDir, "ca.pem"))
}

func (h *rotationHost) newProberWithCA(name, certDir, caPath string) *apiProber {
	p := &apiProber{name: name, url: fmt.Sprintf("https://127.0.0.1:%d/containers/%s/json", h.port, h.container),
		caPath: caPath, certDir: certDir, quit: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	h.t.Cleanup(p.stop)
	return p
}

func (p *apiProber) run() {
	defer close(p.done)
	deadline := time.Now().Add(maxProbeTime)
	for i := 0; i < maxProbeCalls && time.Now().Before(deadline); i++ {
		start := time.Now()
		client, err := loadAPIClient(p.caPath, p.certDir)
		if err == nil {
			err = ping(client, p.url)
		} else {
			err = fmt.Errorf("the client's own files: %w", err)
		}
		p.mu.Lock()
		p.calls = append(p.calls, apiCall{at: start, end: time.Now(), err: err})
		p.mu.Unlock()
		select {
		case <-p.quit:
			return
		case <-time.After(probeInterval):
		}
	}
}

func (p *apiProber) stop() {
	select {
	case <-p.quit:
	default:
		close(p.quit)
	}
	<-p.done
}

func (p *apiProber) mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.calls)
}

// probeReport counts the calls made since a mark: failed are those outside
// the restart window, duringRestart those that were under way during it.
type probeReport struct {
	calls, failed, duringRestart int
	firstFailure                 error
	restart, outage              time.Duration
	// longest is the longest call: with socket_activation, a call made
	// while dockerd restarts waits for the new one.
	longest time.Duration
	// restartErrors are the errors of the calls that failed during the
	// restart, in order.
	restartErrors []error
}

func (r probeReport) String() string {
	s := fmt.Sprintf("%d API calls, %d failed, the longest %s", r.calls, r.failed, r.longest.Round(time.Millisecond))
	if r.restart > 0 {
		s += fmt.Sprintf("; dockerd down for %s, during which %d calls failed (API unavailable for %s)",
			r.restart.Round(time.Millisecond), r.duringRestart, r.outage.Round(time.Millisecond))
	}
	if r.firstFailure != nil {
		s += fmt.Sprintf("; first failure outside the restart: %v", r.firstFailure)
	}
	if r.restart > 0 && r.duringRestart > 0 && r.duringRestart <= 2 {
		s += fmt.Sprintf("; during the restart: %v", r.restartErrors)
	}
	return s
}

func (p *apiProber) report(mark int, w *restartWindow) probeReport {
	p.mu.Lock()
	calls := append([]apiCall(nil), p.calls[mark:]...)
	p.mu.Unlock()
	r := probeReport{calls: len(calls)}
	var firstDown, lastDown time.Time
	for _, c := range calls {
		r.longest = max(r.longest, c.end.Sub(c.at))
		if c.err == nil {
			continue
		}
		if w != nil && !c.end.Before(w.from) && !c.at.After(w.to) {
			r.duringRestart++
			r.restartErrors = append(r.restartErrors, c.err)
			if firstDown.IsZero() {
				firstDown = c.at
			}
			lastDown = c.at
			continue
		}
		r.failed++
		if r.firstFailure == nil {
			r.firstFailure = c.err
		}
	}
	if w != nil {
		r.restart = w.to.Sub(w.from)
		if !firstDown.IsZero() {
			r.outage = lastDown.Sub(firstDown) + probeInterval
		}
	}
	return r
}

// loadAPIClient builds an HTTP client from a CA bundle and the cert.pem and
// key.pem in certDir. Files are replaced one by one, so a pair read between
// two replacements may not match: it reads again, a few times, before
// giving up.
func loadAPIClient(caPath, certDir string) (*http.Client, error) {
	var err error
	for range 20 {
		var caPEM []byte
		var pair tls.Certificate
		if caPEM, err = os.ReadFile(caPath); err == nil {
			pair, err = tls.LoadX509KeyPair(filepath.Join(certDir, "cert.pem"), filepath.Join(certDir, "key.pem"))
		}
		if err == nil {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(caPEM) {
				err = errors.New("ca.pem holds no certificate")
			} else {
				return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
					DisableKeepAlives: true,
					TLSClientConfig:   &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12},
				}}, nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil, err
}

func ping(client *http.Client, url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return nil
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// killProcessesUnder kills what dockerd leaves running when it stops with
// live-restore on (containerd, the containers' shims and processes), found
// by the test folder in their command lines, and detaches what it left
// mounted there (dockerd bind-mounts its data root on each start).
func killProcessesUnder(t *testing.T, dir string) {
	defer func() {
		mounts, _ := os.ReadFile("/proc/self/mounts")
		for _, line := range strings.Split(string(mounts), "\n") {
			if f := strings.Fields(line); len(f) > 1 && strings.HasPrefix(f[1], dir+"/") {
				_ = syscall.Unmount(f[1], syscall.MNT_DETACH)
			}
		}
	}()
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), dir) {
			t.Logf("killing leftover process %d: %s", pid, strings.ReplaceAll(string(cmdline), "\x00", " "))
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
