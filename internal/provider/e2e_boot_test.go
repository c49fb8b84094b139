package provider

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// The boot test: a Debian 12 host booted, with systemd as PID 1, from the
// rendered cloud_init and nothing else, as a cloud boots a new machine from
// its user_data. The root filesystem (debootstrap minbase with systemd,
// cloud-init and Debian's docker.io) is built once per machine by
// scripts/build-bootroot.sh; each case boots an overlay of it with
// systemd-nspawn in a network namespace of its own, reached from the host
// over a veth pair, as clients reach a host over the network.
//
// What only a boot judges: the units and their order, the drop-in's
// program found by a real systemd, cloud-init's modules on a minimal image,
// runcmd run once per instance (so that a reboot serves from what was
// written), and the rendered restart_command run inside the host.

// bootCase is one kind of host the boot test boots.
type bootCase struct {
	name string
	// config renders the host and a client of it: bootPKI and the
	// rendering, with the outputs user_data (what the host boots from),
	// files and client_files (jsonencode'd) and restart_command. dir is
	// the test's folder, ip the guest's address.
	config func(dir, ip string) string
	// port is where the host serves mutual TLS, and unit the service
	// that does.
	port int
	unit string
	// socketActivation says which restart failures are allowed.
	socketActivation bool
	// ignition delivers the host by Ignition: user_data is an Ignition
	// config, which Ignition's own ignition-apply applies to the root
	// filesystem before the first boot, and cloud-init is off.
	ignition bool
	// revocation adds a step after the renewal: the issuer of the member
	// (outputs member_cert, member_key) left out of the client trust
	// (-var=revoked=true), delivered and restarted as the renewal is.
	revocation bool
	// prepare puts into the image what the host has from elsewhere than
	// cloud-init (buildkitd, from BuildKit's release archive on a real
	// builder).
	prepare func(t *testing.T, root string)
	// call makes one call over mutual TLS with the client's files.
	call func(t *testing.T, out map[string]string) func() error
	// served proves, once per boot, that the host serves what a client
	// uses, and logs it.
	served func(t *testing.T, out map[string]string)
}

// bootPKI issues the host's certificate (renewed when the test moves the
// provider's clock and raises early_renewal_hours), a client's, and a
// client of an issuer the host does not trust. %[1]q is the test's folder,
// %[2]q the guest's address.
const bootPKI = `
terraform {
  required_providers {
    dockertls = { source = "dockertls/dockertls" }
  }
}
variable "server_early_renewal_hours" {
  type    = number
  default = 1
}
locals {
  dir = %[1]q
  ip  = %[2]q
}
resource "dockertls_ca" "ca" { common_name = "Boot test CA" }
resource "dockertls_ca" "rogue" { common_name = "Boot test rogue CA" }
resource "dockertls_server_cert" "server" {
  ca_cert_pem           = dockertls_ca.ca.cert_pem
  ca_private_key_pem    = dockertls_ca.ca.private_key_pem
  dns_names             = ["host.boot.internal"]
  ip_addresses          = [local.ip]
  validity_period_hours = 23
  early_renewal_hours   = var.server_early_renewal_hours
}
resource "dockertls_client_cert" "admin" {
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  ca_private_key_pem = dockertls_ca.ca.private_key_pem
  common_name        = "admin"
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
output "server_fingerprint" { value = dockertls_server_cert.server.sha256_fingerprint }
`

// dockerHostBootConfig is a Docker host as examples/docker-host renders
// it (the packaged docker.socket's unix socket and TCP on every address,
// everything else the provider's defaults), in the given layout, with
// user_data its cloud_init or its ignition.
func dockerHostBootConfig(socketActivation bool, userData string) func(dir, ip string) string {
	return func(dir, ip string) string {
		return fmt.Sprintf(bootPKI, dir, ip) + fmt.Sprintf(`
data "dockertls_daemon_config" "host" {
  hosts             = ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"]
  socket_activation = %t
  ca_cert_pem       = dockertls_ca.ca.cert_pem
  server_cert_pem   = dockertls_server_cert.server.cert_pem
  server_key_pem    = dockertls_server_cert.server.private_key_pem
}
`, socketActivation) + bootDockerClient("dockertls_daemon_config.host", userData)
	}
}

