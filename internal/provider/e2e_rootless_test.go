package provider

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// rootlessUserName is the unprivileged user scripts/setup.sh creates, with
// subordinate ids, for this test.
const rootlessUserName = "dockertls-rootless"

// rootlessContrib is where Debian's docker.io installs dockerd-rootless.sh
// and dockerd-rootless-setuptool.sh.
const rootlessContrib = "/usr/share/docker.io/contrib"

// TestE2ERootless starts a rootless engine, as an unprivileged user, from
// what dockertls_daemon_config renders for platform = "rootless": the files
// it lists, written as the user, and the user unit that
// dockerd-rootless-setuptool.sh writes with the rendered drop-in over it.
// This machine has no user session (no systemd --user), so the test does
// what systemd would: it runs the unit's ExecStart with the unit's
// environment as the user, and stops it by its main process. Then the
// docker CLI reaches the engine over TCP with mutual TLS, through the port
// RootlessKit publishes, runs a container, and a client without a
// certificate is refused.
func TestE2ERootless(t *testing.T) {
	r := startRenderedRootless(t, "")
	if strings.Contains(r.out["systemd_dropin"], "ExecStart") {
		t.Errorf("with daemon.json in its default place the drop-in replaces the unit's ExecStart:\n%s", r.out["systemd_dropin"])
	}
	docker, env, home := r.docker, r.env, r.home
	importBusybox(t, docker, env, home)
	if got, err := dockerCmd(docker, env, "run", "--rm", "--network", "none", busyboxImage, "/bin/sh", "-c", "echo rootless-ok"); err != nil || !strings.Contains(got, "rootless-ok") {
		t.Fatalf("a container does not run on the rootless engine: %v\n%s", err, got)
	}
	refuseWithoutCertificate(t, r.out["ca_pem"], r.port)

	// A restart, as systemctl --user restart would do it, ends RootlessKit
	// and with it the containers' namespaces: this is why live_restore is
	// off by default here and warns when set.
	id, err := dockerCmd(docker, env, "run", "-d", "--network", "none", busyboxImage, "/bin/sleep", "100000")
	if err != nil {
		t.Fatalf("docker run -d: %v\n%s", err, id)
	}
	r.engine.stop()
	r.engine.start()
	waitForRootless(t, r.engine, docker, env)
	state, err := dockerCmd(docker, env, "inspect", "--format", "{{.State.Running}}", strings.TrimSpace(id))
	if err != nil || strings.TrimSpace(state) != "false" {
		t.Errorf("after a restart the container runs (%v %q): update live_restore's description", err, state)
	}
	t.Logf("after a restart of the rootless engine the container is stopped, as the documentation says")
}

// TestE2ERootlessConfigFileElsewhere moves daemon.json out of
// ~/.config/docker: the drop-in then starts dockerd-rootless.sh with
// --config-file, which it hands to dockerd.
func TestE2ERootlessConfigFileElsewhere(t *testing.T) {
	r := startRenderedRootless(t, `daemon_json_path = "${local.home}/etc/dockerd.json"
  dockerd_path     = "`+rootlessContrib+`/dockerd-rootless.sh"`)
	want := "ExecStart=\nExecStart=" + rootlessContrib + "/dockerd-rootless.sh --config-file " + filepath.Join(r.home, "etc", "dockerd.json") + "\n"
	if !strings.HasSuffix(r.out["systemd_dropin"], want) {
		t.Errorf("the drop-in does not start dockerd-rootless.sh on the moved daemon.json:\n%s", r.out["systemd_dropin"])
	}
	if _, err := os.Stat(filepath.Join(r.home, ".config", "docker", "daemon.json")); !os.IsNotExist(err) {
		t.Errorf("a daemon.json is in the default place too (%v): the engine may not have read the moved one", err)
	}
}

// renderedRootless is a rootless engine started from what the provider
// rendered, and the client environment that reaches it.
type renderedRootless struct {
	engine       *rootlessEngine
	out          map[string]string
	docker, home string
	env          []string
	port         int
}

