package provider

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The plan lines the renewal guide quotes for examples/rotation/host-by-host
// (two hosts, two people); TestE2EFleetHostByHost and
// TestCLIRenderingFunctionsKnownInPlan print and check them.
const (
	planServersCARenews = "Plan: 0 to add, 3 to change, 0 to destroy."
	planIssuerRenews    = "Plan: 4 to add, 4 to change, 4 to destroy."
	planRevokeOne       = "Plan: 4 to add, 0 to change, 4 to destroy."
)

// TestE2EFleetHostByHost applies examples/rotation/host-by-host to two real
// dockerds, each with a running container, while a client calls both over
// mutual TLS in a loop:
//
//  1. the servers' CA renews on its key: the plan replaces no host file and
//     restarts no daemon; the client gets the renewed ca.pem; no call fails;
//  2. both people's issuers renew: each host's ca.pem and restart, nothing
//     else; the daemons restart one at a time;
//  3. bob is revoked: the same, and then bob is refused by both hosts while
//     alice is admitted, and the example's check passes.
//
// No call fails outside its own host's restart, the two restarts never
// overlap, and the containers keep their PIDs. The example's HCL is applied
// as it is; only its delivery module (SSH) is replaced by one that writes
// the files here and asks the test to restart the host's dockerd, holding
// the same restart lock as the real module.
func TestE2EFleetHostByHost(t *testing.T) {
	needsCLI(t, featureFunctions) // examples/rotation/host-by-host renders with the functions
	dockerd, docker := requireDocker(t)
	dir := e2eDir(t, "dtlsf")
	realNow := time.Now().UTC().Truncate(time.Second)
	clock := newTestClock()
	clock.Set(realNow.Add(-30 * time.Hour))
	tf := newCLI(t, clock, providerBlock)
	f := &fleet{t: t, tf: tf, dir: dir, control: filepath.Join(dir, "control")}
	for _, name := range []string{"docker1", "docker2"} {
		hostDir := filepath.Join(dir, name)
		f.hosts = append(f.hosts, &fleetHost{name: name, e2eHost: &e2eHost{
			t: t, dir: hostDir, port: freePort(t), dockerd: dockerd, docker: docker,
			clientDir: filepath.Join(dir, "alice"), trigger: "-",
		}})
	}
	f.setUp()
	f.watchRestarts()

	f.apply(nil)
	f.writeClientFiles()
	for _, h := range f.hosts {
		h.startContainer()
		h.pid = h.containerPID()
	}
	for _, h := range f.hosts {
		h.prober = h.newProberWithCA("alice on "+h.name, filepath.Join(dir, "alice"), filepath.Join(dir, "alice", "ca.pem"))
	}

	steps := []struct {
		name      string
		at        time.Time
		vars      []string
		plan      string
		deployed  []string // the files each host gets anew
		restarted bool
	}{
		{"1 the servers' CA renews on its key", realNow.Add(-4 * time.Hour), nil, planServersCARenews, nil, false},
		{"2 the people's issuers renew", realNow, nil, planIssuerRenews, []string{"ca.pem"}, true},
		{"3 bob is revoked", realNow, []string{`-var=revoked=["bob"]`}, planRevokeOne, []string{"ca.pem"}, true},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			clock.Set(step.at)
			marks := f.marks()
			f.restarts.reset()
			summary, actions := f.apply(step.vars)
			t.Logf("%s: %s", step.name, summary)
			if summary != step.plan {
				t.Errorf("plan summary %q, want %q (the renewal guide quotes it)", summary, step.plan)
			}
			want := map[string]string{}
			for _, h := range f.hosts {
				for _, name := range step.deployed {
					want[`module.deploy["`+h.name+`"].terraform_data.host_file["`+name+`"]`] = "delete,create"
				}
				if step.restarted {
					want[`module.deploy["`+h.name+`"].terraform_data.restart_docker`] = "delete,create"
				}
			}
			if got := withoutNoOps(actions); !maps.Equal(got, want) {
				t.Errorf("the plan changes %v in module.deploy, want exactly %v", got, want)
			}
			f.writeClientFiles()
			time.Sleep(2 * time.Second) // calls after the last restart
			windows := f.restarts.windows()
			f.checkWindows(windows, step.restarted)
			for i, h := range f.hosts {
				report := h.prober.report(marks[i], windows[h.name])
				t.Logf("%s, %s: %s", step.name, h.prober.name, report)
				if report.failed > 0 || report.calls == 0 {
					t.Errorf("%s: %s; want no failed call outside %s's restart", h.prober.name, report, h.name)
				}
				if got := h.containerPID(); got != h.pid {
					t.Errorf("%s: the container's PID went from %d to %d", h.name, h.pid, got)
				}
			}
		})
	}

	bob, alice := filepath.Join(dir, "bob"), filepath.Join(dir, "alice")
	for _, h := range f.hosts {
		if out, err := dockerCmd(docker, h.clientEnv(bob), "version"); err == nil || !refusedCertificate(out) {
			t.Errorf("%s still admits bob after the revocation: %v\n%s", h.name, err, out)
		}
		h.dockerVersion(alice)
	}
	out, code := tf.run(nil, "plan", "-detailed-exitcode", "-input=false", `-var=revoked=["bob"]`)
	if code != 0 || strings.Contains(out, "Still admitted") {
		t.Errorf("the plan after the revocation (exit %d) is not clean, or its check fails:\n%s", code, out)
	}
	for _, h := range f.hosts {
		h.prober.stop()
	}
}

