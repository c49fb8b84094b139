package provider

import (
	"context"
	"fmt"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
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
	_ datasource.DataSource                   = (*daemonConfigDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*daemonConfigDataSource)(nil)
)

type daemonConfigDataSource struct {
	env *env
}

type daemonConfigModel struct {
	Hosts                 types.List `tfsdk:"hosts"`
	TLSVerify             types.Bool `tfsdk:"tls_verify"`
	InsecureAllowNoVerify types.Bool `tfsdk:"insecure_allow_unverified_clients"`
	serverTLSModel
	SettingsJSON     types.String `tfsdk:"settings_json"`
	DockerdPath      types.String `tfsdk:"dockerd_path"`
	DaemonJSONPathIn types.String `tfsdk:"daemon_json_path"`
	LiveRestore      types.Bool   `tfsdk:"live_restore"`
	Hardening        types.String `tfsdk:"hardening"`
	Platform         types.String `tfsdk:"platform"`
	RootlessUser     types.Object `tfsdk:"rootless_user"`
	SocketActivation types.Bool   `tfsdk:"socket_activation"`

	ID                types.String `tfsdk:"id"`
	JSON              types.String `tfsdk:"json"`
	SystemdDropin     types.String `tfsdk:"systemd_dropin"`
	SystemdDropinPath types.String `tfsdk:"systemd_dropin_path"`
	Files             types.Map    `tfsdk:"files"`
	RestartTrigger    types.String `tfsdk:"restart_trigger"`
	RestartCommand    types.String `tfsdk:"restart_command"`
	Findings          types.List   `tfsdk:"findings"`
	CloudInit         types.String `tfsdk:"cloud_init"`
	Ignition          types.String `tfsdk:"ignition"`
}

func (d *daemonConfigDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_daemon_config"
}

