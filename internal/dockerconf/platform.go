package dockerconf

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Platform is the kind of Docker engine a daemon configuration is for. Each
// reads its configuration from its own places and is restarted its own way.
type Platform string

const (
	// PlatformLinux is dockerd run as root by systemd's docker.service.
	PlatformLinux Platform = "linux"
	// PlatformRootless is dockerd-rootless.sh run by an unprivileged user's
	// systemd user unit, ~/.config/systemd/user/docker.service (written by
	// dockerd-rootless-setuptool.sh install), inside RootlessKit's user,
	// mount and network namespaces.
	PlatformRootless Platform = "rootless"
	// PlatformWindows is dockerd.exe run as the Windows service "docker".
	PlatformWindows Platform = "windows"
)

// Platforms are the platforms a daemon configuration can be for, the
// default first.
var Platforms = []Platform{PlatformLinux, PlatformRootless, PlatformWindows}

// Windows defaults. dockerd on Windows reads daemon.json from
// <data-root>\config\daemon.json and its data-root defaults to
// %ProgramData%\docker (moby: daemon/command/daemon.go, loadDaemonCliConfig;
// daemon/config/config_windows.go, setPlatformDefaults). certs.d is where
// Microsoft's DockerCertificateTools.ps1 and the dockertls-windows image put
// the TLS files; dockerd creates its data-root readable by Administrators
// and SYSTEM only (daemon/daemon_windows.go, MkdirAllWithACL with
// SddlAdministratorsLocalSystem), and files below it inherit that.
const (
	WindowsTLSDir         = `C:\ProgramData\docker\certs.d`
	WindowsDaemonJSONPath = `C:\ProgramData\docker\config\daemon.json`
	WindowsDockerdPath    = `C:\Program Files\Docker\dockerd.exe`
	WindowsServiceName    = "docker"
	// windowsPipe is where dockerd listens for npipe:// (moby:
	// daemon/pkg/opts/hosts.go, DefaultNamedPipe).
	windowsPipe = "//./pipe/docker_engine"
)

// Rootless defaults. A rootless dockerd honours the XDG directories: it
// reads $XDG_CONFIG_HOME/docker/daemon.json (moby: daemon/command/
// daemon_unix.go, getDefaultDaemonConfigDir) and listens by default on
// $XDG_RUNTIME_DIR/docker.sock (daemon/command/daemon.go,
// defaultAPISocketPath); systemd gives a user /run/user/UID as
// XDG_RUNTIME_DIR. Docker's packages install dockerd-rootless.sh in
// /usr/bin; Debian's docker.io in /usr/share/docker.io/contrib.
const (
	RootlessScriptPath = "/usr/bin/dockerd-rootless.sh"
	// RootlessKitFlagsVar is the environment variable dockerd-rootless.sh
	// passes to RootlessKit; its -p flags publish ports on the host.
	RootlessKitFlagsVar = "DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS"
)

// RootlessUser is the unprivileged user a rootless engine runs as.
type RootlessUser struct {
	Name string
	UID  int64
	// Home is the user's home directory, absolute.
	Home string
}

// RuntimeDir is the user's XDG_RUNTIME_DIR under systemd.
func (u RootlessUser) RuntimeDir() string { return "/run/user/" + strconv.FormatInt(u.UID, 10) }

func (u RootlessUser) configDir() string { return path.Join(u.Home, ".config") }

// Layout is where an engine of a platform keeps what this package renders,
// by default.
type Layout struct {
	TLSDir, DaemonJSONPath, DockerdPath string
	// DropinPath is where the systemd drop-in goes; empty on Windows, which
	// has no systemd.
	DropinPath string
	Hosts      []string
}

// Layout returns the platform's defaults; u matters only to rootless.
func (p Platform) Layout(u RootlessUser) Layout {
	switch p {
	case PlatformRootless:
		return Layout{
			TLSDir:         path.Join(u.configDir(), "docker", "tls"),
			DaemonJSONPath: path.Join(u.configDir(), "docker", "daemon.json"),
			DockerdPath:    RootlessScriptPath,
			DropinPath:     path.Join(u.configDir(), "systemd", "user", "docker.service.d", SystemdDropinName),
			Hosts:          []string{"unix://" + path.Join(u.RuntimeDir(), "docker.sock"), "tcp://0.0.0.0:2376"},
		}
	case PlatformWindows:
		return Layout{
			TLSDir: WindowsTLSDir, DaemonJSONPath: WindowsDaemonJSONPath, DockerdPath: WindowsDockerdPath,
			Hosts: []string{"npipe://", "tcp://0.0.0.0:2376"},
		}
	}
	return Layout{
		TLSDir: DefaultTLSDir, DaemonJSONPath: DefaultDaemonJSONPath, DockerdPath: DefaultDockerdPath,
		DropinPath: SystemdDropinPath(), Hosts: DefaultHosts,
	}
}

