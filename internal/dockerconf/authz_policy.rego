# What follows is the same for every daemon: the built-in roles, and the
# checks that keep a role's containers off the host.
#
# The input is the document opa-docker-authz builds from the request that
# dockerd passes to it: User (the client certificate's common name),
# AuthMethod ("TLS" for a client certificate), Method, PathPlain (the path
# without its query), Query (every value of each parameter), Headers
# (one value per header), Body (the JSON body, when its Content-Type is
# exactly application/json and it was sent: dockerd 20.10 to 28 send the
# plugin no body of 1 MiB or more; Engine 29 sends up to 4 MiB and refuses
# larger requests itself) and BindMounts (the bind sources the plugin found, each
# with Resolved, its target after symbolic links).
#
# It fails closed: a request no rule allows is refused, and so is a request
# whose body a check needs but did not come, for every role but admin.

# A request without a client certificate came over the local socket (the
# rendered daemon has no TCP listener without mutual TLS): local root, by
# design, as the socket's file mode already decides.
allow if {
	input.AuthMethod == ""
	input.User == ""
}

allow if role_base[client_role] == "admin"

allow if {
	role_base[client_role] != "admin"
	permitted
	count(refusals) == 0
}

# client_role is the role of the client's certificate, by its common name.
# A certificate whose name no role holds has none, and is refused.
client_role := roles[input.User] if input.AuthMethod == "TLS"

permitted if {
	some rule in base_rules[role_base[client_role]]
	input.Method in rule.methods
	regex.match(rule.path, request_path)
}

permitted if data.docker.authz.own_allow[client_role]

# request_path is the path without the API version dockerd routes by
# (/v1.41/containers/json is /containers/json).
versioned := regex.find_all_string_submatch_n(`^/v([0-9.]*)(/.*)?$`, input.PathPlain, 1)

request_path := versioned[0][2] if count(versioned) == 1

request_path := input.PathPlain if count(versioned) == 0

api_version := versioned[0][1] if count(versioned) == 1

read_only_rules := [
	{"methods": {"GET", "HEAD"}, "path": `^/_ping$`},
	{"methods": {"GET"}, "path": `^/(version|info|events|system/df)$`},
	{"methods": {"GET"}, "path": `^/containers/json$`},
	{"methods": {"GET"}, "path": `^/containers/[^/]+/(json|logs|top|stats|changes)$`},
	{"methods": {"GET"}, "path": `^/images/(json|search)$`},
	{"methods": {"GET"}, "path": `^/images/.+/(json|history)$`},
	{"methods": {"GET"}, "path": `^/(networks|volumes|plugins)$`},
	{"methods": {"GET"}, "path": `^/(networks|volumes)/[^/]+$`},
	{"methods": {"GET"}, "path": `^/exec/[^/]+/json$`},
	# Not /swarm (it answers with the join tokens) nor configs (their data).
	{"methods": {"GET"}, "path": `^/(services|tasks|nodes|secrets)$`},
	{"methods": {"GET"}, "path": `^/(services|tasks|nodes|secrets)/[^/]+$`},
	{"methods": {"GET"}, "path": `^/(services|tasks)/[^/]+/logs$`},
]

builder_rules := array.concat(read_only_rules, [
		# Builds through BuildKit's own API (/grpc with /session, as buildx and
	# docker build since Engine 23 use it), under the daemon's entitlements;
	# not POST /build (admin_only).
	{"methods": {"POST"}, "path": `^/(images/create|images/load|images/prune|build/prune|session|grpc|commit|auth)$`},
	{"methods": {"GET"}, "path": `^/distribution/.+/json$`},
	{"methods": {"POST"}, "path": `^/images/.+/(tag|push)$`},
	{"methods": {"DELETE"}, "path": `^/images/.+$`},
	{"methods": {"GET"}, "path": `^/images/get$`},
	{"methods": {"GET"}, "path": `^/images/.+/get$`},
	{"methods": {"POST"}, "path": `^/(containers|networks|volumes)/(create|prune)$`},
	{"methods": {"POST"}, "path": `^/containers/[^/]+/(start|stop|restart|kill|wait|attach|resize|pause|unpause|rename|exec)$`},
	{"methods": {"GET"}, "path": `^/containers/[^/]+/(export|attach/ws)$`},
	{"methods": {"GET", "HEAD", "PUT"}, "path": `^/containers/[^/]+/archive$`},
	{"methods": {"DELETE"}, "path": `^/(containers|networks|volumes)/[^/]+$`},
	{"methods": {"POST"}, "path": `^/exec/[^/]+/(start|resize)$`},
	{"methods": {"POST"}, "path": `^/networks/[^/]+/(connect|disconnect)$`},
])

