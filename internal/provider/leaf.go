package provider

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"net"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
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

const (
	leafDefaultValidityHours     = 8760
	leafDefaultEarlyRenewalHours = 720

	attrCAPrivateKeyPEMWO        = "ca_private_key_pem_wo"
	attrCAPrivateKeyPEMWOVersion = "ca_private_key_pem_wo_version"
	attrCAPrivateKeyPassphrase   = "ca_private_key_passphrase"    //nolint:gosec // an attribute name, not a credential
	attrCAPrivateKeyPassphraseWO = "ca_private_key_passphrase_wo" //nolint:gosec // an attribute name, not a credential
	attrCertRequestPEM           = "cert_request_pem"
)

// leafInputs is the model of the issuer and key inputs every leaf
// certificate has.
type leafInputs struct {
	CACertPEM              types.String `tfsdk:"ca_cert_pem"`
	CAPrivateKeyPEM        types.String `tfsdk:"ca_private_key_pem"`
	CAPrivateKeyPEMWO      types.String `tfsdk:"ca_private_key_pem_wo"`
	CAPrivateKeyPEMWOVer   wholeNumber  `tfsdk:"ca_private_key_pem_wo_version"`
	CAPrivateKeyPassphrase types.String `tfsdk:"ca_private_key_passphrase"`
	CAPassphraseWO         types.String `tfsdk:"ca_private_key_passphrase_wo"`
	CertRequestPEM         types.String `tfsdk:"cert_request_pem"`
	Organization           types.String `tfsdk:"organization"`
	CASHA256Fingerprint    types.String `tfsdk:"ca_sha256_fingerprint"`
}

// issuerKey is the CA key as configured: the plain or the write-only
// attribute, whichever is set, with its passphrase (likewise). known is
// false while any of them is unknown.
func (in leafInputs) issuerKey() (keyPEM string, passphrase []byte, known bool) {
	key, pass := in.CAPrivateKeyPEM, in.CAPrivateKeyPassphrase
	if key.IsNull() {
		key = in.CAPrivateKeyPEMWO
	}
	if pass.IsNull() {
		pass = in.CAPassphraseWO
	}
	if key.IsUnknown() || key.IsNull() || pass.IsUnknown() {
		return "", nil, false
	}
	if !pass.IsNull() {
		passphrase = []byte(pass.ValueString())
	}
	return key.ValueString(), passphrase, true
}