// fleet is the Terraform working directory of TestE2EFleetHostByHost and
// its hosts.
type fleet struct {
	t        *testing.T
	tf       *cli
	dir      string
	control  string // where the delivery module asks for restarts
	hosts    []*fleetHost
	restarts restartLog
}

// fleetHost is one Docker host of the fleet.
type fleetHost struct {
	*e2eHost
	name   string
	pid    int
	prober *apiProber
}

// fleetDeployModule stands in for examples/rotation/modules/deploy: the same
// inputs and the same restart lock, with the files written here (the
// systemd drop-in belongs to a real host and is left out; its digest is in
// restart_trigger all the same) and the restart asked of the test, which
// restarts the host's dockerd and answers when it serves again.
const fleetDeployModule = `
variable "ssh_host" { type = string }
variable "ssh_user" {
  type    = string
  default = "admin"
}
variable "host_files" {
  type      = any
  sensitive = true
}
variable "restart_trigger" {
  type      = string
  sensitive = true
}
variable "restart_lock" {
  type    = string
  default = null
}
variable "client_files" {
  type      = any
  default   = null
  sensitive = true
}
variable "write_client_files" {
  type    = bool
  default = true
}

locals {
  write        = ` + writeFileAtomically + `
  restart_lock = coalesce(var.restart_lock, "${path.root}/.terraform/dockertls-restart.lock")
}

resource "terraform_data" "host_file" {
  for_each = toset(["daemon.json", "systemd_dropin", "ca.pem", "server-cert.pem", "server-key.pem"])

  triggers_replace = [nonsensitive(sha256(coalesce(var.host_files[each.key].content, var.host_files[each.key].sensitive_content)))]
  provisioner "local-exec" {
    command = each.key == "systemd_dropin" ? "true" : local.write
    environment = {
      FILE    = var.host_files[each.key].path
      MODE    = var.host_files[each.key].mode
      CONTENT = coalesce(var.host_files[each.key].content, var.host_files[each.key].sensitive_content)
    }
  }
}

resource "terraform_data" "restart_docker" {
  triggers_replace = [nonsensitive(var.restart_trigger)]
  depends_on       = [terraform_data.host_file]

  provisioner "local-exec" {
    command = "mkdir -p \"$(dirname \"$LOCK\")\" && flock \"$LOCK\" sh -c \"$RESTART\""
    environment = {
      LOCK    = local.restart_lock
      RESTART = "C=CONTROL_DIR/${var.ssh_host}; rm -f $C.done; touch $C.request; n=0; until [ -e $C.done ]; do n=$((n+1)); [ $n -lt 2400 ] || exit 1; sleep 0.05; done; rm -f $C.done"
    }
  }
}
`

