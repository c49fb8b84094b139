package dockerconf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
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
	Material ServerMaterial
	// SocketActivation has systemd's docker.socket hold the sockets
	// (PlatformLinux only): daemon.json has no hosts, and the drop-in is
	// docker.socket's (see socket.go).
	SocketActivation bool

	// What Check needs beyond what is rendered:

	// AllowUnverified accepts !TLSVerify with a tcp:// host (with a
	// warning), which Check otherwise refuses.
	AllowUnverified bool
	// LiveRestoreSet is live-restore as the caller set it, nil when it
	// did not (LiveRestore is then the platform's default): Check judges
	// it against the platform and against Settings.
	LiveRestoreSet *bool
	// Now is when the material is judged; zero means the current time.
	Now time.Time
	// Pending are the inputs not known yet: Check skips what needs them.
	Pending Pending
}

// The inputs of a daemon, as Problems name them (with serverTLSFields).
const (
	FieldHosts            Field = "hosts"
	FieldSettings         Field = "settings_json"
	FieldLiveRestore      Field = "live_restore"
	FieldRootlessUser     Field = "rootless_user"
	FieldRootlessUID      Field = "rootless_user.uid"
	FieldRootlessHome     Field = "rootless_user.home"
	FieldDaemonJSONPath   Field = "daemon_json_path"
	FieldDockerdPath      Field = "dockerd_path"
	FieldSocketActivation Field = "socket_activation"
	FieldPlatform         Field = "platform"
)

// DaemonFields are every input a Daemon's problems name.
var DaemonFields = append([]Field{FieldHosts, FieldSettings, FieldLiveRestore, FieldRootlessUser, FieldRootlessUID, FieldRootlessHome,
	FieldDaemonJSONPath, FieldDockerdPath, FieldSocketActivation, FieldPlatform}, serverTLSFields...)

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

// tls is d's TLS as the server pipeline takes it. dockerd always reads
// its tlscacert, so the client trust is always written and judged.
func (d Daemon) tls() serverTLS {
	s := serverTLS{caPath: d.CACertPath, certPath: d.CertPath, keyPath: d.KeyPath, material: d.Material, verify: true, ownCAs: true, now: d.Now, pending: d.Pending}
	if d.SocketActivation {
		s.reserved = []File{{Name: "the applied docker.socket drop-in", Path: socketApplied}}
	}
	return s
}

// paths are d's path inputs that are set, by field.
func (d Daemon) paths() map[Field]string {
	out := map[Field]string{}
	for f, v := range map[Field]string{
		FieldTLSDir: d.TLSDir, FieldCACertPath: d.CACertPath, FieldCertPath: d.CertPath, FieldKeyPath: d.KeyPath,
		FieldDaemonJSONPath: d.JSONPath, FieldDockerdPath: d.DockerdPath,
	} {
		if v != "" && !d.Pending[f] {
			out[f] = v
		}
	}
	return out
}

// hostErrors are what dockerd or systemd refuse in d.Hosts: a host that
// does not parse, one the platform cannot listen on, two that are one
// listener. The provider reports them at plan time, with warnings; Render
// refuses to render them all the same.
func (d Daemon) hostErrors() []Problem {
	var out []Problem
	for i, s := range d.Hosts {
		if _, err := ParseHost(s); err != nil {
			out = append(out, Problem{Field: FieldHosts, Index: i, HasIndex: true, Summary: "Invalid Docker host", Detail: err.Error()})
		}
	}
	for i, err := range sortedErrors(CheckListeners(d.Hosts)) {
		out = append(out, Problem{Field: FieldHosts, Index: i, HasIndex: true, Summary: "Overlapping listeners", Detail: err.Error()})
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
	problems := d.Check()
	if hasError(problems) {
		return Rendered{}, problems
	}
	r, more := d.WithDefaults().render()
	return r, append(problems, more...)
}

// render renders d, which has its defaults and has passed Check.
func (d Daemon) render() (Rendered, []Problem) {
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
	problems := d.Platform.CheckPaths(d.paths(), d.User)
	problems = append(problems, d.hostErrors()...)
	for _, err := range CheckConflicts(cfg, d.Platform) {
		problems = append(problems, Problem{Field: FieldSettings, Summary: "dockerd would refuse this daemon.json", Detail: "settings_json: " + err.Error()})
	}
	if d.SocketActivation {
		// What systemd would refuse in the socket drop-in, which leaves out
		// a line it cannot write.
		problems = append(problems, d.Platform.CheckSocketActivation(d.Hosts, map[Field]string{FieldDaemonJSONPath: d.JSONPath})...)
	}
	if len(problems) > 0 {
		return Rendered{}, problems
	}
	if d.Hardened() {
		for _, turnedOff := range OverriddenBaseline(d.Settings, d.Platform) {
			problems = append(problems, Problem{Field: FieldSettings, Warning: true, Summary: "settings_json turns off a hardening recommendation",
				Detail: fmt.Sprintf("settings_json overrides the baseline's setting for %s of the %s. The findings show it as not passed; "+
					"remove the key from settings_json to restore the baseline.", turnedOff, BenchmarkVersion)})
		}
	}
	r := Rendered{JSON: jsonText, Findings: Findings(cfg, d.Platform), RestartCommand: d.RestartCommand()}
	r.Files = []File{{Name: DaemonJSONName, Path: d.JSONPath, Content: jsonText, Mode: ModeConfig}}
	if dropin, ok := d.Dropin(); ok {
		r.Dropin, r.DropinPath = dropin, d.spec().layout(d.User).DropinPath
		r.Files = append(r.Files, File{Name: SystemdDropinFile, Path: r.DropinPath, Content: dropin, Mode: ModeConfig})
	}
	tls := d.tls()
	r.Files = d.Platform.Files(append(r.Files, tls.files()...))
	trigger, layout := tls.finish(r.Files, tls.tlsPathsStamp())
	if len(layout) > 0 {
		return Rendered{}, append(problems, layout...)
	}
	r.RestartTrigger = trigger
	r.CloudConfig = CloudConfig(r.Files, d.Platform, d.User)
	r.Ignition = IgnitionConfig(r.Files, d.Platform)
	return r, problems
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
	if !d.spec().socketHosts {
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
	if render := d.spec().dropin; render != nil {
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
	return d.spec().restartCommand(d)
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
