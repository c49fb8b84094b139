package provider

import (
	"fmt"
	"path/filepath"
	"strings"
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

func testRenewalWithoutOutage(t *testing.T, socketActivation bool) {
	dockerd, docker := requireDocker(t)
	dir := e2eDir(t, "dtlsr")
	h := &e2eHost{t: t, dir: dir, port: freePort(t), dockerd: dockerd, docker: docker, clientDir: filepath.Join(dir, "client"), socketActivation: socketActivation}

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
		wantActions(t, actions, map[string]string{"dockertls_ca.current": "no-op", "dockertls_server_cert.docker1": "delete,create", "dockertls_client_cert.ci": "no-op"})
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
			{"2-move-leaves", map[string]string{"dockertls_ca.next": "no-op", "dockertls_server_cert.docker1": "delete,create", "dockertls_client_cert.ci": "delete,create"}},
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
func serverEarlyRenewal(hours int) func(h *e2eHost, example string) string {
	return func(h *e2eHost, example string) string {
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
