package dockerconf

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/coreos/ignition/v2/config/merge"
	"github.com/coreos/ignition/v2/config/v3_3"
	"github.com/coreos/ignition/v2/config/v3_3/types"
	"github.com/vincent-petithory/dataurl"
)

// parseIgnition has Ignition's own config package parse and validate a
// config; any entry in its report fails the test.
func parseIgnition(t *testing.T, doc string) types.Config {
	t.Helper()
	cfg, report, err := v3_3.Parse([]byte(doc))
	if err != nil || len(report.Entries) > 0 {
		t.Fatalf("Ignition refuses the config: %v\n%s\n%s", err, report.String(), doc)
	}
	return cfg
}

// ignitionFiles decodes what an Ignition config writes, by path.
func ignitionFiles(t *testing.T, cfg types.Config) map[string]types.File {
	t.Helper()
	out := map[string]types.File{}
	for _, f := range cfg.Storage.Files {
		out[f.Path] = f
	}
	return out
}

func decodeSource(t *testing.T, f types.File) string {
	t.Helper()
	if f.Contents.Source == nil {
		t.Fatalf("%s has no contents", f.Path)
	}
	u, err := dataurl.DecodeString(*f.Contents.Source)
	if err != nil {
		t.Fatalf("%s: %v", f.Path, err)
	}
	return string(u.Data)
}

func TestIgnitionConfig(t *testing.T) {
	m := newMaterial(t)
	r, _ := Daemon{TLSVerify: true, Hardening: HardeningBaseline, LiveRestore: true, DockerdPath: "/usr/bin/dockerd",
		Material: ServerMaterial{CACertPEM: m.caPEM, CertPEM: m.serverPEM, KeyPEM: m.serverKey}}.Render()
	cfg := parseIgnition(t, r.Ignition)
	if cfg.Ignition.Version != IgnitionVersion {
		t.Errorf("version %s", cfg.Ignition.Version)
	}
	written := ignitionFiles(t, cfg)
	for _, f := range r.Files {
		if f.Name == SystemdDropinFile {
			continue
		}
		w, ok := written[f.Path]
		if !ok {
			t.Errorf("the Ignition config does not write %s", f.Path)
			continue
		}
		if got := decodeSource(t, w); got != f.Content {
			t.Errorf("%s differs from files[%q]", f.Path, f.Name)
		}
		if w.Mode == nil || fmt.Sprintf("%04o", *w.Mode) != f.Mode || w.Overwrite == nil || !*w.Overwrite {
			t.Errorf("%s: mode %v, overwrite %v; want %s and overwrite", f.Path, w.Mode, w.Overwrite, f.Mode)
		}
	}
	if len(written) != len(r.Files)-1 {
		t.Errorf("it writes %d files; files has %d and the drop-in", len(written), len(r.Files)-1)
	}
	if mode := written["/etc/docker/tls/server-key.pem"].Mode; mode == nil || *mode != 0o400 {
		t.Errorf("the key's mode is %v, want 0400", mode)
	}
	units := map[string]types.Unit{}
	for _, u := range cfg.Systemd.Units {
		units[u.Name] = u
	}
	docker := units["docker.service"]
	if docker.Enabled == nil || !*docker.Enabled || len(docker.Dropins) != 1 || docker.Dropins[0].Name != "dockertls.conf" ||
		docker.Dropins[0].Contents == nil || *docker.Dropins[0].Contents != r.Dropin {
		t.Errorf("docker.service: %+v; want it enabled with the drop-in, byte for byte", docker)
	}
	if s := units["docker-tcp.socket"]; s.Mask == nil || !*s.Mask {
		t.Errorf("docker-tcp.socket is not masked: %+v", s)
	}

	// A fragment merged into a parent config: Ignition merges and validates
	// the result as a host would.
	parent := fmt.Sprintf(`{"ignition": {"version": "3.3.0", "config": {"merge": [{"source": %q}]}},
  "passwd": {"users": [{"name": "core", "sshAuthorizedKeys": ["ssh-ed25519 AAAA core@example"]}]},
  "storage": {"files": [{"path": "/etc/hostname", "mode": 420, "contents": {"source": "data:,docker1"}}]}}`,
		"data:;base64,"+base64.StdEncoding.EncodeToString([]byte(r.Ignition)))
	p := parseIgnition(t, parent)
	child := parseIgnition(t, decodeSource(t, types.File{Node: types.Node{Path: "merge"}, FileEmbedded1: types.FileEmbedded1{Contents: types.Resource{Source: p.Ignition.Config.Merge[0].Source}}}))
	p.Ignition.Config.Merge = nil
	merged, _ := merge.MergeStructTranscribe(p, child)
	b, err := json.Marshal(merged)
	if err != nil {
		t.Fatal(err)
	}
	final := parseIgnition(t, string(b))
	if got := ignitionFiles(t, final); len(got) != len(written)+1 || got["/etc/hostname"].Path == "" || got["/etc/docker/daemon.json"].Path == "" {
		t.Errorf("the merged config writes %d files: %v", len(got), got)
	}
}

func TestIgnitionConfigByPlatform(t *testing.T) {
	for _, p := range Platforms {
		r, _ := Daemon{Platform: p, User: userFor(p), TLSVerify: true}.Render()
		if (r.Ignition != "") != (p == PlatformLinux) {
			t.Errorf("%s: an Ignition config %v; only linux has one (Ignition writes root's files at first boot)", p, r.Ignition != "")
		}
	}
	if !strings.Contains(IgnitionConfig(nil, PlatformLinux), `"files": []`) {
		t.Error("an empty file list is not written as []")
	}
}
