package dockerconf

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

func TestListenStream(t *testing.T) {
	for _, tc := range []struct {
		host, want, err string
	}{
		{host: "unix:///var/run/docker.sock", want: "/run/docker.sock"},
		{host: "unix://", want: "/run/docker.sock"},
		{host: "unix:///srv/docker/api.sock", want: "/srv/docker/api.sock"},
		{host: "tcp://0.0.0.0:2376", want: "0.0.0.0:2376"},
		{host: "tcp://10.0.0.5:2376", want: "10.0.0.5:2376"},
		{host: "tcp://[::]:2376", want: "[::]:2376"},
		{host: "tcp://[0:0:0:0:0:0:0:1]:2376", want: "[::1]:2376"},
		{host: "tcp://docker1.example.com:2376", err: "takes an IP address, not a name"},
		{host: "fd://", err: "opens unix:// and tcp:// ones only"},
		{host: "npipe://", err: "opens unix:// and tcp:// ones only"},
	} {
		h, err := ParseHost(tc.host)
		if err != nil {
			t.Fatalf("ParseHost(%q): %v", tc.host, err)
		}
		got, err := ListenStream(h)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), tc.host) {
				t.Errorf("ListenStream(%q) = %q, %v; want an error naming the host and saying %q", tc.host, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ListenStream(%q) = %q, %v; want %q", tc.host, got, err, tc.want)
		}
	}
}

func TestRenderSocketActivation(t *testing.T) {
	material := ServerMaterial{CACertPEM: "CA\n", CertPEM: "CERT\n", KeyPEM: "KEY\n"}
	d := Daemon{Hosts: []string{"unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"}, TLSVerify: true, Material: material, SocketActivation: true, Pending: opaqueMaterial}
	r, problems := d.Render()
	if len(problems) != 0 {
		t.Fatalf("problems: %+v", problems)
	}
	var settings map[string]any
	if err := json.Unmarshal([]byte(r.JSON), &settings); err != nil {
		t.Fatal(err)
	}
	// dockerd refuses hosts both as the packaged unit's -H fd:// and in
	// daemon.json; the TLS settings stay, for the sockets it is handed.
	if _, ok := settings["hosts"]; ok || settings["tlsverify"] != true || settings["tlscert"] != "/etc/docker/tls/server-cert.pem" {
		t.Errorf("daemon.json with socket activation:\n%s", r.JSON)
	}
	wantDropin := []string{"[Socket]", "ListenStream=", "ListenStream=/run/docker.sock", "ListenStream=0.0.0.0:2376",
		"SocketMode=0660", "SocketUser=root", "SocketGroup=docker"}
	var got []string
	for _, line := range strings.Split(r.Dropin, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			got = append(got, line)
		}
	}
	if strings.Join(got, "\n") != strings.Join(wantDropin, "\n") {
		t.Errorf("socket drop-in:\n%s\nwant the lines:\n%s", r.Dropin, strings.Join(wantDropin, "\n"))
	}
	if r.DropinPath != "/etc/systemd/system/docker.socket.d/dockertls.conf" || filesByName(r.Files)[SystemdDropinFile].Path != r.DropinPath {
		t.Errorf("drop-in path %q, file %+v", r.DropinPath, filesByName(r.Files)[SystemdDropinFile])
	}

	// Render refuses what the drop-in could not carry, as the plan does.
	if r, problems := (Daemon{Hosts: []string{"tcp://docker1.example.com:2376"}, TLSVerify: true, SocketActivation: true}).Render(); len(problems) != 1 ||
		problems[0].Field != "hosts" || r.Dropin != "" {
		t.Errorf("a host name with socket activation: problems %+v, drop-in %q", problems, r.Dropin)
	}

	defaults, _ := Daemon{TLSVerify: true, SocketActivation: true}.Render()
	if !strings.Contains(defaults.Dropin, "ListenStream=/run/docker.sock\nListenStream=0.0.0.0:2376\n") {
		t.Errorf("with the default hosts, the socket drop-in is:\n%s", defaults.Dropin)
	}

	// After new TLS files only docker.service restarts; docker.socket
	// (which would close the listeners) only when its drop-in changed.
	const wantRestart = "rm -f /etc/systemd/system/docker.service.d/dockertls.conf && systemctl daemon-reload && " +
		"if ! cmp -s /etc/systemd/system/docker.socket.d/dockertls.conf /var/lib/dockertls/docker.socket.conf; then " +
		"systemctl stop docker.service && systemctl restart docker.socket && " +
		"install -D -m 0644 /etc/systemd/system/docker.socket.d/dockertls.conf /var/lib/dockertls/docker.socket.conf; fi && " +
		"systemctl restart docker"
	if r.RestartCommand != wantRestart {
		t.Errorf("restart command:\n%s\nwant:\n%s", r.RestartCommand, wantRestart)
	}

	// A first boot enables and starts the socket before the service, and
	// records its drop-in as applied.
	runcmd := r.CloudConfig[strings.Index(r.CloudConfig, "runcmd:"):]
	wantRuncmd := `runcmd:
  - ["systemctl", "daemon-reload"]
  - ["systemctl", "enable", "docker.socket"]
  - ["systemctl", "restart", "docker.socket"]
  - ["install", "-D", "-m", "0644", "/etc/systemd/system/docker.socket.d/dockertls.conf", "/var/lib/dockertls/docker.socket.conf"]
  - ["systemctl", "restart", "docker"]
`
	if runcmd != wantRuncmd {
		t.Errorf("cloud-init runcmd:\n%s\nwant:\n%s", runcmd, wantRuncmd)
	}

	// The layout changes daemon.json and the drop-in, so the trigger.
	d.SocketActivation = false
	today, _ := d.Render()
	if today.RestartTrigger == r.RestartTrigger || !strings.Contains(today.JSON, `"hosts"`) {
		t.Error("switching the layout changes neither the restart trigger nor daemon.json's hosts")
	}
}

