package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// String enums: the values a validator takes are the ones the description
// lists, from one slice each.

// enumNames are the values of a string enum, for validators and
// descriptions alike.
func enumNames[E ~string](values []E) []string {
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = string(v)
	}
	return names
}

// enumAttribute is an optional string argument that takes one of values,
// the first being the default.
func enumAttribute[E ~string](values []E, what string) schema.StringAttribute {
	names := enumNames(values)
	return schema.StringAttribute{
		MarkdownDescription: what + " " + enumDescription(names) + " Defaults to `" + names[0] + "`.",
		Optional:            true,
		Validators:          []validator.String{stringvalidator.OneOf(names...)},
	}
}

// enumOf is an enum argument's value: def while it is null or unknown.
func enumOf[E ~string](v types.String, def E) E {
	if v.IsNull() || v.IsUnknown() {
		return def
	}
	return E(v.ValueString())
}