base_rules := {"read_only": read_only_rules, "builder": builder_rules, "none": []}

# refusals are why a request is refused whatever the role allows; any one
# refuses it for every role but admin. `opa eval data.docker.authz.refusals`
# on a logged input says which.
refusals contains "the path is not clean (it has //, /./ or /../)" if {
	regex.match(`//|/\.\.?(/|$)`, request_path)
}

# Endpoints whose effect on the host no check here judges: swarm services
# (their mounts and privileges), plugins (their permissions), the classic
# builder (its parameters can come from a form body), a container's update,
# and an import from a URL (fetched from the host's network). Only an admin
# may call them, whatever a role's own rules allow.
admin_only := [
	{"methods": {"POST"}, "path": `^/build$`},
	{"methods": {"POST", "DELETE"}, "path": `^/(swarm|services|nodes|secrets|configs|plugins)(/.*)?$`},
	{"methods": {"GET"}, "path": `^/swarm(/unlockkey)?$`}, # the join tokens, the unlock key
	{"methods": {"PUT"}, "path": `^/volumes/[^/]+$`},
	{"methods": {"POST"}, "path": `^/containers/[^/]+/update$`},
]

refusals contains sprintf("%v %v is for the admin only", [input.Method, request_path]) if {
	some rule in admin_only
	input.Method in rule.methods
	regex.match(rule.path, request_path)
}

refusals contains "an import from a URL (fromSrc), fetched from the host's network, is for the admin only" if {
	input.Method == "POST"
	request_path == "/images/create"
	some src in object.get(input.Query, "fromSrc", [])
	src != "-"
}

# API versions before 1.24 let POST /containers/{id}/start carry a
# HostConfig, which no check here reads.
refusals contains sprintf("the API version %v is older than 1.24", [api_version]) if {
	api_version
	not modern_api(api_version)
}

modern_api(v) if {
	parts := regex.find_all_string_submatch_n(`^([0-9]+)\.([0-9]+)$`, v, 1)
	[major, minor] := [to_number(parts[0][1]), to_number(parts[0][2])]
	major * 1000 + minor >= 1024
}

# dockerd reads query parameters from a form body as well; the plugin sees
# only the query.
refusals contains "a form body, whose parameters the policy cannot see" if {
	some name, value in input.Headers
	fold(name) == "content-type"
	contains(lower(value), "form")
}

# Requests whose body decides what they do: without it (not sent, too large,
# or not exactly application/json), there is nothing to judge.
judged_bodies := {
	"POST": `^/(containers/create|containers/[^/]+/exec|networks/create|networks/[^/]+/connect|volumes/create)$`,
}

refusals contains "the request's body did not reach the policy (too large, or not exactly application/json)" if {
	regex.match(judged_bodies[input.Method], request_path)
	not is_object(input.Body)
}

# fold is a JSON key as dockerd's decoder (Go's encoding/json) matches it to
# a field: without case, and with U+017F as s and U+212A (Kelvin) as k. A
# body may spell "Privileged" as "privileged", or "Binds" as "BindU+017F".
fold(key) := lower(replace(replace(key, "ſ", "s"), "K", "k"))

# values are the values in obj of every key dockerd reads as name.
values(obj, name) := {v | some key, v in obj; fold(key) == name}

empty(v) if v == null

empty(v) if v == false

empty(v) if v == ""

empty(v) if v == []

empty(v) if v == {}

creating if {
	input.Method == "POST"
	request_path == "/containers/create"
}

# dockerd reads a HostConfig nested under "HostConfig", or (an old form it
# still accepts) at the top of the body: both are checked.
host_configs contains input.Body if {
	creating
	is_object(input.Body)
}

host_configs contains hc if {
	creating
	some hc in values(input.Body, "hostconfig")
}

refusals contains "HostConfig is not an object" if {
	some hc in host_configs
	not empty(hc)
	not is_object(hc)
}

must_be_empty := {
	"privileged": "--privileged",
	"capadd": "--cap-add",
	"capabilities": "capabilities",
	"devices": "--device",
	"devicerequests": "--gpus",
	"devicecgrouprules": "--device-cgroup-rule",
	"volumesfrom": "--volumes-from (a container's mounts, which may be the host's)",
	"cgroupparent": "--cgroup-parent",
	"annotations": "OCI annotations (--annotation), which runtimes act on",
}

