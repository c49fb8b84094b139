package provider

import (
	"context"
	"crypto"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
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
	_ resource.ResourceWithUpgradeState   = (*caResource)(nil)
)

const (
	attrOrganizationalUnit     = "organizational_unit"
	attrPermittedDNSDomains    = "permitted_dns_domains"
	attrPermittedIPRanges      = "permitted_ip_ranges"
	attrPrivateKeyPEMWO        = "private_key_pem_wo"
	attrPrivateKeyPEMWOVersion = "private_key_pem_wo_version"
	attrRekeyOnRenewal         = "rekey_on_renewal"

	caDefaultValidityHours     = 87600
	caDefaultEarlyRenewalHours = 8760
)

type caResource struct {
	certificateResource
}

type caModel struct {
	CommonName          types.String `tfsdk:"common_name"`
	Organization        types.String `tfsdk:"organization"`
	OrganizationalUnit  types.String `tfsdk:"organizational_unit"`
	PermittedDNSDomains types.List   `tfsdk:"permitted_dns_domains"`
	PermittedIPRanges   types.List   `tfsdk:"permitted_ip_ranges"`
	PrivateKeyPEMWO     types.String `tfsdk:"private_key_pem_wo"`
	PrivateKeyPEMWOVer  wholeNumber  `tfsdk:"private_key_pem_wo_version"`
	RekeyOnRenewal      types.Bool   `tfsdk:"rekey_on_renewal"`
	lifetimeInputs
	certificateOutputs
}

func newCAResource(e *env) *caResource {
	r := &caResource{certificateResource{
		env:          e,
		kind:         "CA certificate",
		importAdvice: caImportAdvice,
		rules: []replacementRule{
			{attr: attrCommonName},
			{attr: attrOrganization},
			{attr: attrOrganizationalUnit},
			{attr: attrPermittedDNSDomains},
			{attr: attrPermittedIPRanges, same: sameIPRangeList},
			{attr: attrPrivateKeyPEMWOVersion},
			{attr: attrKeyAlgorithm, defaultValue: types.StringValue(string(pki.DefaultKeyAlgorithm))},
			{attr: attrValidityHours, defaultValue: wholeNumberOf(caDefaultValidityHours)},
		},
		// The key given write-only changes with its version, which has a
		// rule; rekey_on_renewal decides the next renewal, not this
		// certificate.
		inPlace: []string{attrEarlyRenewalHours, attrPrivateKeyPEMWO, attrRekeyOnRenewal},
		outputs: certificateOutputNames,
		keys:    externalKeys,
	}}
	r.renewOnKey = r.planRenewalOnKey
	return r
}

func (r *caResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_ca"
}