func TestIgnitionSocketActivation(t *testing.T) {
	d := Daemon{Hosts: []string{"unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"}, TLSVerify: true,
		Material: ServerMaterial{CACertPEM: "CA\n", CertPEM: "CERT\n", KeyPEM: "KEY\n"}, SocketActivation: true, Pending: opaqueMaterial}
	r, _ := d.Render()
	cfg := parseIgnition(t, r.Ignition)
	var socket bool
	for _, u := range cfg.Systemd.Units {
		if u.Name != "docker.socket" {
			continue
		}
		socket = true
		if u.Enabled == nil || !*u.Enabled || len(u.Dropins) != 1 || u.Dropins[0].Contents == nil || *u.Dropins[0].Contents != r.Dropin {
			t.Errorf("docker.socket unit: %+v", u)
		}
	}
	if !socket {
		t.Fatalf("no docker.socket unit in %+v", cfg.Systemd.Units)
	}
	files := ignitionFiles(t, cfg)
	if stamp, ok := files["/var/lib/dockertls/docker.socket.conf"]; !ok || decodeSource(t, stamp) != r.Dropin {
		t.Errorf("the applied-drop-in stamp is missing or differs: %+v", stamp)
	}
	if _, ok := files[SocketDropinPath()]; ok {
		t.Error("the socket drop-in is written as a plain file as well as a unit drop-in")
	}
}

func TestCheckSocketActivation(t *testing.T) {
	for _, tc := range []struct {
		name     string
		platform Platform
		hosts    []string
		paths    map[Field]string
		want     []string // Field: Detail fragment
	}{
		{name: "the default hosts", platform: PlatformLinux, hosts: DefaultHosts},
		{name: "addresses", platform: PlatformLinux, hosts: []string{"unix://", "tcp://0.0.0.0:2376", "tcp://[::1]:2377"},
			paths: map[Field]string{"daemon_json_path": DefaultDaemonJSONPath, "tls_dir": "/srv/tls"}},
		{name: "no hosts", platform: PlatformLinux, hosts: []string{}, want: []string{"hosts: leave hosts unset"}},
		{name: "a name", platform: PlatformLinux, hosts: []string{"tcp://docker1.example.com:2376"}, want: []string{"hosts: tcp://0.0.0.0:2376"}},
		{name: "fd", platform: PlatformLinux, hosts: []string{"fd://"}, want: []string{"hosts: remove it"}},
		{name: "daemon.json elsewhere", platform: PlatformLinux, hosts: DefaultHosts,
			paths: map[Field]string{"daemon_json_path": "/srv/daemon.json"}, want: []string{"daemon_json_path: remove daemon_json_path"}},
		{name: "dockerd_path", platform: PlatformLinux, hosts: DefaultHosts,
			paths: map[Field]string{"dockerd_path": "/usr/bin/dockerd"}, want: []string{"dockerd_path: remove dockerd_path"}},
		{name: "rootless", platform: PlatformRootless, hosts: DefaultHosts, want: []string{"socket_activation: RootlessKit"}},
		{name: "windows", platform: PlatformWindows, hosts: DefaultHosts, want: []string{"socket_activation: Windows has no systemd"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			problems := tc.platform.CheckSocketActivation(tc.hosts, tc.paths)
			if len(problems) != len(tc.want) {
				t.Fatalf("problems %+v, want %v", problems, tc.want)
			}
			for i, want := range tc.want {
				arg, fragment, _ := strings.Cut(want, ": ")
				if p := problems[i]; string(p.Field) != arg || !strings.Contains(p.Detail, fragment) || p.Warning {
					t.Errorf("problem %+v, want an error on %s saying %q", p, arg, fragment)
				}
			}
		})
	}
}

