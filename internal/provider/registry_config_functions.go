package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
)

// newRegistryConfigFunction is provider::dockertls::registry_config(config).
func newRegistryConfigFunction(e *env) function.Function {
	d := &registryConfigDataSource{env: e}
	s := dataSourceSchema(d)
	return renderingFunction{
		name:    "registry_config",
		summary: "dockertls_registry_config as a function: a registry's TLS files and http section, known at plan time.",
		description: functionDescription("dockertls_registry_config", "`yaml`, `files`, `restart_trigger`, `cloud_init`",
			"`restart_trigger` and `cloud_init` digest every file, so they are unknown while a PEM is."),
		schema:     s,
		pending:    []string{"ca_cert_pem", "client_ca_cert_pem", "server_cert_pem", "server_key_pem"},
		aggregates: []string{"restart_trigger", "cloud_init"},
		render: func(ctx context.Context, config, marked tfsdk.Config) (tfsdk.State, diag.Diagnostics) {
			return renderModel(ctx, s, config, marked, d.check, func(m *registryConfigModel) diag.Diagnostics { return m.render() })
		},
	}
}

// newRegistryClientConfigFunction is
// provider::dockertls::registry_client_config(config).
func newRegistryClientConfigFunction(e *env) function.Function {
	d := &registryClientConfigDataSource{env: e}
	s := dataSourceSchema(d)
	return renderingFunction{
		name:    "registry_client_config",
		summary: "dockertls_registry_client_config as a function: each registry client's files, known at plan time.",
		description: functionDescription("dockertls_registry_client_config", "`docker_files`, `containers_files`, "+
			"`containerd_files`, `containerd_hosts_toml`, `buildkitd_files`, `buildkitd_toml`", ""),
		schema:  s,
		pending: []string{"ca_cert_pem", "client_ca_cert_pem", "client_cert_pem", "client_key_pem", "server_cert_pem"},
		render: func(ctx context.Context, config, marked tfsdk.Config) (tfsdk.State, diag.Diagnostics) {
			return renderModel(ctx, s, config, marked, d.check, func(m *registryClientConfigModel) diag.Diagnostics { return m.render() })
		},
	}
}
