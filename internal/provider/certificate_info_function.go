package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

var _ function.Function = certificateInfoFunction{}

// certificateInfoFunction is provider::dockertls::certificate_info(pem).
type certificateInfoFunction struct{}

var certificateInfoAttrTypes = map[string]attr.Type{
	"subject":            types.StringType,
	"common_name":        types.StringType,
	"issuer":             types.StringType,
	"serial_number":      types.StringType,
	"dns_names":          types.ListType{ElemType: types.StringType},
	"ip_addresses":       types.ListType{ElemType: types.StringType},
	"ext_key_usages":     types.ListType{ElemType: types.StringType},
	"is_ca":              types.BoolType,
	"key_algorithm":      types.StringType,
	"not_before":         types.StringType,
	"not_after":          types.StringType,
	"sha256_fingerprint": types.StringType,
}

func (certificateInfoFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "certificate_info"
}

func (certificateInfoFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "The facts of a PEM certificate, for preconditions and postconditions.",
		MarkdownDescription: "Parses one PEM certificate and returns what a module author checks in a precondition: " +
			"`subject`, `common_name`, `issuer` (RFC 2253 strings), `serial_number` (decimal), `dns_names` and `ip_addresses` " +
			"(the SANs), `ext_key_usages` (`serverAuth`, `clientAuth`, ...), `is_ca`, `key_algorithm` (as in `key_algorithm`, " +
			"such as `ECDSA_P256`), `not_before` and `not_after` (RFC 3339 UTC) and `sha256_fingerprint` (lower-case hex). " +
			"Anything but exactly one certificate is an error. Requires Terraform 1.8 or later.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "pem",
				MarkdownDescription: "One PEM-encoded certificate, such as a `cert_pem` or the content of `ca.pem`.",
			},
		},
		Return: function.ObjectReturn{AttributeTypes: certificateInfoAttrTypes},
	}
}

func (certificateInfoFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var pemText string
	resp.Error = function.ConcatFuncErrors(req.Arguments.Get(ctx, &pemText))
	if resp.Error != nil {
		return
	}
	cert, err := pki.ParseCertificatePEM(pemText)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, "certificate_info: "+err.Error())
		return
	}
	info := pki.Describe(cert)
	list := func(ss []string) attr.Value {
		elems := make([]attr.Value, len(ss))
		for i, s := range ss {
			elems[i] = types.StringValue(s)
		}
		return types.ListValueMust(types.StringType, elems)
	}
	obj, diags := types.ObjectValue(certificateInfoAttrTypes, map[string]attr.Value{
		"subject":            types.StringValue(info.Subject),
		"common_name":        types.StringValue(info.CommonName),
		"issuer":             types.StringValue(info.Issuer),
		"serial_number":      types.StringValue(info.SerialNumber),
		"dns_names":          list(info.DNSNames),
		"ip_addresses":       list(info.IPAddresses),
		"ext_key_usages":     list(info.ExtKeyUsages),
		"is_ca":              types.BoolValue(info.IsCA),
		"key_algorithm":      types.StringValue(info.KeyAlgorithm),
		"not_before":         types.StringValue(info.NotBefore),
		"not_after":          types.StringValue(info.NotAfter),
		"sha256_fingerprint": types.StringValue(info.SHA256Fingerprint),
	})
	if diags.HasError() {
		resp.Error = function.FuncErrorFromDiags(ctx, diags)
		return
	}
	resp.Error = resp.Result.Set(ctx, obj)
}