func (d *daemonConfigDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	optionalString := func(desc string, validators ...validator.String) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Optional: true, Validators: validators}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Renders what a Docker host needs to serve the Docker API over mutual TLS: `/etc/docker/daemon.json`, " +
			"a systemd drop-in that lets daemon.json choose the sockets, and (given the PEMs) the certificate files, each with " +
			"its path and mode, ready for cloud-init, a provisioner or configuration management.\n\n" +
			"`platform` picks the engine: `linux` (dockerd run by systemd as root), `rootless` (dockerd-rootless.sh run by a " +
			"user's systemd unit, its TCP port published by RootlessKit) or `windows` (the `docker` Windows service, with no " +
			"systemd and PowerShell to restart it). Each has its own default paths, path rules and restart command.\n\n" +
			"It checks at plan time what would otherwise fail on the host: a TCP socket without client verification, malformed " +
			"hosts, daemon.json keys that clash, relative paths, and, given the PEMs, a server certificate not signed by the CA, " +
			"without serverAuth, with a key that is not its own, or with an encrypted key (dockerd cannot read one).\n\n" +
			"dockerd reads TLS files and `hosts` only at start-up (SIGHUP does not reload them): use `restart_trigger` to restart " +
			"it when they change.\n\n" +
			"**Data source or function.** Terraform reads a data source whose arguments depend on a resource with pending " +
			"changes only during apply: in a renewal every result is unknown in the plan, and everything delivered from it is " +
			"planned for replacement. The function `provider::dockertls::daemon_config` takes the same arguments in an object " +
			"and is evaluated in the plan, so a plan replaces exactly the files whose bytes change: use it to deliver files " +
			"(Terraform 1.8 and later, OpenTofu 1.7 and later). Use this data source on Terraform 1.5 to 1.7, and where its " +
			"warnings should show as warnings.",
		Attributes: map[string]schema.Attribute{
			"hosts": schema.ListAttribute{
				ElementType: types.StringType,
				MarkdownDescription: "Where dockerd listens: `unix:///path`, `tcp://ADDRESS:PORT`, `fd://` or `npipe:////./pipe/NAME`; " +
					"`unix://` and `npipe://` alone mean dockerd's own socket (`/var/run/docker.sock`) and pipe " +
					"(`//./pipe/docker_engine`), as dockerd reads them. TCP addresses need an explicit port; 2376 is the TLS convention. " +
					"Defaults to `[\"unix:///var/run/docker.sock\", \"tcp://0.0.0.0:2376\"]` on `linux`, " +
					"`[\"unix:///run/user/<uid>/docker.sock\", \"tcp://0.0.0.0:2376\"]` on `rootless` and " +
					"`[\"npipe://\", \"tcp://0.0.0.0:2376\"]` on `windows`. On `rootless`, a `tcp://` host is where RootlessKit " +
					"publishes the port on the host (an IP address): daemon.json has `tcp://0.0.0.0:PORT`, where dockerd listens " +
					"inside RootlessKit's network namespace. `fd://` is only for `linux`, `npipe://` only for `windows`.",
				Optional:   true,
				Validators: hostListValidators(),
			},
			"tls_verify": schema.BoolAttribute{
				MarkdownDescription: "Require clients to present a certificate signed by the CA (`tlsverify`). Defaults to `true`. " +
					"Turning it off with a `tcp://` host gives root on the host to anyone who can reach the port, so it also needs " +
					"`insecure_allow_unverified_clients = true`.",
				Optional: true,
			},
			"insecure_allow_unverified_clients": schema.BoolAttribute{
				MarkdownDescription: "Allow `tls_verify = false` with a `tcp://` host. Insecure: any client that reaches the port " +
					"controls the Docker daemon, and so the host. Defaults to `false`; when set, every plan warns.",
				Optional: true,
			},
			"platform": enumAttribute(dockerconf.Platforms, "The engine this configuration is for: `linux` (dockerd run by "+
				"systemd's docker.service as root; unchanged from before `platform` existed), `rootless` (dockerd-rootless.sh run by `rootless_user`'s systemd "+
				"user unit) or `windows` (dockerd.exe run as the Windows service `docker`: no systemd drop-in, Windows paths, no "+
				"live-restore and none of the Linux-only daemon.json keys, which dockerd on Windows refuses)."),
			"rootless_user": rootlessUserAttribute(),
			"socket_activation": schema.BoolAttribute{
				MarkdownDescription: "On `linux`, have systemd's `docker.socket` hold the sockets, so that restarting dockerd " +
					"(which every renewal needs) refuses no connection: a client that connects while dockerd restarts waits for the " +
					"new one in the socket's backlog. The packaged `docker.service` (`dockerd -H fd://`, in Debian's, Ubuntu's and " +
					"Docker's packages) runs as it is; `systemd_dropin` is a drop-in of `docker.socket` whose `ListenStream=` lines " +
					"are `hosts` (a unix socket keeps the packaged mode 0660 and group `docker`); daemon.json has TLS and no `hosts`; " +
					"dockerd applies the TLS settings to the TCP sockets it is handed. `restart_command` restarts `docker.service` " +
					"only, and `docker.socket` too (a brief refusal) only when its drop-in changed since it was last applied. A " +
					"`tcp://` host must be an IP address (systemd does not resolve names), and `daemon_json_path` and `dockerd_path` " +
					"do not apply. Defaults to `false`, today's layout (a `docker.service` drop-in and `hosts` in daemon.json). " +
					"Switching an existing host: `restart_command` removes the default layout's " +
					"`/etc/systemd/system/docker.service.d/dockertls.conf` (whose `ExecStart=` would start dockerd without " +
					"`-H fd://`) and restarts `docker.socket` once.",
				Optional: true,
			},
			"tls_dir": optionalString("The directory of the TLS files on the host, holding `ca.pem`, `server-cert.pem` and "+
				"`server-key.pem`. Absolute for the platform (`C:\\...` on `windows`). Defaults to `/etc/docker/tls` on `linux`, "+
				"`<home>/.config/docker/tls` on `rootless` and `C:\\ProgramData\\docker\\certs.d` on `windows`, where Microsoft's "+
				"certificate tools put them and which dockerd makes readable by Administrators and SYSTEM only.", notEmptyValidator),
			"ca_cert_path": optionalString("Overrides the CA certificate's path (`tlscacert`). Absolute for the platform. Defaults to `<tls_dir>/ca.pem`.", notEmptyValidator),
			"cert_path":    optionalString("Overrides the server certificate's path (`tlscert`). Absolute for the platform. Defaults to `<tls_dir>/server-cert.pem`.", notEmptyValidator),
			"key_path":     optionalString("Overrides the server key's path (`tlskey`). Absolute for the platform. Defaults to `<tls_dir>/server-key.pem`.", notEmptyValidator),
			"ca_cert_pem": optionalString("The CA certificates of the Docker TLS setup, PEM: one, or a trust bundle of several "+
				"concatenated (`\"${dockertls_ca.next.cert_pem}${dockertls_ca.current.cert_pem}\"`) while a new CA is rolled out. "+
				caBundleRules+" `server_cert_pem` must chain to one of them. Unless `client_ca_cert_pem` is set, they are also the CAs "+
				"whose clients dockerd admits (`tlscacert`), and `files[\"ca.pem\"]` holds the whole bundle.", caBundleValidator),
			"client_ca_cert_pem": optionalString("The issuers whose clients dockerd admits, when they are not the CA of its own "+
				"certificate: dockerd's `tlscacert`, which it uses for nothing else (its own certificate is presented, never checked "+
				"against it). One or more CA certificates, concatenated, such as one `dockertls_ca` per person or per team: removing an "+
				"issuer from this bundle shuts out exactly the clients it signed, and changes nothing else anywhere but this host's "+
				"`ca.pem` and `restart_trigger`. "+caBundleRules+" dockerd lists every issuer's name in each handshake, and Go clients "+
				fmt.Sprintf("refuse that message past a size: a bundle whose names take more than %d bytes (about %d issuers with names "+
					"like `Docker client issuer: alice`) is an error. Defaults to `ca_cert_pem`; `files[\"ca.pem\"]` holds this bundle "+
					"when it is set.", dockerconf.MaxAcceptableCAsBytes, dockerconf.IssuersThatFit("Docker client issuer: alice")), caBundleValidator),
			"live_restore": schema.BoolAttribute{
				MarkdownDescription: "Write `\"live-restore\": true` into daemon.json, so that containers keep running while dockerd " +
					"restarts. dockerd reads its TLS files only at start-up, so every renewed certificate means a restart, and without " +
					"live-restore that restart stops every container on the host. dockerd does not support live-restore in swarm mode: " +
					"set it to `false` on swarm nodes. Defaults to `true`, but `false` on `rootless`, which does not support live-restore " +
					"(restarting the user unit ends RootlessKit's namespaces, and the containers with them: `true` warns); on `windows`, " +
					"which has no live-restore (dockerd there refuses the key), it is never written and `true` is an error. A `live-restore` in `settings_json` is used when this is not " +
					"set; setting both is an error.",
				Optional: true,
			},
			"hardening": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The daemon baseline merged into daemon.json, from section 2 of the %s. %s "+
					"Defaults to `%s`. `%s` writes, under `settings_json`: `\"icc\": false` (2.2; it needs iptables), "+
					"`\"no-new-privileges\": true` (2.14), `\"userland-proxy\": false` (2.16), `\"log-driver\": \"json-file\"` with "+
					"`\"log-opts\"` of 3 files of `10m` (2.13: bounded logs on the host), `\"experimental\": false` (2.18); "+
					"live-restore (2.15) is `live_restore`'s. On `rootless` it leaves the userland proxy on (RootlessKit publishes "+
					"container ports through it); on `windows` it writes only the logging and `experimental`, the keys dockerd there "+
					"knows. It never sets what breaks ordinary hosts (`userns-remap`, an "+
					"authorization plugin, `selinux-enabled`): those stay findings to decide on. `settings_json` wins over the "+
					"baseline where both set a key, with a warning naming the recommendation it turns off.",
					dockerconf.BenchmarkVersion, enumDescription(enumNames(dockerconf.HardeningLevels)), dockerconf.HardeningBaseline, dockerconf.HardeningBaseline),
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(enumNames(dockerconf.HardeningLevels)...)},
			},
			"server_cert_pem": optionalString("The server certificate, PEM. When given, it is checked against `ca_cert_pem` and added to `files`.", stringvalidator.AlsoRequires(p.MatchRoot("ca_cert_pem")), notEmptyValidator),
			"server_key_pem": schema.StringAttribute{
				MarkdownDescription: "The server's private key, PEM, unencrypted. When given, it is checked against `server_cert_pem` " +
					"and added to `files` (in `sensitive_content`).",
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{stringvalidator.AlsoRequires(p.MatchRoot("server_cert_pem"))},
			},
			"settings_json": optionalString("Further daemon.json settings as a JSON object, merged in, such as "+
				"`jsonencode({ \"log-driver\" = \"journald\" })`. It may not set `hosts`, `tls`, `tlsverify`, `tlscacert`, "+
				"`tlscert` or `tlskey`, which come from this data source's own arguments.", settingsJSONValidator),
			"dockerd_path": optionalString("The program the engine's service starts. Absolute for the platform. On `linux`, the "+
				"dockerd the drop-in starts: defaults to `dockerd`, a bare name that systemd 239 and later look up in its fixed search path, "+
				"so that one default starts Docker's packages (`/usr/bin/dockerd`) and Debian's and Ubuntu's `docker.io` (`/usr/sbin/dockerd`) "+
				"alike; give an absolute path for systemd older than 239. On `rootless`, `dockerd-rootless.sh`, started by the drop-in only when daemon.json "+
				"is not in its default place: defaults to `/usr/bin/dockerd-rootless.sh`; Debian's `docker.io` has it in "+
				"`/usr/share/docker.io/contrib`. On `windows`, the `dockerd.exe` that `restart_command` re-registers when "+
				"daemon.json is not in its default place: defaults to `C:\\Program Files\\Docker\\dockerd.exe`.", notEmptyValidator),

			"id":   schema.StringAttribute{Computed: true, MarkdownDescription: "The same as `restart_trigger`."},
			"json": schema.StringAttribute{Computed: true, MarkdownDescription: "The daemon.json text: keys sorted, two-space indent, trailing newline; byte-identical for identical inputs."},
			"daemon_json_path": optionalString("Where daemon.json goes. Absolute for the platform. Defaults to where the engine "+
				"reads it: `/etc/docker/daemon.json` on `linux`, `<home>/.config/docker/daemon.json` on `rootless`, "+
				"`C:\\ProgramData\\docker\\config\\daemon.json` on `windows`. Anywhere else, the drop-in passes `--config-file` "+
				"(on `windows`, `restart_command` registers the service again with it).", notEmptyValidator),
			"systemd_dropin": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "On `linux`, a systemd drop-in for docker.service that clears the packaged `ExecStart` (which passes " +
					"`-H fd://` and would make dockerd refuse to start: \"the following directives are specified both as a flag and " +
					"in the configuration file: hosts\") and starts `dockerd_path` with no flags. On `rootless`, a drop-in for the " +
					"user unit that sets `DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS` to RootlessKit's `-p ADDRESS:PORT:PORT/tcp` for each " +
					"`tcp://` host and keeps the unit's `dockerd-rootless.sh`. With `socket_activation`, a drop-in of `docker.socket` " +
					"instead, with `hosts` as its `ListenStream=` lines. Null on `windows`. Run `systemctl daemon-reload` " +
					"(`systemctl --user daemon-reload` as the user) after writing it.",
			},
			"systemd_dropin_path": schema.StringAttribute{Computed: true, MarkdownDescription: "Where the drop-in goes: " +
				"`/etc/systemd/system/docker.service.d/dockertls.conf` on `linux` " +
				"(`/etc/systemd/system/docker.socket.d/dockertls.conf` with `socket_activation`), " +
				"`<home>/.config/systemd/user/docker.service.d/dockertls.conf` on `rootless`; null on `windows`."},
			"restart_command": computedString("What restarts the engine so that it reads the files: `systemctl daemon-reload && " +
				"systemctl restart docker` on `linux` (with `socket_activation`, the same after removing the default layout's " +
				"drop-in, and a restart of `docker.socket` only when its drop-in changed since it was last applied, as recorded in " +
				"`/var/lib/dockertls/docker.socket.conf`); the same with `--user`, run as the user, on `rootless`; PowerShell " +
				"`Restart-Service docker` on `windows` (or, with daemon.json elsewhere, the lines that register the service again " +
				"with `--config-file`). Windows has no live-restore: restarting there stops the containers."),
			"files": filesAttribute("Every file to write on the host: daemon.json and the drop-in (0644; no drop-in on `windows`), "+
				"and, when the PEMs are given, the CA and server certificates (0444) and the server key (0400). On `windows`, "+
				"`mode` is null: NTFS ACLs apply, and `C:\\ProgramData\\docker` (which holds the default paths) is readable by "+
				"Administrators and SYSTEM only.",
				[]string{dockerconf.DaemonJSONName, dockerconf.SystemdDropinFile, dockerconf.CAFileName, dockerconf.ServerCertFileName, dockerconf.ServerKeyFileName}),
			"findings": schema.ListNestedAttribute{
				Computed: true,
				MarkdownDescription: fmt.Sprintf("How the final daemon.json (whatever produced each setting) meets each recommendation "+
					"of section 2, \"Docker daemon configuration\", of the %s: one entry per recommendation, in order, with `id` "+
					"(such as `2.2`), `title`, `status` (`pass`, `fail`, or `manual` where daemon.json cannot decide it or it is "+
					"yours to decide) and `detail` (what to set, in one sentence; empty on a pass). A `check` block or a "+
					"postcondition over it makes the benchmark a gate, at plan time when every argument is known. Findings do not depend on "+
					"the PEMs: when those come from resources created in the same run, Terraform reads this data source only during "+
					"apply, so gate on a second `dockertls_daemon_config` with the same settings and no PEMs, which is read at plan "+
					"time on a first run too.", dockerconf.BenchmarkVersion),
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":     computedString("The recommendation's number in the benchmark, such as `2.2`."),
					"title":  computedString("The recommendation, as the benchmark words it."),
					"status": computedString("`pass`, `fail` or `manual`."),
					"detail": computedString("What to set, in one sentence; empty on a pass."),
				}},
			},
			"cloud_init": schema.StringAttribute{
				Computed:  true,
				Sensitive: true,
				MarkdownDescription: "A complete `#cloud-config` document for `user_data` of any cloud: `write_files` with every file " +
					"in `files` (base64-encoded, so each arrives byte for byte, owned by `root:root` with its mode), then `runcmd` " +
					"`systemctl daemon-reload` and `systemctl restart docker`. On `rootless` the files are the user's and written " +
					"after cloud-init creates users (`defer`), and `runcmd` hands the directories it created to the user, enables " +
					"lingering and restarts the user unit as the user; the engine itself must be installed " +
					"(`dockerd-rootless-setuptool.sh install`). Null on `windows`, which has no cloud-init. Sensitive, since it holds " +
					"the server key. It passes `cloud-init schema`.",
			},
			"ignition": schema.StringAttribute{
				Computed:  true,
				Sensitive: true,
				MarkdownDescription: fmt.Sprintf("An Ignition config (spec %s, which Flatcar Container Linux since 3185.0.0 and Fedora "+
					"CoreOS read, and configs of later 3.x versions can merge) for hosts that Ignition provisions at first boot: every "+
					"file in `files` but the drop-in, with its path and mode, as a `data:` URL, with `overwrite` so that a "+
					"re-provisioned host gets the new material; the drop-in as a drop-in of `docker.service`, which it enables; and "+
					"`docker-tcp.socket` masked, since a socket-activated TCP listener (Flatcar's \"Customizing Docker\" page) "+
					"would clash with `hosts`. It is the whole `user_data`, or a fragment to merge (`ignition.config.merge` with "+
					"`inline`, or a `ct_config` snippet). Null on `rootless` (Ignition writes files as root and runs no "+
					"`dockerd-rootless-setuptool.sh`) and on `windows`. Sensitive, since it holds the server key.", dockerconf.IgnitionVersion),
			},
			"restart_trigger": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "A SHA-256 digest of everything dockerd reads only at start-up (daemon.json, the drop-in, the TLS " +
					"files or their paths). Use it in `replace_triggered_by` or a `terraform_data` input to restart dockerd when it changes.",
			},
		},
	}
}

