package dockerconf

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

func render(t *testing.T, hardened bool, settings string) string {
	t.Helper()
	s, err := ParseSettings(settings)
	if err != nil {
		t.Fatal(err)
	}
	d := Daemon{Hosts: DefaultHosts, TLSVerify: true, CACertPath: "/c", CertPath: "/s", KeyPath: "/k", Settings: s, LiveRestore: true}
	if hardened {
		d.Hardening = HardeningBaseline
	}
	out, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func statuses(t *testing.T, daemonJSON string) map[string]FindingStatus {
	t.Helper()
	findings := Findings(mustMap(t, daemonJSON), PlatformLinux)
	if len(findings) != 18 || findings[0].ID != "2.1" || findings[17].ID != "2.18" {
		t.Fatalf("findings do not cover section 2 in order: %+v", findings)
	}
	out := map[string]FindingStatus{}
	for _, f := range findings {
		if f.Title == "" || (f.Status != StatusPass && f.Detail == "") {
			t.Errorf("finding %s lacks a title or the detail of what to set: %+v", f.ID, f)
		}
		out[f.ID] = f.Status
	}
	return out
}

func TestFindings(t *testing.T) {
	for _, c := range []struct {
		name     string
		hardened bool
		settings string
		want     map[string]string
	}{
		{"the baseline", true, "", map[string]string{
			"2.1": "manual", "2.2": "pass", "2.3": "pass", "2.4": "pass", "2.5": "pass", "2.6": "pass", "2.7": "pass", "2.8": "manual",
			"2.9": "manual", "2.10": "manual", "2.11": "pass", "2.12": "manual", "2.13": "manual", "2.14": "pass", "2.15": "pass",
			"2.16": "pass", "2.17": "manual", "2.18": "pass",
		}},
		{"no hardening", false, "", map[string]string{"2.2": "fail", "2.13": "fail", "2.14": "fail", "2.15": "pass", "2.16": "fail", "2.18": "pass"}},
		{"icc turned back on", true, `{"icc": true}`, map[string]string{"2.2": "fail", "2.14": "pass"}},
		{"debug logs, an insecure registry, aufs, experimental", true,
			`{"log-level": "debug", "insecure-registries": ["r:5000"], "storage-driver": "aufs", "experimental": true}`,
			map[string]string{"2.3": "fail", "2.5": "fail", "2.6": "fail", "2.18": "fail"}},
		{"the decisions made", true, `{"userns-remap": "default", "authorization-plugins": ["opa"], "log-driver": "fluentd"}`,
			map[string]string{"2.9": "pass", "2.12": "pass", "2.13": "pass"}},
		// journald and a local syslog keep the logs on the host.
		{"journald", true, `{"log-driver": "journald"}`, map[string]string{"2.13": "manual"}},
		{"syslog, local", true, `{"log-driver": "syslog", "log-opts": {"syslog-address": "unixgram:///dev/log"}}`, map[string]string{"2.13": "manual"}},
		{"syslog, loopback", true, `{"log-driver": "syslog", "log-opts": {"syslog-address": "udp://127.0.0.1:514"}}`, map[string]string{"2.13": "manual"}},
		{"syslog, remote", true, `{"log-driver": "syslog", "log-opts": {"syslog-address": "tcp+tls://logs.example.internal:6514"}}`, map[string]string{"2.13": "pass"}},
		{"seccomp builtin", true, `{"seccomp-profile": "builtin"}`, map[string]string{"2.17": "manual"}},
		{"seccomp custom", true, `{"seccomp-profile": "/etc/docker/seccomp.json"}`, map[string]string{"2.17": "manual"}},
		{"seccomp unconfined", true, `{"seccomp-profile": "unconfined"}`, map[string]string{"2.17": "fail"}},
		{"live-restore off", true, `{"live-restore": false}`, map[string]string{"2.15": "fail"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := statuses(t, render(t, c.hardened, c.settings))
			for id, want := range c.want {
				if string(got[id]) != want {
					t.Errorf("%s: %s, want %s", id, got[id], want)
				}
			}
		})
	}
}

func TestBaselineIsUnderTheSettings(t *testing.T) {
	out := render(t, true, `{"log-driver": "journald", "icc": true}`)
	for _, want := range []string{`"icc": true`, `"log-driver": "journald"`, `"no-new-privileges": true`, `"userland-proxy": false`, `"max-size": "10m"`} {
		if !strings.Contains(out, want) {
			t.Errorf("daemon.json lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(render(t, false, ""), "no-new-privileges") {
		t.Error("no hardening still writes the baseline")
	}
}

func TestOverriddenBaseline(t *testing.T) {
	s, _ := ParseSettings(`{"icc": true, "no-new-privileges": true, "experimental": false, "log-driver": "journald"}`)
	got := OverriddenBaseline(s, PlatformLinux)
	if len(got) != 2 || !strings.HasPrefix(got[0], "2.2 (icc: ") || !strings.HasPrefix(got[1], "2.13 (log-driver: ") {
		t.Errorf("OverriddenBaseline = %q, want 2.2 and 2.13 only (the others set what the baseline does)", got)
	}
}

func TestCheckConflicts(t *testing.T) {
	errs := CheckConflicts(mustMap(t, render(t, true, `{"iptables": false}`)), PlatformLinux)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), `"icc": false with "iptables": false`) {
		t.Errorf("CheckConflicts = %v", errs)
	}
	if errs := CheckConflicts(mustMap(t, render(t, true, `{"iptables": false, "icc": true}`)), PlatformLinux); len(errs) != 0 {
		t.Errorf("icc on with iptables off: %v", errs)
	}
	// Checked with dockerd 20.10: it starts, and docker swarm init fails.
	errs = CheckConflicts(mustMap(t, render(t, true, `{"swarm-default-advertise-addr": "eth0"}`)), PlatformLinux)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), `"live-restore": true with "swarm-default-advertise-addr"`) {
		t.Errorf("live-restore on a swarm node: %v", errs)
	}
	if errs := CheckConflicts(mustMap(t, render(t, true, `{"swarm-default-advertise-addr": "eth0", "live-restore": false}`)), PlatformLinux); len(errs) != 0 {
		t.Errorf("a swarm node without live-restore: %v", errs)
	}
}

