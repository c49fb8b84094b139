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
	_ datasource.DataSource                   = (*podmanClientConfigDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*podmanClientConfigDataSource)(nil)
)

type podmanClientConfigDataSource struct {
	env *env
}

type podmanClientConfigModel struct {
	clientTLSModel
	Host           types.String `tfsdk:"host"`
	CertDir        types.String `tfsdk:"cert_dir"`
	ConnectionName types.String `tfsdk:"connection_name"`
	Default        types.Bool   `tfsdk:"default"`

	ID                      types.String `tfsdk:"id"`
	Files                   types.Map    `tfsdk:"files"`
	PodmanConnectionCommand types.String `tfsdk:"podman_connection_command"`
	ContainersConf          types.String `tfsdk:"containers_conf"`
	ContainersConfName      types.String `tfsdk:"containers_conf_name"`
}

func (d *podmanClientConfigDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_podman_client_config"
}

func (d *podmanClientConfigDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := clientTLSAttributes("the Podman host", "a `host` that is not among its SANs")
	maps.Copy(attrs, map[string]schema.Attribute{
		"host": schema.StringAttribute{
			MarkdownDescription: "The Podman host's address, `tcp://HOST:PORT`, such as `tcp://podman1.example.internal:2376` " +
				"(`dockertls_podman_config`'s `address`, by a name its certificate carries).",
			Required: true, Validators: []validator.String{tcpHostValidator},
		},
		"cert_dir": schema.StringAttribute{
			MarkdownDescription: "The directory the client's files go to, absolute, such as `/home/ci/.config/containers/tls/podman1`: " +
				"podman records the files' paths, not their contents, and reads them from wherever it runs later. The names are " +
				"the docker CLI's (`ca.pem`, `cert.pem`, `key.pem`), so the same directory serves `dockertls_client_config`'s " +
				"`cert_dir` (the docker CLI and Testcontainers) against the same host.",
			Required: true,
		},
		"connection_name": schema.StringAttribute{
			MarkdownDescription: "The connection's name (`podman --connection NAME`, `CONTAINER_CONNECTION=NAME`). Defaults to " +
				"the host's name (without a trailing dot), `-PORT` added when the port is not 2376, what a name should not " +
				"hold (anything but letters, digits and `. _ -`) replaced by `-`, and `podman-` before a name that would " +
				"not start with a letter or digit: `tcp://[fd00::1]:2377` gives `fd00-1-2377`.",
			Optional: true, Validators: []validator.String{notEmptyValidator},
		},
		"default": schema.BoolAttribute{Optional: true, MarkdownDescription: "Make the connection podman-remote's default " +
			"(`--default` in `podman_connection_command`, `active_service` in `containers_conf`). Defaults to `false`; the first " +
			"connection a user adds is the default anyway."},

		"id": computedString("The host, as given in `host`."),
		"files": filesAttribute("The client's files in `cert_dir`: `ca.pem` and `cert.pem` (0444) and `key.pem` (0400).",
			[]string{dockerconf.ClientCAFileName, dockerconf.ClientCertFileName, dockerconf.ClientKeyFileName}),
		"podman_connection_command": computedString("`podman system connection add --tls-ca ... --tls-cert ... --tls-key ... NAME " +
			"tcp://...`, which records the connection in the user's `podman-connections.json`. Run it once: the connection " +
			"names the files, which a renewal rewrites in place (run again, podman refuses a name that exists)."),
		"containers_conf": computedString("The same connection as a containers.conf drop-in, for hosts managed as files: " +
			"`[engine.service_destinations.NAME]` with `uri`, `tls_ca`, `tls_cert` and `tls_key` (read by Podman 5.7 and later), " +
			"and with `default`, `active_service`."),
		"containers_conf_name": computedString("The drop-in's file name, `dockertls-NAME.conf`: in " +
			"`/etc/containers/containers.conf.d/` for every user of the machine, or `~/.config/containers/containers.conf.d/` for one."),
	})
	resp.Schema = schema.Schema{
		MarkdownDescription: "Renders what podman-remote (`podman --remote`, or the podman-remote program) needs to reach a " +
			"Podman host over mutual TLS: the files, a `podman system connection add` command and the same connection as a " +
			"containers.conf drop-in. The docker CLI, Docker's SDKs and Testcontainers reach the same host through " +
			"`dockertls_client_config`.\n\n" +
			"It checks at plan time that the host is a `tcp://` address with a port, that `cert_dir` is absolute, that the " +
			"client certificate carries clientAuth and chains to the CA, and that the key is the certificate's; given the " +
			"server certificate too, that it names the host (podman-remote would fail every call).",
		Attributes: attrs,
	}
}

func (d *podmanClientConfigDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	validateRendering(ctx, req, resp, d.check)
}

func (d *podmanClientConfigDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readRendering(ctx, req, resp, d.render)
}

// render judges m's arguments, mapped once, and fills in its results.
func (d *podmanClientConfigDataSource) render(_ context.Context, m *podmanClientConfigModel) diag.Diagnostics {
	c := d.client(*m)
	var diags diag.Diagnostics
	addProblems(&diags, c.Check())
	if diags.HasError() {
		return diags
	}
	return append(diags, m.fill(c)...)
}

// client maps m onto dockerconf's PodmanClient: a host that is not known
// or does not parse (tcpHostValidator reports it) is the zero Host.
func (d *podmanClientConfigDataSource) client(m podmanClientConfigModel) dockerconf.PodmanClient {
	fields := m.pending()
	maps.Copy(fields, map[dockerconf.Field]attr.Value{
		dockerconf.FieldHost: m.Host, dockerconf.FieldCertDir: m.CertDir, dockerconf.FieldConnectionName: m.ConnectionName,
		dockerconf.FieldDefault: m.Default,
	})
	return dockerconf.PodmanClient{
		Host: hostOf(m.Host), CertDir: m.CertDir.ValueString(), ConnectionName: m.ConnectionName.ValueString(), Default: m.Default.ValueBool(),
		Material: m.material(), Now: d.env.clock(), Pending: pendingOf(fields),
	}
}

// check judges what is known of m (dockerconf.PodmanClient.Check).
func (d *podmanClientConfigDataSource) check(_ context.Context, m podmanClientConfigModel) diag.Diagnostics {
	var diags diag.Diagnostics
	addProblems(&diags, d.client(m).Check())
	return diags
}

// fill fills in m's results from its arguments, which check has judged.
func (m *podmanClientConfigModel) fill(c dockerconf.PodmanClient) diag.Diagnostics {
	if c.Host.Raw == "" {
		return diag.Diagnostics{diag.NewAttributeErrorDiagnostic(p.Root("host"), "Invalid host", "host does not parse")}
	}
	filesVal, diags := filesValue(c.Files(m.CACertPEM.ValueString(), m.ClientCertPEM.ValueString(), m.ClientKeyPEM.ValueString()))
	m.ID = m.Host
	m.Files = filesVal
	m.PodmanConnectionCommand = types.StringValue(c.ConnectionCommand())
	m.ContainersConf = types.StringValue(c.ContainersConf())
	m.ContainersConfName = types.StringValue(c.ContainersConfName())
	return diags
}

func (d *podmanClientConfigDataSource) renderState(ctx context.Context, marked tfsdk.Config) (tfsdk.State, diag.Diagnostics) {
	return renderModel(ctx, tfsdk.State{Schema: marked.Schema}, marked, d.render)
}
