package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
)

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

// newBuildkitdConfigFunction is provider::dockertls::buildkitd_config(config).
func newBuildkitdConfigFunction(e *env) function.Function {
	d := &buildkitdConfigDataSource{env: e}
	s := dataSourceSchema(d)
	return renderingFunction{
		name:    "buildkitd_config",
		summary: "dockertls_buildkitd_config as a function: a BuildKit builder's files, known at plan time.",
		description: functionDescription("dockertls_buildkitd_config", "`toml`, `systemd_unit`, `files`, `restart_trigger`, "+
			"`restart_command`, `cloud_init`", "`restart_trigger` and `cloud_init` digest every file, so they are unknown while a PEM is."),
		schema:     s,
		pending:    []string{"ca_cert_pem", "client_ca_cert_pem", "server_cert_pem", "server_key_pem"},
		aggregates: []string{"restart_trigger", "cloud_init"},
		render: func(ctx context.Context, config, marked tfsdk.Config) (tfsdk.State, diag.Diagnostics) {
			return renderModel(ctx, s, config, marked, d.check, func(m *buildkitdConfigModel) diag.Diagnostics { return m.render() })
		},
	}
}

// newBuildkitClientConfigFunction is
// provider::dockertls::buildkit_client_config(config).
func newBuildkitClientConfigFunction(e *env) function.Function {
	d := &buildkitClientConfigDataSource{env: e}
	s := dataSourceSchema(d)
	return renderingFunction{
		name:    "buildkit_client_config",
		summary: "dockertls_buildkit_client_config as a function: a BuildKit client's files and commands, checked at plan time.",
		description: functionDescription("dockertls_buildkit_client_config", "`files`, `buildx_create_command`, `buildctl_args`, "+
			"`buildkit_host`, `remote_driver_options`", "With `server_names` (the server certificate's planned `dns_names`), a "+
			"`server_name` the certificate will not carry fails the plan, even on the first run."),
		schema:  s,
		pending: []string{"ca_cert_pem", "client_ca_cert_pem", "client_cert_pem", "client_key_pem", "server_cert_pem"},
		render: func(ctx context.Context, config, marked tfsdk.Config) (tfsdk.State, diag.Diagnostics) {
			return renderModel(ctx, s, config, marked, d.check, func(m *buildkitClientConfigModel) diag.Diagnostics { return m.render(ctx) })
		},
	}
}
