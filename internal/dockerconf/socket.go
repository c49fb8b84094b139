package dockerconf

import (
	"fmt"
	"net"
	"path"
	"strconv"
	"strings"
)

// Socket activation: systemd's docker.socket opens the Docker API's
// sockets and hands them to dockerd, which the packaged docker.service
// starts with -H fd:// (Debian's, Ubuntu's and Docker's own packages, and
// Flatcar's). dockerd applies daemon.json's TLS to the TCP sockets it is
// handed (go-systemd's activation.TLSListeners wraps TCP listeners only),
// and `systemctl restart docker` restarts the service, not the socket: the
// listening sockets stay open, and a client connecting while dockerd
// restarts waits in the socket's backlog for the new dockerd instead of
// being refused. daemon.json then has no hosts (dockerd refuses hosts both
// as a flag and in daemon.json), so the packaged unit needs no override.

const (
	// SocketDropinDir is where drop-ins of the packaged docker.socket go.
	SocketDropinDir = "/etc/systemd/system/docker.socket.d"
	// socketApplied is where the restart command keeps a copy of the
	// socket drop-in it last applied, to restart docker.socket (which
	// closes the listeners) only when its listeners changed.
	socketApplied = "/var/lib/dockertls/docker.socket.conf"
)

// SocketDropinPath is where the socket drop-in goes.
func SocketDropinPath() string { return path.Join(SocketDropinDir, SystemdDropinName) }

// ListenStream is how systemd's ListenStream= (systemd.socket(5)) writes
// the socket of h: an absolute path for unix://, ADDRESS:PORT or
// [IPv6]:PORT for tcp://. systemd listens on addresses, not names, and
// fd:// and npipe:// are not sockets it can open.
func ListenStream(h Host) (string, error) {
	switch h.Scheme {
	case SchemeUnix:
		// /var/run is a symlink to /run; systemd rewrites the legacy path
		// itself, with a warning in the journal.
		if rest, ok := strings.CutPrefix(h.Path, "/var/run/"); ok {
			return "/run/" + rest, nil
		}
		return h.Path, nil
	case SchemeTCP:
		ip := net.ParseIP(h.Hostname)
		if ip == nil {
			return "", fmt.Errorf("%s: with socket_activation, systemd opens the socket, and ListenStream= takes an IP "+
				"address, not a name: write the address this host listens on, such as tcp://0.0.0.0:%d", h.Raw, h.Port)
		}
		if ip.To4() != nil {
			return ip.String() + ":" + strconv.Itoa(h.Port), nil
		}
		return "[" + ip.String() + "]:" + strconv.Itoa(h.Port), nil
	}
	return "", fmt.Errorf("%s: with socket_activation, docker.socket opens the sockets, and it opens unix:// and tcp:// "+
		"ones only (dockerd gets them as fd://): remove it", h.Raw)
}

// socketDropin is the drop-in of docker.socket for d: its ListenStream=
// lines replace the packaged unit's, and the unix socket keeps the packaged
// owner and mode.
func (d Daemon) socketDropin() string {
	var b strings.Builder
	b.WriteString("# Written by Terraform (dockertls_daemon_config).\n" +
		"# docker.socket opens the Docker API's sockets and hands them to dockerd\n" +
		"# (-H fd:// in the packaged docker.service), which applies daemon.json's TLS\n" +
		"# to the TCP ones. Restarting docker.service leaves them open: clients wait\n" +
		"# for the new dockerd instead of being refused. The empty ListenStream=\n" +
		"# clears the packaged unit's list.\n" +
		"# Apply with the restart_command of dockertls_daemon_config: it restarts\n" +
		"# docker.socket (closing the sockets) only when these lines changed.\n" +
		"[Socket]\n" +
		"ListenStream=\n")
	for _, s := range d.Hosts {
		if h, err := ParseHost(s); err == nil {
			if line, err := ListenStream(h); err == nil {
				b.WriteString("ListenStream=" + line + "\n")
			}
		}
	}
	if d.bindsSpecificAddress() {
		// A cloud VM's address often arrives (DHCP) after sockets.target:
		// without FreeBind the socket fails at boot ("Failed to listen on
		// sockets") and the API stays down until someone restarts it.
		b.WriteString("# FreeBind: listen on a specific address before it is configured (DHCP).\nFreeBind=yes\n")
	}
	b.WriteString("SocketMode=0660\nSocketUser=root\nSocketGroup=docker\n")
	return b.String()
}

