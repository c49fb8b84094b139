package provider

import (
	"context"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
)

var (
	_ datasource.DataSource                   = (*clientConfigDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*clientConfigDataSource)(nil)
)

type clientConfigDataSource struct {
	env *env
}

type clientConfigModel struct {
	clientTLSModel
	Host        types.String `tfsdk:"host"`
	CertDir     types.String `tfsdk:"cert_dir"`
	ContextName types.String `tfsdk:"context_name"`
	Platform    types.String `tfsdk:"platform"`

	ID                   types.String `tfsdk:"id"`
	Env                  types.Map    `tfsdk:"env"`
	EnvSh                types.String `tfsdk:"env_sh"`
	EnvPowerShell        types.String `tfsdk:"env_powershell"`
	Files                types.Map    `tfsdk:"files"`
	DockerContextCommand types.String `tfsdk:"docker_context_command"`
	CAMaterial           types.String `tfsdk:"ca_material"`
	CertMaterial         types.String `tfsdk:"cert_material"`
	KeyMaterial          types.String `tfsdk:"key_material"`
	TestcontainersProps  types.String `tfsdk:"testcontainers_properties"`
}

func (d *clientConfigDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_client_config"
}

func (d *clientConfigDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Renders what a Docker client needs to reach a daemon over mutual TLS: the docker CLI's environment " +
			"and files, a `docker context create` command, and the `host`, `ca_material`, `cert_material` and `key_material` " +
			"the kreuzwerker/docker provider takes.\n\n" +
			"It checks at plan time that the host is a `tcp://` address with a port, that the client certificate carries " +
			"clientAuth and chains to the CA, and that the key is the certificate's. Given the server certificate too, it warns " +
			"when the host's name or address is not among its SANs, the \"certificate is valid for X, not Y\" failure before it happens.\n\n" +
			"Always pass `ca_material` on to the kreuzwerker/docker provider: with an empty CA it skips server verification entirely. " +
			"And set its `cert_path = \"\"` with the materials: it takes `DOCKER_CERT_PATH` (which `env` and the docker CLI's own " +
			"instructions have users export) as the default of `cert_path`, and refuses `cert_path` together with them " +
			"(\"failed to create Docker client: cert_path must not be specified\"); an explicit empty `cert_path` keeps the " +
			"environment out (checked against its real binary).\n\n" +
			"**Data source or function.** As for `dockertls_daemon_config`: the function `provider::dockertls::client_config` " +
			"takes the same arguments and is evaluated in the plan, so a renewal's plan shows exactly which client files " +
			"change (Terraform 1.8 and later, OpenTofu 1.7 and later), and a client of several hosts is one call per host in a " +
			"`for` expression.",
		Attributes: map[string]schema.Attribute{
			"host": schema.StringAttribute{
				MarkdownDescription: "The daemon's address, `tcp://HOST:PORT`, such as `tcp://docker1.example.internal:2376`.",
				Required:            true,
				Validators:          []validator.String{tcpHostValidator},
			},
			"ca_cert_pem": schema.StringAttribute{
				MarkdownDescription: "The CA certificates the client trusts to verify the daemon, PEM: one, or a trust bundle of several " +
					"concatenated (`\"${dockertls_ca.next.cert_pem}${dockertls_ca.current.cert_pem}\"`) while a new CA is rolled out. " +
					caBundleRules + " The client certificate must chain to one of them too. `files[\"ca.pem\"]` and `ca_material` hold " +
					"the whole bundle.",
				Required: true, Validators: []validator.String{caBundleValidator},
			},
			"client_cert_pem": schema.StringAttribute{MarkdownDescription: "The client certificate, PEM: a `dockertls_client_cert`'s `cert_pem`.", Required: true},
			"client_ca_cert_pem": schema.StringAttribute{
				MarkdownDescription: "The issuer of `client_cert_pem`, PEM, when it is not among `ca_cert_pem`: a per-person or " +
					"per-team issuer whose clients the daemons admit through `dockertls_daemon_config`'s `client_ca_cert_pem`. Only " +
					"checked against (the client certificate must chain to it); it is written nowhere, since a client verifies only " +
					"the daemon. Defaults to `ca_cert_pem`.",
				Optional: true, Validators: []validator.String{caBundleValidator},
			},
			"client_key_pem": schema.StringAttribute{
				MarkdownDescription: "The client's private key, PEM, unencrypted.", Required: true, Sensitive: true,
			},
			"platform": enumAttribute(dockerconf.ClientPlatforms, "The platform of the machine the client runs on, which "+
				"decides the form of paths and of `docker_context_command`: `linux` and `macos` render alike; `windows` takes "+
				"`C:\\...` paths, defaults the files to the docker CLI's `%USERPROFILE%\\.docker` and writes "+
				"`docker_context_command` for PowerShell."),
			"cert_dir": schema.StringAttribute{
				MarkdownDescription: "The directory the client's files go to, such as `/home/ci/.docker/docker1` (or " +
					"`C:\\Users\\ci\\.docker\\docker1` on `windows`); absolute for the platform. When given, `env` has " +
					"`DOCKER_CERT_PATH` and the files' paths are inside it; otherwise the docker CLI's default directory applies: " +
					"the paths are the bare file names (for `~/.docker`) on `linux` and `macos`, and `%USERPROFILE%\\.docker\\NAME` " +
					"on `windows`.",
				Optional: true, Validators: []validator.String{notEmptyValidator},
			},
			"context_name": schema.StringAttribute{
				MarkdownDescription: "The name in `docker_context_command`. Defaults to the host name with characters a context name " +
					"cannot hold replaced by `-`.",
				Optional: true, Validators: []validator.String{notEmptyValidator},
			},
			"server_cert_pem": schema.StringAttribute{
				MarkdownDescription: "The daemon's certificate, PEM, optional: given, the data source warns when `host` is not among its SANs.",
				Optional:            true, Validators: []validator.String{notEmptyValidator},
			},
			"id": computedString("The host, as given in `host`."),
			"env": schema.MapAttribute{
				ElementType: types.StringType, Computed: true,
				MarkdownDescription: "The docker CLI's environment: `DOCKER_HOST`, `DOCKER_TLS_VERIFY=1` and, with `cert_dir`, " +
					"`DOCKER_CERT_PATH`. (The CLI treats any non-empty `DOCKER_TLS_VERIFY`, even `0`, as on.)",
			},
			"env_sh": computedString("`env` as POSIX shell lines (`export DOCKER_HOST=...`), quoted for the shell, ready for " +
				"`eval` or a profile script."),
			"env_powershell": computedString("`env` as PowerShell lines (`$env:DOCKER_HOST = '...'`), for a Windows client or a " +
				"PowerShell profile."),
			"files": filesAttribute("The client's files under the names the docker CLI looks for: `ca.pem` and `cert.pem` (0444) "+
				"and `key.pem` (0400); no mode on `windows`, where NTFS ACLs apply.", []string{dockerconf.ClientCAFileName, dockerconf.ClientCertFileName, dockerconf.ClientKeyFileName}),
			"docker_context_command": computedString("A `docker context create NAME --docker \"host=...,ca=...,cert=...,key=...\"` command " +
				"for the files. The CLI copies the files into its context store, so after a renewal run `docker context update` " +
				"with the same `--docker` argument."),
			"testcontainers_properties": computedString("With `cert_dir`, `~/.testcontainers.properties` for the host " +
				"(`docker.host`, `docker.tls.verify=1`, `docker.cert.path`), which Testcontainers in every language reads; null " +
				"without `cert_dir`, since Testcontainers joins the file names to `docker.cert.path` as written and cannot expand " +
				"`~`, and (with a warning) for a `cert_dir` the file cannot carry alike for Java and Go (`${`, which testcontainers-go " +
				"expands, or a character beyond the Basic Multilingual Plane). What is not ASCII is written `\\uXXXX`. It serves a dockerd or a Podman host alike. testcontainers-go (v0.45) checks the host with a client built from " +
				"the environment alone, so for it export `env` as well (`DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH`)."),
			"ca_material":   computedString("For the kreuzwerker/docker provider's `ca_material`: the CA certificate."),
			"cert_material": computedString("For the kreuzwerker/docker provider's `cert_material`: the client certificate."),
			"key_material": schema.StringAttribute{
				Computed: true, Sensitive: true,
				MarkdownDescription: "For the kreuzwerker/docker provider's `key_material`: the client key. Sensitive here; that provider does not mark it sensitive on its side.",
			},
		},
	}
}

