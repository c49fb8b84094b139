package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
)

var (
	_ datasource.DataSource                   = (*authorizationPolicyDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*authorizationPolicyDataSource)(nil)
)

type authorizationPolicyDataSource struct {
	env *env
}

type authorizationPolicyModel struct {
	CACertPEM       types.String `tfsdk:"ca_cert_pem"`
	ClientCACertPEM types.String `tfsdk:"client_ca_cert_pem"`
	Roles           types.Map    `tfsdk:"roles"`
	Plugin          types.String `tfsdk:"plugin"`
	PluginImage     types.String `tfsdk:"plugin_image"`
	PluginProgram   types.String `tfsdk:"plugin_program"`
	PolicyPath      types.String `tfsdk:"policy_path"`

	ID                 types.String `tfsdk:"id"`
	Policy             types.String `tfsdk:"policy"`
	PolicyTests        types.String `tfsdk:"policy_tests"`
	PluginName         types.String `tfsdk:"plugin_name"`
	DaemonSettingsJSON types.String `tfsdk:"daemon_settings_json"`
	Files              types.Map    `tfsdk:"files"`
	InstallCommands    types.List   `tfsdk:"install_commands"`
}

// roleModel is one role of roles.
type roleModel struct {
	Base       types.String `tfsdk:"base"`
	Members    types.List   `tfsdk:"members"`
	BindPaths  types.List   `tfsdk:"bind_paths"`
	AllowRules types.List   `tfsdk:"allow_rules"`
}

func (d *authorizationPolicyDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_authorization_policy"
}

