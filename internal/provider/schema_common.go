package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// maxValidityHours caps validity_period_hours at 100 years: anything longer
// is a typo, and dates past 2049 force a different ASN.1 time encoding.
const maxValidityHours = 100 * 8760

// x509 upper bounds (RFC 5280 Appendix A) for the subject fields we write.
const (
	// maxSubjectNameLength is RFC 5280's bound on every name this provider
	// puts in a subject: ub-common-name, ub-organization-name and
	// ub-organizational-unit-name are all 64.
	maxSubjectNameLength  = pki.MaxSubjectNameLength
	maxCommonNameLength   = maxSubjectNameLength
	maxOrganizationLength = maxSubjectNameLength
)

// Attribute names shared by several resources.
const (
	attrCommonName        = "common_name"
	attrOrganization      = "organization"
	attrKeyAlgorithm      = "key_algorithm"
	attrValidityHours     = "validity_period_hours"
	attrEarlyRenewalHours = "early_renewal_hours"
	attrCACertPEM         = "ca_cert_pem"
	attrCAPrivateKeyPEM   = "ca_private_key_pem"
	attrCAFingerprint     = "ca_sha256_fingerprint"
	attrID                = "id"
	attrCertPEM           = "cert_pem"
	attrPrivateKeyPEM     = "private_key_pem"
	attrPublicKeyPEM      = "public_key_pem"
	attrSerialNumber      = "serial_number"
	attrNotBefore         = "not_before"
	attrNotAfter          = "not_after"
	attrFingerprint       = "sha256_fingerprint"
	attrReadyForRenewal   = "ready_for_renewal"
)

// Paths of the shared attributes.
var (
	pathKeyAlgorithm    = path.Root(attrKeyAlgorithm)
	pathValidity        = path.Root(attrValidityHours)
	pathEarlyRenewal    = path.Root(attrEarlyRenewalHours)
	pathCACertPEM       = path.Root(attrCACertPEM)
	pathCAPrivateKeyPEM = path.Root(attrCAPrivateKeyPEM)
)

// certificateOutputNames lists outputAttributes, the attributes a new
// certificate changes.
var certificateOutputNames = []string{
	attrID, attrCertPEM, attrPrivateKeyPEM, attrPublicKeyPEM, attrSerialNumber,
	attrNotBefore, attrNotAfter, attrFingerprint, attrReadyForRenewal,
}

// replacesNote ends the description of every input that shapes the
// certificate.
const replacesNote = " Changing it replaces the certificate."

// enumDescription lists the allowed values in a description, in the same
// order the validator accepts them.
func enumDescription(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = "`" + v + "`"
	}
	return "One of " + strings.Join(quoted, ", ") + "."
}

func keyAlgorithmNames() []string {
	algs := pki.KeyAlgorithms()
	names := make([]string, len(algs))
	for i, a := range algs {
		names[i] = string(a)
	}
	return names
}

// keyAlgorithmAttribute describes key_algorithm. It has no schema default:
// when the key comes from elsewhere (a CSR, a write-only key) the plan
// takes that key's algorithm, and otherwise planKeyAlgorithm plans the
// default.
func keyAlgorithmAttribute(subject, keySource string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: fmt.Sprintf("The type and size of the %s's key. %s Defaults to `%s`, or, with %s, to that key's "+
			"algorithm (and must match it if set).%s", subject, enumDescription(keyAlgorithmNames()), pki.DefaultKeyAlgorithm, keySource, replacesNote),
		Optional:   true,
		Computed:   true,
		Validators: []validator.String{stringvalidator.OneOf(keyAlgorithmNames()...)},
	}
}

func validityAttribute(defaultHours int64) schema.Int64Attribute {
	return schema.Int64Attribute{CustomType: wholeNumberType{},
		MarkdownDescription: fmt.Sprintf("How many hours the certificate is valid for, from the moment it is issued. "+
			"Between 1 and %d (100 years). Defaults to `%d` (%s).%s", maxValidityHours, defaultHours, humanHours(defaultHours), replacesNote),
		Optional:   true,
		Computed:   true,
		Default:    int64default.StaticInt64(defaultHours),
		Validators: []validator.Int64{int64validator.Between(1, maxValidityHours)},
	}
}

