package dockerconf

import (
	"strings"
	"testing"
)

// TestPathsAsTheHostSeesThem: every rendering refuses, naming the
// argument, a path the host would read otherwise than written: a trailing
// slash, two spellings of one file, a file that is another's directory, a
// control character, a directory where a program goes.
func TestPathsAsTheHostSeesThem(t *testing.T) {
	m := ServerMaterial{CACertPEM: "CA", CertPEM: "CERT", KeyPEM: "KEY"}
	for _, c := range []struct {
		name, argument string
		problems       []Problem
	}{
		{"daemon.json path with a trailing slash", "daemon_json_path", problemsOf(Daemon{TLSVerify: true, JSONPath: "/etc/docker/", Material: m, Pending: opaqueMaterial}.Render())},
		{"tls_dir that is daemon.json, no PEMs given", "daemon_json_path", problemsOf(Daemon{TLSVerify: true, TLSDir: "/etc/docker/daemon.json"}.Render())},
		{"tls_dir that is daemon.json", "daemon_json_path", problemsOf(Daemon{TLSVerify: true, TLSDir: "/etc/docker/daemon.json", Material: m, Pending: opaqueMaterial}.Render())},
		{"key_path the root", "key_path", problemsOf(Daemon{TLSVerify: true, KeyPath: "/", Material: m, Pending: opaqueMaterial}.Render())},
		{"key in two spellings", "key_path", problemsOf(Daemon{TLSVerify: true, KeyPath: "/etc/docker//tls/server-key.pem", Material: m, Pending: opaqueMaterial}.Render())},
		{"a DEL in a path", "cert_path", problemsOf(Daemon{TLSVerify: true, CertPath: "/etc/docker/tls/cert\x7f.pem", Material: m, Pending: opaqueMaterial}.Render())},
		{"dockerd_path a directory", "dockerd_path", problemsOf(Daemon{TLSVerify: true, DockerdPath: "/usr/sbin", Material: m, Pending: opaqueMaterial}.Render())},
		{"buildkitd_path a directory with a slash", "buildkitd_path", problemsOf(Buildkitd{TLSVerify: true, BuildkitdPath: "/usr/local/bin/", Material: m, Pending: opaqueMaterial}.Render())},
		{"buildkitd_path a directory", "buildkitd_path", problemsOf(Buildkitd{TLSVerify: true, BuildkitdPath: "/usr/local/bin", Material: m, Pending: opaqueMaterial}.Render())},
		{"buildkitd key under a tls_dir, unclean", "key_path", problemsOf(Buildkitd{TLSVerify: true, KeyPath: "/etc/buildkit/tls/../tls/server-key.pem", Material: m, Pending: opaqueMaterial}.Render())},
		{"buildkitd tls_dir that is buildkitd.toml", "config_path", problemsOf(Buildkitd{TLSVerify: true, TLSDir: DefaultBuildkitdConfigPath, Material: m, Pending: opaqueMaterial}.Render())},
		{"registry config_path inside tls_dir's ca.pem", "ca_cert_path", problemsOf(Registry{TLSVerify: true, ConfigPath: "/etc/distribution/tls/ca.pem/config.yml", Base: mustRegistryBase(t, "version: 0.1\nstorage: inmemory\n"), Material: m, Pending: opaqueMaterial}.Render())},
		{"registry tls_dir with a trailing slash", "tls_dir", problemsOf(Registry{TLSVerify: true, TLSDir: "/etc/distribution/tls/", Material: m, Pending: opaqueMaterial}.Render())},
	} {
		name, problems := c.name, c.problems
		if !hasError(problems) {
			t.Errorf("%s: accepted", name)
			continue
		}
		var named []string
		for _, p := range problems {
			named = append(named, string(p.Field))
			if strings.Contains(p.Detail, "\x7f") {
				t.Errorf("%s: the message holds the control character itself", name)
			}
		}
		if !strings.Contains(" "+strings.Join(named, " ")+" ", " "+c.argument+" ") {
			t.Errorf("%s: problems name %v, want %s: %+v", name, named, c.argument, problems)
		}
	}
}

// problemsOf is the problems of a Render.
func problemsOf[R any](_ R, problems []Problem) []Problem { return problems }

func mustRegistryBase(t *testing.T, s string) *RegistryBase {
	t.Helper()
	b, err := ParseRegistryBase(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
