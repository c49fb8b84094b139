package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
)

// newDaemonConfigFunction is provider::dockertls::daemon_config(config),
// the function form of dockertls_daemon_config.
func newDaemonConfigFunction(e *env) function.Function {
	d := &daemonConfigDataSource{env: e}
	s := dataSourceSchema(d)
	return renderingFunction{
		name:    "daemon_config",
		summary: "dockertls_daemon_config as a function: a Docker host's files, known at plan time.",
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
		schema:     s,
		pending:    []string{"ca_cert_pem", "client_ca_cert_pem", "server_cert_pem", "server_key_pem"},
		aggregates: []string{"restart_trigger", "cloud_init", "ignition"},
		render: func(ctx context.Context, config, marked tfsdk.Config) (tfsdk.State, diag.Diagnostics) {
			var in checkedInputs
			check := func(m daemonConfigModel) diag.Diagnostics {
				diags, checked := d.check(ctx, m)
				in = checked
				return diags
			}
			return renderModel(ctx, s, config, marked, check, func(m *daemonConfigModel) diag.Diagnostics { return m.render(in) })
		},
	}
}
