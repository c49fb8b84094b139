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
	_ datasource.DataSource                   = (*registryClientConfigDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*registryClientConfigDataSource)(nil)
)

type registryClientConfigDataSource struct {
	env *env
}

type registryClientConfigModel struct {
	clientTLSModel
	Registry           types.String `tfsdk:"registry"`
	DockerCertsDir     types.String `tfsdk:"docker_certs_dir"`
	ContainersCertsDir types.String `tfsdk:"containers_certs_dir"`
	ContainerdCertsDir types.String `tfsdk:"containerd_certs_dir"`
	BuildkitCertsDir   types.String `tfsdk:"buildkit_certs_dir"`

	ID                  types.String `tfsdk:"id"`
	DockerFiles         types.Map    `tfsdk:"docker_files"`
	ContainersFiles     types.Map    `tfsdk:"containers_files"`
	ContainerdFiles     types.Map    `tfsdk:"containerd_files"`
	ContainerdHostsTOML types.String `tfsdk:"containerd_hosts_toml"`
	BuildkitdFiles      types.Map    `tfsdk:"buildkitd_files"`
	BuildkitdTOML       types.String `tfsdk:"buildkitd_toml"`
}

func (d *registryClientConfigDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_registry_client_config"
}

func (d *registryClientConfigDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := clientTLSAttributes("the registry", "a `registry` host that is not among its SANs")
	pair := []string{dockerconf.RegistryCAFileName, dockerconf.RegistryCertFileName, dockerconf.RegistryKeyFileName}
	dir := func(what, def string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, MarkdownDescription: what + " Absolute. Defaults to `" + def + "`."}
	}
	filesOf := func(consumer, dirArg string) schema.MapNestedAttribute {
		return filesAttribute("The files "+consumer+" reads for the registry, in `<"+dirArg+">/<registry>/`: `ca.crt` (the CA, "+
			"0444), `client.cert` (0444) and `client.key` (0400), the names that make them a CA and a client pair there.", pair)
	}
	maps.Copy(attrs, map[string]schema.Attribute{
		"registry": schema.StringAttribute{Required: true, MarkdownDescription: "The registry as image references name it, `HOST` or " +
			"`HOST:PORT`, such as `registry.example.internal:5000`: every client finds its folder by that exact text, so no scheme " +
			"or path, lower case, and the port exactly when references carry it. dockerd treats a loopback registry (127.0.0.0/8, " +
			"`localhost`) as insecure, and with its classic image store (20.10 to 28) then ignores certs.d: a warning says so."},
		"docker_certs_dir": dir("dockerd's certs.d (`/etc/docker/certs.d`; a rootless dockerd's is "+
			"`~/.config/docker/certs.d`).", dockerconf.DefaultDockerCertsDir),
		"containers_certs_dir": dir("The certs.d of Podman, Buildah, Skopeo and CRI-O (containers-certs.d(5); rootless Podman "+
			"also reads `~/.config/containers/certs.d`).", dockerconf.DefaultContainersCertsDir),
		"containerd_certs_dir": dir("containerd's registry `config_path` (set it in containerd's config: "+
			"`[plugins.\"io.containerd.grpc.v1.cri\".registry] config_path`, or `ctr --hosts-dir`).", dockerconf.DefaultContainerdCertsDir),
		"buildkit_certs_dir": dir("Where buildkitd's files for the registry go (buildkitd reads the paths `buildkitd_toml` names).",
			dockerconf.DefaultBuildkitCertsDir),

		"id":               computedString("The registry, as given in `registry`."),
		"docker_files":     filesOf("dockerd", "docker_certs_dir"),
		"containers_files": filesOf("Podman, Buildah, Skopeo and CRI-O", "containers_certs_dir"),
		"containerd_files": filesAttribute("containerd's files in `<containerd_certs_dir>/<registry>/`: `hosts.toml` (0644) and "+
			"the `ca.crt`, `client.cert` and `client.key` it names.", append([]string{dockerconf.ContainerdHostsName}, pair...)),
		"containerd_hosts_toml": computedString("containerd's `hosts.toml` for the registry: `server` and a `[host]` with `ca` and " +
			"`client = [[cert, key]]`; also `containerd_files[\"hosts.toml\"]`."),
		"buildkitd_files": filesOf("buildkitd", "buildkit_certs_dir"),
		"buildkitd_toml": computedString("buildkitd.toml's `[registry.\"<registry>\"]` section with `ca` and a `keypair`, naming " +
			"`buildkitd_files`: pass it as `dockertls_buildkitd_config`'s `extra_toml` (or append it to your buildkitd.toml)."),
	})
	resp.Schema = schema.Schema{
		MarkdownDescription: "Renders what each client of a registry that wants client certificates reads, for one registry: " +
			"dockerd's and the containers tools' certs.d folders, containerd's `hosts.toml` and buildkitd.toml's `[registry]` " +
			"section, each with its files; pick the outputs of the clients you run. The registry takes `dockertls_registry_config`.\n\n" +
			"The names are each client's: `ca.crt` is a CA and `client.cert` with `client.key` a client pair to dockerd and the " +
			"containers tools (a `.pem` there is ignored), and the folder is the registry's name exactly. It checks at plan time " +
			"that `registry` is `HOST[:PORT]` and that the directories are absolute; once the PEMs are known, that the client " +
			"certificate carries clientAuth and chains to its issuer, and (given `server_cert_pem`) that the server certificate " +
			"names the registry's host.",
		Attributes: attrs,
	}
}

