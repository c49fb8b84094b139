package dockerconf

import (
	"encoding/json"
	"fmt"
	"net"
	"reflect"
	"slices"
	"strings"
)

// BenchmarkVersion is the benchmark whose section 2 ("Docker daemon
// configuration") the hardening baseline and the findings follow.
const BenchmarkVersion = "CIS Docker Benchmark v1.6.0"

// FindingStatus is how a daemon.json meets one recommendation.
type FindingStatus string

const (
	StatusPass FindingStatus = "pass"
	StatusFail FindingStatus = "fail"
	// StatusManual is a recommendation daemon.json cannot decide, or one
	// that is the host owner's to decide.
	StatusManual FindingStatus = "manual"
)

// FindingStatuses are every FindingStatus, for documentation.
var FindingStatuses = []FindingStatus{StatusPass, StatusFail, StatusManual}

// HardeningLevel is how much of section 2 the rendering writes itself.
type HardeningLevel string

const (
	// HardeningBaseline writes BaselineSettings under the user's settings.
	HardeningBaseline HardeningLevel = "baseline"
	// HardeningNone writes no recommendation's setting.
	HardeningNone HardeningLevel = "none"
)

// HardeningLevels are every HardeningLevel, the default first.
var HardeningLevels = []HardeningLevel{HardeningBaseline, HardeningNone}

// Finding is the state of one recommendation in a daemon.json.
type Finding struct {
	ID, Title string
	Status    FindingStatus
	// Detail says what to set, in one sentence; empty on a pass.
	Detail string
}

// judgement decides a recommendation from daemon.json's value for its key
// (set is whether the key is there) and the whole decoded daemon.json.
type judgement func(v any, set bool, cfg map[string]any) (FindingStatus, string)

// recommendation is one of section 2's recommendations: the daemon.json
// key that decides it, what the baseline writes (nil for nothing), and how
// a daemon.json is judged.
type recommendation struct {
	id, title, key string
	baseline       any
	judge          judgement
	// rootless judges an engine in a user namespace (platformSpec's
	// userNamespaced) where it differs, and writes no baseline there.
	rootless judgement
}

// The baseline's log rotation: json-file, at most three files of 10 MB.
var baselineLogOpts = map[string]any{"max-size": "10m", "max-file": "3"}

// remoteLogDrivers ship logs off the host (2.13). journald and etwlogs
// keep them on it, and syslog does unless its syslog-address is a
// network one (remoteSyslog).
var remoteLogDrivers = []string{"gelf", "fluentd", "awslogs", "splunk", "gcplogs", "logentries"}

// remoteSyslog reports whether log-opts send syslog to the network.
func remoteSyslog(cfg map[string]any) bool {
	opts, _ := cfg["log-opts"].(map[string]any)
	addr, _ := opts["syslog-address"].(string)
	for _, scheme := range []string{"tcp://", "udp://", "tcp+tls://"} {
		if rest, ok := strings.CutPrefix(addr, scheme); ok {
			host, _, err := net.SplitHostPort(rest)
			if err != nil {
				host = rest
			}
			ip := net.ParseIP(host)
			return !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback())
		}
	}
	return false
}

// confirm is the finding of a setting the benchmark asks to confirm:
// what is set is named, and the advice is for when it is not.
func confirm(key, unset string) judgement {
	return func(v any, set bool, _ map[string]any) (FindingStatus, string) {
		if set {
			b, _ := json.Marshal(v)
			return StatusManual, fmt.Sprintf("%q is set to %s: confirm that it suits the host's containers", key, b)
		}
		return StatusManual, unset
	}
}

func is(v any, want any) bool { return reflect.DeepEqual(v, want) }

