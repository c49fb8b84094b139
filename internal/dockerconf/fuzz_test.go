package dockerconf

import (
	"encoding/json"
	"strings"
	"testing"
)

func FuzzParseHost(f *testing.F) {
	for _, s := range []string{"tcp://10.0.0.5:2376", "tcp://[::1]:2376", "unix:///var/run/docker.sock", "fd://", "fd://3",
		"npipe:////./pipe/docker_engine", "tcp://10.0.0.5", "http://x:1", "tcp://:1", "tcp://a:99999", "tcp://a:1/b", "ssh://u@h", "",
		"tcp://[fe80::1%eth0]:1", "TCP://A:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHost(s)
		if err != nil {
			return
		}
		switch h.Scheme {
		case SchemeTCP:
			if h.Port < 1 || h.Port > 65535 || h.Hostname == "" {
				t.Fatalf("accepted %q as %+v", s, h)
			}
			if again, err := ParseHost("tcp://" + h.Address()); err != nil || again.Hostname != h.Hostname || again.Port != h.Port {
				t.Fatalf("%q does not round-trip through Address(): %+v %v", s, again, err)
			}
		case SchemeUnix:
			if !strings.HasPrefix(h.Path, "/") {
				t.Fatalf("accepted a relative unix socket %q", s)
			}
		case SchemeFD, SchemeNPipe:
		default:
			t.Fatalf("unknown scheme %q accepted", h.Scheme)
		}
	})
}

func FuzzSettingsJSON(f *testing.F) {
	for _, s := range []string{`{"log-driver":"journald"}`, `[]`, `{`, `{"hosts":[]}`, `{} {}`, `null`, `{"a":{"b":[1,2.5e300,"x"]}}`,
		`{"tls":true}`, `"x"`, `{"a":1,"a":2}`, "{\"\\u0000\":1}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		settings, err := ParseSettings(s)
		if err != nil {
			return
		}
		for _, k := range OwnedKeys {
			if _, ok := settings[k]; ok {
				t.Fatalf("settings_json set the owned key %q", k)
			}
		}
		d := Daemon{Hosts: DefaultHosts, TLSVerify: true, CACertPath: "/a", CertPath: "/b", KeyPath: "/c", Settings: settings}
		out, err := d.JSON()
		if err != nil {
			t.Fatalf("accepted settings that do not render: %v", err)
		}
		again, _ := d.JSON()
		if out != again || !strings.HasSuffix(out, "}\n") {
			t.Fatal("daemon.json is not deterministic or lacks its trailing newline")
		}
		var back map[string]any
		if err := json.Unmarshal([]byte(out), &back); err != nil || back["tlsverify"] != true || back["tlscacert"] != "/a" {
			t.Fatalf("the rendered daemon.json does not hold the owned keys: %v %v", back, err)
		}
	})
}
