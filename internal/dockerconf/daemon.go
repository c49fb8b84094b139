package dockerconf

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
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
	// DefaultDockerdPath is a bare program name, which systemd 239 and
	// later look up in their fixed search path (systemd.service(5),
	// "Command lines"): Docker's packages install /usr/bin/dockerd,
	// Debian's and Ubuntu's docker.io /usr/sbin/dockerd, and one default
	// must start both.
	DefaultDockerdPath = "dockerd"
	SystemdDropinDir   = "/etc/systemd/system/docker.service.d"
	SystemdDropinName  = "dockertls.conf"
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

// Daemon describes dockerd's TLS listening configuration on a host. Render
// turns it into the files to write there. A zero path, Hosts or
// DockerdPath means the platform's default (Platform.Layout).
type Daemon struct {
	// Hosts are where dockerd listens; nil means the platform's default.
	Hosts []string
	// TLSVerify requires and verifies client certificates. Without it any
	// client that can reach a tcp:// socket is root on the host.
	TLSVerify bool
	// TLSDir holds the TLS files under their default names.
	TLSDir string
	// CACertPath, CertPath and KeyPath are where dockerd reads its TLS
	// files, by default in TLSDir. dockerd fills in no defaults for TLS set
	// in daemon.json, so all three are always written.
	CACertPath, CertPath, KeyPath string
	// LiveRestore keeps containers running while dockerd is down
	// ("live-restore"), so that the restart a renewed certificate needs
	// stops none of them. dockerd refuses it in swarm mode.
	LiveRestore bool
	// Hardening chooses the section 2 settings written under Settings; the
	// empty level writes none, as HardeningNone.
	Hardening HardeningLevel
	// Settings are further daemon.json settings, merged in. They win over
	// the baseline, and a "live-restore" among them over LiveRestore.
	Settings map[string]any
	// DockerdPath is the program the engine's service starts.
	DockerdPath string
	// JSONPath is where daemon.json goes.
	JSONPath string
	// Platform is the engine's platform; empty means PlatformLinux.
	Platform Platform
	// User runs a rootless engine.
	User RootlessUser
	// Material is the TLS files' content; what is empty is not written
	// (something else delivers it).
	Material DaemonMaterial
	// SocketActivation has systemd's docker.socket hold the sockets
	// (PlatformLinux only): daemon.json has no hosts, and the drop-in is
	// docker.socket's (see socket.go).
	SocketActivation bool
}

// DaemonMaterial is what a daemon's TLS files hold, as PEM.
type DaemonMaterial struct {
	// CACertPEM are the CAs of the server certificate (one, or a bundle
	// while a new CA is rolled out).
	CACertPEM string
	// ClientCACertPEM are the issuers whose clients dockerd admits, when
	// they are not CACertPEM: dockerd uses tlscacert for nothing else.
	ClientCACertPEM string
	CertPEM, KeyPEM string
}

// ClientTrust returns the bundle that becomes dockerd's tlscacert, and the
// name of the data source's argument it comes from.
func (m DaemonMaterial) ClientTrust() (pem, argument string) {
	if m.ClientCACertPEM != "" {
		return m.ClientCACertPEM, "client_ca_cert_pem"
	}
	return m.CACertPEM, "ca_cert_pem"
}

// Hardened reports whether d writes the baseline.
func (d Daemon) Hardened() bool { return d.Hardening == HardeningBaseline }

// WithDefaults returns d with every empty path, Hosts and DockerdPath set
// to the platform's default.
func (d Daemon) WithDefaults() Daemon {
	l := d.Platform.Layout(d.User)
	or := func(v *string, def string) {
		if *v == "" {
			*v = def
		}
	}
	if d.Hosts == nil {
		d.Hosts = l.Hosts
	}
	or(&d.TLSDir, l.TLSDir)
	or(&d.CACertPath, d.Platform.JoinPath(d.TLSDir, CAFileName))
	or(&d.CertPath, d.Platform.JoinPath(d.TLSDir, ServerCertFileName))
	or(&d.KeyPath, d.Platform.JoinPath(d.TLSDir, ServerKeyFileName))
	or(&d.DockerdPath, l.DockerdPath)
	or(&d.JSONPath, l.DaemonJSONPath)
	return d
}