// Files returns files as the platform writes them: on Windows without a
// mode, since NTFS ACLs apply there instead.
func (p Platform) Files(files []File) []File {
	if p == PlatformWindows {
		for i := range files {
			files[i].Mode = ""
		}
	}
	return files
}

// JoinPath joins a directory and a file name with the platform's separator.
func (p Platform) JoinPath(dir, name string) string {
	if p == PlatformWindows {
		return strings.TrimRight(dir, `\/`) + `\` + name
	}
	return path.Join(dir, name)
}

// windowsAbs matches an absolute Windows path: a drive letter, a colon and
// a separator (C:\ProgramData), or a UNC path (\\server\share\...).
var windowsAbs = regexp.MustCompile(`^(?:[A-Za-z]:[\\/]|\\\\[^\\/]+[\\/][^\\/]+)`)

// looksWindows reports whether s is written as a Windows path: it starts
// with a drive letter and a colon, or with a backslash.
func looksWindows(s string) bool {
	if len(s) >= 2 && s[1] == ':' && ('a' <= s[0]|0x20 && s[0]|0x20 <= 'z') {
		return true
	}
	return strings.HasPrefix(s, `\`)
}

// CheckPath returns an error unless s is an absolute, clean path on the
// platform. name is the attribute it comes from; the advice names the
// platform's own default directory.
func (p Platform) CheckPath(name, s string, u RootlessUser) error {
	example := p.Layout(u).TLSDir
	if p == PlatformWindows {
		return checkWindowsPath(name, s, example)
	}
	if looksWindows(s) {
		return fmt.Errorf(`%s %q is a Windows path, but platform is %q: set platform = "windows" for a Windows engine, or write a path on the host such as %s`, name, s, p, example)
	}
	if !strings.HasPrefix(s, "/") {
		return fmt.Errorf("%s %q is not an absolute path: dockerd resolves relative paths against its own working directory, so write the full path, such as %s", name, s, path.Join(example, path.Base(s)))
	}
	if path.Clean(s) != s && path.Clean(s)+"/" != s {
		return fmt.Errorf("%s %q is not a clean path: write %q", name, s, path.Clean(s))
	}
	return nil
}

func checkWindowsPath(name, s, example string) error {
	if strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") {
		return fmt.Errorf(`%s %q is a POSIX path, but platform is "windows": write a Windows path with its drive, such as %s`, name, s, example)
	}
	if !windowsAbs.MatchString(s) {
		return fmt.Errorf(`%s %q is not an absolute Windows path: the docker service resolves relative paths (and \path or C:path, which depend on the current drive or directory) against its own, so write the drive and the full path, such as %s`, name, s, example)
	}
	root, rest := s[:3], s[3:] // C:\
	if s[1] != ':' {
		root, rest = `\\`, s[2:] // \\server\share
	}
	trimmed := strings.TrimRight(strings.ReplaceAll(rest, "/", `\`), `\`)
	dirty := false
	clean := []string{}
	for _, part := range strings.Split(trimmed, `\`) {
		switch part {
		case "":
			dirty = dirty || trimmed != ""
		case ".":
			dirty = true
		case "..":
			dirty = true
			if len(clean) > 0 {
				clean = clean[:len(clean)-1]
			}
		default:
			clean = append(clean, part)
		}
	}
	if dirty {
		return fmt.Errorf("%s %q is not a clean path: write %q", name, s, root+strings.Join(clean, `\`))
	}
	return nil
}

// CheckHost returns an error when dockerd on the platform cannot listen on
// h the way it is written (h has passed ParseHost).
func (p Platform) CheckHost(h Host, u RootlessUser) error {
	switch {
	case h.Scheme == SchemeNPipe && p != PlatformWindows:
		return fmt.Errorf(`host %q is a Windows named pipe, but platform is %q: write %s, or set platform = "windows" for a Windows engine`, h.Raw, p, p.Layout(u).Hosts[0])
	case h.Scheme == SchemeFD && p != PlatformLinux:
		return fmt.Errorf(`host %q is systemd socket activation, which only the packaged docker.service (with docker.socket) provides; on platform %q dockerd would fail with "no sockets found via socket activation": write %s`, h.Raw, p, p.Layout(u).Hosts[0])
	case h.Scheme == SchemeUnix && p == PlatformWindows && !strings.Contains(h.Raw, "://"+h.Path):
		return fmt.Errorf(`host %q means %s, a Linux path: on Windows write npipe:// (dockerd's own pipe)`, h.Raw, DefaultUnixSocket)
	case h.Scheme == SchemeUnix && p == PlatformRootless && (path.Dir(h.Path) == "/run" || path.Dir(h.Path) == "/var/run"):
		return fmt.Errorf("host %q is the socket %s, which a rootless dockerd creates inside RootlessKit's private copy of /run, out of every other process's reach: write %s", h.Raw, h.Path, p.Layout(u).Hosts[0])
	case h.Scheme == SchemeTCP && p == PlatformRootless && !h.IsIP():
		return fmt.Errorf("host %q: RootlessKit publishes the port on an IP address of the host, not a name: write tcp://0.0.0.0:%d, or the host's address", h.Raw, h.Port)
	}
	return nil
}