refusals contains sprintf("%v is not allowed", [what]) if {
	some hc in host_configs
	some name, what in must_be_empty
	some v in values(hc, name)
	not empty(v)
}

# Log drivers that write to the host's files or services, or use the host's
# cloud credentials, are the host's; these keep logs with dockerd.
refusals contains sprintf("the log driver %v is not allowed", [t]) if {
	some hc in host_configs
	some lc in values(hc, "logconfig")
	some t in values(lc, "type")
	not t in {null, "", "json-file", "local", "none", "journald"}
}

refusals contains "links (--link), which hand another container's environment over, are not allowed" if {
	some hc in host_configs
	some v in values(hc, "links")
	not empty(v)
}

# dockerd masks and write-protects parts of /proc and /sys unless the body
# lists the paths itself: an empty list unmasks them all.
must_be_absent := {
	"maskedpaths": "masked paths (--security-opt systempaths=unconfined)",
	"readonlypaths": "read-only paths (--security-opt systempaths=unconfined)",
}

refusals contains sprintf("%v is not allowed", [what]) if {
	some hc in host_configs
	some name, what in must_be_absent
	some v in values(hc, name)
	v != null
}

# Namespaces a container may have: its own. "host" is the host's, and
# "container:NAME" another container's, which may be the host's.
namespace_modes := {
	"networkmode": {"", "default", "bridge", "none"},
	"pidmode": {""},
	"ipcmode": {"", "private", "shareable", "none"},
	"utsmode": {""},
	"usernsmode": {""},
	"cgroupnsmode": {"", "private"},
}

refusals contains sprintf("%v %v is not allowed", [name, v]) if {
	some hc in host_configs
	some name, allowed in namespace_modes
	some v in values(hc, name)
	v != null
	not v in allowed
	not user_network(name, v)
}

# A network of the user's own, by name. dockerd finds a network by ID and by
# a prefix of its ID too, and the host network has one: a name that could
# be an ID is refused.
user_network("networkmode", name) if network_name(name)