func mustMap(t *testing.T, daemonJSON string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(daemonJSON), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCloudConfig(t *testing.T) {
	files := []File{
		{Name: "daemon.json", Path: "/etc/docker/daemon.json", Content: "{}\n", Mode: ModeConfig},
		{Name: "server-key.pem", Path: "/etc/docker/tls/server key.pem", Content: "-----BEGIN PRIVATE KEY-----\nx\n", Mode: ModePrivateKey, Sensitive: true},
	}
	out := CloudConfig(files, PlatformLinux, RootlessUser{})
	if !strings.HasPrefix(out, "#cloud-config\n") || !strings.Contains(out, `- ["systemctl", "restart", "docker"]`) {
		t.Errorf("not a cloud-config that restarts docker:\n%s", out)
	}
	for _, f := range files {
		want := "path: " + yamlString(f.Path) + "\n    owner: \"root:root\"\n    permissions: \"" + f.Mode + "\"\n    encoding: b64\n    content: " +
			base64.StdEncoding.EncodeToString([]byte(f.Content))
		if !strings.Contains(out, want) {
			t.Errorf("%s is not written byte for byte with its mode:\n%s", f.Name, out)
		}
	}
}

// TestFindingsTellTheTruth: a finding's detail never advises to set what
// is set, nor calls a setting what it is not.
func TestFindingsTellTheTruth(t *testing.T) {
	details := func(settings string) map[string]string {
		var cfg map[string]any
		if err := json.Unmarshal([]byte(render(t, true, settings)), &cfg); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, f := range Findings(cfg, PlatformLinux) {
			out[f.ID] = f.Detail
		}
		return out
	}
	set := details(`{"default-ulimits": {"nofile": {"Name": "nofile", "Hard": 64000, "Soft": 64000}}, "cgroup-parent": "/docker", "log-driver": "journald", "seccomp-profile": "unconfined"}`)
	for id, want := range map[string]string{
		"2.8": `"default-ulimits" is set to`, "2.10": `"cgroup-parent" is set to "/docker"`,
		"2.13": "logs stay on the host (journald)", "2.17": "turns seccomp off",
	} {
		if !strings.Contains(set[id], want) {
			t.Errorf("%s: %q, want %q", id, set[id], want)
		}
	}
	if strings.Contains(set["2.13"], "such as journald") {
		t.Errorf("2.13 calls journald remote: %q", set["2.13"])
	}
	if errs := CheckConflicts(map[string]any{"seccomp-profile": "unconfined"}, PlatformLinux); len(errs) != 1 || !strings.Contains(errs[0].Error(), "turns seccomp off") {
		t.Errorf("seccomp unconfined: %v", errs)
	}
}
