package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// TestSchemaDescriptions checks what the registry page is made of: every
// resource, data source, ephemeral resource, function and attribute has a
// description that is a sentence, and every input that can replace a
// certificate says whether it does.
func TestSchemaDescriptions(t *testing.T) {
	server, err := NewServer("test")()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what, desc string) {
		t.Helper()
		desc = strings.TrimSpace(desc)
		if len(desc) < 20 || !strings.HasSuffix(strings.TrimRight(desc, "`*)"), ".") && !strings.HasSuffix(desc, ".)") {
			t.Errorf("%s: description %q is missing or not a sentence", what, desc)
		}
	}
	schemas := map[string]map[string]*tfprotov6.Schema{
		"resource": resp.ResourceSchemas, "data source": resp.DataSourceSchemas, "ephemeral resource": resp.EphemeralResourceSchemas,
	}
	counted := 0
	for kind, m := range schemas {
		for name, s := range m {
			check(kind+" "+name, s.Block.Description)
			for _, a := range s.Block.Attributes {
				counted++
				what := kind + " " + name + "." + a.Name
				check(what, a.Description)
				if kind == "resource" && (a.Optional || a.Required) && !a.WriteOnly && strings.HasPrefix(name, "dockertls_") &&
					!strings.Contains(a.Description, "replace") && !strings.Contains(a.Description, "Replac") {
					t.Errorf("%s: the description does not say whether changing it replaces the certificate", what)
				}
				if a.Optional && a.Computed && kind == "resource" && !strings.Contains(a.Description, "Defaults to") {
					t.Errorf("%s: an optional attribute with a default does not state it", what)
				}
			}
		}
	}
	for name, f := range resp.Functions {
		check("function "+name, f.Description)
	}
	if counted < 80 {
		t.Fatalf("only %d attributes checked: the schemas were not read", counted)
	}
}
