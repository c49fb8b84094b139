package provider

import (
	"context"
	"crypto/tls"
	"crypto/x509"
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

// The end-to-end harness the e2e tests share: a Docker host (a Terraform
// working directory, a dockerd, a container), the API probers that count
// failed calls through a restart, and the helpers that start, reach and
// stop them. The tests themselves are in the e2e_*_test.go files named for
// what they prove.

// forEachLayout runs an end-to-end test in each of the daemon layouts:
// hosts in daemon.json with a docker.service drop-in, and socket_activation
// (docker.socket holds the sockets, played by socketUnit).
func forEachLayout(t *testing.T, test func(t *testing.T, socketActivation bool)) {
	t.Run("docker.service drop-in", func(t *testing.T) { test(t, false) })
	t.Run("socket_activation", func(t *testing.T) { test(t, true) })
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

// e2eHost is a Docker host of the end-to-end tests: a Terraform working
// directory holding one of the examples, a dockerd and a container.
type e2eHost struct {
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
func (h *e2eHost) layoutSettings(assign, sep string) string {
	if h.socketActivation {
		return "socket_activation" + assign + "true"
	}
	return "daemon_json_path" + assign + strconv.Quote(h.dir+"/daemon.json") + sep + "dockerd_path" + assign + strconv.Quote(h.dockerd)
}

// startDaemon starts the host's dockerd on the files applied: in the
// socket_activation layout on the sockets of the rendered docker.socket
// drop-in, opened once and kept open across restarts.
func (h *e2eHost) startDaemon() {
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
func (h *e2eHost) refusedDuringRestart(r probeReport) bool {
	return refusedDuringRestart(h.socketActivation, r)
}

// refusedDuringRestart is e2eHost.refusedDuringRestart for a host in
// either layout.
func refusedDuringRestart(socketActivation bool, r probeReport) bool {
	if !socketActivation {
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
func (h *e2eHost) allowedFailures() string {
	if h.socketActivation {
		return "no refusal, docker.socket holding the socket through the restart (at most the one call the stopping dockerd had accepted fails)"
	}
	return "failures only while dockerd restarts"
}

func (h *e2eHost) setUp() {
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

func (h *e2eHost) example(name string) string {
	b, err := os.ReadFile(filepath.Join(h.examplesDir, name, "main.tf"))
	if err != nil {
		h.t.Fatal(err)
	}
	return string(b)
}

// apply applies the rotation example with the override and returns the
// planned action of each dockertls resource.
func (h *e2eHost) apply(example string, override func(*e2eHost, string) string) map[string]string {
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

func wantActions(t *testing.T, got, want map[string]string) {
	t.Helper()
	for addr, action := range want {
		if got[addr] != action {
			t.Errorf("%s: planned %q, want %q (all: %v)", addr, got[addr], action, got)
		}
	}
}

func (h *e2eHost) output(name string) string {
	return outputs(h.t, h.tf)[name]
}

// restartIfTriggered restarts dockerd when restart_trigger changed since
// the last restart, as a host's terraform_data with replace_triggered_by
// would, and returns the window during which dockerd was down: from the
// stop until it served the API over TLS again.
func (h *e2eHost) restartIfTriggered() *restartWindow {
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
func (h *e2eHost) waitReady() {
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

func (h *e2eHost) adminEnv() []string {
	return []string{"DOCKER_HOST=unix://" + filepath.Join(h.dir, "docker.sock"), "DOCKER_TLS_VERIFY=", "DOCKER_CERT_PATH=", "DOCKER_CONFIG=" + filepath.Join(h.dir, "dockercfg")}
}

func (h *e2eHost) clientEnv(certDir string) []string {
	return []string{fmt.Sprintf("DOCKER_HOST=tcp://127.0.0.1:%d", h.port), "DOCKER_TLS_VERIFY=1", "DOCKER_CERT_PATH=" + certDir, "DOCKER_CONFIG=" + filepath.Join(h.dir, "dockercfg")}
}

func (h *e2eHost) mustDocker(env []string, args ...string) string {
	h.t.Helper()
	out, err := dockerCmd(h.docker, env, args...)
	if err != nil {
		h.t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(out)
}

// startContainer runs a container from the offline busybox image.
func (h *e2eHost) startContainer() {
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
	for _, applet := range []string{"sh", "sleep", "true", "cat", "echo"} {
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

func (h *e2eHost) containerPID() int {
	h.t.Helper()
	var pid int
	state := h.mustDocker(h.adminEnv(), "inspect", "-f", "{{.State.Running}} {{.State.Pid}}", h.container)
	if _, err := fmt.Sscanf(state, "true %d", &pid); err != nil || pid == 0 {
		h.t.Fatalf("the container is not running: %q", state)
	}
	return pid
}

func (h *e2eHost) execInContainer() {
	h.t.Helper()
	h.mustDocker(h.adminEnv(), "exec", h.container, "/bin/true")
}

// dockerVersion runs the docker CLI over mutual TLS with the files in dir.
func (h *e2eHost) dockerVersion(certDir string) {
	h.t.Helper()
	h.mustDocker(h.clientEnv(certDir), "version", "--format", "{{.Server.Version}}")
}

func (h *e2eHost) servedFingerprint() string {
	h.t.Helper()
	conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", h.port), &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}) //nolint:gosec // only reads the served certificate
	if err != nil {
		h.t.Fatal(err)
	}
	defer conn.Close()
	return pki.Fingerprint(conn.ConnectionState().PeerCertificates[0])
}

type issuedCerts struct{ caPEM, caKey, server, client string }

func (h *e2eHost) certs() issuedCerts {
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
	name string
	// call makes one call, reading the client's files itself.
	call       func() error
	mu         sync.Mutex
	calls      []apiCall
	quit, done chan struct{}
}

// apiCall is one call, from its start (at) to its end.
type apiCall struct {
	at, end time.Time
	err     error
}

func (h *e2eHost) newProber(name, certDir string) *apiProber {
	return h.newProberWithCA(name, certDir, filepath.Join(certDir, "ca.pem"))
}

func (h *e2eHost) newProberWithCA(name, certDir, caPath string) *apiProber {
	return startProber(h.t, name, pingCall(fmt.Sprintf("https://127.0.0.1:%d/containers/%s/json", h.port, h.container), caPath, certDir))
}

// startProber makes call in a loop until the test ends (or the prober's
// bounds).
func startProber(t *testing.T, name string, call func() error) *apiProber {
	p := &apiProber{name: name, call: call, quit: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	t.Cleanup(p.stop)
	return p
}

// pingCall is a call of url over mutual TLS with the CA bundle at caPath
// and the pair in certDir, read anew for each call.
func pingCall(url, caPath, certDir string) func() error {
	return func() error {
		client, err := loadAPIClient(caPath, certDir)
		if err != nil {
			return fmt.Errorf("the client's own files: %w", err)
		}
		return ping(client, url)
	}
}

func (p *apiProber) run() {
	defer close(p.done)
	deadline := time.Now().Add(maxProbeTime)
	for i := 0; i < maxProbeCalls && time.Now().Before(deadline); i++ {
		start := time.Now()
		err := p.call()
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
		s += fmt.Sprintf("; the server restarting for %s, during which %d calls failed (API unavailable for %s)",
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

// maxProbeCalls and maxProbeTime bound every prober: it stops by itself.
const (
	maxProbeCalls = 20000
	maxProbeTime  = 10 * time.Minute
	probeInterval = 50 * time.Millisecond
)
