package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
)

// newClientConfigFunction is provider::dockertls::client_config(config),
// the function form of dockertls_client_config.
func newClientConfigFunction(e *env) function.Function {
	d := &clientConfigDataSource{env: e}
	s := dataSourceSchema(d)
	return renderingFunction{
		name:    "client_config",
		summary: "dockertls_client_config as a function: a Docker client's files, known at plan time.",
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
		schema:  s,
		pending: []string{"ca_cert_pem", "client_ca_cert_pem", "client_cert_pem", "client_key_pem", "server_cert_pem"},
		render: func(ctx context.Context, config, marked tfsdk.Config) (tfsdk.State, diag.Diagnostics) {
			return renderModel(ctx, s, config, marked, d.check, func(m *clientConfigModel) diag.Diagnostics { return m.render(ctx) })
		},
	}
}
