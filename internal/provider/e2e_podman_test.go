package provider

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The end-to-end test of the Podman data sources: Podman 5.7, built from
// the Go module proxy once per machine (scripts/build-podman.sh; make test
// sets DOCKERTLS_PODMAN), run as root on what dockertls_podman_config
// renders, with the unit's own command line. There is no systemd here: in
// the socket layout, socketUnit plays podman-tls.socket (it binds the
// rendered ListenStream= and keeps it open while podman restarts), and a
// restart is what systemctl restart does to the service, a stop and a
// start. Its clients are the real programs: podman-remote through the
// rendered connection and containers.conf, the docker CLI through
// dockertls_client_config's environment, and testcontainers-go (the judges
// module) through the rendered .testcontainers.properties.

// requirePodman finds podman and what it runs containers with. Without
// root or without them it skips loudly, except on CI, where it fails.
func requirePodman(t *testing.T) (podman, docker string) {
	t.Helper()
	missing := func(reason string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("the Podman end-to-end test cannot run on CI: %s", reason)
		}
		t.Skipf("SKIP (loudly): the Podman end-to-end test did not run: %s. Run `make test` as root, which installs conmon and "+
			"netavark, builds Podman 5.7 once and sets DOCKERTLS_PODMAN.", reason)
	}
	if os.Geteuid() != 0 {
		missing("podman runs here as root, as the rendered unit does")
	}
	podman = os.Getenv("DOCKERTLS_PODMAN")
	if _, err := os.Stat(podman); podman == "" || err != nil {
		missing("DOCKERTLS_PODMAN is not set or names no program")
	}
	for _, program := range []string{"conmon", "runc", "docker"} {
		if _, err := exec.LookPath(program); err != nil {
			missing(program + " is not installed")
		}
	}
	docker, _ = exec.LookPath("docker")
	return podman, docker
}

const podmanE2EConfig = `
terraform {
  required_providers {
    dockertls = { source = "dockertls/dockertls" }
  }
}
variable "trusted" {
  type    = list(string)
  default = ["alice", "bob"]
}
locals {
  dir   = %[1]q
  host  = "tcp://127.0.0.1:%[2]d"
  teams = toset(["alice", "bob"])
}
resource "dockertls_ca" "ca" { common_name = "E2E Podman CA" }
resource "dockertls_ca" "team" {
  for_each    = local.teams
  common_name = "E2E team ${each.key}"
}
resource "dockertls_ca" "rogue" { common_name = "E2E rogue CA" }
resource "dockertls_server_cert" "server" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  dns_names          = ["podman.e2e.internal"]
  ip_addresses       = ["127.0.0.1"]
}
resource "dockertls_client_cert" "user" {
  for_each           = local.teams
  ca_cert_pem        = dockertls_ca.team[each.key].cert_pem
  ca_private_key_pem = dockertls_ca.team[each.key].private_key_pem
  common_name        = each.key
}
resource "dockertls_client_cert" "rogue" {
  ca_cert_pem        = dockertls_ca.rogue.cert_pem
  ca_private_key_pem = dockertls_ca.rogue.private_key_pem
  common_name        = "rogue"
}

# The client trust is the teams' issuers: revoking a team is leaving its
# issuer out.
data "dockertls_podman_config" "host" {
  address            = local.host
  socket_activation  = %[3]t
  tls_dir            = "${local.dir}/tls"
  podman_path        = %[4]q
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  client_ca_cert_pem = join("", [for t in var.trusted : dockertls_ca.team[t].cert_pem])
  server_cert_pem    = dockertls_server_cert.server.cert_pem
  server_key_pem     = dockertls_server_cert.server.private_key_pem
}

# alice's podman-remote and her docker CLI share one directory.
data "dockertls_podman_client_config" "alice" {
  host               = local.host
  cert_dir           = "${local.dir}/clients/alice"
  connection_name    = "e2e"
  default            = true
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  client_ca_cert_pem = dockertls_ca.team["alice"].cert_pem
  client_cert_pem    = dockertls_client_cert.user["alice"].cert_pem
  client_key_pem     = dockertls_client_cert.user["alice"].private_key_pem
  server_cert_pem    = dockertls_server_cert.server.cert_pem
}
data "dockertls_client_config" "user" {
  for_each           = local.teams
  host               = local.host
  cert_dir           = "${local.dir}/clients/${each.key}"
  context_name       = "e2e-podman"
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  client_ca_cert_pem = dockertls_ca.team[each.key].cert_pem
  client_cert_pem    = dockertls_client_cert.user[each.key].cert_pem
  client_key_pem     = dockertls_client_cert.user[each.key].private_key_pem
  server_cert_pem    = dockertls_server_cert.server.cert_pem
}

output "server_files" {
  value     = jsonencode(data.dockertls_podman_config.host.files)
  sensitive = true
}
output "systemd_service" { value = data.dockertls_podman_config.host.systemd_service }
output "systemd_socket" { value = coalesce(data.dockertls_podman_config.host.systemd_socket, "none") }
output "restart_trigger" { value = data.dockertls_podman_config.host.restart_trigger }
output "server_cert" { value = dockertls_server_cert.server.cert_pem }
output "podman_client_files" {
  value     = jsonencode(data.dockertls_podman_client_config.alice.files)
  sensitive = true
}
output "docker_client_files" {
  value     = jsonencode({ for k, c in data.dockertls_client_config.user : k => c.files })
  sensitive = true
}
output "podman_connection_command" { value = data.dockertls_podman_client_config.alice.podman_connection_command }
output "containers_conf" { value = data.dockertls_podman_client_config.alice.containers_conf }
output "testcontainers_properties" { value = data.dockertls_client_config.user["alice"].testcontainers_properties }
output "docker_env" { value = jsonencode(data.dockertls_client_config.user["alice"].env) }
output "docker_context_command" { value = data.dockertls_client_config.user["alice"].docker_context_command }
output "ca_pem" { value = dockertls_ca.ca.cert_pem }
output "bob_cert" { value = dockertls_client_cert.user["bob"].cert_pem }
output "bob_key" {
  value     = dockertls_client_cert.user["bob"].private_key_pem
  sensitive = true
}
output "rogue_cert" { value = dockertls_client_cert.rogue.cert_pem }
output "rogue_key" {
  value     = dockertls_client_cert.rogue.private_key_pem
  sensitive = true
}
`