func (r *caResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: schemaVersion,
		MarkdownDescription: "A private certificate authority for Docker daemon TLS: a self-signed CA certificate and its key.\n\n" +
			"The certificate is made to be a Docker CA and nothing else: `basicConstraints` CA:TRUE with a path length of 0 " +
			"(it cannot sign intermediate CAs), `keyUsage` keyCertSign, cRLSign and digitalSignature (critical), and no extended key " +
			"usage, because Go (dockerd and the docker CLI) checks extended key usages across the whole chain and one on the CA " +
			"would restrict every certificate under it. Its subject key identifier follows RFC 5280 for every key type. With " +
			"`permitted_dns_domains` or `permitted_ip_ranges` it carries a critical nameConstraints extension, so that even its " +
			"stolen key cannot mint a certificate for a host outside them.\n\n" +
			"**Renewal keeps the key.** Once the CA is due (`early_renewal_hours` before `not_after`) the plan renews it in place: a " +
			"new certificate with a new serial and validity, the same subject, key and subject key identifier. The plan shows the " +
			"renewed `cert_pem` itself (it is derived, not random, so the apply makes exactly it), and every certificate issued under " +
			"the old one still verifies against it, so the leaves are updated in place (their `ca_cert_pem`), not replaced, and no " +
			"host or client has to change at the same moment. `rekey_on_renewal = true` renews with a new key instead, which " +
			"replaces the CA and every certificate under it.\n\n" +
			"Replacing the CA (a new key, or a change to an argument that says it replaces) replaces every `dockertls_server_cert` " +
			"and `dockertls_client_cert` issued under it.",
		Attributes: mergeAttributes(map[string]schema.Attribute{
			attrCommonName: schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The CA's common name (CN), for example `Docker CA`. At most %d characters.%s", maxCommonNameLength, replacesNote),
				Required:            true,
				Validators:          subjectTextValidators(),
			},
			attrOrganization: organizationAttribute("CA"),
			attrOrganizationalUnit: schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The organizational unit (OU) in the CA's subject. At most %d characters.%s", maxOrganizationLength, replacesNote),
				Optional:            true,
				Validators:          subjectTextValidators(),
			},
			attrPermittedDNSDomains: schema.ListAttribute{
				ElementType: types.StringType,
				MarkdownDescription: "DNS domains the CA may certify, encoded as a critical nameConstraints extension: `example.internal` " +
					"permits it and every name under it, `.example.internal` only names under it. Server certificates with other DNS names " +
					"are refused at plan time (note `localhost` from `include_loopback`), and Go clients reject any that exist." + replacesNote,
				Optional:   true,
				Validators: []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(constraintDomainValidator)},
			},
			attrPermittedIPRanges: schema.ListAttribute{
				ElementType: types.StringType,
				MarkdownDescription: "IP ranges (CIDR, such as `10.0.0.0/8` or `fd00::/8`) the CA may certify, encoded as a critical " +
					"nameConstraints extension. Server certificates with other addresses are refused at plan time (note `127.0.0.1` and " +
					"`::1` from `include_loopback`)." + replacesNote,
				Optional:   true,
				Validators: []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(ipRangeValidator)},
			},
			attrPrivateKeyPEMWO: schema.StringAttribute{
				MarkdownDescription: "A private key held outside Terraform, as a write-only attribute (Terraform 1.11 and later), for " +
					"example from an ephemeral resource: the CA certificate is made for it and `private_key_pem` stays null, so no CA key " +
					"is in the state. PEM, unencrypted: PKCS#8, PKCS#1 or SEC1. Needs `private_key_pem_wo_version`.",
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{privateKeyValidator, stringvalidator.AlsoRequires(path.MatchRoot(attrPrivateKeyPEMWOVersion))},
			},
			attrPrivateKeyPEMWOVersion: schema.Int64Attribute{CustomType: wholeNumberType{},
				MarkdownDescription: "A number you change when the key in `private_key_pem_wo` changes (Terraform cannot compare " +
					"write-only values between runs). Changing it replaces the CA.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.AlsoRequires(path.MatchRoot(attrPrivateKeyPEMWO))},
			},
			attrRekeyOnRenewal: schema.BoolAttribute{
				MarkdownDescription: "Renew with a new key when the CA is due, instead of on its own key. A new key replaces the CA and " +
					"every certificate issued under it, and clients and daemons refuse each other until all of them have the new files: " +
					"for a policy that rotates CA keys, roll the new key out with a second `dockertls_ca` and a trust bundle instead (see " +
					"the rotation guide). Defaults to `false`. Changing it does not replace the certificate.",
				Optional: true,
			},
			attrKeyAlgorithm:      keyAlgorithmAttribute("CA", "`private_key_pem_wo`"),
			attrValidityHours:     validityAttribute(caDefaultValidityHours),
			attrEarlyRenewalHours: earlyRenewalAttribute(caDefaultEarlyRenewalHours),
		}, outputAttributes("CA")),
	}
}

