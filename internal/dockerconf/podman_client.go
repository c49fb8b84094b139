package dockerconf

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// PodmanClient describes how podman-remote (`podman --remote`, or the
// podman-remote program) reaches a Podman host over mutual TLS: a
// connection recorded by `podman system connection add` with the TLS flags
// (in podman-connections.json), or a containers.conf service destination
// (`tls_ca`, `tls_cert` and `tls_key`, read by go.podman.io/common v0.66,
// which Podman 5.7 carries). Both record the files' paths, not their
// contents: the files must stay where they are written.
type PodmanClient struct {
	Host Host
	// CertDir is where ca.pem, cert.pem and key.pem go: absolute, since
	// podman records the paths as given and reads them from wherever it
	// runs later.
	CertDir string
	// ConnectionName names the connection; empty derives one from Host.
	ConnectionName string
	// Default makes the connection podman-remote's default.
	Default bool

	// Material is what Check judges: the files' contents and the server
	// certificate the host's name is checked against.
	Material ClientMaterial
	// Now is when Check judges the certificates' validity.
	Now time.Time
	// Pending are the inputs not known yet, whose checks Check skips.
	Pending Pending
}

// The inputs of a Podman client, as Problems name them (with FieldHost,
// FieldCertDir and ClientMaterialFields).
const (
	FieldConnectionName Field = "connection_name"
	FieldDefault        Field = "default"
)

// PodmanClientFields are the inputs PodmanClient's problems name.
var PodmanClientFields = append([]Field{FieldHost, FieldCertDir, FieldConnectionName, FieldDefault}, ClientMaterialFields...)

// connectionNamePattern is what this package writes as a connection name:
// podman takes any string, but a name that needs quoting in a shell or in
// a TOML key is a name users mistype.
var connectionNamePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// Check returns what podman-remote would fail on in c, for the inputs that
// are known: a relative or unwritable directory, a connection name that
// needs quoting, material that would fail the handshake and a server
// certificate that does not name the host (Go's "certificate is valid for
// X, not Y", which podman-remote reports). The zero Host (one that does
// not parse, the caller's to report) is left unchecked.
func (c PodmanClient) Check() []Problem {
	var out []Problem
	if !c.Pending.Any(FieldCertDir) {
		if err := checkPodmanCertDir(c.CertDir); err != nil {
			out = append(out, Problem{Field: FieldCertDir, Summary: "Invalid cert_dir", Detail: err.Error()})
		}
	}
	if c.ConnectionName != "" && !c.Pending.Any(FieldConnectionName) && !connectionNamePattern.MatchString(c.ConnectionName) {
		out = append(out, Problem{Field: FieldConnectionName, Summary: "Invalid connection_name",
			Detail: fmt.Sprintf("connection_name %q has characters a shell or containers.conf would need quoted (letters, digits and . _ - only, "+
				"starting with a letter or digit): write %s", c.ConnectionName, connectionNameFrom(c.ConnectionName))})
	}
	material, serverCert := c.Material.check(c.Now, c.Pending)
	out = append(out, material...)
	if hasError(out) || serverCert == nil || c.Host.Hostname == "" || c.Pending.Any(FieldHost) {
		return out
	}
	if err := CheckTLSServerName(c.Host.Hostname, serverCert); err != nil {
		out = append(out, Problem{Field: FieldHost, Summary: "The server certificate does not name this host",
			Detail: err.Error() + "; podman-remote would fail every call"})
	}
	return out
}

// checkPodmanCertDir returns an error unless dir is an absolute Linux
// path without what a path cannot hold well.
func checkPodmanCertDir(dir string) error {
	if !strings.HasPrefix(dir, "/") {
		return fmt.Errorf("cert_dir %q is not absolute: podman records the paths as given and reads them from the directory it "+
			"runs in later; write the full path, such as /home/ci/.config/containers/tls/%s", dir, strings.Trim(dir, "./"))
	}
	return ClientLinux.CheckPath("cert_dir", dir)
}

// Connection is the connection's name: ConnectionName, or the host's name
// with what a name should not hold replaced, and its port when it is not
// 2376 (so that two services of one host get two names).
func (c PodmanClient) Connection() string {
	if c.ConnectionName != "" {
		return c.ConnectionName
	}
	name := strings.TrimRight(c.Host.Hostname, ".") // a trailing dot names the same host
	if c.Host.Port != 0 && c.Host.Port != PortTLS {
		name += "-" + strconv.Itoa(c.Host.Port)
	}
	return connectionNameFrom(name)
}

// connectionNameFrom is s made a connection name (connectionNamePattern):
// what a name should not hold replaced by '-', and "podman-" before what
// does not start with a letter or digit.
func connectionNameFrom(s string) string {
	name := strings.Trim(unsafeContextChars.ReplaceAllString(s, "-"), "-.")
	if !connectionNamePattern.MatchString(name) {
		return strings.TrimSuffix("podman-"+name, "-")
	}
	return name
}

func (c PodmanClient) paths() (ca, cert, key string) {
	return path.Join(c.CertDir, ClientCAFileName), path.Join(c.CertDir, ClientCertFileName), path.Join(c.CertDir, ClientKeyFileName)
}

// Files are ca.pem, cert.pem and key.pem in CertDir: the docker CLI's
// names, so that the directory also serves the docker CLI's
// DOCKER_CERT_PATH and Testcontainers' docker.cert.path.
func (c PodmanClient) Files(caPEM, certPEM, keyPEM string) []File {
	ca, cert, key := c.paths()
	return []File{
		{Name: ClientCAFileName, Path: ca, Content: caPEM, Mode: ModeCertificate},
		{Name: ClientCertFileName, Path: cert, Content: certPEM, Mode: ModeCertificate},
		{Name: ClientKeyFileName, Path: key, Content: keyPEM, Mode: ModePrivateKey, Sensitive: true},
	}
}

// ConnectionCommand is the `podman system connection add` command line for
// the files. Run again after a renewal it is refused ("already exists"),
// but it need not be: the connection names the files, which a renewal
// rewrites in place.
func (c PodmanClient) ConnectionCommand() string {
	ca, cert, key := c.paths()
	cmd := "podman system connection add"
	if c.Default {
		cmd += " --default"
	}
	return cmd + " --tls-ca " + shellQuote(ca) + " --tls-cert " + shellQuote(cert) + " --tls-key " + shellQuote(key) + " " +
		shellQuote(c.Connection()) + " " + shellQuote(c.Host.Raw)
}

// ContainersConf is a containers.conf drop-in with the connection as a
// service destination (and, with Default, as the active service).
func (c PodmanClient) ContainersConf() string {
	ca, cert, key := c.paths()
	var b strings.Builder
	b.WriteString("# Written by Terraform (dockertls_podman_client_config).\n[engine]\n")
	if c.Default {
		b.WriteString("active_service = " + tomlString(c.Connection()) + "\n")
	}
	fmt.Fprintf(&b, "\n[engine.service_destinations.%s]\nuri = %s\ntls_ca = %s\ntls_cert = %s\ntls_key = %s\n",
		tomlString(c.Connection()), tomlString(c.Host.Raw), tomlString(ca), tomlString(cert), tomlString(key))
	return b.String()
}

// ContainersConfName is the drop-in's file name, in
// /etc/containers/containers.conf.d/ (every user of the host, root
// included) or ~/.config/containers/containers.conf.d/ (one user).
func (c PodmanClient) ContainersConfName() string {
	return "dockertls-" + c.Connection() + ".conf"
}
