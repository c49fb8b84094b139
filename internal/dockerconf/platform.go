package dockerconf

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Platform is the kind of Docker engine a daemon configuration is for. Each
// reads its configuration from its own places and is restarted its own way;
// everything that differs is in its platformSpec, in platformSpecs below.
// The empty Platform is PlatformLinux.
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

// LiveRestoreSupport is how an engine takes daemon.json's live-restore.
type LiveRestoreSupport int

const (
	// LiveRestoreSupported: on by default; containers survive a restart.
	LiveRestoreSupported LiveRestoreSupport = iota
	// LiveRestoreIneffective: dockerd accepts the key, but a restart ends
	// the containers anyway; off by default, and a warning when set.
	LiveRestoreIneffective
	// LiveRestoreUnknownKey: dockerd refuses the key; it is never written,
	// and setting it is an error.
	LiveRestoreUnknownKey
)

// platformSpec is everything about a platform that the rendering and the
// checks depend on. Adding a platform is adding an entry to platformSpecs.
type platformSpec struct {
	// engine names the engine in messages ("dockerd on Windows").
	engine string
	paths  pathStyle
	// layout is where the engine keeps what this package renders, by
	// default; u matters only where the engine runs as a user.
	layout func(u RootlessUser) Layout
	// schemes are the host schemes dockerd on the platform listens on.
	schemes []Scheme
	// hostRule, when set, refuses a host of a served scheme that dockerd on
	// the platform still cannot use as written.
	hostRule func(h Host, u RootlessUser) error
	// hostWarning, when set, warns about a host dockerd can use but that
	// may not work on an ordinary machine.
	hostWarning func(h Host, u RootlessUser) string
	// listen, when set, is what daemon.json holds for a tcp:// host.
	listen func(h Host) string
	// refusedKeys are daemon.json keys dockerd on the platform does not
	// know and refuses to start with.
	refusedKeys []string
	liveRestore LiveRestoreSupport
	// userNamespaced judges the CIS recommendations by their rootless rule
	// where one exists, and writes no baseline for them.
	userNamespaced bool
	// benchmark is whether section 2 of the CIS Docker Benchmark (written
	// for Linux hosts) applies.
	benchmark bool
	// dropin renders the systemd drop-in; nil where there is no systemd.
	dropin func(d Daemon) string
	// restartCommand restarts the engine so that it reads what was written.
	restartCommand func(d Daemon) string
	// cloudInit, when set, is how a #cloud-config document delivers the
	// files; nil where cloud-init does not run.
	cloudInit *cloudInitSpec
	// ignition is whether Ignition (Flatcar, Fedora CoreOS) provisions such
	// hosts: it writes files as root at first boot.
	ignition bool
	// needsUser is whether the engine runs as a RootlessUser.
	needsUser bool
	// socketActivated, when set, is the platform's layout with systemd's
	// docker.socket holding the sockets (Daemon.SocketActivation): the
	// same descriptor but for the drop-in, its path, the restart and where
	// the hosts go. noSocketActivation says why a platform has none.
	socketActivated    *platformSpec
	noSocketActivation string
	// socketHosts is whether the hosts are the socket unit's ListenStream=
	// lines rather than daemon.json's "hosts".
	socketHosts bool
}

// platformSpecs holds every platform's descriptor. It is filled in init,
// since some descriptors' functions read the table themselves.
var platformSpecs map[Platform]platformSpec

func init() { platformSpecs = makePlatformSpecs() }