func (r *caResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m caModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	life := m.lifetimeInputs
	if life.ValidityPeriodHours.IsNull() {
		life.ValidityPeriodHours = wholeNumberOf(caDefaultValidityHours)
	}
	if life.EarlyRenewalHours.IsNull() {
		life.EarlyRenewalHours = wholeNumberOf(caDefaultEarlyRenewalHours)
	}
	validateLifetime(life, &resp.Diagnostics)
	checkKeyAlgorithmMatches(m.PrivateKeyPEMWO, m.KeyAlgorithm, externalKeys.algorithm, path.Root(attrPrivateKeyPEMWO), &resp.Diagnostics)
	if known(m.PrivateKeyPEMWO) {
		if _, err := pki.ParsePrivateKeyPEM(m.PrivateKeyPEMWO.ValueString()); errors.Is(err, pki.ErrEncryptedKey) {
			resp.Diagnostics.AddAttributeError(path.Root(attrPrivateKeyPEMWO), "An encrypted CA key",
				"private_key_pem_wo: the key is encrypted, and dockertls_ca takes it unencrypted (it has no passphrase argument): decrypt it "+
					"first (openssl pkey -in ca-key.pem -out ca-key-plain.pem) and keep that in the secret store.")
		}
	}
	if m.RekeyOnRenewal.ValueBool() && !m.PrivateKeyPEMWO.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root(attrRekeyOnRenewal), "rekey_on_renewal with a key held outside",
			"rekey_on_renewal = true makes a new key at each renewal, but private_key_pem_wo holds the CA's key outside Terraform, which "+
				"cannot make one there: remove rekey_on_renewal, and re-key by putting a new key in private_key_pem_wo and raising "+
				"private_key_pem_wo_version.")
	}
}

func (r *caResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	withPlanView(req, resp, func(v *planView) {
		if v.state.IsNull() && !v.plan.IsNull() {
			warnShortCA(ctx, v.plan, &resp.Diagnostics)
		}
		r.planCertificate(ctx, v, resp, func(external types.String) {
			r.checkExternalKeyUnchanged(ctx, v, external, &resp.Diagnostics)
		}, nil)
		for _, from := range []*objectData{v.state, v.plan} {
			if !from.IsNull() {
				var certPEM types.String
				from.GetAttribute(ctx, path.Root(attrCertPEM), &certPEM)
				r.env.noteManagedCA(certPEM)
			}
		}
	})
}

// warnShortCA warns, when a CA is created, if it is too short-lived for a
// leaf with the default early renewal: the leaf, clipped to the CA's
// expiry, would be due at once, and creating it would fail after the CA
// was made.
func warnShortCA(ctx context.Context, plan attributeGetter, diags *diag.Diagnostics) {
	var validity wholeNumber
	diags.Append(plan.GetAttribute(ctx, path.Root(attrValidityHours), &validity)...)
	if !known(validity) || validity.ValueInt64() > leafDefaultEarlyRenewalHours {
		return
	}
	diags.AddAttributeWarning(path.Root(attrValidityHours), "A CA too short-lived for the default leaf",
		fmt.Sprintf("validity_period_hours = %d: a server or client certificate issued under this CA expires with it, within %d hours, "+
			"which is inside the leaves' default early renewal window (early_renewal_hours = %d), so creating one would fail. Give the CA "+
			"a validity_period_hours above %d, or set the leaves' early_renewal_hours below %d.",
			validity.ValueInt64(), validity.ValueInt64(), leafDefaultEarlyRenewalHours, leafDefaultEarlyRenewalHours, validity.ValueInt64()))
}

// A renewal on the CA's own key changes renewedOutputs and keeps
// keptOutputs.
var (
	renewedOutputs = []string{attrCertPEM, attrSerialNumber, attrNotBefore, attrNotAfter, attrFingerprint, attrReadyForRenewal}
	keptOutputs    = []string{attrID, attrPrivateKeyPEM, attrPublicKeyPEM}
)