func (d *authorizationPolicyDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	stringList := func(desc string, required bool, validators ...validator.List) schema.ListAttribute {
		return schema.ListAttribute{ElementType: types.StringType, MarkdownDescription: desc, Required: required, Optional: !required, Validators: validators}
	}
	base := schema.StringAttribute{Required: true, Validators: []validator.String{stringvalidator.OneOf(enumNames(dockerconf.RoleBases)...)},
		MarkdownDescription: "What the role may do before its own rules: `admin` everything (root on the host, as every client " +
			"is without a policy); `read_only` inspect, list, logs, events, version and ping, nothing that changes the host; `builder` " +
			"also pull, build, push, and run containers that cannot reach the host; `none` only what its `allow_rules` allow. " +
			enumDescription(enumNames(dockerconf.RoleBases))}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Renders an authorization policy for a daemon: which client certificate may ask it what. Mutual TLS " +
			"decides who connects; without a policy every client it admits is root on the host. dockerd passes every API request to " +
			"its authorization plugins with the client certificate's common name as the user; this renders a Rego policy for " +
			"[opa-docker-authz](https://github.com/open-policy-agent/opa-docker-authz), the maintained plugin, that gives each " +
			"member of a role that role, and refuses every request no role allows.\n\n" +
			"The policy fails closed: a request it cannot judge (a body it did not receive, an endpoint no rule names, an API " +
			"version before 1.24) is refused for every role but `admin`, and the checks that keep containers off the host " +
			"(privileged mode, host namespaces, added capabilities and devices, loosened security options, binds and bind-backed " +
			"volumes outside `bind_paths`, the Docker socket, another container's mounts) hold for every role but `admin`, " +
			"whatever its own rules allow, and so does the admin's hold on what no check judges (swarm, plugins, classic builds). A request without a client certificate is the local socket's, and allowed: local root, " +
			"by design.\n\n" +
			"Deliver in this order, so that the plugin never runs without its policy (opa-docker-authz allows every request when " +
			"its policy file is missing): write `files`, run `install_commands`, then merge `daemon_settings_json` into " +
			"`dockertls_daemon_config`'s `settings_json` and restart dockerd. At plan time it checks that every member is issued " +
			"by a CA the daemon trusts for clients, that no name is in two roles (and warns of two issuers behind different roles: " +
			"the plugin sees only the name, so either could make the other's), that no role is empty, that `bind_paths` are safe, and that every rule compiles " +
			"(OPA's own compiler is the judge).",
		Attributes: map[string]schema.Attribute{
			"ca_cert_pem": schema.StringAttribute{Required: true, Validators: []validator.String{caBundleValidator},
				MarkdownDescription: "The daemon's `ca_cert_pem`, as given to `dockertls_daemon_config`: unless `client_ca_cert_pem` " +
					"is set, the issuers whose clients it admits, which every member must come from. " + caBundleRules},
			"client_ca_cert_pem": schema.StringAttribute{Optional: true, Validators: []validator.String{caBundleValidator},
				MarkdownDescription: "The daemon's `client_ca_cert_pem`, when it has one: the issuers whose clients it admits. " + caBundleRules},
			"roles": schema.MapNestedAttribute{Required: true, Validators: []validator.Map{mapvalidator.SizeAtLeast(1)},
				MarkdownDescription: "The roles, by name: each with its `base` and its `members`. A client whose certificate's " +
					"common name no role holds is refused every request.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"base": base,
					"members": stringList("The client certificates that hold the role, PEM (such as `dockertls_client_cert`s' "+
						"`cert_pem`): the plugin knows each by its common name, which must be the certificate's alone.", true,
						listvalidator.SizeAtLeast(1)),
					"bind_paths": stringList("Host folders the role's containers may bind, read-only only (a writable bind could "+
						"plant a symbolic link that leads the next bind out). Absolute; never `/`, nor a folder that is or holds "+
						"`/etc`, `/root`, `/home`, `/run`, `/var/run`, `/var/lib/docker` and the like. For `builder` and `none`, with a "+
						"`legacy` plugin: the policy refuses a bind source the plugin could not resolve through its links, and a managed "+
						"plugin sees only `/etc/docker`.", false),
					"allow_rules": stringList("Rules of the role's own, each the body of a Rego rule over `input` (opa-docker-authz's "+
						"input document) and `request_path` (the path without its API version), such as "+
						"`input.Method == \"GET\"; request_path == \"/plugins\"`: a request is allowed when one holds and no check "+
						"that keeps containers off the host refuses it.", false),
				}},
			},
			"plugin": enumAttribute(dockerconf.PluginKinds, "How opa-docker-authz runs: `managed`, a managed plugin that "+
				"`docker plugin install` fetches (pinned by `plugin_image`, and seeing `/etc/docker` as `/opa`), or `legacy`, "+
				"`plugin_program` started by systemd before dockerd (for hosts that cannot pull it, or rootless engines)."),
			"plugin_image": schema.StringAttribute{Optional: true, MarkdownDescription: "The managed plugin's image, pinned. " +
				"Defaults to `" + dockerconf.DefaultAuthzPluginImage + "`."},
			"plugin_program": schema.StringAttribute{Optional: true, MarkdownDescription: "The legacy plugin's program, built from " +
				"opa-docker-authz's source. Absolute. Defaults to `" + dockerconf.DefaultAuthzPluginProgram + "`."},
			"policy_path": schema.StringAttribute{Optional: true, MarkdownDescription: "Where the policy goes on the host: under " +
				"`/etc/docker` for a managed plugin. Defaults to `" + dockerconf.DefaultPolicyPath + "`."},

			"id":           computedString("`policy`'s SHA-256, lower-case hex: it changes exactly when the policy does."),
			"policy":       computedString("The Rego policy (`package docker.authz`, rule `allow`); also `files[\"authz.rego\"]`."),
			"policy_tests": computedString("Rego tests of `policy`, for `opa test` beside it: the local socket, a name no role holds, and what each role's base allows and refuses."),
			"plugin_name":  computedString("The plugin as daemon.json's `authorization-plugins` names it: `" + dockerconf.AuthzPluginName + "`."),
			"daemon_settings_json": computedString("The daemon.json settings that enable the plugin, JSON: `authorization-plugins`, " +
				"and BuildKit's entitlements `network-host` and `security-insecure` off (through BuildKit's own API a build could " +
				"otherwise ask for the host's network). Merge it into `dockertls_daemon_config`'s `settings_json`: " +
				"`jsonencode(merge(jsondecode(...), jsondecode(this)))`."),
			"files": filesAttribute("The policy (`authz.rego` at `policy_path`, 0644) and, for a `legacy` plugin, its systemd unit "+
				"(`opa-docker-authz.service`, which starts only when the policy is there).", []string{"authz.rego", "opa-docker-authz.service"}),
			"install_commands": schema.ListAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: "The " +
				"commands that start the plugin, in order, once `files` are written: `docker plugin install` for `managed`, " +
				"`systemctl` for `legacy`."},
		},
	}
}

func (d *authorizationPolicyDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	validateRendering(ctx, req, resp, d.check)
}

func (d *authorizationPolicyDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readRendering(ctx, req, resp, d.render)
}