func (d *registryClientConfigDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	validateRendering(ctx, req, resp, d.check)
}

func (d *registryClientConfigDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readRendering(ctx, req, resp, d.render)
}

// render judges m's arguments, mapped once, and fills in its results.
func (d *registryClientConfigDataSource) render(ctx context.Context, m *registryClientConfigModel) diag.Diagnostics {
	c := d.client(*m)
	var diags diag.Diagnostics
	addProblems(&diags, c.Check())
	if diags.HasError() {
		return diags
	}
	return append(diags, m.fill(c)...)
}

// client maps m onto dockerconf's RegistryClient, with its defaults.
func (d *registryClientConfigDataSource) client(m registryClientConfigModel) dockerconf.RegistryClient {
	fields := m.pending()
	maps.Copy(fields, map[dockerconf.Field]attr.Value{
		dockerconf.FieldRegistry: m.Registry, dockerconf.FieldDockerCertsDir: m.DockerCertsDir,
		dockerconf.FieldContainersCertsDir: m.ContainersCertsDir, dockerconf.FieldContainerdCertsDir: m.ContainerdCertsDir,
		dockerconf.FieldBuildkitCertsDir: m.BuildkitCertsDir,
	})
	return dockerconf.RegistryClient{
		Registry: m.Registry.ValueString(), DockerCertsDir: m.DockerCertsDir.ValueString(), ContainersCertsDir: m.ContainersCertsDir.ValueString(),
		ContainerdCertsDir: m.ContainerdCertsDir.ValueString(), BuildkitCertsDir: m.BuildkitCertsDir.ValueString(),
		Material: m.material(), Now: d.env.clock(), Pending: pendingOf(fields),
	}.WithDefaults()
}

// check judges what is known of m (dockerconf.RegistryClient.Check).
func (d *registryClientConfigDataSource) check(_ context.Context, m registryClientConfigModel) diag.Diagnostics {
	var diags diag.Diagnostics
	addProblems(&diags, d.client(m).Check())
	return diags
}

// fill fills in m's results from its arguments, which check has judged.
func (m *registryClientConfigModel) fill(c dockerconf.RegistryClient) diag.Diagnostics {
	ca, cert, key := m.CACertPEM.ValueString(), m.ClientCertPEM.ValueString(), m.ClientKeyPEM.ValueString()
	var diags diag.Diagnostics
	for _, out := range []struct {
		to    *types.Map
		files []dockerconf.File
	}{
		{&m.DockerFiles, c.DockerFiles(ca, cert, key)}, {&m.ContainersFiles, c.ContainersFiles(ca, cert, key)},
		{&m.ContainerdFiles, c.ContainerdFiles(ca, cert, key)}, {&m.BuildkitdFiles, c.BuildkitdFiles(ca, cert, key)},
	} {
		v, d := filesValue(out.files)
		diags.Append(d...)
		*out.to = v
	}
	m.ID = m.Registry
	m.ContainerdHostsTOML = types.StringValue(c.ContainerdHostsTOML())
	m.BuildkitdTOML = types.StringValue(c.BuildkitdTOML())
	return diags
}

func (d *registryClientConfigDataSource) renderState(ctx context.Context, marked tfsdk.Config) (tfsdk.State, diag.Diagnostics) {
	return renderModel(ctx, tfsdk.State{Schema: marked.Schema}, marked, d.render)
}
