package dockerconf

import (
	"bytes"
	"crypto/x509"
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// Authorization: what each client of a daemon may ask of it, as a Rego
// policy for opa-docker-authz, the maintained authorization plugin. dockerd
// passes every API request to its authorization plugins with the client
// certificate's common name as the user; the policy gives each name a role.
// Mutual TLS still decides who connects: a revoked client is refused at the
// handshake, before any policy.

// RoleBase is what a role may do before rules of the user's own.
type RoleBase string

// The built-in roles.
const (
	// RoleAdmin may make every request: root on the host, as every client
	// is without a policy.
	RoleAdmin RoleBase = "admin"
	// RoleReadOnly may inspect, list, read logs and events, and ping:
	// nothing that changes the host.
	RoleReadOnly RoleBase = "read_only"
	// RoleBuilder may also pull, build, push, and run containers that
	// cannot reach the host.
	RoleBuilder RoleBase = "builder"
	// RoleNone may make only the requests of its own rules, with the same
	// checks as a builder's.
	RoleNone RoleBase = "none"
)

// RoleBases are the built-in roles, for validators and descriptions.
var RoleBases = []RoleBase{RoleAdmin, RoleReadOnly, RoleBuilder, RoleNone}

// PluginKind is how opa-docker-authz runs on the host.
type PluginKind string

// The ways to run the plugin.
const (
	// PluginManaged is a managed plugin (docker plugin install), which
	// mounts /etc/docker at /opa.
	PluginManaged PluginKind = "managed"
	// PluginLegacy is a program of the host's, started by systemd, that
	// serves /run/docker/plugins/<name>.sock.
	PluginLegacy PluginKind = "legacy"
)

// PluginKinds are the ways to run the plugin, the default first.
var PluginKinds = []PluginKind{PluginManaged, PluginLegacy}

// Defaults of an AuthorizationPolicy.
const (
	// DefaultAuthzPluginImage is opa-docker-authz's managed plugin, pinned.
	DefaultAuthzPluginImage = "openpolicyagent/opa-docker-authz-v2:0.10"
	// DefaultAuthzPluginProgram is where a legacy plugin's program is.
	DefaultAuthzPluginProgram = "/usr/local/bin/opa-docker-authz"
	// AuthzPluginName is the plugin's name in daemon.json: the managed
	// plugin's alias, and the legacy plugin's socket name.
	AuthzPluginName = "opa-docker-authz"
	// DefaultPolicyPath is where the policy goes: under /etc/docker, which
	// the managed plugin sees as /opa.
	DefaultPolicyPath = "/etc/docker/policies/authz.rego"
	// managedPluginMount is where the managed plugin mounts /etc/docker.
	managedPluginMount = "/opa"
	// AuthzUnitPath is the legacy plugin's systemd unit.
	AuthzUnitPath = "/etc/systemd/system/opa-docker-authz.service"
	// AuthorizationPluginsKey is daemon.json's list of plugins.
	AuthorizationPluginsKey = "authorization-plugins"
)

// Role is a named set of clients and what they may do.
type Role struct {
	Name string
	Base RoleBase
	// Members are the client certificates that hold the role, PEM. The
	// plugin knows each by its common name.
	Members []string
	// BindPaths are host directories the role may bind into containers,
	// read-only.
	BindPaths []string
	// AllowRules are Rego rule bodies: a request is allowed to the role
	// when one holds, and no check that keeps containers off the host
	// refuses it (an admin's needs none).
	AllowRules []string
}

// AuthorizationPolicy is the policy of one daemon: its client trust and
// the roles of the clients it admits.
type AuthorizationPolicy struct {
	// Trust is the daemon's client trust: its CACertPEM and
	// ClientCACertPEM, as the daemon's (ServerMaterial.ClientTrust).
	Trust ServerMaterial
	// Roles are sorted by name.
	Roles         []Role
	Plugin        PluginKind
	PluginImage   string
	PluginProgram string
	PolicyPath    string
	// MembersPending is true when a member certificate is not known yet:
	// the checks of members wait, the rest of each role is judged.
	MembersPending bool
	// Now is when the members are judged; zero means the current time.
	Now time.Time
	// Pending are the inputs not known yet: Check skips what needs them.
	Pending Pending
}

// The inputs of a policy, as Problems name them.
const (
	FieldRoles         Field = "roles"
	FieldPlugin        Field = "plugin"
	FieldPluginImage   Field = "plugin_image"
	FieldPluginProgram Field = "plugin_program"
	FieldPolicyPath    Field = "policy_path"
)

// AuthorizationPolicyFields are every input an AuthorizationPolicy's
// problems name.
var AuthorizationPolicyFields = []Field{FieldRoles, FieldPlugin, FieldPluginImage, FieldPluginProgram, FieldPolicyPath, FieldCACert, FieldClientCACert}

// WithDefaults returns a with every empty setting set to its default.
func (a AuthorizationPolicy) WithDefaults() AuthorizationPolicy {
	if a.Plugin == "" {
		a.Plugin = PluginManaged
	}
	if a.PluginImage == "" {
		a.PluginImage = DefaultAuthzPluginImage
	}
	if a.PluginProgram == "" {
		a.PluginProgram = DefaultAuthzPluginProgram
	}
	if a.PolicyPath == "" {
		a.PolicyPath = DefaultPolicyPath
	}
	a.Roles = slices.Clone(a.Roles)
	slices.SortFunc(a.Roles, func(x, y Role) int { return strings.Compare(x.Name, y.Name) })
	return a
}

//go:embed authz_policy.rego
var policyBody string

// sensitiveRoots are host paths whose contents, even read-only, are the
// host's keys or control: no bind path may be one of them, under one, or
// above one.
var sensitiveRoots = []string{"/etc", "/root", "/boot", "/proc", "/sys", "/dev", "/run", "/var/run", "/var/lib/docker", "/var/lib/containerd", "/home"}

// Check reports what in a makes a policy that is wrong or unsafe, each
// problem naming its input.
func (a AuthorizationPolicy) Check() []Problem {
	var out []Problem
	if !slices.Contains(PluginKinds, a.Plugin) {
		out = append(out, Problem{Field: FieldPlugin, Summary: "Unknown plugin kind",
			Detail: fmt.Sprintf("plugin: %q is not one of %s.", a.Plugin, quoted(PluginKinds))})
	}
	if !a.Pending.Any(FieldPolicyPath) {
		out = append(out, a.checkPolicyPath()...)
	}
	if !a.Pending.Any(FieldPluginProgram) && a.Plugin == PluginLegacy && (!path.IsAbs(a.PluginProgram) || !unitSafe(a.PluginProgram)) {
		out = append(out, Problem{Field: FieldPluginProgram, Summary: "Invalid plugin program",
			Detail: fmt.Sprintf("plugin_program: %q must be an absolute path without white space, quotes, %% or backslashes (it is written "+
				"into a systemd unit's ExecStart=), such as %q.", a.PluginProgram, DefaultAuthzPluginProgram)})
	}
	if a.Pending.Any(FieldRoles) {
		return out
	}
	if len(a.Roles) == 0 {
		out = append(out, Problem{Field: FieldRoles, Summary: "No roles",
			Detail: "roles: give at least one role (an admin, at least): with no role, every client certificate is refused every request."})
	}
	for _, r := range a.Roles {
		out = append(out, r.check()...)
		if len(r.Members) == 0 && !a.MembersPending {
			out = append(out, Problem{Field: FieldRoles, Key: r.Name, Summary: "Empty role",
				Detail: fmt.Sprintf("roles[%q].members: the role has no members: list the client certificates that hold it, or remove the role.", r.Name)})
		}
		if len(r.BindPaths) > 0 && a.Plugin == PluginManaged && !a.Pending.Any(FieldPlugin) {
			out = append(out, Problem{Field: FieldRoles, Key: r.Name, Summary: "Bind paths a managed plugin cannot see",
				Detail: fmt.Sprintf("roles[%q].bind_paths: a managed plugin sees only /etc/docker, so it cannot resolve the symbolic links "+
					"of a bind source, and the policy refuses every bind it could not resolve: set plugin = %q (opa-docker-authz run by "+
					"systemd on the host), or leave bind_paths out.", r.Name, PluginLegacy)})
		}
	}
	if !a.Pending.Any(FieldCACert, FieldClientCACert) {
		trust, trustField := a.Trust.ClientTrust()
		if cas, err := pki.ParseCABundlePEM(trust); err == nil { // else the trust's own validator reports it
			if !a.MembersPending {
				out = append(out, a.checkMembers(cas, trustField)...)
			}
			out = append(out, issuersBehindRoles(cas, a.Roles, trustField)...)
		}
	}
	if !hasError(out) {
		out = append(out, a.compile()...)
	}
	return out
}

func (a AuthorizationPolicy) checkPolicyPath() []Problem {
	p := a.PolicyPath
	switch {
	case !path.IsAbs(p) || path.Clean(p) != p || !unitSafe(p):
		return []Problem{{Field: FieldPolicyPath, Summary: "Invalid policy_path",
			Detail: fmt.Sprintf("policy_path: %q must be an absolute, clean path without white space, quotes, %% or backslashes (a "+
				"legacy plugin's unit names it), such as %q.", p, DefaultPolicyPath)}}
	case a.Plugin == PluginManaged && !a.Pending.Any(FieldPlugin) && !strings.HasPrefix(p, "/etc/docker/"):
		return []Problem{{Field: FieldPolicyPath, Summary: "Policy out of the managed plugin's sight",
			Detail: fmt.Sprintf("policy_path: %q is not under /etc/docker, the only host folder the managed plugin sees (as %s): it would "+
				"find no policy, and opa-docker-authz allows every request when its policy file is missing. Put it under /etc/docker, "+
				"such as %q.", p, managedPluginMount, DefaultPolicyPath)}}
	}
	return nil
}

// unitSafe reports whether p can stand in a systemd unit's ExecStart= as
// it is: no white space, quotes, specifiers or escapes.
func unitSafe(p string) bool {
	return !strings.ContainsAny(p, " \t\n\"'%\\$;")
}

// check judges r on its own.
func (r Role) check() []Problem {
	var out []Problem
	bad := func(summary, format string, args ...any) {
		out = append(out, Problem{Field: FieldRoles, Key: r.Name, Summary: summary,
			Detail: fmt.Sprintf("roles[%q]", r.Name) + fmt.Sprintf(format, args...)})
	}
	if r.Name == "" {
		bad("Unnamed role", ": give the role a name.")
	}
	if !slices.Contains(RoleBases, r.Base) {
		bad("Unknown role base", ".base: %q is not one of %s.", r.Base, quoted(RoleBases))
	}
	for i, p := range r.BindPaths {
		if err := checkBindPath(p); err != nil {
			bad("Unsafe bind path", ".bind_paths[%d]: %v", i, err)
		}
	}
	if len(r.BindPaths) > 0 && (r.Base == RoleAdmin || r.Base == RoleReadOnly) {
		bad("Bind paths without effect", ".bind_paths: a role based on %q binds %s: remove them, or base the role on %q.",
			r.Base, map[RoleBase]string{RoleAdmin: "any path already", RoleReadOnly: "nothing, as it creates no containers"}[r.Base], RoleBuilder)
	}
	for i, rule := range r.AllowRules {
		if _, err := parseRuleBody(rule); err != nil {
			bad("Invalid rule", ".allow_rules[%d] is not a Rego rule body: %v", i, err)
		}
	}
	return out
}

// checkBindPath returns why p may not be bound into containers.
func checkBindPath(p string) error {
	if !path.IsAbs(p) || path.Clean(p) != p {
		return fmt.Errorf("%q must be an absolute, clean path, such as \"/srv/ci\"", p)
	}
	for _, root := range sensitiveRoots {
		if p == "/" || p == root || strings.HasPrefix(root, p+"/") || strings.HasPrefix(p, root+"/") {
			return fmt.Errorf("%q is or holds %s, where the host keeps its keys, its configuration or the engine's own state: "+
				"even read-only, a container that sees it reads the host's secrets. Bind a folder of its own, such as \"/srv/ci\"", p, root)
		}
	}
	return nil
}

// parseRuleBody parses one rule body, and only one.
func parseRuleBody(rule string) (ast.Body, error) {
	if strings.TrimSpace(rule) == "" {
		return nil, fmt.Errorf("it is empty")
	}
	return ast.ParseBodyWithOpts(rule, ast.ParserOptions{RegoVersion: ast.RegoV1})
}

// checkMembers judges the members against the client trust, cas from
// trustField: each issued by a trusted CA, with a common name, held by one
// role.
func (a AuthorizationPolicy) checkMembers(cas []*x509.Certificate, trustField Field) []Problem {
	var out []Problem
	now := a.Now
	if now.IsZero() {
		now = time.Now()
	}
	roleOf := map[string]string{}
	for _, r := range a.Roles {
		for i, m := range r.Members {
			at := fmt.Sprintf("roles[%q].members[%d]", r.Name, i)
			bad := func(warning bool, summary, format string, args ...any) {
				out = append(out, Problem{Field: FieldRoles, Key: r.Name, Warning: warning, Summary: summary, Detail: at + ": " + fmt.Sprintf(format, args...)})
			}
			cert, err := pki.ParseCertificatePEM(m)
			if err != nil {
				bad(false, "Invalid member certificate", "%v", err)
				continue
			}
			cn := cert.Subject.CommonName
			if cn == "" {
				bad(false, "Member without a common name", "the certificate has no common name, the only thing of it the plugin sees: "+
					"issue it with one.")
				continue
			}
			if other, ok := roleOf[cn]; ok && other != r.Name {
				bad(false, "A name in two roles", "%q is also a member of %q: the plugin sees only the common name, so it cannot tell "+
					"them apart. Give each client a name of its own.", cn, other)
			}
			roleOf[cn] = r.Name
			if issuerOf(cert, cas) == nil {
				bad(false, "Member of an issuer the daemon does not trust", "%q is not issued by a CA in %s, the daemon's client trust: "+
					"the daemon refuses it at the handshake, and the role would be held by no one. Issue it from a trusted CA, or add its "+
					"issuer to the trust.", cn, trustField)
				continue
			}
			if now.After(cert.NotAfter) {
				bad(true, "Expired member", "%q expired at %s: the daemon refuses it at the handshake; renew it.", cn, pki.FormatTime(cert.NotAfter))
			}
		}
	}
	return out
}

// issuerOf is the CA in cas that signed cert, nil when none did.
func issuerOf(cert *x509.Certificate, cas []*x509.Certificate) *x509.Certificate {
	for _, ca := range cas {
		if bytes.Equal(cert.RawIssuer, ca.RawSubject) && cert.CheckSignatureFrom(ca) == nil {
			return ca
		}
	}
	return nil
}

// issuersBehindRoles warns when the client trust holds two issuers or
// more and the roles differ: any trusted issuer (one with no member too)
// could issue a certificate with a name another role's members hold, and
// the plugin, which sees only names, would give it their role. A warning,
// not an error: an issuer per team is how revocation by issuer shuts out one
// team, and that must stay possible.
func issuersBehindRoles(cas []*x509.Certificate, roles []Role, trustField Field) []Problem {
	issuers := map[string]string{}
	for _, ca := range cas {
		issuers[string(ca.RawSubject)] = fmt.Sprintf("%q", ca.Subject.CommonName)
	}
	bases := map[RoleBase]bool{}
	for _, r := range roles {
		bases[r.Base] = true
	}
	if len(issuers) < 2 || len(bases) < 2 {
		return nil
	}
	names := slices.Sorted(maps.Values(issuers))
	return []Problem{{Field: FieldRoles, Warning: true, Summary: "Two issuers behind different roles",
		Detail: fmt.Sprintf("roles: %s trusts %d issuers (%s), and the roles differ. The plugin sees only a certificate's common "+
			"name, so each issuer can make a certificate with a name another role's members hold and get their role: whoever holds "+
			"any of these issuers' keys holds every role. Keep them all as safe as the most powerful role's, or issue this "+
			"daemon's clients from one CA (revocation by issuer then shuts out all of them at once).",
			trustField, len(issuers), strings.Join(names, ", "))}}
}

// compile compiles the policy with OPA's own compiler: one role's rules
// at a time, so that an error names the role whose rules cause it.
func (a AuthorizationPolicy) compile() []Problem {
	var out []Problem
	for _, r := range a.Roles {
		if len(r.AllowRules) == 0 {
			continue
		}
		one := a
		one.Roles = []Role{r}
		if err := compilePolicy(one.Policy()); err != nil {
			out = append(out, Problem{Field: FieldRoles, Key: r.Name, Summary: "A rule that does not compile",
				Detail: fmt.Sprintf("roles[%q].allow_rules: OPA's compiler refuses the policy with them: %v. Each rule is the body of a "+
					"Rego rule over input (opa-docker-authz's input document) and request_path (the path without its API version), "+
					"such as: input.Method == \"GET\"; request_path == \"/plugins\"", r.Name, err)})
		}
	}
	if len(out) == 0 {
		if err := compilePolicy(a.Policy()); err != nil {
			out = append(out, Problem{Field: FieldRoles, Summary: "A policy that does not compile", Detail: "roles: " + err.Error()})
		}
	}
	return out
}

// compilePolicy compiles one policy module, returning OPA's errors.
func compilePolicy(policy string) error {
	m, err := ast.ParseModuleWithOpts(DefaultPolicyPath, policy, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return err
	}
	c := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1).WithStrict(true)
	if c.Compile(map[string]*ast.Module{DefaultPolicyPath: m}); c.Failed() {
		return c.Errors
	}
	return nil
}

