package provider

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The end-to-end tests of the BuildKit and registry data sources: buildkitd,
// buildctl and the registry built from the Go module proxy (make test does,
// once per machine: scripts/build-buildkit.sh, scripts/build-registry.sh),
// started on what the data sources render.

// requireBuildTools finds buildkitd, buildctl and the registry. Without
// root or without them it skips loudly, except on CI, where it fails.
func requireBuildTools(t *testing.T) (buildkitDir, registry string) {
	t.Helper()
	missing := func(reason string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("the BuildKit and registry end-to-end test cannot run on CI: %s", reason)
		}
		t.Skipf("SKIP (loudly): the BuildKit and registry end-to-end test did not run: %s. Run `make test` as root, which builds "+
			"buildkitd, buildctl and the registry once and sets DOCKERTLS_BUILDKIT_DIR and DOCKERTLS_REGISTRY.", reason)
	}
	if os.Geteuid() != 0 {
		missing("buildkitd and the network namespace need root")
	}
	buildkitDir, registry = os.Getenv("DOCKERTLS_BUILDKIT_DIR"), os.Getenv("DOCKERTLS_REGISTRY")
	for _, bin := range []string{filepath.Join(buildkitDir, "buildkitd"), filepath.Join(buildkitDir, "buildctl"), registry} {
		if _, err := os.Stat(bin); buildkitDir == "" || registry == "" || err != nil {
			missing("DOCKERTLS_BUILDKIT_DIR (buildkitd, buildctl) or DOCKERTLS_REGISTRY is not set or names no program")
		}
	}
	if _, err := exec.LookPath("runc"); err != nil {
		missing("runc is not installed (apt-get install runc), which buildkitd's OCI worker runs")
	}
	return buildkitDir, registry
}

const buildkitE2EPKI = `
terraform {
  required_providers {
    dockertls = { source = "dockertls/dockertls" }
  }
}
locals {
  dir = %q
}
resource "dockertls_ca" "ca" { common_name = "E2E build CA" }
resource "dockertls_ca" "team" { common_name = "E2E build team" }
resource "dockertls_ca" "rogue" { common_name = "E2E rogue CA" }
resource "dockertls_server_cert" "server" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  dns_names          = ["builder.e2e.internal"]
  ip_addresses       = [%q]
}
resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.team.cert_pem
  ca_private_key_pem = dockertls_ca.team.private_key_pem
  common_name        = "ci"
}
resource "dockertls_client_cert" "rogue" {
  ca_cert_pem        = dockertls_ca.rogue.cert_pem
  ca_private_key_pem = dockertls_ca.rogue.private_key_pem
  common_name        = "rogue"
}
output "ca_pem" { value = dockertls_ca.ca.cert_pem }
output "rogue_cert" { value = dockertls_client_cert.rogue.cert_pem }
output "rogue_key" {
  value     = dockertls_client_cert.rogue.private_key_pem
  sensitive = true
}
`