func (d *daemonConfigDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	validateRendering(ctx, req, resp, d.check)
}

func (d *daemonConfigDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readRendering(ctx, req, resp, d.render)
}

// check judges what is known of m (dockerconf.Daemon.Check).
func (d *daemonConfigDataSource) check(ctx context.Context, m daemonConfigModel) diag.Diagnostics {
	daemon, diags := d.daemon(ctx, m)
	addProblems(&diags, daemon.Check())
	return diags
}

// daemon maps the arguments onto dockerconf's Daemon: null arguments leave
// the platform's defaults, and what is not known yet is Pending.
func (d *daemonConfigDataSource) daemon(ctx context.Context, m daemonConfigModel) (dockerconf.Daemon, diag.Diagnostics) {
	var settings map[string]any
	if known(m.SettingsJSON) {
		// settingsJSONValidator reports a parse error, before this runs.
		settings, _ = dockerconf.ParseSettings(m.SettingsJSON.ValueString())
	}
	var hosts []string
	if !m.Hosts.IsNull() && !m.Hosts.IsUnknown() {
		hosts = stringsOf(m.Hosts)
	}
	user, userKnown, diags := rootlessUser(ctx, m.RootlessUser)
	platform := enumOf(m.Platform, dockerconf.PlatformLinux)
	fields := m.pending()
	maps.Copy(fields, map[dockerconf.Field]attr.Value{
		dockerconf.FieldHosts: m.Hosts, dockerconf.FieldTLSVerify: m.TLSVerify, dockerconf.FieldAllowUnverified: m.InsecureAllowNoVerify,
		dockerconf.FieldSettings: m.SettingsJSON, dockerconf.FieldLiveRestore: m.LiveRestore, dockerconf.FieldPlatform: m.Platform,
		dockerconf.FieldSocketActivation: m.SocketActivation, dockerconf.FieldDaemonJSONPath: m.DaemonJSONPathIn,
		dockerconf.FieldDockerdPath: m.DockerdPath,
	})
	pending := pendingOf(fields)
	if !userKnown {
		pending[dockerconf.FieldRootlessUser] = true
	}
	return dockerconf.Daemon{
		Hosts:            hosts,
		TLSVerify:        m.TLSVerify.IsNull() || m.TLSVerify.ValueBool(),
		TLSDir:           m.TLSDir.ValueString(),
		CACertPath:       m.CACertPath.ValueString(),
		CertPath:         m.CertPath.ValueString(),
		KeyPath:          m.KeyPath.ValueString(),
		Settings:         settings,
		DockerdPath:      m.DockerdPath.ValueString(),
		LiveRestore:      platform.LiveRestore(boolPointer(m.LiveRestore)),
		Hardening:        enumOf(m.Hardening, dockerconf.HardeningBaseline),
		JSONPath:         m.DaemonJSONPathIn.ValueString(),
		Platform:         platform,
		User:             user,
		Material:         m.material(),
		SocketActivation: m.SocketActivation.ValueBool(),
		AllowUnverified:  m.InsecureAllowNoVerify.ValueBool(),
		LiveRestoreSet:   boolPointer(m.LiveRestore),
		Now:              d.env.clock(),
		Pending:          pending,
	}, diags
}

