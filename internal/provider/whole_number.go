package provider

import (
	"context"
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// wholeNumberType is the type of every whole-number argument (hours, versions,
// a uid, a timeout). Terraform sends numbers with arbitrary precision, and
// types.Int64 refuses a fraction while the framework reads the configuration,
// before any validator runs, with "Value Conversion Error ... is not an
// integer" and a request to report a provider bug. This type keeps such a
// number as given and refuses it in ValidateAttribute, naming the attribute
// and the whole numbers around it.
type wholeNumberType struct {
	basetypes.Int64Type
}

// wholeNumber is a value of wholeNumberType. A number that is not a whole
// 64-bit integer is unknown to everything that reads it as an Int64 (so no
// other check judges a value that is not one) and keeps its text in given.
type wholeNumber struct {
	basetypes.Int64Value
	given *big.Float
}

var (
	_ basetypes.Int64Typable      = wholeNumberType{}
	_ basetypes.Int64Valuable     = wholeNumber{}
	_ xattr.ValidateableAttribute = wholeNumber{}
)

// wholeNumberOf is the known value n.
func wholeNumberOf(n int64) wholeNumber { return wholeNumber{Int64Value: basetypes.NewInt64Value(n)} }

func (t wholeNumberType) Equal(o attr.Type) bool {
	_, ok := o.(wholeNumberType)
	return ok
}

func (t wholeNumberType) String() string { return "provider.wholeNumberType" }

func (t wholeNumberType) ValueType(context.Context) attr.Value { return wholeNumber{} }

func (t wholeNumberType) ValueFromInt64(_ context.Context, v basetypes.Int64Value) (basetypes.Int64Valuable, diag.Diagnostics) {
	return wholeNumber{Int64Value: v}, nil
}

func (t wholeNumberType) ValueFromTerraform(_ context.Context, in tftypes.Value) (attr.Value, error) {
	if in.Type() == nil {
		return wholeNumber{Int64Value: basetypes.NewInt64Null()}, nil
	}
	if !in.Type().Equal(tftypes.Number) {
		return nil, fmt.Errorf("expected a number, got %s", in.Type())
	}
	switch {
	case !in.IsKnown():
		return wholeNumber{Int64Value: basetypes.NewInt64Unknown()}, nil
	case in.IsNull():
		return wholeNumber{Int64Value: basetypes.NewInt64Null()}, nil
	}
	f := new(big.Float)
	if err := in.As(&f); err != nil {
		return nil, err
	}
	if f.IsInt() && fitsInt64(f) {
		n, _ := f.Int64()
		return wholeNumberOf(n), nil
	}
	return wholeNumber{Int64Value: basetypes.NewInt64Unknown(), given: f}, nil
}

func (v wholeNumber) Type(context.Context) attr.Type { return wholeNumberType{} }

func (v wholeNumber) Equal(o attr.Value) bool {
	other, ok := o.(wholeNumber)
	if !ok {
		return false
	}
	if v.given != nil || other.given != nil {
		return v.given != nil && other.given != nil && v.given.Cmp(other.given) == 0
	}
	return v.Int64Value.Equal(other.Int64Value)
}

func (v wholeNumber) ToTerraformValue(ctx context.Context) (tftypes.Value, error) {
	if v.given != nil {
		return tftypes.NewValue(tftypes.Number, v.given), nil
	}
	return v.Int64Value.ToTerraformValue(ctx)
}

func (v wholeNumber) String() string {
	if v.given != nil {
		return v.given.Text('g', -1)
	}
	return v.Int64Value.String()
}

// ValidateAttribute refuses a number that is not a whole 64-bit integer.
func (v wholeNumber) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.given == nil {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Not a whole number", wholeNumberAdvice(req.Path.String(), v.given))
}

// wholeNumberAdvice says what is wrong with f as the value of name and which
// values would do.
func wholeNumberAdvice(name string, f *big.Float) string {
	given := f.Text('g', -1)
	if !fitsInt64(f) {
		return fmt.Sprintf("%s is %s, beyond the range of a 64-bit whole number (about ±9.2e18). Give a whole number in its documented range.", name, given)
	}
	floor, _ := f.Int64() // toward zero
	if f.Sign() < 0 && !f.IsInt() {
		floor--
	}
	return fmt.Sprintf("%s is %s; it takes a whole number, such as %d or %d. "+
		"For a computed value, round it with floor() or ceil().", name, given, floor, floor+1)
}

// int64Bound is 2^63: a whole number f fits an int64 when -2^63 <= f < 2^63.
var int64Bound = new(big.Float).SetMantExp(big.NewFloat(1), 63)

func fitsInt64(f *big.Float) bool {
	return f.Cmp(int64Bound) < 0 && f.Cmp(new(big.Float).Neg(int64Bound)) >= 0
}
