package provider

// Diagnostics: how the domain's Problems and what is not known yet map to
// the schema. A Problem names a dockerconf.Field, which is the attribute's
// name (dotted when nested); pendingOf gives the domain the fields whose
// values are not known yet.

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	p "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
)

// pendingOf are the fields whose values are not known yet: unknown, holding
// an unknown element, or the rendering function's placeholder for a PEM
// still to be created (pendingMark).
func pendingOf(values map[dockerconf.Field]attr.Value) dockerconf.Pending {
	pending := dockerconf.Pending{}
	for f, v := range values {
		if !isFullyKnown(v) || isPendingMark(v) {
			pending[f] = true
		}
	}
	return pending
}

// isFullyKnown reports whether v and everything in it is known.
func isFullyKnown(v attr.Value) bool {
	raw, err := v.ToTerraformValue(context.Background())
	return err == nil && raw.IsFullyKnown()
}

// isPendingMark reports whether v is the rendering function's placeholder.
func isPendingMark(v attr.Value) bool {
	s, ok := v.(types.String)
	return ok && !s.IsNull() && !s.IsUnknown() && strings.Contains(s.ValueString(), pendingMark)
}

// addProblems attaches each problem to the argument it names.
func addProblems(diags *diag.Diagnostics, problems []dockerconf.Problem) {
	for _, pr := range problems {
		add := diags.AddAttributeError
		if pr.Warning {
			add = diags.AddAttributeWarning
		}
		if pr.Field == "" {
			if pr.Warning {
				diags.AddWarning(pr.Summary, pr.Detail)
			} else {
				diags.AddError(pr.Summary, pr.Detail)
			}
			continue
		}
		add(argumentPath(pr), pr.Summary, pr.Detail)
	}
}

// argumentPath is where a problem is: a dotted argument name, and a list
// element when it has one.
func argumentPath(pr dockerconf.Problem) p.Path {
	names := strings.Split(string(pr.Field), ".")
	at := p.Root(names[0])
	if pr.Key != "" {
		at = at.AtMapKey(pr.Key)
	}
	for _, n := range names[1:] {
		at = at.AtName(n)
	}
	if pr.HasIndex {
		at = at.AtListIndex(pr.Index)
	}
	return at
}
