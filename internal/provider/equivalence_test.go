package provider

import (
	"context"
	"crypto/rand"
	"maps"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// TestEveryInputHasAReplacementRule keeps replacement as data complete: each
// input of the certificate resources either has a replacement rule (its
// change may replace the certificate) or is declared in place (it does not
// shape the certificate), never both; and every rule names an input. A new
// attribute without either fails here instead of planning an update that
// silently keeps the old certificate.
func TestEveryInputHasAReplacementRule(t *testing.T) {
	e := &env{clock: newTestClock().Now, rand: rand.Reader, authorities: newAuthorityCache()}
	for _, r := range []struct {
		resource resource.Resource
		behavior certificateResource
	}{
		{newCAResource(e), newCAResource(e).certificateResource},
		{newServerCertResource(e), newServerCertResource(e).certificateResource},
		{newClientCertResource(e), newClientCertResource(e).certificateResource},
	} {
		var s resource.SchemaResponse
		r.resource.Schema(context.Background(), resource.SchemaRequest{}, &s)
		var m resource.MetadataResponse
		r.resource.Metadata(context.Background(), resource.MetadataRequest{ProviderTypeName: TypeName}, &m)
		t.Run(m.TypeName, func(t *testing.T) {
			ruled := map[string]bool{}
			for _, rule := range r.behavior.rules {
				ruled[rule.attr] = true
			}
			inputs := 0
			for name, a := range s.Schema.Attributes {
				if !a.IsOptional() && !a.IsRequired() {
					continue
				}
				inputs++
				inPlace := slices.Contains(r.behavior.inPlace, name)
				switch {
				case ruled[name] && inPlace:
					t.Errorf("%s has a replacement rule and is declared in place", name)
				case !ruled[name] && !inPlace:
					t.Errorf("%s has no replacement rule and is not declared in place: add one to rules or inPlace", name)
				}
			}
			for _, name := range append(slices.Collect(maps.Keys(ruled)), r.behavior.inPlace...) {
				if a, ok := s.Schema.Attributes[name]; !ok || (!a.IsOptional() && !a.IsRequired()) {
					t.Errorf("%s is in rules or inPlace but is not an input", name)
				}
			}
			if inputs != len(ruled)+len(r.behavior.inPlace) {
				t.Errorf("%d inputs, %d rules and %d in place", inputs, len(ruled), len(r.behavior.inPlace))
			}
		})
	}
}
