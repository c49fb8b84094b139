package dockerconf

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Scheme is the transport of a Docker host address.
type Scheme string

// The schemes dockerd listens on and the docker CLI connects to.
const (
	SchemeUnix  Scheme = "unix"
	SchemeTCP   Scheme = "tcp"
	SchemeFD    Scheme = "fd"
	SchemeNPipe Scheme = "npipe"
)

// Conventional ports: 2376 for TLS, 2375 for plain text.
const (
	PortTLS       = 2376
	PortPlainText = 2375
)

// DefaultUnixSocket is the socket dockerd means by unix:// with no path.
const DefaultUnixSocket = "/var/run/docker.sock"

// Host is a parsed Docker host address such as tcp://10.0.0.5:2376 or
// unix:///var/run/docker.sock.
type Host struct {
	Raw    string
	Scheme Scheme
	// Hostname and Port are set for tcp:// hosts; Hostname has no brackets.
	Hostname string
	Port     int
	// Path is the socket or pipe path of unix:// and npipe:// hosts:
	// dockerd's default for unix:// and npipe:// with none.
	Path string
}

// ParseHost parses a Docker host address as dockerd does, only more
// strictly. Only unix://, tcp://, fd:// and npipe:// are valid; unix:// and
// npipe:// with no path mean dockerd's default socket and pipe, and Path
// holds them; tcp:// needs a host and an explicit port, because
// dockerd's default port depends on whether TLS is on, and a reader of the
// configuration should not have to know that.
func ParseHost(s string) (Host, error) {
	h := Host{Raw: s}
	if strings.TrimSpace(s) != s {
		return h, fmt.Errorf("host %q has leading or trailing white space: remove it", s)
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return h, fmt.Errorf("host %q has no scheme: write it as tcp://HOST:2376, unix:///var/run/docker.sock, fd:// or npipe:////./pipe/docker_engine", s)
	}
	switch Scheme(strings.ToLower(scheme)) {
	case SchemeTCP:
		h.Scheme = SchemeTCP
		return parseTCP(h, rest)
	case SchemeUnix:
		h.Scheme = SchemeUnix
		if rest == "" {
			// dockerd reads unix:// as its default socket (moby:
			// daemon/pkg/opts/hosts.go, ParseDaemonHost), even when rootless.
			h.Path = DefaultUnixSocket
			return h, nil
		}
		if !strings.HasPrefix(rest, "/") {
			return h, fmt.Errorf("host %q: a unix socket needs an absolute path, as in unix:///var/run/docker.sock", s)
		}
		h.Path = rest
		return h, nil
	case SchemeFD:
		h.Scheme = SchemeFD
		if rest != "" {
			if _, err := strconv.Atoi(rest); err != nil {
				return h, fmt.Errorf("host %q: fd:// takes nothing or a file descriptor number, as in fd:// or fd://3", s)
			}
		}
		return h, nil
	case SchemeNPipe:
		h.Scheme = SchemeNPipe
		if rest == "" {
			// dockerd reads npipe:// as its default pipe (the same function).
			h.Path = windowsPipe
			return h, nil
		}
		if !strings.HasPrefix(rest, "//./pipe/") {
			return h, fmt.Errorf("host %q: a named pipe is written npipe:// (dockerd's own, //./pipe/docker_engine) or npipe:////./pipe/NAME", s)
		}
		h.Path = rest
		return h, nil
	case "http", "https":
		return h, fmt.Errorf("host %q: Docker host addresses use tcp://, not %s:// (TLS is set by tlsverify and the certificates): write tcp://%s", s, scheme, rest)
	case "ssh":
		return h, fmt.Errorf("host %q: ssh:// hosts do not use TLS certificates; use tcp://HOST:2376 for a TLS endpoint", s)
	}
	return h, fmt.Errorf("host %q has the unknown scheme %q: use tcp://, unix://, fd:// or npipe://", s, scheme)
}

func parseTCP(h Host, rest string) (Host, error) {
	if strings.ContainsAny(rest, "/?#@") {
		return h, fmt.Errorf("host %q: a tcp:// address is only HOST:PORT, with no path, query or user", h.Raw)
	}
	host, portStr, err := net.SplitHostPort(rest)
	if err != nil {
		return h, fmt.Errorf("host %q has no port: add one, as in tcp://%s:%d (2376 is the TLS convention)", h.Raw, strings.Trim(rest, "[]"), PortTLS)
	}
	if host == "" {
		return h, fmt.Errorf("host %q has no address: write tcp://0.0.0.0:%d to listen on every interface", h.Raw, PortTLS)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 {
		return h, fmt.Errorf("host %q: the port %q must be a number from 1 to 65535", h.Raw, portStr)
	}
	if strings.Contains(host, "%") {
		return h, fmt.Errorf("host %q: IPv6 zones are not supported in Docker host addresses", h.Raw)
	}
	h.Hostname, h.Port = host, port
	return h, nil
}

// IsIP reports whether a tcp:// host names an IP address rather than a DNS
// name. The docker CLI matches an IP against IP SANs and a name against
// DNS SANs, never one against the other.
func (h Host) IsIP() bool { return net.ParseIP(h.Hostname) != nil }

// Address is the HOST:PORT of a tcp:// host.
func (h Host) Address() string { return net.JoinHostPort(h.Hostname, strconv.Itoa(h.Port)) }