// TestE2EBuildkit starts buildkitd on the rendered buildkitd.toml, with
// the unit's own command line, and builds a Dockerfile with buildctl on the
// rendered client files, in both naming schemes; a client without a
// certificate and one from another issuer are refused in the handshake.
// Client trust is a team issuer (client_ca_cert_pem), as for dockerd.
func TestE2EBuildkit(t *testing.T) {
	buildkitDir, _ := requireBuildTools(t)
	dir := e2eDir(t, "dtlsbk")
	port := freePort(t)
	tf := newCLI(t, newTestClock(), fmt.Sprintf(buildkitE2EPKI, dir, "127.0.0.1")+fmt.Sprintf(`
data "dockertls_buildkitd_config" "builder" {
  addresses          = ["unix://${local.dir}/buildkitd.sock", "tcp://127.0.0.1:%d"]
  tls_dir            = "${local.dir}/tls"
  config_path        = "${local.dir}/buildkitd.toml"
  buildkitd_path     = %q
  extra_toml         = "root = \"${local.dir}/root\""
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  client_ca_cert_pem = dockertls_ca.team.cert_pem
  server_cert_pem    = dockertls_server_cert.server.cert_pem
  server_key_pem     = dockertls_server_cert.server.private_key_pem
}
data "dockertls_buildkit_client_config" "ci" {
  for_each           = toset(["docker", "cert_manager"])
  host               = "tcp://127.0.0.1:%d"
  file_names         = each.key
  cert_dir           = "${local.dir}/client-${each.key}"
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  client_ca_cert_pem = dockertls_ca.team.cert_pem
  client_cert_pem    = dockertls_client_cert.ci.cert_pem
  client_key_pem     = dockertls_client_cert.ci.private_key_pem
  server_cert_pem    = dockertls_server_cert.server.cert_pem
}
output "server_files" {
  value     = jsonencode(data.dockertls_buildkitd_config.builder.files)
  sensitive = true
}
output "unit" { value = data.dockertls_buildkitd_config.builder.systemd_unit }
output "client_files" {
  value     = jsonencode({ for k, c in data.dockertls_buildkit_client_config.ci : k => c.files })
  sensitive = true
}
output "buildctl_args" { value = jsonencode(data.dockertls_buildkit_client_config.ci["docker"].buildctl_args) }
output "buildkit_host" { value = data.dockertls_buildkit_client_config.ci["docker"].buildkit_host }
`, port, filepath.Join(buildkitDir, "buildkitd"), port))
	tf.mustRun("apply", "-auto-approve", "-input=false")
	out := outputs(t, tf)
	writeFiles(t, out["server_files"])
	for _, files := range jsonObjects(t, out["client_files"]) {
		writeFiles(t, files)
	}
	startBuildkitd(t, dir, execStart(t, out["unit"]), "")

	buildctl := filepath.Join(buildkitDir, "buildctl")
	context := filepath.Join(dir, "context")
	if err := os.MkdirAll(context, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(context, "Dockerfile"), "FROM scratch\nCOPY greeting /greeting\n")
	writeFile(t, filepath.Join(context, "greeting"), "built over mutual TLS\n")
	build := func(tlsArgs []string, dest string) (string, error) {
		args := append(append([]string{"--addr", out["buildkit_host"]}, tlsArgs...), "build", "--frontend", "dockerfile.v0",
			"--local", "context="+context, "--local", "dockerfile="+context, "--output", "type=local,dest="+dest)
		got, err := exec.Command(buildctl, args...).CombinedOutput()
		return string(got), err
	}
	var args []string
	decodeJSON(t, out["buildctl_args"], &args)
	for name, tlsArgs := range map[string][]string{
		"buildctl_args":                    args,
		"--tlsdir with docker names":       {"--tlsservername", "127.0.0.1", "--tlsdir", filepath.Join(dir, "client-docker")},
		"--tlsdir with cert-manager names": {"--tlsservername", "127.0.0.1", "--tlsdir", filepath.Join(dir, "client-cert_manager")},
	} {
		t.Run("a build with "+name, func(t *testing.T) {
			dest := filepath.Join(dir, "out", strings.ReplaceAll(name, " ", "-"))
			got, err := build(tlsArgs, dest)
			if err != nil {
				t.Fatalf("buildctl build: %v\n%s", err, got)
			}
			if b, err := os.ReadFile(filepath.Join(dest, "greeting")); err != nil || string(b) != "built over mutual TLS\n" {
				t.Errorf("the build's output: %q, %v", b, err)
			}
		})
	}

	t.Run("kreuzwerker/docker's docker_buildx_builder boots on remote_driver_options", func(t *testing.T) {
		kreuzwerkerBuildxBuilder(t, tf, dir)
	})

	caPool := x509.NewCertPool()
	caPool.AppendCertsFromPEM([]byte(out["ca_pem"]))
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	t.Run("a client without a certificate is refused in the handshake", func(t *testing.T) {
		assertHandshakeRefused(t, addr, &tls.Config{RootCAs: caPool, NextProtos: []string{"h2"}})
		if got, err := build([]string{"--tlsservername", "127.0.0.1", "--tlscacert", filepath.Join(dir, "client-docker", "ca.pem")}, filepath.Join(dir, "out", "none")); err == nil {
			t.Errorf("buildctl without a client certificate built:\n%s", got)
		}
	})
	t.Run("a client of another issuer is refused in the handshake", func(t *testing.T) {
		rogue, err := tls.X509KeyPair([]byte(out["rogue_cert"]), []byte(out["rogue_key"]))
		if err != nil {
			t.Fatal(err)
		}
		assertIssuerRefused(t, addr, presenting(caPool, rogue))
	})
}