// bootDockerClient is the docker CLI's configuration for the host that
// server (a data source's address, such as dockertls_daemon_config.host)
// renders, and the outputs the boot of every Docker API host reads:
// user_data (the server's cloud_init or ignition), its files and
// restart_command, and the client's files and env.
func bootDockerClient(server, userData string) string {
	return fmt.Sprintf(`
data "dockertls_client_config" "admin" {
  host            = "tcp://${local.ip}:2376"
  cert_dir        = "${local.dir}/client"
  ca_cert_pem     = dockertls_ca.ca.cert_pem
  client_cert_pem = dockertls_client_cert.admin.cert_pem
  client_key_pem  = dockertls_client_cert.admin.private_key_pem
  server_cert_pem = dockertls_server_cert.server.cert_pem
}
output "user_data" {
  value     = data.%[1]s.%[2]s
  sensitive = true
}
output "files" {
  value     = jsonencode(data.%[1]s.files)
  sensitive = true
}
output "restart_command" { value = data.%[1]s.restart_command }
output "client_files" {
  value     = jsonencode(data.dockertls_client_config.admin.files)
  sensitive = true
}
output "client_env" { value = jsonencode(data.dockertls_client_config.admin.env) }
`, server, userData)
}

// buildkitBootConfig is a BuildKit builder as examples/buildkit-builder
// renders it, with its defaults: buildkitd in /usr/local/bin.
func buildkitBootConfig(dir, ip string) string {
	return fmt.Sprintf(bootPKI, dir, ip) + `
data "dockertls_buildkitd_config" "builder" {
  addresses       = ["unix:///run/buildkit/buildkitd.sock", "tcp://0.0.0.0:1234"]
  ca_cert_pem     = dockertls_ca.ca.cert_pem
  server_cert_pem = dockertls_server_cert.server.cert_pem
  server_key_pem  = dockertls_server_cert.server.private_key_pem
}
data "dockertls_buildkit_client_config" "ci" {
  host            = "tcp://${local.ip}:1234"
  cert_dir        = "${local.dir}/client"
  ca_cert_pem     = dockertls_ca.ca.cert_pem
  client_cert_pem = dockertls_client_cert.admin.cert_pem
  client_key_pem  = dockertls_client_cert.admin.private_key_pem
  server_cert_pem = dockertls_server_cert.server.cert_pem
}
output "user_data" {
  value     = data.dockertls_buildkitd_config.builder.cloud_init
  sensitive = true
}
output "files" {
  value     = jsonencode(data.dockertls_buildkitd_config.builder.files)
  sensitive = true
}
output "restart_command" { value = data.dockertls_buildkitd_config.builder.restart_command }
output "client_files" {
  value     = jsonencode(data.dockertls_buildkit_client_config.ci.files)
  sensitive = true
}
output "buildkit_host" { value = data.dockertls_buildkit_client_config.ci.buildkit_host }
output "buildctl_args" { value = jsonencode(data.dockertls_buildkit_client_config.ci.buildctl_args) }
`
}

// podmanBootConfig is a Podman host as examples/podman-host renders it,
// with its defaults (podman-tls.socket on the guest's address, podman in
// /usr/bin), user_data its cloud_init or its ignition, the docker CLI as
// its client, and a team's member whose issuer the variable revoked takes
// out of the client trust.
func podmanBootConfig(userData string) func(dir, ip string) string {
	return func(dir, ip string) string {
		return fmt.Sprintf(bootPKI, dir, ip) + `
variable "revoked" {
  type    = bool
  default = false
}
resource "dockertls_ca" "team" { common_name = "Boot test team" }
resource "dockertls_client_cert" "member" {
  ca_cert_pem        = dockertls_ca.team.cert_pem
  ca_private_key_pem = dockertls_ca.team.private_key_pem
  common_name        = "member"
}
data "dockertls_podman_config" "host" {
  address            = "tcp://${local.ip}:2376"
  ca_cert_pem        = dockertls_ca.ca.cert_pem
  client_ca_cert_pem = var.revoked ? dockertls_ca.ca.cert_pem : "${dockertls_ca.ca.cert_pem}${dockertls_ca.team.cert_pem}"
  server_cert_pem    = dockertls_server_cert.server.cert_pem
  server_key_pem     = dockertls_server_cert.server.private_key_pem
}
output "member_cert" { value = dockertls_client_cert.member.cert_pem }
output "member_key" {
  value     = dockertls_client_cert.member.private_key_pem
  sensitive = true
}
` + bootDockerClient("dockertls_podman_config.host", userData)
	}
}