// leafAttributes are the schema of leafInputs and lifetimeInputs for a leaf
// called subject ("server certificate", "client certificate").
func leafAttributes(subject string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		attrCACertPEM: schema.StringAttribute{
			MarkdownDescription: "The issuing CA's certificate, PEM-encoded: usually `dockertls_ca.<name>.cert_pem`, or the `ca.pem` " +
				"of a CA made with openssl: exactly one certificate (trust bundles belong in the configuration data sources). It must be " +
				"a CA certificate that is valid now. The same CA renewed on its own key (the same subject and public key, such as a " +
				"`dockertls_ca` renews by default) changes this in place, and the certificate stays as it is, since it verifies against " +
				"either; another CA (another key or subject), or name constraints the certificate no longer meets, replaces it. The " +
				"same certificate re-encoded changes nothing.",
			Required:   true,
			Validators: []validator.String{caCertificateValidator},
		},
		attrCAPrivateKeyPEM: schema.StringAttribute{
			MarkdownDescription: "The issuing CA's private key, PEM-encoded: PKCS#8, PKCS#1 or SEC1, encrypted (with " +
				"`ca_private_key_passphrase`) or not. It must belong to `ca_cert_pem`, so it never replaces the certificate by itself. " +
				"Stored in the state; to keep it out, use `ca_private_key_pem_wo` instead. Exactly one of the two is required.",
			Optional:   true,
			Sensitive:  true,
			Validators: []validator.String{privateKeyValidator},
		},
		attrCAPrivateKeyPEMWO: schema.StringAttribute{
			MarkdownDescription: "The issuing CA's private key as a write-only attribute (Terraform 1.11 and later): never stored in " +
				"the plan or the state, so it can come from an ephemeral resource or a secret store. Same forms as " +
				"`ca_private_key_pem`. Needs `ca_private_key_pem_wo_version`.",
			Optional:   true,
			Sensitive:  true,
			WriteOnly:  true,
			Validators: []validator.String{privateKeyValidator, stringvalidator.AlsoRequires(path.MatchRoot(attrCAPrivateKeyPEMWOVersion))},
		},
		attrCAPrivateKeyPEMWOVersion: schema.Int64Attribute{CustomType: wholeNumberType{},
			MarkdownDescription: "A number you change when the key in `ca_private_key_pem_wo` changes. Terraform cannot see write-only " +
				"values between runs; this one is stored. Changing it alone does not replace the certificate.",
			Optional:   true,
			Validators: []validator.Int64{int64validator.AlsoRequires(path.MatchRoot(attrCAPrivateKeyPEMWO))},
		},
		attrCAPrivateKeyPassphrase: schema.StringAttribute{
			MarkdownDescription: "The passphrase of an encrypted CA key, such as the one `openssl genrsa -aes256` writes: PKCS#8 " +
				"`ENCRYPTED PRIVATE KEY` (OpenSSL 3) or legacy `Proc-Type: 4,ENCRYPTED` PEM (OpenSSL 1.x, `-traditional`). Works with " +
				"either CA key attribute. Issued keys are never encrypted: dockerd cannot read encrypted keys. Stored in the state (next " +
				"to the key it unlocks, with `ca_private_key_pem`); `ca_private_key_passphrase_wo` keeps it out. Changing it does not " +
				"replace the certificate.",
			Optional:  true,
			Sensitive: true,
		},
		attrCAPrivateKeyPassphraseWO: schema.StringAttribute{
			MarkdownDescription: "The passphrase of an encrypted CA key as a write-only attribute (Terraform 1.11 and later): never " +
				"stored in the plan or the state. Works with either CA key attribute, and needs no version attribute: a passphrase " +
				"never shapes the certificate. Only with `ca_private_key_pem_wo` as well are neither the key nor its passphrase stored. " +
				"Changing it does not replace the certificate.",
			Optional:   true,
			Sensitive:  true,
			WriteOnly:  true,
			Validators: []validator.String{stringvalidator.ConflictsWith(path.MatchRoot(attrCAPrivateKeyPassphrase))},
		},
		attrCertRequestPEM: schema.StringAttribute{
			MarkdownDescription: "A certificate signing request made on the host (`openssl req -new -key key.pem`), so that the " +
				"private key never leaves it. The CSR's signature is checked and only its public key is used: names, usages and the " +
				"subject come from this resource's arguments, and a CSR that asks for other names or for the CA flag is refused. " +
				"`private_key_pem` is then null. A CSR for another key replaces the certificate; a new CSR for the same key does not.",
			Optional:   true,
			Validators: []validator.String{csrValidator},
		},
		attrOrganization: organizationAttribute(subject),
		attrCAFingerprint: schema.StringAttribute{
			MarkdownDescription: "The SHA-256 fingerprint of the issuing CA's certificate, lower-case hex.",
			Computed:            true,
		},
		attrKeyAlgorithm:      keyAlgorithmAttribute(subject, "`cert_request_pem`"),
		attrValidityHours:     validityAttribute(leafDefaultValidityHours),
		attrEarlyRenewalHours: earlyRenewalAttribute(leafDefaultEarlyRenewalHours),
	}
}

// leafRules are the replacement rules every leaf has. The CA key is not
// among them: it must belong to ca_cert_pem, so the CA certificate decides.
func leafRules(e *env) []replacementRule {
	return []replacementRule{
		{attr: attrCACertPEM, same: sameCertificatePEM, keeps: e.stillIssuedBy},
		{attr: attrCertRequestPEM, same: sameCSRKey},
		{attr: attrOrganization},
		{attr: attrKeyAlgorithm, defaultValue: types.StringValue(string(pki.DefaultKeyAlgorithm))},
		{attr: attrValidityHours, defaultValue: wholeNumberOf(leafDefaultValidityHours)},
	}
}

