package dockerconf

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// Podman: `podman system service` serving the Docker-compatible and libpod
// APIs over mutual TLS (Podman 5.7's --tls-cert, --tls-key and
// --tls-client-ca; Podman 5.6 and earlier, and Debian 12's 4.3, serve TCP
// only in the clear), run by systemd as root.
//
// Podman applies TLS to a socket systemd hands it as well as to one it
// opens (containers/podman: cmd/podman/system/service_abi.go takes the one
// socket-activated listener; pkg/api/server/server.go serves any listener
// with ServeTLS), so the default layout is a socket unit that keeps the
// port open while the service restarts, as dockerd's socket_activation
// layout does. The distribution's own podman.socket (the local unix
// socket) is left as it is: the TLS listener is a unit pair of its own,
// podman-tls.socket and podman-tls.service.

// Podman's files and this package's defaults for them.
const (
	// DefaultPodmanAddress is TLS on every interface on 2376, the port
	// the docker CLI and Docker's SDKs take for a TLS host.
	DefaultPodmanAddress = "tcp://0.0.0.0:2376"
	DefaultPodmanTLSDir  = "/etc/containers/tls"
	// DefaultPodmanPath is where Fedora's, RHEL's, Debian's and Ubuntu's
	// packages put podman.
	DefaultPodmanPath = "/usr/bin/podman"
	// PodmanServiceName and PodmanSocketName are the units Podman renders.
	PodmanServiceName = "podman-tls.service"
	PodmanSocketName  = "podman-tls.socket"
	// podmanSocketApplied is where the restart command keeps the socket
	// unit it last applied (restartKeepingSockets).
	podmanSocketApplied = "/var/lib/dockertls/podman-tls.socket"
)

// PodmanServicePath and PodmanSocketPath are where the units go.
var (
	PodmanServicePath = path.Join("/etc/systemd/system", PodmanServiceName)
	PodmanSocketPath  = path.Join("/etc/systemd/system", PodmanSocketName)
)

// Podman describes podman's API service over mutual TLS on a Linux host,
// run as root. Render turns it into the files to write there. Zero values
// mean the defaults (WithDefaults).
type Podman struct {
	// Address is where the service listens, tcp://HOST:PORT: podman
	// serves one listener.
	Address string
	// SocketActivation has systemd open the port (podman-tls.socket), so
	// that a restart of the service refuses no client.
	SocketActivation bool
	// TLSDir holds the TLS files under their default names, as dockerd's.
	TLSDir                        string
	CACertPath, CertPath, KeyPath string
	PodmanPath                    string
	Material                      ServerMaterial
	// Now is when the material is judged; zero means the current time.
	Now time.Time
	// Pending are the inputs not known yet: Check skips what needs them.
	Pending Pending
}

// FieldPodmanPath is the input that sets PodmanPath, as Problems name it.
const FieldPodmanPath Field = "podman_path"

// PodmanFields are every input a Podman's problems name. Podman always
// verifies clients: it has no tls_verify.
var PodmanFields = []Field{FieldAddress, FieldSocketActivation, FieldPodmanPath, FieldTLSDir, FieldCACertPath, FieldCertPath, FieldKeyPath,
	FieldCACert, FieldClientCACert, FieldServerCert, FieldServerKey}

// WithDefaults returns p with every empty value set to its default.
func (p Podman) WithDefaults() Podman {
	or := func(v *string, def string) {
		if *v == "" {
			*v = def
		}
	}
	or(&p.Address, DefaultPodmanAddress)
	or(&p.TLSDir, DefaultPodmanTLSDir)
	or(&p.CACertPath, path.Join(p.TLSDir, CAFileName))
	or(&p.CertPath, path.Join(p.TLSDir, ServerCertFileName))
	or(&p.KeyPath, path.Join(p.TLSDir, ServerKeyFileName))
	or(&p.PodmanPath, DefaultPodmanPath)
	return p
}

// ExecStart is the service's command line: --time=0 keeps it serving
// (podman ends an idle service after 5 seconds by default), and with
// SocketActivation it names no address, so that podman takes the socket
// systemd hands it.
func (p Podman) ExecStart() string {
	cmd := p.PodmanPath + " --log-level=info system service --time=0 --tls-cert=" + p.CertPath + " --tls-key=" + p.KeyPath +
		" --tls-client-ca=" + p.CACertPath
	if p.SocketActivation {
		return cmd
	}
	return cmd + " " + p.Address
}

