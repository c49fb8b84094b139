package provider

import (
	"context"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
)

var (
	_ datasource.DataSource                   = (*buildkitdConfigDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*buildkitdConfigDataSource)(nil)
)

type buildkitdConfigDataSource struct {
	env *env
}

type buildkitdConfigModel struct {
	serverTLSModel
	Addresses             types.List   `tfsdk:"addresses"`
	TLSVerify             types.Bool   `tfsdk:"tls_verify"`
	InsecureAllowNoVerify types.Bool   `tfsdk:"insecure_allow_unverified_clients"`
	ConfigPath            types.String `tfsdk:"config_path"`
	BuildkitdPath         types.String `tfsdk:"buildkitd_path"`
	ExtraTOML             types.String `tfsdk:"extra_toml"`

	ID             types.String `tfsdk:"id"`
	TOML           types.String `tfsdk:"toml"`
	SystemdUnit    types.String `tfsdk:"systemd_unit"`
	Files          types.Map    `tfsdk:"files"`
	RestartTrigger types.String `tfsdk:"restart_trigger"`
	RestartCommand types.String `tfsdk:"restart_command"`
	CloudInit      types.String `tfsdk:"cloud_init"`
}

func (d *buildkitdConfigDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_buildkitd_config"
}

func (d *buildkitdConfigDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := serverTLSAttributes("buildkitd", dockerconf.DefaultBuildkitTLSDir)
	maps.Copy(attrs, map[string]schema.Attribute{
		"addresses": schema.ListAttribute{
			ElementType: types.StringType, Optional: true,
			MarkdownDescription: "Where buildkitd listens (`[grpc] address`), like dockerd's `hosts`: `tcp://HOST:PORT` (served with " +
				"TLS) and `unix:///PATH` (local, plain: buildkitd serves TLS on TCP only). Defaults to `[\"unix:///run/buildkit/buildkitd.sock\", " +
				"\"tcp://0.0.0.0:1234\"]` (1234 is BuildKit's convention). Listeners that are one for the kernel (`0.0.0.0:1234` and " +
				"`127.0.0.1:1234`) are refused, as buildkitd would fail to start.",
		},
		"tls_verify": schema.BoolAttribute{
			Optional: true,
			MarkdownDescription: "Require and verify client certificates (`[grpc.tls] ca`, which makes buildkitd refuse a client " +
				"without a certificate from it). Defaults to `true`. Without it any client that can reach a tcp:// address runs " +
				"builds, whose `RUN` steps run as root on the host; `false` with a tcp:// address needs " +
				"`insecure_allow_unverified_clients = true`.",
		},
		"insecure_allow_unverified_clients": schema.BoolAttribute{
			Optional:            true,
			MarkdownDescription: "Allow `tls_verify = false` with a tcp:// address (a warning remains). Defaults to `false`.",
		},
		"config_path": schema.StringAttribute{Optional: true, MarkdownDescription: "Where buildkitd.toml goes. Absolute. Defaults to `" +
			dockerconf.DefaultBuildkitdConfigPath + "`, buildkitd's own default."},
		"buildkitd_path": schema.StringAttribute{Optional: true, MarkdownDescription: "The program the unit starts, alone (settings " +
			"belong in buildkitd.toml). Defaults to `" + dockerconf.DefaultBuildkitdPath + "`, where BuildKit's release archives put it."},
		"extra_toml": schema.StringAttribute{Optional: true, MarkdownDescription: "More of buildkitd.toml, written as it is before " +
			"`[grpc]` (so that its top-level keys, such as `root` or `debug`, stay top-level): settings, worker tables, or a " +
			"registry's section (`dockertls_registry_client_config`'s `buildkitd_toml`; join several with `join(\"\\n\", [...])`). " +
			"It may not define the `[grpc]` tables, which come from this data source's own arguments (TOML refuses a table defined twice)."},

		"id":   computedString("The same as `restart_trigger`."),
		"toml": computedString("buildkitd.toml: `extra_toml`, then `[grpc]` with `address`, and `[grpc.tls]` with `cert`, `key` and (with `tls_verify`) `ca`."),
		"systemd_unit": computedString("A systemd unit, `" + dockerconf.BuildkitdUnitPath + "`, that starts `buildkitd --config " +
			"<config_path>` (no distribution packages one for buildkitd alone). Checked with `systemd-analyze verify`."),
		"files": filesAttribute("buildkitd's files: `buildkitd.toml` and `buildkit.service` (0644), `ca.pem` (the client trust, with "+
			"`tls_verify`) and `server-cert.pem` (0444), and, when `server_key_pem` is given, `server-key.pem` (0400).", []string{dockerconf.BuildkitdTOMLName,
			dockerconf.BuildkitdUnitName, dockerconf.CAFileName, dockerconf.ServerCertFileName, dockerconf.ServerKeyFileName}),
		"restart_trigger": computedString("Changes exactly when a file or a path changes: buildkitd reads its configuration and TLS " +
			"files only at start-up. Use it in `triggers_replace` of the `terraform_data` that runs `restart_command`."),
		"restart_command": computedString("`" + dockerconf.BuildkitdRestartCommand + "`. A restart ends the builds running then " +
			"(their clients see an error), so run it host by host."),
		"cloud_init": sensitiveString("A `#cloud-config` document that writes `files` (base64, with their modes) and starts buildkitd " +
			"with `restart_command`'s commands: the `user_data` of a new builder."),
	})
	resp.Schema = schema.Schema{
		MarkdownDescription: "Renders what a remote BuildKit builder needs to serve mutual TLS: buildkitd.toml (`[grpc]` and " +
			"`[grpc.tls]`), a systemd unit, and the TLS files, each with its path and mode, for cloud-init or a provisioner. " +
			"Its clients take `dockertls_buildkit_client_config`.\n\n" +
			"It checks at plan time what buildkitd would refuse or silently get wrong: addresses it cannot bind, a tcp:// address " +
			"without client verification, values that would change the unit's `ExecStart=`, a `[grpc]` table in `extra_toml`; " +
			"and, once the PEMs are known, that the server certificate carries serverAuth, chains to `ca_cert_pem` and names " +
			"every non-wildcard tcp:// address (the name a client's `servername` must match).",
		Attributes: attrs,
	}
}