// TestE2EBoot boots a Debian 12 host from each rendered cloud_init or
// ignition, as its only input: a Docker host in both daemon layouts
// (Debian's docker.io, so that the drop-in's dockerd is found by a real
// systemd), a BuildKit builder and a Podman host. For each: the service up
// on the rendered files with their modes and reachable from outside over
// mutual TLS, a client without a certificate and one of another issuer
// refused in the handshake; the same after a reboot; then a renewal
// delivered as the examples deliver it (the changed files installed inside
// the host, the rendered restart_command run there), served afterwards,
// with the calls that failed during it counted.
func TestE2EBoot(t *testing.T) {
	root := requireBootRoot(t)
	_, docker := requireDocker(t)
	dockerServed := func(t *testing.T, out map[string]string) {
		t.Helper()
		got, err := dockerCmd(docker, append(envList(t, out["client_env"]), "DOCKER_CONFIG="+t.TempDir()), "version", "--format", "{{.Server.Version}}")
		if err != nil {
			t.Fatalf("docker version with the rendered client_config: %v\n%s", err, got)
		}
		t.Logf("docker version over mutual TLS with the rendered environment: server %s", strings.TrimSpace(got))
		// The daemon runs on the rendered daemon.json, baseline included
		// (hardening's default), not on the image's defaults.
		info, err := dockerCmd(docker, append(envList(t, out["client_env"]), "DOCKER_CONFIG="+t.TempDir()), "info", "--format", "{{.LiveRestoreEnabled}} {{.LoggingDriver}}")
		if err != nil || strings.TrimSpace(info) != "true json-file" {
			t.Errorf("docker info: live restore and the logging driver are %q, want the baseline's \"true json-file\" (%v)", strings.TrimSpace(info), err)
		}
	}
	dockerCall := func(t *testing.T, out map[string]string) func() error {
		client := filepath.Dir(renderedFiles(t, out["client_files"])["ca.pem"].Path)
		return pingCall(fmt.Sprintf("https://%s:2376/_ping", bootGuestIP(out)), filepath.Join(client, "ca.pem"), client)
	}
	cases := []bootCase{
		{name: "docker.service drop-in", config: dockerHostBootConfig(false, "cloud_init"), port: 2376, unit: "docker", call: dockerCall, served: dockerServed},
		{name: "socket_activation", config: dockerHostBootConfig(true, "cloud_init"), port: 2376, unit: "docker", socketActivation: true, call: dockerCall, served: dockerServed},
		buildkitBootCase(t),
		podmanBootCase(t, docker, "cloud_init"),
		podmanBootCase(t, docker, "ignition"),
		{name: "Ignition", config: dockerHostBootConfig(false, "ignition"), port: 2376, unit: "docker", ignition: true, call: dockerCall, served: dockerServed},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) { testBoot(t, root, i, c) })
	}
}

// buildkitBootCase boots the builder with the buildkitd make test builds,
// copied where BuildKit's release archive puts it; buildctl judges it.
func buildkitBootCase(t *testing.T) bootCase {
	buildkitDir := os.Getenv("DOCKERTLS_BUILDKIT_DIR")
	buildctl := filepath.Join(buildkitDir, "buildctl")
	args := func(t *testing.T, out map[string]string, more ...string) []string {
		var tlsArgs []string
		decodeJSON(t, out["buildctl_args"], &tlsArgs)
		return append(append([]string{"--addr", out["buildkit_host"]}, tlsArgs...), more...)
	}
	return bootCase{
		name: "BuildKit builder", config: buildkitBootConfig, port: 1234, unit: "buildkit",
		prepare: func(t *testing.T, root string) {
			if _, err := os.Stat(filepath.Join(buildkitDir, "buildkitd")); buildkitDir == "" || err != nil {
				requireBuildTools(t) // skips or fails, saying how to build it
			}
			copyExecutable(t, filepath.Join(buildkitDir, "buildkitd"), filepath.Join(root, "usr/local/bin/buildkitd"))
		},
		call: func(t *testing.T, out map[string]string) func() error {
			argv := args(t, out, "debug", "workers")
			return func() error {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if got, err := exec.CommandContext(ctx, buildctl, argv...).CombinedOutput(); err != nil {
					return fmt.Errorf("buildctl debug workers: %w: %s", err, strings.TrimSpace(string(got)))
				}
				return nil
			}
		},
		served: func(t *testing.T, out map[string]string) {
			t.Helper()
			got, err := exec.Command(buildctl, args(t, out, "debug", "workers")...).CombinedOutput()
			if err != nil || !strings.Contains(string(got), "linux/") {
				t.Fatalf("buildctl debug workers with the rendered buildctl_args: %v\n%s", err, got)
			}
			t.Logf("buildctl debug workers over mutual TLS with the rendered arguments:\n%s", strings.TrimSpace(string(got)))
		},
	}
}