// recommendations is section 2, in order. The baseline sets what suits
// every ordinary host and leaves what breaks some (user namespaces, an
// authorization plugin) as findings to decide on.
var recommendations = []recommendation{
	{id: "2.1", title: "Run the Docker daemon as a non-root user, if possible", judge: manual(`daemon.json cannot say how dockerd runs: a rootless dockerd (platform = "rootless") is the way, where its limits suit the host`),
		rootless: pass},
	{id: "2.2", title: "Ensure network traffic is restricted between containers on the default bridge", key: "icc", baseline: false,
		judge: want(false, `set "icc": false (it needs iptables); containers that must talk share a user-defined network`)},
	{id: "2.3", title: "Ensure the logging level is set to 'info'", key: "log-level",
		judge: func(v any, set bool, _ map[string]any) (FindingStatus, string) {
			if !set || is(v, "info") {
				return StatusPass, ""
			}
			return StatusFail, `remove "log-level" or set it to "info": debug logging can leak secrets and fill disks`
		}},
	{id: "2.4", title: "Ensure Docker is allowed to make changes to iptables", key: "iptables",
		judge: func(v any, set bool, _ map[string]any) (FindingStatus, string) {
			if !set || is(v, true) {
				return StatusPass, ""
			}
			return StatusFail, `remove "iptables": false, so that dockerd keeps the host's firewall rules in step with its containers`
		}},
	{id: "2.5", title: "Ensure insecure registries are not used", key: "insecure-registries",
		judge: func(v any, set bool, _ map[string]any) (FindingStatus, string) {
			if l, ok := v.([]any); !set || (ok && len(l) == 0) {
				return StatusPass, ""
			}
			return StatusFail, `remove "insecure-registries": give each registry a certificate its clients trust`
		}},
	{id: "2.6", title: "Ensure aufs storage driver is not used", key: "storage-driver",
		judge: func(v any, _ bool, _ map[string]any) (FindingStatus, string) {
			if is(v, "aufs") {
				return StatusFail, `remove "storage-driver": "aufs"; overlay2 is the default and supported one`
			}
			return StatusPass, ""
		}},
	{id: "2.7", title: "Ensure TLS authentication for Docker daemon is configured", key: "tlsverify",
		judge: want(true, "set tls_verify = true: without it any client that reaches the TCP port controls dockerd")},
	{id: "2.8", title: "Ensure the default ulimit is configured appropriately", key: "default-ulimits",
		judge: confirm("default-ulimits", `set "default-ulimits" if the host's defaults do not suit its containers`)},
	{id: "2.9", title: "Enable user namespace support", key: "userns-remap",
		judge: func(_ any, set bool, _ map[string]any) (FindingStatus, string) {
			if set {
				return StatusPass, ""
			}
			return StatusManual, `decide on "userns-remap": "default" (it maps container root to an unprivileged user, but breaks bind mounts owned by root and --privileged containers)`
		}},
	{id: "2.10", title: "Ensure the default cgroup usage has been confirmed", key: "cgroup-parent",
		judge: confirm("cgroup-parent", `confirm that the default cgroup suits the host, or set "cgroup-parent"`)},
	{id: "2.11", title: "Ensure base device size is not changed until needed", key: "storage-opts",
		judge: func(v any, _ bool, _ map[string]any) (FindingStatus, string) {
			if strings.Contains(fmt.Sprint(v), "dm.basesize") {
				return StatusManual, `"storage-opts" sets dm.basesize: keep it only if containers need larger root filesystems`
			}
			return StatusPass, ""
		}},
	{id: "2.12", title: "Ensure that authorization for Docker client commands is enabled", key: "authorization-plugins",
		judge: func(v any, set bool, _ map[string]any) (FindingStatus, string) {
			if l, ok := v.([]any); set && ok && len(l) > 0 {
				return StatusPass, ""
			}
			return StatusManual, `decide on "authorization-plugins": without one, every client certificate grants the whole API`
		}},
	{id: "2.13", title: "Ensure centralized and remote logging is configured", key: "log-driver", baseline: "json-file",
		judge: func(v any, _ bool, cfg map[string]any) (FindingStatus, string) {
			for _, d := range remoteLogDrivers {
				if is(v, d) {
					return StatusPass, ""
				}
			}
			if is(v, "syslog") && remoteSyslog(cfg) {
				return StatusPass, ""
			}
			if opts, _ := cfg["log-opts"].(map[string]any); (v == nil || is(v, "json-file")) && opts["max-size"] == nil {
				return StatusFail, `bound the logs: set "log-opts" with "max-size" (the baseline writes json-file, 3 files of 10m), and ship them centrally`
			}
			return StatusManual, fmt.Sprintf("logs stay on the host (%v): ship them centrally with an agent (journald's remote upload, a log shipper), "+
				"or choose a remote log-driver such as fluentd or gelf, or syslog with a tcp:// or udp:// syslog-address", v)
		}},
	{id: "2.14", title: "Ensure containers are restricted from acquiring new privileges", key: "no-new-privileges", baseline: true,
		judge: want(true, `set "no-new-privileges": true, so that setuid binaries in containers cannot gain privileges`)},
	{id: "2.15", title: "Ensure live restore is enabled", key: LiveRestoreKey,
		judge:    want(true, "set live_restore = true, so that a dockerd restart (which every renewed certificate needs) stops no container; swarm nodes cannot"),
		rootless: manual(RootlessNoLiveRestore)},
	{id: "2.16", title: "Ensure Userland Proxy is Disabled", key: "userland-proxy", baseline: false,
		judge:    want(false, `set "userland-proxy": false; published ports are then forwarded by iptables rules alone`),
		rootless: manual("a rootless dockerd publishes container ports on the host through RootlessKit, by its userland proxy: keep it on")},
	{id: "2.17", title: "Ensure that a daemon-wide custom seccomp profile is applied if appropriate", key: "seccomp-profile",
		judge: func(v any, set bool, _ map[string]any) (FindingStatus, string) {
			switch {
			case !set || is(v, "builtin"):
				return StatusManual, "dockerd applies its default seccomp profile; a custom one (\"seccomp-profile\") only where the default does not fit"
			case is(v, "unconfined"):
				return StatusFail, `"seccomp-profile": "unconfined" turns seccomp off for every container: remove it`
			}
			return StatusManual, fmt.Sprintf("dockerd applies the custom seccomp profile %v: confirm that the file is on the host and suits the containers", v)
		}},
	{id: "2.18", title: "Ensure that experimental features are not implemented in production", key: "experimental", baseline: false,
		judge: func(v any, _ bool, _ map[string]any) (FindingStatus, string) {
			if is(v, true) {
				return StatusFail, `remove "experimental": true on production hosts`
			}
			return StatusPass, ""
		}},
}