func makePlatformSpecs() map[Platform]platformSpec {
	specs := map[Platform]platformSpec{
		PlatformLinux: {
			engine: "Linux",
			paths:  posixPaths,
			layout: func(RootlessUser) Layout {
				return Layout{
					TLSDir: DefaultTLSDir, DaemonJSONPath: DefaultDaemonJSONPath, DockerdPath: DefaultDockerdPath,
					DropinPath: SystemdDropinPath(), Hosts: DefaultHosts,
				}
			},
			schemes:        []Scheme{SchemeUnix, SchemeTCP, SchemeFD},
			liveRestore:    LiveRestoreSupported,
			benchmark:      true,
			dropin:         Daemon.SystemdDropin,
			restartCommand: func(Daemon) string { return "systemctl daemon-reload && systemctl restart docker" },
			cloudInit:      &cloudInitSpec{owner: func(RootlessUser) string { return "root:root" }, runcmd: systemRestart},
			ignition:       true,
		},
		PlatformRootless: {
			engine: "a rootless engine",
			paths:  posixPaths,
			layout: func(u RootlessUser) Layout {
				return Layout{
					TLSDir:         path.Join(u.configDir(), "docker", "tls"),
					DaemonJSONPath: path.Join(u.configDir(), "docker", "daemon.json"),
					DockerdPath:    RootlessScriptPath,
					DropinPath:     path.Join(u.configDir(), "systemd", "user", "docker.service.d", SystemdDropinName),
					Hosts:          []string{"unix://" + path.Join(u.RuntimeDir(), "docker.sock"), "tcp://0.0.0.0:2376"},
				}
			},
			schemes:        []Scheme{SchemeUnix, SchemeTCP},
			hostRule:       rootlessHostRule,
			hostWarning:    rootlessPortWarning,
			listen:         rootlessListen,
			liveRestore:    LiveRestoreIneffective,
			userNamespaced: true,
			benchmark:      true,
			dropin:         Daemon.rootlessDropin,
			restartCommand: func(Daemon) string { return "systemctl --user daemon-reload && systemctl --user restart docker" },
			cloudInit: &cloudInitSpec{
				owner: func(u RootlessUser) string { return u.Name + ":" + u.Name }, deferred: true, runcmd: rootlessRestart,
			},
			needsUser:          true,
			noSocketActivation: "RootlessKit publishes a rootless engine's TCP port, and no docker.socket is involved",
		},
		PlatformWindows: {
			engine: "Windows",
			paths:  windowsPaths,
			layout: func(RootlessUser) Layout {
				return Layout{
					TLSDir: WindowsTLSDir, DaemonJSONPath: WindowsDaemonJSONPath, DockerdPath: WindowsDockerdPath,
					Hosts: []string{"npipe://", "tcp://0.0.0.0:2376"},
				}
			},
			// moby: daemon/listeners/listeners_windows.go, "windows only
			// supports tcp and npipe".
			schemes:            []Scheme{SchemeTCP, SchemeNPipe},
			refusedKeys:        LinuxOnlyKeys,
			liveRestore:        LiveRestoreUnknownKey,
			restartCommand:     windowsRestartCommand,
			noSocketActivation: "Windows has no systemd",
		},
	}
	linux := specs[PlatformLinux]
	socketActivated := linux
	socketActivated.layout = func(u RootlessUser) Layout {
		l := linux.layout(u)
		l.DropinPath = SocketDropinPath()
		return l
	}
	socketActivated.dropin = Daemon.socketDropin
	socketActivated.restartCommand = Daemon.socketRestartCommand
	socketActivated.socketHosts = true
	linux.socketActivated = &socketActivated
	specs[PlatformLinux] = linux
	return specs
}

// spec is d's descriptor: its platform's, in the socket-activated layout
// with SocketActivation (where the platform has one; CheckSocketActivation
// refuses it elsewhere).
func (d Daemon) spec() platformSpec {
	s := d.Platform.spec()
	if d.SocketActivation && s.socketActivated != nil {
		return *s.socketActivated
	}
	return s
}

// spec returns p's descriptor; an unknown or empty platform is linux's.
func (p Platform) spec() platformSpec {
	if s, ok := platformSpecs[p]; ok {
		return s
	}
	return platformSpecs[PlatformLinux]
}

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
	// DropinPath is where the systemd drop-in goes; empty where the
	// platform has no systemd.
	DropinPath string
	Hosts      []string
}