// kreuzwerkerBuildxBuilder has kreuzwerker/docker make and boot a remote
// buildx builder from the client's remote_driver_options (boot connects to
// buildkitd over mutual TLS and lists its workers).
func kreuzwerkerBuildxBuilder(t *testing.T, issued *cli, dir string) {
	kwDir := os.Getenv("DOCKERTLS_KREUZWERKER_DIR")
	if kwDir == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("DOCKERTLS_KREUZWERKER_DIR is not set on CI: make test builds kreuzwerker/docker there (scripts/build-kreuzwerker.sh)")
		}
		t.Skip("SKIP (loudly): kreuzwerker/docker is not built; run scripts/build-kreuzwerker.sh and set DOCKERTLS_KREUZWERKER_DIR to what it prints, or run make test, which does both")
	}
	opts := issued.stateAttr(`data.dockertls_buildkit_client_config.ci["docker"]`, "remote_driver_options").(map[string]any)
	host := issued.stateAttr(`data.dockertls_buildkit_client_config.ci["docker"]`, "buildkit_host").(string)
	kw := newCLI(t, newTestClock(), providerBlock)
	writeFile(t, filepath.Join(kw.dir, "terraformrc"), fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"kreuzwerker/docker\" = %q\n  }\n  direct {}\n}\n", kwDir))
	config := func(name, servername string) string {
		return fmt.Sprintf(`
terraform {
  required_providers {
    docker = { source = "kreuzwerker/docker" }
  }
}
# No dockerd here: the remote driver talks to buildkitd alone.
provider "docker" {
  host                        = "unix://%[1]s/no-dockerd.sock"
  disable_docker_daemon_check = true
}
resource "docker_buildx_builder" "remote" {
  name      = %[7]q
  endpoint  = %[2]q
  bootstrap = true
  remote {
    cacert     = %[3]q
    cert       = %[4]q
    key        = %[5]q
    servername = %[6]q
  }
}
`, dir, host, opts["cacert"], opts["cert"], opts["key"], servername, name)
	}
	env := []string{"DOCKER_CONFIG=" + filepath.Join(dir, "docker-config")}
	kw.write(config("dockertls-e2e", opts["servername"].(string)))
	if out, code := kw.run(env, "apply", "-auto-approve", "-input=false"); code != 0 {
		t.Fatalf("docker_buildx_builder with bootstrap on the rendered remote driver options (exit %d):\n%s", code, out)
	}
	// The control: a servername the certificate does not have fails the
	// boot, so the boot above did verify the builder.
	kw.write(config("dockertls-e2e-wrong", "not-a-san.e2e.internal"))
	if out, code := kw.run(env, "apply", "-auto-approve", "-input=false"); code == 0 || !strings.Contains(out, "not-a-san.e2e.internal") {
		t.Errorf("a builder with a servername that is not a SAN booted (exit %d):\n%s", code, out)
	}
}

// assertHandshakeRefused connects with cfg and wants the server's refusal:
// a TLS alert (in TLS 1.3 it arrives with the first read).
func assertHandshakeRefused(t *testing.T, addr string, cfg *tls.Config) {
	t.Helper()
	err := handshakeError(addr, cfg)
	if err == nil || !strings.Contains(err.Error(), "remote error: tls:") {
		t.Errorf("want a TLS alert from the server, got %v", err)
		return
	}
	t.Logf("refused: %v", err)
}

// assertIssuerRefused connects with cfg, which presents a certificate of
// an issuer the server does not trust, and wants it refused for that
// reason ("unknown certificate authority"; Go before 1.21, in Debian's
// dockerd 20.10, says "bad certificate"), not for a missing certificate.
func assertIssuerRefused(t *testing.T, addr string, cfg *tls.Config) {
	t.Helper()
	err := handshakeError(addr, cfg)
	if err == nil || !strings.Contains(err.Error(), "remote error: tls: unknown certificate authority") && !strings.Contains(err.Error(), "remote error: tls: bad certificate") {
		t.Errorf("want the server to refuse the certificate's issuer, got %v", err)
		return
	}
	t.Logf("refused: %v", err)
}

