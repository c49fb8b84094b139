package provider

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
)

// Reading framework values: what is known, and the Go values inside.

// hostOf is the Docker host v names, or the zero Host while v is not known
// or does not parse (the attribute's validator reports that).
func hostOf(v types.String) dockerconf.Host {
	if !known(v) {
		return dockerconf.Host{}
	}
	h, err := dockerconf.ParseHost(v.ValueString())
	if err != nil {
		return dockerconf.Host{}
	}
	return h
}

func stringOf(v attr.Value) string {
	s, _ := v.(types.String)
	return s.ValueString()
}

func stringsOf(v attr.Value) []string {
	l, ok := v.(types.List)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(l.Elements()))
	for _, e := range l.Elements() {
		out = append(out, stringOf(e))
	}
	return out
}

func lowerASCII(s string) string { return strings.ToLower(s) }

// known reports whether a value is neither null nor unknown.
func known(v attr.Value) bool { return !v.IsNull() && !v.IsUnknown() && !isPendingMark(v) }

func anyUnknown(l types.List) bool {
	for _, e := range l.Elements() {
		if e.IsUnknown() {
			return true
		}
	}
	return false
}
