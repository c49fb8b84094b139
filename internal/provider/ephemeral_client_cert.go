package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

var _ ephemeral.EphemeralResource = (*ephemeralClientCert)(nil)

const (
	ephemeralDefaultValidityHours = 1
	ephemeralMaxValidityHours     = 24 * 31
)

// ephemeralClientCert issues a short-lived client certificate for one
// Terraform run; Terraform never stores any of it.
type ephemeralClientCert struct {
	certificateResource
}

type ephemeralClientCertModel struct {
	CACertPEM              types.String `tfsdk:"ca_cert_pem"`
	CAPrivateKeyPEM        types.String `tfsdk:"ca_private_key_pem"`
	CAPrivateKeyPassphrase types.String `tfsdk:"ca_private_key_passphrase"`
	CommonName             types.String `tfsdk:"common_name"`
	Organization           types.String `tfsdk:"organization"`
	KeyAlgorithm           types.String `tfsdk:"key_algorithm"`
	ValidityPeriodHours    wholeNumber  `tfsdk:"validity_period_hours"`

	CertPEM             types.String `tfsdk:"cert_pem"`
	PrivateKeyPEM       types.String `tfsdk:"private_key_pem"`
	PublicKeyPEM        types.String `tfsdk:"public_key_pem"`
	SerialNumber        types.String `tfsdk:"serial_number"`
	NotBefore           types.String `tfsdk:"not_before"`
	NotAfter            types.String `tfsdk:"not_after"`
	SHA256Fingerprint   types.String `tfsdk:"sha256_fingerprint"`
	CASHA256Fingerprint types.String `tfsdk:"ca_sha256_fingerprint"`
}

func newEphemeralClientCert(e *env) *ephemeralClientCert {
	return &ephemeralClientCert{certificateResource{env: e, kind: "ephemeral client certificate"}}
}

func (r *ephemeralClientCert) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_client_cert"
}

func (r *ephemeralClientCert) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A short-lived client certificate for one Terraform run (Terraform 1.10 and later), for example to " +
			"configure the kreuzwerker/docker provider: it is issued when Terraform opens it and nothing of it, certificate or key, " +
			"is stored in the plan or the state. The profile is that of `dockertls_client_cert`: clientAuth, digitalSignature, no SANs.",
		Attributes: map[string]schema.Attribute{
			attrCACertPEM: schema.StringAttribute{
				MarkdownDescription: "The issuing CA's certificate, PEM.", Required: true,
				Validators: []validator.String{caCertificateValidator},
			},
			attrCAPrivateKeyPEM: schema.StringAttribute{
				MarkdownDescription: "The issuing CA's private key, PEM (PKCS#8, PKCS#1 or SEC1, encrypted with `ca_private_key_passphrase` or not). " +
					"Ephemeral resources are not stored, so this may come from another ephemeral source.",
				Required: true, Sensitive: true, Validators: []validator.String{privateKeyValidator},
			},
			attrCAPrivateKeyPassphrase: schema.StringAttribute{MarkdownDescription: "The passphrase of an encrypted CA key.", Optional: true, Sensitive: true},
			attrCommonName: schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The client's identity (CN), as a daemon's authorization plugin sees it. At most %d characters.", maxCommonNameLength),
				Required:            true, Validators: subjectTextValidators(),
			},
			attrOrganization: schema.StringAttribute{
				MarkdownDescription: "The organization (O) in the subject.", Optional: true,
				Validators: subjectTextValidators(),
			},
			attrKeyAlgorithm: schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The key's type and size. %s Defaults to `%s`.", enumDescription(keyAlgorithmNames()), pki.DefaultKeyAlgorithm),
				Optional:            true, Computed: true, Validators: []validator.String{stringvalidator.OneOf(keyAlgorithmNames()...)},
			},
			attrValidityHours: schema.Int64Attribute{CustomType: wholeNumberType{},
				MarkdownDescription: fmt.Sprintf("How many hours the certificate is valid for, from 1 to %d. Defaults to `%d`: long enough for a run, short enough that a leaked one soon expires.",
					ephemeralMaxValidityHours, ephemeralDefaultValidityHours),
				Optional: true, Computed: true, Validators: []validator.Int64{int64validator.Between(1, ephemeralMaxValidityHours)},
			},
			attrCertPEM: computed("The client certificate, PEM."),
			attrPrivateKeyPEM: schema.StringAttribute{
				MarkdownDescription: "The client's private key, unencrypted PKCS#8 PEM.", Computed: true, Sensitive: true,
			},
			attrPublicKeyPEM:  computed("The client's public key, PEM."),
			attrSerialNumber:  computed("The serial number, decimal."),
			attrNotBefore:     computed("The start of the validity period, RFC 3339 UTC (5 minutes before issuance)."),
			attrNotAfter:      computed("The end of the validity period, RFC 3339 UTC."),
			attrFingerprint:   computed("The certificate's SHA-256 fingerprint, lower-case hex."),
			attrCAFingerprint: computed("The CA certificate's SHA-256 fingerprint, lower-case hex."),
		},
	}
}

func (r *ephemeralClientCert) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m ephemeralClientCertModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := leafInputs{
		CACertPEM: m.CACertPEM, CAPrivateKeyPEM: m.CAPrivateKeyPEM, CAPrivateKeyPassphrase: m.CAPrivateKeyPassphrase,
		CAPrivateKeyPEMWO: types.StringNull(), CertRequestPEM: types.StringNull(),
	}
	life := lifetimeInputs{
		KeyAlgorithm:        m.KeyAlgorithm,
		ValidityPeriodHours: m.ValidityPeriodHours,
		EarlyRenewalHours:   wholeNumberOf(0),
	}
	if life.KeyAlgorithm.IsNull() {
		life.KeyAlgorithm = types.StringValue(string(pki.DefaultKeyAlgorithm))
	}
	if life.ValidityPeriodHours.IsNull() {
		life.ValidityPeriodHours = wholeNumberOf(ephemeralDefaultValidityHours)
	}
	if ca, err := r.env.authorities.certificate(m.CACertPEM.ValueString()); err == nil {
		if err := pki.CheckCAValidAt(ca, r.env.clock()); err != nil {
			addInputError(&resp.Diagnostics, err, in)
			return
		}
	}
	var out certificateOutputs
	r.issueLeaf(ctx, leafIssue{
		inputs: &in,
		life:   &life,
		request: pki.ClientProfile{
			Subject: pki.Subject{CommonName: m.CommonName.ValueString(), Organization: m.Organization.ValueString()},
		}.Request(),
		outputs: &out,
	}, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	m.KeyAlgorithm, m.ValidityPeriodHours = life.KeyAlgorithm, life.ValidityPeriodHours
	m.CertPEM, m.PrivateKeyPEM, m.PublicKeyPEM = out.CertPEM, out.PrivateKeyPEM, out.PublicKeyPEM
	m.SerialNumber, m.NotBefore, m.NotAfter = out.SerialNumber, out.NotBefore, out.NotAfter
	m.SHA256Fingerprint, m.CASHA256Fingerprint = out.SHA256Fingerprint, in.CASHA256Fingerprint
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}
