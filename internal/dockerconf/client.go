package dockerconf

import (
	"path"
	"regexp"
	"strings"
)

// Client describes how the docker CLI reaches a daemon over TLS.
type Client struct {
	Host Host
	// CertDir is where ca.pem, cert.pem and key.pem go; empty leaves the
	// files' paths bare names, relative to wherever they are written.
	CertDir string
	// ContextName names the docker context; empty derives one from the host.
	ContextName string
}

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
	if c.CertDir == "" {
		return name
	}
	return path.Join(c.CertDir, name)
}

// Files returns ca.pem, cert.pem and key.pem, under the names the docker CLI
// looks for in DOCKER_CERT_PATH.
func (c Client) Files(caPEM, certPEM, keyPEM string) []File {
	return []File{
		{Name: ClientCAFileName, Path: c.filePath(ClientCAFileName), Content: caPEM, Mode: ModeCertificate},
		{Name: ClientCertFileName, Path: c.filePath(ClientCertFileName), Content: certPEM, Mode: ModeCertificate},
		{Name: ClientKeyFileName, Path: c.filePath(ClientKeyFileName), Content: keyPEM, Mode: ModePrivateKey, Sensitive: true},
	}
}

var unsafeContextChars = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// Context returns the docker context's name.
func (c Client) Context() string {
	if c.ContextName != "" {
		return c.ContextName
	}
	name := strings.Trim(unsafeContextChars.ReplaceAllString(c.Host.Hostname, "-"), "-.")
	if name == "" {
		return "dockertls"
	}
	return name
}

// ContextCommand returns the `docker context create` command line for the
// files. The CLI copies the files into its context store when the context
// is created, so after a renewal the context needs `docker context update`
// with the same --docker argument.
func (c Client) ContextCommand() string {
	docker := "host=" + c.Host.Raw +
		",ca=" + c.filePath(ClientCAFileName) +
		",cert=" + c.filePath(ClientCertFileName) +
		",key=" + c.filePath(ClientKeyFileName)
	return "docker context create " + shellQuote(c.Context()) + " --docker " + singleQuote(docker)
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
