package dockerconf

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
)

// The checks of a daemon configuration's input, before anything is
// rendered. Check runs each whose inputs are known (at plan time, some are
// not yet); each takes only the inputs it needs.

// Check returns what dockerd, systemd or the clients would refuse in d as
// given (errors) and what is worth a warning, skipping what needs a
// Pending input. Render runs it first; a caller runs it alone to judge a
// configuration some of whose inputs are not known yet.
func (d Daemon) Check() []Problem {
	tls := d.tls()
	problems := tls.checkTrust()
	hosts := d.Hosts
	if hosts == nil {
		// Every platform's default hosts have the same tcp:// host, which
		// is all CheckSecurity looks at.
		hosts = DefaultHosts
	}
	// A pending opt-in is read as not given (refused), as a pending
	// live_restore's settings are read as none.
	if !d.Pending.Any(FieldHosts, FieldTLSVerify) {
		problems = append(problems, CheckSecurity(hosts, d.Hosts == nil, d.TLSVerify, d.AllowUnverified)...)
	}
	if !d.Pending.Any(FieldRootlessUser, FieldPlatform) {
		problems = append(problems, d.Platform.CheckUser(d.User != RootlessUser{}, d.User)...)
		problems = append(problems, d.Platform.CheckPaths(d.paths(), d.User)...)
		if !d.Pending.Any(FieldHosts) {
			problems = append(problems, d.Platform.CheckHosts(d.Hosts, d.User)...)
		}
		if d.SocketActivation && !d.Pending.Any(FieldHosts, FieldSocketActivation) {
			problems = append(problems, d.Platform.CheckSocketActivation(hosts, d.paths())...)
		}
		if !d.Pending.Any(FieldLiveRestore) {
			problems = append(problems, d.Platform.CheckLiveRestore(d.LiveRestoreSet, d.Settings)...)
		}
		if !d.Pending.Any(FieldSettings) {
			problems = append(problems, d.Platform.CheckSettings(d.Settings)...)
		}
	}
	return append(problems, tls.checkMaterial()...)
}

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
				out = append(out, Problem{Field: FieldTLSVerify, Warning: true, Summary: "Docker API open to unverified clients",
					Detail: fmt.Sprintf("tls_verify = false with %s: any client that can reach this port controls dockerd, and so the host. "+
						"Set tls_verify = true and give clients a dockertls_client_cert.", s)})
			} else {
				out = append(out, Problem{Field: FieldTLSVerify, Summary: "A TCP socket needs client verification",
					Detail: fmt.Sprintf("tls_verify = false with %s would let any client that can reach the port control dockerd, and so the "+
						"host. Set tls_verify = true (the default) and give clients a dockertls_client_cert; or, if you truly mean it, "+
						"set insecure_allow_unverified_clients = true.", s)})
			}
		}
		if h.Port == PortPlainText {
			out = append(out, Problem{Field: FieldHosts, Index: i, HasIndex: !defaulted, Warning: true, Summary: "Port 2375 is the plain-text convention",
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
			out = append(out, Problem{Field: FieldHosts, Index: i, HasIndex: true, Summary: "Invalid Docker host for the platform", Detail: err.Error()})
		}
		if w := p.HostWarning(h, u); w != "" {
			out = append(out, Problem{Field: FieldHosts, Index: i, HasIndex: true, Warning: true, Summary: "A privileged port for a rootless engine", Detail: w})
		}
	}
	return out
}

// CheckUser requires a user (given) on a platform whose engine runs as one,
// and only there, and checks it.
func (p Platform) CheckUser(given bool, u RootlessUser) []Problem {
	switch {
	case p.NeedsUser() && !given:
		return []Problem{{Field: FieldRootlessUser, Summary: "A rootless engine needs its user",
			Detail: fmt.Sprintf(`platform = %q needs rootless_user, the user the engine runs as, for its paths and its socket: `+
				`add rootless_user = { name = "ci", uid = 1000 } with that user's name and id (id -u ci).`, p)}}
	case !p.NeedsUser() && given:
		return []Problem{{Field: FieldRootlessUser, Summary: "rootless_user is only for a rootless engine",
			Detail: fmt.Sprintf(`rootless_user is set, but platform is %q: remove rootless_user, or set platform = "rootless".`, p)}}
	case !given:
		return nil
	}
	var out []Problem
	if u.UID < 1 {
		out = append(out, Problem{Field: FieldRootlessUID, Summary: "Invalid rootless_user.uid",
			Detail: fmt.Sprintf("rootless_user.uid is %d, but a rootless engine runs as an unprivileged user: give that user's id (id -u %s).", u.UID, u.Name)})
	}
	if err := p.CheckPath("rootless_user.home", u.Home, u); err != nil {
		out = append(out, Problem{Field: FieldRootlessHome, Summary: "Invalid rootless_user.home", Detail: err.Error()})
	}
	return out
}

// CheckPaths checks each path (keyed by its input) for p, in the order of
// their inputs.
//
// On linux, dockerd_path may also be a bare program name, which systemd
// looks up in its fixed search path.
func (p Platform) CheckPaths(paths map[Field]string, u RootlessUser) []Problem {
	var out []Problem
	for _, field := range slices.Sorted(maps.Keys(paths)) {
		name := string(field)
		var err error
		if p.spec().dropin != nil && slices.Contains(dropinFields, field) {
			err = checkDropinText(name, paths[field])
		}
		if err == nil && name == "dockerd_path" && p.spec().paths != windowsPaths {
			err = checkProgramPath(name, paths[field])
		}
		switch {
		case err != nil:
		case name == "dockerd_path" && p.Layout(u).DockerdPath == DefaultDockerdPath && bareProgram.MatchString(paths[field]):
			// A name systemd looks up itself (DefaultDockerdPath).
		default:
			err = p.CheckPath(name, paths[field], u)
		}
		if err != nil {
			out = append(out, Problem{Field: field, Summary: "Invalid " + name, Detail: err.Error()})
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
		out = append(out, Problem{Field: FieldLiveRestore, Summary: "live-restore is set twice",
			Detail: "live_restore and settings_json's \"live-restore\" both set daemon.json's live-restore: remove \"live-restore\" from settings_json " +
				"and keep live_restore."})
	}
	if set == nil || !*set {
		return out
	}
	switch p.LiveRestoreSupport() {
	case LiveRestoreIneffective:
		out = append(out, Problem{Field: FieldLiveRestore, Warning: true, Summary: "A rootless engine does not support live-restore",
			Detail: fmt.Sprintf("live_restore = true with platform = %q writes \"live-restore\": true, which dockerd accepts, but %s.", p, RootlessNoLiveRestore)})
	case LiveRestoreUnknownKey:
		out = append(out, Problem{Field: FieldLiveRestore, Summary: "Windows has no live-restore",
			Detail: fmt.Sprintf(`live_restore = true with platform = %q: dockerd on %s has no live-restore and refuses the key `+
				`("the following directives don't match any configuration option: live-restore"). Remove live_restore; `+
				`restarting the docker service stops the containers, so plan restarts for a quiet time.`, p, p.spec().engine)})
	}
	return out
}
