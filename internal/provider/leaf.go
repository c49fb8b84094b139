package provider

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

const (
	leafDefaultValidityHours     = 8760
	leafDefaultEarlyRenewalHours = 720
)

// leafInputs is the model of the issuer inputs every leaf certificate has.
type leafInputs struct {
	CACertPEM           types.String `tfsdk:"ca_cert_pem"`
	CAPrivateKeyPEM     types.String `tfsdk:"ca_private_key_pem"`
	Organization        types.String `tfsdk:"organization"`
	CASHA256Fingerprint types.String `tfsdk:"ca_sha256_fingerprint"`
}

// leafAttributes are the schema of leafInputs and lifetimeInputs for a leaf
// called subject ("server certificate", "client certificate").
func leafAttributes(subject string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		attrCACertPEM: schema.StringAttribute{
			MarkdownDescription: "The issuing CA's certificate, PEM-encoded: usually `dockertls_ca.<name>.cert_pem`. " +
				"It must be a CA certificate that is valid now. A different CA certificate (a renewed or another CA) replaces the " +
				"certificate; the same certificate re-encoded does not.",
			Required:   true,
			Validators: []validator.String{caCertificateValidator},
		},
		attrCAPrivateKeyPEM: schema.StringAttribute{
			MarkdownDescription: "The issuing CA's private key, PEM-encoded (PKCS#8, PKCS#1 or SEC1, unencrypted): usually " +
				"`dockertls_ca.<name>.private_key_pem`. It must belong to `ca_cert_pem`. A different key replaces the certificate; " +
				"the same key in another PEM form does not.",
			Required:   true,
			Sensitive:  true,
			Validators: []validator.String{privateKeyValidator},
		},
		attrOrganization: organizationAttribute(subject),
		attrCAFingerprint: schema.StringAttribute{
			MarkdownDescription: "The SHA-256 fingerprint of the issuing CA's certificate, lower-case hex.",
			Computed:            true,
		},
		attrKeyAlgorithm:      keyAlgorithmAttribute(subject),
		attrValidityHours:     validityAttribute(leafDefaultValidityHours),
		attrEarlyRenewalHours: earlyRenewalAttribute(leafDefaultEarlyRenewalHours),
	}
}

// leafRules are the replacement rules every leaf has.
func leafRules() []replacementRule {
	return []replacementRule{
		{attr: attrCACertPEM, same: sameCertificatePEM},
		{attr: attrCAPrivateKeyPEM, same: samePrivateKeyPEM},
		{attr: attrOrganization},
		{attr: attrKeyAlgorithm, defaultValue: types.StringValue(string(pki.DefaultKeyAlgorithm))},
		{attr: attrValidityHours, defaultValue: types.Int64Value(leafDefaultValidityHours)},
	}
}

var leafOutputNames = append(append([]string{}, certificateOutputNames...), attrCAFingerprint)

// validateLeafConfig runs the checks every leaf shares that need more than
// one attribute: the lifetime, and whether the CA key belongs to the CA.
func (c *certificateResource) validateLeafConfig(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) {
	var in leafInputs
	var life lifetimeInputs
	readIssuerInputs(ctx, config, &in, &life, diags)
	if diags.HasError() {
		return
	}
	if life.ValidityPeriodHours.IsNull() {
		life.ValidityPeriodHours = types.Int64Value(leafDefaultValidityHours)
	}
	if life.EarlyRenewalHours.IsNull() {
		life.EarlyRenewalHours = types.Int64Value(leafDefaultEarlyRenewalHours)
	}
	validateLifetime(life, diags)
	if known(in.CACertPEM) && known(in.CAPrivateKeyPEM) {
		// Errors in either PEM alone are reported by the attribute validators.
		if _, err := c.env.authorities.load(in.CACertPEM.ValueString(), in.CAPrivateKeyPEM.ValueString()); errors.Is(err, pki.ErrKeyMismatch) {
			addInputError(diags, err)
		}
	}
}

// attributeGetter is tfsdk.Config, tfsdk.Plan or tfsdk.State.
type attributeGetter interface {
	GetAttribute(context.Context, path.Path, any) diag.Diagnostics
}

// readIssuerInputs reads the CA and lifetime inputs that the leaf checks
// need, without requiring the rest of the model to be readable.
func readIssuerInputs(ctx context.Context, from attributeGetter, in *leafInputs, life *lifetimeInputs, diags *diag.Diagnostics) {
	diags.Append(from.GetAttribute(ctx, pathCACertPEM, &in.CACertPEM)...)
	diags.Append(from.GetAttribute(ctx, pathCAPrivateKeyPEM, &in.CAPrivateKeyPEM)...)
	diags.Append(from.GetAttribute(ctx, pathValidity, &life.ValidityPeriodHours)...)
	diags.Append(from.GetAttribute(ctx, pathEarlyRenewal, &life.EarlyRenewalHours)...)
}

// known reports whether a value is neither null nor unknown.
func known(v interface {
	IsNull() bool
	IsUnknown() bool
},
) bool {
	return !v.IsNull() && !v.IsUnknown()
}