// rootlessListen is where a rootless dockerd listens for a tcp:// host:
// every address inside RootlessKit's network namespace, which holds none of
// the host's. RootlessKit forwards the host's address and port to it.
func rootlessListen(h Host) string { return "tcp://0.0.0.0:" + strconv.Itoa(h.Port) }

// listenHosts is daemon.json's hosts: Hosts as written, except that a
// rootless dockerd listens on every address of its namespace for each TCP
// port.
func (d Daemon) listenHosts() []string {
	if d.Platform != PlatformRootless {
		return d.Hosts
	}
	out := make([]string, 0, len(d.Hosts))
	seen := map[string]bool{}
	for _, s := range d.Hosts {
		if h, err := ParseHost(s); err == nil && h.Scheme == SchemeTCP {
			s = rootlessListen(h)
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// RootlessKitFlags are the -p flags that publish each TCP host on the host:
// "-p ADDRESS:PORT:PORT/tcp", as Docker's rootless documentation writes
// them, in the order of Hosts.
func (d Daemon) RootlessKitFlags() string {
	var flags []string
	for _, s := range d.Hosts {
		if h, err := ParseHost(s); err == nil && h.Scheme == SchemeTCP {
			flags = append(flags, "-p "+h.Address()+":"+strconv.Itoa(h.Port)+"/tcp")
		}
	}
	return strings.Join(flags, " ")
}

// Dropin returns the systemd drop-in for the platform's docker.service, or
// false on Windows, which has no systemd.
func (d Daemon) Dropin() (string, bool) {
	switch d.Platform {
	case PlatformWindows:
		return "", false
	case PlatformRootless:
		return d.rootlessDropin(), true
	}
	return d.SystemdDropin(), true
}

// rootlessDropin extends the user unit that dockerd-rootless-setuptool.sh
// writes. Its ExecStart (dockerd-rootless.sh, no -H) stays unless
// daemon.json is elsewhere than $XDG_CONFIG_HOME/docker/daemon.json.
func (d Daemon) rootlessDropin() string {
	var b strings.Builder
	b.WriteString("# Written by Terraform (dockertls_daemon_config).\n" +
		"# For the rootless engine's user unit, ~/.config/systemd/user/docker.service\n" +
		"# (dockerd-rootless-setuptool.sh install writes it). dockerd runs inside\n" +
		"# RootlessKit's network namespace, so RootlessKit publishes its TCP port on\n" +
		"# the host: dockerd-rootless.sh passes " + RootlessKitFlagsVar + " to it.\n" +
		"# Apply as the user with: systemctl --user daemon-reload && systemctl --user restart docker\n" +
		"[Service]\n")
	if flags := d.RootlessKitFlags(); flags != "" {
		b.WriteString("Environment=\"" + RootlessKitFlagsVar + "=" + flags + "\"\n")
	}
	if flag := d.configFileFlag(); flag != "" {
		b.WriteString("ExecStart=\nExecStart=" + d.DockerdPath + flag + "\n")
	}
	return b.String()
}

// RestartCommand is what restarts the engine so that it reads what was
// written: a shell command line on Linux (run as the user for rootless) and
// PowerShell on Windows.
func (d Daemon) RestartCommand() string {
	switch d.Platform {
	case PlatformRootless:
		return "systemctl --user daemon-reload && systemctl --user restart docker"
	case PlatformWindows:
		if d.configFileFlag() == "" {
			return "Restart-Service " + WindowsServiceName
		}
		// The service keeps the arguments it was registered with
		// (moby: daemon/command/service_windows.go, registerService).
		exe := "& " + powerShellQuote(d.DockerdPath)
		return "Stop-Service " + WindowsServiceName + "\n" +
			exe + " --unregister-service\n" +
			exe + " --register-service --config-file " + powerShellQuote(d.JSONPath) + "\n" +
			"Start-Service " + WindowsServiceName
	}
	return "systemctl daemon-reload && systemctl restart docker"
}

// powerShellQuote quotes s as a PowerShell verbatim string.
func powerShellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
