package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

var (
	_ resource.Resource                   = (*caResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*caResource)(nil)
	_ resource.ResourceWithValidateConfig = (*caResource)(nil)
)

const (
	attrOrganizationalUnit = "organizational_unit"

	caDefaultValidityHours     = 87600
	caDefaultEarlyRenewalHours = 8760
)

type caResource struct {
	certificateResource
}

func newCAResource(e *env) *caResource {
	return &caResource{certificateResource{
		env:  e,
		kind: "CA certificate",
		rules: []replacementRule{
			{attr: attrCommonName},
			{attr: attrOrganization},
			{attr: attrOrganizationalUnit},
			{attr: attrKeyAlgorithm, defaultValue: types.StringValue(string(pki.DefaultKeyAlgorithm))},
			{attr: attrValidityHours, defaultValue: types.Int64Value(caDefaultValidityHours)},
		},
		outputs: certificateOutputNames,
	}}
}

type caModel struct {
	CommonName         types.String `tfsdk:"common_name"`
	Organization       types.String `tfsdk:"organization"`
	OrganizationalUnit types.String `tfsdk:"organizational_unit"`
	lifetimeInputs
	certificateOutputs
}

func (r *caResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_ca"
}

func (r *caResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A private certificate authority for Docker daemon TLS: a self-signed CA certificate and its key.\n\n" +
			"The certificate is made to be a Docker CA and nothing else: `basicConstraints` CA:TRUE with a path length of 0 " +
			"(it cannot sign intermediate CAs), `keyUsage` keyCertSign, cRLSign and digitalSignature (critical), and no extended key " +
			"usage, because Go (dockerd and the docker CLI) checks extended key usages across the whole chain and one on the CA " +
			"would restrict every certificate under it. Its subject key identifier follows RFC 5280 for every key type.\n\n" +
			"Replacing the CA replaces every `dockertls_server_cert` and `dockertls_client_cert` issued under it.",
		Attributes: mergeAttributes(map[string]schema.Attribute{
			attrCommonName: schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The CA's common name (CN), for example `Docker CA`. At most %d characters.%s", maxCommonNameLength, replacesNote),
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, maxCommonNameLength)},
			},
			attrOrganization: organizationAttribute("CA"),
			attrOrganizationalUnit: schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The organizational unit (OU) in the CA's subject. At most %d characters.%s", maxOrganizationLength, replacesNote),
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, maxOrganizationLength)},
			},
			attrKeyAlgorithm:      keyAlgorithmAttribute("CA"),
			attrValidityHours:     validityAttribute(caDefaultValidityHours),
			attrEarlyRenewalHours: earlyRenewalAttribute(caDefaultEarlyRenewalHours),
		}, outputAttributes("CA")),
	}
}

func (r *caResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var life lifetimeInputs
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, pathValidity, &life.ValidityPeriodHours)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, pathEarlyRenewal, &life.EarlyRenewalHours)...)
	if life.ValidityPeriodHours.IsNull() {
		life.ValidityPeriodHours = types.Int64Value(caDefaultValidityHours)
	}
	if life.EarlyRenewalHours.IsNull() {
		life.EarlyRenewalHours = types.Int64Value(caDefaultEarlyRenewalHours)
	}
	validateLifetime(life, &resp.Diagnostics)
}

func (r *caResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.modifyPlan(ctx, req, resp)
}

func (r *caResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m caModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	alg, err := pki.ParseKeyAlgorithm(m.KeyAlgorithm.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(pathKeyAlgorithm, "Invalid key_algorithm", err.Error())
		return
	}
	key, err := pki.GenerateKey(alg, r.env.rand)
	if err != nil {
		resp.Diagnostics.AddError("Could not generate the CA key", err.Error())
		return
	}
	now := r.env.clock()
	issued, err := pki.NewCA(pki.CARequest{
		Subject: pki.Subject{
			CommonName:         m.CommonName.ValueString(),
			Organization:       m.Organization.ValueString(),
			OrganizationalUnit: m.OrganizationalUnit.ValueString(),
		},
		Validity: hours(m.ValidityPeriodHours),
	}, key, now, r.env.rand)
	if err != nil {
		resp.Diagnostics.AddError("Could not create the CA certificate", err.Error())
		return
	}
	if err := fillOutputs(&m.certificateOutputs, issued, key, hours(m.EarlyRenewalHours), now); err != nil {
		resp.Diagnostics.AddError("Could not encode the CA", err.Error())
		return
	}
	logIssued(ctx, "CA certificate", issued)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
