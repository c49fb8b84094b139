package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

var (
	_ resource.Resource                   = (*clientCertResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*clientCertResource)(nil)
	_ resource.ResourceWithValidateConfig = (*clientCertResource)(nil)
	_ resource.ResourceWithUpgradeState   = (*clientCertResource)(nil)
)

type clientCertResource struct {
	certificateResource
}

type clientCertModel struct {
	CommonName types.String `tfsdk:"common_name"`
	leafInputs
	lifetimeInputs
	certificateOutputs
}

func newClientCertResource(e *env) *clientCertResource {
	return &clientCertResource{certificateResource{
		env:          e,
		kind:         "client certificate",
		importAdvice: clientCertImportAdvice,
		rules:        append(leafRules(e), replacementRule{attr: attrCommonName}),
		inPlace:      leafInPlace,
		outputs:      leafOutputNames,
		keys:         csrKeys,
	}}
}

func (r *clientCertResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_client_cert"
}

func (r *clientCertResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: schemaVersion,
		MarkdownDescription: "A certificate and key for the docker CLI (or any Docker API client) to present to a daemon that " +
			"runs with `tlsverify`, signed by a `dockertls_ca`.\n\n" +
			"The certificate carries extended key usage clientAuth and keyUsage digitalSignature; it needs no SANs. Any holder of a client certificate from the CA has root-equivalent access to every daemon " +
			"that trusts the CA, so keep validity short and the key out of places it does not need to be.",
		Attributes: mergeAttributes(map[string]schema.Attribute{
			attrCommonName: schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The client's identity, as the subject's common name (CN): the name a daemon's "+
					"authorization plugin sees. At most %d characters.%s", maxCommonNameLength, replacesNote),
				Required:   true,
				Validators: subjectTextValidators(),
			},
		}, leafAttributes("client certificate"), outputAttributes("client")),
	}
}

func (r *clientCertResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	config, ok := decodeConfig(req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	r.validateLeafConfig(ctx, config, &resp.Diagnostics)
}

func (r *clientCertResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	withPlanView(req, resp, func(v *planView) { r.modifyLeafPlan(ctx, v, resp) })
}

func (r *clientCertResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m clientCertModel
	r.createLeaf(ctx, req, resp, &m, &m.leafInputs, &m.lifetimeInputs, &m.certificateOutputs, func() (pki.LeafRequest, bool) {
		return pki.ClientProfile{
			Subject: pki.Subject{CommonName: m.CommonName.ValueString(), Organization: m.Organization.ValueString()},
		}.Request(), true
	})
}
