package dockerconf

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// The checks of a daemon configuration's input, before anything is
// rendered. Each takes only the inputs it needs, so that a caller can run
// those whose inputs are known (at plan time, some are not yet), and
// returns Problems naming the data source's arguments.

// CheckSecurity refuses a tcp:// host without client verification unless
// allowUnverified, and warns about TLS on the plain-text port. hosts are
// the configured hosts; defaulted says they are the default (the argument
// is not set), so that problems name the argument rather than an element.
func CheckSecurity(hosts []string, defaulted, verify, allowUnverified bool) []Problem {
	var out []Problem
	for i, s := range hosts {
		h, err := ParseHost(s)
		if err != nil || h.Scheme != SchemeTCP {
			continue
		}
		if !verify {
			if allowUnverified {
				out = append(out, Problem{Argument: "tls_verify", Warning: true, Summary: "Docker API open to unverified clients",
					Detail: fmt.Sprintf("tls_verify = false with %s: any client that can reach this port controls dockerd, and so the host. "+
						"Set tls_verify = true and give clients a dockertls_client_cert.", s)})
			} else {
				out = append(out, Problem{Argument: "tls_verify", Summary: "A TCP socket needs client verification",
					Detail: fmt.Sprintf("tls_verify = false with %s would let any client that can reach the port control dockerd, and so the "+
						"host. Set tls_verify = true (the default) and give clients a dockertls_client_cert; or, if you truly mean it, "+
						"set insecure_allow_unverified_clients = true.", s)})
			}
		}
		if h.Port == PortPlainText {
			out = append(out, Problem{Argument: "hosts", Index: i, HasIndex: !defaulted, Warning: true, Summary: "Port 2375 is the plain-text convention",
				Detail: fmt.Sprintf("%s serves TLS on port 2375, which tools and people take for the unencrypted Docker port. Use 2376, the TLS convention.", s)})
		}
	}
	return out
}

// CheckHosts checks each host against what dockerd on p can listen on.
// An empty element (not yet known, or refused by ParseHost's own check) is
// skipped, as is one ParseHost refuses.
func (p Platform) CheckHosts(hosts []string, u RootlessUser) []Problem {
	var out []Problem
	for i, s := range hosts {
		h, err := ParseHost(s)
		if s == "" || err != nil {
			continue
		}
		if err := p.CheckHost(h, u); err != nil {
			out = append(out, Problem{Argument: "hosts", Index: i, HasIndex: true, Summary: "Invalid Docker host for the platform", Detail: err.Error()})
		}
		if w := p.HostWarning(h, u); w != "" {
			out = append(out, Problem{Argument: "hosts", Index: i, HasIndex: true, Warning: true, Summary: "A privileged port for a rootless engine", Detail: w})
		}
	}
	return out
}

// CheckUser requires a user (given) on a platform whose engine runs as one,
// and only there, and checks it.
func (p Platform) CheckUser(given bool, u RootlessUser) []Problem {
	switch {
	case p.NeedsUser() && !given:
		return []Problem{{Argument: "rootless_user", Summary: "A rootless engine needs its user",
			Detail: fmt.Sprintf(`platform = %q needs rootless_user, the user the engine runs as, for its paths and its socket: `+
				`add rootless_user = { name = "ci", uid = 1000 } with that user's name and id (id -u ci).`, p)}}
	case !p.NeedsUser() && given:
		return []Problem{{Argument: "rootless_user", Summary: "rootless_user is only for a rootless engine",
			Detail: fmt.Sprintf(`rootless_user is set, but platform is %q: remove rootless_user, or set platform = "rootless".`, p)}}
	case !given:
		return nil
	}
	var out []Problem
	if u.UID < 1 {
		out = append(out, Problem{Argument: "rootless_user.uid", Summary: "Invalid rootless_user.uid",
			Detail: fmt.Sprintf("rootless_user.uid is %d, but a rootless engine runs as an unprivileged user: give that user's id (id -u %s).", u.UID, u.Name)})
	}
	if err := p.CheckPath("rootless_user.home", u.Home, u); err != nil {
		out = append(out, Problem{Argument: "rootless_user.home", Summary: "Invalid rootless_user.home", Detail: err.Error()})
	}
	return out
}

// CheckPaths checks each path argument (keyed by its name) for p, in the
// order of their names.
//
// On linux, dockerd_path may also be a bare program name, which systemd
// looks up in its fixed search path.
func (p Platform) CheckPaths(paths map[string]string, u RootlessUser) []Problem {
	var out []Problem
	for _, name := range slices.Sorted(maps.Keys(paths)) {
		var err error
		if p.spec().dropin != nil && slices.Contains(dropinArguments, name) {
			err = checkDropinText(name, paths[name])
		}
		if err == nil && name == "dockerd_path" && p.spec().paths != windowsPaths {
			err = checkProgramPath(name, paths[name])
		}
		switch {
		case err != nil:
		case name == "dockerd_path" && p.Layout(u).DockerdPath == DefaultDockerdPath && bareProgram.MatchString(paths[name]):
			// A name systemd looks up itself (DefaultDockerdPath).
		default:
			err = p.CheckPath(name, paths[name], u)
		}
		if err != nil {
			out = append(out, Problem{Argument: name, Summary: "Invalid " + name, Detail: err.Error()})
		}
	}
	return out
}

