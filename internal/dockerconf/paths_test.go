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
	m := DaemonMaterial{CACertPEM: "CA", CertPEM: "CERT", KeyPEM: "KEY"}
	render := map[string]func() []Problem{
		"daemon.json path with a trailing slash": func() []Problem {
			_, p := Daemon{TLSVerify: true, JSONPath: "/etc/docker/", Material: m}.Render()
			return p
		},
		"tls_dir that is daemon.json, no PEMs given": func() []Problem {
			_, p := Daemon{TLSVerify: true, TLSDir: "/etc/docker/daemon.json"}.Render()
			return p
		},
		"tls_dir that is daemon.json": func() []Problem {
			_, p := Daemon{TLSVerify: true, TLSDir: "/etc/docker/daemon.json", Material: m}.Render()
			return p
		},
		"key_path the root": func() []Problem {
			_, p := Daemon{TLSVerify: true, KeyPath: "/", Material: m}.Render()
			return p
		},
		"key in two spellings": func() []Problem {
			_, p := Daemon{TLSVerify: true, KeyPath: "/etc/docker//tls/server-key.pem", Material: m}.Render()
			return p
		},
		"a DEL in a path": func() []Problem {
			_, p := Daemon{TLSVerify: true, CertPath: "/etc/docker/tls/cert\x7f.pem", Material: m}.Render()
			return p
		},
		"dockerd_path a directory": func() []Problem {
			_, p := Daemon{TLSVerify: true, DockerdPath: "/usr/sbin", Material: m}.Render()
			return p
		},
		"buildkitd_path a directory with a slash": func() []Problem {
			_, p := Buildkitd{TLSVerify: true, BuildkitdPath: "/usr/local/bin/", Material: m}.Render()
			return p
		},
		"buildkitd_path a directory": func() []Problem {
			_, p := Buildkitd{TLSVerify: true, BuildkitdPath: "/usr/local/bin", Material: m}.Render()
			return p
		},
		"buildkitd key under a tls_dir, unclean": func() []Problem {
			_, p := Buildkitd{TLSVerify: true, KeyPath: "/etc/buildkit/tls/../tls/server-key.pem", Material: m}.Render()
			return p
		},
		"buildkitd tls_dir that is buildkitd.toml": func() []Problem {
			_, p := Buildkitd{TLSVerify: true, TLSDir: DefaultBuildkitdConfigPath, Material: m}.Render()
			return p
		},
		"registry config_path inside tls_dir's ca.pem": func() []Problem {
			_, p := Registry{TLSVerify: true, ConfigPath: "/etc/distribution/tls/ca.pem/config.yml", Base: mustRegistryBase(t, "version: 0.1\nstorage: inmemory\n"), Material: m}.Render()
			return p
		},
		"registry tls_dir with a trailing slash": func() []Problem {
			_, p := Registry{TLSVerify: true, TLSDir: "/etc/distribution/tls/", Material: m}.Render()
			return p
		},
	}
	want := map[string]string{
		"daemon.json path with a trailing slash":       "daemon_json_path",
		"tls_dir that is daemon.json":                  "daemon_json_path",
		"tls_dir that is daemon.json, no PEMs given":   "daemon_json_path",
		"key in two spellings":                         "key_path",
		"key_path the root":                            "key_path",
		"a DEL in a path":                              "cert_path",
		"buildkitd_path a directory with a slash":      "buildkitd_path",
		"dockerd_path a directory":                     "dockerd_path",
		"buildkitd_path a directory":                   "buildkitd_path",
		"buildkitd key under a tls_dir, unclean":       "key_path",
		"buildkitd tls_dir that is buildkitd.toml":     "config_path",
		"registry config_path inside tls_dir's ca.pem": "ca_cert_path",
		"registry tls_dir with a trailing slash":       "tls_dir",
	}
	for name, f := range render {
		problems := f()
		if !hasError(problems) {
			t.Errorf("%s: accepted", name)
			continue
		}
		var named []string
		for _, p := range problems {
			named = append(named, p.Argument)
			if strings.Contains(p.Detail, "\x7f") {
				t.Errorf("%s: the message holds the control character itself", name)
			}
		}
		if !strings.Contains(" "+strings.Join(named, " ")+" ", " "+want[name]+" ") {
			t.Errorf("%s: problems name %v, want %s: %+v", name, named, want[name], problems)
		}
	}
}

func mustRegistryBase(t *testing.T, s string) *RegistryBase {
	t.Helper()
	b, err := ParseRegistryBase(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
