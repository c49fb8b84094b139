package dockerconf

import (
	"strings"
	"testing"
)

func TestCheckListeners(t *testing.T) {
	for _, c := range []struct {
		hosts []string
		clash int    // the index refused, or -1
		why   string // part of the reason
	}{
		{[]string{"tcp://0.0.0.0:2376", "tcp://[::]:2376"}, 1, "[::]:2376 takes port 2376 on every address, IPv4 included"},
		{[]string{"tcp://[::]:2376", "tcp://127.0.0.1:2376"}, 1, "dual-stack"},
		{[]string{"tcp://0.0.0.0:2376", "tcp://127.0.0.1:2376"}, 1, "0.0.0.0:2376 takes port 2376 on every IPv4 address"},
		{[]string{"tcp://docker1.example:2376", "tcp://0.0.0.0:2376"}, 1, "every IPv4 address"},
		{[]string{"tcp://10.0.0.5:2376", "tcp://10.0.0.5:02376"}, 1, "the same address and port, 10.0.0.5:2376"},
		{[]string{"tcp://[::]:2376", "tcp://[0:0:0:0:0:0:0:0]:2376"}, 1, "the same address and port, [::]:2376"},
		{[]string{"tcp://127.0.0.1:2376", "tcp://[::ffff:127.0.0.1]:2376"}, 1, "the same address and port"},
		{[]string{"tcp://Docker1.example:2376", "tcp://docker1.example:2376"}, 1, "the same name and port"},
		{[]string{"unix://", "unix:///var/run/docker.sock"}, 1, "the same socket, /var/run/docker.sock"},
		{[]string{"npipe://", "npipe:////./pipe/docker_engine"}, 1, "the same pipe"},
		// A name and its own address: Go listens on localhost's 127.0.0.1.
		{[]string{"tcp://localhost:2376", "tcp://127.0.0.1:2376"}, 1, "the same address and port"},
		{[]string{"tcp://127.0.0.1:2376", "tcp://LOCALHOST:2376"}, 1, "the same address and port"},
		// What dockerd binds side by side.
		{[]string{"tcp://0.0.0.0:2376", "tcp://0.0.0.0:2377"}, -1, ""},
		{[]string{"tcp://10.0.0.5:2376", "tcp://192.0.2.1:2376"}, -1, ""},
		{[]string{"tcp://0.0.0.0:2376", "tcp://[::1]:2376"}, -1, ""},
		{[]string{"tcp://[::1]:2376", "tcp://[fd00::5]:2376"}, -1, ""},
		{[]string{"unix://", "unix:///run/docker-tls.sock", "tcp://0.0.0.0:2376"}, -1, ""},
		{[]string{"tcp://10.0.0.5:2376", "not a host", "tcp://10.0.0.5:2376"}, 2, "the same address"},
	} {
		got := CheckListeners(c.hosts)
		if c.clash < 0 {
			if len(got) != 0 {
				t.Errorf("%v: %v, want no clash", c.hosts, got)
			}
			continue
		}
		err, ok := got[c.clash]
		if len(got) != 1 || !ok || !strings.Contains(err.Error(), c.why) || !strings.Contains(err.Error(), "address already in use") {
			t.Errorf("%v: %v, want hosts[%d] refused for %q", c.hosts, got, c.clash, c.why)
		}
	}
}

