package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	p "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

var (
	_ datasource.DataSource                   = (*daemonConfigDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*daemonConfigDataSource)(nil)
)

var serverMaterialNames = map[pki.Input]string{
	pki.InputCACert: "ca_cert_pem", pki.InputCert: "server_cert_pem", pki.InputKey: "server_key_pem",
}

type daemonConfigDataSource struct {
	env *env
}

type daemonConfigModel struct {
	Hosts                 types.List   `tfsdk:"hosts"`
	TLSVerify             types.Bool   `tfsdk:"tls_verify"`
	InsecureAllowNoVerify types.Bool   `tfsdk:"insecure_allow_unverified_clients"`
	TLSDir                types.String `tfsdk:"tls_dir"`
	CACertPath            types.String `tfsdk:"ca_cert_path"`
	CertPath              types.String `tfsdk:"cert_path"`
	KeyPath               types.String `tfsdk:"key_path"`
	CACertPEM             types.String `tfsdk:"ca_cert_pem"`
	ClientCACertPEM       types.String `tfsdk:"client_ca_cert_pem"`
	ServerCertPEM         types.String `tfsdk:"server_cert_pem"`
	ServerKeyPEM          types.String `tfsdk:"server_key_pem"`
	SettingsJSON          types.String `tfsdk:"settings_json"`
	DockerdPath           types.String `tfsdk:"dockerd_path"`
	DaemonJSONPathIn      types.String `tfsdk:"daemon_json_path"`
	LiveRestore           types.Bool   `tfsdk:"live_restore"`
	Hardening             types.String `tfsdk:"hardening"`
	Platform              types.String `tfsdk:"platform"`
	RootlessUser          types.Object `tfsdk:"rootless_user"`

	ID                types.String `tfsdk:"id"`
	JSON              types.String `tfsdk:"json"`
	SystemdDropin     types.String `tfsdk:"systemd_dropin"`
	SystemdDropinPath types.String `tfsdk:"systemd_dropin_path"`
	Files             types.Map    `tfsdk:"files"`
	RestartTrigger    types.String `tfsdk:"restart_trigger"`
	RestartCommand    types.String `tfsdk:"restart_command"`
	Findings          types.List   `tfsdk:"findings"`
	CloudInit         types.String `tfsdk:"cloud_init"`
}

// The values of hardening.
const (
	hardeningBaseline = "baseline"
	hardeningNone     = "none"
)

var hardeningLevels = []string{hardeningBaseline, hardeningNone}

