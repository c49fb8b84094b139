package dockerconf

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
)

// OwnedKeys are the daemon.json keys that DaemonConfig writes itself; extra
// settings may not set them.
var OwnedKeys = []string{"hosts", "tls", "tlscacert", "tlscert", "tlskey", "tlsverify"}

// LiveRestoreKey is daemon.json's live-restore setting.
const LiveRestoreKey = "live-restore"

// Default file names inside the TLS directory.
const (
	DefaultTLSDir         = "/etc/docker/tls"
	CAFileName            = "ca.pem"
	ServerCertFileName    = "server-cert.pem"
	ServerKeyFileName     = "server-key.pem"
	DefaultDaemonJSONPath = "/etc/docker/daemon.json"
	DefaultDockerdPath    = "/usr/bin/dockerd"
	SystemdDropinDir      = "/etc/systemd/system/docker.service.d"
	SystemdDropinName     = "dockertls.conf"
	// DaemonJSONName and SystemdDropinFile name those files in a File list.
	DaemonJSONName      = "daemon.json"
	SystemdDropinFile   = "systemd_dropin"
	ClientCAFileName    = "ca.pem"
	ClientCertFileName  = "cert.pem"
	ClientKeyFileName   = "key.pem"
	defaultDaemonSocket = "unix://" + DefaultUnixSocket
)

// DefaultHosts are where dockerd listens by default: the local socket and
// TLS on every interface.
var DefaultHosts = []string{defaultDaemonSocket, "tcp://0.0.0.0:2376"}

// File modes, as the Docker documentation's recipe sets them.
const (
	ModeCertificate = "0444"
	ModePrivateKey  = "0400"
	ModeConfig      = "0644"
)

// Daemon describes dockerd's TLS listening configuration.
type Daemon struct {
	Hosts []string
	// TLSVerify requires and verifies client certificates. Without it any
	// client that can reach a tcp:// socket is root on the host.
	TLSVerify bool
	// CACertPath, CertPath and KeyPath are where dockerd reads its TLS
	// files. dockerd fills in no defaults for TLS set in daemon.json, so all
	// three are always written.
	CACertPath, CertPath, KeyPath string
	// LiveRestore keeps containers running while dockerd is down
	// ("live-restore"), so that the restart a renewed certificate needs
	// stops none of them. dockerd refuses it in swarm mode.
	LiveRestore bool
	// Hardened writes BaselineSettings under Settings.
	Hardened bool
	// Settings are further daemon.json settings, merged in. They win over
	// the baseline, and a "live-restore" among them over LiveRestore.
	Settings map[string]any
	// DockerdPath is the dockerd binary the systemd drop-in starts.
	DockerdPath string
	// JSONPath is where daemon.json goes.
	JSONPath string
	// Platform is the engine's platform; empty means PlatformLinux.
	Platform Platform
	// User runs a rootless engine.
	User RootlessUser
}