func (d *authorizationPolicyDataSource) renderState(ctx context.Context, marked tfsdk.Config) (tfsdk.State, diag.Diagnostics) {
	return renderModel(ctx, tfsdk.State{Schema: dataSourceSchema(d)}, marked, d.render)
}

// policy maps m onto dockerconf's AuthorizationPolicy, with its defaults.
func (d *authorizationPolicyDataSource) policy(m authorizationPolicyModel) dockerconf.AuthorizationPolicy {
	fields := map[dockerconf.Field]attr.Value{
		dockerconf.FieldCACert: m.CACertPEM, dockerconf.FieldClientCACert: m.ClientCACertPEM, dockerconf.FieldPlugin: m.Plugin,
		dockerconf.FieldPluginImage: m.PluginImage, dockerconf.FieldPluginProgram: m.PluginProgram, dockerconf.FieldPolicyPath: m.PolicyPath,
	}
	pending := pendingOf(fields)
	roles, rolesKnown, membersKnown := rolesOf(m.Roles)
	if !rolesKnown {
		pending[dockerconf.FieldRoles] = true
	}
	return dockerconf.AuthorizationPolicy{
		MembersPending: !membersKnown,
		Trust:          dockerconf.ServerMaterial{CACertPEM: m.CACertPEM.ValueString(), ClientCACertPEM: m.ClientCACertPEM.ValueString()},
		Roles:          roles,
		Plugin:         enumOf(m.Plugin, dockerconf.PluginManaged), PluginImage: m.PluginImage.ValueString(),
		PluginProgram: m.PluginProgram.ValueString(), PolicyPath: m.PolicyPath.ValueString(),
		Now: d.env.clock(), Pending: pending,
	}.WithDefaults()
}

// rolesOf maps roles onto dockerconf's Roles. rolesKnown is false when
// the map, a role, or a role's base, bind paths or rules are not known yet
// (the role checks wait); membersKnown when a member is not (the checks of
// members wait, the rules are still compiled).
func rolesOf(roles types.Map) (out []dockerconf.Role, rolesKnown, membersKnown bool) {
	if roles.IsNull() || roles.IsUnknown() {
		return nil, false, false
	}
	rolesKnown, membersKnown = true, true
	for name, v := range roles.Elements() {
		obj, ok := v.(types.Object)
		if !ok || obj.IsUnknown() || obj.IsNull() {
			rolesKnown = false
			continue
		}
		var r roleModel
		if diags := obj.As(context.Background(), &r, basetypes.ObjectAsOptions{}); diags.HasError() {
			rolesKnown = false
			continue
		}
		for _, field := range []attr.Value{r.Base, r.BindPaths, r.AllowRules} {
			rolesKnown = rolesKnown && isFullyKnown(field)
		}
		membersKnown = membersKnown && isFullyKnown(r.Members)
		out = append(out, dockerconf.Role{Name: name, Base: dockerconf.RoleBase(r.Base.ValueString()), Members: stringsOf(r.Members),
			BindPaths: stringsOf(r.BindPaths), AllowRules: stringsOf(r.AllowRules)})
	}
	return out, rolesKnown, membersKnown
}

// check judges what is known of m (dockerconf.AuthorizationPolicy.Check).
func (d *authorizationPolicyDataSource) check(_ context.Context, m authorizationPolicyModel) diag.Diagnostics {
	var diags diag.Diagnostics
	addProblems(&diags, d.policy(m).Check())
	return diags
}

// render judges m's arguments and fills in its results.
func (d *authorizationPolicyDataSource) render(ctx context.Context, m *authorizationPolicyModel) diag.Diagnostics {
	var diags diag.Diagnostics
	out, problems := d.policy(*m).Render()
	addProblems(&diags, problems)
	if diags.HasError() {
		return diags
	}
	settings, err := json.Marshal(out.DaemonSettings)
	if err != nil {
		diags.AddError("Could not render daemon settings", err.Error())
		return diags
	}
	sum := sha256.Sum256([]byte(out.Policy))
	m.ID = types.StringValue(hex.EncodeToString(sum[:]))
	m.Policy, m.PolicyTests = types.StringValue(out.Policy), types.StringValue(out.PolicyTests)
	m.PluginName, m.DaemonSettingsJSON = types.StringValue(out.PluginName), types.StringValue(string(settings))
	files, fd := filesValue(out.Files)
	diags.Append(fd...)
	commands, cd := types.ListValueFrom(ctx, types.StringType, out.InstallCommands)
	diags.Append(cd...)
	m.Files, m.InstallCommands = files, commands
	return diags
}
