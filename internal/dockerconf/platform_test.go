package dockerconf

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

var ci = RootlessUser{Name: "ci", UID: 1000, Home: "/home/ci"}

// userFor is the user a daemon on p is given: ci where the engine runs as
// a user, none elsewhere (Check refuses a user there).
func userFor(p Platform) RootlessUser {
	if p.NeedsUser() {
		return ci
	}
	return RootlessUser{}
}

// Every path check, with a Windows and a POSIX path under each platform,
// gives an error that is true, or none.
func TestCheckPathByPlatform(t *testing.T) {
	for _, tc := range []struct {
		platform Platform
		path     string
		want     string // "" for no error
	}{
		{PlatformLinux, "/etc/docker/tls", ""},
		{PlatformLinux, "/etc/docker/tls/", `ends with a slash: the paths this provider writes have none (Ignition refuses one, cloud-init stops at it): write "/etc/docker/tls"`},
		{PlatformLinux, "/etc/docker//tls", `is not a clean path: write "/etc/docker/tls"`},
		{PlatformLinux, "/etc/docker/t\x7fls", `has the control character`},
		{PlatformLinux, `C:\ProgramData\docker\certs.d`, `is a Windows path, but platform is "linux": set platform = "windows" for a Windows engine, or write a path on the host such as /etc/docker/tls`},
		{PlatformLinux, `\docker\certs.d`, "is a Windows path"},
		{PlatformLinux, "tls", "is not an absolute path: dockerd resolves relative paths against its own working directory, so write the full path, such as /etc/docker/tls/tls"},
		{PlatformLinux, "/etc/../tls", `is not a clean path: write "/tls"`},
		{PlatformRootless, "/home/ci/.config/docker/tls", ""},
		{PlatformRootless, `C:\Users\ci\.docker`, `is a Windows path, but platform is "rootless"`},
		{PlatformRootless, "certs", "such as /home/ci/.config/docker/tls/certs"},
		{PlatformWindows, `C:\ProgramData\docker\certs.d`, ""},
		{PlatformWindows, `c:/ProgramData/docker/certs.d`, ""},
		{PlatformWindows, `D:\docker\certs.d\`, `ends with a separator: the paths this provider writes have none: write "D:\\docker\\certs.d"`},
		{PlatformWindows, `D:\`, ""},
		{PlatformWindows, `\\fileserver\share\docker`, ""},
		{PlatformWindows, "/etc/docker/tls", `is a POSIX path, but platform is "windows": write a Windows path with its drive, such as C:\ProgramData\docker\certs.d`},
		{PlatformWindows, `docker\certs.d`, `is not an absolute Windows path`},
		{PlatformWindows, `\ProgramData\docker`, `is not an absolute Windows path`},
		{PlatformWindows, `C:ProgramData\docker`, `is not an absolute Windows path`},
		{PlatformWindows, `C:\ProgramData\docker\..\certs.d`, `is not a clean path: write "C:\\ProgramData\\certs.d"`},
		{PlatformWindows, `C:\ProgramData\\docker`, `is not a clean path: write "C:\\ProgramData\\docker"`},
		{PlatformWindows, `C:\ProgramData\.\docker`, `is not a clean path`},
		{PlatformWindows, `\\fileserver\share\..\docker`, `is not a clean path: write "\\\\fileserver\\docker"`},
	} {
		err := tc.platform.CheckPath("tls_dir", tc.path, ci)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %q: %v", tc.platform, tc.path, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s %q: got %v, want %q", tc.platform, tc.path, err, tc.want)
		case err != nil && !strings.HasPrefix(err.Error(), "tls_dir "):
			t.Errorf("%s %q: the error does not name the attribute first: %v", tc.platform, tc.path, err)
		}
	}
}

// dockerd reads unix:// and npipe:// as its default socket and pipe
// (moby: daemon/pkg/opts/hosts.go, ParseDaemonHost and
// parseSimpleProtoAddr with DefaultUnixSocket and DefaultNamedPipe).
func TestParseHostDefaults(t *testing.T) {
	for in, want := range map[string]Host{
		"unix://":  {Raw: "unix://", Scheme: SchemeUnix, Path: "/var/run/docker.sock"},
		"npipe://": {Raw: "npipe://", Scheme: SchemeNPipe, Path: "//./pipe/docker_engine"},
	} {
		got, err := ParseHost(in)
		if err != nil || got != want {
			t.Errorf("ParseHost(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"unix://run/docker.sock", "npipe://docker_engine", "npipe:///pipe/x"} {
		if _, err := ParseHost(bad); err == nil {
			t.Errorf("ParseHost(%q) accepted", bad)
		}
	}
}

func TestCheckHostByPlatform(t *testing.T) {
	for _, tc := range []struct {
		platform Platform
		host     string
		want     string
	}{
		{PlatformLinux, "unix://", ""},
		{PlatformLinux, "fd://", ""},
		{PlatformLinux, "npipe://", `is a Windows named pipe, but platform is "linux": write unix:///var/run/docker.sock`},
		{PlatformRootless, "unix:///run/user/1000/docker.sock", ""},
		{PlatformRootless, "tcp://0.0.0.0:2376", ""},
		{PlatformRootless, "tcp://10.0.0.5:2376", ""},
		{PlatformRootless, "unix://", "inside RootlessKit's private copy of /run, out of every other process's reach: write unix:///run/user/1000/docker.sock"},
		{PlatformRootless, "unix:///var/run/docker.sock", "RootlessKit's private copy of /run"},
		{PlatformRootless, "unix:///run/docker.sock", "RootlessKit's private copy of /run"},
		{PlatformRootless, "fd://", `no sockets found via socket activation`},
		{PlatformRootless, "npipe://", "is a Windows named pipe"},
		{PlatformRootless, "tcp://docker1.example:2376", "RootlessKit publishes the port on an IP address of the host, not a name: write tcp://0.0.0.0:2376"},
		{PlatformWindows, "npipe://", ""},
		{PlatformWindows, "npipe:////./pipe/docker_engine", ""},
		{PlatformWindows, "tcp://0.0.0.0:2376", ""},
		{PlatformWindows, "fd://", `on platform "windows" dockerd would fail with "no sockets found via socket activation": write npipe://`},
		{PlatformWindows, "unix://", `dockerd on platform "windows" listens only on tcp:// and npipe://: write npipe://`},
		{PlatformWindows, "unix:///var/run/docker.sock", "listens only on tcp:// and npipe://"},
	} {
		h, err := ParseHost(tc.host)
		if err != nil {
			t.Fatalf("ParseHost(%q): %v", tc.host, err)
		}
		err = tc.platform.CheckHost(h, ci)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %q: %v", tc.platform, tc.host, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s %q: got %v, want %q", tc.platform, tc.host, err, tc.want)
		}
	}
}

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func platformDaemon(p Platform, hosts ...string) Daemon {
	l := p.Layout(ci)
	if hosts == nil {
		hosts = l.Hosts
	}
	return Daemon{
		Hosts: hosts, TLSVerify: true, Platform: p, User: userFor(p), Hardening: HardeningBaseline, LiveRestore: p == PlatformLinux,
		CACertPath: p.JoinPath(l.TLSDir, CAFileName), CertPath: p.JoinPath(l.TLSDir, ServerCertFileName), KeyPath: p.JoinPath(l.TLSDir, ServerKeyFileName),
		DockerdPath: l.DockerdPath, JSONPath: l.DaemonJSONPath,
	}
}

