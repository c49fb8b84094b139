package dockerconf

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Client describes how the docker CLI reaches a daemon over TLS.
type Client struct {
	Host Host
	// CertDir is where ca.pem, cert.pem and key.pem go; empty leaves the
	// files' paths bare names, relative to wherever they are written.
	CertDir string
	// ContextName names the docker context; empty derives one from the host.
	ContextName string
	// Platform is the client machine's (ClientLinux when empty). It decides
	// the paths' form and the quoting of ContextCommand.
	Platform ClientPlatform

	// Material is what Check judges: the files' contents and the server
	// certificate the host's name is checked against.
	Material ClientMaterial
	// Now is when Check judges the certificates' validity.
	Now time.Time
	// Pending are the inputs not known yet, whose checks Check skips.
	Pending Pending
}

// FieldContextName is the input that sets ContextName, as Problems name it.
const FieldContextName Field = "context_name"

// ClientFields are the inputs Client's problems name.
var ClientFields = append([]Field{FieldHost, FieldCertDir, FieldContextName, FieldPlatform}, ClientMaterialFields...)

// Check returns what the docker CLI would refuse in c, for the inputs that
// are known: a directory its --docker argument cannot hold, a context name
// it refuses, material that would fail the handshake and, as a warning, a
// server certificate that does not name the host (the CLI's "certificate
// is valid for X, not Y"). A host that does not parse is the caller's to
// report (ParseHost); Check leaves the zero Host unchecked.
func (c Client) Check() []Problem {
	var out []Problem
	if c.CertDir != "" && !c.Pending.Any(FieldCertDir, FieldPlatform) {
		if err := c.Platform.CheckCertDir(c.CertDir); err != nil {
			out = append(out, Problem{Field: FieldCertDir, Summary: "Invalid cert_dir", Detail: err.Error()})
		}
	}
	if c.ContextName != "" && !c.Pending.Any(FieldContextName) {
		if err := CheckContextName(c.ContextName); err != nil {
			out = append(out, Problem{Field: FieldContextName, Summary: "Invalid context_name", Detail: err.Error()})
		}
	}
	if c.CertDir != "" && !c.Pending.Any(FieldCertDir) {
		if _, err := testcontainersValue(c.CertDir); err != nil {
			out = append(out, Problem{Field: FieldCertDir, Warning: true, Summary: "No testcontainers_properties for this cert_dir",
				Detail: "cert_dir " + err.Error() + ": testcontainers_properties is left null. Choose a directory without it to have them."})
		}
	}
	material, serverCert := c.Material.check(c.Now, c.Pending)
	out = append(out, material...)
	if hasError(out) || serverCert == nil || c.Host.Hostname == "" || c.Pending.Any(FieldHost) {
		return out
	}
	if err := CheckServerName(c.Host, serverCert); err != nil {
		out = append(out, Problem{Field: FieldHost, Warning: true, Summary: "The server certificate does not name this host", Detail: err.Error()})
	}
	return out
}

// windowsCLIDir is the docker CLI's default directory on Windows, as
// cmd.exe and ExpandEnvironmentVariables write it (docker/cli:
// cli/config/config.go, Dir, which uses the user's home directory,
// %USERPROFILE%).
const windowsCLIDir = `%USERPROFILE%\.docker`

// Env returns the docker CLI's environment. DOCKER_TLS_VERIFY is "1": the
// CLI treats any non-empty value, even "0", as on.
func (c Client) Env() map[string]string {
	env := map[string]string{
		"DOCKER_HOST":       c.Host.Raw,
		"DOCKER_TLS_VERIFY": "1",
	}
	if c.CertDir != "" {
		env["DOCKER_CERT_PATH"] = c.CertDir
	}
	return env
}

func (c Client) filePath(name string) string {
	spec := c.Platform.spec()
	switch {
	case c.CertDir != "":
		return spec.paths.join(c.CertDir, name)
	case spec.defaultDir != "":
		return spec.paths.join(spec.defaultDir, name)
	}
	return name
}

// envNames are Env's keys in the order scripts set them.
var envNames = []string{"DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"}

// ExportLines are Env as POSIX shell export lines, one per variable.
func (c Client) ExportLines() string {
	return c.envLines(func(k, v string) string { return "export " + k + "=" + shellQuote(v) })
}

// PowerShellLines are Env as PowerShell assignments, one per variable.
func (c Client) PowerShellLines() string {
	return c.envLines(func(k, v string) string { return "$env:" + k + " = " + powerShellQuote(v) })
}

func (c Client) envLines(line func(k, v string) string) string {
	env := c.Env()
	var b strings.Builder
	for _, k := range envNames {
		if v, ok := env[k]; ok {
			b.WriteString(line(k, v) + "\n")
		}
	}
	return b.String()
}

// Files returns ca.pem, cert.pem and key.pem, under the names the docker CLI
// looks for in DOCKER_CERT_PATH.
// On Windows they have no mode: NTFS ACLs apply (a user's profile is
// readable by that user and administrators).
func (c Client) Files(caPEM, certPEM, keyPEM string) []File {
	return c.Platform.spec().paths.files([]File{
		{Name: ClientCAFileName, Path: c.filePath(ClientCAFileName), Content: caPEM, Mode: ModeCertificate},
		{Name: ClientCertFileName, Path: c.filePath(ClientCertFileName), Content: certPEM, Mode: ModeCertificate},
		{Name: ClientKeyFileName, Path: c.filePath(ClientKeyFileName), Content: keyPEM, Mode: ModePrivateKey, Sensitive: true},
	})
}