var findingAttrTypes = map[string]attr.Type{
	"id": types.StringType, "title": types.StringType, "status": types.StringType, "detail": types.StringType,
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
			"it when they change.",
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
			"platform": platformAttribute(dockerconf.Platforms, "The engine this configuration is for: `linux` (dockerd run by "+
				"systemd's docker.service as root; unchanged from before `platform` existed), `rootless` (dockerd-rootless.sh run by `rootless_user`'s systemd "+
				"user unit) or `windows` (dockerd.exe run as the Windows service `docker`: no systemd drop-in, Windows paths, no "+
				"live-restore and none of the Linux-only daemon.json keys, which dockerd on Windows refuses)."),
			"rootless_user": rootlessUserAttribute(),
			"tls_dir": optionalString("The directory of the TLS files on the host, holding `ca.pem`, `server-cert.pem` and " +
				"`server-key.pem`. Absolute for the platform (`C:\\...` on `windows`). Defaults to `/etc/docker/tls` on `linux`, " +
				"`<home>/.config/docker/tls` on `rootless` and `C:\\ProgramData\\docker\\certs.d` on `windows`, where Microsoft's " +
				"certificate tools put them and which dockerd makes readable by Administrators and SYSTEM only."),
			"ca_cert_path": optionalString("Overrides the CA certificate's path (`tlscacert`). Absolute for the platform. Defaults to `<tls_dir>/ca.pem`."),
			"cert_path":    optionalString("Overrides the server certificate's path (`tlscert`). Absolute for the platform. Defaults to `<tls_dir>/server-cert.pem`."),
			"key_path":     optionalString("Overrides the server key's path (`tlskey`). Absolute for the platform. Defaults to `<tls_dir>/server-key.pem`."),
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
					dockerconf.BenchmarkVersion, enumDescription(hardeningLevels), hardeningBaseline, hardeningBaseline),
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(hardeningLevels...)},
			},
			"server_cert_pem": optionalString("The server certificate, PEM. When given, it is checked against `ca_cert_pem` and added to `files`.", stringvalidator.AlsoRequires(p.MatchRoot("ca_cert_pem"))),
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
			"dockerd_path": optionalString("The program the engine's service starts. Absolute for the platform. On `linux`, the " +
				"dockerd the drop-in starts: defaults to `/usr/bin/dockerd` (Docker's packages); Debian's and Ubuntu's `docker.io` " +
				"install `/usr/sbin/dockerd`. On `rootless`, `dockerd-rootless.sh`, started by the drop-in only when daemon.json " +
				"is not in its default place: defaults to `/usr/bin/dockerd-rootless.sh`; Debian's `docker.io` has it in " +
				"`/usr/share/docker.io/contrib`. On `windows`, the `dockerd.exe` that `restart_command` re-registers when " +
				"daemon.json is not in its default place: defaults to `C:\\Program Files\\Docker\\dockerd.exe`."),

			"id":   schema.StringAttribute{Computed: true, MarkdownDescription: "The same as `restart_trigger`."},
			"json": schema.StringAttribute{Computed: true, MarkdownDescription: "The daemon.json text: keys sorted, two-space indent, trailing newline; byte-identical for identical inputs."},
			"daemon_json_path": optionalString("Where daemon.json goes. Absolute for the platform. Defaults to where the engine " +
				"reads it: `/etc/docker/daemon.json` on `linux`, `<home>/.config/docker/daemon.json` on `rootless`, " +
				"`C:\\ProgramData\\docker\\config\\daemon.json` on `windows`. Anywhere else, the drop-in passes `--config-file` " +
				"(on `windows`, `restart_command` registers the service again with it)."),
			"systemd_dropin": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "On `linux`, a systemd drop-in for docker.service that clears the packaged `ExecStart` (which passes " +
					"`-H fd://` and would make dockerd refuse to start: \"the following directives are specified both as a flag and " +
					"in the configuration file: hosts\") and starts `dockerd_path` with no flags. On `rootless`, a drop-in for the " +
					"user unit that sets `DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS` to RootlessKit's `-p ADDRESS:PORT:PORT/tcp` for each " +
					"`tcp://` host and keeps the unit's `dockerd-rootless.sh`. Null on `windows`. Run `systemctl daemon-reload` " +
					"(`systemctl --user daemon-reload` as the user) after writing it.",
			},
			"systemd_dropin_path": schema.StringAttribute{Computed: true, MarkdownDescription: "Where the drop-in goes: " +
				"`/etc/systemd/system/docker.service.d/dockertls.conf` on `linux`, " +
				"`<home>/.config/systemd/user/docker.service.d/dockertls.conf` on `rootless`; null on `windows`."},
			"restart_command": computedString("What restarts the engine so that it reads the files: `systemctl daemon-reload && " +
				"systemctl restart docker` on `linux`; the same with `--user`, run as the user, on `rootless`; PowerShell " +
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
					"postcondition over it makes the benchmark a plan-time gate.", dockerconf.BenchmarkVersion),
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
			"restart_trigger": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "A SHA-256 digest of everything dockerd reads only at start-up (daemon.json, the drop-in, the TLS " +
					"files or their paths). Use it in `replace_triggered_by` or a `terraform_data` input to restart dockerd when it changes.",
			},
		},
	}
}

