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
	_ datasource.DataSource                   = (*podmanConfigDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*podmanConfigDataSource)(nil)
)

type podmanConfigDataSource struct {
	env *env
}

type podmanConfigModel struct {
	serverTLSModel
	Address          types.String `tfsdk:"address"`
	SocketActivation types.Bool   `tfsdk:"socket_activation"`
	PodmanPath       types.String `tfsdk:"podman_path"`

	ID             types.String `tfsdk:"id"`
	SystemdService types.String `tfsdk:"systemd_service"`
	SystemdSocket  types.String `tfsdk:"systemd_socket"`
	Files          types.Map    `tfsdk:"files"`
	RestartTrigger types.String `tfsdk:"restart_trigger"`
	RestartCommand types.String `tfsdk:"restart_command"`
	CloudInit      types.String `tfsdk:"cloud_init"`
	Ignition       types.String `tfsdk:"ignition"`
}

func (d *podmanConfigDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_podman_config"
}

func (d *podmanConfigDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := serverTLSAttributes("podman", dockerconf.DefaultPodmanTLSDir)
	maps.Copy(attrs, map[string]schema.Attribute{
		"address": schema.StringAttribute{Optional: true,
			MarkdownDescription: "Where the Podman API listens, `tcp://HOST:PORT` (podman serves one listener). Defaults to `" +
				dockerconf.DefaultPodmanAddress + "`: 2376 is the port the docker CLI and Docker's SDKs assume for a TLS host. With " +
				"`socket_activation` (the default) systemd opens it, so HOST is an IP address. The local unix socket is the " +
				"distribution's own `podman.socket`, left as it is."},
		"socket_activation": schema.BoolAttribute{Optional: true,
			MarkdownDescription: "Have systemd hold the port (`" + dockerconf.PodmanSocketName + "`) and hand it to podman, which " +
				"applies TLS to it as to a port it opens itself: a client that connects while `restart_command` restarts podman " +
				"(every renewal does) waits in the socket's backlog instead of being refused. Defaults to `true`. With `false`, " +
				"podman opens the port, and clients are refused for the moment of a restart."},
		"podman_path": schema.StringAttribute{Optional: true, MarkdownDescription: "The program the unit starts. Defaults to `" +
			dockerconf.DefaultPodmanPath + "`, where Fedora's, RHEL's, Debian's and Ubuntu's packages put it. Podman 5.7 or later: " +
			"earlier releases have no `--tls-client-ca`."},

		"id": computedString("The same as `restart_trigger`."),
		"systemd_service": computedString("`" + dockerconf.PodmanServicePath + "`: `podman system service --time=0` with " +
			"`--tls-cert`, `--tls-key` and `--tls-client-ca` (Podman then refuses a client without a certificate from it), run " +
			"as root, shaped as the packaged `podman.service` (a restart leaves the containers running). Checked with `systemd-analyze verify`."),
		"systemd_socket": computedString("With `socket_activation`, `" + dockerconf.PodmanSocketPath + "`: `ListenStream=` the " +
			"address, with `FreeBind=yes` (an address the host does not have yet at boot); null without it."),
		"files": filesAttribute("Podman's files: the units (0644), `ca.pem` (the client trust) and `server-cert.pem` (0444) "+
			"and, when `server_key_pem` is given, `server-key.pem` (0400).", []string{dockerconf.PodmanServiceName,
			dockerconf.PodmanSocketName, dockerconf.CAFileName, dockerconf.ServerCertFileName, dockerconf.ServerKeyFileName}),
		"restart_trigger": computedString("Changes exactly when a file or a path changes: podman reads its TLS files and the " +
			"client trust only at start-up. Use it in `triggers_replace` of the `terraform_data` that runs `restart_command`."),
		"restart_command": computedString("Reloads systemd and restarts `" + dockerconf.PodmanServiceName + "`; with " +
			"`socket_activation` it leaves the socket open (restarting it, which closes the port for a moment, only when its " +
			"unit changed), so that no client is refused. Containers keep running. Run it after writing `files`, host by host."),
		"cloud_init": sensitiveString("A `#cloud-config` document that writes `files` (base64, with their modes) and enables " +
			"and starts the socket (or the service): the `user_data` of a new Podman host."),
		"ignition": sensitiveString("An Ignition config (spec " + dockerconf.IgnitionVersion + ") that writes `files` and " +
			"enables the socket (or the service): the `user_data` of a Fedora CoreOS host, which ships Podman, or a fragment to merge."),
	})
	resp.Schema = schema.Schema{
		MarkdownDescription: "Renders what a Podman host needs to serve its API over mutual TLS (Podman 5.7 and later): a " +
			"systemd service and socket that run `podman system service` with the TLS flags, and the TLS files, each with its " +
			"path and mode, for cloud-init, Ignition or a provisioner. Its clients take `dockertls_podman_client_config` " +
			"(podman-remote) or `dockertls_client_config` (the docker CLI, Docker's SDKs and Testcontainers, which Podman's " +
			"Docker-compatible API serves).\n\n" +
			"It checks at plan time what podman or systemd would refuse: an address that is not `tcp://` with a port, a name " +
			"where systemd needs an IP address, paths that would change the unit's `ExecStart=`; and, once the PEMs are known, " +
			"that the server certificate carries serverAuth, chains to `ca_cert_pem` and names the address (unless a wildcard).",
		Attributes: attrs,
	}
}

