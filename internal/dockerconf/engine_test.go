package dockerconf

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// engine is a current dockerd that judges what this package renders.
type engine struct{ name, path string }

// currentEngines are the engines make test-engines built, from
// DOCKERTLS_ENGINES ("28.5.2=/path/to/dockerd 29=/path/to/dockerd").
func currentEngines(t *testing.T) []engine {
	t.Helper()
	spec := os.Getenv("DOCKERTLS_ENGINES")
	if spec == "" {
		t.Skip("SKIP: no current Docker Engine given; make test (its test-engines pass) builds dockerd 28.5.2 and 29 and runs this with DOCKERTLS_ENGINES set")
	}
	var out []engine
	for _, field := range strings.Fields(spec) {
		name, path, ok := strings.Cut(field, "=")
		if !ok {
			t.Fatalf("DOCKERTLS_ENGINES: %q is not NAME=PATH", field)
		}
		out = append(out, engine{name, path})
	}
	return out
}

// validate runs dockerd --validate on a daemon.json and returns what it
// says and whether it accepted it.
func (e engine) validate(t *testing.T, daemonJSON string) (string, bool) {
	t.Helper()
	out, err := exec.Command(e.path, "--validate", "--config-file", daemonJSON).CombinedOutput()
	return string(out), err == nil && strings.Contains(string(out), "configuration OK")
}

// accepts reports whether the engine takes key as a daemon.json key: it
// may refuse the value (null), but not the key.
func (e engine) accepts(t *testing.T, dir, key string) bool {
	t.Helper()
	file := filepath.Join(dir, "probe.json")
	if err := os.WriteFile(file, []byte(fmt.Sprintf("{%q: null}", key)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := e.validate(t, file)
	return !strings.Contains(out, "don't match any configuration option")
}

// flags are the long flags the engine's --help lists, each also a key.
func (e engine) flags(t *testing.T) []string {
	t.Helper()
	help, _ := exec.Command(e.path, "--help").CombinedOutput()
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^\s+(?:-\w, )?--([a-z0-9-]+)`).FindAllStringSubmatch(string(help), -1) {
		out = append(out, m[1])
	}
	if len(out) < 50 {
		t.Fatalf("%s --help lists %d flags: not a dockerd?\n%s", e.path, len(out), help)
	}
	return out
}

// TestDaemonKeysMatchTheEngines keeps linuxDaemonKeys honest: every key a
// current engine accepts, among its flags and the list, is in the list;
// every key in the list is accepted by one of them; legacy keys and
// misspellings are refused by all.
func TestDaemonKeysMatchTheEngines(t *testing.T) {
	engines := currentEngines(t)
	dir := t.TempDir()
	acceptedBySome := map[string]bool{}
	for _, e := range engines {
		candidates := slices.Concat(linuxDaemonKeys, legacyDaemonKeys, e.flags(t), []string{"log-levl", "TLSVERIFY", "--tlsverify"})
		slices.Sort(candidates)
		for _, k := range slices.Compact(candidates) {
			switch accepted := e.accepts(t, dir, k); {
			case accepted && !slices.Contains(linuxDaemonKeys, k):
				t.Errorf("dockerd %s accepts the key %q, which linuxDaemonKeys lacks: add it", e.name, k)
			case accepted:
				acceptedBySome[k] = true
			case slices.Contains(legacyDaemonKeys, k), !slices.Contains(linuxDaemonKeys, k):
				// Refused, as it should be.
			}
		}
	}
	for _, k := range linuxDaemonKeys {
		if !acceptedBySome[k] {
			t.Errorf("no current engine accepts %q: remove it from linuxDaemonKeys, or move it to legacyDaemonKeys", k)
		}
	}
	t.Logf("%d keys, each accepted by dockerd %v", len(linuxDaemonKeys), engines)
}

// TestRenderedDaemonJSONValidates has each current engine judge the
// daemon.json of every configuration shape the Linux platforms render
// (Windows' file names Windows paths, which dockerd on Linux cannot load),
// with the TLS files it names in place.
func TestRenderedDaemonJSONValidates(t *testing.T) {
	engines := currentEngines(t)
	m := newMaterial(t)
	dir := t.TempDir()
	material := ServerMaterial{CACertPEM: m.caPEM, CertPEM: m.serverPEM, KeyPEM: m.serverKey}
	shapes := map[string]Daemon{
		"the baseline":                {Hardening: HardeningBaseline, LiveRestore: true},
		"no hardening":                {LiveRestore: false},
		"settings over the baseline":  {Hardening: HardeningBaseline, LiveRestore: true, Settings: map[string]any{"icc": true, "log-driver": "journald", "default-address-pools": []any{map[string]any{"base": "10.99.0.0/16", "size": 24}}}},
		"client issuers":              {Hardening: HardeningBaseline, LiveRestore: true, Material: ServerMaterial{CACertPEM: m.caPEM, ClientCACertPEM: m.otherCAPEM + m.caPEM, CertPEM: m.serverPEM, KeyPEM: m.serverKey}},
		"rootless":                    {Platform: PlatformRootless, User: ci, Hardening: HardeningBaseline},
		"several listeners":           {Hosts: []string{"unix:///run/docker-tls.sock", "tcp://127.0.0.1:2376", "tcp://[::1]:2376"}, Hardening: HardeningBaseline, LiveRestore: true},
		"unverified clients, opt-in":  {TLSVerify: false, AllowUnverified: true, Hardening: HardeningNone},
		"user namespaces and logging": {Hardening: HardeningBaseline, LiveRestore: true, Settings: map[string]any{"userns-remap": "default", "log-level": "info"}},
	}
	for name, d := range shapes {
		t.Run(name, func(t *testing.T) {
			d.TLSVerify = d.TLSVerify || name != "unverified clients, opt-in"
			d.TLSDir = filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
			if d.Material == (ServerMaterial{}) {
				d.Material = material
			}
			r, problems := d.Render()
			for _, p := range problems {
				if !p.Warning {
					t.Fatalf("refused: %+v", p)
				}
			}
			if err := os.MkdirAll(d.TLSDir, 0o700); err != nil {
				t.Fatal(err)
			}
			jsonPath := filepath.Join(d.TLSDir, "daemon.json")
			for _, f := range r.Files {
				path := f.Path
				if f.Name == DaemonJSONName {
					path = jsonPath
				}
				if f.Name == SystemdDropinFile {
					continue
				}
				if err := os.WriteFile(path, []byte(f.Content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			for _, e := range engines {
				if out, ok := e.validate(t, jsonPath); !ok {
					t.Errorf("dockerd %s --validate refuses it:\n%s\n%s", e.name, out, r.JSON)
				}
			}
		})
	}
}