func (d *daemonConfigDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m daemonConfigModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Warnings wait for Read, so that a plan shows each once.
	if known(m.SettingsJSON) {
		if settings, err := dockerconf.ParseSettings(m.SettingsJSON.ValueString()); err == nil {
			checkLiveRestore(m, settings, &resp.Diagnostics)
			trustAt, trust := clientTrust(m)
			if !trust.IsNull() {
				checkClientTrustSize(trustAt, trust, &resp.Diagnostics)
			}
		}
	}
	if at, bundle := clientTrust(m); known(bundle) {
		checkClientTrustSize(at, bundle, &resp.Diagnostics)
	}
	var security diag.Diagnostics
	checkDaemonSecurity(m, &security)
	resp.Diagnostics.Append(security.Errors()...)
	var onPlatform diag.Diagnostics
	checkDaemonPlatform(ctx, m, &onPlatform)
	resp.Diagnostics.Append(onPlatform.Errors()...)
	if known(m.CACertPEM) && known(m.ServerCertPEM) && (known(m.ServerKeyPEM) || m.ServerKeyPEM.IsNull()) {
		addMaterialErrors(&resp.Diagnostics, pki.UsageServer, dockerconf.Material{
			CACertPEM: m.CACertPEM.ValueString(), CertPEM: m.ServerCertPEM.ValueString(), KeyPEM: m.ServerKeyPEM.ValueString(),
		}, d.env, serverMaterialNames)
	}
}

// checkDaemonPlatform checks what depends on the platform: rootless_user,
// every path, every host and live_restore. It checks nothing while the
// platform or the user is unknown.
func checkDaemonPlatform(ctx context.Context, m daemonConfigModel, diags *diag.Diagnostics) (dockerconf.Platform, dockerconf.RootlessUser) {
	platform := platformOf(m.Platform)
	u, ok, d := rootlessUser(ctx, m.RootlessUser)
	diags.Append(d...)
	if !ok || m.Platform.IsUnknown() {
		return platform, u
	}
	checkRootlessUser(platform, m.RootlessUser, u, diags)
	checkPlatformPaths(platform, u, map[string]types.String{
		"tls_dir": m.TLSDir, "ca_cert_path": m.CACertPath, "cert_path": m.CertPath, "key_path": m.KeyPath,
		"daemon_json_path": m.DaemonJSONPathIn, "dockerd_path": m.DockerdPath,
	}, diags)
	if !m.Hosts.IsUnknown() {
		for i, v := range m.Hosts.Elements() {
			s, isString := v.(types.String)
			if !isString || !known(s) {
				continue
			}
			h, err := dockerconf.ParseHost(s.ValueString())
			if err != nil {
				continue
			}
			if err := platform.CheckHost(h, u); err != nil {
				diags.AddAttributeError(p.Root("hosts").AtListIndex(i), "Invalid Docker host for the platform", err.Error())
			}
			if platform == dockerconf.PlatformRootless && h.Scheme == dockerconf.SchemeTCP && h.Port < 1024 {
				diags.AddAttributeWarning(p.Root("hosts").AtListIndex(i), "A privileged port for a rootless engine",
					fmt.Sprintf("%s: RootlessKit binds port %d as %s, an unprivileged user, which Linux refuses unless "+
						"net.ipv4.ip_unprivileged_port_start is at most %d on the host (it is 1024 by default). Use a port "+
						"from 1024 up, such as 2376, or lower that sysctl.", h.Raw, h.Port, u.Name, h.Port))
			}
		}
	}
	if platform == dockerconf.PlatformRootless && m.LiveRestore.ValueBool() {
		diags.AddAttributeWarning(p.Root("live_restore"), "A rootless engine does not support live-restore",
			"live_restore = true with platform = \"rootless\" writes \"live-restore\": true, which dockerd accepts, but "+dockerconf.RootlessNoLiveRestore+".")
	}
	if platform == dockerconf.PlatformWindows && m.LiveRestore.ValueBool() {
		diags.AddAttributeError(p.Root("live_restore"), "Windows has no live-restore",
			`live_restore = true with platform = "windows": dockerd on Windows has no live-restore and refuses the key `+
				`("the following directives don't match any configuration option: live-restore"). Remove live_restore; `+
				`restarting the docker service stops the containers, so plan restarts for a quiet time.`)
	}
	return platform, u
}