func earlyRenewalAttribute(defaultHours int64) schema.Int64Attribute {
	return schema.Int64Attribute{CustomType: wholeNumberType{},
		MarkdownDescription: fmt.Sprintf("How many hours before expiry the certificate becomes due for renewal. From then on "+
			"`ready_for_renewal` is true and every plan replaces the certificate, so a scheduled `terraform plan -detailed-exitcode` "+
			"exits 2. Must be shorter than `validity_period_hours`. Defaults to `%d` (%s). Changing it does not replace the certificate.",
			defaultHours, humanHours(defaultHours)),
		Optional:   true,
		Computed:   true,
		Default:    int64default.StaticInt64(defaultHours),
		Validators: []validator.Int64{int64validator.AtLeast(0)},
	}
}

func humanHours(h int64) string {
	switch {
	case h%8760 == 0:
		return plural(h/8760, "year")
	case h%24 == 0:
		return plural(h/24, "day")
	}
	return plural(h, "hour")
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func organizationAttribute(subject string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: fmt.Sprintf("The organization (O) in the %s's subject. At most %d characters.%s", subject, maxOrganizationLength, replacesNote),
		Optional:            true,
		Validators:          subjectTextValidators(),
	}
}

func boolAttribute(description string, def bool) schema.BoolAttribute {
	return schema.BoolAttribute{
		MarkdownDescription: fmt.Sprintf("%s Defaults to `%t`.%s", description, def, replacesNote),
		Optional:            true,
		Computed:            true,
		Default:             booldefault.StaticBool(def),
	}
}

// outputAttributes are the computed attributes of every certificate
// resource. subject is "CA" or "server certificate" and so on.
func outputAttributes(subject string) map[string]schema.Attribute {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	return map[string]schema.Attribute{
		attrID: computed("The serial number, in decimal, of the first certificate this resource issued: the same as " +
			"`serial_number` until a CA renews on its own key, which keeps the resource (and its id) and changes `serial_number`."),
		attrCertPEM:      computed(fmt.Sprintf("The %s certificate, PEM-encoded.", subject)),
		attrPublicKeyPEM: computed(fmt.Sprintf("The %s's public key, PEM-encoded (PKIX `PUBLIC KEY`).", subject)),
		attrPrivateKeyPEM: schema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("The %s's private key, PEM-encoded as unencrypted PKCS#8 (`PRIVATE KEY`), "+
				"the form dockerd and the docker CLI read. Sensitive, and stored in the Terraform state.", subject),
			Computed:  true,
			Sensitive: true,
		},
		attrSerialNumber: computed("The certificate's serial number in decimal."),
		attrNotBefore:    computed("The start of the validity period, RFC 3339 in UTC. Backdated 5 minutes from issuance so hosts with a slow clock accept it."),
		attrNotAfter:     computed("The end of the validity period, RFC 3339 in UTC."),
		attrFingerprint:  computed("The SHA-256 fingerprint of the certificate (DER), lower-case hex without separators."),
		attrReadyForRenewal: schema.BoolAttribute{
			MarkdownDescription: "Whether the certificate is inside its early renewal window (`early_renewal_hours` before `not_after`) " +
				"or past it. When true, the next plan replaces the certificate and warns.",
			Computed: true,
		},
	}
}

// certificateOutputs is the model of outputAttributes.
type certificateOutputs struct {
	ID                types.String `tfsdk:"id"`
	CertPEM           types.String `tfsdk:"cert_pem"`
	PrivateKeyPEM     types.String `tfsdk:"private_key_pem"`
	PublicKeyPEM      types.String `tfsdk:"public_key_pem"`
	SerialNumber      types.String `tfsdk:"serial_number"`
	NotBefore         types.String `tfsdk:"not_before"`
	NotAfter          types.String `tfsdk:"not_after"`
	SHA256Fingerprint types.String `tfsdk:"sha256_fingerprint"`
	ReadyForRenewal   types.Bool   `tfsdk:"ready_for_renewal"`
}

// lifetimeInputs is the model of the key and validity inputs every
// certificate resource has.
type lifetimeInputs struct {
	KeyAlgorithm        types.String `tfsdk:"key_algorithm"`
	ValidityPeriodHours wholeNumber  `tfsdk:"validity_period_hours"`
	EarlyRenewalHours   wholeNumber  `tfsdk:"early_renewal_hours"`
}

func mergeAttributes(maps ...map[string]schema.Attribute) map[string]schema.Attribute {
	out := map[string]schema.Attribute{}
	for _, m := range maps {
		for k, v := range m {
			if _, dup := out[k]; dup {
				panic("duplicate schema attribute " + k)
			}
			out[k] = v
		}
	}
	return out
}