// Layout returns the platform's defaults; u matters only to rootless.
func (p Platform) Layout(u RootlessUser) Layout { return p.spec().layout(u) }

// NeedsUser reports whether an engine of the platform runs as a
// RootlessUser, which must then be given.
func (p Platform) NeedsUser() bool { return p.spec().needsUser }

// LiveRestoreSupport says how dockerd on the platform takes live-restore.
func (p Platform) LiveRestoreSupport() LiveRestoreSupport { return p.spec().liveRestore }

// LiveRestore is the live-restore setting for a configured value (nil when
// not set): on by default where it keeps containers running, never where
// dockerd refuses the key.
func (p Platform) LiveRestore(set *bool) bool {
	switch support := p.spec().liveRestore; {
	case support == LiveRestoreUnknownKey:
		return false
	case set == nil:
		return support == LiveRestoreSupported
	}
	return *set
}

// Files returns files as the platform writes them: without a mode where
// the file system has none (NTFS ACLs apply on Windows).
func (p Platform) Files(files []File) []File { return p.spec().paths.files(files) }

// JoinPath joins a directory and a file name with the platform's separator.
func (p Platform) JoinPath(dir, name string) string { return p.spec().paths.join(dir, name) }

// CheckPath returns an error unless s is an absolute, clean path on the
// platform. name is the attribute it comes from; the advice names the
// platform's own default directory.
func (p Platform) CheckPath(name, s string, u RootlessUser) error {
	return p.spec().paths.check(name, s, p.Layout(u).TLSDir, string(p))
}

// dropinFields are the paths whose values the systemd drop-in carries on
// its ExecStart= line.
var dropinFields = []Field{FieldDockerdPath, FieldDaemonJSONPath}

// dropinSafe matches what the drop-in's ExecStart= carries as written:
// systemd splits the line at white space, unquotes quotes and backslashes,
// and expands % specifiers (systemd.unit(5), "Specifiers").
var dropinSafe = regexp.MustCompile(`^[A-Za-z0-9/._+@~,:=-]*$`)

// checkDropinText returns an error when s, an argument written into the
// drop-in's ExecStart=, would change the line's meaning there.
func checkDropinText(name, s string) error {
	if dropinSafe.MatchString(s) {
		return nil
	}
	if fields := strings.Fields(s); name == "dockerd_path" && len(fields) > 1 {
		return fmt.Errorf("%s %q has white space: it is the program alone, which the drop-in writes on its ExecStart= line, where systemd "+
			"splits at white space. dockerd's settings belong in daemon.json (settings_json), and -H in particular clashes with hosts: write %s",
			name, s, fields[0])
	}
	return checkExecStartText(name, s, "drop-in")
}

// checkExecStartText returns an error unless s stands as written on the
// ExecStart= line of file (a drop-in, a unit).
func checkExecStartText(name, s, file string) error {
	if dropinSafe.MatchString(s) {
		return nil
	}
	return fmt.Errorf("%s %q has a character the %s's ExecStart= line cannot carry as written (white space, a quote, a backslash, "+
		"or %%, which systemd expands as a specifier): move the file to a path of letters, digits and / . _ + @ ~ , : = -", name, s, file)
}

// CheckHost returns an error when dockerd on the platform cannot listen on
// h the way it is written (h has passed ParseHost).
func (p Platform) CheckHost(h Host, u RootlessUser) error {
	if !p.serves(h.Scheme) {
		return p.schemeError(h, u)
	}
	if rule := p.spec().hostRule; rule != nil {
		return rule(h, u)
	}
	return nil
}

// HostWarning returns why a host dockerd on the platform can listen on may
// still not work on an ordinary machine, or "".
func (p Platform) HostWarning(h Host, u RootlessUser) string {
	if w := p.spec().hostWarning; w != nil {
		return w(h, u)
	}
	return ""
}