// addInputError attaches an error from the pki package to the attribute it
// is about.
func addInputError(diags *diag.Diagnostics, err error) {
	var ie *pki.InputError
	if errors.As(err, &ie) {
		p := attributePath(ie.Input)
		diags.AddAttributeError(p, "Invalid "+p.String(), fmt.Sprintf("%s: %s", p, ie.Err))
		return
	}
	diags.AddError("Invalid CA", err.Error())
}

// planLeafCreate runs the checks that decide whether a new leaf can be
// issued, at plan time, once the CA is known: the CA must be valid now, the
// leaf is clipped to the CA's expiry (with a warning), and the clipped
// lifetime must outlast the early renewal window, or every apply would
// replace the certificate again.
func (c *certificateResource) planLeafCreate(ctx context.Context, plan *tfsdk.Plan, diags *diag.Diagnostics) {
	var in leafInputs
	var life lifetimeInputs
	readIssuerInputs(ctx, plan, &in, &life, diags)
	if diags.HasError() || !known(in.CACertPEM) {
		return
	}
	ca, err := c.env.authorities.certificate(in.CACertPEM.ValueString())
	if err != nil {
		addInputError(diags, err)
		return
	}
	diags.Append(plan.SetAttribute(ctx, path.Root(attrCAFingerprint), pki.Fingerprint(ca))...)
	now := c.env.clock()
	if err := pki.CheckCAValidAt(ca, now); err != nil {
		addInputError(diags, err)
		return
	}
	if known(in.CAPrivateKeyPEM) {
		if _, err := c.env.authorities.load(in.CACertPEM.ValueString(), in.CAPrivateKeyPEM.ValueString()); err != nil {
			addInputError(diags, err)
			return
		}
	}
	if !known(life.ValidityPeriodHours) || !known(life.EarlyRenewalHours) {
		return
	}
	notAfter, clipped := pki.LeafNotAfter(ca, now, hours(life.ValidityPeriodHours))
	if clipped {
		diags.Append(clippedWarning(c.kind, ca, life))
	}
	if pki.DueForRenewal(notAfter, hours(life.EarlyRenewalHours), now) {
		diags.AddAttributeError(pathEarlyRenewal, "The CA expires too soon to issue this certificate",
			fmt.Sprintf("The CA certificate %q expires at %s, so a %s issued now would expire then too and already be inside its "+
				"early renewal window (early_renewal_hours = %d): it would be replaced on every apply. Renew the CA first (it is "+
				"replaced once it is inside its own renewal window), or lower early_renewal_hours below %d.",
				ca.Subject.CommonName, pki.FormatTime(ca.NotAfter), c.kind, life.EarlyRenewalHours.ValueInt64(),
				int64(notAfter.Sub(now).Hours())))
	}
}

func clippedWarning(kind string, ca *x509.Certificate, life lifetimeInputs) diag.Diagnostic {
	return diag.NewAttributeWarningDiagnostic(pathValidity, fmt.Sprintf("The %s will expire with its CA", kind),
		fmt.Sprintf("validity_period_hours = %d reaches past the CA certificate %q, which expires at %s. A certificate cannot "+
			"outlive its issuer, so the %s will expire at %s too. Renew the CA, or shorten validity_period_hours to silence this warning.",
			life.ValidityPeriodHours.ValueInt64(), ca.Subject.CommonName, pki.FormatTime(ca.NotAfter), kind, pki.FormatTime(ca.NotAfter)))
}

// leafIssue is what a leaf resource asks issueLeaf for.
type leafIssue struct {
	inputs  *leafInputs
	life    lifetimeInputs
	request pki.LeafRequest
	outputs *certificateOutputs
}

// issueLeaf generates a key and issues the certificate under the CA.
// Nothing is written to state unless it succeeds.
func (c *certificateResource) issueLeaf(ctx context.Context, li leafIssue, diags *diag.Diagnostics) {
	auth, err := c.env.authorities.load(li.inputs.CACertPEM.ValueString(), li.inputs.CAPrivateKeyPEM.ValueString())
	if err != nil {
		addInputError(diags, err)
		return
	}
	alg, err := pki.ParseKeyAlgorithm(li.life.KeyAlgorithm.ValueString())
	if err != nil {
		diags.AddAttributeError(pathKeyAlgorithm, "Invalid key_algorithm", err.Error())
		return
	}
	key, err := pki.GenerateKey(alg, c.env.rand)
	if err != nil {
		diags.AddError("Could not generate the key", err.Error())
		return
	}
	now := c.env.clock()
	li.request.PublicKey = key.Public()
	li.request.Validity = hours(li.life.ValidityPeriodHours)
	issued, err := auth.Issue(li.request, now, c.env.rand)
	if err != nil {
		addInputError(diags, err)
		return
	}
	if issued.Clipped {
		diags.Append(clippedWarning(c.kind, auth.Certificate, li.life))
	}
	if err := fillOutputs(li.outputs, issued, key, hours(li.life.EarlyRenewalHours), now); err != nil {
		diags.AddError("Could not encode the certificate", err.Error())
		return
	}
	li.inputs.CASHA256Fingerprint = types.StringValue(auth.Fingerprint)
	logIssued(ctx, c.kind, issued)
}

// modifyLeafPlan is the ModifyPlan of both leaf resources.
func (c *certificateResource) modifyLeafPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if c.modifyPlan(ctx, req, resp) == planCreate {
		c.planLeafCreate(ctx, &resp.Plan, &resp.Diagnostics)
	}
}