func want(v any, fix string) judgement {
	return func(got any, _ bool, _ map[string]any) (FindingStatus, string) {
		if is(got, v) {
			return StatusPass, ""
		}
		return StatusFail, fix
	}
}

func pass(any, bool, map[string]any) (FindingStatus, string) { return StatusPass, "" }

func manual(detail string) judgement {
	return func(any, bool, map[string]any) (FindingStatus, string) { return StatusManual, detail }
}

// RootlessNoLiveRestore says why a rootless engine goes without
// live-restore. Restarting the user unit ends RootlessKit, whose
// namespaces the containers live in; moby's own integration tests skip
// live-restore in rootless mode ("rootless mode doesn't support
// live-restore", integration/container/restart_test.go).
const RootlessNoLiveRestore = "a rootless engine does not support live-restore: its containers live in RootlessKit's namespaces, which end with every restart of the user unit, so each restart (and each renewed certificate) stops them; plan restarts, or run the containers with a restart policy"

// LinuxOnlyKeys are daemon.json keys that dockerd on Windows does not know:
// it registers their flags only on Unix (moby: daemon/command/
// config_unix.go, installConfigFlags) and refuses a daemon.json with a key
// that matches no flag (daemon/config/config.go, findConfigurationConflicts:
// "the following directives don't match any configuration option").
var LinuxOnlyKeys = []string{
	"add-runtime", "allow-direct-routing", "bip", "bip6", "cgroup-parent", "cpu-rt-period", "cpu-rt-runtime", "default-address-pool",
	"default-address-pools", "default-cgroupns-mode", "default-gateway", "default-gateway-v6", "default-ipc-mode", "default-shm-size",
	"default-ulimit", "default-ulimits", "fixed-cidr-v6", "icc", "init", "init-path", "ip", "ip-forward", "ip-forward-no-drop", "ip-masq",
	"ip6tables", "iptables", "ipv6", "live-restore", "no-new-privileges", "rootless", "runtimes", "seccomp-profile", "selinux-enabled",
	"userland-proxy", "userland-proxy-path", "userns-remap",
}

