package provider

import (
	"context"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
)

var (
	_ datasource.DataSource                   = (*registryConfigDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*registryConfigDataSource)(nil)
)

type registryConfigDataSource struct {
	env *env
}

type registryConfigModel struct {
	serverTLSModel
	Address    types.String `tfsdk:"address"`
	TLSVerify  types.Bool   `tfsdk:"tls_verify"`
	MinimumTLS types.String `tfsdk:"minimum_tls"`
	Registry   types.String `tfsdk:"registry"`
	ConfigYAML types.String `tfsdk:"config_yaml"`
	ConfigPath types.String `tfsdk:"config_path"`

	ID             types.String `tfsdk:"id"`
	YAML           types.String `tfsdk:"yaml"`
	Files          types.Map    `tfsdk:"files"`
	RestartTrigger types.String `tfsdk:"restart_trigger"`
	CloudInit      types.String `tfsdk:"cloud_init"`
}

func (d *registryConfigDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_registry_config"
}

func (d *registryConfigDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := serverTLSAttributes("the registry", dockerconf.DefaultRegistryTLSDir)
	maps.Copy(attrs, map[string]schema.Attribute{
		"address": schema.StringAttribute{Optional: true, MarkdownDescription: "`http.addr`: `HOST:PORT` to listen on, such as " +
			"`192.0.2.10:5000`, or `:PORT` for every interface. Defaults to `" + dockerconf.DefaultRegistryAddr + "`. (A listen address, " +
			"not the registry's name: see `registry`.)"},
		"tls_verify": schema.BoolAttribute{Optional: true, MarkdownDescription: "Require a client certificate from the client trust " +
			"(`http.tls.clientcas`, which makes the registry refuse a client without one in the TLS handshake, before any HTTP). " +
			"Defaults to `true`. `false` serves plain server TLS (clients then authenticate another way, such as `auth.htpasswd`), " +
			"and `files` has no `ca.pem`."},
		"minimum_tls": enumAttribute(dockerconf.MinimumTLSVersions, "`http.tls.minimumtls`, the lowest TLS version the registry accepts."),
		"registry": schema.StringAttribute{Optional: true, MarkdownDescription: "The registry's name as clients write it in image " +
			"references, `HOST` or `HOST:PORT` (as for `dockertls_registry_client_config`): given, the server certificate must name " +
			"its host, or every client fails with \"x509: certificate is valid for ...\".",
			Validators: []validator.String{emptyCheckedBy("Invalid registry", dockerconf.CheckRegistry)}},

		"config_yaml": schema.StringAttribute{Optional: true, MarkdownDescription: "The rest of the registry's configuration, YAML " +
			"(`yamlencode({ version = \"0.1\", storage = { filesystem = { rootdirectory = \"/var/lib/registry\" } } })`): given, " +
			"`files[\"config.yml\"]` is the whole configuration, this with the rendered `http.addr` and `http.tls` merged in (its other " +
			"`http` keys, such as `secret` or `headers`, are kept), and `cloud_init` and `restart_trigger` cover it. It must have " +
			"`version` and `storage`, without which the registry does not start, and may not set `http.addr` or `http.tls`.",
			Validators: []validator.String{emptyCheckedBy("Invalid config_yaml", func(s string) error {
				_, err := dockerconf.ParseRegistryBase(s)
				return err
			})}},
		"config_path": schema.StringAttribute{Optional: true, MarkdownDescription: "Where `files[\"config.yml\"]` goes. Absolute. " +
			"Defaults to `" + dockerconf.DefaultRegistryConfigPath + "`, distribution v3's (v2 and Debian's `docker-registry` read " +
			"`/etc/docker/registry/config.yml`)."},
		"id": computedString("The same as `restart_trigger`."),
		"yaml": computedString("The registry's `http` section: `addr` and `tls` with `certificate`, `key`, `clientcas` (with " +
			"`tls_verify`) and `minimumtls`. Merge it into the rest of the configuration (`version`, `storage`, ...), for example " +
			"`yamlencode(merge(yamldecode(file(\"config.yml\")), yamldecode(this.yaml)))`; the registry reads " +
			"`/etc/distribution/config.yml` (v3) or `/etc/docker/registry/config.yml` (v2 and Debian's `docker-registry`)."),
		"files": filesAttribute("The registry's files: with `config_yaml`, `config.yml` (0644), the whole configuration; `ca.pem` (the "+
			"client trust, with `tls_verify`) and `server-cert.pem` (0444); and, when `server_key_pem` is given, `server-key.pem` (0400).",
			[]string{dockerconf.RegistryConfigName, dockerconf.CAFileName, dockerconf.ServerCertFileName, dockerconf.ServerKeyFileName}),
		"restart_trigger": computedString("Changes exactly when a file, a path or the `http` section changes: the registry reads its " +
			"TLS files only at start-up. Use it in `triggers_replace` of whatever restarts the registry."),
		"cloud_init": sensitiveString("A `#cloud-config` document that writes `files` (base64, with their modes) and runs nothing: the " +
			"registry runs as a container, a package's service or a pod, each started its own way; merge it with the part that does."),
	})
	resp.Schema = schema.Schema{
		MarkdownDescription: "Renders the TLS of a registry (distribution, the `registry` image) that authenticates its clients by " +
			"certificate: the configuration's `http` section (`http.tls.certificate`, `key`, `clientcas`, `minimumtls`) and the TLS " +
			"files. Its clients take `dockertls_registry_client_config`.\n\n" +
			"It checks at plan time the listen address and `minimum_tls` (values the registry refuses at start-up), and, once the PEMs " +
			"are known, that the server certificate carries serverAuth, chains to `ca_cert_pem` and names `registry`, and that the " +
			"client trust admits someone.",
		Attributes: attrs,
	}
}