// Policy is the Rego policy: the roles as data, the user's rules, and the
// built-in roles and checks. Every value a user gives is a JSON string in
// it, or a rule body OPA's parser has re-printed: nothing else is spliced.
func (a AuthorizationPolicy) Policy() string {
	roles, bases, binds := map[string]string{}, map[string]string{}, map[string][]string{}
	var own strings.Builder
	for _, r := range a.Roles {
		bases[r.Name] = string(r.Base)
		if len(r.BindPaths) > 0 {
			binds[r.Name] = r.BindPaths
		}
		for _, m := range r.Members {
			if cert, err := pki.ParseCertificatePEM(m); err == nil {
				roles[cert.Subject.CommonName] = r.Name
			}
		}
		for _, rule := range r.AllowRules {
			body, err := parseRuleBody(rule)
			if err != nil {
				continue // Check reports it
			}
			fmt.Fprintf(&own, "own_allow contains %s if {\n", jsonText(r.Name))
			for _, expr := range body {
				fmt.Fprintf(&own, "\t%s\n", expr)
			}
			own.WriteString("}\n\n")
		}
	}
	var b strings.Builder
	b.WriteString("# The authorization policy of a Docker daemon, for opa-docker-authz: who may ask it what.\n")
	b.WriteString("# Rendered by terraform-provider-dockertls (dockertls_authorization_policy): change it there.\n")
	b.WriteString("package docker.authz\n\nimport rego.v1\n\n")
	b.WriteString("# The role of each client certificate, by its common name (dockerd passes it as User).\n")
	fmt.Fprintf(&b, "roles := %s\n\n", jsonText(roles))
	b.WriteString("# What each role starts from: admin, read_only, builder or none.\n")
	fmt.Fprintf(&b, "role_base := %s\n\n", jsonText(bases))
	b.WriteString("# The host folders each role may bind into containers, read-only.\n")
	fmt.Fprintf(&b, "role_bind_paths := %s\n\n", jsonText(binds))
	if own.Len() > 0 {
		b.WriteString("# Rules of the role's own: each allows more requests, still under the checks below.\n")
		b.WriteString(own.String())
	}
	b.WriteString(policyBody)
	return b.String()
}