// TestE2EPodman serves the rendered configuration with Podman 5.7 in both
// layouts, and proves each client's files on it: each starts a container
// over mutual TLS. A client without a certificate and one from an issuer
// the host does not trust are refused in the handshake. A renewal of the
// server certificate and a revocation (a team's issuer left out of the
// client trust) are each delivered with a restart, measured as the dockerd
// tables are: the calls that failed, and the longest call.
func TestE2EPodman(t *testing.T) {
	podman, docker := requirePodman(t)
	judge := buildJudge(t)
	for _, socketActivation := range []bool{true, false} {
		name := "podman opens the port"
		if socketActivation {
			name = "podman-tls.socket holds the port"
		}
		t.Run(name, func(t *testing.T) { testPodman(t, podman, docker, judge, socketActivation) })
	}
}

func testPodman(t *testing.T, podman, docker, judge string, socketActivation bool) {
	dir := e2eDir(t, "dtlspm")
	port := freePort(t)
	tf := newCLI(t, newTestClock(), fmt.Sprintf(podmanE2EConfig, dir, port, socketActivation, podman))
	tf.mustRun("apply", "-auto-approve", "-input=false")
	out := outputs(t, tf)
	writeFilesUnder(t, out["server_files"], dir)
	writeFiles(t, out["podman_client_files"])
	for _, files := range jsonObjects(t, out["docker_client_files"]) {
		writeFiles(t, files)
	}
	if got := execStart(t, out["systemd_service"])[0]; got != podman {
		t.Fatalf("the unit starts %s, want podman_path %s", got, podman)
	}

	p := &podmanService{t: t, dir: dir, argv: execStart(t, out["systemd_service"]), env: podmanTestEnv(t, dir)}
	if socketActivation {
		p.sockets = openSocketUnit(t, out["systemd_socket"])
	} else if out["systemd_socket"] != "none" {
		t.Fatalf("a socket unit without socket_activation:\n%s", out["systemd_socket"])
	}
	p.start()
	t.Cleanup(func() { p.stop(); killProcessesUnder(t, dir) })
	alice := filepath.Join(dir, "clients", "alice")
	url := fmt.Sprintf("https://127.0.0.1:%d", port)
	p.waitReady(url+"/_ping", alice)

	dockerEnv := append(envList(t, out["docker_env"]), "DOCKER_CONFIG="+filepath.Join(dir, "dockercfg"))
	t.Run("the docker CLI through dockertls_client_config's env starts a container", func(t *testing.T) {
		importBusybox(t, docker, dockerEnv, dir)
		got, err := dockerCmd(docker, dockerEnv, "run", "--rm", "--network", "none", busyboxImage, "echo", "via the docker CLI")
		if err != nil || !strings.Contains(got, "via the docker CLI") {
			t.Fatalf("docker run: %v\n%s", err, got)
		}
	})
	t.Run("the docker CLI through dockertls_client_config's docker_context_command starts a container", func(t *testing.T) {
		env := []string{"DOCKER_HOST=", "DOCKER_TLS_VERIFY=", "DOCKER_CERT_PATH=", "DOCKER_CONFIG=" + filepath.Join(dir, "dockercfg-context")}
		runShell(t, out["docker_context_command"], env)
		got, err := dockerCmd(docker, env, "--context", "e2e-podman", "run", "--rm", "--network", "none", busyboxImage, "echo", "via a docker context")
		if err != nil || !strings.Contains(got, "via a docker context") {
			t.Fatalf("docker --context run: %v\n%s", err, got)
		}
	})
	t.Run("podman-remote through podman_connection_command starts a container", func(t *testing.T) {
		home := filepath.Join(dir, "podman-home")
		env := podmanClientEnv(podman, home)
		runShell(t, out["podman_connection_command"], env)
		// The connection is the default: no --connection.
		got, err := runProgram(env, podman, "--remote", "run", "--rm", "--network", "none", busyboxImage, "echo", "via a connection")
		if err != nil || !strings.Contains(got, "via a connection") {
			t.Fatalf("podman --remote run: %v\n%s", err, got)
		}
	})
	t.Run("podman-remote through containers_conf starts a container", func(t *testing.T) {
		conf := filepath.Join(dir, "containers.conf.d", "dockertls-e2e.conf")
		writeFileAll(t, conf, out["containers_conf"])
		env := append(podmanClientEnv(podman, filepath.Join(dir, "conf-home")), "CONTAINERS_CONF="+conf)
		got, err := runProgram(env, podman, "--remote", "run", "--rm", "--network", "none", busyboxImage, "echo", "via containers.conf")
		if err != nil || !strings.Contains(got, "via containers.conf") {
			t.Fatalf("podman --remote run: %v\n%s", err, got)
		}
	})
	t.Run("testcontainers-go through testcontainers_properties starts a container", func(t *testing.T) {
		runTestcontainers(t, judge, dir, out["testcontainers_properties"], dockerEnv)
	})

	caPool := x509.NewCertPool()
	caPool.AppendCertsFromPEM([]byte(out["ca_pem"]))
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	t.Run("a client without a certificate is refused in the handshake", func(t *testing.T) {
		assertHandshakeRefused(t, addr, &tls.Config{RootCAs: caPool})
	})
	t.Run("a client of an issuer the host does not trust is refused in the handshake", func(t *testing.T) {
		assertIssuerRefused(t, addr, presenting(caPool, keyPair(t, out["rogue_cert"], out["rogue_key"])))
	})

	// A container runs through every restart (KillMode=process: its conmon
	// is not podman's child to stop).
	running, err := dockerCmd(docker, dockerEnv, "run", "-d", "--network", "none", busyboxImage, "sleep", "600")
	if err != nil {
		t.Fatalf("docker run -d: %v\n%s", err, running)
	}
	container := strings.TrimSpace(running)
	t.Cleanup(func() { _, _ = dockerCmd(docker, dockerEnv, "rm", "-f", container) })
	containerPID := func() string {
		got, err := dockerCmd(docker, dockerEnv, "inspect", "--format", "{{.State.Running}} {{.State.Pid}}", container)
		if err != nil {
			t.Fatalf("docker inspect: %v\n%s", err, got)
		}
		return strings.TrimSpace(got)
	}
	before := containerPID()

	prober := startProber(t, "alice", pingCall(url+"/_ping", filepath.Join(alice, "ca.pem"), alice))
	restart := func(what string, args ...string) {
		t.Helper()
		time.Sleep(time.Second)
		mark := prober.mark()
		trigger := out["restart_trigger"]
		tf.mustRun(append([]string{"apply", "-auto-approve", "-input=false"}, args...)...)
		out = outputs(t, tf)
		if out["restart_trigger"] == trigger {
			t.Fatalf("%s: restart_trigger did not change", what)
		}
		writeFilesUnder(t, out["server_files"], dir)
		w := &restartWindow{from: time.Now()}
		p.stop()
		p.start()
		p.waitReady(url+"/_ping", alice)
		w.to = time.Now()
		time.Sleep(time.Second)
		r := prober.report(mark, w)
		t.Logf("%s, socket_activation = %t: %s", what, socketActivation, r)
		if r.failed > 0 {
			t.Errorf("%s: calls failed outside the restart: %s", what, r)
		}
		if refusedDuringRestart(socketActivation, r) {
			t.Errorf("%s: with podman-tls.socket holding the port, calls were refused (or more than the one podman had accepted failed) during the restart: %s", what, r)
		}
	}

	restart("a renewal of the server certificate", "-replace=dockertls_server_cert.server")
	if served := servedCertificate(t, addr, caPool, keyPair(t, mustRead(t, filepath.Join(alice, "cert.pem")), mustRead(t, filepath.Join(alice, "key.pem")))); !served.Equal(parseCert(t, out["server_cert"])) {
		t.Errorf("after the renewal podman serves %s, not the renewed certificate", served.SerialNumber)
	}

	if after := containerPID(); after != before || !strings.HasPrefix(after, "true ") {
		t.Errorf("the container through the restart: %q, then %q", before, after)
	}

	bob := keyPair(t, out["bob_cert"], out["bob_key"])
	if served := servedCertificate(t, addr, caPool, bob); served == nil {
		t.Fatal("bob before the revocation: no certificate served")
	}
	restart("the revocation of bob's issuer", `-var=trusted=["alice"]`)
	if after := containerPID(); after != before {
		t.Errorf("the container through the second restart: %q, then %q", before, after)
	}
	t.Run("a revoked client is refused in the handshake after the restart", func(t *testing.T) {
		assertIssuerRefused(t, addr, presenting(caPool, bob))
	})
}