// podmanBootCase boots a Podman host with the podman make test builds,
// copied where the distributions' packages put it, and the storage
// configuration a distribution's containers-common package would bring
// (vfs: the guest's root is an overlay already); the docker CLI judges it.
func podmanBootCase(t *testing.T, docker, userData string) bootCase {
	podman := os.Getenv("DOCKERTLS_PODMAN")
	version := func(out map[string]string) (string, error) {
		return dockerCmd(docker, append(envList(t, out["client_env"]), "DOCKER_CONFIG="+t.TempDir()), "version", "--format", "{{.Server.Version}}")
	}
	return bootCase{
		name: "Podman host, " + userData, config: podmanBootConfig(userData), port: 2376, unit: "podman-tls", socketActivation: true,
		ignition: userData == "ignition", revocation: true,
		prepare: func(t *testing.T, root string) {
			if _, err := os.Stat(podman); podman == "" || err != nil {
				requirePodman(t) // skips or fails, saying how to build it
			}
			copyExecutable(t, podman, filepath.Join(root, "usr/bin/podman"))
			writeFileAll(t, filepath.Join(root, "etc/containers/storage.conf"), "[storage]\ndriver = \"vfs\"\n")
		},
		call: func(t *testing.T, out map[string]string) func() error {
			client := filepath.Dir(renderedFiles(t, out["client_files"])["ca.pem"].Path)
			return pingCall(fmt.Sprintf("https://%s:2376/_ping", bootGuestIP(out)), filepath.Join(client, "ca.pem"), client)
		},
		served: func(t *testing.T, out map[string]string) {
			t.Helper()
			got, err := version(out)
			if err != nil || strings.TrimSpace(got) != "5.7.0" {
				t.Fatalf("docker version against the Podman host with the rendered client_config: %v\n%s", err, got)
			}
			t.Logf("docker version over mutual TLS with the rendered environment: Podman %s", strings.TrimSpace(got))
		},
	}
}

// testBoot boots one case: first boot, a reboot, a renewal.
func testBoot(t *testing.T, root string, index int, c bootCase) {
	dir := e2eDir(t, "dtlsboot")
	g := newBootGuest(t, root, dir, index)
	realNow := time.Now().UTC().Truncate(time.Second)
	clock := newTestClock()
	// Issued 20 hours ago for 23: renewal is due once early_renewal_hours
	// passes 3.
	clock.Set(realNow.Add(-20 * time.Hour))
	tf := newCLI(t, clock, c.config(dir, g.addr)+fmt.Sprintf("output \"guest_ip\" { value = %q }\n", g.addr))
	tf.mustRun("apply", "-auto-approve", "-input=false")
	out := outputs(t, tf)
	writeFiles(t, out["client_files"])
	if c.ignition {
		g.applyIgnition(t, out["user_data"])
	} else {
		g.seed(out["user_data"])
	}
	if c.prepare != nil {
		c.prepare(t, g.root)
	}
	addr := fmt.Sprintf("%s:%d", g.addr, c.port)

	booted := func(t *testing.T, what string) {
		t.Helper()
		g.boot(t)
		served := g.waitServing(t, c.unit, c.call(t, out), g.bootStarted)
		t.Logf("%s: served mutual TLS %s after systemd-nspawn started", what, served.Round(100*time.Millisecond))
		g.assertBootedCleanly(t, !c.ignition)
		g.assertFiles(t, out["files"])
		c.served(t, out)
		refuseStrangers(t, addr, out)
	}
	delivery := "cloud_init (NoCloud seed)"
	if c.ignition {
		delivery = "ignition (ignition-apply)"
	}
	// Each step needs the one before: a failed step ends the case.
	if !t.Run("first boot from "+delivery, func(t *testing.T) { booted(t, "first boot") }) {
		return
	}
	if !t.Run("after a reboot", func(t *testing.T) {
		// systemd-nspawn cannot reboot a guest in place on this machine
		// kind (it refuses to clear its propagation folder): the guest
		// powers off cleanly and boots again on the same disk, which is
		// what a reboot is to the guest.
		g.powerOff(t)
		booted(t, "reboot")
	}) {
		return
	}
	current := out
	// deliver installs the files that changed from current to next inside
	// the host and runs next's restart_command there, with a client
	// calling throughout: failures only while the service restarts (with
	// socket activation, none refused).
	deliver := func(t *testing.T, what string, next map[string]string) {
		t.Helper()
		prober := startProber(t, what, c.call(t, next))
		mark := prober.mark()
		time.Sleep(time.Second)
		delivered := g.deliver(t, current["files"], next["files"])
		w := restartWindow{from: time.Now()}
		g.mustRun(t, "sh", "-c", next["restart_command"])
		g.waitServing(t, c.unit, c.call(t, next), w.from)
		w.to = time.Now()
		time.Sleep(time.Second)
		report := prober.report(mark, &w)
		prober.stop()
		t.Logf("%s: delivered %s, ran %q: %s", what, strings.Join(delivered, ", "), next["restart_command"], report)
		if report.failed > 0 || report.calls == 0 || refusedDuringRestart(c.socketActivation, report) {
			t.Errorf("%s: %s; want failures only while the service restarts (with socket_activation, no refusal)", what, report)
		}
		g.assertFiles(t, next["files"])
		c.served(t, next)
		current = next
	}
	if !t.Run("renewal delivered and restarted inside the host", func(t *testing.T) {
		clock.Set(realNow)
		tf.mustRun("apply", "-auto-approve", "-input=false", "-var=server_early_renewal_hours=4")
		renewed := outputs(t, tf)
		if renewed["server_fingerprint"] == out["server_fingerprint"] {
			t.Fatal("the server certificate was not renewed")
		}
		deliver(t, "renewal", renewed)
		if served := servedFingerprint(t, addr); served != renewed["server_fingerprint"] {
			t.Errorf("the host serves %s after the renewal, the configuration issued %s", served, renewed["server_fingerprint"])
		}
	}) || !c.revocation {
		return
	}
	t.Run("revocation delivered and restarted inside the host", func(t *testing.T) {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM([]byte(current["ca_pem"]))
		member := keyPair(t, current["member_cert"], current["member_key"])
		servedCertificate(t, addr, pool, member) // admitted before
		tf.mustRun("apply", "-auto-approve", "-input=false", "-var=server_early_renewal_hours=4", "-var=revoked=true")
		deliver(t, "revocation", outputs(t, tf))
		assertIssuerRefused(t, addr, presenting(pool, member))
	})
}