// liveRestore is live_restore's value: true by default, except where the
// engine has no live-restore (windows) or it does not work (rootless).
func liveRestore(platform dockerconf.Platform, v types.Bool) bool {
	switch {
	case platform == dockerconf.PlatformWindows:
		return false
	case v.IsNull():
		return platform != dockerconf.PlatformRootless
	}
	return v.ValueBool()
}

// checkDaemonSecurity refuses a TCP socket without client verification
// unless the insecure opt-in is set, and warns about the plain-text port.
func checkDaemonSecurity(m daemonConfigModel, diags *diag.Diagnostics) {
	if m.Hosts.IsUnknown() || m.TLSVerify.IsUnknown() || anyUnknown(m.Hosts) {
		return
	}
	hosts := daemonHosts(m)
	verify := m.TLSVerify.IsNull() || m.TLSVerify.ValueBool()
	for i, s := range hosts {
		h, err := dockerconf.ParseHost(s)
		if err != nil || h.Scheme != dockerconf.SchemeTCP {
			continue
		}
		at := p.Root("hosts").AtListIndex(i)
		if m.Hosts.IsNull() {
			at = p.Root("hosts")
		}
		if !verify {
			if m.InsecureAllowNoVerify.ValueBool() {
				diags.AddAttributeWarning(p.Root("tls_verify"), "Docker API open to unverified clients",
					fmt.Sprintf("tls_verify = false with %s: any client that can reach this port controls dockerd, and so the host. "+
						"Set tls_verify = true and give clients a dockertls_client_cert.", s))
			} else {
				diags.AddAttributeError(p.Root("tls_verify"), "A TCP socket needs client verification",
					fmt.Sprintf("tls_verify = false with %s would let any client that can reach the port control dockerd, and so the "+
						"host. Set tls_verify = true (the default) and give clients a dockertls_client_cert; or, if you truly mean it, "+
						"set insecure_allow_unverified_clients = true.", s))
			}
		}
		if h.Port == dockerconf.PortPlainText {
			diags.AddAttributeWarning(at, "Port 2375 is the plain-text convention",
				fmt.Sprintf("%s serves TLS on port 2375, which tools and people take for the unencrypted Docker port. Use 2376, the TLS convention.", s))
		}
	}
}

// daemonFindings judges the rendered daemon.json, and refuses the
// combinations dockerd will not start with.
func daemonFindings(jsonText string, platform dockerconf.Platform, diags *diag.Diagnostics) (types.List, bool) {
	var cfg map[string]any
	if err := json.Unmarshal([]byte(jsonText), &cfg); err != nil {
		diags.AddError("Could not read daemon.json back", err.Error())
	}
	for _, err := range dockerconf.CheckConflicts(cfg, platform) {
		diags.AddAttributeError(p.Root("settings_json"), "dockerd would refuse this daemon.json", "settings_json: "+err.Error())
	}
	findings := dockerconf.Findings(cfg, platform)
	if diags.HasError() {
		return types.ListNull(types.ObjectType{AttrTypes: findingAttrTypes}), false
	}
	elems := make([]attr.Value, len(findings))
	for i, f := range findings {
		obj, d := types.ObjectValue(findingAttrTypes, map[string]attr.Value{
			"id": types.StringValue(f.ID), "title": types.StringValue(f.Title), "status": types.StringValue(f.Status), "detail": types.StringValue(f.Detail),
		})
		diags.Append(d...)
		elems[i] = obj
	}
	list, d := types.ListValue(types.ObjectType{AttrTypes: findingAttrTypes}, elems)
	diags.Append(d...)
	return list, !diags.HasError()
}

// clientTrust is the bundle that becomes dockerd's tlscacert, and the
// attribute it comes from.
func clientTrust(m daemonConfigModel) (string, types.String) {
	if !m.ClientCACertPEM.IsNull() {
		return "client_ca_cert_pem", m.ClientCACertPEM
	}
	return "ca_cert_pem", m.CACertPEM
}

