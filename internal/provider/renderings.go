package provider

import (
	"context"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"

	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
)

// renderingDataSource is a data source that renders a consumer's files
// (rendering.go): renderState is its render on a config, for its function
// form.
type renderingDataSource interface {
	datasource.DataSourceWithValidateConfig
	renderState(ctx context.Context, marked tfsdk.Config) (tfsdk.State, diag.Diagnostics)
}

// rendering is one row of renderings: a data source and what its function
// form says of itself. The function's name, arguments, results, pending
// arguments and aggregate results all come from the data source.
type rendering struct {
	dataSource func(*env) renderingDataSource
	// fields are the inputs the domain's problems name: each is an
	// argument of the data source (TestRenderingsTable).
	fields               []dockerconf.Field
	summary, description string
}

// renderings are the rendering data sources, each with its function form.
// Adding a consumer is adding a row (CONTRIBUTING.md, "Adding a consumer").
var renderings = []rendering{
	{
		dataSource: func(e *env) renderingDataSource { return &daemonConfigDataSource{env: e} },
		fields:     dockerconf.DaemonFields,
		summary:    "dockertls_daemon_config as a function: a Docker host's files, known at plan time.",
		description: "Renders what `dockertls_daemon_config` renders, from an object of the same arguments, and returns its " +
			"results (`files`, `json`, `systemd_dropin`, `systemd_dropin_path`, `restart_trigger`, `restart_command`, " +
			"`findings`, `cloud_init`, `ignition`) and `warnings`, the data source's warnings as text. Its checks are " +
			"errors of the call.\n\n" +
			"Use it where the PEMs come from resources that a plan may change, which is every fleet that renews: Terraform " +
			"reads a data source that depends on a resource with pending changes only during apply, so in a renewal all of " +
			"its results are unknown in the plan, and every file delivered from them, and every restart, is planned. A " +
			"function is evaluated in the plan: a renewed CA (renewed on its key, so its certificate is in the plan) or a " +
			"kept server certificate is known, and only the files whose bytes change differ from the state. A PEM still to " +
			"be created (`ca_cert_pem`, `client_ca_cert_pem`, `server_cert_pem` or `server_key_pem` unknown) makes unknown " +
			"only the files that hold it and `restart_trigger`, `cloud_init` and `ignition`; any other argument not known " +
			"yet makes the whole result unknown.\n\n" +
			"Terraform marks a function's result sensitive when an argument is (a `private_key_pem` is): index its `files` " +
			"by the fixed names, as with the data source, and wrap a digest in `nonsensitive()` to show it in plans. " +
			"Requires Terraform 1.8 or OpenTofu 1.7 or later; on Terraform 1.5 to 1.7 use the data source.",
	},
	{
		dataSource: func(e *env) renderingDataSource { return &clientConfigDataSource{env: e} },
		fields:     dockerconf.ClientFields,
		summary:    "dockertls_client_config as a function: a Docker client's files, known at plan time.",
		description: "Renders what `dockertls_client_config` renders, from an object of the same arguments, and returns its " +
			"results (`files`, `env`, `env_sh`, `env_powershell`, `docker_context_command`, `ca_material`, `cert_material`, " +
			"`key_material`) and `warnings`, the data source's warnings as text (such as a `host` that `server_cert_pem` " +
			"does not name). Its checks are errors of the call.\n\n" +
			"Use it where the PEMs come from resources that a plan may change, for the reason given for `daemon_config`: " +
			"the files whose bytes do not change are known in the plan. A PEM still to be created makes unknown only what " +
			"holds it; a `host` not known yet makes the whole result unknown. It is cheap: a client of several hosts is " +
			"one call per host in a `for` expression (`{ for name, h in local.hosts : name => provider::dockertls::client_config({ host = h, ... }) }`), " +
			"and the files are the same for every host.\n\n" +
			"Terraform marks a function's result sensitive when an argument is (a `private_key_pem` is). Requires " +
			"Terraform 1.8 or OpenTofu 1.7 or later; on Terraform 1.5 to 1.7 use the data source.",
	},
	{
		dataSource: func(e *env) renderingDataSource { return &buildkitdConfigDataSource{env: e} },
		fields:     dockerconf.BuildkitdFields,
		summary:    "dockertls_buildkitd_config as a function: a BuildKit builder's files, known at plan time.",
		description: functionDescription("dockertls_buildkitd_config", "`toml`, `systemd_unit`, `files`, `restart_trigger`, "+
			"`restart_command`, `cloud_init`", "`restart_trigger` and `cloud_init` digest every file, so they are unknown while a PEM is."),
	},
	{
		dataSource: func(e *env) renderingDataSource { return &buildkitClientConfigDataSource{env: e} },
		fields:     dockerconf.BuildkitClientFields,
		summary:    "dockertls_buildkit_client_config as a function: a BuildKit client's files and commands, checked at plan time.",
		description: functionDescription("dockertls_buildkit_client_config", "`files`, `buildx_create_command`, `buildctl_args`, "+
			"`buildkit_host`, `remote_driver_options`", "With `server_names` (the server certificate's planned `dns_names`), a "+
			"`server_name` the certificate will not carry fails the plan, even on the first run."),
	},
	{
		dataSource: func(e *env) renderingDataSource { return &registryConfigDataSource{env: e} },
		fields:     dockerconf.RegistryFields,
		summary:    "dockertls_registry_config as a function: a registry's TLS files and http section, known at plan time.",
		description: functionDescription("dockertls_registry_config", "`yaml`, `files`, `restart_trigger`, `cloud_init`",
			"`restart_trigger` and `cloud_init` digest every file, so they are unknown while a PEM is."),
	},
	{
		dataSource: func(e *env) renderingDataSource { return &registryClientConfigDataSource{env: e} },
		fields:     dockerconf.RegistryClientFields,
		summary:    "dockertls_registry_client_config as a function: each registry client's files, known at plan time.",
		description: functionDescription("dockertls_registry_client_config", "`docker_files`, `containers_files`, "+
			"`containerd_files`, `containerd_hosts_toml`, `buildkitd_files`, `buildkitd_toml`", ""),
	},
	{
		dataSource: func(e *env) renderingDataSource { return &podmanConfigDataSource{env: e} },
		fields:     dockerconf.PodmanFields,
		summary:    "dockertls_podman_config as a function: a Podman host's units and TLS files, known at plan time.",
		description: functionDescription("dockertls_podman_config", "`systemd_service`, `systemd_socket`, `files`, "+
			"`restart_trigger`, `restart_command`, `cloud_init`, `ignition`", "`restart_trigger`, `cloud_init` and `ignition` digest every file, so they are unknown while a PEM is."),
	},
	{
		dataSource: func(e *env) renderingDataSource { return &podmanClientConfigDataSource{env: e} },
		fields:     dockerconf.PodmanClientFields,
		summary:    "dockertls_podman_client_config as a function: podman-remote's files and connection, checked at plan time.",
		description: functionDescription("dockertls_podman_client_config", "`files`, `podman_connection_command`, "+
			"`containers_conf`, `containers_conf_name`", ""),
	},
	{
		dataSource: func(e *env) renderingDataSource { return &authorizationPolicyDataSource{env: e} },
		fields:     dockerconf.AuthorizationPolicyFields,
		summary:    "dockertls_authorization_policy as a function: a daemon's authorization policy, checked at plan time.",
		description: functionDescription("dockertls_authorization_policy", "`policy`, `policy_tests`, `plugin_name`, "+
			"`daemon_settings_json`, `files`, `install_commands`", "Members still to be issued make the whole result unknown."),
	},
}