// refuseStrangers wants a client without a certificate, and one with a
// certificate of an issuer the host does not trust, refused in the
// handshake.
func refuseStrangers(t *testing.T, addr string, out map[string]string) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(out["ca_pem"]))
	rogue, err := tls.X509KeyPair([]byte(out["rogue_cert"]), []byte(out["rogue_key"]))
	if err != nil {
		t.Fatal(err)
	}
	assertHandshakeRefused(t, addr, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}})
	assertIssuerRefused(t, addr, presenting(pool, rogue))
}

func servedFingerprint(t *testing.T, addr string) string {
	t.Helper()
	conn, err := tls.DialWithDialer(&netDialer, "tcp", addr, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}) //nolint:gosec // only reads the served certificate
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return pki.Fingerprint(conn.ConnectionState().PeerCertificates[0])
}

func bootGuestIP(out map[string]string) string { return out["guest_ip"] }

// requireBootRoot finds the root filesystem and what boots it. Without
// root, systemd-nspawn or network namespaces it skips loudly, except on
// CI, where it fails.
func requireBootRoot(t *testing.T) string {
	t.Helper()
	missing := func(reason string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("the boot test cannot run on CI: %s", reason)
		}
		t.Skipf("SKIP (loudly): the boot test did not boot a host: %s. Run `make test` as root: it installs debootstrap and "+
			"systemd-container, builds the root filesystem once (scripts/build-bootroot.sh) and sets DOCKERTLS_BOOTROOT.", reason)
	}
	if os.Geteuid() != 0 {
		missing("systemd-nspawn, overlay mounts and network namespaces need root")
	}
	for _, program := range []string{"systemd-nspawn", "nsenter", "ip"} {
		if _, err := exec.LookPath(program); err != nil {
			missing(program + " is not installed")
		}
	}
	root := os.Getenv("DOCKERTLS_BOOTROOT")
	if _, err := os.Stat(filepath.Join(root, ".dockertls-bootroot")); root == "" || err != nil {
		missing("DOCKERTLS_BOOTROOT is not set or names no root filesystem of scripts/build-bootroot.sh")
	}
	removeLeftoverGuestNetworks()
	return root
}

// bootGuest is one booted host: an overlay of the root filesystem (its
// changes kept across reboots in the test's folder), a network namespace
// with a veth pair to the host, and systemd-nspawn running systemd in it.
type bootGuest struct {
	t               *testing.T
	name, dir, root string
	addr, hostAddr  string
	hostLink        string
	nspawn          *exec.Cmd
	exited          chan struct{}
	boots           int
	bootStarted     time.Time
}

// removeLeftoverGuestNetworks removes the namespaces and host links of
// guests a killed run (a test timeout) left: their addresses would clash.
func removeLeftoverGuestNetworks() {
	if out, err := exec.Command("ip", "netns", "list").Output(); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], "dtlsboot") {
				_ = exec.Command("ip", "netns", "delete", f[0]).Run()
			}
		}
	}
	links, _ := os.ReadDir("/sys/class/net")
	for _, l := range links {
		if strings.HasPrefix(l.Name(), "dtlsb") {
			_ = exec.Command("ip", "link", "delete", l.Name()).Run()
		}
	}
}

// bootNet is the guests' network: 198.51.100.0/24 (TEST-NET-2), a /30
// each, so that no address of this machine's is taken.
const bootNet = "198.51.100."