func (d *podmanConfigDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	validateRendering(ctx, req, resp, d.check)
}

func (d *podmanConfigDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readRendering(ctx, req, resp, d.render)
}

// podman maps the arguments onto dockerconf's Podman, with its defaults;
// what is not known yet is Pending.
func (d *podmanConfigDataSource) podman(m podmanConfigModel) dockerconf.Podman {
	fields := m.pending()
	maps.Copy(fields, map[dockerconf.Field]attr.Value{
		dockerconf.FieldAddress: m.Address, dockerconf.FieldSocketActivation: m.SocketActivation, dockerconf.FieldPodmanPath: m.PodmanPath,
	})
	return dockerconf.Podman{
		Address: m.Address.ValueString(), SocketActivation: m.SocketActivation.IsNull() || m.SocketActivation.ValueBool(),
		TLSDir: m.TLSDir.ValueString(), CACertPath: m.CACertPath.ValueString(), CertPath: m.CertPath.ValueString(), KeyPath: m.KeyPath.ValueString(),
		PodmanPath: m.PodmanPath.ValueString(), Material: m.material(), Now: d.env.clock(), Pending: pendingOf(fields),
	}.WithDefaults()
}

// check judges what is known of m (dockerconf.Podman.Check).
func (d *podmanConfigDataSource) check(_ context.Context, m podmanConfigModel) diag.Diagnostics {
	var diags diag.Diagnostics
	addProblems(&diags, d.podman(m).Check())
	return diags
}

// render judges m's arguments and fills in its results.
func (d *podmanConfigDataSource) render(_ context.Context, m *podmanConfigModel) diag.Diagnostics {
	var diags diag.Diagnostics
	r, problems := d.podman(*m).Render()
	addProblems(&diags, problems)
	if diags.HasError() {
		return diags
	}
	filesVal, fd := filesValue(r.Files)
	diags.Append(fd...)
	m.ID = types.StringValue(r.RestartTrigger)
	m.SystemdService = types.StringValue(r.ServiceUnit)
	m.SystemdSocket = types.StringNull()
	if r.SocketUnit != "" {
		m.SystemdSocket = types.StringValue(r.SocketUnit)
	}
	m.Files = filesVal
	m.RestartTrigger = types.StringValue(r.RestartTrigger)
	m.RestartCommand = types.StringValue(r.RestartCommand)
	m.CloudInit = types.StringValue(r.CloudConfig)
	m.Ignition = types.StringValue(r.Ignition)
	return diags
}

func (d *podmanConfigDataSource) renderState(ctx context.Context, marked tfsdk.Config) (tfsdk.State, diag.Diagnostics) {
	return renderModel(ctx, tfsdk.State{Schema: marked.Schema}, marked, d.render)
}