// aggregateResults are the results that digest every file, so that they
// are unknown while any PEM is pending.
var aggregateResults = []string{"restart_trigger", "cloud_init", "ignition"}

// function is r's function form.
func (r rendering) function(e *env) function.Function {
	d := r.dataSource(e)
	s := dataSourceSchema(d)
	var pending, aggregates []string
	for name, a := range s.Attributes {
		// Every PEM argument may come from a resource still to be created.
		if (a.IsOptional() || a.IsRequired()) && strings.HasSuffix(name, "_pem") {
			pending = append(pending, name)
		}
		if a.IsComputed() && !a.IsOptional() && slices.Contains(aggregateResults, name) {
			aggregates = append(aggregates, name)
		}
	}
	slices.Sort(pending)
	slices.SortFunc(aggregates, func(a, b string) int { return slices.Index(aggregateResults, a) - slices.Index(aggregateResults, b) })
	return renderingFunction{
		name: strings.TrimPrefix(dataSourceTypeName(d), TypeName+"_"), summary: r.summary, description: r.description,
		schema: s, pending: pending, aggregates: aggregates, render: d.renderState,
	}
}

// dataSourceTypeName is d's type name.
func dataSourceTypeName(d datasource.DataSource) string {
	var resp datasource.MetadataResponse
	d.Metadata(context.Background(), datasource.MetadataRequest{ProviderTypeName: TypeName}, &resp)
	return resp.TypeName
}

// functionDescription is the description of the function form of the data
// source named ds, which returns results.
func functionDescription(ds, results, extra string) string {
	return "Renders what `" + ds + "` renders, from an object of the same arguments, and returns its results (" + results +
		") and `warnings`, the data source's warnings as text. Its checks are errors of the call.\n\n" +
		"Use it where the PEMs come from resources that a plan may change, for the reason given for `daemon_config`: a data " +
		"source that depends on a pending resource is read only during apply, so its checks and results wait for apply; the " +
		"function is evaluated in the plan, and a PEM still to be created makes unknown only what holds it. " + extra +
		"\n\nTerraform marks a function's result sensitive when an argument is (a `private_key_pem` is). Requires " +
		"Terraform 1.8 or OpenTofu 1.7 or later; on Terraform 1.5 to 1.7 use the data source."
}