// startRenderedRootless applies rootlessConfig with extra arguments for the
// daemon data source, writes the files as the user, starts the engine and
// waits until the docker CLI reaches it over TCP with mutual TLS.
func startRenderedRootless(t *testing.T, extra string) renderedRootless {
	t.Helper()
	_, docker := requireDocker(t)
	u := requireRootless(t)
	home := rootlessHome(t, u)
	runtimeDir := filepath.Join(home, "run")
	mkdirAs(t, u, runtimeDir, 0o700)
	port := freePort(t)
	tcp := fmt.Sprintf("tcp://127.0.0.1:%d", port)

	clock := newTestClock()
	tf := newCLI(t, clock, rootlessConfig(u, home, runtimeDir, tcp, extra))
	tf.mustRun("apply", "-auto-approve", "-input=false")
	out := outputs(t, tf)
	writeRenderedFiles(t, u, home, out["files"])

	dropin := out["systemd_dropin"]
	if want := fmt.Sprintf("Environment=\"DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS=-p 127.0.0.1:%d:%d/tcp\"\n", port, port); !strings.Contains(dropin, want) {
		t.Fatalf("the drop-in does not publish the port:\n%s", dropin)
	}
	if !strings.Contains(out["daemon_json"], fmt.Sprintf(`"tcp://0.0.0.0:%d"`, port)) {
		t.Fatalf("daemon.json does not listen on the port inside RootlessKit's namespace:\n%s", out["daemon_json"])
	}
	if out["restart_command"] != "systemctl --user daemon-reload && systemctl --user restart docker" {
		t.Errorf("restart_command = %q", out["restart_command"])
	}

	engine := &rootlessEngine{t: t, user: u, home: home, runtimeDir: runtimeDir, unit: setuptoolUnit() + dropin}
	engine.start()
	t.Cleanup(engine.stop)

	env := envList(t, out["client_env"])
	version := waitForRootless(t, engine, docker, env)
	t.Logf("docker version over TCP with mutual TLS, through RootlessKit's port: server %s", version)
	if info, err := dockerCmd(docker, env, "info", "--format", "{{json .SecurityOptions}}"); err != nil || !strings.Contains(info, "rootless") {
		t.Fatalf("the engine is not rootless: %v %s", err, info)
	}
	socket := "unix://" + filepath.Join(runtimeDir, "docker.sock")
	if got, err := dockerCmd(docker, nil, "-H", socket, "version", "--format", "{{.Server.Version}}"); err != nil || strings.TrimSpace(got) != version {
		t.Errorf("the engine's unix socket %s does not answer: %v %s", socket, err, got)
	}
	return renderedRootless{engine: engine, out: out, docker: docker, home: home, env: env, port: port}
}

// requireRootless finds what a rootless engine needs; it skips loudly
// without it, except on CI, where make test installs it.
func requireRootless(t *testing.T) *user.User {
	t.Helper()
	missing := func(reason string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("the rootless end-to-end test cannot run on CI: %s", reason)
		}
		t.Skipf("SKIP (loudly): the rootless end-to-end test did not run: %s. Run `make test` as root to set it up.", reason)
	}
	for _, program := range []string{"rootlesskit", "slirp4netns", "newuidmap"} {
		if _, err := exec.LookPath(program); err != nil {
			missing(program + " is not installed")
		}
	}
	if _, err := os.Stat(filepath.Join(rootlessContrib, "dockerd-rootless.sh")); err != nil {
		missing("docker.io's dockerd-rootless.sh is missing")
	}
	u, err := user.Lookup(rootlessUserName)
	if err != nil {
		missing("the user " + rootlessUserName + " does not exist")
	}
	return u
}

func ids(t *testing.T, u *user.User) (uid, gid int) {
	t.Helper()
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		t.Fatalf("user %s has ids %s:%s", u.Username, u.Uid, u.Gid)
	}
	return uid, gid
}

// rootlessHome is a fresh home for the user, so that no engine state
// outlives the test.
func rootlessHome(t *testing.T, u *user.User) string {
	t.Helper()
	home, err := os.MkdirTemp("", "dtls-rootless")
	if err != nil {
		t.Fatal(err)
	}
	uid, gid := ids(t, u)
	if err := os.Chown(home, uid, gid); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	return home
}

func mkdirAs(t *testing.T, u *user.User, dir string, mode os.FileMode) {
	t.Helper()
	uid, gid := ids(t, u)
	if err := os.MkdirAll(dir, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
}

func rootlessConfig(u *user.User, home, runtimeDir, tcp, extra string) string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    dockertls = { source = "dockertls/dockertls" }
  }
}

locals {
  home = %[3]q
}

resource "dockertls_ca" "ca" {
  common_name = "E2E rootless CA"
}

resource "dockertls_server_cert" "daemon" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  ip_addresses       = ["127.0.0.1"]
}

resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  common_name        = "ci"
}

data "dockertls_daemon_config" "rootless" {
  platform      = "rootless"
  rootless_user = { name = %[1]q, uid = %[2]s, home = %[3]q }
  # The user session's XDG_RUNTIME_DIR would be /run/user/%[2]s; this
  # machine has no user session, so the test gives the engine its own.
  hosts           = ["unix://%[4]s/docker.sock", %[5]q]
  ca_cert_pem     = dockertls_ca.ca.cert_pem
  server_cert_pem = dockertls_server_cert.daemon.cert_pem
  server_key_pem  = dockertls_server_cert.daemon.private_key_pem
  # As for every engine here: no iptables on this machine, so icc stays on.
  settings_json = jsonencode({ icc = true, iptables = false, bridge = "none" })
  %[6]s
}

data "dockertls_client_config" "ci" {
  host            = %[5]q
  ca_cert_pem     = dockertls_ca.ca.cert_pem
  client_cert_pem = dockertls_client_cert.ci.cert_pem
  client_key_pem  = dockertls_client_cert.ci.private_key_pem
  cert_dir        = "%[3]s/client"
  server_cert_pem = dockertls_server_cert.daemon.cert_pem
}