func (f *fleet) setUp() {
	f.t.Helper()
	root := f.tf.dir
	for _, d := range []string{filepath.Join(root, "modules", "deploy"), filepath.Join(root, "host-by-host"), f.control} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			f.t.Fatal(err)
		}
	}
	for _, h := range f.hosts {
		if err := os.MkdirAll(h.dir, 0o755); err != nil {
			f.t.Fatal(err)
		}
	}
	writeFile(f.t, filepath.Join(root, "modules", "deploy", "main.tf"), strings.ReplaceAll(fleetDeployModule, "CONTROL_DIR", f.control))
	example, err := os.ReadFile(filepath.Join("..", "..", "examples", "rotation", "host-by-host", "main.tf"))
	if err != nil {
		f.t.Fatal(err)
	}
	f.tf.dir = filepath.Join(root, "host-by-host")
	writeFile(f.t, filepath.Join(f.tf.dir, "main.tf"), string(example))
	writeFile(f.t, filepath.Join(f.tf.dir, "e2e_override.tf"), f.override())
	writeFile(f.t, filepath.Join(f.tf.dir, "e2e.tf"), `
output "client_files" {
  value     = { for person, hosts in local.client : person => { for name, file in hosts["docker1"].files : name => coalesce(file.content, file.sensitive_content) } }
  sensitive = true
}
`)
	f.tf.mustRun("init", "-input=false")
}

// override puts the hosts here and shortens the lifetimes so that the
// provider's clock reaches each renewal while every certificate stays
// valid in real time, which dockerd and the clients check: the servers'
// CA is due 25 hours after the start, the issuers 29 hours after it, and
// the leaves not before 36 hours.
func (f *fleet) override() string {
	var hosts, settings strings.Builder
	for _, h := range f.hosts {
		fmt.Fprintf(&hosts, "    %s = { dns_name = %q, address = \"127.0.0.1\", port = %d }\n", h.name, h.name+".example.internal", h.port)
		fmt.Fprintf(&settings, "    %s = {\n      hosts = [\"unix://%s/docker.sock\", \"tcp://127.0.0.1:%d\"]\n      tls_dir = \"%[2]s/tls\"\n      daemon_json_path = \"%[2]s/daemon.json\"\n      dockerd_path = %[4]q\n    }\n",
			h.name, h.dir, h.port, h.dockerd)
	}
	return fmt.Sprintf(`variable "hosts" {
  default = {
%s  }
}

locals {
  daemon_settings = {
%s  }
}

resource "dockertls_ca" "servers" {
  validity_period_hours = 40
  early_renewal_hours   = 15
}

resource "dockertls_ca" "person" {
  validity_period_hours = 44
  early_renewal_hours   = 15
}

resource "dockertls_server_cert" "host" {
  validity_period_hours = 38
  early_renewal_hours   = 2
}

resource "dockertls_client_cert" "person" {
  validity_period_hours = 38
  early_renewal_hours   = 2
}
`, hosts.String(), settings.String())
}

// apply plans, applies the saved plan, and returns the plan's summary line
// and the actions planned in module.deploy.
func (f *fleet) apply(vars []string) (string, map[string]string) {
	f.t.Helper()
	out := f.tf.mustRun(append([]string{"plan", "-input=false", "-out=step.tfplan"}, vars...)...)
	if strings.Contains(out, "will no longer be marked as sensitive") {
		f.t.Errorf("the plan warns about sensitivity:\n%s", out)
	}
	actions := planActions(f.t, f.tf.mustRun("show", "-json", "step.tfplan"), "module.deploy")
	f.tf.mustRun("apply", "-input=false", "step.tfplan")
	return planSummary(out), actions
}