// checkClientTrustSize refuses a tlscacert bundle too large for Go clients
// to connect at all. Malformed bundles are the validator's to report.
func checkClientTrustSize(at string, bundle types.String, diags *diag.Diagnostics) {
	cas, err := pki.ParseCABundlePEM(bundle.ValueString())
	if err != nil {
		return
	}
	if err := dockerconf.CheckClientTrustSize(cas); err != nil {
		diags.AddAttributeError(p.Root(at), "Too many client issuers for one daemon", at+": "+err.Error())
	}
}

// checkLiveRestore refuses live-restore set in two places: live_restore is
// the one switch, and settings_json's value is used only without it.
func checkLiveRestore(m daemonConfigModel, settings map[string]any, diags *diag.Diagnostics) {
	if _, inSettings := settings[dockerconf.LiveRestoreKey]; inSettings && !m.LiveRestore.IsNull() {
		diags.AddAttributeError(p.Root("live_restore"), "live-restore is set twice",
			"live_restore and settings_json's \"live-restore\" both set daemon.json's live-restore: remove \"live-restore\" from settings_json "+
				"and keep live_restore.")
	}
}

// daemonHosts are the hosts as configured, or linux's default when they
// are not, for the security checks, which look only at tcp:// hosts (every
// platform's default has the same one). Read renders the platform's own
// default.
func daemonHosts(m daemonConfigModel) []string {
	if m.Hosts.IsNull() {
		return dockerconf.DefaultHosts
	}
	return stringsOf(m.Hosts)
}

func stringOr(v types.String, def string) string {
	if v.IsNull() {
		return def
	}
	return v.ValueString()
}