// planRenewalOnKey plans a due CA's renewal on its own key as an in-place
// update whose renewed certificate is in the plan. It declines (and the
// CA is replaced as before) with rekey_on_renewal, when lifecycle
// ignore_changes pins an output the renewal changes, or when the key is
// not known at plan time.
//
// The certificate is made here, in the plan, so that the leaves see the
// new ca_cert_pem and can tell it is the same authority. Terraform plans
// again while applying and refuses a result that differs from the plan;
// pki.RenewCA is a function of the prior certificate, the key and the
// lifetime inputs, so both plans make the same bytes, and Update stores
// the plan as it is.
func (r *caResource) planRenewalOnKey(ctx context.Context, v *planView, due renewal, diags *diag.Diagnostics) bool {
	var rekey types.Bool
	diags.Append(v.config.GetAttribute(ctx, path.Root(attrRekeyOnRenewal), &rekey)...)
	if rekey.ValueBool() {
		return false
	}
	for _, name := range append(append([]string{}, keptOutputs...), renewedOutputs...) {
		if pinned(ctx, v.config, name) {
			return false
		}
	}
	var certPEM, keyPEM, external types.String
	var validity, early wholeNumber
	diags.Append(v.state.GetAttribute(ctx, path.Root(attrCertPEM), &certPEM)...)
	diags.Append(v.state.GetAttribute(ctx, path.Root(attrPrivateKeyPEM), &keyPEM)...)
	diags.Append(v.config.GetAttribute(ctx, path.Root(attrPrivateKeyPEMWO), &external)...)
	diags.Append(v.plan.GetAttribute(ctx, pathValidity, &validity)...)
	diags.Append(v.plan.GetAttribute(ctx, pathEarlyRenewal, &early)...)
	if diags.HasError() || !known(certPEM) || !known(validity) || !known(early) {
		return false
	}
	if keyPEM.IsNull() {
		keyPEM = external
	}
	if !known(keyPEM) {
		diags.AddAttributeWarning(path.Root(attrPrivateKeyPEMWO), "The CA cannot renew on its key in this plan",
			"private_key_pem_wo is not known until apply, so the renewed certificate cannot be shown in the plan, and the CA is "+
				"replaced instead (with every certificate under it). Make the key known at plan time (an ephemeral resource or a "+
				"variable) to renew in place.")
		return false
	}
	auth, err := r.env.authorities.load(certPEM.ValueString(), keyPEM.ValueString(), nil)
	if err != nil {
		return false // a key that does not fit is reported by validation
	}
	renewed, err := pki.RenewCA(auth.Certificate, auth.Key, hours(validity), hours(early), r.env.clock())
	if err != nil {
		diags.AddError("Could not renew the CA certificate", err.Error())
		return true
	}
	for _, name := range keptOutputs {
		var prior attr.Value
		diags.Append(v.state.GetAttribute(ctx, path.Root(name), &prior)...)
		diags.Append(v.plan.SetAttribute(ctx, path.Root(name), prior)...)
	}
	cert := renewed.Certificate
	for name, value := range map[string]any{
		attrCertPEM: renewed.CertPEM, attrSerialNumber: cert.SerialNumber.String(), attrNotBefore: pki.FormatTime(cert.NotBefore),
		attrNotAfter: pki.FormatTime(cert.NotAfter), attrFingerprint: pki.Fingerprint(cert),
		attrReadyForRenewal: pki.DueForRenewal(cert.NotAfter, hours(early), r.env.clock()),
	} {
		diags.Append(v.plan.SetAttribute(ctx, path.Root(name), value)...)
	}
	diags.AddWarning("CA certificate due for renewal: renewed on its own key",
		fmt.Sprintf("The CA certificate %q (serial %s) expires at %s. It entered its early renewal window (early_renewal_hours = %d) "+
			"at %s, so this plan renews it in place: serial %s, valid until %s, with the same subject and key. Every certificate "+
			"issued under the old one verifies against the new one, so the server and client certificates are updated in place, not "+
			"replaced.\n\n"+
			"Give hosts and clients the new ca.pem before %s; nothing breaks in the meantime. dockerd reads it at start-up, so "+
			"restart it at leisure (with live-restore, containers keep running). Set rekey_on_renewal = true to renew with a new key "+
			"instead, which replaces every certificate under the CA.",
			due.commonName, due.serial, pki.FormatTime(due.notAfter), due.early, pki.FormatTime(due.renewAt),
			cert.SerialNumber.String(), pki.FormatTime(cert.NotAfter), pki.FormatTime(due.notAfter)))
	return true
}

// checkExternalKeyUnchanged refuses a different write-only key under the
// same private_key_pem_wo_version: the CA certificate belongs to the old
// key, and only a version change says the CA is to be replaced.
func (r *caResource) checkExternalKeyUnchanged(ctx context.Context, v *planView, external types.String, diags *diag.Diagnostics) {
	if v.state.IsNull() || !known(external) {
		return
	}
	var priorPub types.String
	var priorVer, plannedVer wholeNumber
	diags.Append(v.state.GetAttribute(ctx, path.Root(attrPublicKeyPEM), &priorPub)...)
	diags.Append(v.state.GetAttribute(ctx, path.Root(attrPrivateKeyPEMWOVersion), &priorVer)...)
	diags.Append(v.config.GetAttribute(ctx, path.Root(attrPrivateKeyPEMWOVersion), &plannedVer)...)
	if !priorVer.Equal(plannedVer) || !known(priorPub) {
		return
	}
	key, err := pki.ParsePrivateKeyPEM(external.ValueString())
	if err != nil {
		return
	}
	pub, err := pki.ParsePublicKeyPEM(priorPub.ValueString())
	if err == nil && !pki.PublicKeysEqual(pub, key.Public()) {
		diags.AddAttributeError(path.Root(attrPrivateKeyPEMWO), "The CA key changed without a version change",
			"private_key_pem_wo holds a different key from the one this CA certificate was made for. To replace the CA with one for the "+
				"new key, change private_key_pem_wo_version; to keep the CA, give the original key.")
	}
}

