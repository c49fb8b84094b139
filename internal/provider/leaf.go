package provider

import (
	"context"
	"net"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
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

// leafInPlace are the inputs of every leaf that change in place: the CA
// key signs the next certificate but does not shape this one (it must
// belong to ca_cert_pem, which has a rule), and the renewal window only
// decides when a new certificate is due.
var leafInPlace = []string{attrCAPrivateKeyPEM, attrCAPrivateKeyPEMWO, attrCAPrivateKeyPEMWOVersion, attrCAPrivateKeyPassphrase,
	attrCAPrivateKeyPassphraseWO, attrEarlyRenewalHours}

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
