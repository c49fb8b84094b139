package dockerconf

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// BenchmarkVersion is the benchmark whose section 2 ("Docker daemon
// configuration") the hardening baseline and the findings follow.
const BenchmarkVersion = "CIS Docker Benchmark v1.6.0"

// Finding statuses.
const (
	StatusPass   = "pass"
	StatusFail   = "fail"
	StatusManual = "manual"
)

// Finding is the state of one recommendation in a daemon.json.
type Finding struct {
	ID, Title, Status, Detail string
}

// recommendation is one of section 2's recommendations: the daemon.json
// key that decides it, what the baseline writes (nil for nothing), and how
// a daemon.json is judged.
type recommendation struct {
	id, title, key string
	baseline       any
	judge          func(v any, set bool, cfg map[string]any) (status, detail string)
	// rootless judges a rootless engine where it differs, and writes no
	// baseline.
	rootless func(v any, set bool, cfg map[string]any) (status, detail string)
}

// The baseline's log rotation: json-file, at most three files of 10 MB.
var baselineLogOpts = map[string]any{"max-size": "10m", "max-file": "3"}

// remoteLogDrivers ship logs off the host (2.13).
var remoteLogDrivers = []string{"syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "etwlogs", "gcplogs", "logentries"}

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
		judge: func(v any, set bool, _ map[string]any) (string, string) {
			if !set || is(v, "info") {
				return StatusPass, ""
			}
			return StatusFail, `remove "log-level" or set it to "info": debug logging can leak secrets and fill disks`
		}},
	{id: "2.4", title: "Ensure Docker is allowed to make changes to iptables", key: "iptables",
		judge: func(v any, set bool, _ map[string]any) (string, string) {
			if !set || is(v, true) {
				return StatusPass, ""
			}
			return StatusFail, `remove "iptables": false, so that dockerd keeps the host's firewall rules in step with its containers`
		}},
	{id: "2.5", title: "Ensure insecure registries are not used", key: "insecure-registries",
		judge: func(v any, set bool, _ map[string]any) (string, string) {
			if l, ok := v.([]any); !set || (ok && len(l) == 0) {
				return StatusPass, ""
			}
			return StatusFail, `remove "insecure-registries": give each registry a certificate its clients trust`
		}},
	{id: "2.6", title: "Ensure aufs storage driver is not used", key: "storage-driver",
		judge: func(v any, _ bool, _ map[string]any) (string, string) {
			if is(v, "aufs") {
				return StatusFail, `remove "storage-driver": "aufs"; overlay2 is the default and supported one`
			}
			return StatusPass, ""
		}},
	{id: "2.7", title: "Ensure TLS authentication for Docker daemon is configured", key: "tlsverify",
		judge: want(true, "set tls_verify = true: without it any client that reaches the TCP port controls dockerd")},
	{id: "2.8", title: "Ensure the default ulimit is configured appropriately", key: "default-ulimits",
		judge: manual(`set "default-ulimits" if the host's defaults do not suit its containers`)},
	{id: "2.9", title: "Enable user namespace support", key: "userns-remap",
		judge: func(_ any, set bool, _ map[string]any) (string, string) {
			if set {
				return StatusPass, ""
			}
			return StatusManual, `decide on "userns-remap": "default" (it maps container root to an unprivileged user, but breaks bind mounts owned by root and --privileged containers)`
		}},
	{id: "2.10", title: "Ensure the default cgroup usage has been confirmed", key: "cgroup-parent",
		judge: manual(`confirm that the default cgroup suits the host, or set "cgroup-parent"`)},
	{id: "2.11", title: "Ensure base device size is not changed until needed", key: "storage-opts",
		judge: func(v any, _ bool, _ map[string]any) (string, string) {
			if strings.Contains(fmt.Sprint(v), "dm.basesize") {
				return StatusManual, `"storage-opts" sets dm.basesize: keep it only if containers need larger root filesystems`
			}
			return StatusPass, ""
		}},
	{id: "2.12", title: "Ensure that authorization for Docker client commands is enabled", key: "authorization-plugins",
		judge: func(v any, set bool, _ map[string]any) (string, string) {
			if l, ok := v.([]any); set && ok && len(l) > 0 {
				return StatusPass, ""
			}
			return StatusManual, `decide on "authorization-plugins": without one, every client certificate grants the whole API`
		}},
	{id: "2.13", title: "Ensure centralized and remote logging is configured", key: "log-driver", baseline: "json-file",
		judge: func(v any, _ bool, cfg map[string]any) (string, string) {
			for _, d := range remoteLogDrivers {
				if is(v, d) {
					return StatusPass, ""
				}
			}
			if opts, _ := cfg["log-opts"].(map[string]any); (v == nil || is(v, "json-file")) && opts["max-size"] == nil {
				return StatusFail, `bound the logs: set "log-opts" with "max-size" (the baseline writes json-file, 3 files of 10m), and ship them centrally`
			}
			return StatusManual, fmt.Sprintf("logs stay on the host (%v, rotated): ship them centrally with an agent, or choose a remote log-driver such as journald or syslog", v)
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
		judge: manual("dockerd applies its default seccomp profile; a custom one (\"seccomp-profile\") only where the default does not fit")},
	{id: "2.18", title: "Ensure that experimental features are not implemented in production", key: "experimental", baseline: false,
		judge: func(v any, _ bool, _ map[string]any) (string, string) {
			if is(v, true) {
				return StatusFail, `remove "experimental": true on production hosts`
			}
			return StatusPass, ""
		}},
}