func newBootGuest(t *testing.T, image, dir string, index int) *bootGuest {
	t.Helper()
	id := rand.IntN(100_000)
	g := &bootGuest{t: t, name: fmt.Sprintf("dtlsboot%d", id), dir: dir, root: filepath.Join(dir, "root"),
		addr: fmt.Sprintf("%s%d", bootNet, 4*index+2), hostAddr: fmt.Sprintf("%s%d", bootNet, 4*index+1), hostLink: fmt.Sprintf("dtlsb%dh", id)}
	for _, d := range []string{"upper", "work", "root", "docker"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The image stays as built; what the guest writes goes to upper/.
	// dockerd's data root is a folder of the test's, not on the overlay
	// (overlay2 does not stack on overlayfs).
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", image, filepath.Join(dir, "upper"), filepath.Join(dir, "work"))
	if err := syscall.Mount("overlay", g.root, "overlay", 0, opts); err != nil {
		t.Fatalf("mounting the guest's overlay: %v", err)
	}
	t.Cleanup(g.remove)
	guestLink := fmt.Sprintf("dtlsb%dg", id)
	for _, args := range [][]string{
		{"netns", "add", g.name},
		{"link", "add", g.hostLink, "type", "veth", "peer", "name", guestLink},
		{"link", "set", guestLink, "netns", g.name},
		{"addr", "add", g.hostAddr + "/30", "dev", g.hostLink},
		{"link", "set", g.hostLink, "up"},
		{"-n", g.name, "addr", "add", g.addr + "/30", "dev", guestLink},
		{"-n", g.name, "link", "set", guestLink, "up"},
		{"-n", g.name, "link", "set", "lo", "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return g
}

// seed writes the NoCloud seed: userData unchanged as user-data, and an
// instance-id, which stays the same across reboots (cloud-init then runs
// its per-instance modules, write_files and runcmd, only at first boot).
func (g *bootGuest) seed(userData string) {
	g.t.Helper()
	seed := filepath.Join(g.root, "var/lib/cloud/seed/nocloud")
	if err := os.MkdirAll(seed, 0o755); err != nil {
		g.t.Fatal(err)
	}
	writeFile(g.t, filepath.Join(seed, "user-data"), userData)
	writeFile(g.t, filepath.Join(seed, "meta-data"), "instance-id: "+g.name+"\nlocal-hostname: "+g.name+"\n")
}

// applyIgnition applies an Ignition config to the guest's root filesystem
// with Ignition's own ignition-apply, as Ignition's files stage writes a
// new host's disk before its first real boot, and turns cloud-init off (a
// host provisioned by Ignition has none).
func (g *bootGuest) applyIgnition(t *testing.T, config string) {
	t.Helper()
	apply := os.Getenv("DOCKERTLS_IGNITION_APPLY")
	if _, err := os.Stat(apply); apply == "" || err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("DOCKERTLS_IGNITION_APPLY is not set on CI: make test builds ignition-apply there (scripts/build-ignition.sh)")
		}
		t.Skip("SKIP (loudly): no host was booted from the rendered ignition: DOCKERTLS_IGNITION_APPLY is not set or names no " +
			"program. Run `make test`, which builds Ignition's ignition-apply once (scripts/build-ignition.sh).")
	}
	path := filepath.Join(g.dir, "config.ign")
	writeFile(t, path, config)
	if out, err := exec.Command(apply, "--root", g.root, "--offline", path).CombinedOutput(); err != nil {
		t.Fatalf("ignition-apply refused the rendered ignition: %v\n%s", err, out)
	} else {
		t.Logf("ignition-apply wrote the root filesystem:\n%s", strings.TrimSpace(string(out)))
	}
	writeFile(t, filepath.Join(g.root, "etc/cloud/cloud-init.disabled"), "")
	g.applyIgnitionPresets(t)
}

// applyIgnitionPresets enables the units Ignition enabled by preset
// (20-ignition.preset), as systemd does on the first boot of Fedora CoreOS
// and Flatcar, whose /etc/machine-id is "uninitialized" then. Debian's
// image cannot boot that way: its own presets end in "disable *", which a
// first boot would apply to docker.service too.
func (g *bootGuest) applyIgnitionPresets(t *testing.T) {
	t.Helper()
	presets, err := os.ReadFile(filepath.Join(g.root, "etc/systemd/system-preset/20-ignition.preset"))
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(presets), "\n") {
		if unit, ok := strings.CutPrefix(line, "enable "); ok {
			if out, err := exec.Command("systemctl", "--root", g.root, "enable", unit).CombinedOutput(); err != nil {
				t.Fatalf("Ignition's preset enables %s, which systemd cannot enable: %v\n%s", unit, err, out)
			}
		}
	}
}

// boot starts systemd-nspawn with systemd as PID 1. The flags are what
// this machine kind needs (no systemd on the host, hybrid cgroups):
// see the facts in CONTRIBUTING.md's boot test section.
func (g *bootGuest) boot(t *testing.T) {
	t.Helper()
	g.boots++
	console, err := os.Create(filepath.Join(g.dir, fmt.Sprintf("console-%d.log", g.boots)))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("systemd-nspawn", "--quiet", "--boot", "--directory="+g.root, "--machine="+g.name,
		"--register=no", "--keep-unit", "--capability=all", "--system-call-filter=@keyring bpf",
		"--network-namespace-path=/run/netns/"+g.name, "--bind="+filepath.Join(g.dir, "docker")+":/var/lib/docker")
	cmd.Env = append(os.Environ(), "SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1", "SYSTEMD_NSPAWN_API_VFS_WRITABLE=network")
	cmd.Stdout, cmd.Stderr = console, console
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	g.bootStarted = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	g.nspawn, g.exited = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		console.Close()
		close(g.exited)
	}()
}