var leafOutputNames = append(append([]string{}, certificateOutputNames...), attrCAFingerprint)

// sanFunc returns the names a leaf will carry, read from a plan or a
// configuration; ok is false while any is unknown.
type sanFunc func(ctx context.Context, from attributeGetter) (dnsNames []string, ips []net.IP, ok bool)

// attributeGetter is tfsdk.Config, tfsdk.Plan, tfsdk.State or *objectData.
type attributeGetter interface {
	GetAttribute(context.Context, path.Path, any) diag.Diagnostics
}

// readLeafInputs reads leafInputs and lifetimeInputs without requiring the
// rest of the model.
func readLeafInputs(ctx context.Context, from attributeGetter, in *leafInputs, life *lifetimeInputs, diags *diag.Diagnostics) {
	for name, target := range map[string]any{
		attrCACertPEM: &in.CACertPEM, attrCAPrivateKeyPEM: &in.CAPrivateKeyPEM, attrCAPrivateKeyPEMWO: &in.CAPrivateKeyPEMWO,
		attrCAPrivateKeyPassphrase: &in.CAPrivateKeyPassphrase, attrCAPrivateKeyPassphraseWO: &in.CAPassphraseWO, attrCertRequestPEM: &in.CertRequestPEM,
		attrKeyAlgorithm: &life.KeyAlgorithm, attrValidityHours: &life.ValidityPeriodHours, attrEarlyRenewalHours: &life.EarlyRenewalHours,
	} {
		diags.Append(from.GetAttribute(ctx, path.Root(name), target)...)
	}
}

// validateLeafConfig runs the checks every leaf shares that need more than
// one attribute: exactly one CA key, the lifetime, the CA key against the
// CA certificate, and the CSR's key against key_algorithm.
//
// The CA key check is written here rather than with the framework's
// ExactlyOneOf validator, which walks the whole configuration for each of
// the two attributes on every validation: a tenth of a plan's CPU.
func (c *certificateResource) validateLeafConfig(ctx context.Context, config attributeGetter, diags *diag.Diagnostics) {
	var in leafInputs
	var life lifetimeInputs
	readLeafInputs(ctx, config, &in, &life, diags)
	if diags.HasError() {
		return
	}
	checkOneCAKey(in, diags)
	if keyPEM, passphrase, ok := in.issuerKey(); ok && passphrase != nil {
		if _, encrypted, err := pki.ParsePrivateKeyPEMWithPassphrase(keyPEM, passphrase); err == nil && !encrypted {
			at := path.Root(attrCAPrivateKeyPassphrase)
			if in.CAPrivateKeyPassphrase.IsNull() {
				at = path.Root(attrCAPrivateKeyPassphraseWO)
			}
			diags.AddAttributeWarning(at, "A passphrase for a key that is not encrypted",
				at.String()+" is set, but the CA key is not encrypted, so the passphrase unlocks nothing: remove it (or give the encrypted key).")
		}
	}
	if !in.CAPrivateKeyPassphrase.IsNull() && !in.CAPrivateKeyPEMWO.IsNull() {
		diags.AddAttributeWarning(path.Root(attrCAPrivateKeyPassphrase), "The CA key's passphrase is stored while the key is not",
			"ca_private_key_pem_wo keeps the CA key out of the state, but ca_private_key_passphrase, which unlocks it, is stored "+
				"there in plain text on this certificate. Use ca_private_key_passphrase_wo instead to keep both out.")
	}
	if life.ValidityPeriodHours.IsNull() {
		life.ValidityPeriodHours = wholeNumberOf(leafDefaultValidityHours)
	}
	if life.EarlyRenewalHours.IsNull() {
		life.EarlyRenewalHours = wholeNumberOf(leafDefaultEarlyRenewalHours)
	}
	validateLifetime(life, diags)
	if keyPEM, pass, ok := in.issuerKey(); ok && known(in.CACertPEM) {
		// Malformed PEMs are reported by the attribute validators.
		if _, err := c.env.authorities.load(in.CACertPEM.ValueString(), keyPEM, pass); err != nil && !isPEMFormError(err) {
			addInputError(diags, err, in)
		}
	}
	checkKeyAlgorithmMatches(in.CertRequestPEM, life.KeyAlgorithm, csrKeys.algorithm, path.Root(attrCertRequestPEM), diags)
}

