package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

var testObjectTypes = map[string]attr.Type{
	"name":  types.StringType,
	"names": types.ListType{ElemType: types.StringType},
	"flag":  types.BoolType,
	"hours": types.Int64Type,
}

func testObject(t *testing.T, vals map[string]tftypes.Value) *objectData {
	t.Helper()
	ctx := context.Background()
	objType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{}}
	all := map[string]tftypes.Value{}
	for name, typ := range testObjectTypes {
		objType.AttributeTypes[name] = typ.TerraformType(ctx)
		all[name] = tftypes.NewValue(typ.TerraformType(ctx), nil)
	}
	for name, v := range vals {
		all[name] = v
	}
	raw := tftypes.NewValue(objType, all)
	if vals == nil {
		raw = tftypes.NewValue(objType, nil)
	}
	o, err := decodeObject(raw, testObjectTypes)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestObjectDataGetAttribute(t *testing.T) {
	ctx := context.Background()
	o := testObject(t, map[string]tftypes.Value{
		"name":  tftypes.NewValue(tftypes.String, "host-1"),
		"names": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{tftypes.NewValue(tftypes.String, "a")}),
		"hours": tftypes.NewValue(tftypes.Number, tftypes.UnknownValue),
	})

	var name types.String
	if d := o.GetAttribute(ctx, path.Root("name"), &name); d.HasError() || name.ValueString() != "host-1" {
		t.Errorf("name = %v, %v", name, d)
	}
	var names types.List
	if d := o.GetAttribute(ctx, path.Root("names"), &names); d.HasError() || len(names.Elements()) != 1 {
		t.Errorf("names = %v, %v", names, d)
	}
	var hours types.Int64
	if d := o.GetAttribute(ctx, path.Root("hours"), &hours); d.HasError() || !hours.IsUnknown() {
		t.Errorf("hours = %v, %v; want unknown", hours, d)
	}
	var flag attr.Value
	if d := o.GetAttribute(ctx, path.Root("flag"), &flag); d.HasError() || !flag.IsNull() {
		t.Errorf("flag = %v, %v; want null", flag, d)
	}

	for _, tc := range []struct {
		name   string
		path   path.Path
		target any
		want   string
	}{
		{"an attribute the resource does not have", path.Root("missing"), &name, "has no attribute missing"},
		{"a nested path", path.Root("names").AtListIndex(0), &name, "has no attribute"},
		{"a target of another type", path.Root("name"), &flag, ""},
		{"a target of the wrong type", path.Root("name"), &hours, "Cannot read name"},
		{"a target that is not a pointer", path.Root("name"), name, "Cannot read name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := o.GetAttribute(ctx, tc.path, tc.target)
			if tc.want == "" {
				if d.HasError() {
					t.Fatalf("unexpected error: %v", d)
				}
				return
			}
			if !d.HasError() || !strings.Contains(d[0].Detail(), tc.want) {
				t.Fatalf("diagnostics %v, want an error containing %q", d, tc.want)
			}
		})
	}
}

func TestObjectDataNullObjectReadsNull(t *testing.T) {
	o := testObject(t, nil)
	if !o.IsNull() {
		t.Fatal("IsNull() = false for a null object")
	}
	var name types.String
	if d := o.GetAttribute(context.Background(), path.Root("name"), &name); d.HasError() || !name.IsNull() {
		t.Errorf("name = %v, %v; want null", name, d)
	}
	if d := o.SetAttribute(context.Background(), path.Root("name"), "x"); !d.HasError() {
		t.Error("setting an attribute of a null object succeeded")
	}
}

func TestObjectDataSetAttribute(t *testing.T) {
	ctx := context.Background()
	o := testObject(t, map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "old")})
	before := o.Raw()
	if !o.Raw().Equal(before) {
		t.Fatal("Raw() changed without a change")
	}

	for _, tc := range []struct {
		name string
		attr string
		val  any
		ok   bool
	}{
		{"a string", "name", "new", true},
		{"an attr.Value", "hours", types.Int64Value(24), true},
		{"a bool", "flag", true, true},
		{"an unknown", "names", types.ListUnknown(types.StringType), true},
		{"a value of another type", "name", types.BoolValue(true), false},
		{"a Go value of another kind", "hours", 24, false},
		{"an attribute the resource does not have", "missing", "x", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := o.SetAttribute(ctx, path.Root(tc.attr), tc.val)
			if d.HasError() == tc.ok {
				t.Fatalf("SetAttribute(%s, %v): %v", tc.attr, tc.val, d)
			}
		})
	}

	var raw map[string]tftypes.Value
	if err := o.Raw().As(&raw); err != nil {
		t.Fatal(err)
	}
	want := map[string]tftypes.Value{
		"name":  tftypes.NewValue(tftypes.String, "new"),
		"hours": tftypes.NewValue(tftypes.Number, 24),
		"flag":  tftypes.NewValue(tftypes.Bool, true),
		"names": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, tftypes.UnknownValue),
	}
	for name, w := range want {
		if !raw[name].Equal(w) {
			t.Errorf("%s = %v, want %v", name, raw[name], w)
		}
	}
	if before.Equal(o.Raw()) {
		t.Error("Raw() did not change")
	}
	var original map[string]tftypes.Value
	if err := before.As(&original); err != nil {
		t.Fatal(err)
	}
	if !original["name"].Equal(tftypes.NewValue(tftypes.String, "old")) {
		t.Errorf("SetAttribute changed the decoded value itself: name = %v", original["name"])
	}
}
