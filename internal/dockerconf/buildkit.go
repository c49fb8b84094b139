package dockerconf

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// BuildKit: buildkitd's TLS listener (buildkitd.toml's [grpc] and
// [grpc.tls], read by moby/buildkit's cmd/buildkitd/config) and what its
// clients, buildctl and `docker buildx create --driver remote`, need.

// BuildKit's conventions and this package's defaults for buildkitd.
const (
	PortBuildKit               = 1234
	DefaultBuildkitdConfigPath = "/etc/buildkit/buildkitd.toml"
	DefaultBuildkitTLSDir      = "/etc/buildkit/tls"
	// DefaultBuildkitdPath is where BuildKit's release archives put it.
	DefaultBuildkitdPath = "/usr/local/bin/buildkitd"
	// BuildkitdUnitPath is the systemd unit Buildkitd writes: no
	// distribution packages one for buildkitd alone.
	BuildkitdUnitPath = "/etc/systemd/system/buildkit.service"
	// BuildkitdTOMLName and BuildkitdUnitName name those files in a File
	// list.
	BuildkitdTOMLName     = "buildkitd.toml"
	BuildkitdUnitName     = "buildkit.service"
	defaultBuildkitSocket = "unix:///run/buildkit/buildkitd.sock"
)

// DefaultBuildkitdAddresses are buildkitd's own local socket and TLS on
// every interface, on BuildKit's conventional port.
var DefaultBuildkitdAddresses = []string{defaultBuildkitSocket, fmt.Sprintf("tcp://0.0.0.0:%d", PortBuildKit)}

// Buildkitd describes buildkitd's gRPC listeners and their TLS on a Linux
// host. Render turns it into the files to write there. A zero path or nil
// Addresses means the default.
type Buildkitd struct {
	// Addresses are where buildkitd listens ([grpc] address). buildkitd
	// serves TLS on tcp:// only; a unix:// socket is local and plain.
	Addresses []string
	// TLSVerify requires and verifies client certificates (buildkitd does
	// when [grpc.tls] has a ca). Without it any client that can reach a
	// tcp:// address runs builds, and RUN steps run as root.
	TLSVerify bool
	// TLSDir holds the TLS files under their default names, as dockerd's.
	TLSDir                        string
	CACertPath, CertPath, KeyPath string
	ConfigPath                    string
	BuildkitdPath                 string
	// ExtraTOML is written into buildkitd.toml as it is, before [grpc]
	// (so that its top-level keys stay top-level): settings such as root,
	// or a registry's section (RegistryClient.BuildkitdTOML).
	ExtraTOML string
	Material  ServerMaterial
	// AllowUnverified accepts !TLSVerify with a tcp:// address (with a
	// warning), which Check otherwise refuses.
	AllowUnverified bool
	// Now is when the material is judged; zero means the current time.
	Now time.Time
	// Pending are the inputs not known yet: Check skips what needs them.
	Pending Pending
}

// The inputs of buildkitd, as Problems name them (with serverTLSFields).
const (
	FieldAddresses     Field = "addresses"
	FieldBuildkitdPath Field = "buildkitd_path"
	FieldExtraTOML     Field = "extra_toml"
)

// BuildkitdFields are every input a Buildkitd's problems name.
var BuildkitdFields = append([]Field{FieldAddresses, FieldBuildkitdPath, FieldExtraTOML, FieldConfigPath}, serverTLSFields...)

// WithDefaults returns b with every empty path and nil Addresses set to
// the default.
func (b Buildkitd) WithDefaults() Buildkitd {
	or := func(v *string, def string) {
		if *v == "" {
			*v = def
		}
	}
	if b.Addresses == nil {
		b.Addresses = DefaultBuildkitdAddresses
	}
	or(&b.TLSDir, DefaultBuildkitTLSDir)
	or(&b.CACertPath, path.Join(b.TLSDir, CAFileName))
	or(&b.CertPath, path.Join(b.TLSDir, ServerCertFileName))
	or(&b.KeyPath, path.Join(b.TLSDir, ServerKeyFileName))
	or(&b.ConfigPath, DefaultBuildkitdConfigPath)
	or(&b.BuildkitdPath, DefaultBuildkitdPath)
	return b
}

