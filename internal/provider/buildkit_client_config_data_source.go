package provider

import (
	"context"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	p "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
)

var (
	_ datasource.DataSource                   = (*buildkitClientConfigDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*buildkitClientConfigDataSource)(nil)
)

type buildkitClientConfigDataSource struct {
	env *env
}

type buildkitClientConfigModel struct {
	clientTLSModel
	Host        types.String `tfsdk:"host"`
	CertDir     types.String `tfsdk:"cert_dir"`
	FileNames   types.String `tfsdk:"file_names"`
	ServerName  types.String `tfsdk:"server_name"`
	BuilderName types.String `tfsdk:"builder_name"`
	ServerNames types.List   `tfsdk:"server_names"`

	ID                  types.String `tfsdk:"id"`
	Files               types.Map    `tfsdk:"files"`
	BuildxCreateCommand types.String `tfsdk:"buildx_create_command"`
	BuildctlArgs        types.List   `tfsdk:"buildctl_args"`
	BuildkitHost        types.String `tfsdk:"buildkit_host"`
	RemoteDriverOptions types.Map    `tfsdk:"remote_driver_options"`
}

func (d *buildkitClientConfigDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_buildkit_client_config"
}

func (d *buildkitClientConfigDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := clientTLSAttributes("buildkitd", "a `server_name` (or host) that is not among its SANs")
	maps.Copy(attrs, map[string]schema.Attribute{
		"host": schema.StringAttribute{
			MarkdownDescription: "The builder's address, `tcp://HOST:PORT`, such as `tcp://builder1.example.internal:1234`.",
			Required:            true, Validators: []validator.String{buildkitHostValidator},
		},
		"cert_dir": schema.StringAttribute{
			MarkdownDescription: "The directory the client's files go to, absolute, such as `/home/ci/.buildkit/builder1`: buildx's " +
				"remote driver refuses relative paths, and a builder on paths that do not resolve is silently inactive. No comma or quote " +
				"(buildx splits `--driver-opt` at commas).",
			Required: true,
		},
		"file_names": enumAttribute(dockerconf.BuildkitFileNameSchemes, "The files' names: `docker` writes `ca.pem`, `cert.pem`, "+
			"`key.pem` (the docker CLI's); `cert_manager` writes `ca.crt`, `tls.crt`, `tls.key` (cert-manager's and Kubernetes TLS "+
			"secrets'). `buildctl --tlsdir` reads either (BuildKit 0.21 and later); buildx and buildctl's explicit flags take any."),
		"server_name": schema.StringAttribute{
			MarkdownDescription: "The name the client checks the server certificate for (buildx's `servername`, buildctl's " +
				"`--tlsservername`). Defaults to the host's name or address, which is what both guess; always written out. With " +
				"`server_cert_pem`, a name that is not among its SANs is an error at plan time.",
			Optional: true, Validators: []validator.String{notEmptyValidator},
		},
		"server_names": schema.ListAttribute{
			ElementType: types.StringType, Optional: true,
			MarkdownDescription: "The names the server certificate carries, for the `server_name` check at plan time: " +
				"`dockertls_server_cert.builder.dns_names` (or its `ip_addresses`, for a builder reached by address), known in the " +
				"plan even on the first run, when `server_cert_pem` is not yet (a data source then reads at apply). A `server_name` " +
				"(or host) none of them matches, as Go's TLS client matches names (wildcards included), is an error.",
		},
		"builder_name": schema.StringAttribute{
			MarkdownDescription: "The buildx builder's name in `buildx_create_command`. Defaults to the host's name with characters buildx " +
				"refuses replaced by `-`.",
			Optional: true, Validators: []validator.String{notEmptyValidator},
		},

		"id": computedString("The host, as given in `host`."),
		"files": filesAttribute("The client's files in `cert_dir`, named by `file_names`: the CA and the certificate (0444) and the "+
			"key (0400). The keys are the file names, which `file_names` decides at plan time.", []string{"ca.pem", "cert.pem", "key.pem"}),
		"buildx_create_command": computedString("`docker buildx create --name NAME --driver remote --driver-opt " +
			"cacert=...,cert=...,key=...,servername=... tcp://HOST:PORT`, with absolute paths and the server name always explicit, " +
			"quoted for the shell."),
		"buildctl_args": schema.ListAttribute{
			ElementType: types.StringType, Computed: true,
			MarkdownDescription: "buildctl's TLS flags, without the address: `--tlsservername`, `--tlscacert`, `--tlscert`, `--tlskey` " +
				"with their values, to put after `buildctl --addr <buildkit_host>` (or with `BUILDKIT_HOST` set).",
		},
		"buildkit_host": computedString("The address for buildctl's `--addr` or `BUILDKIT_HOST`: `host`."),
		"remote_driver_options": schema.MapAttribute{
			ElementType: types.StringType, Computed: true,
			MarkdownDescription: "buildx's remote driver options `cacert`, `cert`, `key` and `servername`: the arguments of " +
				"kreuzwerker/docker's `docker_buildx_builder` `remote` block, under the same names.",
		},
	})
	resp.Schema = schema.Schema{
		MarkdownDescription: "Renders what a client needs to use a remote BuildKit builder over mutual TLS: the files, a `docker " +
			"buildx create --driver remote` command, buildctl's flags and the options kreuzwerker/docker's `docker_buildx_builder` " +
			"takes. The builder takes `dockertls_buildkitd_config`.\n\n" +
			"It checks at plan time what would leave a builder silently inactive: a relative `cert_dir` and a builder name buildx " +
			"refuses; and a `server_name` that the server certificate does not name, as soon as `server_cert_pem` is known (on a " +
			"first run, when the certificate is created in the same apply, that is at apply: use `provider::dockertls::buildkit_client_config` " +
			"with `server_names` to have it in the plan). Once the PEMs are known it checks that the client certificate carries " +
			"clientAuth and chains to its issuer, and that the key is the certificate's.",
		Attributes: attrs,
	}
}

