package provider

import (
	"context"
	"fmt"
	"maps"
	"path"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	p "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
)

func platformNames(platforms []dockerconf.Platform) []string {
	names := make([]string, len(platforms))
	for i, pl := range platforms {
		names[i] = string(pl)
	}
	return names
}

// platformAttribute is the platform argument of a configuration data
// source; the first of platforms is the default.
func platformAttribute(platforms []dockerconf.Platform, what string) schema.StringAttribute {
	names := platformNames(platforms)
	return schema.StringAttribute{
		MarkdownDescription: what + " " + enumDescription(names) + " Defaults to `" + names[0] + "`.",
		Optional:            true,
		Validators:          []validator.String{stringvalidator.OneOf(names...)},
	}
}

// platformOf is a platform attribute's value, its default when null.
func platformOf(v types.String) dockerconf.Platform {
	if v.IsNull() || v.IsUnknown() {
		return dockerconf.PlatformLinux
	}
	return dockerconf.Platform(v.ValueString())
}

// rootlessUserModel is rootless_user.
type rootlessUserModel struct {
	Name types.String `tfsdk:"name"`
	UID  types.Int64  `tfsdk:"uid"`
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
			"uid":  schema.Int64Attribute{MarkdownDescription: "The user's numeric id (`id -u ci`), such as `1000`.", Required: true},
			"home": schema.StringAttribute{MarkdownDescription: "The user's home directory, absolute. Defaults to `/home/<name>`.", Optional: true},
		},
	}
}

// rootlessUser reads rootless_user; ok is false while it is unknown.
func rootlessUser(ctx context.Context, v types.Object) (u dockerconf.RootlessUser, ok bool, diags diag.Diagnostics) {
	if v.IsNull() {
		return u, true, nil
	}
	if v.IsUnknown() {
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

// checkRootlessUser requires rootless_user with the rootless platform, and
// only there.
func checkRootlessUser(platform dockerconf.Platform, v types.Object, u dockerconf.RootlessUser, diags *diag.Diagnostics) {
	switch {
	case platform == dockerconf.PlatformRootless && v.IsNull():
		diags.AddAttributeError(p.Root("rootless_user"), "A rootless engine needs its user",
			`platform = "rootless" needs rootless_user, the user the engine runs as, for its paths and its socket: `+
				`add rootless_user = { name = "ci", uid = 1000 } with that user's name and id (id -u ci).`)
	case platform != dockerconf.PlatformRootless && !v.IsNull():
		diags.AddAttributeError(p.Root("rootless_user"), "rootless_user is only for a rootless engine",
			fmt.Sprintf(`rootless_user is set, but platform is %q: remove rootless_user, or set platform = "rootless".`, platform))
	case platform == dockerconf.PlatformRootless:
		if u.UID < 1 {
			diags.AddAttributeError(p.Root("rootless_user").AtName("uid"), "Invalid rootless_user.uid",
				fmt.Sprintf("rootless_user.uid is %d, but a rootless engine runs as an unprivileged user: give that user's id (id -u %s).", u.UID, u.Name))
		}
		if err := dockerconf.PlatformLinux.CheckPath("rootless_user.home", u.Home, u); err != nil {
			diags.AddAttributeError(p.Root("rootless_user").AtName("home"), "Invalid rootless_user.home", err.Error())
		}
	}
}

// checkPlatformPaths checks each known path attribute for the platform.
func checkPlatformPaths(platform dockerconf.Platform, u dockerconf.RootlessUser, paths map[string]types.String, diags *diag.Diagnostics) {
	for _, name := range slices.Sorted(maps.Keys(paths)) {
		if v := paths[name]; known(v) {
			if err := platform.CheckPath(name, v.ValueString(), u); err != nil {
				diags.AddAttributeError(p.Root(name), "Invalid "+name, err.Error())
			}
		}
	}
}