// baselineFor is what r's baseline writes on p: nothing where dockerd does
// not know the key or the setting does not suit the engine.
func (r recommendation) baselineFor(p Platform) any {
	spec := p.spec()
	if slices.Contains(spec.refusedKeys, r.key) || (spec.userNamespaced && r.rootless != nil) {
		return nil
	}
	return r.baseline
}

// judgeFor is how r is judged on p.
func (r recommendation) judgeFor(p Platform) judgement {
	if p.spec().userNamespaced && r.rootless != nil {
		return r.rootless
	}
	return r.judge
}

// BaselineSettings are the section 2 settings the "baseline" hardening
// writes into daemon.json on p, below the user's own settings. live-restore
// (2.15) has its own switch, Daemon.LiveRestore.
func BaselineSettings(p Platform) map[string]any {
	m := map[string]any{"log-opts": baselineLogOpts}
	for _, r := range recommendations {
		if v := r.baselineFor(p); v != nil {
			m[r.key] = v
		}
	}
	return m
}

// OverriddenBaseline lists the recommendations whose baseline setting on p
// settings change, as "2.2 (icc)", for a warning.
func OverriddenBaseline(settings map[string]any, p Platform) []string {
	var out []string
	for _, r := range recommendations {
		if v, ok := settings[r.key]; ok && r.baselineFor(p) != nil && !is(normalize(v), r.baseline) {
			out = append(out, fmt.Sprintf("%s (%s: %s)", r.id, r.key, r.title))
		}
	}
	if v, ok := settings["log-opts"]; ok && !is(normalize(v), normalize(baselineLogOpts)) && settings["log-driver"] == nil {
		out = append(out, "2.13 (log-opts: the baseline's log rotation)")
	}
	return out
}

// normalize turns a value decoded with UseNumber into the form the
// baseline's literals have.
func normalize(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// Findings judges a daemon.json of an engine on p, decoded with
// encoding/json, against section 2. The benchmark is written for Linux
// hosts: elsewhere (Windows) there are none.
func Findings(cfg map[string]any, p Platform) []Finding {
	if !p.spec().benchmark {
		return []Finding{}
	}
	out := make([]Finding, 0, len(recommendations))
	for _, r := range recommendations {
		v, set := cfg[r.key]
		status, detail := r.judgeFor(p)(v, set, cfg)
		out = append(out, Finding{ID: r.id, Title: r.title, Status: status, Detail: detail})
	}
	return out
}

// CheckConflicts returns an error for each combination of settings, in a
// daemon.json decoded with encoding/json, that dockerd on p refuses, naming
// the keys.
func CheckConflicts(cfg map[string]any, p Platform) []error {
	var errs []error
	if is(cfg["icc"], false) && is(cfg["iptables"], false) {
		errs = append(errs, fmt.Errorf(`"icc": false with "iptables": false: dockerd refuses to start ("You specified --iptables=false with --icc=false. ICC=false uses iptables to function"): let dockerd manage iptables, or set "icc": true in settings_json (a fail finding for 2.2)`))
	}
	if is(cfg["seccomp-profile"], "unconfined") {
		errs = append(errs, fmt.Errorf(`"seccomp-profile": "unconfined" turns seccomp off for every container, and dockerd before 23 refuses to start on it `+
			`("opening seccomp profile (unconfined) failed"): remove it, and give the one container that needs it --security-opt seccomp=unconfined (a fail finding for 2.17)`))
	}
	if _, swarm := cfg["swarm-default-advertise-addr"]; swarm && is(cfg[LiveRestoreKey], true) {
		errs = append(errs, fmt.Errorf(`"live-restore": true with "swarm-default-advertise-addr" (a swarm node): dockerd starts, but refuses to init or join a swarm ("--live-restore daemon configuration is incompatible with swarm mode"): set live_restore = false on swarm nodes`))
	}
	return errs
}