// TOML returns buildkitd.toml: ExtraTOML, then [grpc] with the addresses
// and [grpc.tls] with the files, the ca only with TLSVerify (buildkitd then
// requires a client certificate from it: RequireAndVerifyClientCert).
func (b Buildkitd) TOML() string {
	var s strings.Builder
	s.WriteString("# Written by Terraform (dockertls_buildkitd_config).\n")
	if extra := strings.TrimSpace(b.ExtraTOML); extra != "" {
		// First: a key after a table header belongs to that table, so
		// ExtraTOML's top-level keys (root, debug) must come before any.
		s.WriteString(extra + "\n\n")
	}
	fmt.Fprintf(&s, "[grpc]\n  address = %s\n\n  [grpc.tls]\n", tomlStrings(b.Addresses))
	fmt.Fprintf(&s, "    cert = %s\n    key = %s\n", tomlString(b.CertPath), tomlString(b.KeyPath))
	if b.TLSVerify {
		fmt.Fprintf(&s, "    ca = %s\n", tomlString(b.CACertPath))
	}
	return s.String()
}

// Unit returns the systemd unit that runs buildkitd on the configuration.
func (b Buildkitd) Unit() string {
	return "# Written by Terraform (dockertls_buildkitd_config).\n" +
		"[Unit]\nDescription=BuildKit daemon\nDocumentation=https://github.com/moby/buildkit\n" +
		"After=network-online.target\nWants=network-online.target\n\n" +
		"[Service]\nExecStart=" + b.BuildkitdPath + " --config " + b.ConfigPath + "\nRestart=on-failure\n\n" +
		"[Install]\nWantedBy=multi-user.target\n"
}

// BuildkitdRestartCommand makes systemd read the unit and buildkitd the
// files: buildkitd reads its configuration and TLS files only at start-up.
// A restart ends the builds running then; their clients see an error.
const BuildkitdRestartCommand = "systemctl daemon-reload && systemctl enable buildkit && systemctl restart buildkit"

// BuildkitdRendered is a buildkitd configuration as the files to write.
type BuildkitdRendered struct {
	TOML, Unit     string
	Files          []File
	RestartTrigger string
	CloudConfig    string
}

// Render fills in b's defaults, checks them (Check) and renders the
// files. With an error among the problems, BuildkitdRendered is empty.
func (b Buildkitd) Render() (BuildkitdRendered, []Problem) {
	b = b.WithDefaults()
	problems := b.Check()
	if hasError(problems) {
		return BuildkitdRendered{}, problems
	}
	r := BuildkitdRendered{TOML: b.TOML(), Unit: b.Unit()}
	if err := checkTOML(r.TOML); err != nil {
		return BuildkitdRendered{}, append(problems, Problem{Field: FieldExtraTOML, Summary: "Invalid extra_toml", Detail: err.Error()})
	}
	tls := b.tls()
	r.Files = append([]File{
		{Name: BuildkitdTOMLName, Path: b.ConfigPath, Content: r.TOML, Mode: ModeConfig},
		{Name: BuildkitdUnitName, Path: BuildkitdUnitPath, Content: r.Unit, Mode: ModeConfig},
	}, tls.files()...)
	trigger, layout := tls.finish(r.Files, tls.tlsPathsStamp())
	if len(layout) > 0 {
		return BuildkitdRendered{}, append(problems, layout...)
	}
	r.RestartTrigger = trigger
	r.CloudConfig = cloudConfig("dockertls_buildkitd_config", r.Files, "root:root", false, [][]string{
		{"systemctl", "daemon-reload"}, {"systemctl", "enable", "buildkit"}, {"systemctl", "restart", "buildkit"},
	})
	return r, problems
}

// tls is b's TLS as the server pipeline takes it; b has its defaults.
func (b Buildkitd) tls() serverTLS {
	return serverTLS{caPath: b.CACertPath, certPath: b.CertPath, keyPath: b.KeyPath, material: b.Material, verify: b.TLSVerify,
		names: ServerNames(b.Addresses), now: b.Now, pending: b.Pending}
}

// Check returns what buildkitd or systemd would refuse in b (errors) and
// what is worth a warning, skipping what needs a Pending input; b has its
// defaults.
func (b Buildkitd) Check() []Problem {
	var problems []Problem
	listeners := !b.Pending.Any(FieldAddresses, FieldTLSVerify, FieldAllowUnverified)
	if listeners {
		problems = append(problems, b.CheckListeners()...)
	}
	if !b.Pending.Any(FieldConfigPath, FieldBuildkitdPath, FieldExtraTOML, FieldTLSDir, FieldCACertPath, FieldCertPath, FieldKeyPath) {
		problems = append(problems, b.CheckFiles()...)
	}
	if listeners {
		problems = append(problems, b.tls().check()...)
	}
	return problems
}

