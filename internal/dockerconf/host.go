package dockerconf

import (
	"errors"
	"fmt"
	"iter"
	"maps"
	"net"
	"net/url"
	"slices"
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
	if lower := strings.ToLower(scheme); lower != scheme && isScheme(Scheme(lower)) {
		// dockerd and the docker CLI match the scheme case-sensitively:
		// "Invalid bind address format".
		return h, fmt.Errorf("host %q: dockerd and the docker CLI take the scheme in lower case only (\"Invalid bind address format\"): write %s://%s", s, lower, rest)
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
		if len(rest) > MaxUnixSocketPath {
			return h, fmt.Errorf("host %q: the socket's path has %d bytes, and the kernel takes at most %d (sun_path): dockerd cannot bind it, "+
				"systemd drops it from docker.socket (\"File name too long\") and no client can connect: choose a shorter path", s, len(rest), MaxUnixSocketPath)
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

// MaxUnixSocketPath is the longest unix socket path the kernel binds:
// sun_path has 108 bytes, the last one the terminating NUL.
const MaxUnixSocketPath = 107

func isScheme(s Scheme) bool {
	switch s {
	case SchemeUnix, SchemeTCP, SchemeFD, SchemeNPipe:
		return true
	}
	return false
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
	if err != nil || port < 1 || port > 65535 || strings.Trim(portStr, "0123456789") != "" {
		return h, fmt.Errorf("host %q: the port %q must be a number from 1 to 65535", h.Raw, portStr)
	}
	if strings.HasPrefix(rest, "[") && !strings.Contains(host, ":") {
		return h, fmt.Errorf("host %q: brackets are for IPv6 addresses only (Go's URL parser refuses %q): write tcp://%s:%d", h.Raw, "["+host+"]", host, port)
	}
	if strings.Contains(host, "%") {
		return h, fmt.Errorf("host %q: IPv6 zones are not supported in Docker host addresses", h.Raw)
	}
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil && (ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast()) {
		return h, fmt.Errorf("host %q: %s is a link-local IPv6 address, which is usable only with a zone (the interface, as in %%eth0) "+
			"that Docker host addresses cannot carry: dockerd cannot listen on it nor a client reach it. Use the host's global or "+
			"unique-local (fd00::/8) address", h.Raw, host)
	}
	// The docker CLI and podman parse the address as a URL first.
	if _, err := url.Parse("tcp://" + rest); err != nil {
		return h, fmt.Errorf("host %q is not an address the docker CLI and podman parse (%v): write an IP address or a DNS name "+
			"(letters, digits, '-' and '.')", h.Raw, errors.Unwrap(err))
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

// Overlaps reports whether dockerd, binding h and then o as listeners,
// would fail on the second ("bind: address already in use"), and says why.
// Both must have passed ParseHost. tcp:// hosts overlap on one port when
// they name the same address, however written (127.0.0.1 and
// ::ffff:127.0.0.1, [::] and [0:0:0:0:0:0:0:0]), or when one is a wildcard
// that covers the other: 0.0.0.0 every IPv4 address and every name, [::]
// every address of both families, since Go listens on it dual-stack (moby
// sets no IPV6_V6ONLY). Other hosts overlap when they are the same socket,
// pipe or descriptor.
func (h Host) Overlaps(o Host) (bool, string) {
	if h.Scheme != o.Scheme {
		return false, ""
	}
	if h.Scheme != SchemeTCP {
		if h.Path == o.Path && (h.Scheme != SchemeFD || h.Raw == o.Raw) {
			return true, "the same " + h.describe()
		}
		return false, ""
	}
	if h.Port != o.Port {
		return false, ""
	}
	a, b := listenIP(h.Hostname), listenIP(o.Hostname)
	switch {
	case a != nil && b != nil && a.Equal(b):
		return true, fmt.Sprintf("the same address and port, %s", h.Address())
	case isWildcard6(a) || isWildcard6(b):
		return true, fmt.Sprintf("[::]:%d takes port %d on every address, IPv4 included (Go listens on it dual-stack)", h.Port, h.Port)
	case isWildcard4(a) && (b == nil || b.To4() != nil), isWildcard4(b) && (a == nil || a.To4() != nil):
		return true, fmt.Sprintf("0.0.0.0:%d takes port %d on every IPv4 address", h.Port, h.Port)
	case a == nil && b == nil && strings.EqualFold(h.Hostname, o.Hostname):
		return true, fmt.Sprintf("the same name and port, %s", h.Address())
	}
	return false, ""
}

func (h Host) describe() string {
	switch h.Scheme {
	case SchemeUnix:
		return "socket, " + h.Path
	case SchemeNPipe:
		return "pipe, " + h.Path
	}
	return "systemd socket activation"
}

// listenIP is the address a listener on name binds: name's own, or for
// localhost 127.0.0.1 (Go listens on a name's first IPv4 address); nil
// for another name, which only the host can resolve.
func listenIP(name string) net.IP {
	if strings.EqualFold(name, "localhost") {
		return net.IPv4(127, 0, 0, 1)
	}
	return net.ParseIP(name)
}

func isWildcard4(ip net.IP) bool { return ip != nil && ip.To4() != nil && ip.IsUnspecified() }
func isWildcard6(ip net.IP) bool { return ip != nil && ip.To4() == nil && ip.IsUnspecified() }

// CheckListeners returns, for each host that overlaps an earlier one, an
// error naming both: dockerd would bind the first and fail to start on the
// second. Hosts ParseHost refuses are skipped (their own check reports
// them). The index is the later host's.
func CheckListeners(hosts []string) map[int]error { return checkListeners("hosts", "dockerd", hosts) }

// checkListeners is CheckListeners for program's list argument.
func checkListeners(argument, program string, hosts []string) map[int]error {
	parsed := make([]*Host, len(hosts))
	out := map[int]error{}
	for j, s := range hosts {
		h, err := ParseHost(s)
		if err != nil {
			continue
		}
		parsed[j] = &h
		for i := 0; i < j; i++ {
			if parsed[i] == nil {
				continue
			}
			if overlap, why := parsed[i].Overlaps(h); overlap {
				out[j] = fmt.Errorf("%s[%d] %q and %s[%d] %q are one listener for %s (%s): it binds the first and fails to start "+
					"on the second (\"%sbind: address already in use\"). Keep one of them", argument, i, hosts[i], argument, j, s, program, why, map[bool]string{true: "failed to load listeners: ... "}[program == "dockerd"])
				break
			}
		}
	}
	return out
}

// sortedErrors yields errs in the order of their indexes.
func sortedErrors(errs map[int]error) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for _, i := range slices.Sorted(maps.Keys(errs)) {
			if !yield(i, errs[i]) {
				return
			}
		}
	}
}