// handshakeError is the error of a handshake with cfg, read through the
// first read (where TLS 1.3 delivers the server's alert).
func handshakeError(addr string, cfg *tls.Config) error {
	conn, err := tls.DialWithDialer(&netDialer, "tcp", addr, cfg)
	if err == nil {
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = conn.Read(make([]byte, 1))
		conn.Close()
	}
	return err
}

// startBuildkitd runs argv (the unit's ExecStart=), in the network
// namespace netns when it is not empty, until the test ends, and waits for
// its unix socket in dir.
func startBuildkitd(t *testing.T, dir string, argv []string, netns string) {
	t.Helper()
	p := startBackground(t, dir, "buildkitd", inNetns(netns, argv))
	waitFor(t, "buildkitd's socket", p, func() bool {
		_, err := os.Stat(filepath.Join(dir, "buildkitd.sock"))
		return err == nil
	})
}

// inNetns prefixes argv with nsenter into netns. (ip netns exec remounts
// /sys, which dockerd and buildkitd then find without cgroups.)
func inNetns(netns string, argv []string) []string {
	if netns == "" {
		return argv
	}
	return append([]string{"nsenter", "--net=/var/run/netns/" + netns, "--"}, argv...)
}

// backgroundProcess is a program a test runs until it ends.
type backgroundProcess struct {
	name, log string
	exited    chan struct{}
}

func startBackground(t *testing.T, dir, name string, argv []string) *backgroundProcess {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	t.Logf("started %s (pid %d): %s", name, cmd.Process.Pid, strings.Join(argv, " "))
	p := &backgroundProcess{name: name, log: logPath, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-p.exited
		}
		logFile.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil {
				t.Logf("%s log:\n%s", name, tail(string(b), 30))
			}
		}
	})
	return p
}