locals {
  client_files = { for name, f in data.dockertls_client_config.ci.files : "client/${name}" => f }
}

output "files" {
  value     = jsonencode(merge(data.dockertls_daemon_config.rootless.files, local.client_files))
  sensitive = true
}
output "daemon_json" { value = data.dockertls_daemon_config.rootless.json }
output "systemd_dropin" { value = data.dockertls_daemon_config.rootless.systemd_dropin }
output "restart_command" { value = data.dockertls_daemon_config.rootless.restart_command }
output "client_env" { value = jsonencode(data.dockertls_client_config.ci.env) }
output "ca_pem" { value = dockertls_ca.ca.cert_pem }
`, u.Username, u.Uid, home, runtimeDir, tcp, extra)
}

// writeRenderedFiles writes each file of a files map as the user owns it,
// with its mode, and hands the directories it creates under home to the
// user, as cloud_init does.
func writeRenderedFiles(t *testing.T, u *user.User, home, filesJSON string) {
	t.Helper()
	uid, gid := ids(t, u)
	writeFiles(t, filesJSON)
	err := filepath.Walk(home, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(path, uid, gid)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// setuptoolUnit is the [Service] part of the user unit that
// dockerd-rootless-setuptool.sh install writes
// (~/.config/systemd/user/docker.service, install_systemd), with BIN the
// directory of dockerd-rootless.sh: the drop-in goes over it.
func setuptoolUnit() string {
	return "[Service]\n" +
		"Environment=PATH=" + rootlessContrib + ":/sbin:/usr/sbin:/usr/local/bin:/usr/bin:/bin\n" +
		"ExecStart=" + rootlessContrib + "/dockerd-rootless.sh \n"
}

// serviceOf reads a unit and its drop-ins as systemd merges them: each
// Environment= adds a variable, an empty ExecStart= clears the command.
func serviceOf(unit string) (argv, env []string) {
	for _, line := range strings.Split(unit, "\n") {
		key, value, ok := strings.Cut(line, "=")
		switch {
		case !ok:
		case key == "Environment":
			env = append(env, strings.Trim(value, `"`))
		case key == "ExecStart":
			argv = strings.Fields(value)
		}
	}
	return argv, env
}

// rootlessEngine runs a user unit's service as systemd --user would.
type rootlessEngine struct {
	t                      *testing.T
	user                   *user.User
	home, runtimeDir, unit string
	cmd                    *exec.Cmd
	log                    strings.Builder
	exited                 chan struct{}
}

func (e *rootlessEngine) start() {
	e.t.Helper()
	argv, env := serviceOf(e.unit)
	if len(argv) == 0 {
		e.t.Fatalf("the unit starts nothing:\n%s", e.unit)
	}
	uid, gid := ids(e.t, e.user)
	e.cmd = exec.Command(argv[0], argv[1:]...)
	e.cmd.Dir = e.home
	e.cmd.Env = append([]string{"HOME=" + e.home, "USER=" + e.user.Username, "LOGNAME=" + e.user.Username, "XDG_RUNTIME_DIR=" + e.runtimeDir}, env...)
	e.cmd.Stdout, e.cmd.Stderr = &e.log, &e.log
	e.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	if err := e.cmd.Start(); err != nil {
		e.t.Fatalf("starting %v: %v", argv, err)
	}
	e.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) { _ = cmd.Wait(); close(exited) }(e.cmd, e.exited)
	e.t.Logf("started %v as %s (pid %d) with %v", argv, e.user.Username, e.cmd.Process.Pid, env)
}

// stop does what systemd's KillMode=mixed (the setuptool unit's) does:
// SIGTERM to the main process, then SIGKILL to whatever is left.
func (e *rootlessEngine) stop() {
	if e.cmd == nil {
		return
	}
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.exited:
	case <-time.After(30 * time.Second):
	}
	_ = syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL)
	<-e.exited
	_ = exec.Command("pkill", "-KILL", "-u", e.user.Username).Run()
	e.cmd = nil
	if e.t.Failed() {
		e.t.Logf("rootless engine log:\n%s", tail(e.log.String(), 40))
	}
}

// waitForRootless waits for the engine as waitForDocker does; the engine's
// log goes into the failure (stop logs it only after the test failed).
func waitForRootless(t *testing.T, e *rootlessEngine, docker string, env []string) string {
	t.Helper()
	return waitForDockerWhile(t, docker, env, func() (string, bool) {
		select {
		case <-e.exited:
			return tail(e.log.String(), 40), false
		default:
			return "", true
		}
	})
}

// refuseWithoutCertificate checks that the engine turns away a client that
// trusts it but has no certificate.
func refuseWithoutCertificate(t *testing.T, caPEM string, port int) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(caPEM))
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	resp, err := client.Get(fmt.Sprintf("https://127.0.0.1:%d/_ping", port))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a client without a certificate got %s from the rootless engine", resp.Status)
	}
	t.Logf("a client without a certificate is refused: %v", err)
}