// ParseSettings parses extra daemon.json settings. They must form a JSON
// object that sets none of OwnedKeys. Numbers keep their text.
func ParseSettings(s string) (map[string]any, error) {
	if strings.TrimSpace(s) == "" {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("settings_json is not valid JSON: %w; write a JSON object such as jsonencode({\"log-driver\" = \"journald\"})", err)
	}
	if dec.More() {
		return nil, errors.New("settings_json has more than one JSON value: write a single JSON object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("settings_json is a JSON %s, not an object: write a JSON object such as {\"log-driver\": \"journald\"}", jsonKind(v))
	}
	if err := checkNumbers(obj); err != nil {
		return nil, err
	}
	var owned []string
	for _, k := range OwnedKeys {
		if _, ok := obj[k]; ok {
			owned = append(owned, k)
		}
	}
	if len(owned) > 0 {
		return nil, fmt.Errorf("settings_json sets %s, which this data source writes itself from its own arguments (hosts, tls_verify, tls_dir and the path overrides): remove %s from settings_json",
			strings.Join(owned, ", "), pluralIt(len(owned)))
	}
	return obj, nil
}

// checkNumbers refuses numbers that do not fit a float64: dockerd decodes
// daemon.json into float64 values and would fail to start on them.
func checkNumbers(v any) error {
	switch v := v.(type) {
	case json.Number:
		if _, err := strconv.ParseFloat(string(v), 64); err != nil {
			return fmt.Errorf("settings_json has the number %s, which dockerd cannot read: use a number within the range of a 64-bit float", v)
		}
	case map[string]any:
		for _, e := range v {
			if err := checkNumbers(e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range v {
			if err := checkNumbers(e); err != nil {
				return err
			}
		}
	}
	return nil
}

func pluralIt(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "value"
}

// JSON renders daemon.json: keys sorted, two-space indent, a trailing
// newline, byte-identical for identical inputs.
func (d Daemon) JSON() (string, error) {
	m := make(map[string]any, len(d.Settings)+len(OwnedKeys)+8)
	if d.Hardened {
		for k, v := range BaselineSettings(d.Platform) {
			m[k] = v
		}
	}
	// dockerd on Windows has no live-restore and refuses the key.
	if d.Platform != PlatformWindows {
		m[LiveRestoreKey] = d.LiveRestore
	}
	for k, v := range d.Settings {
		m[k] = v
	}
	hosts := d.listenHosts()
	if hosts == nil {
		hosts = []string{}
	}
	m["hosts"] = hosts
	m["tls"] = true
	m["tlsverify"] = d.TLSVerify
	m["tlscacert"] = d.CACertPath
	m["tlscert"] = d.CertPath
	m["tlskey"] = d.KeyPath
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	// encoding/json writes map keys in sorted order, nested maps included.
	if err := enc.Encode(m); err != nil {
		return "", fmt.Errorf("encoding daemon.json: %w", err)
	}
	return buf.String(), nil
}

// SystemdDropin returns the drop-in that resets the packaged unit's
// ExecStart. The packaged docker.service starts dockerd with -H fd://, and
// dockerd refuses to start when hosts is set both by a flag and in
// daemon.json ("the following directives are specified both as a flag and
// in the configuration file: hosts").
func (d Daemon) SystemdDropin() string {
	return "# Written by Terraform (dockertls_daemon_config).\n" +
		"# The packaged docker.service starts dockerd with -H fd://, which clashes with\n" +
		"# \"hosts\" in daemon.json. The empty ExecStart= clears that command line\n" +
		"# so that daemon.json alone decides where dockerd listens.\n" +
		"# Apply with: systemctl daemon-reload && systemctl restart docker\n" +
		"[Service]\n" +
		"ExecStart=\n" +
		"ExecStart=" + d.DockerdPath + d.configFileFlag() + "\n"
}

// configFileFlag points dockerd at daemon.json when it is not in the
// default place.
func (d Daemon) configFileFlag() string {
	def := d.Platform.Layout(d.User).DaemonJSONPath
	if d.JSONPath == "" || d.JSONPath == def || (d.Platform == PlatformWindows && strings.EqualFold(d.JSONPath, def)) {
		return ""
	}
	return " --config-file " + d.JSONPath
}

// SystemdDropinPath is where SystemdDropin belongs.
func SystemdDropinPath() string { return path.Join(SystemdDropinDir, SystemdDropinName) }

// File is one file to write on a host or a client.
type File struct {
	// Name is a fixed name for the file ("daemon.json", "ca.pem", ...),
	// known before any content is: a configuration can iterate over names
	// on the first apply, when the contents are not yet known.
	Name    string
	Path    string
	Content string
	Mode    string
	// Sensitive marks private keys.
	Sensitive bool
}

// RestartTrigger digests what dockerd reads only at start-up: daemon.json,
// the drop-in, and the TLS files (or, when their contents are not given,
// their paths). dockerd never reloads TLS files or hosts on SIGHUP, so a
// change in any of them needs a restart.
func RestartTrigger(files []File) string {
	sorted := append([]File(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	h := sha256.New()
	for _, f := range sorted {
		_, _ = fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00", f.Name, f.Path, f.Mode, len(f.Content))
		h.Write([]byte(f.Content))
	}
	return hex.EncodeToString(h.Sum(nil))
}