// TestE2ETestcontainersDockerd has testcontainers-go start a container on
// dockerd (Debian's, or DOCKERTLS_DOCKERD) through the properties
// dockertls_client_config renders for it.
func TestE2ETestcontainersDockerd(t *testing.T) {
	dockerd, docker := requireDocker(t)
	judge := buildJudge(t)
	dir := e2eDir(t, "dtlstc")
	port := freePort(t)
	tf := newCLI(t, newTestClock(), fmt.Sprintf(`
terraform {
  required_providers {
    dockertls = { source = "dockertls/dockertls" }
  }
}
resource "dockertls_ca" "ca" { common_name = "E2E CA" }
resource "dockertls_server_cert" "server" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  ip_addresses       = ["127.0.0.1"]
}
resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  common_name        = "ci"
}
data "dockertls_daemon_config" "host" {
  hosts           = ["unix://%[1]s/docker.sock", "tcp://127.0.0.1:%[2]d"]
  tls_dir         = "%[1]s/tls"
  daemon_json_path = "%[1]s/daemon.json"
  ca_cert_pem     = dockertls_ca.ca.cert_pem
  server_cert_pem = dockertls_server_cert.server.cert_pem
  server_key_pem  = dockertls_server_cert.server.private_key_pem
}
data "dockertls_client_config" "ci" {
  host            = "tcp://127.0.0.1:%[2]d"
  cert_dir        = "%[1]s/client"
  ca_cert_pem     = dockertls_ca.ca.cert_pem
  client_cert_pem = dockertls_client_cert.ci.cert_pem
  client_key_pem  = dockertls_client_cert.ci.private_key_pem
}
output "server_files" {
  value     = jsonencode(data.dockertls_daemon_config.host.files)
  sensitive = true
}
output "client_files" {
  value     = jsonencode(data.dockertls_client_config.ci.files)
  sensitive = true
}
output "testcontainers_properties" { value = data.dockertls_client_config.ci.testcontainers_properties }
output "env" { value = jsonencode(data.dockertls_client_config.ci.env) }
`, dir, port))
	tf.mustRun("apply", "-auto-approve", "-input=false")
	out := outputs(t, tf)
	writeFilesUnder(t, out["server_files"], dir)
	writeFiles(t, out["client_files"])
	startDockerd(t, dockerd, dir, filepath.Join(dir, "daemon.json"))
	env := append(envList(t, out["env"]), "DOCKER_CONFIG="+filepath.Join(dir, "dockercfg"))
	waitForDocker(t, docker, env)
	importBusybox(t, docker, env, dir)
	runTestcontainers(t, judge, dir, out["testcontainers_properties"], env)
}