// jsonText is v as JSON, which is also a Rego term.
func jsonText(v any) string {
	out, _ := json.Marshal(v)
	return string(out)
}

func quoted[T ~string](values []T) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

// AuthorizationRendered is a policy and how it reaches a host.
type AuthorizationRendered struct {
	Policy string
	// PolicyTests are Rego tests of Policy, for opa test.
	PolicyTests string
	// PluginName is the plugin as daemon.json's authorization-plugins
	// names it.
	PluginName string
	// DaemonSettings are the daemon.json settings that enable the plugin.
	DaemonSettings map[string]any
	// Files are the policy and, for a legacy plugin, its unit.
	Files []File
	// InstallCommands start the plugin, in order, once Files are written.
	InstallCommands []string
}

// Render checks a and renders its policy, its tests and its delivery.
func (a AuthorizationPolicy) Render() (AuthorizationRendered, []Problem) {
	problems := a.Check()
	if hasError(problems) {
		return AuthorizationRendered{}, problems
	}
	out := AuthorizationRendered{
		Policy: a.Policy(), PolicyTests: a.PolicyTests(), PluginName: AuthzPluginName,
		DaemonSettings: map[string]any{
			AuthorizationPluginsKey: []string{AuthzPluginName},
			// BuildKit's own API (/grpc, which buildx's docker driver
			// speaks) lets a build ask for the host's network or an
			// insecure sandbox: the daemon refuses both to every role.
			"builder": map[string]any{"entitlements": map[string]any{"network-host": false, "security-insecure": false}},
		},
	}
	out.Files = []File{{Name: "authz.rego", Path: a.PolicyPath, Content: out.Policy, Mode: ModeConfig}}
	switch a.Plugin {
	case PluginManaged:
		inPlugin := managedPluginMount + strings.TrimPrefix(a.PolicyPath, "/etc/docker")
		out.InstallCommands = []string{fmt.Sprintf("docker plugin install --grant-all-permissions --alias %s %s opa-args=%s",
			AuthzPluginName, a.PluginImage, shellQuote("-policy-file "+inPlugin))}
	case PluginLegacy:
		out.Files = append(out.Files, File{Name: "opa-docker-authz.service", Path: AuthzUnitPath, Content: a.unit(), Mode: ModeConfig})
		out.InstallCommands = []string{"systemctl daemon-reload", "systemctl enable --now opa-docker-authz.service"}
	}
	return out, problems
}