func (r *caResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m caModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(attrPrivateKeyPEMWO), &m.PrivateKeyPEMWO)...)
	if resp.Diagnostics.HasError() {
		return
	}
	constraints, ok := r.constraints(m)
	if !ok {
		resp.Diagnostics.AddAttributeError(path.Root(attrPermittedIPRanges), "Invalid permitted_ip_ranges", "permitted_ip_ranges could not be parsed")
		return
	}
	key, ok := r.caKey(m, &resp.Diagnostics)
	if !ok {
		return
	}
	now := r.env.clock()
	issued, err := pki.NewCA(pki.CARequest{
		Subject: pki.Subject{
			CommonName:         m.CommonName.ValueString(),
			Organization:       m.Organization.ValueString(),
			OrganizationalUnit: m.OrganizationalUnit.ValueString(),
		},
		Validity:    hours(m.ValidityPeriodHours),
		Constraints: constraints,
	}, key.signer, now, r.env.rand)
	if err != nil {
		resp.Diagnostics.AddError("Could not create the CA certificate", err.Error())
		return
	}
	var stored crypto.Signer
	if key.generated {
		stored = key.signer
	}
	if err := fillOutputs(&m.certificateOutputs, issued, stored, hours(m.EarlyRenewalHours), now); err != nil {
		resp.Diagnostics.AddError("Could not encode the CA", err.Error())
		return
	}
	alg, _ := pki.AlgorithmOf(key.signer.Public())
	m.KeyAlgorithm = types.StringValue(string(alg))
	m.PrivateKeyPEMWO = types.StringNull()
	logIssued(ctx, "CA certificate", issued)
	r.env.noteManagedCA(m.CertPEM)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// caSigningKey is the key a new CA certificate is made for.
type caSigningKey struct {
	signer crypto.Signer
	// generated is whether the provider made the key, which then goes into
	// the state; a key given in private_key_pem_wo never does.
	generated bool
}

// caKey returns the key given in private_key_pem_wo, or a new key of
// key_algorithm. ok is false, with the reason in diags, when there is none.
func (r *caResource) caKey(m caModel, diags *diag.Diagnostics) (key caSigningKey, ok bool) {
	if !m.PrivateKeyPEMWO.IsNull() {
		signer, err := pki.ParsePrivateKeyPEM(m.PrivateKeyPEMWO.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root(attrPrivateKeyPEMWO), "Invalid private_key_pem_wo", "private_key_pem_wo: "+err.Error())
			return caSigningKey{}, false
		}
		return caSigningKey{signer: signer}, true
	}
	signer, ok := r.generateKey(m.KeyAlgorithm, diags)
	return caSigningKey{signer: signer, generated: true}, ok
}

func (r *caResource) constraints(m caModel) (pki.NameConstraints, bool) {
	c := pki.NameConstraints{PermittedDNSDomains: stringsOf(m.PermittedDNSDomains)}
	for _, s := range stringsOf(m.PermittedIPRanges) {
		n, err := pki.ParseIPRange(s)
		if err != nil {
			return c, false
		}
		c.PermittedIPRanges = append(c.PermittedIPRanges, n)
	}
	return c, true
}

// sameIPRangeList reports whether two lists name the same ranges in the
// same order, however each is written.
func sameIPRangeList(prior, planned attr.Value) bool {
	a, b := stringsOf(prior), stringsOf(planned)
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, errX := pki.ParseIPRange(a[i])
		y, errY := pki.ParseIPRange(b[i])
		if errX != nil || errY != nil || x.String() != y.String() {
			return false
		}
	}
	return true
}