// bindsSpecificAddress reports whether a tcp:// host is an address other
// than a wildcard or loopback, which may not be configured yet at boot.
func (d Daemon) bindsSpecificAddress() bool {
	for _, s := range d.Hosts {
		h, err := ParseHost(s)
		if err != nil || h.Scheme != SchemeTCP {
			continue
		}
		if ip := net.ParseIP(h.Hostname); ip != nil && !ip.IsUnspecified() && !ip.IsLoopback() {
			return true
		}
	}
	return false
}

// socketRestartCommand restarts docker.service so that dockerd reads new
// files on the sockets docker.socket keeps open; docker.socket itself is
// restarted (which closes them, so clients are refused for a moment) only
// when its drop-in differs from the one last applied. It first removes the
// docker.service drop-in of the other layout, which is ours by its name and
// whose ExecStart= (dockerd without -H fd://) would leave the sockets
// unserved: a host switches layouts in one apply.
func (d Daemon) socketRestartCommand() string {
	return "rm -f " + PlatformLinux.Layout(RootlessUser{}).DropinPath + " && systemctl daemon-reload && " +
		restartKeepingSockets(SocketDropinPath(), socketApplied, "docker.service", "docker.socket", "docker")
}

// restartKeepingSockets restarts a socket-activated service (service, as
// systemctl restart names it) so that it reads new files on the sockets
// its socket unit keeps open; the socket unit itself is restarted, which
// closes them for a moment, only when its listeners (in listeners) differ
// from the copy last applied, which it then records. The service is
// stopped first: a socket unit does not restart while its service holds
// the sockets.
func restartKeepingSockets(listeners, applied, serviceUnit, socketUnit, service string) string {
	return "if ! cmp -s " + listeners + " " + applied + "; then " +
		"systemctl stop " + serviceUnit + " && systemctl restart " + socketUnit + " && " +
		"install -D -m 0644 " + listeners + " " + applied + "; fi && " +
		"systemctl restart " + service
}

// CheckSocketActivation refuses what docker.socket cannot carry: a
// platform without the packaged socket unit, a host systemd cannot listen
// on, and arguments for the service drop-in that socket activation does
// not write (the packaged docker.service runs as it is). paths are the
// paths that are set, by input.
func (p Platform) CheckSocketActivation(hosts []string, paths map[Field]string) []Problem {
	if spec := p.spec(); spec.socketActivated == nil {
		reason := spec.noSocketActivation
		return []Problem{{Field: FieldSocketActivation, Summary: "socket_activation is for platform linux",
			Detail: fmt.Sprintf("socket_activation = true renders a drop-in of systemd's docker.socket, which platform %q does not have: %s. Remove socket_activation.", p, reason)}}
	}
	var out []Problem
	if len(hosts) == 0 {
		// systemd: "Unit has no Listen setting (ListenStream=, ...). Refusing."
		out = append(out, Problem{Field: FieldHosts, Summary: "docker.socket needs a socket",
			Detail: "hosts is empty, but with socket_activation its sockets are docker.socket's ListenStream= lines, and systemd refuses a socket unit with none: " +
				"add one, such as \"unix:///var/run/docker.sock\", or leave hosts unset for the default."})
	}
	for i, s := range hosts {
		h, err := ParseHost(s)
		if s == "" || err != nil {
			continue // ParseHost's own check reports it
		}
		if _, err := ListenStream(h); err != nil {
			out = append(out, Problem{Field: FieldHosts, Index: i, HasIndex: true, Summary: "A host docker.socket cannot listen on", Detail: err.Error()})
		}
	}
	if jsonPath, ok := paths[FieldDaemonJSONPath]; ok && jsonPath != DefaultDaemonJSONPath {
		out = append(out, Problem{Field: FieldDaemonJSONPath, Summary: "socket_activation keeps the packaged docker.service",
			Detail: fmt.Sprintf("daemon_json_path is %s, but with socket_activation the packaged docker.service runs as it is, and dockerd "+
				"reads %s: remove daemon_json_path, or set socket_activation = false (whose drop-in passes --config-file).", jsonPath, DefaultDaemonJSONPath)})
	}
	if _, ok := paths[FieldDockerdPath]; ok {
		out = append(out, Problem{Field: FieldDockerdPath, Summary: "socket_activation keeps the packaged docker.service",
			Detail: "dockerd_path is the program of the docker.service drop-in, which socket_activation does not write (the packaged " +
				"unit starts its own dockerd with -H fd://): remove dockerd_path."})
	}
	return out
}