// runTestcontainers has testcontainers-go start a container with the
// rendered properties as the user's ~/.testcontainers.properties and
// DOCKER_HOST unset, so that the host comes from the file. With the
// properties alone testcontainers-go v0.45 fails: it checks the host with
// a client built from the environment only ("Client sent an HTTP request
// to an HTTPS server"), which the docs say; with DOCKER_TLS_VERIFY and
// DOCKER_CERT_PATH from env as well it starts the container.
func runTestcontainers(t *testing.T, judge, dir, properties string, dockerEnv []string) {
	t.Helper()
	home := filepath.Join(dir, "tc-home")
	writeFileAll(t, filepath.Join(home, ".testcontainers.properties"), properties)
	base := []string{"HOME=" + home, "TESTCONTAINERS_RYUK_DISABLED=true", "DOCKER_HOST=", "DOCKER_TLS_VERIFY=", "DOCKER_CERT_PATH=", "DOCKER_CONFIG=" + filepath.Join(dir, "dockercfg")}
	got, err := runProgram(base, judge, "testcontainers", busyboxImage, "properties-alone")
	if err == nil || !strings.Contains(got, "Client sent an HTTP request to an HTTPS server") {
		t.Errorf("testcontainers-go with the properties alone: want the failure the docs describe, got %v\n%s", err, got)
	}
	env := base
	for _, kv := range dockerEnv {
		if strings.HasPrefix(kv, "DOCKER_TLS_VERIFY=") || strings.HasPrefix(kv, "DOCKER_CERT_PATH=") {
			env = append(env, kv)
		}
	}
	got, err = runProgram(env, judge, "testcontainers", busyboxImage, "via-testcontainers")
	if err != nil || !strings.Contains(got, "via-testcontainers") {
		t.Fatalf("testcontainers-go with the properties and env's TLS variables: %v\n%s", err, got)
	}
}