func (d *buildkitdConfigDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	validateRendering(ctx, req, resp, d.check)
}

func (d *buildkitdConfigDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readRendering(ctx, req, resp, d.render)
}

// buildkitd maps the arguments onto dockerconf's Buildkitd, with its
// defaults; what is not known yet is Pending.
func (d *buildkitdConfigDataSource) buildkitd(m buildkitdConfigModel) dockerconf.Buildkitd {
	var addresses []string
	if !m.Addresses.IsNull() && !m.Addresses.IsUnknown() {
		addresses = stringsOf(m.Addresses)
	}
	fields := m.pending()
	maps.Copy(fields, map[dockerconf.Field]attr.Value{
		dockerconf.FieldAddresses: m.Addresses, dockerconf.FieldTLSVerify: m.TLSVerify, dockerconf.FieldAllowUnverified: m.InsecureAllowNoVerify,
		dockerconf.FieldConfigPath: m.ConfigPath, dockerconf.FieldBuildkitdPath: m.BuildkitdPath, dockerconf.FieldExtraTOML: m.ExtraTOML,
	})
	return dockerconf.Buildkitd{
		Addresses: addresses, TLSVerify: m.TLSVerify.IsNull() || m.TLSVerify.ValueBool(), AllowUnverified: m.InsecureAllowNoVerify.ValueBool(),
		TLSDir: m.TLSDir.ValueString(), CACertPath: m.CACertPath.ValueString(), CertPath: m.CertPath.ValueString(), KeyPath: m.KeyPath.ValueString(),
		ConfigPath: m.ConfigPath.ValueString(), BuildkitdPath: m.BuildkitdPath.ValueString(), ExtraTOML: m.ExtraTOML.ValueString(),
		Material: m.material(), Now: d.env.clock(), Pending: pendingOf(fields),
	}.WithDefaults()
}

// check judges what is known of m (dockerconf.Buildkitd.Check).
func (d *buildkitdConfigDataSource) check(_ context.Context, m buildkitdConfigModel) diag.Diagnostics {
	var diags diag.Diagnostics
	addProblems(&diags, d.buildkitd(m).Check())
	return diags
}

// render judges m's arguments and fills in its results.
func (d *buildkitdConfigDataSource) render(_ context.Context, m *buildkitdConfigModel) diag.Diagnostics {
	var diags diag.Diagnostics
	r, problems := d.buildkitd(*m).Render()
	addProblems(&diags, problems)
	if diags.HasError() {
		return diags
	}
	filesVal, fd := filesValue(r.Files)
	diags.Append(fd...)
	m.ID = types.StringValue(r.RestartTrigger)
	m.TOML = types.StringValue(r.TOML)
	m.SystemdUnit = types.StringValue(r.Unit)
	m.Files = filesVal
	m.RestartTrigger = types.StringValue(r.RestartTrigger)
	m.RestartCommand = types.StringValue(dockerconf.BuildkitdRestartCommand)
	m.CloudInit = types.StringValue(r.CloudConfig)
	return diags
}

func (d *buildkitdConfigDataSource) renderState(ctx context.Context, marked tfsdk.Config) (tfsdk.State, diag.Diagnostics) {
	return renderModel(ctx, tfsdk.State{Schema: marked.Schema}, marked, d.render)
}