// checkOneCAKey requires exactly one of ca_private_key_pem and
// ca_private_key_pem_wo, once both are known.
func checkOneCAKey(in leafInputs, diags *diag.Diagnostics) {
	plain, writeOnly := in.CAPrivateKeyPEM, in.CAPrivateKeyPEMWO
	if plain.IsUnknown() || writeOnly.IsUnknown() {
		return
	}
	switch {
	case plain.IsNull() && writeOnly.IsNull():
		diags.AddAttributeError(pathCAPrivateKeyPEM, "The CA key is missing",
			"Set ca_private_key_pem to the issuing CA's private key (usually dockertls_ca.<name>.private_key_pem), or "+
				"ca_private_key_pem_wo with ca_private_key_pem_wo_version to keep it out of the state (Terraform 1.11 and later).")
	case !plain.IsNull() && !writeOnly.IsNull():
		diags.AddAttributeError(path.Root(attrCAPrivateKeyPEMWO), "Two CA keys are set",
			"Both ca_private_key_pem and ca_private_key_pem_wo are set: keep exactly one of them. ca_private_key_pem_wo keeps "+
				"the key out of the state; ca_private_key_pem stores it there.")
	}
}

// isPEMFormError reports errors an attribute validator already reports.
func isPEMFormError(err error) bool {
	return !errors.Is(err, pki.ErrKeyMismatch) && !errors.Is(err, pki.ErrEncryptedKey) && !errors.Is(err, pki.ErrWrongPassphrase) && !isCAError(err)
}

func isCAError(err error) bool {
	var ie *pki.InputError
	return errors.As(err, &ie) && ie.Input == pki.InputCACert
}

// checkKeyAlgorithmMatches refuses a key_algorithm that contradicts the
// algorithm of a key given by source (a CSR, a write-only key).
func checkKeyAlgorithmMatches(source types.String, alg types.String, algorithmOf func(string) (pki.KeyAlgorithm, error), at path.Path, diags *diag.Diagnostics) {
	if !known(source) || !known(alg) {
		return
	}
	got, err := algorithmOf(source.ValueString())
	if err == nil && string(got) != alg.ValueString() {
		diags.AddAttributeError(pathKeyAlgorithm, "key_algorithm does not match the key",
			fmt.Sprintf("key_algorithm is %s, but the key given in %s is %s: remove key_algorithm, or set it to %s.", alg.ValueString(), at, got, got))
	}
}

// planKeyAlgorithm plans key_algorithm when the configuration leaves it
// out: the algorithm of the key given by source, else the default.
func planKeyAlgorithm(ctx context.Context, config attributeGetter, plan attributeSetter, source types.String, algorithmOf func(string) (pki.KeyAlgorithm, error), diags *diag.Diagnostics) {
	var configured types.String
	diags.Append(config.GetAttribute(ctx, pathKeyAlgorithm, &configured)...)
	if !configured.IsNull() {
		return
	}
	alg := types.StringValue(string(pki.DefaultKeyAlgorithm))
	switch {
	case source.IsUnknown():
		alg = types.StringUnknown()
	case !source.IsNull():
		got, err := algorithmOf(source.ValueString())
		if err != nil {
			return // reported by the attribute's validator
		}
		alg = types.StringValue(string(got))
	}
	diags.Append(plan.SetAttribute(ctx, pathKeyAlgorithm, alg)...)
}