network_name(name) if {
	is_string(name)
	regex.match(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`, name)
	not regex.match(`^[0-9a-fA-F]+$`, name)
	not name in {"host", "default", "bridge", "none"}
}

refusals contains sprintf("the network %v is not allowed (the host's, or a name that could be an ID)", [name]) if {
	creating
	some nc in values(input.Body, "networkingconfig")
	some ec in values(nc, "endpointsconfig")
	some name, _ in ec
	not name in {"bridge", "none", "default"}
	not network_name(name)
}

refusals contains sprintf("the network %v is not allowed (the host's, or a name that could be an ID)", [name]) if {
	input.Method == "POST"
	parts := regex.find_all_string_submatch_n(`^/networks/([^/]+)/connect$`, request_path, 1)
	name := parts[0][1]
	not network_name(name)
}

refusals contains sprintf("the security option %v is not allowed", [opt]) if {
	some hc in host_configs
	some opts in values(hc, "securityopt")
	some opt in as_list(opts)
	not opt in {"no-new-privileges", "no-new-privileges:true", "no-new-privileges=true"}
}

refusals contains sprintf("the runtime %v is not allowed", [v]) if {
	some hc in host_configs
	some v in values(hc, "runtime")
	not v in {null, "", "runc", "io.containerd.runc.v2"}
}

refusals contains sprintf("the volume driver %v is not allowed", [v]) if {
	some hc in host_configs
	some v in values(hc, "volumedriver")
	not v in {null, "", "local"}
}

# as_list is a list as it is, and anything else as a list of itself, so
# that a value of the wrong type is judged rather than skipped.
as_list(v) := v if is_array(v)

as_list(v) := [v] if {
	not is_array(v)
	v != null
}

# Binds: "NAME:/dst" is a named volume; "/src:/dst[:opts]" binds the host's
# /src, allowed only read-only under one of the role's bind paths.
refusals contains sprintf("the bind mount %v is not allowed", [b]) if {
	some hc in host_configs
	some binds in values(hc, "binds")
	some b in as_list(binds)
	not named_volume_bind(b)
	not allowed_bind(b)
}

named_volume_bind(b) if {
	is_string(b)
	regex.match(`^[A-Za-z0-9][A-Za-z0-9_.-]*:/`, b)
}

allowed_bind(b) if {
	is_string(b)
	parts := split(b, ":")
	count(parts) == 3
	allowed_source(parts[0])
	options := split(parts[2], ",")
	"ro" in options
	not "rw" in options
}

allowed_source(source) if {
	clean_path(source)
	some root in object.get(role_bind_paths, client_role, [])
	under(source, root)
}

clean_path(p) if {
	startswith(p, "/")
	not regex.match(`//|/\.\.?(/|$)|/$`, p)
}

under(p, root) if p == root

under(p, root) if startswith(p, concat("", [root, "/"]))

# Mounts: volumes (without driver options, which can make one a bind),
# tmpfs, and binds as Binds allows them.
refusals contains sprintf("the mount %v is not allowed", [m]) if {
	some hc in host_configs
	some mounts in values(hc, "mounts")
	some m in as_list(mounts)
	not allowed_mount(m)
}

allowed_mount(m) if {
	is_object(m)
	mount_type(m) in {"volume", "tmpfs", "image"}
	every v in values(m, "volumeoptions") {
		every dc in values(v, "driverconfig") {
			empty(dc)
		}
	}
}

allowed_mount(m) if {
	is_object(m)
	mount_type(m) == "bind"
	count(values(m, "source")) == 1
	every s in values(m, "source") {
		allowed_source(s)
	}
	count(values(m, "readonly")) == 1
	every r in values(m, "readonly") {
		r == true
	}
	every o in values(m, "bindoptions") {
		safe_bind_options(o)
	}
}

# Bind options that keep a read-only bind read-only all the way down:
# ReadOnlyNonRecursive would leave the mounts under it writable.
safe_bind_options(o) if empty(o)

safe_bind_options(o) if {
	is_object(o)
	every key, v in o {
		safe_bind_option(fold(key), v)
	}
}

safe_bind_option("readonlyforcerecursive", v) if is_boolean(v)

safe_bind_option("propagation", v) if v in {"", "rprivate", "private"}

mount_type(m) := t if {
	types := values(m, "type")
	count(types) == 1
	some t in types
}

# The plugin resolves each bind's symbolic links on its own filesystem; a
# resolved target must be allowed as its source is. It lists only binds
# under keys spelt exactly as Docker spells them, and cannot resolve a path
# it does not have (a managed plugin sees only /etc/docker): a bind source
# it did not resolve is refused.
refusals contains sprintf("the bind source %v resolves to %v, which is not allowed", [b.Source, b.Resolved]) if {
	creating
	some b in input.BindMounts
	b.Resolved != ""
	not allowed_source(b.Resolved)
}

bind_sources contains source if {
	some hc in host_configs
	some binds in values(hc, "binds")
	some b in as_list(binds)
	allowed_bind(b)
	source := split(b, ":")[0]
}

bind_sources contains source if {
	some hc in host_configs
	some mounts in values(hc, "mounts")
	some m in as_list(mounts)
	mount_type(m) == "bind"
	some source in values(m, "source")
}

refusals contains sprintf("the bind source %v was not resolved by the plugin (it must exist where the plugin runs)", [source]) if {
	some source in bind_sources
	not resolved_and_allowed(source)
}

resolved_and_allowed(source) if {
	some b in input.BindMounts
	b.Source == source
	b.Resolved != ""
	allowed_source(b.Resolved)
}

refusals contains "exec with --privileged is not allowed" if {
	input.Method == "POST"
	regex.match(`^/containers/[^/]+/exec$`, request_path)
	some v in values(input.Body, "privileged")
	not empty(v)
}

refusals contains "a volume of another driver than local, or with driver options, is not allowed" if {
	input.Method == "POST"
	request_path == "/volumes/create"
	not plain_local(input.Body, "driveropts")
}

# IPAM too: a subnet such as 169.254.169.254/32 would take the host's own
# traffic to it.
refusals contains "a network other than a bridge without options or addresses of its own is not allowed" if {
	input.Method == "POST"
	request_path == "/networks/create"
	not plain_bridge(input.Body)
}

plain_local(body, options) if {
	every d in values(body, "driver") {
		d in {"", "local"}
	}
	every o in values(body, options) {
		empty(o)
	}
	every c in values(body, "clustervolumespec") {
		empty(c)
	}
}

plain_bridge(body) if {
	every d in values(body, "driver") {
		d in {"", "bridge"}
	}
	every name in {"options", "configfrom", "ingress", "configonly"} {
		every o in values(body, name) {
			empty(o)
		}
	}
	every ipam in values(body, "ipam") {
		plain_ipam(ipam)
	}
}

plain_ipam(ipam) if empty(ipam)

plain_ipam(ipam) if {
	is_object(ipam)
	every key, v in ipam {
		plain_ipam_field(fold(key), v)
	}
}

plain_ipam_field("driver", v) if v in {"", "default"}

plain_ipam_field("config", v) if empty(v)

plain_ipam_field("options", v) if empty(v)
