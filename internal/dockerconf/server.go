package dockerconf

import (
	"crypto/x509"
	"fmt"
	"net"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// The TLS servers this package renders (dockerd, buildkitd, the registry)
// share one pipeline: each fills in a serverTLS from its own type and runs
// its checks (the client trust, the material, the names clients use) and
// its files through it, so that the three differ only where the programs
// do.

// The inputs every server takes, as Problems name them.
const (
	FieldTLSVerify       Field = "tls_verify"
	FieldAllowUnverified Field = "insecure_allow_unverified_clients"
	FieldTLSDir          Field = "tls_dir"
	FieldCACertPath      Field = "ca_cert_path"
	FieldCertPath        Field = "cert_path"
	FieldKeyPath         Field = "key_path"
	FieldConfigPath      Field = "config_path"
	FieldCACert          Field = "ca_cert_pem"
	FieldClientCACert    Field = "client_ca_cert_pem"
	FieldServerCert      Field = "server_cert_pem"
	FieldServerKey       Field = "server_key_pem"
)

// serverTLSFields are the fields a serverTLS reports.
var serverTLSFields = []Field{FieldTLSVerify, FieldTLSDir, FieldCACertPath, FieldCertPath, FieldKeyPath, FieldCACert, FieldClientCACert, FieldServerCert, FieldServerKey}

// serverMaterialFields name the material's inputs, by what a check of
// the material reports.
var serverMaterialFields = map[pki.Input]Field{pki.InputCACert: FieldCACert, pki.InputCert: FieldServerCert, pki.InputKey: FieldServerKey}

// serverTLS is a server's TLS as its checks and files need it.
type serverTLS struct {
	caPath, certPath, keyPath string
	material                  ServerMaterial
	// verify says the server reads the client trust (and so it is
	// written and judged).
	verify bool
	// ownCAs judges the server's own CAs apart from the client trust, for
	// their warnings (dockerd's; buildkitd and the registry judge only the
	// client trust they read).
	ownCAs bool
	// names are the names clients connect by, which the certificate must
	// carry; nil where they cannot be known.
	names []Host
	// reserved are paths the host's own commands write (the socket unit
	// a restart records as applied) or that hold the program, which no
	// file may take.
	reserved []File
	now      time.Time
	pending  Pending
}

// check judges what is known of the material: the bundles (checkTrust),
// the certificate and key against the CAs, and the names clients use.
func (s serverTLS) check() []Problem {
	return append(s.checkTrust(), s.checkMaterial()...)
}

// checkTrust judges the bundles (ServerMaterial.checkTrust).
func (s serverTLS) checkTrust() []Problem {
	return s.material.checkTrust(s.verify, s.ownCAs, s.at(), s.pending)
}

// at is when the material is judged: now, or the current time.
func (s serverTLS) at() time.Time {
	if s.now.IsZero() {
		return time.Now()
	}
	return s.now
}

// checkMaterial judges the certificate and key against the CAs, and the
// names clients use.
func (s serverTLS) checkMaterial() []Problem {
	var out []Problem
	if s.pending.Any(FieldCACert, FieldServerCert, FieldServerKey) || s.material.CACertPEM == "" || s.material.CertPEM == "" {
		return out
	}
	m := Material{CACertPEM: s.material.CACertPEM, CertPEM: s.material.CertPEM, KeyPEM: s.material.KeyPEM}
	material := materialProblems(pki.UsageServer, m, serverMaterialFields, s.at())
	out = append(out, material...)
	cert, err := pki.ParseCertificatePEM(s.material.CertPEM)
	if err != nil || len(material) > 0 {
		return out
	}
	for _, h := range s.names {
		if err := CheckTLSServerName(h.Hostname, cert); err != nil {
			out = append(out, Problem{Field: FieldServerCert, Summary: "The server certificate does not name the address", Detail: err.Error()})
		}
	}
	return out
}

// files are the TLS files whose content is given: the client trust only
// when the server reads it.
func (s serverTLS) files() []File {
	trust, _ := s.material.ClientTrust()
	if !s.verify {
		trust = "" // the configuration names no client trust: nothing reads it
	}
	return tlsFiles(s.caPath, s.certPath, s.keyPath, trust, s.material)
}

// finish checks the layout of files (every file of the rendering, and
// the TLS paths even when something else writes the TLS files) and
// returns the restart trigger over them and stamp, which stands for what
// else the server reads only at start-up.
func (s serverTLS) finish(files []File, stamp File) (string, []Problem) {
	// The reserved paths come first: a file in their place is the one
	// reported.
	if problem, bad := layoutProblem(append(slices.Clone(s.reserved), files...), s.caPath, s.certPath, s.keyPath); bad {
		return "", []Problem{problem}
	}
	return RestartTrigger(append(slices.Clone(files), stamp)), nil
}

// tlsPathsStamp stands for the TLS paths in a restart trigger: a moved
// file needs a restart too, even when something else writes it.
func (s serverTLS) tlsPathsStamp() File {
	return File{Name: "tls paths", Content: s.caPath + "\x00" + s.certPath + "\x00" + s.keyPath}
}

// ServerMaterial is what a server's TLS files hold, as PEM.
type ServerMaterial struct {
	// CACertPEM are the CAs of the server certificate (one, or a bundle
	// while a new CA is rolled out).
	CACertPEM string
	// ClientCACertPEM are the issuers whose clients the server admits,
	// when they are not CACertPEM (ClientTrust).
	ClientCACertPEM string
	CertPEM, KeyPEM string
}

// tlsFiles are a server's CA (its client trust), certificate and key, each
// only when its content is given (something else may deliver it).
func tlsFiles(caPath, certPath, keyPath, trust string, m ServerMaterial) []File {
	var out []File
	for _, f := range []File{
		{Name: CAFileName, Path: caPath, Content: trust, Mode: ModeCertificate},
		{Name: ServerCertFileName, Path: certPath, Content: m.CertPEM, Mode: ModeCertificate},
		{Name: ServerKeyFileName, Path: keyPath, Content: m.KeyPEM, Mode: ModePrivateKey, Sensitive: true},
	} {
		if f.Content != "" {
			out = append(out, f)
		}
	}
	return out
}

// checkTLSPaths checks a server's TLS directory and the file paths not
// derived from it (a bad directory is reported once); the advice names
// files in defaultDir.
func checkTLSPaths(program, defaultDir, dir, caPath, certPath, keyPath string) []Problem {
	var out []Problem
	for _, p := range []struct {
		name  Field
		value string
	}{{FieldTLSDir, dir}, {FieldCACertPath, caPath}, {FieldCertPath, certPath}, {FieldKeyPath, keyPath}} {
		if p.name != FieldTLSDir && strings.HasPrefix(p.value, dir+"/") && slices.ContainsFunc(out, func(pr Problem) bool { return pr.Field == FieldTLSDir }) {
			continue // derived from a tls_dir already refused
		}
		if err := checkAbsolute(program, p.name, p.value, path.Join(defaultDir, path.Base(p.value))); err != nil {
			out = append(out, Problem{Field: p.name, Summary: "Invalid " + string(p.name), Detail: err.Error()})
		}
	}
	return out
}

// checkAbsolute returns an error unless s is an absolute path without
// control characters, which no file name on a host holds well.
func checkAbsolute[N ~string](program string, name N, s, example string) error {
	if !strings.HasPrefix(s, "/") {
		return fmt.Errorf("%s %q is not an absolute path: %s resolves relative paths against its own working directory, so write the full path, such as %s",
			name, s, program, example)
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		return fmt.Errorf("%s %q has the control character %q: a path is one line of printable text; remove it", name, s, s[i])
	}
	return checkCleanPath(string(name), s)
}

// CheckServerSecurity refuses a tcp:// address without client verification
// unless allowUnverified, naming what a client could then do (harm).
func CheckServerSecurity(field Field, program, harm string, addresses []string, verify, allowUnverified bool) []Problem {
	if verify {
		return nil
	}
	for _, s := range addresses {
		if h, err := ParseHost(s); err != nil || h.Scheme != SchemeTCP {
			continue
		}
		if allowUnverified {
			return []Problem{{Field: FieldTLSVerify, Warning: true, Summary: "Open to unverified clients",
				Detail: fmt.Sprintf("tls_verify = false with %s: any client that can reach this port %s. Set tls_verify = true and give clients a dockertls_client_cert.", s, harm)}}
		}
		return []Problem{{Field: FieldTLSVerify, Summary: "A TCP listener needs client verification",
			Detail: fmt.Sprintf("tls_verify = false with %s in %s would let any client that can reach the port use %s, which %s. Set tls_verify = true "+
				"(the default) and give clients a dockertls_client_cert; or, if you truly mean it, set insecure_allow_unverified_clients = true.", s, field, program, harm)}}
	}
	return nil
}

// ServerNames are the names clients will connect to among addresses:
// those of tcp:// addresses that are not wildcards. A client reaching a
// wildcard listener uses a name this configuration cannot know.
func ServerNames(addresses []string) []Host {
	var out []Host
	for _, s := range addresses {
		h, err := ParseHost(s)
		if err != nil || h.Scheme != SchemeTCP {
			continue
		}
		if ip := net.ParseIP(h.Hostname); ip != nil && ip.IsUnspecified() {
			continue
		}
		out = append(out, h)
	}
	return out
}

// CheckTLSServerName is CheckServerName for a client of any Go program
// (buildctl, buildx, the registry's clients), which checks a name the same
// way: an error when the server certificate does not name name. A buildx
// builder is then inactive, and buildctl fails every call.
func CheckTLSServerName(name string, cert *x509.Certificate) error {
	if err := cert.VerifyHostname(name); err != nil {
		h := Host{Hostname: name}
		return fmt.Errorf("the server certificate does not name %q, so a client connecting by it fails with %q: add %q to the server certificate's %s, or connect by a name it has (%s)",
			name, err.Error(), name, sanAttribute(h), sanList(cert))
	}
	return nil
}
