package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// Replacement as data: which inputs shape a certificate, and when a new
// value of one describes the same certificate (the same key in another PEM
// form, the same address written differently), so that a plan does not
// replace what would be issued again unchanged.

// replacementRule names an input that shapes the certificate and how to
// tell whether a new value gives the same certificate.
type replacementRule struct {
	attr string
	// same reports whether prior and planned values, both known and not
	// byte-equal, describe the same certificate: the same key in another
	// PEM form, the same IP written differently. Nil means byte equality.
	same func(prior, planned attr.Value) bool
	// defaultValue, when set, is what a null prior value means: the state
	// was written before the attribute existed or before it had a default.
	// Without this, adding a default would replace every certificate.
	defaultValue attr.Value
	// keeps, when set, is asked about a changed, known value: whether the
	// certificate in state stays valid under it, so that the input changes
	// in place (a leaf under a CA renewed on its own key).
	keeps func(ctx context.Context, state attributeGetter, planned attr.Value) bool
}

// replaces reports whether the change from prior to planned replaces the
// certificate in state.
func (r replacementRule) replaces(ctx context.Context, state attributeGetter, prior, planned attr.Value) bool {
	if r.unchanged(prior, planned) {
		return false
	}
	return r.keeps == nil || planned == nil || !known(planned) || !r.keeps(ctx, state, planned)
}

func (r replacementRule) unchanged(prior, planned attr.Value) bool {
	if planned == nil || planned.IsUnknown() {
		return false
	}
	if prior == nil || prior.IsNull() {
		if planned.IsNull() || isEmptyValue(planned) {
			return true
		}
		return r.defaultValue != nil && planned.Equal(r.defaultValue)
	}
	if prior.Equal(planned) {
		return true
	}
	if planned.IsNull() && isEmptyValue(prior) {
		return true
	}
	return r.same != nil && r.same(prior, planned)
}

// isEmptyValue reports an empty string or collection, which makes the same
// certificate as a null value.
func isEmptyValue(v attr.Value) bool {
	switch v := v.(type) {
	case types.String:
		return !v.IsNull() && !v.IsUnknown() && v.ValueString() == ""
	case types.List:
		return !v.IsNull() && !v.IsUnknown() && len(v.Elements()) == 0
	}
	return false
}

func normalizeIP(s string) string {
	if a, err := pki.ParseIPAddress(s); err == nil {
		return a.String()
	}
	return s
}

// sameCertificatePEM reports whether two PEM strings hold the same
// certificate, however they are wrapped or spaced.
func sameCertificatePEM(prior, planned attr.Value) bool {
	a, errA := pki.ParseCertificatePEM(stringOf(prior))
	b, errB := pki.ParseCertificatePEM(stringOf(planned))
	return errA == nil && errB == nil && a.Equal(b)
}

// sameCSRKey reports whether two CSRs are for the same key: a new CSR for
// the same key gives the same certificate.
func sameCSRKey(prior, planned attr.Value) bool {
	a, errA := pki.ParseCSRPEM(stringOf(prior))
	b, errB := pki.ParseCSRPEM(stringOf(planned))
	return errA == nil && errB == nil && pki.PublicKeysEqual(a.PublicKey, b.PublicKey)
}

// sameIPList reports whether two lists hold the same addresses in the same
// order, however each is written (::1 and 0:0:0:0:0:0:0:1 are one address).
func sameIPList(prior, planned attr.Value) bool {
	a, b := stringsOf(prior), stringsOf(planned)
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if normalizeIP(a[i]) != normalizeIP(b[i]) {
			return false
		}
	}
	return true
}