// render judges m's arguments and fills in its results.
func (d *daemonConfigDataSource) render(ctx context.Context, m *daemonConfigModel) diag.Diagnostics {
	daemon, diags := d.daemon(ctx, *m)
	if diags.HasError() {
		return diags
	}
	r, problems := daemon.Render()
	addProblems(&diags, problems)
	if diags.HasError() {
		return diags
	}
	filesVal, fd := filesValue(r.Files)
	diags.Append(fd...)
	findings, fd := findingsValue(r.Findings)
	diags.Append(fd...)

	m.ID = types.StringValue(r.RestartTrigger)
	m.JSON = types.StringValue(r.JSON)
	m.SystemdDropin = optionalString(r.Dropin)
	m.SystemdDropinPath = optionalString(r.DropinPath)
	m.Files = filesVal
	m.RestartTrigger = types.StringValue(r.RestartTrigger)
	m.RestartCommand = types.StringValue(r.RestartCommand)
	m.Findings = findings
	m.CloudInit = optionalString(r.CloudConfig)
	m.Ignition = optionalString(r.Ignition)
	return diags
}

var findingAttrTypes = map[string]attr.Type{
	"id": types.StringType, "title": types.StringType, "status": types.StringType, "detail": types.StringType,
}

// findingsValue is the findings attribute's value.
func findingsValue(findings []dockerconf.Finding) (types.List, diag.Diagnostics) {
	var diags diag.Diagnostics
	elems := make([]attr.Value, len(findings))
	for i, f := range findings {
		obj, d := types.ObjectValue(findingAttrTypes, map[string]attr.Value{
			"id": types.StringValue(f.ID), "title": types.StringValue(f.Title), "status": types.StringValue(string(f.Status)), "detail": types.StringValue(f.Detail),
		})
		diags.Append(d...)
		elems[i] = obj
	}
	list, d := types.ListValue(types.ObjectType{AttrTypes: findingAttrTypes}, elems)
	diags.Append(d...)
	return list, diags
}

// optionalString is s, or null when it is empty.
func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// boolPointer is a bool argument's value, nil when it is null.
func boolPointer(v types.Bool) *bool {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	b := v.ValueBool()
	return &b
}

func (d *daemonConfigDataSource) renderState(ctx context.Context, marked tfsdk.Config) (tfsdk.State, diag.Diagnostics) {
	return renderModel(ctx, tfsdk.State{Schema: marked.Schema}, marked, d.render)
}