func (d *registryConfigDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	validateRendering(ctx, req, resp, d.check)
}

func (d *registryConfigDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readRendering(ctx, req, resp, d.render)
}

// registry maps the arguments onto dockerconf's Registry, with its
// defaults; what is not known yet is Pending.
func (d *registryConfigDataSource) registry(m registryConfigModel) dockerconf.Registry {
	fields := m.pending()
	maps.Copy(fields, map[dockerconf.Field]attr.Value{
		dockerconf.FieldAddress: m.Address, dockerconf.FieldTLSVerify: m.TLSVerify, dockerconf.FieldMinimumTLS: m.MinimumTLS,
		dockerconf.FieldRegistry: m.Registry, dockerconf.FieldConfigYAML: m.ConfigYAML, dockerconf.FieldConfigPath: m.ConfigPath,
	})
	return dockerconf.Registry{
		BaseYAML: m.ConfigYAML.ValueString(), ConfigPath: m.ConfigPath.ValueString(), Name: m.Registry.ValueString(),
		Addr: m.Address.ValueString(), TLSVerify: m.TLSVerify.IsNull() || m.TLSVerify.ValueBool(), MinimumTLS: m.MinimumTLS.ValueString(),
		TLSDir: m.TLSDir.ValueString(), CACertPath: m.CACertPath.ValueString(), CertPath: m.CertPath.ValueString(), KeyPath: m.KeyPath.ValueString(),
		Material: m.material(), Now: d.env.clock(), Pending: pendingOf(fields),
	}.WithDefaults()
}

// check judges what is known of m (dockerconf.Registry.Check).
func (d *registryConfigDataSource) check(_ context.Context, m registryConfigModel) diag.Diagnostics {
	var diags diag.Diagnostics
	addProblems(&diags, d.registry(m).Check())
	return diags
}

// render judges m's arguments and fills in its results.
func (d *registryConfigDataSource) render(_ context.Context, m *registryConfigModel) diag.Diagnostics {
	var diags diag.Diagnostics
	r, problems := d.registry(*m).Render()
	addProblems(&diags, problems)
	if diags.HasError() {
		return diags
	}
	filesVal, fd := filesValue(r.Files)
	diags.Append(fd...)
	m.ID = types.StringValue(r.RestartTrigger)
	m.YAML = types.StringValue(r.YAML)
	m.Files = filesVal
	m.RestartTrigger = types.StringValue(r.RestartTrigger)
	m.CloudInit = types.StringValue(r.CloudConfig)
	return diags
}

func (d *registryConfigDataSource) renderState(ctx context.Context, marked tfsdk.Config) (tfsdk.State, diag.Diagnostics) {
	return renderModel(ctx, tfsdk.State{Schema: marked.Schema}, marked, d.render)
}