// bareProgram is a program's name alone, which systemd 239 and later find
// in /usr/local/sbin, /usr/local/bin, /usr/sbin and /usr/bin.
var bareProgram = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)

// CheckLiveRestore checks live_restore (set: its value, nil when not set)
// against the platform, and against a "live-restore" in settings (nil
// while they are not known): one switch, set in one place.
func (p Platform) CheckLiveRestore(set *bool, settings map[string]any) []Problem {
	var out []Problem
	if _, inSettings := settings[LiveRestoreKey]; inSettings && set != nil {
		out = append(out, Problem{Argument: "live_restore", Summary: "live-restore is set twice",
			Detail: "live_restore and settings_json's \"live-restore\" both set daemon.json's live-restore: remove \"live-restore\" from settings_json " +
				"and keep live_restore."})
	}
	if set == nil || !*set {
		return out
	}
	switch p.LiveRestoreSupport() {
	case LiveRestoreIneffective:
		out = append(out, Problem{Argument: "live_restore", Warning: true, Summary: "A rootless engine does not support live-restore",
			Detail: fmt.Sprintf("live_restore = true with platform = %q writes \"live-restore\": true, which dockerd accepts, but %s.", p, RootlessNoLiveRestore)})
	case LiveRestoreUnknownKey:
		out = append(out, Problem{Argument: "live_restore", Summary: "Windows has no live-restore",
			Detail: fmt.Sprintf(`live_restore = true with platform = %q: dockerd on %s has no live-restore and refuses the key `+
				`("the following directives don't match any configuration option: live-restore"). Remove live_restore; `+
				`restarting the docker service stops the containers, so plan restarts for a quiet time.`, p, p.spec().engine)})
	}
	return out
}

// CheckBundle judges a bundle of CA certificates (from argument) at now:
// a CA listed twice, and a CA outside its validity period, warn. When the
// bundle is dockerd's client trust (clientTrust), two things are errors:
// no CA in it is valid, or its names are too large for Go clients to
// connect at all (CheckClientTrustSize); either way no client gets in. A
// malformed bundle is the caller's validator's to report, and passes here.
func CheckBundle(argument, bundle string, clientTrust bool, now time.Time) []Problem {
	cas, err := pki.ParseCABundlePEM(bundle)
	if err != nil {
		return nil
	}
	var out []Problem
	seen := map[string]bool{}
	var copies []string
	valid := 0
	for i, ca := range cas {
		name := fmt.Sprintf("the CA %q (block %d)", ca.Subject.CommonName, i+1)
		if seen[string(ca.Raw)] {
			copies = append(copies, name)
			continue
		}
		seen[string(ca.Raw)] = true
		switch {
		case now.After(ca.NotAfter):
			out = append(out, Problem{Argument: argument, Warning: true, Summary: "An expired CA in a bundle",
				Detail: fmt.Sprintf("%s: %s expired at %s: nothing it signed verifies any more. Renew it, or remove it from the bundle.", argument, name, pki.FormatTime(ca.NotAfter))})
		case now.Before(ca.NotBefore):
			out = append(out, Problem{Argument: argument, Warning: true, Summary: "A CA in a bundle that is not valid yet",
				Detail: fmt.Sprintf("%s: %s is valid only from %s: nothing it signed verifies until then (check the clocks).", argument, name, pki.FormatTime(ca.NotBefore))})
		default:
			valid++
		}
	}
	if len(copies) > 0 {
		shown := copies[:min(len(copies), 3)]
		out = append(out, Problem{Argument: argument, Warning: true, Summary: "A CA listed twice",
			Detail: fmt.Sprintf("%s: it repeats CAs listed before (%d copies: %s): remove the copies (the file holds what the bundle holds).",
				argument, len(copies), strings.Join(shown, ", "))})
	}
	if clientTrust {
		if err := CheckClientTrustSize(cas); err != nil {
			out = append(out, Problem{Argument: argument, Summary: "Too many client issuers for one daemon", Detail: argument + ": " + err.Error()})
		}
	}
	if clientTrust && valid == 0 && len(cas) > 0 {
		out = append(out, Problem{Argument: argument, Summary: "No client could connect",
			Detail: fmt.Sprintf("%s: no CA in it is valid now, so dockerd would verify no client certificate and refuse every client: "+
				"renew the issuers, or add a valid one.", argument)})
	}
	return out
}