// CheckListeners judges Addresses, and TLSVerify with them.
func (b Buildkitd) CheckListeners() []Problem {
	return append(CheckBuildkitdAddresses(b.Addresses), CheckServerSecurity(FieldAddresses, "buildkitd",
		"runs builds, whose RUN steps run as root on the host", b.Addresses, b.TLSVerify, b.AllowUnverified)...)
}

// CheckFiles judges the paths and ExtraTOML.
func (b Buildkitd) CheckFiles() []Problem {
	var problems []Problem
	for _, p := range []struct {
		name  Field
		value string
	}{{FieldBuildkitdPath, b.BuildkitdPath}, {FieldConfigPath, b.ConfigPath}} {
		if err := checkUnitText(string(p.name), p.value); err != nil {
			problems = append(problems, Problem{Field: p.name, Summary: "Invalid " + string(p.name), Detail: err.Error()})
		}
	}
	problems = append(problems, checkTLSPaths("buildkitd", DefaultBuildkitTLSDir, b.TLSDir, b.CACertPath, b.CertPath, b.KeyPath)...)
	if err := CheckExtraTOML(b.ExtraTOML); err != nil {
		problems = append(problems, Problem{Field: FieldExtraTOML, Summary: "Invalid extra_toml", Detail: err.Error()})
	}
	return problems
}

// CheckExtraTOML returns an error unless extra is TOML that buildkitd reads
// (its configuration loader decodes with github.com/pelletier/go-toml/v2,
// as this check does: a byte-order mark, a syntax error or a table defined
// twice stop buildkitd with "failed to parse config"), and sets nothing
// under grpc, which the rendering owns: as a table, an inline table or a
// dotted key, all of which TOML would refuse beside the rendered [grpc].
func CheckExtraTOML(extra string) error {
	if strings.HasPrefix(extra, "\ufeff") {
		return fmt.Errorf("extra_toml starts with a byte-order mark, which buildkitd's TOML parser refuses (\"failed to parse config\"): remove it")
	}
	var doc map[string]any
	if err := toml.Unmarshal([]byte(extra), &doc); err != nil {
		return fmt.Errorf("extra_toml is not TOML buildkitd reads (buildkitd would not start: \"failed to parse config\"): %s", tomlError(err))
	}
	// buildkitd's loader matches keys to its settings without case.
	if slices.ContainsFunc(slices.Collect(maps.Keys(doc)), func(k string) bool { return strings.EqualFold(k, "grpc") }) {
		return fmt.Errorf("extra_toml sets grpc, which buildkitd.toml already has (addresses and TLS are this data source's arguments); " +
			"TOML refuses a table defined twice and buildkitd would not start: remove it, and set addresses instead")
	}
	return nil
}

// checkTOML returns an error unless text, a whole buildkitd.toml, parses.
func checkTOML(text string) error {
	var doc map[string]any
	if err := toml.Unmarshal([]byte(text), &doc); err != nil {
		return fmt.Errorf("buildkitd.toml would not parse (extra_toml does not fit before [grpc]): %s", tomlError(err))
	}
	return nil
}

// tomlError is err with its line and column when the parser gives them.
func tomlError(err error) string {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		return fmt.Sprintf("line %d, column %d: %s", row, col, de.Error())
	}
	return err.Error()
}

// programDirs are directories that hold programs, never one.
var programDirs = []string{"bin", "sbin", "libexec"}

// checkProgramPath returns an error when s, where a program is expected,
// names a directory: systemd fails the unit ("Command ... is not
// executable") and the service never starts.
func checkProgramPath(name, s string) error {
	if strings.HasSuffix(s, "/") || slices.Contains(programDirs, path.Base(s)) {
		return fmt.Errorf("%s %q is a directory; it is the program itself: write %s", name, s, path.Join(path.Clean(s), strings.TrimSuffix(name, "_path")))
	}
	return nil
}