// A rootless dockerd listens inside RootlessKit's network namespace, so
// daemon.json has every address for each port, and RootlessKit publishes
// the host's address and port (Docker's rootless documentation:
// DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS="-p 0.0.0.0:2376:2376/tcp"). The user
// unit's ExecStart stays unless daemon.json moves.
func TestRootlessDaemon(t *testing.T) {
	d := platformDaemon(PlatformRootless, "unix:///run/user/1000/docker.sock", "tcp://10.0.0.5:2376", "tcp://192.0.2.1:2376")
	out, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	cfg := decodeJSON(t, out)
	if got := cfg["hosts"]; !slices.Equal(toStrings(got), []string{"unix:///run/user/1000/docker.sock", "tcp://0.0.0.0:2376"}) {
		t.Errorf("hosts = %v", got)
	}
	if cfg["tlscert"] != "/home/ci/.config/docker/tls/server-cert.pem" || cfg[LiveRestoreKey] != false {
		t.Errorf("daemon.json = %s", out)
	}
	if _, ok := cfg["userland-proxy"]; ok {
		t.Error("the rootless baseline turns off the userland proxy, by which RootlessKit publishes container ports")
	}
	dropin, ok := d.Dropin()
	want := "[Service]\nEnvironment=\"DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS=-p 10.0.0.5:2376:2376/tcp -p 192.0.2.1:2376:2376/tcp\"\n"
	if !ok || !strings.HasSuffix(dropin, want) || strings.Contains(dropin, "ExecStart") {
		t.Errorf("drop-in =\n%s\nwant it to end with\n%s", dropin, want)
	}
	if l := PlatformRootless.Layout(ci); l.DropinPath != "/home/ci/.config/systemd/user/docker.service.d/dockertls.conf" || l.DaemonJSONPath != "/home/ci/.config/docker/daemon.json" {
		t.Errorf("layout = %+v", l)
	}
	if got := d.RestartCommand(); got != "systemctl --user daemon-reload && systemctl --user restart docker" {
		t.Errorf("restart = %q", got)
	}
	d.JSONPath = "/srv/ci/daemon.json"
	if dropin, _ := d.Dropin(); !strings.HasSuffix(dropin, "ExecStart=\nExecStart=/usr/bin/dockerd-rootless.sh --config-file /srv/ci/daemon.json\n") {
		t.Errorf("drop-in with a moved daemon.json =\n%s", dropin)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, e := range v.([]any) {
		out = append(out, e.(string))
	}
	return out
}

// What dockerd on Windows reads: daemon.json at
// %ProgramData%\docker\config\daemon.json (moby: daemon/command/daemon.go,
// loadDaemonCliConfig; daemon/config/config_windows.go,
// setPlatformDefaults), with no key it has no flag for (daemon/config/
// config.go, findConfigurationConflicts; the Unix-only flags are in
// daemon/command/config_unix.go), listening on tcp and npipe (daemon/
// listeners/listeners_windows.go). The layout follows Microsoft's
// DockerCertificateTools.ps1: certs.d, hosts ["tcp://0.0.0.0:2376",
// "npipe://"], Restart-Service docker.
func TestWindowsDaemon(t *testing.T) {
	d := platformDaemon(PlatformWindows)
	out, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	cfg := decodeJSON(t, out)
	for k := range cfg {
		if slices.Contains(LinuxOnlyKeys, k) {
			t.Errorf("daemon.json for Windows has %q, which dockerd on Windows refuses", k)
		}
	}
	for k, want := range map[string]any{
		"tlscacert": `C:\ProgramData\docker\certs.d\ca.pem`, "tlscert": `C:\ProgramData\docker\certs.d\server-cert.pem`,
		"tlskey": `C:\ProgramData\docker\certs.d\server-key.pem`, "tlsverify": true, "tls": true, "log-driver": "json-file",
	} {
		if cfg[k] != want {
			t.Errorf("%s = %v, want %v", k, cfg[k], want)
		}
	}
	if !slices.Equal(toStrings(cfg["hosts"]), []string{"npipe://", "tcp://0.0.0.0:2376"}) {
		t.Errorf("hosts = %v", cfg["hosts"])
	}
	if !strings.Contains(out, `"C:\\ProgramData\\docker\\certs.d\\ca.pem"`) {
		t.Errorf("backslashes are not escaped in daemon.json:\n%s", out)
	}
	if dropin, ok := d.Dropin(); ok || dropin != "" {
		t.Errorf("a systemd drop-in for Windows: %q", dropin)
	}
	if got := d.RestartCommand(); got != "Restart-Service docker" {
		t.Errorf("restart = %q", got)
	}
	d.JSONPath = `c:\programdata\docker\config\daemon.json`
	if got := d.RestartCommand(); got != "Restart-Service docker" {
		t.Errorf("Windows paths are case-insensitive; restart = %q", got)
	}
	d.JSONPath = `D:\docker\daemon.json`
	want := "Stop-Service docker\n& 'C:\\Program Files\\Docker\\dockerd.exe' --unregister-service\n" +
		"& 'C:\\Program Files\\Docker\\dockerd.exe' --register-service --config-file 'D:\\docker\\daemon.json'\nStart-Service docker"
	if got := d.RestartCommand(); got != want {
		t.Errorf("restart with a moved daemon.json =\n%s\nwant\n%s", got, want)
	}
	if got := CloudConfig([]File{{Name: "daemon.json", Path: d.JSONPath, Content: out}}, PlatformWindows, RootlessUser{}); got != "" {
		t.Errorf("cloud-init for Windows: %q", got)
	}
}

func TestWindowsRefusesLinuxOnlySettings(t *testing.T) {
	errs := PlatformWindows.CheckSettings(map[string]any{"icc": false, "userns-remap": "default", "log-level": "info"})
	if len(errs) != 1 || !strings.Contains(errs[0].Detail, `"icc", "userns-remap": dockerd on Windows knows no such setting and refuses to start`) {
		t.Errorf("errors = %v", errs)
	}
	if errs := PlatformLinux.CheckSettings(map[string]any{"icc": false}); len(errs) != 0 {
		t.Errorf("linux: %v", errs)
	}
}

func TestFindingsByPlatform(t *testing.T) {
	rootless := map[string]Finding{}
	for _, f := range Findings(map[string]any{}, PlatformRootless) {
		rootless[f.ID] = f
	}
	if rootless["2.1"].Status != StatusPass || rootless["2.16"].Status != StatusManual || rootless["2.2"].Status != StatusFail {
		t.Errorf("rootless findings = %+v", rootless)
	}
	if got := Findings(map[string]any{}, PlatformWindows); got == nil || len(got) != 0 {
		t.Errorf("windows findings = %v, want an empty list", got)
	}
	if _, ok := BaselineSettings(PlatformRootless)["icc"]; !ok {
		t.Error("the rootless baseline lacks icc")
	}
}

func TestRootlessCloudConfig(t *testing.T) {
	files := []File{
		{Name: "daemon.json", Path: "/home/ci/.config/docker/daemon.json", Content: "{}", Mode: ModeConfig},
		{Name: "ca.pem", Path: "/home/ci/.config/docker/tls/ca.pem", Content: "CA", Mode: ModeCertificate},
		{Name: "systemd_dropin", Path: "/home/ci/.config/systemd/user/docker.service.d/dockertls.conf", Content: "[Service]\n", Mode: ModeConfig},
	}
	out := CloudConfig(files, PlatformRootless, ci)
	for _, want := range []string{
		"    owner: \"ci:ci\"\n", "    defer: true\n",
		`  - ["chown", "ci:ci", "/home/ci/.config", "/home/ci/.config/docker", "/home/ci/.config/docker/tls", "/home/ci/.config/systemd", "/home/ci/.config/systemd/user", "/home/ci/.config/systemd/user/docker.service.d"]`,
		`  - ["loginctl", "enable-linger", "ci"]`,
		`  - ["runuser", "-u", "ci", "--", "env", "XDG_RUNTIME_DIR=/run/user/1000", "systemctl", "--user", "restart", "docker"]`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("cloud-config lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "root:root") || strings.Contains(out, `["systemctl", "restart"`) {
		t.Errorf("rootless cloud-config writes as root or restarts the system unit:\n%s", out)
	}
}

func TestWindowsClient(t *testing.T) {
	h, _ := ParseHost("tcp://win1.example.internal:2376")
	c := Client{Host: h, Platform: ClientWindows}
	if got := c.Files("CA", "C", "K")[2].Path; got != `%USERPROFILE%\.docker\key.pem` {
		t.Errorf("key path = %q", got)
	}
	if got, want := c.ContextCommand(), `docker context create win1.example.internal --docker "host=tcp://win1.example.internal:2376,ca=$env:USERPROFILE\.docker\ca.pem,cert=$env:USERPROFILE\.docker\cert.pem,key=$env:USERPROFILE\.docker\key.pem"`; got != want {
		t.Errorf("context command =\n%s\nwant\n%s", got, want)
	}
	if got, want := c.PowerShellLines(), "$env:DOCKER_HOST = 'tcp://win1.example.internal:2376'\n$env:DOCKER_TLS_VERIFY = '1'\n"; got != want {
		t.Errorf("PowerShell = %q, want %q", got, want)
	}
	c.CertDir = `C:\Users\ci\.docker\win1`
	if got := c.Files("CA", "C", "K")[0].Path; got != `C:\Users\ci\.docker\win1\ca.pem` {
		t.Errorf("ca path = %q", got)
	}
	if got, want := c.ContextCommand(), `docker context create win1.example.internal --docker 'host=tcp://win1.example.internal:2376,ca=C:\Users\ci\.docker\win1\ca.pem,cert=C:\Users\ci\.docker\win1\cert.pem,key=C:\Users\ci\.docker\win1\key.pem'`; got != want {
		t.Errorf("context command =\n%s\nwant\n%s", got, want)
	}
	if got, want := c.PowerShellLines(), "$env:DOCKER_HOST = 'tcp://win1.example.internal:2376'\n$env:DOCKER_TLS_VERIFY = '1'\n$env:DOCKER_CERT_PATH = 'C:\\Users\\ci\\.docker\\win1'\n"; got != want {
		t.Errorf("PowerShell = %q, want %q", got, want)
	}
	c = Client{Host: h, CertDir: "/home/o'neil/.docker"}
	if got, want := c.ExportLines(), "export DOCKER_HOST=tcp://win1.example.internal:2376\nexport DOCKER_TLS_VERIFY=1\nexport DOCKER_CERT_PATH='/home/o'\"'\"'neil/.docker'\n"; got != want {
		t.Errorf("export = %q, want %q", got, want)
	}
}