// addInputError attaches an error from the pki package to the attribute it
// is about.
func addInputError(diags *diag.Diagnostics, err error, in leafInputs) {
	var ie *pki.InputError
	if !errors.As(err, &ie) {
		diags.AddError("Invalid CA", err.Error())
		return
	}
	p := pathCACertPEM
	switch ie.Input {
	case pki.InputCAKey:
		p = pathCAPrivateKeyPEM
		if in.CAPrivateKeyPEM.IsNull() {
			p = path.Root(attrCAPrivateKeyPEMWO)
		}
		if errors.Is(err, pki.ErrWrongPassphrase) {
			p = path.Root(attrCAPrivateKeyPassphrase)
			if in.CAPrivateKeyPassphrase.IsNull() {
				p = path.Root(attrCAPrivateKeyPassphraseWO)
			}
		}
	case pki.InputCert:
		p = path.Root(attrCertRequestPEM)
	}
	msg := ie.Err.Error()
	if errors.Is(err, pki.ErrEncryptedKey) {
		msg = "the CA key is encrypted: set ca_private_key_passphrase to its passphrase"
	}
	diags.AddAttributeError(p, "Invalid "+p.String(), fmt.Sprintf("%s: %s", p, msg))
}

// planLeafCreate runs, at plan time and once the inputs are known, every
// check that would otherwise fail the apply: the CA must be valid now and
// its key must belong to it; the CSR may not ask for more than is granted;
// the names must satisfy the CA's name constraints; the leaf is clipped to
// the CA's expiry (with a warning); and the clipped lifetime must outlast
// the early renewal window, or every apply would replace it again. It also
// plans what is already known of the new certificate.
func (c *certificateResource) planLeafCreate(ctx context.Context, config attributeGetter, plan attributeSetter, diags *diag.Diagnostics) {
	var in leafInputs
	var life lifetimeInputs
	readLeafInputs(ctx, config, &in, &life, diags)
	readLeafInputs(ctx, plan, &leafInputs{}, &life, diags) // the lifetime with defaults applied
	if diags.HasError() {
		return
	}
	dns, ips, namesKnown := c.sanNames(ctx, plan)
	if known(in.CertRequestPEM) && namesKnown {
		if csr, err := pki.ParseCSRPEM(in.CertRequestPEM.ValueString()); err == nil {
			if err := pki.CheckCSRRequests(csr, dns, ips); err != nil {
				diags.AddAttributeError(path.Root(attrCertRequestPEM), "The CSR asks for more than this certificate grants", "cert_request_pem: "+err.Error())
			}
		}
	}
	if !known(in.CACertPEM) {
		return
	}
	ca, err := c.env.authorities.certificate(in.CACertPEM.ValueString())
	if err != nil {
		addInputError(diags, err, in)
		return
	}
	diags.Append(plan.SetAttribute(ctx, path.Root(attrCAFingerprint), pki.Fingerprint(ca))...)
	now := c.env.clock()
	if err := pki.CheckCAValidAt(ca, now); err != nil {
		addInputError(diags, err, in)
		return
	}
	if keyPEM, pass, ok := in.issuerKey(); ok {
		if _, err := c.env.authorities.load(in.CACertPEM.ValueString(), keyPEM, pass); err != nil {
			addInputError(diags, err, in)
			return
		}
	}
	if namesKnown {
		if err := pki.CheckNameConstraints(ca, dns, ips); err != nil {
			diags.AddAttributeError(path.Root(attrDNSNames), "A name is outside the CA's name constraints",
				err.Error()+". The CA cannot certify it (clients would reject the certificate): remove the name, or set include_loopback = false "+
					"if it is a loopback name, or widen the CA's permitted_dns_domains / permitted_ip_ranges.")
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
		lower := ""
		// Only a window of at least an hour leaves an early_renewal_hours
		// that works.
		if left := int64(notAfter.Sub(now).Hours()); left >= 1 {
			lower = fmt.Sprintf(" Or lower early_renewal_hours below %d.", left)
		}
		diags.AddAttributeError(pathEarlyRenewal, "The CA expires too soon to issue this certificate",
			fmt.Sprintf("The CA certificate %q expires at %s, so a %s issued now would expire then too and already be inside its "+
				"early renewal window (early_renewal_hours = %d): it would be replaced on every apply. %s%s",
				ca.Subject.CommonName, pki.FormatTime(ca.NotAfter), c.kind, life.EarlyRenewalHours.ValueInt64(),
				c.renewCAAdvice(ca, life.EarlyRenewalHours.ValueInt64()), lower))
	}
}

// renewCAAdvice says how to renew ca so that a leaf due early hours before
// its expiry can be issued: a dockertls_ca of this configuration renews
// itself, on its own key, once its own window opens; a CA made elsewhere is
// renewed there. When the provider has not seen the CA planned by a
// dockertls_ca, it cannot tell which, and says both.
func (c *certificateResource) renewCAAdvice(ca *x509.Certificate, early int64) string {
	managed := fmt.Sprintf("The CA is a dockertls_ca of this configuration, which renews itself on its own key once inside its "+
		"early renewal window: give it an early_renewal_hours of more than %d, so that it renews before its certificates must.", early)
	if c.env.isManagedCA(ca) {
		return managed
	}
	return fmt.Sprintf("If ca_cert_pem is a CA made outside Terraform (such as openssl's ca.pem), renew it there and pass the new "+
		"certificate (on the same key, the certificates issued under it stay valid). If it is a dockertls_ca's cert_pem, give that CA "+
		"an early_renewal_hours of more than %d, so that it renews itself before its certificates must.", early)
}

// planSuppliedKey plans what is known at plan time when the key comes from
// elsewhere (a CSR, a write-only key): its public key, and no private key.
func planSuppliedKey(ctx context.Context, plan attributeSetter, pub crypto.PublicKey, diags *diag.Diagnostics) {
	if pubPEM, err := pki.MarshalPublicKeyPEM(pub); err == nil {
		diags.Append(plan.SetAttribute(ctx, path.Root(attrPublicKeyPEM), pubPEM)...)
	}
	diags.Append(plan.SetAttribute(ctx, path.Root(attrPrivateKeyPEM), types.StringNull())...)
}

// sanNames returns the leaf's names, or none for a leaf without SANs.
func (c *certificateResource) sanNames(ctx context.Context, from attributeGetter) ([]string, []net.IP, bool) {
	if c.sans == nil {
		return nil, nil, true
	}
	return c.sans(ctx, from)
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
	life    *lifetimeInputs
	request pki.LeafRequest
	outputs *certificateOutputs
}

// createLeaf reads the plan into model, whose leafInputs, lifetimeInputs and
// certificateOutputs are given, takes the write-only CA key from the
// configuration (plans never hold it), issues the certificate with the
// request that build makes, and saves the model, never with the write-only
// key. Nothing is saved unless every step succeeds.
func (c *certificateResource) createLeaf(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse,
	model any, in *leafInputs, life *lifetimeInputs, out *certificateOutputs, build func() (pki.LeafRequest, bool),
) {
	resp.Diagnostics.Append(req.Plan.Get(ctx, model)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(attrCAPrivateKeyPEMWO), &in.CAPrivateKeyPEMWO)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(attrCAPrivateKeyPassphraseWO), &in.CAPassphraseWO)...)
	if resp.Diagnostics.HasError() {
		return
	}
	request, ok := build()
	if !ok {
		return
	}
	c.issueLeaf(ctx, leafIssue{inputs: in, life: life, request: request, outputs: out}, &resp.Diagnostics)
	in.CAPrivateKeyPEMWO, in.CAPassphraseWO = types.StringNull(), types.StringNull()
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, model)...)
}

