package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
)

// fileAttrTypes is the object type of one entry of a `files` attribute.
var fileAttrTypes = map[string]attr.Type{
	"path":              types.StringType,
	"content":           types.StringType,
	"sensitive_content": types.StringType,
	"mode":              types.StringType,
	"sensitive":         types.BoolType,
}

// filesAttribute is the schema of a `files` map, keyed by fixed file names
// (listed in names) so that a configuration can iterate over them with a
// static for_each even when the contents are known only after apply. A private
// key's content is only ever in sensitive_content, which is marked
// sensitive; everything else is in content, readable in plans. The map
// itself is not sensitive, so it can drive for_each.
func filesAttribute(what string, names []string) schema.MapNestedAttribute {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	return schema.MapNestedAttribute{
		MarkdownDescription: what + " Keyed by the fixed names " + strings.Join(quoted, ", ") + ", so that " +
			"`for_each = toset([" + strings.Join(quoted, ", ") + "])` with `files[each.key]` works even on the first apply, " +
			"when the certificates, and so this data source, are known only after apply (`for_each` over the map itself works " +
			"once they are known). Each entry has `path`, `mode` (octal string), `sensitive`, and the content in " +
			"`content` for certificates and configuration or in `sensitive_content` (marked sensitive) for private keys; the " +
			"other one is null. Use `coalesce(each.value.content, each.value.sensitive_content)` or pick by `each.value.sensitive`.",
		Computed: true,
		NestedObject: schema.NestedAttributeObject{
			Attributes: map[string]schema.Attribute{
				"path":              schema.StringAttribute{Computed: true, MarkdownDescription: "Where the file goes."},
				"content":           schema.StringAttribute{Computed: true, MarkdownDescription: "The content of a file that is not secret; null for private keys."},
				"sensitive_content": schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "The content of a private key; null for other files."},
				"mode":              schema.StringAttribute{Computed: true, MarkdownDescription: "The file mode as an octal string: `0444` for certificates, `0400` for private keys, `0644` for configuration; null where the platform has none (Windows)."},
				"sensitive":         schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the content is a private key (and so in `sensitive_content`)."},
			},
		},
	}
}

// filesValue converts files to the value of a filesAttribute.
func filesValue(files []dockerconf.File) (types.Map, diag.Diagnostics) {
	objType := types.ObjectType{AttrTypes: fileAttrTypes}
	elems := make(map[string]attr.Value, len(files))
	var diags diag.Diagnostics
	for _, f := range files {
		content, secret := types.StringValue(f.Content), types.StringNull()
		if f.Sensitive {
			content, secret = types.StringNull(), types.StringValue(f.Content)
		}
		mode := types.StringValue(f.Mode)
		if f.Mode == "" {
			mode = types.StringNull()
		}
		obj, d := types.ObjectValue(fileAttrTypes, map[string]attr.Value{
			"path": types.StringValue(f.Path), "content": content, "sensitive_content": secret,
			"mode": mode, "sensitive": types.BoolValue(f.Sensitive),
		})
		diags.Append(d...)
		elems[f.Name] = obj
	}
	m, d := types.MapValue(objType, elems)
	diags.Append(d...)
	return m, diags
}

// computedString is a data source's computed string attribute.
func computedString(description string) schema.StringAttribute {
	return schema.StringAttribute{Computed: true, MarkdownDescription: description}
}

// sensitiveString is a computed string that may hold a private key (a
// document that embeds the files): Terraform then refuses to print it
// unless told to.
func sensitiveString(description string) schema.StringAttribute {
	return schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: description +
		" Sensitive: it holds the server key when `server_key_pem` is given."}
}