func (d *clientConfigDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	validateRendering(ctx, req, resp, d.check)
}

func (d *clientConfigDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readRendering(ctx, req, resp, d.render)
}

// render judges m's arguments, mapped once, and fills in its results.
func (d *clientConfigDataSource) render(ctx context.Context, m *clientConfigModel) diag.Diagnostics {
	c := d.client(*m)
	var diags diag.Diagnostics
	addProblems(&diags, c.Check())
	if diags.HasError() {
		return diags
	}
	return append(diags, m.fill(ctx, c)...)
}

// client maps m onto dockerconf's Client: a host that is not known or does
// not parse (tcpHostValidator reports it) is the zero Host.
func (d *clientConfigDataSource) client(m clientConfigModel) dockerconf.Client {
	fields := m.pending()
	maps.Copy(fields, map[dockerconf.Field]attr.Value{
		dockerconf.FieldHost: m.Host, dockerconf.FieldCertDir: m.CertDir, dockerconf.FieldContextName: m.ContextName,
		dockerconf.FieldPlatform: m.Platform,
	})
	return dockerconf.Client{
		Host: hostOf(m.Host), CertDir: m.CertDir.ValueString(), ContextName: m.ContextName.ValueString(),
		Platform: enumOf(m.Platform, dockerconf.ClientLinux), Material: m.material(), Now: d.env.clock(), Pending: pendingOf(fields),
	}
}