// waitFor polls ready for a minute, and fails at once when p exits.
func waitFor(t *testing.T, what string, p *backgroundProcess, ready func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !ready() {
		select {
		case <-p.exited:
			b, _ := os.ReadFile(p.log)
			t.Fatalf("%s exited before %s was ready:\n%s", p.name, what, tail(string(b), 30))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not ready after a minute", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// execStart is the command line of a unit's ExecStart=.
func execStart(t *testing.T, unit string) []string {
	t.Helper()
	for _, line := range strings.Split(unit, "\n") {
		if rest, ok := strings.CutPrefix(line, "ExecStart="); ok {
			return strings.Fields(rest)
		}
	}
	t.Fatalf("no ExecStart= in the unit:\n%s", unit)
	return nil
}

// writeFiles writes each file of a files map (a jsonencode'd output) with
// its mode.
func writeFiles(t *testing.T, filesJSON string) {
	t.Helper()
	for name, f := range renderedFiles(t, filesJSON) {
		content := f.content()
		mode, err := strconv.ParseUint(f.Mode, 8, 32)
		if err != nil || content == nil {
			t.Fatalf("%s: mode %q, content %v", name, f.Mode, content != nil)
		}
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			t.Fatal(err)
		}
		_ = os.Remove(f.Path)
		if err := os.WriteFile(f.Path, []byte(*content), os.FileMode(mode)); err != nil {
			t.Fatal(err)
		}
	}
}

// containerdImageStore reports whether dockerd keeps images in containerd
// (Engine 29's default) rather than in its classic graph drivers.
func containerdImageStore(t *testing.T, docker string, env []string) bool {
	t.Helper()
	got, err := dockerCmd(docker, env, "info", "--format", "{{json .DriverStatus}}")
	if err != nil {
		t.Fatalf("docker info: %v\n%s", err, got)
	}
	return strings.Contains(got, "io.containerd.snapshotter")
}

// newNetns makes a network namespace with addr on its loopback, removed
// when the test ends.
func newNetns(t *testing.T, addr string) string {
	t.Helper()
	name := fmt.Sprintf("dtls%d", rand.IntN(1_000_000))
	for _, args := range [][]string{
		{"netns", "add", name},
		{"-n", name, "link", "set", "lo", "up"},
		{"-n", name, "addr", "add", addr + "/32", "dev", "lo"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if args[0] == "netns" {
			t.Cleanup(func() { _ = exec.Command("ip", "netns", "delete", name).Run() })
		}
	}
	return name
}

var netDialer = net.Dialer{Timeout: 10 * time.Second}

// jsonObjects splits a JSON object into its members' JSON texts.
func jsonObjects(t *testing.T, s string) map[string]string {
	t.Helper()
	var raw map[string]json.RawMessage
	decodeJSON(t, s, &raw)
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		out[k] = string(v)
	}
	return out
}

func decodeJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
}

// registryAddr is outside 127.0.0.0/8, which dockerd always treats as an
// insecure registry (it then ignores certs.d and presents no client
// certificate): the registry, and its clients, run in a network namespace
// that has it.
const registryAddr = "192.0.2.10"

// TestE2ERegistry starts the registry on the rendered http section in a
// network namespace and proves each client's files there: the registry
// refuses a client without a certificate in the handshake; dockerd (run in
// the namespace, on each engine make test builds) pushes and pulls with the
// rendered certs.d, and is refused without the client pair; buildkitd with
// the rendered [registry] section pushes a build that dockerd then pulls;
// containerd's client (ctr) pulls with the rendered hosts.toml.
func TestE2ERegistry(t *testing.T) {
	buildkitDir, registry := requireBuildTools(t)
	dockerd, docker := requireDocker(t)
	dir := e2eDir(t, "dtlsreg")
	netns := newNetns(t, registryAddr)
	port := 20000 + rand.IntN(10000)
	name := fmt.Sprintf("%s:%d", registryAddr, port)
	loopback := fmt.Sprintf("127.0.0.1:%d", port+1)
	tf := newCLI(t, newTestClock(), fmt.Sprintf(buildkitE2EPKI, dir, registryAddr)+fmt.Sprintf(`
locals {
  registry = %[1]q
}
data "dockertls_registry_config" "r" {
  address            = local.registry
  registry           = local.registry
  tls_dir            = "${local.dir}/registry-tls"
  config_path        = "${local.dir}/registry.yml"
  config_yaml = yamlencode({
    version = "0.1"
    storage = { filesystem = { rootdirectory = "${local.dir}/registry-data" } }
  })
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  client_ca_cert_pem = dockertls_ca.team.cert_pem
  server_cert_pem    = dockertls_server_cert.server.cert_pem
  server_key_pem     = dockertls_server_cert.server.private_key_pem
}
data "dockertls_registry_client_config" "ci" {
  registry             = local.registry
  containerd_certs_dir = "${local.dir}/containerd-certs.d"
  buildkit_certs_dir   = "${local.dir}/buildkit-certs.d"
  ca_cert_pem          = dockertls_ca.ca.cert_pem
  client_ca_cert_pem   = dockertls_ca.team.cert_pem
  client_cert_pem      = dockertls_client_cert.ci.cert_pem
  client_key_pem       = dockertls_client_cert.ci.private_key_pem
  server_cert_pem      = dockertls_server_cert.server.cert_pem
}
# The same registry reached on loopback: the data source warns.
data "dockertls_registry_client_config" "loopback" {
  registry           = %[3]q
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  client_ca_cert_pem = dockertls_ca.team.cert_pem
  client_cert_pem    = dockertls_client_cert.ci.cert_pem
  client_key_pem     = dockertls_client_cert.ci.private_key_pem
}
data "dockertls_buildkitd_config" "builder" {
  addresses       = ["unix://${local.dir}/buildkitd.sock"]
  tls_dir         = "${local.dir}/buildkit-tls"
  config_path     = "${local.dir}/buildkitd.toml"
  buildkitd_path  = %[2]q
  extra_toml      = join("\n", ["root = \"${local.dir}/buildkit-root\"", data.dockertls_registry_client_config.ci.buildkitd_toml])
  ca_cert_pem     = dockertls_ca.ca.cert_pem
  server_cert_pem = dockertls_server_cert.server.cert_pem
  server_key_pem  = dockertls_server_cert.server.private_key_pem
}
output "files" {
  value = jsonencode({
    registry   = data.dockertls_registry_config.r.files
    docker     = data.dockertls_registry_client_config.ci.docker_files
    containerd = data.dockertls_registry_client_config.ci.containerd_files
    buildkitd  = data.dockertls_registry_client_config.ci.buildkitd_files
    builder    = data.dockertls_buildkitd_config.builder.files
    loopback   = data.dockertls_registry_client_config.loopback.docker_files
  })
  sensitive = true
}
output "unit" { value = data.dockertls_buildkitd_config.builder.systemd_unit }
`, name, filepath.Join(buildkitDir, "buildkitd"), loopback))
	if applied := unwrap(tf.mustRun("apply", "-auto-approve", "-input=false")); !strings.Contains(applied, "dockerd ignores certs.d for a loopback registry") {
		t.Errorf("no warning for the loopback registry:\n%s", applied)
	}
	out := outputs(t, tf)
	files := jsonObjects(t, out["files"])
	for _, consumer := range []string{"registry", "containerd", "buildkitd", "builder"} {
		writeFiles(t, files[consumer])
	}
	// dockerd reads certs.d from /etc/docker/certs.d only.
	certsD := filepath.Join("/etc/docker/certs.d", name)
	t.Cleanup(func() { os.RemoveAll(certsD) })
	writeFiles(t, files["docker"])

	configPath := filepath.Join(dir, "registry.yml") // files["config.yml"]
	reg := startBackground(t, dir, "registry", inNetns(netns, []string{registry, "serve", configPath}))
	waitFor(t, "the registry's listener", reg, func() bool {
		b, _ := os.ReadFile(reg.log)
		return strings.Contains(string(b), "listening on "+name)
	})

	t.Run("a client without a certificate is refused in the handshake", func(t *testing.T) {
		// openssl in the namespace: the refusal is the server's alert.
		caFile := filepath.Join(dir, "server-ca.pem")
		writeFile(t, caFile, out["ca_pem"])
		cmd := exec.Command("nsenter", "--net=/var/run/netns/"+netns, "--", "openssl", "s_client", "-connect", name,
			"-CAfile", caFile, "-verify_return_error", "-ign_eof")
		cmd.Stdin = strings.NewReader("GET /v2/ HTTP/1.0\r\n\r\n")
		got, _ := cmd.CombinedOutput()
		if !strings.Contains(string(got), "Verify return code: 0 (ok)") || !strings.Contains(string(got), "alert certificate required") {
			t.Errorf("want the registry's certificate verified and its alert for a client without a certificate:\n%s", got)
		}
		if strings.Contains(string(got), "HTTP/1.") {
			t.Errorf("the registry answered HTTP:\n%s", got)
		}
	})

	daemonJSON := filepath.Join(dir, "daemon.json")
	writeFile(t, daemonJSON, fmt.Sprintf(`{"hosts": ["unix://%s/docker.sock"]}`, dir))
	d := &dockerdProcess{t: t, bin: dockerd, dir: dir, daemonJSON: daemonJSON, netns: netns}
	d.start()
	t.Cleanup(d.cleanup)
	env := []string{"DOCKER_HOST=unix://" + dir + "/docker.sock", "DOCKER_TLS_VERIFY=", "DOCKER_CERT_PATH="}
	t.Logf("dockerd %s in network namespace %s", waitForDocker(t, docker, env), netns)
	importBusybox(t, docker, env, dir)
	image := name + "/dtls/busybox:e2e"
	mustDocker := func(args ...string) string {
		t.Helper()
		got, err := dockerCmd(docker, env, args...)
		if err != nil {
			t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, got)
		}
		return got
	}

	t.Run("dockerd pushes and pulls with the rendered certs.d", func(t *testing.T) {
		mustDocker("tag", busyboxImage, image)
		mustDocker("push", image)
		mustDocker("rmi", image)
		mustDocker("pull", image)
	})
	t.Run("dockerd without the client pair is refused", func(t *testing.T) {
		pair := map[string][]byte{}
		for _, f := range []string{"client.cert", "client.key"} {
			b, err := os.ReadFile(filepath.Join(certsD, f))
			if err != nil {
				t.Fatal(err)
			}
			pair[f] = b
			os.Remove(filepath.Join(certsD, f))
		}
		defer func() {
			for f, b := range pair {
				_ = os.WriteFile(filepath.Join(certsD, f), b, 0o400)
			}
		}()
		mustDocker("rmi", image)
		got, err := dockerCmd(docker, env, "pull", image)
		if err == nil || !strings.Contains(got, "remote error: tls:") {
			t.Fatalf("want the registry's refusal in the handshake when dockerd has no client certificate: %v\n%s", err, got)
		}
		t.Logf("refused: %s", strings.TrimSpace(got))
	})
	t.Run("buildkitd pushes a build with the rendered [registry] section", func(t *testing.T) {
		startBuildkitd(t, dir, execStart(t, out["unit"]), netns)
		context := filepath.Join(dir, "context")
		if err := os.MkdirAll(context, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(context, "Dockerfile"), "FROM scratch\nCOPY greeting /greeting\n")
		writeFile(t, filepath.Join(context, "greeting"), "pushed with a client certificate\n")
		built := name + "/dtls/built:e2e"
		got, err := exec.Command(filepath.Join(buildkitDir, "buildctl"), "--addr", "unix://"+dir+"/buildkitd.sock", "build",
			"--frontend", "dockerfile.v0", "--local", "context="+context, "--local", "dockerfile="+context,
			"--output", "type=image,name="+built+",push=true").CombinedOutput()
		if err != nil {
			t.Fatalf("buildctl build and push: %v\n%s", err, got)
		}
		mustDocker("pull", built)
	})
	t.Run("dockerd on a loopback registry does what the warning says", func(t *testing.T) {
		certs := filepath.Join("/etc/docker/certs.d", loopback)
		t.Cleanup(func() { os.RemoveAll(certs) })
		writeFiles(t, files["loopback"])
		config, err := os.ReadFile(configPath)
		if err != nil {
			t.Fatal(err)
		}
		loopbackConfig := filepath.Join(dir, "registry-loopback.yml")
		writeFile(t, loopbackConfig, strings.Replace(string(config), name, loopback, 1))
		p := startBackground(t, dir, "registry-loopback", inNetns(netns, []string{registry, "serve", loopbackConfig}))
		waitFor(t, "the loopback registry's listener", p, func() bool {
			b, _ := os.ReadFile(p.log)
			return strings.Contains(string(b), "listening on "+loopback)
		})
		tagged := loopback + "/dtls/busybox:e2e"
		mustDocker("tag", busyboxImage, tagged)
		if containerdImageStore(t, docker, env) {
			// Engine 29's default: containerd's resolver tries HTTPS with
			// the certs.d files first, even for an insecure registry.
			mustDocker("push", tagged)
			t.Logf("on loopback with the containerd image store, dockerd used %s", certs)
			return
		}
		// The classic image store: HTTPS without a client certificate, then
		// plain HTTP, which the registry refuses or resets. With the files
		// read, the pull of this tag (never pushed) would get the
		// registry's "manifest unknown". (A pull: a push retries for a
		// minute.)
		got, err := dockerCmd(docker, env, "pull", tagged)
		refused := strings.Contains(got, "HTTP request to an HTTPS server") || strings.Contains(got, "connection reset by peer")
		if err == nil || !refused || strings.Contains(got, "manifest unknown") {
			t.Errorf("want dockerd to ignore certs.d on loopback (HTTPS without a client certificate, then plain HTTP): %v\n%s", err, got)
		}
		t.Logf("on loopback, with the client pair in %s: %s", certs, strings.TrimSpace(got))
	})
	t.Run("containerd's client pulls with the rendered hosts.toml", func(t *testing.T) {
		socket := filepath.Join(dir, "exec", "containerd", "containerd.sock")
		if _, err := os.Stat(socket); err != nil {
			t.Skipf("SKIP (loudly): this dockerd runs no containerd of its own at %s (it uses the system's); hosts.toml is not proven with this engine", socket)
		}
		got, err := exec.Command("nsenter", "--net=/var/run/netns/"+netns, "--", "ctr", "--address", socket, "--namespace", "dtls",
			"images", "pull", "--hosts-dir", filepath.Join(dir, "containerd-certs.d"), image).CombinedOutput()
		if err != nil {
			t.Fatalf("ctr images pull --hosts-dir: %v\n%s", err, got)
		}
	})
}