func (d *buildkitClientConfigDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	validateRendering(ctx, req, resp, d.check)
}

func (d *buildkitClientConfigDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readRendering(ctx, req, resp, d.render)
}

// render judges m's arguments, mapped once, and fills in its results.
func (d *buildkitClientConfigDataSource) render(ctx context.Context, m *buildkitClientConfigModel) diag.Diagnostics {
	c := d.client(*m)
	var diags diag.Diagnostics
	addProblems(&diags, c.Check())
	if diags.HasError() {
		return diags
	}
	return append(diags, m.fill(ctx, c)...)
}

// client maps m onto dockerconf's BuildkitClient: a host that is not known
// or does not parse (buildkitHostValidator reports it) is the zero Host.
func (d *buildkitClientConfigDataSource) client(m buildkitClientConfigModel) dockerconf.BuildkitClient {
	var serverNames []string
	if known(m.ServerNames) {
		serverNames = stringsOf(m.ServerNames)
	}
	fields := m.pending()
	maps.Copy(fields, map[dockerconf.Field]attr.Value{
		dockerconf.FieldHost: m.Host, dockerconf.FieldCertDir: m.CertDir, dockerconf.FieldServerName: m.ServerName,
		dockerconf.FieldServerNames: m.ServerNames, dockerconf.FieldBuilderName: m.BuilderName, dockerconf.FieldFileNames: m.FileNames,
	})
	return dockerconf.BuildkitClient{
		Host: hostOf(m.Host), CertDir: m.CertDir.ValueString(), Names: enumOf(m.FileNames, dockerconf.BuildkitNamesDocker),
		ServerName: m.ServerName.ValueString(), BuilderName: m.BuilderName.ValueString(),
		Material: m.material(), ServerNames: serverNames, Now: d.env.clock(), Pending: pendingOf(fields),
	}
}

// check judges what is known of m (dockerconf.BuildkitClient.Check).
func (d *buildkitClientConfigDataSource) check(_ context.Context, m buildkitClientConfigModel) diag.Diagnostics {
	var diags diag.Diagnostics
	addProblems(&diags, d.client(m).Check())
	return diags
}

// fill fills in m's results from its arguments, which check has judged.
func (m *buildkitClientConfigModel) fill(ctx context.Context, c dockerconf.BuildkitClient) diag.Diagnostics {
	if c.Host.Raw == "" {
		return diag.Diagnostics{diag.NewAttributeErrorDiagnostic(p.Root("host"), "Invalid host", "host does not parse")}
	}
	filesVal, diags := filesValue(c.Files(m.CACertPEM.ValueString(), m.ClientCertPEM.ValueString(), m.ClientKeyPEM.ValueString()))
	args, d := types.ListValueFrom(ctx, types.StringType, c.BuildctlArgs())
	diags.Append(d...)
	opts, d := types.MapValueFrom(ctx, types.StringType, c.RemoteDriverOpts())
	diags.Append(d...)
	m.ID = m.Host
	m.Files = filesVal
	m.BuildxCreateCommand = types.StringValue(c.BuildxCreateCommand())
	m.BuildctlArgs = args
	m.BuildkitHost = types.StringValue(c.BuildKitHost())
	m.RemoteDriverOptions = opts
	return diags
}

func (d *buildkitClientConfigDataSource) renderState(ctx context.Context, marked tfsdk.Config) (tfsdk.State, diag.Diagnostics) {
	return renderModel(ctx, tfsdk.State{Schema: marked.Schema}, marked, d.render)
}