const podmanUnitHeader = "# Written by Terraform (dockertls_podman_config).\n"

// ServiceUnit is podman-tls.service, shaped as the podman.service Podman's
// packages ship (Delegate, Type=exec, KillMode=process: a restart leaves
// the containers, whose conmon runs beside podman, running).
func (p Podman) ServiceUnit() string {
	var b strings.Builder
	b.WriteString(podmanUnitHeader + "[Unit]\nDescription=Podman API over mutual TLS\nDocumentation=https://docs.podman.io/en/latest/markdown/podman-system-service.1.html\n")
	if p.SocketActivation {
		b.WriteString("Requires=" + PodmanSocketName + "\nAfter=" + PodmanSocketName + "\n")
	} else {
		b.WriteString("Wants=network-online.target\nAfter=network-online.target\n")
	}
	b.WriteString("StartLimitIntervalSec=0\n\n[Service]\nDelegate=true\nType=exec\nKillMode=process\nExecStart=" + p.ExecStart() + "\n")
	if p.SocketActivation {
		return b.String() // started by its socket
	}
	b.WriteString("Restart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n")
	return b.String()
}

// SocketUnit is podman-tls.socket, which opens Address and hands it to
// podman-tls.service. FreeBind lets it bind an address the host does not
// have yet at boot.
func (p Podman) SocketUnit() string {
	listen := ""
	if h, err := ParseHost(p.Address); err == nil {
		listen, _ = ListenStream(h)
	}
	return podmanUnitHeader + "[Unit]\nDescription=Podman API over mutual TLS (socket)\nDocumentation=https://docs.podman.io/en/latest/markdown/podman-system-service.1.html\n\n" +
		"[Socket]\nListenStream=" + listen + "\nFreeBind=yes\n\n[Install]\nWantedBy=sockets.target\n"
}

// RestartCommand makes systemd read the units and podman the files: podman
// reads its TLS files, and the client trust, only at start-up. With
// SocketActivation it restarts the service and leaves the socket open, so
// that clients wait instead of being refused; it restarts the socket
// (closing the port for a moment) only when the socket unit differs from
// the one last applied. Without it, clients are refused while podman
// restarts. Containers keep running either way.
func (p Podman) RestartCommand() string {
	if !p.SocketActivation {
		return "systemctl disable --now " + PodmanSocketName + " 2>/dev/null; rm -f " + PodmanSocketPath + " " + podmanSocketApplied +
			" && systemctl daemon-reload && systemctl enable " + PodmanServiceName + " && systemctl restart " + PodmanServiceName
	}
	return "systemctl daemon-reload && systemctl enable " + PodmanSocketName + " && " +
		restartKeepingSockets(PodmanSocketPath, podmanSocketApplied, PodmanServiceName, PodmanSocketName, PodmanServiceName)
}

// firstBoot are the commands that start the service on a new host.
func (p Podman) firstBoot() [][]string {
	if !p.SocketActivation {
		return [][]string{{"systemctl", "daemon-reload"}, {"systemctl", "enable", "--now", PodmanServiceName}}
	}
	return [][]string{{"systemctl", "daemon-reload"}, {"install", "-D", "-m", "0644", PodmanSocketPath, podmanSocketApplied},
		{"systemctl", "enable", "--now", PodmanSocketName}}
}

// PodmanRendered is a Podman host's configuration as the files to write.
type PodmanRendered struct {
	ServiceUnit, SocketUnit string
	Files                   []File
	RestartTrigger          string
	RestartCommand          string
	CloudConfig, Ignition   string
}