// checkUnitText returns an error when s, a value the unit's ExecStart=
// carries, is not an absolute program or file alone.
func checkUnitText(name, s string) error {
	if strings.HasSuffix(name, "_path") && name != "config_path" {
		if err := checkProgramPath(name, s); err != nil {
			return err
		}
	}
	if !strings.HasPrefix(s, "/") {
		return fmt.Errorf("%s %q is not an absolute path: systemd's ExecStart= needs one, such as %s", name, s, map[string]string{
			"buildkitd_path": DefaultBuildkitdPath, "config_path": DefaultBuildkitdConfigPath, "podman_path": DefaultPodmanPath}[name])
	}
	if err := checkCleanPath(name, s); err != nil {
		return err
	}
	if fields := strings.Fields(s); len(fields) > 1 {
		settings := ""
		if name == "buildkitd_path" {
			settings = ". buildkitd's settings belong in buildkitd.toml (extra_toml)"
		}
		return fmt.Errorf("%s %q has white space: it is the program alone, which the unit writes on its ExecStart= line, where systemd "+
			"splits at white space%s: write %s", name, s, settings, fields[0])
	}
	return checkExecStartText(name, s, "unit")
}

// CheckBuildkitdAddresses checks each address against what buildkitd
// listens on as this package runs it (tcp://HOST:PORT, unix:///PATH; fd://
// needs a socket unit it does not write), and that no two are one
// listener.
func CheckBuildkitdAddresses(addresses []string) []Problem {
	var out []Problem
	if len(addresses) == 0 {
		return []Problem{{Field: FieldAddresses, Summary: "No address", Detail: "addresses is empty: buildkitd would listen nowhere. " +
			"Give at least one, such as " + DefaultBuildkitdAddresses[1]}}
	}
	for i, s := range addresses {
		if err := checkBuildkitdAddress(s); err != nil {
			out = append(out, Problem{Field: FieldAddresses, Index: i, HasIndex: true, Summary: "Invalid buildkitd address", Detail: err.Error()})
		}
	}
	for i, err := range sortedErrors(checkListeners("addresses", "buildkitd", addresses)) {
		out = append(out, Problem{Field: FieldAddresses, Index: i, HasIndex: true, Summary: "Overlapping listeners", Detail: err.Error()})
	}
	return out
}

func checkBuildkitdAddress(s string) error {
	if s == "" {
		return fmt.Errorf("an address is empty: buildkitd would fail to listen on it: remove it, or write one such as %s", DefaultBuildkitdAddresses[1])
	}
	if rest, ok := strings.CutPrefix(s, "tcp://"); ok {
		if _, _, err := net.SplitHostPort(rest); err != nil {
			return fmt.Errorf("address %q has no port: add one, as in tcp://%s:%d (BuildKit's convention)", s, strings.Trim(rest, "[]"), PortBuildKit)
		}
	}
	h, err := ParseHost(s)
	if err != nil {
		return fmt.Errorf("address %s", strings.TrimPrefix(err.Error(), "host "))
	}
	if h.Scheme == SchemeNPipe {
		return fmt.Errorf("address %q: named pipes are buildkitd's on Windows; this configuration is for Linux: use tcp:// or unix://", s)
	}
	if h.Scheme == SchemeFD {
		return fmt.Errorf("address %q: buildkitd takes fd:// only from a systemd socket unit, which this rendering does not write "+
			"(its unit starts buildkitd directly), so buildkitd would find no socket and not start: use tcp:// or unix://", s)
	}
	if h.Scheme == SchemeUnix && h.Raw == "unix://" {
		return fmt.Errorf("address %q: buildkitd needs the socket's path: write %s", s, defaultBuildkitSocket)
	}
	return nil
}

// BuildkitFileNames chooses the client files' names. buildctl --tlsdir
// reads either scheme (BuildKit 0.21 and later); buildx and buildctl's
// --tlscacert/--tlscert/--tlskey take any path.
type BuildkitFileNames string

// The two schemes.
const (
	// BuildkitNamesDocker are the docker CLI's ca.pem, cert.pem, key.pem.
	BuildkitNamesDocker BuildkitFileNames = "docker"
	// BuildkitNamesCertManager are cert-manager's (and Kubernetes TLS
	// secrets') ca.crt, tls.crt, tls.key.
	BuildkitNamesCertManager BuildkitFileNames = "cert_manager"
)

// BuildkitFileNameSchemes lists every BuildkitFileNames, the default first.
var BuildkitFileNameSchemes = []BuildkitFileNames{BuildkitNamesDocker, BuildkitNamesCertManager}

// Names returns the CA's, the certificate's and the key's file names.
func (n BuildkitFileNames) Names() (ca, cert, key string) {
	if n == BuildkitNamesCertManager {
		return "ca.crt", "tls.crt", "tls.key"
	}
	return ClientCAFileName, ClientCertFileName, ClientKeyFileName
}