// writeClientFiles writes each person's files, as they would get them.
func (f *fleet) writeClientFiles() {
	f.t.Helper()
	var files map[string]map[string]string
	if err := json.Unmarshal([]byte(f.tf.mustRun("output", "-json", "client_files")), &files); err != nil {
		f.t.Fatal(err)
	}
	for person, byName := range files {
		for name, content := range byName {
			path := filepath.Join(f.dir, person, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				f.t.Fatal(err)
			}
			// Whole, then moved into place: the prober reads them in a loop.
			if err := os.WriteFile(path+".new", []byte(content), 0o600); err != nil {
				f.t.Fatal(err)
			}
			if err := os.Rename(path+".new", path); err != nil {
				f.t.Fatal(err)
			}
		}
	}
}

func (f *fleet) marks() []int {
	marks := make([]int, len(f.hosts))
	for i, h := range f.hosts {
		if h.prober != nil {
			marks[i] = h.prober.mark()
		}
	}
	return marks
}

// watchRestarts answers the delivery module's restart requests, a
// goroutine per host: it (re)starts the host's dockerd, waits until it
// serves, logs the window, and answers.
func (f *fleet) watchRestarts() {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	f.t.Cleanup(func() { close(quit); wg.Wait() })
	for _, h := range f.hosts {
		request := filepath.Join(f.control, h.name+".example.internal")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-quit:
					return
				case <-time.After(20 * time.Millisecond):
				}
				if os.Remove(request+".request") != nil {
					continue
				}
				w := &restartWindow{from: time.Now()}
				if h.daemon == nil {
					h.daemon = startDockerd(f.t, h.dockerd, h.dir, filepath.Join(h.dir, "daemon.json"))
				} else {
					h.daemon.stop()
					h.daemon.start()
				}
				waitForDocker(f.t, h.docker, h.adminEnv())
				w.to = time.Now()
				f.restarts.add(h.name, w)
				f.t.Logf("%s: dockerd restarted in %s", h.name, w.to.Sub(w.from).Round(time.Millisecond))
				if err := os.WriteFile(request+".done", nil, 0o600); err != nil {
					f.t.Errorf("answering %s's restart: %v", h.name, err)
				}
			}
		}()
	}
}

// checkWindows fails unless each host restarted once (when restarted is
// set) or none did, and no two restarts overlapped.
func (f *fleet) checkWindows(windows map[string]*restartWindow, restarted bool) {
	f.t.Helper()
	if !restarted {
		if len(windows) > 0 {
			f.t.Errorf("dockerd restarted on %v; the plan restarts no host", keysOf(windows))
		}
		return
	}
	if len(windows) != len(f.hosts) || f.restarts.count() != len(f.hosts) {
		f.t.Fatalf("restarts %v (%d in all), want one on each of %d hosts", keysOf(windows), f.restarts.count(), len(f.hosts))
	}
	names := keysOf(windows)
	sort.Slice(names, func(i, j int) bool { return windows[names[i]].from.Before(windows[names[j]].from) })
	for i := 1; i < len(names); i++ {
		prev, next := windows[names[i-1]], windows[names[i]]
		f.t.Logf("%s down %s, then %s down %s, %s apart", names[i-1], prev.to.Sub(prev.from).Round(time.Millisecond),
			names[i], next.to.Sub(next.from).Round(time.Millisecond), next.from.Sub(prev.to).Round(time.Millisecond))
		if next.from.Before(prev.to) {
			f.t.Errorf("%s and %s were down at the same time", names[i-1], names[i])
		}
	}
}

// restartLog records the restart windows of each host since a reset.
type restartLog struct {
	mu sync.Mutex
	by map[string][]*restartWindow
}

func (l *restartLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.by = map[string][]*restartWindow{}
}

func (l *restartLog) add(host string, w *restartWindow) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.by == nil {
		l.by = map[string][]*restartWindow{}
	}
	l.by[host] = append(l.by[host], w)
}

// windows is each host's last window.
func (l *restartLog) windows() map[string]*restartWindow {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]*restartWindow{}
	for host, ws := range l.by {
		out[host] = ws[len(ws)-1]
	}
	return out
}

func (l *restartLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, ws := range l.by {
		n += len(ws)
	}
	return n
}

func keysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