func (p Platform) serves(s Scheme) bool {
	for _, have := range p.spec().schemes {
		if have == s {
			return true
		}
	}
	return false
}

// schemeError explains why dockerd on p does not listen on h's scheme.
func (p Platform) schemeError(h Host, u RootlessUser) error {
	instead := p.Layout(u).Hosts[0]
	switch h.Scheme {
	case SchemeNPipe:
		return fmt.Errorf(`host %q is a Windows named pipe, but platform is %q: write %s, or set platform = "windows" for a Windows engine`, h.Raw, p, instead)
	case SchemeUnix:
		return fmt.Errorf(`host %q is a Unix socket (%s), but dockerd on platform %q listens only on %s: write %s`, h.Raw, h.Path, p, p.schemeList(), instead)
	case SchemeFD:
		return fmt.Errorf(`host %q is systemd socket activation, which only the packaged docker.service (with docker.socket) provides; on platform %q dockerd would fail with "no sockets found via socket activation": write %s`, h.Raw, p, instead)
	}
	return fmt.Errorf("host %q: dockerd on platform %q listens only on %s: write %s", h.Raw, p, p.schemeList(), instead)
}

// schemeList names the schemes dockerd on p listens on, as "tcp:// and npipe://".
func (p Platform) schemeList() string {
	names := make([]string, len(p.spec().schemes))
	for i, s := range p.spec().schemes {
		names[i] = string(s) + "://"
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// rootlessHostRule refuses what RootlessKit cannot do: a socket in the
// namespace's private /run, or a published port on a name.
func rootlessHostRule(h Host, u RootlessUser) error {
	switch {
	case h.Scheme == SchemeUnix && (path.Dir(h.Path) == "/run" || path.Dir(h.Path) == "/var/run"):
		return fmt.Errorf("host %q is the socket %s, which a rootless dockerd creates inside RootlessKit's private copy of /run, out of every other process's reach: write %s", h.Raw, h.Path, PlatformRootless.Layout(u).Hosts[0])
	case h.Scheme == SchemeTCP && !h.IsIP():
		return fmt.Errorf("host %q: RootlessKit publishes the port on an IP address of the host, not a name: write tcp://0.0.0.0:%d, or the host's address", h.Raw, h.Port)
	}
	return nil
}

// rootlessPortWarning: RootlessKit binds the published port as the user.
func rootlessPortWarning(h Host, u RootlessUser) string {
	if h.Scheme != SchemeTCP || h.Port >= 1024 {
		return ""
	}
	return fmt.Sprintf("%s: RootlessKit binds port %d as %s, an unprivileged user, which Linux refuses unless "+
		"net.ipv4.ip_unprivileged_port_start is at most %d on the host (it is 1024 by default). Use a port "+
		"from 1024 up, such as 2376, or lower that sysctl.", h.Raw, h.Port, u.Name, h.Port)
}

// rootlessListen is where a rootless dockerd listens for a tcp:// host:
// every address inside RootlessKit's network namespace, which holds none of
// the host's. RootlessKit forwards the host's address and port to it.
func rootlessListen(h Host) string { return "tcp://0.0.0.0:" + strconv.Itoa(h.Port) }

// pathStyle is how a platform writes paths.
type pathStyle int

const (
	posixPaths pathStyle = iota
	// windowsPaths have drive letters and backslashes, compare without
	// regard to case, and files carry no mode.
	windowsPaths
)

func (s pathStyle) join(dir, name string) string {
	if s == windowsPaths {
		return strings.TrimRight(dir, `\/`) + `\` + name
	}
	return path.Join(dir, name)
}

func (s pathStyle) same(a, b string) bool {
	if s == windowsPaths {
		return strings.EqualFold(a, b)
	}
	return a == b
}

func (s pathStyle) files(files []File) []File {
	if s == windowsPaths {
		for i := range files {
			files[i].Mode = ""
		}
	}
	return files
}

// check returns an error unless value is an absolute, clean path in this
// style; example is a directory to suggest, and platform is named in the
// message when value has the other style.
func (s pathStyle) check(name, value, example, platform string) error {
	if i := strings.IndexFunc(value, unicode.IsControl); i >= 0 {
		return fmt.Errorf("%s %q has the control character %q: a path is one line of printable text; remove it", name, value, value[i])
	}
	if s == windowsPaths {
		return checkWindowsPath(name, value, example)
	}
	return checkPOSIXPath(name, value, example, platform)
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

func checkPOSIXPath(name, s, example, p string) error {
	if looksWindows(s) {
		return fmt.Errorf(`%s %q is a Windows path, but platform is %q: set platform = "windows" for a Windows engine, or write a path on the host such as %s`, name, s, p, example)
	}
	if !strings.HasPrefix(s, "/") {
		return fmt.Errorf("%s %q is not an absolute path: dockerd resolves relative paths against its own working directory, so write the full path, such as %s", name, s, path.Join(example, path.Base(s)))
	}
	return checkCleanPath(name, s)
}

// checkCleanPath returns an error unless s, an absolute POSIX path, is
// written as the host resolves it: no trailing slash (Ignition refuses it,
// and cloud-init's write_files stops half way at it), no empty, . or ..
// element (which make one file of two spellings).
func checkCleanPath(name, s string) error {
	if s == "/" {
		return fmt.Errorf("%s %q is the root directory itself: write the full path of the file or directory", name, s)
	}
	if c := path.Clean(s); c != s {
		why := "is not a clean path"
		if c+"/" == s {
			why = "ends with a slash: the paths this provider writes have none (Ignition refuses one, cloud-init stops at it)"
		}
		return fmt.Errorf("%s %q %s: write %q", name, s, why, c)
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
	if len(rest) > 0 && strings.ContainsAny(rest[len(rest)-1:], `\/`) {
		return fmt.Errorf("%s %q ends with a separator: the paths this provider writes have none: write %q", name, s, root+strings.Join(clean, `\`))
	}
	return nil
}

// ClientPlatform is the operating system of a machine the docker CLI runs
// on. It decides the form of paths and of the shell lines rendered for it.
type ClientPlatform string

const (
	ClientLinux   ClientPlatform = "linux"
	ClientMacOS   ClientPlatform = "macos"
	ClientWindows ClientPlatform = "windows"
)

// ClientPlatforms are the platforms a client configuration can be for, the
// default first.
var ClientPlatforms = []ClientPlatform{ClientLinux, ClientMacOS, ClientWindows}

// clientPlatformSpec is everything about a client platform that the
// rendering depends on.
type clientPlatformSpec struct {
	paths pathStyle
	// defaultDir is the CLI's own directory as a path to write, or "" where
	// bare file names are written.
	defaultDir string
	// exampleDir is a certificate directory to suggest in messages.
	exampleDir string
	// powerShell is whether command lines are PowerShell, not POSIX sh.
	powerShell bool
}

var clientPlatformSpecs = map[ClientPlatform]clientPlatformSpec{
	ClientLinux:   {paths: posixPaths, exampleDir: "/home/ci/.docker"},
	ClientMacOS:   {paths: posixPaths, exampleDir: "/Users/ci/.docker"},
	ClientWindows: {paths: windowsPaths, defaultDir: windowsCLIDir, exampleDir: `C:\Users\ci\.docker`, powerShell: true},
}

// spec returns p's descriptor; an unknown or empty platform is linux's.
func (p ClientPlatform) spec() clientPlatformSpec {
	if s, ok := clientPlatformSpecs[p]; ok {
		return s
	}
	return clientPlatformSpecs[ClientLinux]
}

// CheckPath returns an error unless s is an absolute, clean path on the
// client platform; name is the argument it comes from.
func (p ClientPlatform) CheckPath(name, s string) error {
	spec := p.spec()
	return spec.paths.check(name, s, spec.exampleDir, string(p))
}
