package dockerconf

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/dockertls/terraform-provider-dockertls/internal/authzplugin"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// memberPEM is a client certificate named cn from a.
func (a testAuthority) memberPEM(t *testing.T, cn string) string {
	t.Helper()
	key, err := pki.GenerateKey(pki.ECDSAP256, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	issued, err := a.Issue(pki.LeafRequest{Subject: pki.Subject{CommonName: cn}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		Validity: time.Hour, PublicKey: key.Public()}, time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return issued.CertPEM
}

func (a testAuthority) pem() string { return pki.EncodeCertificatePEM(a.Certificate.Raw) }

// ciDir is the builder's bind path in the requests below; testPolicy
// replaces it with a folder of the test's (the plugin resolves binds, so
// they must exist).
const ciDir = "/srv/ci"

// testPolicy has one member per built-in role, and a role of its own
// rules: ops (admin), viewer (read_only), ci (builder, binding a folder of
// the test's, which holds src), plugins (none, allowed GET /plugins). It
// returns the folder too.
func testPolicy(t *testing.T) (AuthorizationPolicy, string) {
	ca := newTestAuthority(t, "clients")
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	return AuthorizationPolicy{
		Trust: ServerMaterial{CACertPEM: ca.pem()}, Plugin: PluginLegacy,
		Roles: []Role{
			{Name: "ops", Base: RoleAdmin, Members: []string{ca.memberPEM(t, "alice")}},
			{Name: "viewer", Base: RoleReadOnly, Members: []string{ca.memberPEM(t, "monitoring")}},
			{Name: "ci", Base: RoleBuilder, Members: []string{ca.memberPEM(t, "runner-1")}, BindPaths: []string{dir}},
			{Name: "plugins", Base: RoleNone, Members: []string{ca.memberPEM(t, "lister")},
				AllowRules: []string{`input.Method == "GET"; request_path == "/plugins"`}},
		},
	}.WithDefaults(), dir
}

// request is one API request as dockerd passes it to the plugin.
type request struct {
	method, uri, body string
	headers           map[string]string
}

func post(uri, body string) request {
	return request{method: "POST", uri: uri, body: body, headers: map[string]string{"Content-Type": "application/json"}}
}

func get(uri string) request { return request{method: "GET", uri: uri} }

func decide(t *testing.T, policy, user string, r request) authzplugin.Decision {
	t.Helper()
	if dir := bindPathOf(policy); dir != "" {
		r.body = strings.ReplaceAll(r.body, ciDir, dir)
	}
	method := ""
	if user != "" {
		method = "TLS"
	}
	input, err := authzplugin.Input(authzplugin.Request{User: user, UserAuthNMethod: method, RequestMethod: r.method, RequestURI: r.uri,
		RequestBody: []byte(r.body), RequestHeaders: r.headers})
	if err != nil {
		t.Fatal(err)
	}
	d, err := authzplugin.Decide(context.Background(), policy, input)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// bindPathOf is the ci role's bind path in policy, as rendered.
func bindPathOf(policy string) string {
	m := regexp.MustCompile(`role_bind_paths := \{"ci":\["([^"]+)"\]`).FindStringSubmatch(policy)
	if m == nil {
		return ""
	}
	return m[1]
}

// escapes are the ways from a container to the host that a body-reading
// policy must refuse, each with the reason the policy gives.
var escapes = []struct {
	name   string
	req    request
	reason string
}{
	{"privileged", post("/v1.41/containers/create", `{"Image":"x","HostConfig":{"Privileged":true}}`), "--privileged"},
	{"privileged, key in lower case", post("/v1.41/containers/create", `{"Image":"x","hostconfig":{"privileged":true}}`), "--privileged"},
	{"privileged at the top of the body", post("/v1.41/containers/create", `{"Image":"x","Privileged":true}`), "--privileged"},
	{"privileged after a false copy", post("/v1.41/containers/create", `{"HostConfig":{"Privileged":false,"PRIVILEGED":true}}`), "--privileged"},
	{"bind of /", post("/v1.41/containers/create", `{"HostConfig":{"Binds":["/:/host"]}}`), "bind mount"},
	{"bind, key with a long s (U+017F)", post("/v1.41/containers/create", `{"HostConfig":{"Bindſ":["/:/host"]}}`), "bind mount"},
	{"bind of the docker socket", post("/v1.41/containers/create", `{"HostConfig":{"Binds":["/var/run/docker.sock:/var/run/docker.sock"]}}`), "bind mount"},
	{"bind of an allowed path, writable", post("/v1.41/containers/create", `{"HostConfig":{"Binds":["/srv/ci:/src"]}}`), "bind mount"},
	{"bind of an allowed path, read-write", post("/v1.41/containers/create", `{"HostConfig":{"Binds":["/srv/ci:/src:ro,rw"]}}`), "bind mount"},
	{"bind out of an allowed path by ..", post("/v1.41/containers/create", `{"HostConfig":{"Binds":["/srv/ci/../../etc:/e:ro"]}}`), "bind mount"},
	{"bind of a sibling of an allowed path", post("/v1.41/containers/create", `{"HostConfig":{"Binds":["/srv/ci2:/e:ro"]}}`), "bind mount"},
	{"mount of type bind", post("/v1.41/containers/create", `{"HostConfig":{"Mounts":[{"Type":"bind","Source":"/","Target":"/host"}]}}`), "mount"},
	{"mount of type bind, keys in lower case", post("/v1.41/containers/create", `{"HostConfig":{"Mounts":[{"type":"bind","source":"/","target":"/host"}]}}`), "mount"},
	{"mount of an allowed path, writable", post("/v1.41/containers/create", `{"HostConfig":{"Mounts":[{"Type":"bind","Source":"/srv/ci","Target":"/s"}]}}`), "mount"},
	{"mount, read-only but not recursively", post("/v1.41/containers/create",
		`{"HostConfig":{"Mounts":[{"Type":"bind","Source":"/srv/ci","Target":"/s","ReadOnly":true,"BindOptions":{"ReadOnlyNonRecursive":true}}]}}`), "mount"},
	{"volume mount backed by a bind of /", post("/v1.41/containers/create",
		`{"HostConfig":{"Mounts":[{"Type":"volume","Target":"/host","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"none","o":"bind","device":"/"}}}}]}}`), "mount"},
	{"volume created over a bind of /", post("/v1.41/volumes/create", `{"Name":"root","DriverOpts":{"type":"none","o":"bind","device":"/"}}`), "volume"},
	{"volume of another driver", post("/v1.41/volumes/create", `{"Name":"v","Driver":"some-plugin"}`), "volume"},
	{"volumes from another container", post("/v1.41/containers/create", `{"HostConfig":{"VolumesFrom":["admin-tools"]}}`), "--volumes-from"},
	{"added capability", post("/v1.41/containers/create", `{"HostConfig":{"CapAdd":["SYS_ADMIN"]}}`), "--cap-add"},
	{"device", post("/v1.41/containers/create", `{"HostConfig":{"Devices":[{"PathOnHost":"/dev/sda","PathInContainer":"/dev/sda","CgroupPermissions":"rwm"}]}}`), "--device"},
	{"device cgroup rule", post("/v1.41/containers/create", `{"HostConfig":{"DeviceCgroupRules":["b *:* rwm"]}}`), "--device-cgroup-rule"},
	{"GPU request", post("/v1.41/containers/create", `{"HostConfig":{"DeviceRequests":[{"Count":-1}]}}`), "--gpus"},
	{"host network", post("/v1.41/containers/create", `{"HostConfig":{"NetworkMode":"host"}}`), "networkmode host"},
	{"host network by a network ID", post("/v1.41/containers/create", `{"HostConfig":{"NetworkMode":"4f8a1c"}}`), "networkmode 4f8a1c"},
	{"network of another container", post("/v1.41/containers/create", `{"HostConfig":{"NetworkMode":"container:admin"}}`), "networkmode container:admin"},
	{"host network as an endpoint", post("/v1.41/containers/create", `{"NetworkingConfig":{"EndpointsConfig":{"host":{}}}}`), "network host"},
	{"host PID namespace", post("/v1.41/containers/create", `{"HostConfig":{"PidMode":"host"}}`), "pidmode host"},
	{"host IPC namespace", post("/v1.41/containers/create", `{"HostConfig":{"IpcMode":"host"}}`), "ipcmode host"},
	{"host UTS namespace", post("/v1.41/containers/create", `{"HostConfig":{"UTSMode":"host"}}`), "utsmode host"},
	{"host user namespace", post("/v1.41/containers/create", `{"HostConfig":{"UsernsMode":"host"}}`), "usernsmode host"},
	{"host cgroup namespace", post("/v1.41/containers/create", `{"HostConfig":{"CgroupnsMode":"host"}}`), "cgroupnsmode host"},
	{"network mode, key with a Kelvin sign", post("/v1.41/containers/create", `{"HostConfig":{"NetworKMode":"host"}}`), "networkmode host"},
	{"seccomp off", post("/v1.41/containers/create", `{"HostConfig":{"SecurityOpt":["seccomp=unconfined"]}}`), "seccomp=unconfined"},
	{"AppArmor off", post("/v1.41/containers/create", `{"HostConfig":{"SecurityOpt":["apparmor=unconfined"]}}`), "apparmor=unconfined"},
	{"SELinux labels off", post("/v1.41/containers/create", `{"HostConfig":{"SecurityOpt":["label=disable"]}}`), "label=disable"},
	{"masked paths off", post("/v1.41/containers/create", `{"HostConfig":{"MaskedPaths":[]}}`), "masked paths"},
	{"another runtime", post("/v1.41/containers/create", `{"HostConfig":{"Runtime":"unsafe"}}`), "runtime"},
	{"cgroup parent", post("/v1.41/containers/create", `{"HostConfig":{"CgroupParent":"/"}}`), "--cgroup-parent"},
	{"HostConfig that is not an object", post("/v1.41/containers/create", `{"HostConfig":"privileged"}`), "not an object"},
	{"create without a body the plugin saw", request{method: "POST", uri: "/v1.41/containers/create",
		body: `{"HostConfig":{"Privileged":true}}`, headers: map[string]string{"Content-Type": "application/json; charset=utf-8"}}, "body did not reach"},
	{"create with a body over 1 MiB (not sent to the plugin)", request{method: "POST", uri: "/v1.41/containers/create",
		headers: map[string]string{"Content-Type": "application/json"}}, "body did not reach"},
	{"exec privileged", post("/v1.41/containers/abc/exec", `{"Cmd":["sh"],"Privileged":true}`), "exec with --privileged"},
	{"a classic build (its parameters may come from a form body)", request{method: "POST", uri: "/v1.41/build?networkmode=host"}, "for the admin only"},
	{"a swarm service (its mounts are not judged)", post("/v1.41/services/create", `{"TaskTemplate":{"ContainerSpec":{"Image":"x","Mounts":[{"Type":"bind","Source":"/","Target":"/h"}]}}}`), "for the admin only"},
	{"a swarm of one's own", post("/v1.41/swarm/init", `{}`), "for the admin only"},
	{"the swarm's join tokens", get("/v1.41/swarm"), "for the admin only"},
	{"a plugin (its permissions are not judged)", request{method: "POST", uri: "/v1.41/plugins/pull?remote=evil/plugin"}, "for the admin only"},
	{"a container's update", post("/v1.41/containers/abc/update", `{"RestartPolicy":{"Name":"always"}}`), "for the admin only"},
	{"an import from a URL (fetched from the host's network)", request{method: "POST", uri: "/v1.41/images/create?fromSrc=http://169.254.169.254/latest/meta-data/&repo=x"}, "fromSrc"},
	{"a form body", request{method: "POST", uri: "/v1.41/images/create", body: "fromSrc=http://169.254.169.254/",
		headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, "form body"},
	{"a link out of the bind path, key in lower case (not resolved by the plugin)", post("/v1.41/containers/create",
		`{"HostConfig":{"binds":["/srv/ci/src:/src:ro"]}}`), "was not resolved by the plugin"},
	{"a bind source that does not exist (not resolved by the plugin)", post("/v1.41/containers/create",
		`{"HostConfig":{"Binds":["/srv/ci/missing:/m:ro"]}}`), "was not resolved by the plugin"},
	{"a log driver of the host's", post("/v1.41/containers/create", `{"HostConfig":{"LogConfig":{"Type":"syslog","Config":{"syslog-address":"unix:///dev/log"}}}}`), "log driver syslog"},
	{"links", post("/v1.41/containers/create", `{"HostConfig":{"Links":["admin-db:db"]}}`), "links"},
	{"a network over the metadata address", post("/v1.41/networks/create", `{"Name":"n","IPAM":{"Config":[{"Subnet":"169.254.169.254/32"}]}}`), "addresses of its own"},
	{"an old API version (start with a HostConfig)", post("/v1.23/containers/abc/start", `{"Privileged":true}`), "older than 1.24"},
	{"an unclean path", post("/v1.41/containers//create", `{}`), "not clean"},
	{"a network with options", post("/v1.41/networks/create", `{"Name":"n","Driver":"macvlan","Options":{"parent":"eth0"}}`), "network other than a bridge"},
	{"connecting to the host network", post("/v1.41/networks/host/connect", `{"Container":"c"}`), "network host"},
}

// TestAuthorizationPolicyRefusesEveryEscape: each way to the host is
// refused for the builder, with the policy's reason, and allowed for the
// admin.
func TestAuthorizationPolicyRefusesEveryEscape(t *testing.T) {
	a, _ := testPolicy(t)
	policy := a.Policy()
	for _, e := range escapes {
		t.Run(e.name, func(t *testing.T) {
			d := decide(t, policy, "runner-1", e.req)
			if d.Allow {
				t.Fatalf("the builder may %s", e.name)
			}
			if e.reason != "" && !strings.Contains(strings.Join(d.Refusals, "; "), e.reason) {
				t.Errorf("refused for %q, want a reason with %q", d.Refusals, e.reason)
			}
			if d := decide(t, policy, "monitoring", e.req); d.Allow {
				t.Errorf("the read-only role may %s", e.name)
			}
			if d := decide(t, policy, "alice", e.req); !d.Allow {
				t.Errorf("the admin may not %s: %q", e.name, d.Refusals)
			}
		})
	}
}

// TestAuthorizationPolicyRoles: what each role may do.
func TestAuthorizationPolicyRoles(t *testing.T) {
	a, _ := testPolicy(t)
	policy := a.Policy()
	plainRun := post("/v1.41/containers/create", `{"Image":"busybox","Cmd":["true"],"HostConfig":{"Binds":["cache:/cache","/srv/ci/src:/src:ro"],`+
		`"Mounts":[{"Type":"tmpfs","Target":"/tmp"},{"Type":"bind","Source":"/srv/ci","Target":"/ci","ReadOnly":true,"BindOptions":{"ReadOnlyForceRecursive":true}},`+
		`{"Type":"image","Source":"busybox","Target":"/img"}],"LogConfig":{"Type":"json-file","Config":{}},`+
		`"NetworkMode":"default","SecurityOpt":["no-new-privileges"],"CapDrop":["ALL"]}}`)
	for _, c := range []struct {
		user string
		req  request
		want bool
	}{
		{"", post("/v1.41/containers/create", `{"HostConfig":{"Privileged":true}}`), true}, // the unix socket: local root
		{"alice", get("/v1.41/info"), true},
		{"stranger", get("/v1.41/version"), false}, // a name no role holds
		{"monitoring", get("/v1.41/version"), true},
		{"monitoring", get("/_ping"), true},
		{"monitoring", get("/v1.41/containers/json?all=1"), true},
		{"monitoring", get("/v1.41/containers/abc/logs?stdout=1"), true},
		{"monitoring", get("/v1.41/images/library/busybox:latest/json"), true},
		{"monitoring", get("/v1.41/events"), true},
		{"monitoring", plainRun, false},
		{"monitoring", post("/v1.41/containers/abc/stop", ""), false},
		{"monitoring", post("/v1.41/images/create?fromImage=busybox", ""), false},
		{"monitoring", get("/v1.41/containers/abc/export"), false},
		{"runner-1", plainRun, true},
		{"runner-1", post("/v1.41/images/create?fromImage=busybox&tag=latest", ""), true},
		{"runner-1", request{method: "POST", uri: "/v1.41/build?t=app&networkmode=default"}, false},
		{"runner-1", post("/v1.41/grpc", ""), true},
		{"runner-1", post("/v1.41/session", ""), true},
		{"runner-1", get("/v1.41/distribution/busybox/json"), true},
		{"runner-1", post("/v1.41/networks/create", `{"Name":"ci","Driver":"bridge","IPAM":{"Driver":"default","Config":[],"Options":{}},"Options":{}}`), true},
		{"monitoring", get("/v1.41/swarm"), false}, // the join tokens
		{"monitoring", get("/v1.41/configs/abc"), false},
		{"runner-1", post("/v1.41/containers/abc/start", ""), true},
		{"runner-1", post("/v1.41/containers/abc/exec", `{"Cmd":["sh"]}`), true},
		{"runner-1", post("/v1.41/volumes/create", `{"Name":"cache"}`), true},
		{"runner-1", post("/v1.41/networks/create", `{"Name":"ci_default","Driver":"bridge"}`), true},
		{"runner-1", post("/v1.41/networks/ci_default/connect", `{"Container":"c"}`), true},
		{"runner-1", request{method: "DELETE", uri: "/v1.41/containers/abc?force=1"}, true},
		{"runner-1", post("/v1.41/plugins/pull?remote=x", ""), false},
		{"runner-1", post("/v1.41/swarm/init", "{}"), false},
		{"runner-1", post("/v1.41/containers/abc/update", `{"Memory":1}`), false},
		{"lister", get("/v1.41/plugins"), true},
		{"lister", get("/v1.41/version"), false},
	} {
		if got := decide(t, policy, c.user, c.req); got.Allow != c.want {
			t.Errorf("%q %s %s: allowed %v, want %v (%q)", c.user, c.req.method, c.req.uri, got.Allow, c.want, got.Refusals)
		}
	}
}

// TestAuthorizationPolicyOwnRulesLiftNoCheck: a role whose own rule allows
// every request still gets none of the escapes, nor an endpoint only the
// admin may call.
func TestAuthorizationPolicyOwnRulesLiftNoCheck(t *testing.T) {
	a, _ := testPolicy(t)
	for i := range a.Roles {
		if a.Roles[i].Name == "plugins" {
			a.Roles[i].AllowRules = []string{"true"}
		}
	}
	policy := a.Policy()
	if d := decide(t, policy, "lister", get("/v1.41/containers/json")); !d.Allow {
		t.Fatalf("the rule that allows everything does not: %q", d.Refusals)
	}
	for _, e := range escapes {
		if d := decide(t, policy, "lister", e.req); d.Allow {
			t.Errorf("a rule of its own lets the role %s", e.name)
		}
	}
}

// TestAuthorizationPolicyRulesJudgedBeforeMembers: a rule that does not
// compile is a plan-time error on the first plan too, when the members are
// still to be issued.
func TestAuthorizationPolicyRulesJudgedBeforeMembers(t *testing.T) {
	ca := newTestAuthority(t, "clients")
	a := AuthorizationPolicy{Trust: ServerMaterial{CACertPEM: ca.pem()}, MembersPending: true,
		Roles: []Role{{Name: "ci", Base: RoleNone, AllowRules: []string{"no_such_rule"}}}}.WithDefaults()
	var details []string
	for _, p := range a.Check() {
		details = append(details, p.Detail)
	}
	if got := strings.Join(details, "\n"); !strings.Contains(got, `roles["ci"].allow_rules: OPA's compiler refuses`) || strings.Contains(got, "no members") {
		t.Errorf("with the members pending: %s", got)
	}
}

// TestAuthorizationPolicyResolvesBindSources: a bind under an allowed path
// that is a symbolic link out of it is refused by where it leads.
func TestAuthorizationPolicyResolvesBindSources(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("/", filepath.Join(dir, "root")); err != nil {
		t.Fatal(err)
	}
	a, _ := testPolicy(t)
	a.Roles[0].BindPaths = []string{dir} // ci, sorted first
	if a.Roles[0].Name != "ci" {
		t.Fatalf("roles are not sorted: %q first", a.Roles[0].Name)
	}
	d := decide(t, a.Policy(), "runner-1", post("/v1.41/containers/create", `{"HostConfig":{"Binds":["`+dir+`/root:/host:ro"]}}`))
	if d.Allow || !strings.Contains(strings.Join(d.Refusals, ";"), "resolves to /") {
		t.Errorf("a link to / under a bind path: allowed %v, %q", d.Allow, d.Refusals)
	}
}

// TestAuthorizationPolicyCheck: what is refused at plan time, naming the
// role.
func TestAuthorizationPolicyCheck(t *testing.T) {
	ca, other := newTestAuthority(t, "clients"), newTestAuthority(t, "other clients")
	base := func() AuthorizationPolicy {
		return AuthorizationPolicy{Trust: ServerMaterial{CACertPEM: ca.pem()},
			Roles: []Role{{Name: "ops", Base: RoleAdmin, Members: []string{ca.memberPEM(t, "alice")}}}}.WithDefaults()
	}
	if problems := base().Check(); len(problems) != 0 {
		t.Fatalf("a plain policy: %+v", problems)
	}
	for _, c := range []struct {
		name   string
		change func(*AuthorizationPolicy)
		want   string
	}{
		{"no roles", func(a *AuthorizationPolicy) { a.Roles = nil }, "give at least one role"},
		{"empty role", func(a *AuthorizationPolicy) { a.Roles = append(a.Roles, Role{Name: "ci", Base: RoleBuilder}) }, `roles["ci"].members: the role has no members`},
		{"unknown base", func(a *AuthorizationPolicy) { a.Roles[0].Base = "root" }, `roles["ops"].base: "root" is not one of`},
		{"member of an untrusted issuer", func(a *AuthorizationPolicy) {
			a.Roles = append(a.Roles, Role{Name: "ci", Base: RoleBuilder, Members: []string{other.memberPEM(t, "runner")}})
		}, `roles["ci"].members[0]: "runner" is not issued by a CA in ca_cert_pem`},
		{"one name in two roles", func(a *AuthorizationPolicy) {
			a.Roles = append(a.Roles, Role{Name: "viewer", Base: RoleReadOnly, Members: []string{ca.memberPEM(t, "alice")}})
		}, `"alice" is also a member of "ops"`},
		{"member without a name", func(a *AuthorizationPolicy) { a.Roles[0].Members = append(a.Roles[0].Members, ca.memberPEM(t, "")) }, "no common name"},
		{"bind path /", func(a *AuthorizationPolicy) {
			a.Roles = append(a.Roles, Role{Name: "ci", Base: RoleBuilder, Members: []string{ca.memberPEM(t, "r")}, BindPaths: []string{"/"}})
		}, `roles["ci"].bind_paths[0]: "/" is or holds /etc`},
		{"bind path above the docker socket", func(a *AuthorizationPolicy) {
			a.Roles = append(a.Roles, Role{Name: "ci", Base: RoleBuilder, Members: []string{ca.memberPEM(t, "r")}, BindPaths: []string{"/var"}})
		}, `"/var" is or holds /var/run`},
		{"bind path for an admin", func(a *AuthorizationPolicy) { a.Roles[0].BindPaths = []string{"/srv/x"} }, "bind_paths: a role based on \"admin\""},
		{"rule that is not a body", func(a *AuthorizationPolicy) {
			a.Roles[0].AllowRules = []string{"true }\nallow if { true"}
		}, `roles["ops"].allow_rules[0] is not a Rego rule body`},
		{"rule that does not compile", func(a *AuthorizationPolicy) { a.Roles[0].AllowRules = []string{"undefined_thing == 1"} },
			`roles["ops"].allow_rules: OPA's compiler refuses`},
		{"rule that calls itself", func(a *AuthorizationPolicy) { a.Roles[0].AllowRules = []string{`data.docker.authz.allow`} },
			`roles["ops"].allow_rules: OPA's compiler refuses`},
		{"managed plugin, policy out of /etc/docker", func(a *AuthorizationPolicy) { a.PolicyPath = "/srv/authz.rego" }, "only host folder the managed plugin sees"},
		{"bind paths with a managed plugin", func(a *AuthorizationPolicy) {
			a.Roles = append(a.Roles, Role{Name: "ci", Base: RoleBuilder, Members: []string{ca.memberPEM(t, "r")}, BindPaths: []string{"/srv/ci"}})
		}, `roles["ci"].bind_paths: a managed plugin sees only /etc/docker`},
		{"relative legacy program", func(a *AuthorizationPolicy) { a.Plugin, a.PluginProgram = PluginLegacy, "opa-docker-authz" }, "must be an absolute path"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := base()
			c.change(&a)
			a = a.WithDefaults()
			var details []string
			for _, p := range a.Check() {
				if !p.Warning {
					details = append(details, p.Detail)
				}
			}
			if !strings.Contains(strings.Join(details, "\n"), c.want) {
				t.Errorf("errors %q, want one with %q", details, c.want)
			}
		})
	}
}

// TestAuthorizationPolicyTestsPass: the rendered tests hold on the rendered
// policy, each of them (opa test runs them in the judges' test).
func TestAuthorizationPolicyTestsPass(t *testing.T) {
	a, _ := testPolicy(t)
	rendered, problems := a.Render()
	if hasError(problems) {
		t.Fatal(problems)
	}
	tests := regexp.MustCompile(`(?m)^test_(\w+) if`).FindAllStringSubmatch(rendered.PolicyTests, -1)
	if len(tests) != 2+1+2+3+1 {
		t.Fatalf("%d tests, want 9 (the socket, a stranger, and the roles'):\n%s", len(tests), rendered.PolicyTests)
	}
	rs, err := rego.New(rego.Query("data.docker.authz_test"), rego.Module("authz.rego", rendered.Policy),
		rego.Module("authz_test.rego", rendered.PolicyTests)).Eval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	passed := rs[0].Expressions[0].Value.(map[string]any)
	for _, m := range tests {
		if passed["test_"+m[1]] != true {
			t.Errorf("test_%s fails on the policy it was rendered with", m[1])
		}
	}
}

// TestAuthorizationPolicyWarnsOfIssuersBehindRoles: two trusted issuers
// and roles that differ are a warning (either can make the other's names);
// one role behind both is not.
func TestAuthorizationPolicyWarnsOfIssuersBehindRoles(t *testing.T) {
	ca, other := newTestAuthority(t, "staff"), newTestAuthority(t, "contractors")
	for _, c := range []struct {
		name     string
		roles    []Role
		warnings int
	}{
		{"different roles", []Role{{Name: "ops", Base: RoleAdmin, Members: []string{ca.memberPEM(t, "alice")}},
			{Name: "ci", Base: RoleBuilder, Members: []string{other.memberPEM(t, "runner")}}}, 1},
		{"one role", []Role{{Name: "ci", Base: RoleBuilder, Members: []string{ca.memberPEM(t, "r1"), other.memberPEM(t, "r2")}}}, 0},
	} {
		a := AuthorizationPolicy{Trust: ServerMaterial{CACertPEM: ca.pem(), ClientCACertPEM: ca.pem() + other.pem()}, Roles: c.roles}.WithDefaults()
		problems := a.Check()
		if hasError(problems) || len(problems) != c.warnings {
			t.Errorf("%s: %+v, want %d warnings", c.name, problems, c.warnings)
		}
		if c.warnings > 0 && !strings.Contains(problems[0].Detail, `client_ca_cert_pem trusts 2 issuers ("contractors", "staff"), and the roles differ`) {
			t.Errorf("%s: %s", c.name, problems[0].Detail)
		}
	}
}

// TestAuthorizationRender: the files, the commands in their order, and the
// daemon settings.
func TestAuthorizationRender(t *testing.T) {
	a, _ := testPolicy(t)
	a.Plugin = PluginManaged
	a.Roles[0].BindPaths = nil // a managed plugin cannot resolve them
	managed, problems := a.Render()
	if hasError(problems) {
		t.Fatal(problems)
	}
	if want := `docker plugin install --grant-all-permissions --alias opa-docker-authz openpolicyagent/opa-docker-authz-v2:0.10 opa-args='-policy-file /opa/policies/authz.rego'`; managed.InstallCommands[0] != want {
		t.Errorf("install command:\n%s\nwant\n%s", managed.InstallCommands[0], want)
	}
	if len(managed.Files) != 1 || managed.Files[0].Path != DefaultPolicyPath || managed.Files[0].Mode != ModeConfig {
		t.Errorf("files %+v", managed.Files)
	}
	settings, _ := json.Marshal(managed.DaemonSettings)
	if want := `{"authorization-plugins":["opa-docker-authz"],"builder":{"entitlements":{"network-host":false,"security-insecure":false}}}`; string(settings) != want {
		t.Errorf("settings %s", settings)
	}
	if f := Findings(normalize(managed.DaemonSettings).(map[string]any), PlatformLinux); f[11].ID != "2.12" || f[11].Status != StatusPass {
		t.Errorf("2.12 with the plugin: %+v", f[11])
	}
	a.Plugin = PluginLegacy
	legacy, _ := a.Render()
	if len(legacy.Files) != 2 || !strings.Contains(legacy.Files[1].Content, "ConditionPathExists="+DefaultPolicyPath) ||
		!strings.Contains(legacy.Files[1].Content, "ExecStart=/usr/local/bin/opa-docker-authz -plugin-name opa-docker-authz -policy-file "+DefaultPolicyPath) {
		t.Errorf("legacy files %+v", legacy.Files)
	}
}
