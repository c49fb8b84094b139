package provider

import (
	"context"
	"path"

	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
)

// rootlessUserModel is rootless_user.
type rootlessUserModel struct {
	Name types.String `tfsdk:"name"`
	UID  wholeNumber  `tfsdk:"uid"`
	Home types.String `tfsdk:"home"`
}

func rootlessUserAttribute() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		MarkdownDescription: "The unprivileged user a rootless engine runs as; required with `platform = \"rootless\"` and only " +
			"then. The rendered paths are under the user's home, the default socket is `unix:///run/user/<uid>/docker.sock` " +
			"(the engine's `$XDG_RUNTIME_DIR` under systemd), and `cloud_init` writes the files as the user.",
		Optional: true,
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{MarkdownDescription: "The user's name, such as `ci`.", Required: true},
			"uid":  schema.Int64Attribute{CustomType: wholeNumberType{}, MarkdownDescription: "The user's numeric id (`id -u ci`), such as `1000`.", Required: true},
			"home": schema.StringAttribute{MarkdownDescription: "The user's home directory, absolute. Defaults to `/home/<name>`.", Optional: true},
		},
	}
}

// rootlessUser reads rootless_user; ok is false while it is unknown.
func rootlessUser(ctx context.Context, v types.Object) (u dockerconf.RootlessUser, ok bool, diags diag.Diagnostics) {
	if v.IsNull() {
		return u, true, nil
	}
	// A uid that is not a whole number is refused by the attribute's own
	// validation, which names rootless_user.uid; As would name only "uid".
	if uid, _ := v.Attributes()["uid"].(wholeNumber); v.IsUnknown() || uid.given != nil {
		return u, false, nil
	}
	var m rootlessUserModel
	diags = v.As(ctx, &m, basetypes.ObjectAsOptions{})
	if diags.HasError() || m.Name.IsUnknown() || m.UID.IsUnknown() || m.Home.IsUnknown() {
		return u, false, diags
	}
	u = dockerconf.RootlessUser{Name: m.Name.ValueString(), UID: m.UID.ValueInt64(), Home: m.Home.ValueString()}
	if m.Home.IsNull() {
		u.Home = path.Join("/home", u.Name)
	}
	return u, true, diags
}