func (d *daemonConfigDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m daemonConfigModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	settings, err := dockerconf.ParseSettings(m.SettingsJSON.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(p.Root("settings_json"), "Invalid settings_json", err.Error())
		return
	}
	checkLiveRestore(m, settings, &resp.Diagnostics)
	trustAt, trust := clientTrust(m)
	if !trust.IsNull() {
		checkClientTrustSize(trustAt, trust, &resp.Diagnostics)
	}
	if !m.ServerCertPEM.IsNull() {
		addMaterialErrors(&resp.Diagnostics, pki.UsageServer, dockerconf.Material{
			CACertPEM: m.CACertPEM.ValueString(), CertPEM: m.ServerCertPEM.ValueString(), KeyPEM: m.ServerKeyPEM.ValueString(),
		}, d.env, serverMaterialNames)
	}
	checkDaemonSecurity(m, &resp.Diagnostics)
	platform, user := checkDaemonPlatform(ctx, m, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	layout := platform.Layout(user)
	hosts := layout.Hosts
	if !m.Hosts.IsNull() {
		hosts = stringsOf(m.Hosts)
	}
	tlsDir := stringOr(m.TLSDir, layout.TLSDir)
	daemon := dockerconf.Daemon{
		Hosts:       hosts,
		TLSVerify:   m.TLSVerify.IsNull() || m.TLSVerify.ValueBool(),
		CACertPath:  stringOr(m.CACertPath, platform.JoinPath(tlsDir, dockerconf.CAFileName)),
		CertPath:    stringOr(m.CertPath, platform.JoinPath(tlsDir, dockerconf.ServerCertFileName)),
		KeyPath:     stringOr(m.KeyPath, platform.JoinPath(tlsDir, dockerconf.ServerKeyFileName)),
		Settings:    settings,
		DockerdPath: stringOr(m.DockerdPath, layout.DockerdPath),
		LiveRestore: liveRestore(platform, m.LiveRestore),
		Hardened:    m.Hardening.ValueString() != hardeningNone,
		JSONPath:    stringOr(m.DaemonJSONPathIn, layout.DaemonJSONPath),
		Platform:    platform,
		User:        user,
	}
	jsonText, err := daemon.JSON()
	if err != nil {
		resp.Diagnostics.AddError("Could not render daemon.json", err.Error())
		return
	}
	findings, ok := daemonFindings(jsonText, platform, &resp.Diagnostics)
	if !ok {
		return
	}
	if daemon.Hardened {
		for _, turnedOff := range dockerconf.OverriddenBaseline(settings, platform) {
			resp.Diagnostics.AddAttributeWarning(p.Root("settings_json"), "settings_json turns off a hardening recommendation",
				fmt.Sprintf("settings_json overrides the baseline's setting for %s of the %s. The findings show it as not passed; "+
					"remove the key from settings_json to restore the baseline.", turnedOff, dockerconf.BenchmarkVersion))
		}
	}
	files := []dockerconf.File{{Name: dockerconf.DaemonJSONName, Path: daemon.JSONPath, Content: jsonText, Mode: dockerconf.ModeConfig}}
	dropin, hasDropin := daemon.Dropin()
	dropinVal, dropinPathVal := types.StringNull(), types.StringNull()
	if hasDropin {
		files = append(files, dockerconf.File{Name: dockerconf.SystemdDropinFile, Path: layout.DropinPath, Content: dropin, Mode: dockerconf.ModeConfig})
		dropinVal, dropinPathVal = types.StringValue(dropin), types.StringValue(layout.DropinPath)
	}
	for _, f := range []struct {
		pem       types.String
		name      string
		path      string
		mode      string
		sensitive bool
	}{
		{trust, dockerconf.CAFileName, daemon.CACertPath, dockerconf.ModeCertificate, false},
		{m.ServerCertPEM, dockerconf.ServerCertFileName, daemon.CertPath, dockerconf.ModeCertificate, false},
		{m.ServerKeyPEM, dockerconf.ServerKeyFileName, daemon.KeyPath, dockerconf.ModePrivateKey, true},
	} {
		if !f.pem.IsNull() {
			files = append(files, dockerconf.File{Name: f.name, Path: f.path, Content: f.pem.ValueString(), Mode: f.mode, Sensitive: f.sensitive})
		}
	}
	files = platform.Files(files)
	if err := checkDistinctPaths(files); err != nil {
		resp.Diagnostics.AddError("Two files would be written to the same path", err.Error())
		return
	}
	// The trigger covers the TLS paths even when the PEMs are written by
	// something else: a moved file needs a restart too.
	trigger := dockerconf.RestartTrigger(append(files, dockerconf.File{Name: "tls paths", Content: daemon.CACertPath + "\x00" + daemon.CertPath + "\x00" + daemon.KeyPath}))
	filesVal, diags := filesValue(files)
	resp.Diagnostics.Append(diags...)

	m.ID = types.StringValue(trigger)
	m.JSON = types.StringValue(jsonText)
	m.SystemdDropin = dropinVal
	m.SystemdDropinPath = dropinPathVal
	m.Files = filesVal
	m.RestartTrigger = types.StringValue(trigger)
	m.RestartCommand = types.StringValue(daemon.RestartCommand())
	m.Findings = findings
	m.CloudInit = types.StringNull()
	if cloudInit := dockerconf.CloudConfig(files, platform, user); cloudInit != "" {
		m.CloudInit = types.StringValue(cloudInit)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func checkDistinctPaths(files []dockerconf.File) error {
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f.Path] {
			return fmt.Errorf("%s is the path of two files: give ca_cert_path, cert_path and key_path distinct values", f.Path)
		}
		seen[f.Path] = true
	}
	return nil
}

// addMaterialErrors runs dockerconf.CheckMaterial and attaches each problem
// to the attribute it is about, named in names.
func addMaterialErrors(diags *diag.Diagnostics, usage pki.Usage, m dockerconf.Material, e *env, names map[pki.Input]string) {
	for _, err := range dockerconf.CheckMaterial(usage, m, e.clock()) {
		var ie *pki.InputError
		name := names[pki.InputCert]
		if errors.As(err, &ie) {
			name = names[ie.Input]
		}
		diags.AddAttributeError(p.Root(name), "Invalid "+name, fmt.Sprintf("%s: %s", name, err))
	}
}