var unsafeContextChars = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// validContextName is what the docker CLI accepts as a context name
// (docker/cli: cli/command/context/create.go, validateContextName).
var validContextName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$`)

// Context returns the docker context's name: ContextName, or one derived
// from the host that the docker CLI accepts.
func (c Client) Context() string {
	if c.ContextName != "" {
		return c.ContextName
	}
	name := strings.Trim(unsafeContextChars.ReplaceAllString(c.Host.Hostname, "-"), "-.")
	if !validContextName.MatchString(name) {
		// "1" from tcp://[::1]:2376 is too short; "" has nothing left.
		return strings.TrimSuffix("dockertls-"+name, "-")
	}
	return name
}

// CheckContextName returns an error unless the docker CLI accepts name as
// a context's name.
func CheckContextName(name string) error {
	if validContextName.MatchString(name) {
		return nil
	}
	fixed := strings.Trim(regexp.MustCompile(`[^a-zA-Z0-9_.+-]+`).ReplaceAllString(name, "-"), "-._+")
	if len(fixed) < 2 {
		fixed = "docker-" + fixed
	}
	return fmt.Errorf("context_name %q is not a name the docker CLI accepts (`context name %q is invalid, names are validated against regexp %q`): write %s",
		name, name, validContextName.String(), strings.TrimSuffix(fixed, "-"))
}

// CheckCertDir returns an error unless dir can hold the client's files on
// p and be written into ContextCommand's --docker argument, whose fields
// the CLI splits at commas ("must be formatted as key=value").
func (p ClientPlatform) CheckCertDir(dir string) error {
	if err := p.CheckPath("cert_dir", dir); err != nil {
		return err
	}
	return checkCSVField("cert_dir", dir, "the docker CLI's --docker argument (host=...,ca=PATH,...)")
}

// checkCSVField returns an error when dir cannot stand in a field of
// argument, comma-separated key=value pairs that the program splits at
// commas and unquotes.
func checkCSVField(name, value, argument string) error {
	if strings.ContainsAny(value, `,"`) {
		return fmt.Errorf("%s %q has a comma or a quote, which %s cannot carry (a comma starts another option): choose a value without them", name, value, argument)
	}
	return nil
}

// ContextCommand returns the `docker context create` command line for the
// files. The CLI copies the files into its context store when the context
// is created, so after a renewal the context needs `docker context update`
// with the same --docker argument.
// On Windows it is PowerShell, and the CLI's default directory is
// $env:USERPROFILE\.docker in a double-quoted (expanding) string.
func (c Client) ContextCommand() string {
	docker := "host=" + c.Host.Raw +
		",ca=" + c.filePath(ClientCAFileName) +
		",cert=" + c.filePath(ClientCertFileName) +
		",key=" + c.filePath(ClientKeyFileName)
	if !c.Platform.spec().powerShell {
		return "docker context create " + shellQuote(c.Context()) + " --docker " + singleQuote(docker)
	}
	quoted := powerShellQuote(docker)
	if c.CertDir == "" {
		// The host and a context name hold no " $ or `.
		quoted = `"` + strings.ReplaceAll(docker, windowsCLIDir, `$env:USERPROFILE\.docker`) + `"`
	}
	name := c.Context()
	if unsafeContextChars.MatchString(name) {
		name = powerShellQuote(name)
	}
	return "docker context create " + name + " --docker " + quoted
}

var shellSafe = regexp.MustCompile(`^[a-zA-Z0-9_./:=,@%+-]+$`)

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return singleQuote(s)
}

func singleQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// TestcontainersProperties is ~/.testcontainers.properties for the host
// (docker.host, docker.tls.verify, docker.cert.path), which Testcontainers
// in every language reads, or "" without CertDir (Testcontainers joins the
// file names to docker.cert.path as it is written, and the docker CLI's
// default directory, ~/.docker, cannot be written there) or with one the
// file cannot carry (testcontainersValue).
func (c Client) TestcontainersProperties() string {
	host, hostErr := testcontainersValue(c.Host.Raw)
	dir, dirErr := testcontainersValue(c.CertDir)
	if c.CertDir == "" || hostErr != nil || dirErr != nil {
		return ""
	}
	return "# Written by Terraform (dockertls_client_config).\n" +
		"docker.host=" + host + "\n" +
		"docker.tls.verify=1\n" +
		"docker.cert.path=" + dir + "\n"
}

// testcontainersValue is s as a value of a properties file that Java's
// Properties.load (testcontainers-java; it reads ISO 8859-1) and
// magiconair/properties (testcontainers-go) both read back as s: a
// backslash escaped, and what is not printable ASCII as \uXXXX. It is an
// error for what neither can carry: a character beyond the Basic
// Multilingual Plane (magiconair reads its surrogate pair as two U+FFFD),
// and "${", which magiconair expands from the environment after
// unescaping.
func testcontainersValue(s string) (string, error) {
	if strings.Contains(s, "${") {
		return "", fmt.Errorf("%q has \"${\", which testcontainers-go expands from the environment (or, unclosed, makes it ignore the whole file)", s)
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r > 0xFFFF:
			return "", fmt.Errorf("%q has %q, beyond what a properties file carries alike for Java and Go", s, r)
		case r == '\\':
			b.WriteString(`\\`)
		case r < 0x20 || r > 0x7E:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}
