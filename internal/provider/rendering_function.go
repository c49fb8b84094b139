package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
)

// renderingFunction is the function form of a rendering data source
// (dockertls_daemon_config, dockertls_client_config): its arguments in one
// object, its results as an object, its checks as errors and its warnings
// in the result's warnings.
//
// It exists for plans. Terraform reads a data source that depends on a
// resource with pending changes only during apply, so in a renewal every
// result is unknown at plan time and everything delivered from it is
// planned for replacement. A provider function is called at plan time with
// whatever is known. Here, a PEM argument that is not known yet (a
// certificate being created) renders as a placeholder, and the results
// that hold it, or digest every file, are unknown; everything else is
// known, so a plan replaces exactly the files whose bytes change.
type renderingFunction struct {
	name, summary, description string
	// schema is the data source's: its optional and required attributes
	// are the arguments, its computed ones (but id) the results.
	schema schema.Schema
	// pending are the string arguments that may be unknown.
	pending []string
	// aggregates are the results that depend on every file: unknown while
	// any argument is pending.
	aggregates []string
	// render judges and renders marked, the config with each pending
	// argument's placeholder (which the mapping takes for Pending).
	render func(ctx context.Context, marked tfsdk.Config) (tfsdk.State, diag.Diagnostics)
}

// dataSourceSchema is d's schema.
func dataSourceSchema(d datasource.DataSource) schema.Schema {
	var resp datasource.SchemaResponse
	d.Schema(context.Background(), datasource.SchemaRequest{}, &resp)
	return resp.Schema
}

// pendingMark makes the placeholder of a pending argument: no PEM, path or
// setting holds a NUL.
const pendingMark = "\x00dockertls-pending\x00"

const warningsResult = "warnings"

func (f renderingFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = f.name
}

func (f renderingFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary:             f.summary,
		MarkdownDescription: f.description,
		Parameters: []function.Parameter{function.DynamicParameter{
			Name: "config",
			MarkdownDescription: fmt.Sprintf("An object of the arguments of the data source, by the same names: %s. "+
				"Arguments left out are null. Values not known yet (from resources still to be created or renewed) are "+
				"allowed: a pending %s makes unknown only the results that hold it.",
				strings.Join(backquoted(f.argumentNames()), ", "), strings.Join(backquoted(f.pending), ", ")),
			AllowUnknownValues: true,
		}},
		Return: function.ObjectReturn{AttributeTypes: f.resultTypes()},
	}
}

func (f renderingFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var arg types.Dynamic
	if resp.Error = req.Arguments.Get(ctx, &arg); resp.Error != nil {
		return
	}
	unknown := func() { resp.Error = resp.Result.Set(ctx, types.ObjectUnknown(f.resultTypes())) }
	if arg.IsNull() || arg.IsUnderlyingValueNull() {
		resp.Error = function.NewArgumentFuncError(0, f.name+": config is null: give an object of arguments, such as { "+f.argumentNames()[0]+" = ... }")
		return
	}
	if arg.IsUnknown() || arg.IsUnderlyingValueUnknown() {
		unknown()
		return
	}
	given, err := arg.UnderlyingValue().ToTerraformValue(ctx)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, f.name+": "+err.Error())
		return
	}
	raw, err := f.configValue(given)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, f.name+": "+err.Error())
		return
	}
	config := tfsdk.Config{Schema: f.schema, Raw: raw}
	diags := f.validate(ctx, config)
	if diags.HasError() {
		resp.Error = f.funcError(diags)
		return
	}
	marked, anyPending := f.mark(raw)
	if !marked.IsFullyKnown() {
		// Something other than a PEM is not known yet (a host's address,
		// a setting): every result may depend on it.
		unknown()
		return
	}
	state, renderDiags := f.render(ctx, tfsdk.Config{Schema: f.schema, Raw: marked})
	diags.Append(renderDiags...)
	if diags.HasError() {
		resp.Error = f.funcError(diags)
		return
	}
	result, err := f.result(ctx, state.Raw, anyPending, diags.Warnings())
	if err != nil {
		resp.Error = function.NewFuncError(f.name + ": " + err.Error())
		return
	}
	resp.Error = resp.Result.Set(ctx, result)
}