// BuildkitClient describes how buildctl and buildx reach a buildkitd over
// mutual TLS.
type BuildkitClient struct {
	Host Host
	// CertDir is where the files go: an absolute path, since buildx's
	// remote driver refuses relative ones.
	CertDir string
	Names   BuildkitFileNames
	// ServerName is what the client checks the server certificate for;
	// empty means Host's name (what buildx and buildctl guess).
	ServerName string
	// BuilderName names the buildx builder; empty derives one from Host.
	BuilderName string

	// Material is what Check judges; its ServerCertPEM is checked for
	// TLSServerName.
	Material ClientMaterial
	// ServerNames are the names the server certificate will carry, for
	// the name check before the certificate exists (no ServerCertPEM).
	ServerNames []string
	// Now is when Check judges the certificates' validity.
	Now time.Time
	// Pending are the inputs not known yet, whose checks Check skips.
	Pending Pending
}

// The inputs of a BuildKit client, as Problems name them (with FieldHost,
// FieldCertDir and ClientMaterialFields).
const (
	FieldServerName  Field = "server_name"
	FieldServerNames Field = "server_names"
	FieldBuilderName Field = "builder_name"
	FieldFileNames   Field = "file_names"
)

// BuildkitClientFields are the inputs BuildkitClient's problems name.
var BuildkitClientFields = append([]Field{FieldHost, FieldCertDir, FieldServerName, FieldServerNames, FieldBuilderName}, ClientMaterialFields...)

// Check returns what buildx or buildctl would refuse in c, for the inputs
// that are known: a directory or server name their flags cannot hold, a
// builder name buildx refuses, material that would fail the handshake, and
// a server certificate (or, before it exists, ServerNames) that does not
// name TLSServerName. The zero Host (one that does not parse, the caller's
// to report) is left unchecked.
func (c BuildkitClient) Check() []Problem {
	var out []Problem
	if !c.Pending.Any(FieldCertDir) {
		if err := CheckBuildkitCertDir(c.CertDir); err != nil {
			out = append(out, Problem{Field: FieldCertDir, Summary: "Invalid cert_dir", Detail: err.Error()})
		}
	}
	if c.ServerName != "" && !c.Pending.Any(FieldServerName) {
		if err := CheckBuildkitServerName(c.ServerName); err != nil {
			return append(out, Problem{Field: FieldServerName, Summary: "Invalid server_name", Detail: err.Error()})
		}
	}
	if c.BuilderName != "" && !c.Pending.Any(FieldBuilderName) {
		if err := CheckBuilderName(c.BuilderName); err != nil {
			out = append(out, Problem{Field: FieldBuilderName, Summary: "Invalid builder_name", Detail: err.Error()})
		}
	}
	material, serverCert := c.Material.check(c.Now, c.Pending)
	out = append(out, material...)
	if serverCert == nil && c.ServerNames != nil && !c.Pending.Any(FieldServerNames) {
		serverCert = CertificateNaming(c.ServerNames)
	}
	if serverCert == nil || c.Host.Hostname == "" || c.Pending.Any(FieldHost, FieldServerName) {
		return out
	}
	if err := CheckTLSServerName(c.TLSServerName(), serverCert); err != nil {
		at := FieldServerName
		if c.ServerName == "" {
			at = FieldHost
		}
		out = append(out, Problem{Field: at, Summary: "The server certificate does not name the builder",
			Detail: err.Error() + "; buildx would mark the builder inactive and buildctl fail every call"})
	}
	return out
}

func (c BuildkitClient) paths() (ca, cert, key string) {
	a, b, k := c.Names.Names()
	return path.Join(c.CertDir, a), path.Join(c.CertDir, b), path.Join(c.CertDir, k)
}

// TLSServerName is the server name clients check: ServerName or the host's.
func (c BuildkitClient) TLSServerName() string {
	if c.ServerName != "" {
		return c.ServerName
	}
	return c.Host.Hostname
}

// Files are the CA, the client certificate and its key in CertDir.
func (c BuildkitClient) Files(caPEM, certPEM, keyPEM string) []File {
	ca, cert, key := c.paths()
	return []File{
		{Name: path.Base(ca), Path: ca, Content: caPEM, Mode: ModeCertificate},
		{Name: path.Base(cert), Path: cert, Content: certPEM, Mode: ModeCertificate},
		{Name: path.Base(key), Path: key, Content: keyPEM, Mode: ModePrivateKey, Sensitive: true},
	}
}