// buildJudge builds the judges module's program (testcontainers-go is
// there, out of the provider's dependency graph).
func buildJudge(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "judge")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Join("..", "..", "judges")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build judges: %v\n%s", err, out)
	}
	return bin
}

// podmanService is podman-tls.service: the unit's command line, started
// on the sockets of podman-tls.socket when there are any, and stopped and
// started again as systemctl restart does.
type podmanService struct {
	t       *testing.T
	dir     string
	argv    []string
	env     []string
	sockets *socketUnit
	cmd     *exec.Cmd
	exited  chan struct{}
	log     *os.File
}

func (p *podmanService) start() {
	p.t.Helper()
	if p.log == nil {
		f, err := os.OpenFile(filepath.Join(p.dir, "podman.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			p.t.Fatal(err)
		}
		p.log = f
		p.t.Cleanup(func() {
			f.Close()
			if p.t.Failed() {
				if b, err := os.ReadFile(f.Name()); err == nil {
					p.t.Logf("podman log:\n%s", tail(string(b), 40))
				}
			}
		})
	}
	argv := p.argv
	if p.sockets != nil {
		// sh sets LISTEN_PID to its own PID and execs podman in its place.
		argv = append([]string{"sh", "-c", fmt.Sprintf(`LISTEN_PID=$$ LISTEN_FDS=%d exec "$0" "$@"`, len(p.sockets.files))}, argv...)
	}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Env = append(os.Environ(), p.env...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if p.sockets != nil {
		p.cmd.ExtraFiles = p.sockets.files
	}
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("starting podman: %v", err)
	}
	exited := make(chan struct{})
	p.exited = exited
	go func() { _ = p.cmd.Wait(); close(exited) }()
}

// stop ends podman as systemd does (SIGTERM), and the containers, whose
// conmon runs beside it, keep running (KillMode=process).
func (p *podmanService) stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// waitReady waits until podman answers url over TLS with the client files
// in certDir.
func (p *podmanService) waitReady(url, certDir string) {
	p.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		client, err := loadAPIClient(filepath.Join(certDir, "ca.pem"), certDir)
		if err == nil {
			err = ping(client, url)
		}
		if err == nil {
			return
		}
		select {
		case <-p.exited:
			p.t.Fatalf("podman exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("podman did not serve the API over TLS: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// podmanTestEnv is the service's environment here: a containers.conf and
// a storage.conf that keep everything in dir (the vfs driver, cgroupfs and
// a file for events, since this machine runs no systemd), and a HOME with
// the policy.json that a distribution's containers-common package ships.
func podmanTestEnv(t *testing.T, dir string) []string {
	t.Helper()
	writeFileAll(t, filepath.Join(dir, "engine", "containers.conf"), fmt.Sprintf(`[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "%[1]s/engine/events.log"
runtime = "runc"
tmp_dir = "%[1]s/engine/tmp"
static_dir = "%[1]s/engine/storage/libpod"
volume_path = "%[1]s/engine/storage/volumes"

[network]
network_config_dir = "%[1]s/engine/networks"
`, dir))
	writeFileAll(t, filepath.Join(dir, "engine", "storage.conf"), fmt.Sprintf("[storage]\ndriver = \"vfs\"\ngraphroot = \"%[1]s/engine/storage\"\nrunroot = \"%[1]s/engine/run\"\n", dir))
	home := filepath.Join(dir, "engine", "home")
	writeFileAll(t, filepath.Join(home, ".config", "containers", "policy.json"), `{"default":[{"type":"insecureAcceptAnything"}]}`)
	return []string{"HOME=" + home, "CONTAINERS_CONF=" + filepath.Join(dir, "engine", "containers.conf"),
		"CONTAINERS_STORAGE_CONF=" + filepath.Join(dir, "engine", "storage.conf"), "PODMAN_IGNORE_CGROUPSV1_WARNING=1", "XDG_CONFIG_HOME=", "XDG_RUNTIME_DIR="}
}

// podmanClientEnv is a podman-remote user's environment: their own HOME,
// and the podman under test first on PATH (the rendered command says
// `podman`).
func podmanClientEnv(podman, home string) []string {
	return []string{"HOME=" + home, "XDG_CONFIG_HOME=", "XDG_RUNTIME_DIR=", "CONTAINER_HOST=", "CONTAINER_CONNECTION=", "CONTAINERS_CONF=",
		"PATH=" + filepath.Dir(podman) + string(os.PathListSeparator) + os.Getenv("PATH")}
}

func runProgram(env []string, program string, args ...string) (string, error) {
	cmd := exec.Command(program, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// writeFilesUnder writes the files of a files map that go under dir (the
// units, which go to /etc/systemd/system, are read from their outputs).
func writeFilesUnder(t *testing.T, filesJSON, dir string) {
	t.Helper()
	kept := map[string]renderedFile{}
	for name, f := range renderedFiles(t, filesJSON) {
		if strings.HasPrefix(f.Path, dir+"/") {
			kept[name] = f
		}
	}
	b, err := json.Marshal(kept)
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, string(b))
}

// presenting is a client's TLS configuration that presents pair whatever
// issuers the server asks for: Go's client sends no certificate when its
// issuer is not among them, which would make a refused issuer look like a
// missing certificate.
func presenting(roots *x509.CertPool, pair tls.Certificate) *tls.Config {
	return &tls.Config{RootCAs: roots, NextProtos: []string{"h2", "http/1.1"},
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }}
}

// servedCertificate is the leaf addr serves to a client with pair, once the
// server has accepted pair (in TLS 1.3 with the first read).
func servedCertificate(t *testing.T, addr string, roots *x509.CertPool, pair tls.Certificate) *x509.Certificate {
	t.Helper()
	cfg := presenting(roots, pair)
	cfg.NextProtos = []string{"http/1.1"} // the request below is HTTP/1.1
	conn, err := tls.DialWithDialer(&netDialer, "tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "GET /_ping HTTP/1.1\r\nHost: podman\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Read(make([]byte, 1)); err != nil {
		t.Fatalf("the server refused the client: %v", err)
	}
	return conn.ConnectionState().PeerCertificates[0]
}

func keyPair(t *testing.T, certPEM, keyPEM string) tls.Certificate {
	t.Helper()
	pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		t.Fatal(err)
	}
	return pair
}

func parseCert(t *testing.T, certPEM string) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil {
		t.Fatalf("no PEM in %q", certPEM)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// writeFileAll writes content to path, making its directory.
func writeFileAll(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, content)
}
