package dockerconf

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The daemon.json keys dockerd knows, so that a misspelt one is refused at
// plan time rather than by dockerd at start-up ("the following directives
// don't match any configuration option: log-levl").
//
// dockerd accepts a key when it is the long name of one of its flags, the
// name of a named option (such as "labels" for --label), or one of a few it
// skips ("features", "builder"): moby daemon/config/config.go,
// findConfigurationConflicts. linuxDaemonKeys is every key that dockerd
// 28.5.2 (github.com/docker/docker v28.5.2) or the Docker Engine 29 daemon
// (github.com/moby/moby/v2 v2.0.0-beta.24) accepts on Linux, probed with
// dockerd --validate, and every flag of Debian's dockerd 20.10, which also
// takes them as keys. TestDaemonKeysMatchTheEngines probes the engines
// again on every make test and fails when this list and they disagree.
var linuxDaemonKeys = []string{
	"add-runtime", "allow-direct-routing", "allow-nondistributable-artifacts", "api-cors-header", "apparmor-profile", "authorization-plugin",
	"authorization-plugins", "bip", "bip6", "bridge", "bridge-accept-fwmark", "builder", "cdi-spec-dir",
	"cdi-spec-dirs", "cgroup-parent", "config-file", "containerd", "containerd-namespace",
	"containerd-plugins-namespace", "cpu-rt-period", "cpu-rt-runtime", "cri-containerd", "data-root", "debug",
	"default-address-pool", "default-address-pools", "default-cgroupns-mode", "default-gateway",
	"default-gateway-v6", "default-ipc-mode", "default-network-opt", "default-network-opts", "default-runtime",
	"default-shm-size", "default-stop-timeout", "default-ulimit", "default-ulimits", "dns", "dns-opt",
	"dns-opts", "dns-search", "exec-opt", "exec-opts", "exec-root", "experimental", "extension-config",
	"extension-dir", "extension-dirs", "feature", "features", "firewall-backend", "fixed-cidr", "fixed-cidr-v6",
	"group", "help", "host", "host-gateway-ip", "host-gateway-ips", "hosts", "http-proxy", "https-proxy", "icc",
	"init", "init-path", "insecure-registries", "insecure-registry", "ip", "ip-forward", "ip-forward-no-drop",
	"ip-masq", "ip6tables", "iptables", "ipv6", "label", "labels", "live-restore", "log-driver", "log-format",
	"log-level", "log-opt", "log-opts", "max-concurrent-downloads", "max-concurrent-uploads",
	"max-download-attempts", "metrics-addr", "min-api-version", "mtu", "network-control-plane-mtu",
	"network-diagnostic-port", "no-new-privileges", "no-proxy", "node-generic-resource",
	"node-generic-resources", "nri-opts", "pidfile", "raw-logs", "registry-mirror", "registry-mirrors",
	"rootless", "runtimes", "seccomp-profile", "selinux-enabled", "shutdown-timeout", "storage-driver",
	"storage-opt", "storage-opts", "swarm-default-advertise-addr", "tls", "tlscacert", "tlscert", "tlskey",
	"tlsverify", "userland-proxy", "userland-proxy-path", "userns-remap", "validate", "version",
}

// legacyDaemonKeys are keys that only older engines know (dockerd 20.10's
// flags, dropped since): accepted, with a warning.
var legacyDaemonKeys = []string{
	"add-host", "oom-score-adjust",
}

// knownKeys are the daemon.json keys dockerd on p knows.
func (p Platform) knownKeys() map[string]bool {
	known := make(map[string]bool, len(linuxDaemonKeys))
	for _, k := range linuxDaemonKeys {
		if !slices.Contains(p.spec().refusedKeys, k) {
			known[k] = true
		}
	}
	return known
}

// CheckSettings refuses the keys of further daemon.json settings that
// dockerd on p does not know, naming the nearest key it does, and warns
// about keys only older engines know.
func (p Platform) CheckSettings(settings map[string]any) []Problem {
	known := p.knownKeys()
	var refused []string
	var out []Problem
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		switch {
		case known[k]:
		case slices.Contains(p.spec().refusedKeys, k):
			refused = append(refused, strconv.Quote(k))
		case slices.Contains(legacyDaemonKeys, k):
			out = append(out, Problem{Field: "settings_json", Warning: true, Summary: "A daemon.json key of older engines",
				Detail: fmt.Sprintf("settings_json: %q is known only to dockerd 20.10 and older; current engines refuse to start with it "+
					"(\"the following directives don't match any configuration option: %s\"): remove it before the engine is upgraded", k, k)})
		default:
			out = append(out, Problem{Field: "settings_json", Summary: "Unknown daemon.json key",
				Detail: fmt.Sprintf("settings_json: %q is not a daemon.json key dockerd knows: it would refuse to start "+
					"(\"the following directives don't match any configuration option: %s\"). %s", k, k, nearestKeyAdvice(k, known))})
		}
	}
	if len(refused) > 0 {
		out = append(out, Problem{Field: "settings_json", Summary: "dockerd would refuse this daemon.json",
			Detail: fmt.Sprintf("settings_json: %s: dockerd on %s knows no such setting and refuses to start (\"the following directives don't match any configuration option\"): remove %s from settings_json",
				strings.Join(refused, ", "), p.spec().engine, pluralIt(len(refused)))})
	}
	return out
}

// nearestKeyAdvice names the known or owned key nearest to k.
func nearestKeyAdvice(k string, known map[string]bool) string {
	best, ok := Nearest(strings.ToLower(strings.TrimLeft(k, "-")), append(slices.Sorted(maps.Keys(known)), OwnedKeys...))
	switch {
	case !ok:
		return "Check the spelling against dockerd's documentation (dockerd --help lists the flags, whose names are the keys)."
	case slices.Contains(OwnedKeys, best):
		return fmt.Sprintf("Did you mean %q? This data source writes it itself from its own arguments: remove it from settings_json.", best)
	}
	return fmt.Sprintf("Did you mean %q?", best)
}

// Nearest returns the candidate nearest to name, the first of equals; ok
// is false when none is within three edits, too far to be a typing error.
func Nearest(name string, candidates []string) (best string, ok bool) {
	bestDistance := 4
	for _, c := range candidates {
		if d := editDistance(name, c); d < bestDistance {
			best, bestDistance = c, d
		}
	}
	return best, best != ""
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