// hostErrors are what dockerd or systemd refuse in d.Hosts: a host that
// does not parse, one the platform cannot listen on, two that are one
// listener. The provider reports them at plan time, with warnings; Render
// refuses to render them all the same.
func (d Daemon) hostErrors() []Problem {
	var out []Problem
	for i, s := range d.Hosts {
		if _, err := ParseHost(s); err != nil {
			out = append(out, Problem{Argument: "hosts", Index: i, HasIndex: true, Summary: "Invalid Docker host", Detail: err.Error()})
		}
	}
	for i, err := range sortedErrors(CheckListeners(d.Hosts)) {
		out = append(out, Problem{Argument: "hosts", Index: i, HasIndex: true, Summary: "Overlapping listeners", Detail: err.Error()})
	}
	for _, p := range d.Platform.CheckHosts(d.Hosts, d.User) {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// Rendered is a daemon configuration as the files to write on its host.
type Rendered struct {
	// JSON is daemon.json (Daemon.JSON).
	JSON string
	// Dropin and DropinPath are the systemd drop-in and where it goes;
	// both empty where the platform has no systemd.
	Dropin, DropinPath string
	// Files are daemon.json, the drop-in and the TLS files whose content
	// was given, as the platform writes them.
	Files []File
	// RestartTrigger digests everything dockerd reads only at start-up.
	RestartTrigger string
	// RestartCommand makes the engine read the files.
	RestartCommand string
	// Findings judge daemon.json against section 2 of the benchmark.
	Findings []Finding
	// CloudConfig delivers Files with cloud-init; empty where it does not
	// run.
	CloudConfig string
	// Ignition delivers Files with Ignition; empty where it does not run.
	Ignition string
}

// Render fills in d's defaults and renders its files. Settings are taken
// as they are: Platform.CheckSettings judges their keys. The problems are
// what dockerd would refuse in the result (errors: Rendered is then empty)
// and the baseline recommendations settings turn off (warnings).
func (d Daemon) Render() (Rendered, []Problem) {
	d = d.WithDefaults()
	jsonText, err := d.JSON()
	if err != nil {
		return Rendered{}, []Problem{{Summary: "Could not render daemon.json", Detail: err.Error()}}
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(jsonText), &cfg); err != nil {
		return Rendered{}, []Problem{{Summary: "Could not read daemon.json back", Detail: err.Error()}}
	}
	// Every path as the host will read it (the provider checks those given
	// at plan time; here the defaults and derived paths are judged too).
	problems := d.Platform.CheckPaths(map[string]string{
		"tls_dir": d.TLSDir, "ca_cert_path": d.CACertPath, "cert_path": d.CertPath, "key_path": d.KeyPath,
		"daemon_json_path": d.JSONPath, "dockerd_path": d.DockerdPath,
	}, d.User)
	problems = append(problems, d.hostErrors()...)
	for _, err := range CheckConflicts(cfg, d.Platform) {
		problems = append(problems, Problem{Argument: "settings_json", Summary: "dockerd would refuse this daemon.json", Detail: "settings_json: " + err.Error()})
	}
	if d.SocketActivation {
		// What systemd would refuse in the socket drop-in, which leaves out
		// a line it cannot write.
		problems = append(problems, d.Platform.CheckSocketActivation(d.Hosts, map[string]string{"daemon_json_path": d.JSONPath})...)
	}
	if len(problems) > 0 {
		return Rendered{}, problems
	}
	if d.Hardened() {
		for _, turnedOff := range OverriddenBaseline(d.Settings, d.Platform) {
			problems = append(problems, Problem{Argument: "settings_json", Warning: true, Summary: "settings_json turns off a hardening recommendation",
				Detail: fmt.Sprintf("settings_json overrides the baseline's setting for %s of the %s. The findings show it as not passed; "+
					"remove the key from settings_json to restore the baseline.", turnedOff, BenchmarkVersion)})
		}
	}
	r := Rendered{JSON: jsonText, Findings: Findings(cfg, d.Platform), RestartCommand: d.RestartCommand()}
	r.Files = []File{{Name: DaemonJSONName, Path: d.JSONPath, Content: jsonText, Mode: ModeConfig}}
	if dropin, ok := d.Dropin(); ok {
		r.Dropin, r.DropinPath = dropin, d.Platform.Layout(d.User).DropinPath
		if d.SocketActivation {
			r.DropinPath = SocketDropinPath()
		}
		r.Files = append(r.Files, File{Name: SystemdDropinFile, Path: r.DropinPath, Content: dropin, Mode: ModeConfig})
	}
	trust, _ := d.Material.ClientTrust()
	for _, f := range []File{
		{Name: CAFileName, Path: d.CACertPath, Content: trust, Mode: ModeCertificate},
		{Name: ServerCertFileName, Path: d.CertPath, Content: d.Material.CertPEM, Mode: ModeCertificate},
		{Name: ServerKeyFileName, Path: d.KeyPath, Content: d.Material.KeyPEM, Mode: ModePrivateKey, Sensitive: true},
	} {
		if f.Content != "" {
			r.Files = append(r.Files, f)
		}
	}
	r.Files = d.Platform.Files(r.Files)
	if problem, bad := layoutProblem(r.Files, d.CACertPath, d.CertPath, d.KeyPath); bad {
		return Rendered{}, append(problems, problem)
	}
	// The trigger covers the TLS paths even when the PEMs are written by
	// something else: a moved file needs a restart too.
	r.RestartTrigger = RestartTrigger(append(slices.Clone(r.Files), File{Name: "tls paths", Content: d.CACertPath + "\x00" + d.CertPath + "\x00" + d.KeyPath}))
	r.CloudConfig = CloudConfig(r.Files, d.Platform, d.User)
	r.Ignition = IgnitionConfig(r.Files, d.Platform)
	return r, problems
}

// nested is the error of a file whose path is the directory of another.
func nested(file, inside File) error {
	return fmt.Errorf("%s is the path of %s and also the directory of %s (%s): a path cannot be both a file and a directory; give %s "+
		"distinct places (tls_dir sets the directory of the TLS files)", file.Path, file.Name, inside.Name, inside.Path, argumentsOf(file, inside))
}

// argumentsOf names the arguments that set the files' paths.
func argumentsOf(files ...File) string {
	var names []string
	for _, f := range files {
		if a := fileArguments[f.Name]; a != "" && !slices.Contains(names, a) {
			names = append(names, a)
		}
	}
	if len(names) == 0 {
		return "their paths"
	}
	return strings.Join(names, " and ")
}

// layoutProblem is checkFileLayout's error as a Problem, for files and
// the TLS paths the configuration names (ca, cert, key), which must not
// collide with them even when something else writes the TLS files.
func layoutProblem(files []File, caPath, certPath, keyPath string) (Problem, bool) {
	all := slices.Clone(files)
	for _, f := range []File{{Name: CAFileName, Path: caPath}, {Name: ServerCertFileName, Path: certPath}, {Name: ServerKeyFileName, Path: keyPath}} {
		if !slices.ContainsFunc(files, func(g File) bool { return g.Name == f.Name }) {
			all = append(all, f)
		}
	}
	arg, err := checkFileLayout(all)
	if err != nil {
		return Problem{Argument: arg, Summary: "Files in each other's place", Detail: err.Error()}, true
	}
	return Problem{}, false
}

// fileArguments name the argument that sets each file's path, by the
// file's Name, for the messages of checkFileLayout.
var fileArguments = map[string]string{
	CAFileName: "ca_cert_path", ServerCertFileName: "cert_path", ServerKeyFileName: "key_path",
	DaemonJSONName: "daemon_json_path", BuildkitdTOMLName: "config_path", RegistryConfigName: "config_path",
}

// checkFileLayout returns an error, and the argument to change, when two
// files would be written to one path (compared cleaned, and without case
// where the platform ignores it: C:\ and c:\ are one file), or when a
// file's path is the directory of another (a tls_dir that is another
// file's path): cloud-init would write one over the other, or stop half
// way, and Ignition refuses the config.
func checkFileLayout(files []File) (string, error) {
	clean := func(p string) string {
		if looksWindows(p) {
			return strings.ToLower(strings.TrimRight(strings.ReplaceAll(p, "/", `\`), `\`))
		}
		return path.Clean(p)
	}
	for i, f := range files {
		for _, g := range files[:i] {
			a, b := clean(f.Path), clean(g.Path)
			switch {
			case a == b:
				return fileArguments[f.Name], fmt.Errorf("%s and %s would both be written to %s: give %s distinct values",
					g.Name, f.Name, f.Path, argumentsOf(g, f))
			case strings.HasPrefix(a, b+"/") || strings.HasPrefix(a, b+`\`):
				return fileArguments[g.Name], nested(g, f)
			case strings.HasPrefix(b, a+"/") || strings.HasPrefix(b, a+`\`):
				return fileArguments[f.Name], nested(f, g)
			}
		}
	}
	return "", nil
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
	if d.Hardened() {
		for k, v := range BaselineSettings(d.Platform) {
			m[k] = v
		}
	}
	if d.Platform.LiveRestoreSupport() != LiveRestoreUnknownKey {
		m[LiveRestoreKey] = d.LiveRestore
	}
	for k, v := range d.Settings {
		m[k] = v
	}
	if !d.SocketActivation {
		hosts := d.listenHosts()
		if hosts == nil {
			hosts = []string{}
		}
		m["hosts"] = hosts
	}
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
	if d.JSONPath == "" || d.Platform.spec().paths.same(d.JSONPath, d.Platform.Layout(d.User).DaemonJSONPath) {
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

// listenHosts is daemon.json's hosts: Hosts as written, except where the
// platform listens elsewhere for a tcp:// host (a rootless dockerd on every
// address of its namespace), without duplicates.
func (d Daemon) listenHosts() []string {
	listen := d.Platform.spec().listen
	if listen == nil {
		return d.Hosts
	}
	out := make([]string, 0, len(d.Hosts))
	seen := map[string]bool{}
	for _, s := range d.Hosts {
		if h, err := ParseHost(s); err == nil && h.Scheme == SchemeTCP {
			s = listen(h)
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// RootlessKitFlags are the -p flags that publish each TCP host on the host:
// "-p ADDRESS:PORT:PORT/tcp", as Docker's rootless documentation writes
// them, in the order of Hosts.
func (d Daemon) RootlessKitFlags() string {
	var flags []string
	for _, s := range d.Hosts {
		if h, err := ParseHost(s); err == nil && h.Scheme == SchemeTCP {
			flags = append(flags, "-p "+h.Address()+":"+strconv.Itoa(h.Port)+"/tcp")
		}
	}
	return strings.Join(flags, " ")
}

// Dropin returns the systemd drop-in for the platform's docker.service, or
// false where the platform has no systemd (Windows).
func (d Daemon) Dropin() (string, bool) {
	if d.SocketActivation {
		return d.socketDropin(), true
	}
	if render := d.Platform.spec().dropin; render != nil {
		return render(d), true
	}
	return "", false
}

// rootlessDropin extends the user unit that dockerd-rootless-setuptool.sh
// writes. Its ExecStart (dockerd-rootless.sh, no -H) stays unless
// daemon.json is elsewhere than $XDG_CONFIG_HOME/docker/daemon.json.
func (d Daemon) rootlessDropin() string {
	var b strings.Builder
	b.WriteString("# Written by Terraform (dockertls_daemon_config).\n" +
		"# For the rootless engine's user unit, ~/.config/systemd/user/docker.service\n" +
		"# (dockerd-rootless-setuptool.sh install writes it). dockerd runs inside\n" +
		"# RootlessKit's network namespace, so RootlessKit publishes its TCP port on\n" +
		"# the host: dockerd-rootless.sh passes " + RootlessKitFlagsVar + " to it.\n" +
		"# Apply as the user with: systemctl --user daemon-reload && systemctl --user restart docker\n" +
		"[Service]\n")
	if flags := d.RootlessKitFlags(); flags != "" {
		b.WriteString("Environment=\"" + RootlessKitFlagsVar + "=" + flags + "\"\n")
	}
	if flag := d.configFileFlag(); flag != "" {
		b.WriteString("ExecStart=\nExecStart=" + d.DockerdPath + flag + "\n")
	}
	return b.String()
}

// RestartCommand is what restarts the engine so that it reads what was
// written: a shell command line on Linux (run as the user for rootless) and
// PowerShell on Windows.
func (d Daemon) RestartCommand() string {
	if d.SocketActivation {
		return d.socketRestartCommand()
	}
	return d.Platform.spec().restartCommand(d)
}

// windowsRestartCommand restarts the docker service; with daemon.json
// elsewhere than its default, it registers the service again with
// --config-file, since the service keeps the arguments it was registered
// with (moby: daemon/command/service_windows.go, registerService).
func windowsRestartCommand(d Daemon) string {
	if d.configFileFlag() == "" {
		return "Restart-Service " + WindowsServiceName
	}
	exe := "& " + powerShellQuote(d.DockerdPath)
	return "Stop-Service " + WindowsServiceName + "\n" +
		exe + " --unregister-service\n" +
		exe + " --register-service --config-file " + powerShellQuote(d.JSONPath) + "\n" +
		"Start-Service " + WindowsServiceName
}

// powerShellQuote quotes s as a PowerShell verbatim string.
func powerShellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