// unit is the legacy plugin's systemd unit. It starts only once its policy
// is there (opa-docker-authz allows every request without one), and before
// dockerd, which finds a legacy plugin once, at its first request.
func (a AuthorizationPolicy) unit() string {
	return fmt.Sprintf(`# Rendered by terraform-provider-dockertls (dockertls_authorization_policy).
[Unit]
Description=opa-docker-authz, the Docker authorization plugin
Before=docker.service docker.socket
ConditionPathExists=%[1]s

[Service]
ExecStart=%[2]s -plugin-name %[3]s -policy-file %[1]s
Restart=always

[Install]
WantedBy=multi-user.target
RequiredBy=docker.service
`, a.PolicyPath, a.PluginProgram, AuthzPluginName)
}

// PolicyTests are Rego tests of the policy, one set per role, run by
// opa test with the policy: the local socket is root, a name no role holds
// is refused, and each role may do what its base allows and no more.
func (a AuthorizationPolicy) PolicyTests() string {
	var b strings.Builder
	b.WriteString("# Tests of the authorization policy, for opa test (beside the policy).\n")
	b.WriteString("# Rendered by terraform-provider-dockertls (dockertls_authorization_policy).\n")
	b.WriteString("package docker.authz_test\n\nimport rego.v1\n\nimport data.docker.authz\n\n")
	request := func(user, method, path string, body any) string {
		authMethod := "TLS"
		if user == "" {
			authMethod = ""
		}
		return jsonText(map[string]any{"User": user, "AuthMethod": authMethod, "Method": method, "Path": path, "PathPlain": path,
			"Query": map[string]any{}, "Headers": map[string]any{"Content-Type": "application/json"}, "Body": body, "BindMounts": []any{}})
	}
	plain := map[string]any{"Image": "busybox", "HostConfig": map[string]any{}}
	privileged := map[string]any{"Image": "busybox", "HostConfig": map[string]any{"Privileged": true}}
	rootBind := map[string]any{"Image": "busybox", "HostConfig": map[string]any{"Binds": []string{"/:/host"}}}
	test := func(name, comment string, allowed bool, input string) {
		not := ""
		if !allowed {
			not = "not "
		}
		fmt.Fprintf(&b, "# %s\ntest_%s if {\n\t%sauthz.allow with input as %s\n}\n\n", comment, name, not, input)
	}
	test("local_socket_is_root", "The local socket (no client certificate) is root.", true, request("", "POST", "/v1.41/containers/create", privileged))
	test("unknown_name_refused", "A certificate whose name no role holds is refused.", false, request("\x00no role", "GET", "/v1.41/version", nil))
	for i, r := range a.Roles {
		cn := firstMemberName(r)
		if cn == "" {
			continue
		}
		id := fmt.Sprintf("role_%d", i+1)
		say := func(what string) string { return fmt.Sprintf("%s (%s, %q): %s", jsonText(r.Name), r.Base, cn, what) }
		create := "/v1.41/containers/create"
		switch r.Base {
		case RoleAdmin:
			test(id+"_runs_privileged", say("may do anything, --privileged too."), true, request(cn, "POST", create, privileged))
		case RoleReadOnly:
			test(id+"_reads", say("may list containers."), true, request(cn, "GET", "/v1.41/containers/json", nil))
			test(id+"_creates_nothing", say("may not create a container."), false, request(cn, "POST", create, plain))
		case RoleBuilder:
			test(id+"_runs", say("may run a container."), true, request(cn, "POST", create, plain))
			test(id+"_not_privileged", say("may not run it --privileged."), false, request(cn, "POST", create, privileged))
			test(id+"_binds_no_root", say("may not bind the host's /."), false, request(cn, "POST", create, rootBind))
		case RoleNone:
			test(id+"_not_privileged", say("may not run a container --privileged, whatever its rules allow."), false,
				request(cn, "POST", create, privileged))
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// firstMemberName is the common name of r's first member that parses.
func firstMemberName(r Role) string {
	for _, m := range r.Members {
		if cert, err := pki.ParseCertificatePEM(m); err == nil {
			return cert.Subject.CommonName
		}
	}
	return ""
}
