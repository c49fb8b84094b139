package provider

import (
	"crypto/rand"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// renderingArgs are arguments that render each rendering without an error,
// from m: a host docker1.example.internal (10.0.0.5), its CA, server and
// client. Every rendering of the table has an entry (TestRenderingsTable).
func renderingArgs(m pemMaterial) map[string]map[string]attr.Value {
	str := types.StringValue
	server := map[string]attr.Value{"ca_cert_pem": str(m.ca), "server_cert_pem": str(m.server), "server_key_pem": str(m.serverKey)}
	client := func(more map[string]attr.Value) map[string]attr.Value {
		args := map[string]attr.Value{"ca_cert_pem": str(m.ca), "client_cert_pem": str(m.client), "client_key_pem": str(m.clientKey),
			"server_cert_pem": str(m.server)}
		for k, v := range more {
			args[k] = v
		}
		return args
	}
	return map[string]map[string]attr.Value{
		"daemon_config":    server,
		"buildkitd_config": server,
		"registry_config":  server,
		"client_config":    client(map[string]attr.Value{"host": str("tcp://docker1.example.internal:2376"), "cert_dir": str("/home/ci/.docker/docker1")}),
		"buildkit_client_config": client(map[string]attr.Value{"host": str("tcp://docker1.example.internal:1234"),
			"cert_dir": str("/home/ci/.buildkit/docker1")}),
		"registry_client_config": client(map[string]attr.Value{"registry": str("docker1.example.internal:5000")}),
		"authorization_policy":   {"ca_cert_pem": str(m.ca), "roles": rolesValue(map[string]string{"ops": m.client})},
		"podman_config":          server,
		"podman_client_config": client(map[string]attr.Value{"host": str("tcp://docker1.example.internal:2376"),
			"cert_dir": str("/home/ci/.config/containers/tls/docker1")}),
	}
}

// rolesValue is an authorization_policy's roles: each an admin with one
// member.
func rolesValue(members map[string]string) attr.Value {
	listType := types.ListType{ElemType: types.StringType}
	roleType := types.ObjectType{AttrTypes: map[string]attr.Type{"base": types.StringType, "members": listType, "bind_paths": listType, "allow_rules": listType}}
	roles := map[string]attr.Value{}
	for name, pem := range members {
		roles[name] = types.ObjectValueMust(roleType.AttrTypes, map[string]attr.Value{"base": types.StringValue("admin"),
			"members": types.ListValueMust(types.StringType, []attr.Value{types.StringValue(pem)}), "bind_paths": types.ListNull(types.StringType),
			"allow_rules": types.ListNull(types.StringType)})
	}
	return types.MapValueMust(roleType, roles)
}

// TestRenderingsTable checks each row of the renderings table against the
// data source it names: every field the domain reports on is an argument
// of the schema (dotted fields nested ones), the pending arguments are its
// PEM arguments, and renderingArgs has arguments for it.
func TestRenderingsTable(t *testing.T) {
	e := &env{clock: newTestClock().Now, rand: rand.Reader, authorities: newAuthorityCache()}
	args := renderingArgs(newPEMMaterial(t, e.clock()))
	var names []string
	for _, r := range renderings {
		f := r.function(e).(renderingFunction)
		names = append(names, f.name)
		t.Run(f.name, func(t *testing.T) {
			if len(r.fields) == 0 {
				t.Fatal("the row has no fields")
			}
			for _, field := range r.fields {
				if !isArgument(f.schema, strings.Split(string(field), ".")) {
					t.Errorf("the domain reports on %q, which is not an argument of %s", field, dataSourceTypeName(r.dataSource(e)))
				}
			}
			for _, name := range f.pending {
				if !strings.HasSuffix(name, "_pem") || !isArgument(f.schema, []string{name}) {
					t.Errorf("pending argument %q is not a PEM argument", name)
				}
			}
			if _, ok := args[f.name]; !ok {
				t.Errorf("renderingArgs has no arguments for %s", f.name)
			}
		})
	}
	if len(slices.Compact(slices.Sorted(slices.Values(names)))) != 9 {
		t.Errorf("renderings: %v, want nine, each named once", names)
	}
}

// isArgument reports whether names (an attribute, then nested ones) is an
// optional or required attribute of s.
func isArgument(s schema.Schema, names []string) bool {
	attrs := s.Attributes
	for i, name := range names {
		a, ok := attrs[name]
		if !ok || (!a.IsOptional() && !a.IsRequired()) {
			return false
		}
		if i == len(names)-1 {
			return true
		}
		nested, ok := a.(schema.SingleNestedAttribute)
		if !ok {
			return false
		}
		attrs = nested.Attributes
	}
	return false
}

// TestRenderingsPendingPEMs calls each rendering function with every
// argument known, then with each PEM argument unknown in turn: the result
// is an object (not wholly unknown), the results that digest every file
// are unknown, and results that hold no PEM keep their known values.
func TestRenderingsPendingPEMs(t *testing.T) {
	e := &env{clock: newTestClock().Now, rand: rand.Reader, authorities: newAuthorityCache()}
	all := renderingArgs(newPEMMaterial(t, e.clock()))
	for _, r := range renderings {
		f := r.function(e).(renderingFunction)
		t.Run(f.name, func(t *testing.T) {
			known, errText := callRendering(t, f, all[f.name])
			if errText != "" || known.IsUnknown() {
				t.Fatalf("with every argument known: %v %s", known, errText)
			}
			for _, name := range f.pending {
				if _, given := all[f.name][name]; !given {
					continue
				}
				args := map[string]attr.Value{}
				for k, v := range all[f.name] {
					args[k] = v
				}
				args[name] = types.StringUnknown()
				got, errText := callRendering(t, f, args)
				if errText != "" || got.IsUnknown() {
					t.Errorf("%s pending: %v %s; want an object with only what holds it unknown", name, got, errText)
					continue
				}
				stillKnown := 0
				for result, v := range got.Attributes() {
					switch {
					case slices.Contains(f.aggregates, result) && !v.IsUnknown():
						t.Errorf("%s pending: %s is known, but it digests every file", name, result)
					case isFullyKnown(v):
						stillKnown++
						if !v.Equal(known.Attributes()[result]) {
							t.Errorf("%s pending: %s is known but differs from its value with every argument known", name, result)
						}
					}
				}
				if stillKnown == 0 {
					t.Errorf("%s pending: every result is unknown", name)
				}
			}
		})
	}
}
