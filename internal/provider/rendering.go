package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
)

// One pipeline for every rendering data source and its function. A
// rendering maps its model onto the domain's type once (what is not known
// yet as dockerconf.Pending) and makes one call: Check at plan time,
// Render when it is read. Its model M has
//
//	check(ctx, M) diag.Diagnostics:   the domain's Check, mapped
//	render(ctx, *M) diag.Diagnostics: the domain's Render (which checks
//	                                  first), mapped into M's results

// validateRendering is the ValidateConfig of a rendering data source whose
// model is M: check's errors, at plan time. Its warnings wait for Read, so
// that a plan shows each once.
func validateRendering[M any](ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse,
	check func(context.Context, M) diag.Diagnostics) {
	var m M
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(check(ctx, m).Errors()...)
}

// readRendering is the Read of a rendering data source whose model is M:
// render judges and fills in the results; nothing is set after an error.
func readRendering[M any](ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse,
	render func(context.Context, *M) diag.Diagnostics) {
	var m M
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(render(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// renderModel is the render of a renderingFunction for a data source whose
// model is M: render judges marked (whose pending PEMs are placeholders,
// which the mapping marks Pending) and fills in its results.
func renderModel[M any](ctx context.Context, state tfsdk.State, marked tfsdk.Config,
	render func(context.Context, *M) diag.Diagnostics) (tfsdk.State, diag.Diagnostics) {
	var m M
	diags := marked.Get(ctx, &m)
	if diags.HasError() {
		return state, diags
	}
	diags.Append(render(ctx, &m)...)
	if diags.HasError() {
		return state, diags
	}
	diags.Append(state.Set(ctx, &m)...)
	return state, diags
}
