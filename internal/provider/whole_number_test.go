package provider

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestWholeNumber(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		given  string
		whole  bool
		n      int64
		advice string
	}{
		{given: "24", whole: true, n: 24},
		{given: "-3", whole: true, n: -3},
		{given: "9223372036854775807", whole: true, n: 9223372036854775807},
		{given: "-9223372036854775808", whole: true, n: -9223372036854775808},
		{given: "1.5", advice: "x is 1.5; it takes a whole number, such as 1 or 2."},
		{given: "-0.5", advice: "x is -0.5; it takes a whole number, such as -1 or 0."},
		{given: "9223372036854775808", advice: "x is 9.223372036854775808e+18, beyond the range"},
		{given: "-1e30", advice: "x is -1e+30, beyond the range"},
	}
	for _, c := range cases {
		t.Run(c.given, func(t *testing.T) {
			f, _, err := big.ParseFloat(c.given, 10, 512, big.ToNearestEven)
			if err != nil {
				t.Fatal(err)
			}
			in := tftypes.NewValue(tftypes.Number, f)
			got, err := wholeNumberType{}.ValueFromTerraform(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			v := got.(wholeNumber)
			var resp xattr.ValidateAttributeResponse
			v.ValidateAttribute(ctx, xattr.ValidateAttributeRequest{Path: path.Root("x")}, &resp)
			if c.whole {
				if resp.Diagnostics.HasError() || v.IsUnknown() || v.ValueInt64() != c.n {
					t.Fatalf("got %v (unknown %v), diagnostics %v; want %d", v, v.IsUnknown(), resp.Diagnostics, c.n)
				}
			} else {
				if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics[0].Detail(), c.advice) {
					t.Fatalf("diagnostics %v; want one containing %q", resp.Diagnostics, c.advice)
				}
				if !v.IsUnknown() {
					t.Errorf("a number that is not whole reads as the Int64 %d; want unknown, so no other check judges it", v.ValueInt64())
				}
			}
			// The value goes back to Terraform as it came.
			back, err := v.ToTerraformValue(ctx)
			if err != nil || !back.Equal(in) {
				t.Errorf("round trip: got %v, %v; want %v", back, err, in)
			}
		})
	}
}

func TestWholeNumberNullAndUnknown(t *testing.T) {
	ctx := context.Background()
	for _, in := range []tftypes.Value{tftypes.NewValue(tftypes.Number, nil), tftypes.NewValue(tftypes.Number, tftypes.UnknownValue)} {
		got, err := wholeNumberType{}.ValueFromTerraform(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		v := got.(wholeNumber)
		if v.IsNull() != in.IsNull() || v.IsUnknown() != !in.IsKnown() || v.given != nil {
			t.Errorf("%v read as %v", in, v)
		}
	}
	if _, err := (wholeNumberType{}).ValueFromTerraform(ctx, tftypes.NewValue(tftypes.String, "1")); err == nil {
		t.Error("a string was read as a number")
	}
}
