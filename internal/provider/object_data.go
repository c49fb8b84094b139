package provider

import (
	"context"
	"fmt"
	"maps"
	"reflect"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// objectData is a resource's configuration, plan or state decoded once into
// its top-level attributes.
//
// tfsdk's GetAttribute walks the schema on every call, building a map of
// all its attributes at each step, and SetAttribute also rebuilds the whole
// object; ModifyPlan reads and writes about sixty attributes, so for a
// no-change plan that was the largest share of the provider's own CPU. With
// objectData the object is decoded once and rebuilt at most once.
//
// Only top-level attributes are addressed: every path is path.Root(name).
type objectData struct {
	raw     tftypes.Value
	types   map[string]attr.Type
	values  map[string]tftypes.Value // raw's attributes; nil when raw is null or unknown
	changed bool
}

// attributeSetter is *tfsdk.Plan, *tfsdk.State or *objectData.
type attributeSetter interface {
	attributeGetter
	SetAttribute(context.Context, path.Path, any) diag.Diagnostics
}

var _ attributeSetter = (*objectData)(nil)

// attributeTypes returns the type of each attribute of a schema, given its
// GetAttributes.
func attributeTypes[A interface{ GetType() attr.Type }](attributes map[string]A) map[string]attr.Type {
	types := make(map[string]attr.Type, len(attributes))
	for name, a := range attributes {
		types[name] = a.GetType()
	}
	return types
}

// decodeConfig decodes a resource's configuration once; ok is false, with
// an error in diags, if it cannot.
func decodeConfig(config tfsdk.Config, diags *diag.Diagnostics) (o *objectData, ok bool) {
	o, err := decodeObject(config.Raw, attributeTypes(config.Schema.GetAttributes()))
	if err != nil {
		diags.AddError("Unreadable configuration", err.Error())
		return nil, false
	}
	return o, true
}

func decodeObject(raw tftypes.Value, types map[string]attr.Type) (*objectData, error) {
	o := &objectData{raw: raw, types: types}
	if raw.IsNull() || !raw.IsKnown() {
		return o, nil
	}
	if err := raw.As(&o.values); err != nil {
		return nil, err
	}
	return o, nil
}

// IsNull reports whether the whole object is null: no prior state, or a
// plan to destroy.
func (o *objectData) IsNull() bool { return o.raw.IsNull() }

func rootName(p path.Path) (string, bool) {
	steps := p.Steps()
	if len(steps) != 1 {
		return "", false
	}
	name, ok := steps[0].(path.PathStepAttributeName)
	return string(name), ok
}

// GetAttribute stores the value at p in target, which points to an
// attr.Value or to the attribute's value type (types.String, ...). It
// fails for an attribute the resource does not have.
func (o *objectData) GetAttribute(ctx context.Context, p path.Path, target any) diag.Diagnostics {
	var diags diag.Diagnostics
	name, ok := rootName(p)
	typ, known := o.types[name]
	if !ok || !known {
		diags.AddAttributeError(p, "No such attribute", fmt.Sprintf("The resource has no attribute %s. This is a bug in the provider.", p))
		return diags
	}
	tfv, ok := o.values[name]
	if !ok {
		tfv = tftypes.NewValue(typ.TerraformType(ctx), nil)
	}
	v, err := typ.ValueFromTerraform(ctx, tfv)
	if err != nil {
		diags.AddAttributeError(p, "Unreadable attribute", err.Error())
		return diags
	}
	dst := reflect.ValueOf(target)
	if dst.Kind() != reflect.Pointer || dst.IsNil() || !reflect.TypeOf(v).AssignableTo(dst.Elem().Type()) {
		diags.AddAttributeError(p, "Unreadable attribute", fmt.Sprintf("Cannot read %s (%T) into %T. This is a bug in the provider.", p, v, target))
		return diags
	}
	dst.Elem().Set(reflect.ValueOf(v))
	return diags
}

// SetAttribute sets the attribute at p to val: an attr.Value of the
// attribute's type, a string or a bool. It fails on a null object.
func (o *objectData) SetAttribute(ctx context.Context, p path.Path, val any) diag.Diagnostics {
	var diags diag.Diagnostics
	name, ok := rootName(p)
	typ, known := o.types[name]
	if !ok || !known || o.values == nil {
		diags.AddAttributeError(p, "Cannot set attribute", fmt.Sprintf("The resource has no attribute %s to set. This is a bug in the provider.", p))
		return diags
	}
	var tfv tftypes.Value
	switch v := val.(type) {
	case attr.Value:
		var err error
		if tfv, err = v.ToTerraformValue(ctx); err != nil {
			diags.AddAttributeError(p, "Cannot set attribute", err.Error())
			return diags
		}
	case string:
		tfv = tftypes.NewValue(tftypes.String, v)
	case bool:
		tfv = tftypes.NewValue(tftypes.Bool, v)
	default:
		diags.AddAttributeError(p, "Cannot set attribute", fmt.Sprintf("Cannot set %s from %T. This is a bug in the provider.", p, val))
		return diags
	}
	if !tfv.Type().Equal(typ.TerraformType(ctx)) {
		diags.AddAttributeError(p, "Cannot set attribute", fmt.Sprintf("Cannot set %s to a %s. This is a bug in the provider.", p, tfv.Type()))
		return diags
	}
	if !o.changed {
		// values is raw's own map (tftypes.Value.As does not copy), and
		// raw may be shared with the request: copy before the first write.
		o.values = maps.Clone(o.values)
		o.changed = true
	}
	o.values[name] = tfv
	return diags
}

// Raw returns the object with every change made to it.
func (o *objectData) Raw() tftypes.Value {
	if !o.changed {
		return o.raw
	}
	return tftypes.NewValue(o.raw.Type(), o.values)
}

// planView is one ModifyPlan call's configuration, prior state and plan,
// each decoded once.
type planView struct {
	config, state, plan *objectData
}

// withPlanView decodes req into a planView, runs fn with it, and writes the
// plan fn made back to resp.
func withPlanView(req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, fn func(v *planView)) {
	types := attributeTypes(req.Plan.Schema.GetAttributes())
	var v planView
	for _, d := range []struct {
		into **objectData
		raw  tftypes.Value
	}{{&v.config, req.Config.Raw}, {&v.state, req.State.Raw}, {&v.plan, resp.Plan.Raw}} {
		o, err := decodeObject(d.raw, types)
		if err != nil {
			resp.Diagnostics.AddError("Unreadable plan", err.Error())
			return
		}
		*d.into = o
	}
	fn(&v)
	resp.Plan.Raw = v.plan.Raw()
}