// TestParseHostRefusesWhatCannotBind: a socket path longer than sun_path,
// and a link-local IPv6 address, which needs a zone no host can carry.
func TestParseHostRefusesWhatCannotBind(t *testing.T) {
	long := "/run/" + strings.Repeat("d", MaxUnixSocketPath-len("/run/"))
	for _, c := range []struct{ host, want string }{
		{"unix://" + long + "x", "has 108 bytes, and the kernel takes at most 107"},
		{"tcp://[fe80::1]:2376", "link-local IPv6 address"},
		{"tcp://[FE80::abcd:1]:2376", "link-local IPv6 address"},
		{"tcp://[ff02::1]:2376", "link-local IPv6 address"},
	} {
		if _, err := ParseHost(c.host); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.host, err, c.want)
		}
	}
	for _, ok := range []string{"unix://" + long, "tcp://[fd00::5]:2376", "tcp://[2001:db8::5]:2376"} {
		if _, err := ParseHost(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

func TestParseHostRefusesUpperCaseSchemes(t *testing.T) {
	for _, s := range []string{"TCP://0.0.0.0:2376", "Unix:///var/run/docker.sock", "NPIPE://"} {
		_, err := ParseHost(s)
		if err == nil || !strings.Contains(err.Error(), "lower case only") || !strings.Contains(err.Error(), "write "+strings.ToLower(s[:strings.Index(s, ":")])+"://") {
			t.Errorf("%s: %v", s, err)
		}
	}
}

func TestCheckPathsKeepTheDropinIntact(t *testing.T) {
	for _, c := range []struct {
		name, value, want string
	}{
		{"dockerd_path", "/usr/bin/dockerd\nExecStartPre=/bin/sh -c 'id'", "has white space: it is the program alone"},
		{"dockerd_path", "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock", "write /usr/bin/dockerd"},
		{"dockerd_path", "/opt/docker%i/dockerd", "which systemd expands as a specifier"},
		{"daemon_json_path", "/etc/my docker/daemon.json", "cannot carry as written"},
		{"daemon_json_path", `/etc/docker/"daemon".json`, "a quote"},
		{"tls_dir", "/etc/docker/tls\n", "control character"},
		{"dockerd_path", "/usr/sbin/dockerd", ""},
		{"daemon_json_path", "/srv/docker-1.2/daemon+tls@x.json", ""},
		{"tls_dir", "/etc/my docker/tls", ""}, // daemon.json only: JSON quotes it
	} {
		got := PlatformLinux.CheckPaths(map[Field]string{Field(c.name): c.value}, ci)
		switch {
		case c.want == "" && len(got) != 0:
			t.Errorf("%s %q: %+v", c.name, c.value, got)
		case c.want != "" && (len(got) != 1 || !strings.Contains(got[0].Detail, c.want) || string(got[0].Field) != c.name):
			t.Errorf("%s %q: %+v, want %q", c.name, c.value, got, c.want)
		}
	}
	// Windows has no drop-in: PowerShell quotes the path.
	if got := PlatformWindows.CheckPaths(map[Field]string{"dockerd_path": `C:\Program Files\Docker\dockerd.exe`}, ci); len(got) != 0 {
		t.Errorf("windows: %+v", got)
	}
}

func TestCheckSettingsKnowsDockerdsKeys(t *testing.T) {
	for _, c := range []struct {
		key, want string
		warning   bool
	}{
		{"log-levl", `"log-levl" is not a daemon.json key dockerd knows`, false},
		{"log-levl", `Did you mean "log-level"?`, false},
		{"TLSVERIFY", `Did you mean "tlsverify"? This data source writes it itself`, false},
		{"--tlsverify", `Did you mean "tlsverify"?`, false},
		{"frobnicate-everything", "Check the spelling against dockerd's documentation", false},
		{"oom-score-adjust", "known only to dockerd 20.10 and older", true},
	} {
		got := PlatformLinux.CheckSettings(map[string]any{c.key: true})
		if len(got) != 1 || got[0].Warning != c.warning || got[0].Field != "settings_json" || !strings.Contains(got[0].Detail, c.want) {
			t.Errorf("%s: %+v, want %q", c.key, got, c.want)
		}
	}
	for _, k := range []string{"log-level", "registry-mirrors", "default-address-pools", "features", "userns-remap", "live-restore"} {
		if got := PlatformLinux.CheckSettings(map[string]any{k: nil}); len(got) != 0 {
			t.Errorf("%s refused: %+v", k, got)
		}
	}
	if got := PlatformWindows.CheckSettings(map[string]any{"log-levl": 1}); len(got) != 1 || !strings.Contains(got[0].Detail, `"log-level"`) {
		t.Errorf("windows: %+v", got)
	}
}
