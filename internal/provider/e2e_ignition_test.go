package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coreos/ignition/v2/config/v3_3"
	"github.com/vincent-petithory/dataurl"
)

// TestE2EIgnition provisions a host as Ignition would from the ignition
// output: Ignition's own config package parses and validates it, every file
// it carries is compared with files and written with its mode, the drop-in
// with systemd_dropin, and then the real dockerd starts on those files and
// the docker CLI reaches it with the rendered client configuration.
func TestE2EIgnition(t *testing.T) {
	dockerd, docker := requireDocker(t)
	dir := e2eDir(t, "dtlsi")
	port := freePort(t)
	tcp, unnamed := fmt.Sprintf("tcp://127.0.0.1:%d", port), fmt.Sprintf("tcp://127.0.0.2:%d", port)
	// The host of TestE2EDockerd, whose files its configuration also writes
	// through files; they are removed below, and written again from the
	// Ignition config alone.
	tf := newCLI(t, newTestClock(), e2eConfig(dir, tcp, unnamed, dockerd, false)+`
output "ignition" {
  value     = data.dockertls_daemon_config.host.ignition
  sensitive = true
}

output "files" {
  value     = data.dockertls_daemon_config.host.files
  sensitive = true
}

output "dropin" {
  value = data.dockertls_daemon_config.host.systemd_dropin
}
`)
	tf.mustRun("apply", "-auto-approve", "-input=false")
	raw := func(name string) string { return tf.mustRun("output", "-json", name) }
	var doc, dropin string
	if err := json.Unmarshal([]byte(raw("ignition")), &doc); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(raw("dropin")), &dropin); err != nil {
		t.Fatal(err)
	}
	cfg, report, err := v3_3.Parse([]byte(doc))
	if err != nil || len(report.Entries) > 0 {
		t.Fatalf("Ignition refuses the ignition output: %v\n%s", err, report.String())
	}
	files := renderedFiles(t, raw("files"))
	byPath := map[string]renderedFile{}
	for _, f := range files {
		byPath[f.Path] = f
		_ = os.Remove(f.Path)
	}
	// Write each file as Ignition does at first boot: parent directories,
	// the contents, the mode.
	for _, f := range cfg.Storage.Files {
		want, ok := byPath[f.Path]
		if !ok || f.Contents.Source == nil || f.Mode == nil {
			t.Fatalf("the Ignition config writes %s, which files lacks, or without contents or mode", f.Path)
		}
		u, err := dataurl.DecodeString(*f.Contents.Source)
		if err != nil {
			t.Fatal(err)
		}
		if content := want.content(); content == nil || string(u.Data) != *content || fmt.Sprintf("%04o", *f.Mode) != want.Mode {
			t.Errorf("%s: the Ignition config writes it otherwise than files (mode %04o, want %s)", f.Path, *f.Mode, want.Mode)
		}
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f.Path, u.Data, os.FileMode(*f.Mode)); err != nil {
			t.Fatal(err)
		}
	}
	if len(cfg.Storage.Files) != len(files)-1 {
		t.Errorf("the Ignition config writes %d files; files has %d and the drop-in", len(cfg.Storage.Files), len(files)-1)
	}
	var unitDropin string
	for _, u := range cfg.Systemd.Units {
		if u.Name == "docker.service" && len(u.Dropins) == 1 && u.Dropins[0].Contents != nil {
			unitDropin = *u.Dropins[0].Contents
		}
	}
	if unitDropin != dropin || !strings.Contains(dropin, "ExecStart="+dockerd) {
		t.Errorf("docker.service's drop-in in the Ignition config differs from systemd_dropin:\n%s\n---\n%s", unitDropin, dropin)
	}
	assertMode(t, filepath.Join(dir, "tls", "server-key.pem"), 0o400)

	startDockerd(t, dockerd, dir, filepath.Join(dir, "daemon.json"))
	version := waitForDocker(t, docker, envList(t, outputs(t, tf)["client_env"]))
	t.Logf("dockerd started on the files of the Ignition config; docker version over mutual TLS: %s", version)
}