// check judges what is known of m (dockerconf.Client.Check).
func (d *clientConfigDataSource) check(_ context.Context, m clientConfigModel) diag.Diagnostics {
	var diags diag.Diagnostics
	addProblems(&diags, d.client(m).Check())
	return diags
}

// fill fills in m's results from its arguments, which check has judged.
func (m *clientConfigModel) fill(ctx context.Context, client dockerconf.Client) diag.Diagnostics {
	if client.Host.Raw == "" {
		return diag.Diagnostics{diag.NewAttributeErrorDiagnostic(path.Root("host"), "Invalid host", "host does not parse")}
	}
	envVal, diags := types.MapValueFrom(ctx, types.StringType, client.Env())
	filesVal, d := filesValue(client.Files(m.CACertPEM.ValueString(), m.ClientCertPEM.ValueString(), m.ClientKeyPEM.ValueString()))
	diags.Append(d...)

	m.ID = m.Host
	m.Env = envVal
	m.EnvSh = types.StringValue(client.ExportLines())
	m.EnvPowerShell = types.StringValue(client.PowerShellLines())
	m.Files = filesVal
	m.DockerContextCommand = types.StringValue(client.ContextCommand())
	m.CAMaterial = m.CACertPEM
	m.CertMaterial = m.ClientCertPEM
	m.KeyMaterial = m.ClientKeyPEM
	m.TestcontainersProps = types.StringNull()
	if props := client.TestcontainersProperties(); props != "" {
		m.TestcontainersProps = types.StringValue(props)
	}
	return diags
}

func (d *clientConfigDataSource) renderState(ctx context.Context, marked tfsdk.Config) (tfsdk.State, diag.Diagnostics) {
	return renderModel(ctx, tfsdk.State{Schema: marked.Schema}, marked, d.render)
}
