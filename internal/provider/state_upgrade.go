package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// schemaVersion is the version of the three certificate resources'
// schemas. Version 0 is the shape before write-only keys, CSR mode,
// passphrases and name constraints; its states upgrade by carrying every
// attribute over unchanged and leaving the new ones null, which the
// replacement rules read as "unchanged", so an upgrade never replaces a
// certificate.
const schemaVersion = 1

// UpgradeState upgrades states written by earlier schema versions.
func (c *certificateResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{0: {StateUpgrader: carryOverAttributes}}
}

// carryOverAttributes builds the current state from the stored JSON: every
// attribute the current schema still has keeps its value, and attributes
// added since are null.
func carryOverAttributes(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	if req.RawState == nil || req.RawState.JSON == nil {
		resp.Diagnostics.AddError("Cannot upgrade the state", "The stored state has no JSON to upgrade from. Remove the resource from the state and import or recreate it.")
		return
	}
	typ, ok := resp.State.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		resp.Diagnostics.AddError("Cannot upgrade the state", "The resource schema is not an object. This is a bug in the provider.")
		return
	}
	var stored map[string]json.RawMessage
	if err := json.Unmarshal(req.RawState.JSON, &stored); err != nil {
		resp.Diagnostics.AddError("Cannot upgrade the state", "The stored state is not a JSON object: "+err.Error())
		return
	}
	kept := make(map[string]json.RawMessage, len(typ.AttributeTypes))
	for name := range typ.AttributeTypes {
		if v, ok := stored[name]; ok {
			kept[name] = v
		}
	}
	b, err := json.Marshal(kept)
	if err == nil {
		resp.State.Raw, err = tftypes.ValueFromJSONWithOpts(b, typ, tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true})
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot upgrade the state", "The stored state does not fit the current schema: "+err.Error())
	}
}