// argumentNames are the data source's arguments, sorted.
func (f renderingFunction) argumentNames() []string {
	var names []string
	for name, a := range f.schema.Attributes {
		if a.IsOptional() || a.IsRequired() {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// resultTypes are the result object's attribute types: the data source's
// results but id, and warnings.
func (f renderingFunction) resultTypes() map[string]attr.Type {
	results := map[string]attr.Type{warningsResult: types.ListType{ElemType: types.StringType}}
	for name, a := range f.schema.Attributes {
		if a.IsComputed() && !a.IsOptional() && !a.IsRequired() && name != "id" {
			results[name] = a.GetType()
		}
	}
	return results
}

// configValue is given, an object of arguments, as a value of the data
// source's schema: arguments left out are null, results are null.
func (f renderingFunction) configValue(given tftypes.Value) (tftypes.Value, error) {
	objType, ok := f.schema.Type().TerraformType(context.Background()).(tftypes.Object)
	if !ok {
		return tftypes.Value{}, fmt.Errorf("the schema is not an object")
	}
	args := map[string]bool{}
	for _, name := range f.argumentNames() {
		args[name] = true
	}
	fields, err := objectFields(given, "config")
	if err != nil {
		return tftypes.Value{}, err
	}
	for name := range fields {
		if !args[name] {
			advice := "the arguments are " + strings.Join(f.argumentNames(), ", ")
			if near, ok := dockerconf.Nearest(name, f.argumentNames()); ok {
				advice = fmt.Sprintf("did you mean %q?", near)
			}
			return tftypes.Value{}, fmt.Errorf("config has no argument %q: %s", name, advice)
		}
	}
	vals := make(map[string]tftypes.Value, len(objType.AttributeTypes))
	for name, t := range objType.AttributeTypes {
		v, given := fields[name]
		if !given {
			vals[name] = tftypes.NewValue(t, nil)
			continue
		}
		if vals[name], err = conform(t, v, name); err != nil {
			return tftypes.Value{}, err
		}
	}
	return tftypes.NewValue(objType, vals), nil
}

// objectFields are the attributes of an object or the elements of a map.
func objectFields(v tftypes.Value, at string) (map[string]tftypes.Value, error) {
	if !v.Type().Is(tftypes.Object{}) && !v.Type().Is(tftypes.Map{}) {
		return nil, fmt.Errorf("%s: an object is required, such as { name = \"ci\" }, not %s", at, typeName(v.Type()))
	}
	var fields map[string]tftypes.Value
	err := v.As(&fields)
	return fields, err
}

// conform converts v to t as Terraform converts an argument to an
// attribute's type, without conversions between primitive types: a list
// from a tuple, a list, or a set; an object from an object or a map, with
// the attributes left out null; a map from an object or a map, each element
// conformed.
func conform(t tftypes.Type, v tftypes.Value, at string) (tftypes.Value, error) {
	if !v.IsKnown() {
		return tftypes.NewValue(t, tftypes.UnknownValue), nil
	}
	if v.IsNull() {
		return tftypes.NewValue(t, nil), nil
	}
	switch t := t.(type) {
	case tftypes.List:
		if !v.Type().Is(tftypes.List{}) && !v.Type().Is(tftypes.Tuple{}) && !v.Type().Is(tftypes.Set{}) {
			return tftypes.Value{}, fmt.Errorf("%s: a list is required, such as [\"...\"], not %s", at, typeName(v.Type()))
		}
		var elems []tftypes.Value
		if err := v.As(&elems); err != nil {
			return tftypes.Value{}, err
		}
		out := make([]tftypes.Value, len(elems))
		for i, e := range elems {
			var err error
			if out[i], err = conform(t.ElementType, e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return tftypes.Value{}, err
			}
		}
		return tftypes.NewValue(t, out), nil
	case tftypes.Object:
		fields, err := objectFields(v, at)
		if err != nil {
			return tftypes.Value{}, err
		}
		out := make(map[string]tftypes.Value, len(t.AttributeTypes))
		for name := range fields {
			if _, ok := t.AttributeTypes[name]; !ok {
				return tftypes.Value{}, fmt.Errorf("%s has no attribute %q", at, name)
			}
		}
		for name, at2 := range t.AttributeTypes {
			if fv, ok := fields[name]; ok {
				if out[name], err = conform(at2, fv, at+"."+name); err != nil {
					return tftypes.Value{}, err
				}
			} else {
				out[name] = tftypes.NewValue(at2, nil)
			}
		}
		return tftypes.NewValue(t, out), nil
	case tftypes.Map:
		fields, err := objectFields(v, at)
		if err != nil {
			return tftypes.Value{}, err
		}
		out := make(map[string]tftypes.Value, len(fields))
		for name, fv := range fields {
			if out[name], err = conform(t.ElementType, fv, fmt.Sprintf("%s[%q]", at, name)); err != nil {
				return tftypes.Value{}, err
			}
		}
		return tftypes.NewValue(t, out), nil
	}
	if !v.Type().Is(t) {
		return tftypes.Value{}, fmt.Errorf("%s: %s required, not %s", at, typeName(t), typeName(v.Type()))
	}
	return v, nil
}

// typeName is how Terraform's messages name a type.
func typeName(t tftypes.Type) string {
	switch {
	case t.Is(tftypes.String):
		return "a string"
	case t.Is(tftypes.Number):
		return "a number"
	case t.Is(tftypes.Bool):
		return "a bool"
	case t.Is(tftypes.List{}), t.Is(tftypes.Tuple{}), t.Is(tftypes.Set{}):
		return "a list"
	case t.Is(tftypes.Object{}), t.Is(tftypes.Map{}):
		return "an object"
	}
	return t.String()
}

// validate does for the function what Terraform and the framework do for
// the data source before ValidateConfig: a required argument must be set,
// and every attribute validator runs.
func (f renderingFunction) validate(ctx context.Context, config tfsdk.Config) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, name := range f.argumentNames() {
		p := path.Root(name)
		a := f.schema.Attributes[name]
		var v attr.Value
		diags.Append(config.GetAttribute(ctx, p, &v)...)
		if diags.HasError() {
			return diags
		}
		if a.IsRequired() && v.IsNull() {
			diags.AddAttributeError(p, "Missing required argument", fmt.Sprintf("The argument %q is required.", name))
			continue
		}
		diags.Append(runValidators(ctx, a, p, v, config)...)
		if nested, ok := a.(schema.SingleNestedAttribute); ok && known(v) {
			// Reading each nested value runs its type's own validation
			// (wholeNumber), as the framework's walk does.
			for inner := range nested.Attributes {
				var iv attr.Value
				diags.Append(config.GetAttribute(ctx, p.AtName(inner), &iv)...)
			}
		}
	}
	return diags
}

// runValidators runs a's validators on v. Every kind of attribute that
// the rendering data sources give validators is handled here;
// TestRenderingFunctionValidatorsCovered keeps it so.
func runValidators(ctx context.Context, a schema.Attribute, p path.Path, v attr.Value, config tfsdk.Config) diag.Diagnostics {
	var diags diag.Diagnostics
	switch a := a.(type) {
	case schema.StringAttribute:
		s, _ := v.(types.String)
		for _, val := range a.Validators {
			resp := validator.StringResponse{}
			val.ValidateString(ctx, validator.StringRequest{Path: p, PathExpression: p.Expression(), ConfigValue: s, Config: config}, &resp)
			diags.Append(resp.Diagnostics...)
		}
	case schema.ListAttribute:
		l, _ := v.(types.List)
		for _, val := range a.Validators {
			resp := validator.ListResponse{}
			val.ValidateList(ctx, validator.ListRequest{Path: p, PathExpression: p.Expression(), ConfigValue: l, Config: config}, &resp)
			diags.Append(resp.Diagnostics...)
		}
	default:
		if validated(a) {
			diags.AddAttributeError(p, "Unchecked argument", fmt.Sprintf("%s has validators of a kind the function does not run: %T. This is a bug in the provider.", p, a))
		}
	}
	return diags
}

// validated reports whether a has validators.
func validated(a schema.Attribute) bool {
	switch a := a.(type) {
	case schema.StringAttribute:
		return len(a.Validators) > 0
	case schema.ListAttribute:
		return len(a.Validators) > 0
	case schema.BoolAttribute:
		return len(a.Validators) > 0
	case schema.Int64Attribute:
		return len(a.Validators) > 0
	case schema.MapAttribute:
		return len(a.Validators) > 0
	case schema.SingleNestedAttribute:
		if len(a.Validators) > 0 {
			return true
		}
		for _, nested := range a.Attributes {
			if validated(nested) {
				return true
			}
		}
	}
	return false
}

// mark replaces each pending argument that is unknown with its
// placeholder, and reports whether there was one.
func (f renderingFunction) mark(raw tftypes.Value) (tftypes.Value, bool) {
	var given map[string]tftypes.Value
	_ = raw.As(&given)
	fields := maps.Clone(given) // As may hand over raw's own map
	marked := false
	for _, name := range f.pending {
		if v, ok := fields[name]; ok && !v.IsKnown() {
			fields[name] = tftypes.NewValue(tftypes.String, pendingMark+name)
			marked = true
		}
	}
	return tftypes.NewValue(raw.Type(), fields), marked
}

// result is the function's result from the data source's state: a string
// holding a placeholder is unknown, and so are the aggregates while an
// argument is pending.
func (f renderingFunction) result(ctx context.Context, state tftypes.Value, anyPending bool, warnings diag.Diagnostics) (attr.Value, error) {
	var fields map[string]tftypes.Value
	if err := state.As(&fields); err != nil {
		return nil, err
	}
	resultTypes := f.resultTypes()
	vals := map[string]attr.Value{}
	for name, t := range resultTypes {
		if name == warningsResult {
			continue
		}
		v, err := tftypes.Transform(fields[name], func(_ *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
			var s string
			if v.Type().Is(tftypes.String) && v.IsKnown() && !v.IsNull() && v.As(&s) == nil && strings.Contains(s, pendingMark) {
				return tftypes.NewValue(tftypes.String, tftypes.UnknownValue), nil
			}
			return v, nil
		})
		if err != nil {
			return nil, err
		}
		if anyPending && slices.Contains(f.aggregates, name) {
			v = tftypes.NewValue(v.Type(), tftypes.UnknownValue)
		}
		if vals[name], err = t.ValueFromTerraform(ctx, v); err != nil {
			return nil, err
		}
	}
	texts := make([]attr.Value, len(warnings))
	for i, w := range warnings {
		texts[i] = types.StringValue(w.Summary() + ": " + w.Detail())
	}
	vals[warningsResult] = types.ListValueMust(types.StringType, texts)
	obj, diags := types.ObjectValue(resultTypes, vals)
	if diags.HasError() {
		return nil, fmt.Errorf("%s", diags.Errors()[0].Detail())
	}
	return obj, nil
}

// funcError is diags' errors as one function error.
func (f renderingFunction) funcError(diags diag.Diagnostics) *function.FuncError {
	var texts []string
	for _, d := range diags.Errors() {
		text := d.Summary() + ": " + d.Detail()
		if withPath, ok := d.(diag.DiagnosticWithPath); ok && !strings.Contains(d.Detail(), withPath.Path().String()) {
			text = withPath.Path().String() + ": " + text
		}
		texts = append(texts, text)
	}
	return function.NewArgumentFuncError(0, f.name+": "+strings.Join(texts, "\n\n"))
}

func backquoted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "`" + n + "`"
	}
	return out
}