func want(v any, fix string) func(any, bool, map[string]any) (string, string) {
	return func(got any, _ bool, _ map[string]any) (string, string) {
		if is(got, v) {
			return StatusPass, ""
		}
		return StatusFail, fix
	}
}

func pass(any, bool, map[string]any) (string, string) { return StatusPass, "" }

func manual(detail string) func(any, bool, map[string]any) (string, string) {
	return func(any, bool, map[string]any) (string, string) { return StatusManual, detail }
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
	"cgroup-parent", "default-cgroupns-mode", "default-ipc-mode", "default-shm-size", "default-ulimits", "icc", "init", "init-path",
	"ip-forward", "ip-masq", "ip6tables", "iptables", "live-restore", "no-new-privileges", "rootless", "runtimes", "seccomp-profile",
	"selinux-enabled", "userland-proxy", "userland-proxy-path", "userns-remap",
}

// baselineFor is what r's baseline writes on p: nothing where dockerd does
// not know the key or the setting does not suit the engine.
func (r recommendation) baselineFor(p Platform) any {
	switch {
	case p == PlatformWindows && slices.Contains(LinuxOnlyKeys, r.key), p == PlatformRootless && r.rootless != nil:
		return nil
	}
	return r.baseline
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
// hosts: on Windows there are none.
func Findings(cfg map[string]any, p Platform) []Finding {
	if p == PlatformWindows {
		return []Finding{}
	}
	out := make([]Finding, 0, len(recommendations))
	for _, r := range recommendations {
		v, set := cfg[r.key]
		judge := r.judge
		if p == PlatformRootless && r.rootless != nil {
			judge = r.rootless
		}
		status, detail := judge(v, set, cfg)
		out = append(out, Finding{ID: r.id, Title: r.title, Status: status, Detail: detail})
	}
	return out
}

// CheckConflicts returns an error for each combination of settings, in a
// daemon.json decoded with encoding/json, that dockerd on p refuses, naming
// the keys.
func CheckConflicts(cfg map[string]any, p Platform) []error {
	var errs []error
	if p == PlatformWindows {
		var linuxOnly []string
		for _, k := range LinuxOnlyKeys {
			if _, ok := cfg[k]; ok {
				linuxOnly = append(linuxOnly, strconv.Quote(k))
			}
		}
		if len(linuxOnly) > 0 {
			errs = append(errs, fmt.Errorf("%s: dockerd on Windows knows no such setting and refuses to start (\"the following directives don't match any configuration option\"): remove %s from settings_json",
				strings.Join(linuxOnly, ", "), pluralIt(len(linuxOnly))))
		}
	}
	if is(cfg["icc"], false) && is(cfg["iptables"], false) {
		errs = append(errs, fmt.Errorf(`"icc": false with "iptables": false: dockerd refuses to start ("You specified --iptables=false with --icc=false. ICC=false uses iptables to function"): let dockerd manage iptables, or set "icc": true in settings_json (a fail finding for 2.2)`))
	}
	if _, swarm := cfg["swarm-default-advertise-addr"]; swarm && is(cfg[LiveRestoreKey], true) {
		errs = append(errs, fmt.Errorf(`"live-restore": true with "swarm-default-advertise-addr" (a swarm node): dockerd starts, but refuses to init or join a swarm ("--live-restore daemon configuration is incompatible with swarm mode"): set live_restore = false on swarm nodes`))
	}
	return errs
}

// CloudConfig renders a #cloud-config document that writes every file
// (base64-encoded, so that each arrives byte for byte, with its mode) and
// then restarts the engine: owned by root, with systemctl, on Linux; owned
// by the user, after cloud-init has created users ("defer": the final
// stage), with systemctl --user run as the user, for rootless. It is the
// user_data of any cloud that runs cloud-init. Windows has no cloud-init:
// it returns "" there.
func CloudConfig(files []File, p Platform, u RootlessUser) string {
	if p == PlatformWindows {
		return ""
	}
	sorted := append([]File(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	owner, extra := "root:root", ""
	if p == PlatformRootless {
		owner, extra = u.Name+":"+u.Name, "    defer: true\n"
	}
	var b strings.Builder
	b.WriteString("#cloud-config\n# Written by Terraform (dockertls_daemon_config).\nwrite_files:\n")
	for _, f := range sorted {
		fmt.Fprintf(&b, "  - path: %s\n    owner: %s\n    permissions: %s\n    encoding: b64\n%s    content: %s\n",
			yamlString(f.Path), yamlString(owner), yamlString(f.Mode), extra, base64.StdEncoding.EncodeToString([]byte(f.Content)))
	}
	b.WriteString("runcmd:\n")
	for _, cmd := range restartCommands(sorted, p, u) {
		b.WriteString("  - " + yamlList(cmd) + "\n")
	}
	return b.String()
}

// restartCommands are cloud-config's runcmd: reload and restart the
// engine's unit, as the user for rootless.
func restartCommands(files []File, p Platform, u RootlessUser) [][]string {
	if p != PlatformRootless {
		return [][]string{{"systemctl", "daemon-reload"}, {"systemctl", "restart", "docker"}}
	}
	var cmds [][]string
	// cloud-init creates missing directories as root.
	if dirs := dirsBelow(u.Home, files); len(dirs) > 0 {
		cmds = append(cmds, append([]string{"chown", u.Name + ":" + u.Name}, dirs...))
	}
	asUser := []string{"runuser", "-u", u.Name, "--", "env", "XDG_RUNTIME_DIR=" + u.RuntimeDir(), "systemctl", "--user"}
	return append(cmds, []string{"loginctl", "enable-linger", u.Name},
		append(slices.Clone(asUser), "daemon-reload"), append(slices.Clone(asUser), "restart", "docker"))
}

// dirsBelow lists, sorted, the directories between home and each file.
func dirsBelow(home string, files []File) []string {
	seen := map[string]bool{}
	for _, f := range files {
		for d := path.Dir(f.Path); strings.HasPrefix(d, home+"/"); d = path.Dir(d) {
			seen[d] = true
		}
	}
	dirs := make([]string, 0, len(seen))
	for d := range seen {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	return dirs
}

func yamlList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = yamlString(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// yamlString quotes s as a YAML double-quoted scalar: JSON's string
// syntax is a subset of it.
func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
