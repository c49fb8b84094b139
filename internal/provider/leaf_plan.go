package provider

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"net"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// A leaf certificate's plan: its configuration checked against its CA, its
// key algorithm and names planned, and its CA fingerprint kept across a CA
// renewal.

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

// modifyLeafPlan is the ModifyPlan of both leaf resources.
func (c *certificateResource) modifyLeafPlan(ctx context.Context, v *planView, resp *resource.ModifyPlanResponse) {
	outcome := c.planCertificate(ctx, v, resp, nil, func() { c.planLeafCreate(ctx, v.config, v.plan, &resp.Diagnostics) })
	if outcome == planKeep {
		c.planCAFingerprint(ctx, v, &resp.Diagnostics)
	}
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