// TestRenderedUnitsPassSystemdAnalyze has systemd parse each rendered
// drop-in with the packaged unit it belongs to (Debian's docker.io units,
// testdata/systemd), as systemd would load them: `systemd-analyze verify`
// refuses a unit it cannot load and prints every setting it ignores.
func TestRenderedUnitsPassSystemdAnalyze(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("systemd-analyze is not installed: make test installs Debian's systemd package")
		}
		t.Skip("SKIP (loudly): the rendered units are not parsed by systemd, systemd-analyze is not installed (apt-get install systemd, or make test as root)")
	}
	// verify also checks that ExecStart's program exists.
	dockerd, err := exec.LookPath("dockerd")
	if err != nil {
		dockerd = "/bin/sh"
	}
	hosts := []string{"unix:///var/run/docker.sock", "tcp://0.0.0.0:2376", "tcp://[::1]:2377"}
	for _, tc := range []struct {
		name string
		d    Daemon
		unit string
	}{
		{name: "service drop-in", d: Daemon{Hosts: hosts, TLSVerify: true, DockerdPath: dockerd, JSONPath: "/srv/docker/daemon.json"}, unit: "docker.service"},
		// The default: a bare dockerd, which systemd finds in /usr/sbin
		// (Debian's docker.io, installed by make test) as in /usr/bin.
		{name: "service drop-in, the default dockerd", d: Daemon{Hosts: hosts, TLSVerify: true}, unit: "docker.service"},
		{name: "socket drop-in", d: Daemon{Hosts: hosts, TLSVerify: true, SocketActivation: true}, unit: "docker.socket"},
		{name: "socket drop-in, default hosts", d: Daemon{TLSVerify: true, SocketActivation: true}, unit: "docker.socket"},
		{name: "socket drop-in, a specific address (FreeBind)", d: Daemon{Hosts: []string{"tcp://192.0.2.10:2376"}, TLSVerify: true, SocketActivation: true}, unit: "docker.socket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.d.DockerdPath == "" && !tc.d.SocketActivation && dockerd == "/bin/sh" {
				if os.Getenv("CI") != "" {
					t.Fatal("dockerd is not installed: make test installs Debian's docker.io")
				}
				t.Skip("SKIP (loudly): the default drop-in starts dockerd, which is not installed (apt-get install docker.io, or make test as root)")
			}
			r, problems := tc.d.Render()
			for _, p := range problems {
				if !p.Warning {
					t.Fatalf("problem: %+v", p)
				}
			}
			if path.Base(path.Dir(r.DropinPath)) != tc.unit+".d" {
				t.Fatalf("the drop-in goes to %s, not to %s", r.DropinPath, tc.unit)
			}
			dir := t.TempDir()
			for _, unit := range []string{"docker.service", "docker.socket"} {
				packaged, err := os.ReadFile(filepath.Join("testdata", "systemd", unit))
				if err != nil {
					t.Fatal(err)
				}
				if unit == "docker.service" {
					packaged = []byte(strings.ReplaceAll(string(packaged), "/usr/sbin/dockerd", dockerd))
				}
				writeTestFile(t, filepath.Join(dir, unit), string(packaged))
			}
			writeTestFile(t, filepath.Join(dir, tc.unit+".d", path.Base(r.DropinPath)), r.Dropin)
			cmd := exec.Command(analyze, "verify", filepath.Join(dir, tc.unit))
			cmd.Env = append(os.Environ(), "SYSTEMD_UNIT_PATH="+dir+":", "SYSTEMD_LOG_LEVEL=notice")
			out, err := cmd.CombinedOutput()
			if err != nil || len(bytes.TrimSpace(out)) != 0 {
				t.Fatalf("systemd-analyze verify %s: %v\n%s\ndrop-in:\n%s", tc.unit, err, out, r.Dropin)
			}
		})
	}
}

func writeTestFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSocketFreeBind: docker.socket on a specific address binds it before
// the address is configured (FreeBind=yes), as a DHCP host needs at boot;
// wildcards and loopback need nothing.
func TestSocketFreeBind(t *testing.T) {
	for _, c := range []struct {
		hosts []string
		want  bool
	}{
		{[]string{"tcp://10.99.0.2:2376"}, true},
		{[]string{"unix:///var/run/docker.sock", "tcp://[2001:db8::5]:2376"}, true},
		{[]string{"tcp://0.0.0.0:2376"}, false},
		{[]string{"tcp://127.0.0.1:2376", "tcp://[::]:2377"}, false},
		{nil, false},
	} {
		r, problems := Daemon{Hosts: c.hosts, TLSVerify: true, SocketActivation: true}.Render()
		if hasError(problems) {
			t.Fatalf("%v: %+v", c.hosts, problems)
		}
		if got := strings.Contains(r.Dropin, "\nFreeBind=yes\n"); got != c.want {
			t.Errorf("%v: FreeBind %v, want %v:\n%s", c.hosts, got, c.want, r.Dropin)
		}
	}
}