// issueLeaf takes the public key from the CSR or generates a key pair, and
// issues the certificate under the CA.
func (c *certificateResource) issueLeaf(ctx context.Context, li leafIssue, diags *diag.Diagnostics) {
	keyPEM, pass, _ := li.inputs.issuerKey()
	auth, err := c.env.authorities.load(li.inputs.CACertPEM.ValueString(), keyPEM, pass)
	if err != nil {
		addInputError(diags, err, *li.inputs)
		return
	}
	generated, publicKey, ok := c.leafKey(li, diags)
	if !ok {
		return
	}
	now := c.env.clock()
	li.request.PublicKey = publicKey
	li.request.Validity = hours(li.life.ValidityPeriodHours)
	issued, err := auth.Issue(li.request, now, c.env.rand)
	if err != nil {
		addInputError(diags, err, *li.inputs)
		return
	}
	if issued.Clipped {
		diags.Append(clippedWarning(c.kind, auth.Certificate, *li.life))
	}
	if err := fillOutputs(li.outputs, issued, generated, hours(li.life.EarlyRenewalHours), now); err != nil {
		diags.AddError("Could not encode the certificate", err.Error())
		return
	}
	li.inputs.CASHA256Fingerprint = types.StringValue(auth.Fingerprint)
	alg, _ := pki.AlgorithmOf(publicKey)
	li.life.KeyAlgorithm = types.StringValue(string(alg))
	logIssued(ctx, c.kind, issued)
}