// pid1 is the guest's systemd, as the host sees it.
func (g *bootGuest) pid1() (int, error) {
	if g.nspawn == nil {
		return 0, errors.New("the guest is not running")
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		children, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", g.nspawn.Process.Pid, g.nspawn.Process.Pid))
		if f := strings.Fields(string(children)); len(f) > 0 && isPID1OfItsNamespace(f[0]) {
			return strconv.Atoi(f[0])
		}
		select {
		case <-g.exited:
			return 0, fmt.Errorf("systemd-nspawn ended:\n%s", g.console())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("systemd-nspawn started no guest in 30 s:\n%s", g.console())
}

// isPID1OfItsNamespace reports whether the process is PID 1 of its own PID
// namespace (the last NSpid), as the guest's systemd is once nspawn has
// set the guest up, and nspawn's intermediate child is not.
func isPID1OfItsNamespace(pid string) bool {
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
			f := strings.Fields(rest)
			return len(f) > 1 && f[len(f)-1] == "1"
		}
	}
	return false
}

// run runs argv inside the guest, in all its namespaces.
func (g *bootGuest) run(argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pid, err := g.pid1()
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{"--target", strconv.Itoa(pid), "--all", "--"}, argv...)...)
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (g *bootGuest) mustRun(t *testing.T, argv ...string) string {
	t.Helper()
	out, err := g.run(argv...)
	if err != nil {
		t.Fatalf("in the guest, %s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return out
}

// waitServing waits until call succeeds and returns how long after since
// it did. It fails within seconds when unit stays failed (a program that
// is not there, start requests repeated too quickly).
func (g *bootGuest) waitServing(t *testing.T, unit string, call func() error, since time.Time) time.Duration {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	failedChecks := 0
	for i := 0; ; i++ {
		err := call()
		if err == nil {
			return time.Since(since)
		}
		select {
		case <-g.exited:
			t.Fatalf("the guest powered off:\n%s", g.console())
		default:
		}
		// A unit failed at three checks in a row (six seconds) has
		// failed for good: before cloud-init's runcmd restarts it at
		// first boot, the packaged docker.service can fail on the new
		// daemon.json and hit its start limit for a moment, which a
		// single check would mistake for the end (seen under load).
		if i%20 == 19 {
			if _, notFailed := g.run("systemctl", "is-failed", "--quiet", unit); notFailed == nil {
				failedChecks++
			} else {
				failedChecks = 0
			}
		}
		if failedChecks >= 3 || time.Now().After(deadline) {
			status, _ := g.run("systemctl", "status", "--no-pager", "--full", unit+".service", unit+".socket")
			t.Fatalf("the guest did not serve mutual TLS: %v\n%s\nconsole:\n%s", err, status, tail(g.console(), 40))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// assertBootedCleanly wants systemd's boot finished with no unit failed
// and, with cloudInit, cloud-init done without errors on a valid
// #cloud-config.
func (g *bootGuest) assertBootedCleanly(t *testing.T, cloudInit bool) {
	t.Helper()
	state, _ := g.run("systemctl", "is-system-running", "--wait")
	if strings.TrimSpace(state) != "running" {
		failed, _ := g.run("systemctl", "--failed", "--no-pager", "--full")
		t.Errorf("systemd in the guest is %q, not running:\n%s", strings.TrimSpace(state), failed)
	}
	if !cloudInit {
		return
	}
	status := g.mustRun(t, "cloud-init", "status", "--wait", "--long")
	var result struct {
		V1 struct {
			Errors []string `json:"errors"`
		} `json:"v1"`
	}
	if err := json.Unmarshal([]byte(g.mustRun(t, "cat", "/run/cloud-init/result.json")), &result); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(status, "status: done") || len(result.V1.Errors) > 0 {
		t.Errorf("cloud-init in the guest: %s\nerrors: %q", status, result.V1.Errors)
	}
	log, _ := os.ReadFile(filepath.Join(g.root, "var/log/cloud-init.log"))
	lines := strings.Split(string(log), "\n")
	for i, line := range lines {
		if strings.Contains(line, "Invalid cloud-config") {
			schema, _ := g.run("cloud-init", "schema", "--system")
			t.Errorf("cloud-init found the #cloud-config invalid: %s", schema)
		}
		if strings.Contains(line, "[ERROR]") || strings.Contains(line, "Traceback") {
			t.Errorf("cloud-init.log:\n%s", strings.Join(lines[i:min(i+12, len(lines))], "\n"))
		}
	}
}

// assertFiles wants each rendered file in the guest as rendered: content,
// mode, owned by root.
func (g *bootGuest) assertFiles(t *testing.T, filesJSON string) {
	t.Helper()
	for name, f := range renderedFiles(t, filesJSON) {
		path := filepath.Join(g.root, f.Path)
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("%s (%s) is not on the booted host: %v", name, f.Path, err)
			continue
		}
		got, _ := os.ReadFile(path)
		st := fi.Sys().(*syscall.Stat_t)
		if want := f.content(); want == nil || string(got) != *want || fmt.Sprintf("%04o", fi.Mode().Perm()) != f.Mode || st.Uid != 0 || st.Gid != 0 {
			t.Errorf("%s on the booted host: mode %04o, owner %d:%d, content as rendered %t; want mode %s, root:root",
				f.Path, fi.Mode().Perm(), st.Uid, st.Gid, want != nil && string(got) == *want, f.Mode)
		}
	}
}

// deliver installs inside the guest each file whose content changed, as
// the examples do over SSH: the file copied to a temporary folder (here
// /var/tmp, which the host can write: the guest's /tmp is a tmpfs of its
// own), then `install -D -m MODE` into place. It returns the paths it
// installed.
func (g *bootGuest) deliver(t *testing.T, beforeJSON, afterJSON string) []string {
	t.Helper()
	before := renderedFiles(t, beforeJSON)
	var installed []string
	for name, f := range renderedFiles(t, afterJSON) {
		if old, ok := before[name]; ok && old.content() != nil && f.content() != nil && *old.content() == *f.content() {
			continue
		}
		if f.content() == nil {
			t.Fatalf("%s: rendered without content", name)
		}
		tmp := "/var/tmp/dockertls-" + name
		if err := os.WriteFile(filepath.Join(g.root, tmp), []byte(*f.content()), 0o600); err != nil {
			t.Fatal(err)
		}
		g.mustRun(t, "install", "-D", "-m", f.Mode, tmp, f.Path)
		g.mustRun(t, "rm", "-f", tmp)
		installed = append(installed, f.Path)
	}
	return installed
}

// powerOff shuts the guest down as a power button does: systemd-nspawn
// passes SIGTERM on to the guest's systemd, which halts.
func (g *bootGuest) powerOff(t *testing.T) {
	if g.nspawn == nil {
		return
	}
	_ = g.nspawn.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.exited:
	case <-time.After(90 * time.Second):
		t.Errorf("the guest did not power off in 90 s; killed")
		_ = g.nspawn.Process.Kill()
		<-g.exited
	}
	g.nspawn = nil
	removeNspawnCgroups(t)
}

// remove powers the guest off and removes what it used: the overlay, the
// network namespace and the host's end of the veth pair (the test's
// folder goes with e2eDir).
func (g *bootGuest) remove() {
	g.powerOff(g.t)
	if err := syscall.Unmount(g.root, syscall.MNT_DETACH); err != nil {
		g.t.Errorf("unmounting the guest's overlay: %v", err)
	}
	_ = exec.Command("ip", "netns", "delete", g.name).Run()
	_ = exec.Command("ip", "link", "delete", g.hostLink).Run()
}

func (g *bootGuest) console() string {
	b, _ := os.ReadFile(filepath.Join(g.dir, fmt.Sprintf("console-%d.log", g.boots)))
	return string(b)
}

// removeNspawnCgroups removes the cgroups systemd-nspawn leaves beside its
// own when it runs without systemd on the host (--keep-unit): payload/ (the
// guest's tree) and supervisor/, in each hierarchy it used.
func removeNspawnCgroups(t *testing.T) {
	t.Helper()
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(self)), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		var mount string
		switch f[1] {
		case "name=systemd":
			mount = "/sys/fs/cgroup/systemd"
		case "":
			mount = "/sys/fs/cgroup/unified"
			if _, err := os.Stat(mount); err != nil {
				mount = "/sys/fs/cgroup"
			}
		default:
			continue
		}
		for _, leftover := range []string{"payload", "supervisor"} {
			removeCgroupTree(t, filepath.Join(mount, f[2], leftover))
		}
	}
}

// removeCgroupTree removes a cgroup and those below it, deepest first,
// killing what still runs in them (a guest whose nspawn had to be killed).
func removeCgroupTree(t *testing.T, dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for i := 0; i < 50; i++ {
		procs, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		if len(strings.TrimSpace(string(procs))) == 0 {
			break
		}
		for _, p := range strings.Fields(string(procs)) {
			if pid, err := strconv.Atoi(p); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, e := range entries {
		if e.IsDir() {
			removeCgroupTree(t, filepath.Join(dir, e.Name()))
		}
	}
	if err := syscall.Rmdir(dir); err != nil {
		t.Errorf("removing the guest's cgroup %s: %v", dir, err)
	}
}

func copyExecutable(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}