// Render fills in p's defaults, checks them (Check) and renders the files.
// With an error among the problems, PodmanRendered is empty.
func (p Podman) Render() (PodmanRendered, []Problem) {
	p = p.WithDefaults()
	problems := p.Check()
	if hasError(problems) {
		return PodmanRendered{}, problems
	}
	r := PodmanRendered{ServiceUnit: p.ServiceUnit(), RestartCommand: p.RestartCommand()}
	r.Files = []File{{Name: PodmanServiceName, Path: PodmanServicePath, Content: r.ServiceUnit, Mode: ModeConfig}}
	enable := PodmanServiceName
	if p.SocketActivation {
		r.SocketUnit = p.SocketUnit()
		r.Files = append(r.Files, File{Name: PodmanSocketName, Path: PodmanSocketPath, Content: r.SocketUnit, Mode: ModeConfig})
		enable = PodmanSocketName
	}
	tls := p.tls()
	r.Files = append(r.Files, tls.files()...)
	trigger, layout := tls.finish(r.Files, tls.tlsPathsStamp())
	if len(layout) > 0 {
		return PodmanRendered{}, append(problems, layout...)
	}
	r.RestartTrigger = trigger
	r.CloudConfig = cloudConfig("dockertls_podman_config", r.Files, "root:root", false, p.firstBoot())
	firstBootFiles := r.Files
	if p.SocketActivation {
		// The socket starts on this unit at first boot: it is applied, so
		// that the first restart_command leaves the port open.
		firstBootFiles = append(slices.Clone(r.Files), File{Name: PodmanSocketName, Path: podmanSocketApplied, Content: r.SocketUnit, Mode: ModeConfig})
	}
	r.Ignition = unitsIgnition(firstBootFiles, enable)
	return r, problems
}

// tls is p's TLS as the server pipeline takes it; p has its defaults.
// Podman always requires a client certificate from the trust.
func (p Podman) tls() serverTLS {
	reserved := []File{{Name: "podman", Path: p.PodmanPath}, {Name: "the applied " + PodmanSocketName, Path: podmanSocketApplied}}
	if !p.SocketActivation {
		// Not rendered, but removed by restart_command.
		reserved = append(reserved, File{Name: PodmanSocketName, Path: PodmanSocketPath})
	}
	return serverTLS{caPath: p.CACertPath, certPath: p.CertPath, keyPath: p.KeyPath, material: p.Material, verify: true,
		names: ServerNames([]string{p.Address}), reserved: reserved, now: p.Now, pending: p.Pending}
}

// Check returns what podman or systemd would refuse in p (errors),
// skipping what needs a Pending input; p has its defaults.
func (p Podman) Check() []Problem {
	var problems []Problem
	listener := !p.Pending.Any(FieldAddress, FieldSocketActivation)
	if listener {
		if err := p.checkAddress(); err != nil {
			problems = append(problems, Problem{Field: FieldAddress, Summary: "Invalid address", Detail: err.Error()})
		}
	}
	if !p.Pending.Any(FieldPodmanPath, FieldTLSDir, FieldCACertPath, FieldCertPath, FieldKeyPath) {
		problems = append(problems, p.checkFiles()...)
	}
	if listener && !hasError(problems) {
		problems = append(problems, p.tls().check()...)
	}
	return problems
}

// checkAddress returns an error unless podman (or, with SocketActivation,
// systemd) can listen on Address with TLS: tcp:// with a port (ParseHost
// wants one), and an IP address where systemd opens it.
func (p Podman) checkAddress() error {
	h, err := ParseHost(p.Address)
	if err != nil {
		return fmt.Errorf("address %s", strings.TrimPrefix(err.Error(), "host "))
	}
	if h.Scheme != SchemeTCP {
		return fmt.Errorf("address %q is not tcp://: podman serves TLS on TCP only, and its local unix socket is the "+
			"distribution's podman.socket, which this data source leaves alone: write one such as %s", p.Address, DefaultPodmanAddress)
	}
	if p.SocketActivation {
		if _, err := ListenStream(h); err != nil {
			return fmt.Errorf("%w; or set socket_activation = false, and podman listens on the name itself (clients are then refused while it restarts)", err)
		}
	}
	return nil
}

// checkFiles judges the program's and the TLS files' paths, which the
// unit's ExecStart= carries.
func (p Podman) checkFiles() []Problem {
	var out []Problem
	if err := checkUnitText(string(FieldPodmanPath), p.PodmanPath); err != nil {
		out = append(out, Problem{Field: FieldPodmanPath, Summary: "Invalid podman_path", Detail: err.Error()})
	}
	out = append(out, checkTLSPaths("podman", DefaultPodmanTLSDir, p.TLSDir, p.CACertPath, p.CertPath, p.KeyPath)...)
	if hasError(out) {
		return out
	}
	for _, f := range []struct {
		name  Field
		value string
	}{{FieldCACertPath, p.CACertPath}, {FieldCertPath, p.CertPath}, {FieldKeyPath, p.KeyPath}} {
		if err := checkExecStartText(string(f.name), f.value, "unit"); err != nil {
			out = append(out, Problem{Field: f.name, Summary: "Invalid " + string(f.name), Detail: err.Error()})
		}
	}
	return out
}