// leafKey returns the public key to certify: the CSR's (checked against
// the names granted), or that of a key generated now, which it returns too.
func (c *certificateResource) leafKey(li leafIssue, diags *diag.Diagnostics) (crypto.Signer, crypto.PublicKey, bool) {
	if csrPEM := li.inputs.CertRequestPEM; !csrPEM.IsNull() {
		csr, err := pki.ParseCSRPEM(csrPEM.ValueString())
		if err == nil {
			err = pki.CheckCSRRequests(csr, li.request.DNSNames, li.request.IPAddresses)
		}
		if err != nil {
			diags.AddAttributeError(path.Root(attrCertRequestPEM), "Invalid cert_request_pem", "cert_request_pem: "+err.Error())
			return nil, nil, false
		}
		return nil, csr.PublicKey, true
	}
	key, ok := c.generateKey(li.life.KeyAlgorithm, diags)
	if !ok {
		return nil, nil, false
	}
	return key, key.Public(), true
}

// modifyLeafPlan is the ModifyPlan of both leaf resources.
func (c *certificateResource) modifyLeafPlan(ctx context.Context, v *planView, resp *resource.ModifyPlanResponse) {
	outcome := c.planCertificate(ctx, v, resp, nil, func() { c.planLeafCreate(ctx, v.config, v.plan, &resp.Diagnostics) })
	if outcome == planKeep {
		c.planCAFingerprint(ctx, v, &resp.Diagnostics)
	}
}

// stillIssuedBy reports whether the leaf certificate in state stays valid
// under the planned ca_cert_pem: the CA was renewed on its own key (the
// same subject and public key as the CA in state) and its name constraints
// admit the leaf's names. Then every verifier accepts the leaf under either
// CA certificate, and the new one only needs recording.
//
// The CA certificates come from the authority cache: in a renewal every leaf
// of the fleet compares the same two.
func (e *env) stillIssuedBy(ctx context.Context, state attributeGetter, planned attr.Value) bool {
	var priorCA, leafPEM types.String
	if state.GetAttribute(ctx, pathCACertPEM, &priorCA).HasError() || state.GetAttribute(ctx, path.Root(attrCertPEM), &leafPEM).HasError() ||
		!known(priorCA) || !known(leafPEM) {
		return false
	}
	plannedPEM, ok := planned.(types.String)
	if !ok {
		return false
	}
	oldCA, err1 := e.authorities.certificate(priorCA.ValueString())
	newCA, err2 := e.authorities.certificate(plannedPEM.ValueString())
	leaf, err3 := pki.ParseCertificatePEM(leafPEM.ValueString())
	if err1 != nil || err2 != nil || err3 != nil {
		return false
	}
	return pki.SameAuthority(oldCA, newCA) && pki.IssuedBy(leaf, newCA) == nil
}

// planCAFingerprint plans ca_sha256_fingerprint from ca_cert_pem for a kept
// certificate, whose CA certificate may have been renewed on its key.
func (c *certificateResource) planCAFingerprint(ctx context.Context, v *planView, diags *diag.Diagnostics) {
	var caPEM types.String
	diags.Append(v.plan.GetAttribute(ctx, pathCACertPEM, &caPEM)...)
	if !known(caPEM) || pinned(ctx, v.config, attrCAFingerprint) {
		return
	}
	if ca, err := c.env.authorities.certificate(caPEM.ValueString()); err == nil {
		diags.Append(v.plan.SetAttribute(ctx, path.Root(attrCAFingerprint), pki.Fingerprint(ca))...)
	}
}