// builderNamePattern is what buildx accepts as a builder's name (buildx:
// store/util.go, ValidateName).
var builderNamePattern = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9._-]*$`)

// Builder returns the buildx builder's name: BuilderName, or one derived
// from the host that buildx accepts.
func (c BuildkitClient) Builder() string {
	if c.BuilderName != "" {
		return c.BuilderName
	}
	name := strings.Trim(unsafeContextChars.ReplaceAllString(c.Host.Hostname, "-"), "-.")
	if !builderNamePattern.MatchString(name) {
		return strings.TrimSuffix("buildkit-"+name, "-")
	}
	return name
}

// CheckBuilderName returns an error unless buildx accepts name.
func CheckBuilderName(name string) error {
	if builderNamePattern.MatchString(name) {
		return nil
	}
	fixed := strings.Trim(regexp.MustCompile(`[^a-zA-Z0-9._-]+`).ReplaceAllString(name, "-"), "-._")
	if fixed == "" || !builderNamePattern.MatchString(fixed) {
		fixed = "buildkit-" + fixed
	}
	return fmt.Errorf("builder_name %q is not a name buildx accepts (\"name needs to start with a letter and may not contain symbols, except ._-\"): write %s",
		name, strings.TrimSuffix(fixed, "-"))
}

// CheckBuildkitCertDir returns an error unless dir is an absolute path
// buildx's --driver-opt (comma-separated key=value) can carry.
func CheckBuildkitCertDir(dir string) error {
	if !strings.HasPrefix(dir, "/") {
		return fmt.Errorf("cert_dir %q is not absolute: buildx's remote driver refuses relative paths (\"non-absolute path ... provided for cacert\"), "+
			"and a builder made another way is silently inactive: write the full path, such as /home/ci/.buildkit/%s", dir, strings.Trim(dir, "./"))
	}
	if err := ClientLinux.CheckPath("cert_dir", dir); err != nil {
		return err
	}
	return checkCSVField("cert_dir", dir, "buildx's --driver-opt (cacert=PATH,...)")
}

// CheckBuildkitServerName returns an error unless buildx's --driver-opt
// (servername=NAME,...) carries name as written and a TLS client can check
// a certificate for it.
func CheckBuildkitServerName(name string) error {
	if name == "" || strings.IndexFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return fmt.Errorf("server_name %q is empty or has white space or a control character: write the name the server certificate carries, such as builder1.example.internal", name)
	}
	return checkCSVField("server_name", name, "buildx's --driver-opt (servername=NAME,...)")
}

// CertificateNaming is a certificate with names as its SANs (IP addresses
// as IP SANs), for CheckTLSServerName before the certificate exists.
func CertificateNaming(names []string) *x509.Certificate {
	c := &x509.Certificate{}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			c.IPAddresses = append(c.IPAddresses, ip)
		} else {
			c.DNSNames = append(c.DNSNames, n)
		}
	}
	return c
}

// BuildKitHost is BUILDKIT_HOST for buildctl: the address.
func (c BuildkitClient) BuildKitHost() string { return c.Host.Raw }

// BuildctlArgs are buildctl's TLS flags for the files (without --addr),
// the server name always explicit.
func (c BuildkitClient) BuildctlArgs() []string {
	ca, cert, key := c.paths()
	return []string{"--tlsservername", c.TLSServerName(), "--tlscacert", ca, "--tlscert", cert, "--tlskey", key}
}

// RemoteDriverOpts are buildx's remote driver options for the files, as
// kreuzwerker/docker's docker_buildx_builder takes them in its remote
// block (cacert, cert, key, servername).
func (c BuildkitClient) RemoteDriverOpts() map[string]string {
	ca, cert, key := c.paths()
	return map[string]string{"cacert": ca, "cert": cert, "key": key, "servername": c.TLSServerName()}
}

// BuildxCreateCommand is the `docker buildx create` command line for a
// remote builder on the files.
func (c BuildkitClient) BuildxCreateCommand() string {
	ca, cert, key := c.paths()
	opts := "cacert=" + ca + ",cert=" + cert + ",key=" + key + ",servername=" + c.TLSServerName()
	return "docker buildx create --name " + shellQuote(c.Builder()) + " --driver remote --driver-opt " + shellQuote(opts) + " " + shellQuote(c.Host.Raw)
}

// tomlString quotes s as a TOML basic string, whose escapes are JSON's.
func tomlString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func tomlStrings(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = tomlString(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}
