package provider

import (
	"context"
	"crypto"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// certificateResource is the behaviour the three certificate resources
// share: planning replacement and renewal, refreshing ready_for_renewal,
// in-place updates of inputs that do not shape the certificate, and
// forgetting the certificate on destroy. Each resource embeds it and adds
// its schema, validation and issuance.
type certificateResource struct {
	env *env
	// kind names the certificate in messages: "CA certificate", ...
	kind string
	// importAdvice says why the resource is not imported and what to do
	// instead.
	importAdvice string
	// rules lists the inputs whose change replaces the certificate.
	rules []replacementRule
	// inPlace lists the inputs that do not shape the certificate, whose
	// change is an in-place update: with rules, every input of the schema
	// (TestEveryInputHasAReplacementRule).
	inPlace []string
	// outputs lists the computed attributes that a new certificate changes.
	outputs []string
	// sans returns the names of a leaf that carries them; nil otherwise.
	sans sanFunc
	// keys is the attribute that can supply the key instead of the
	// provider generating one.
	keys keySource
	// renewOnKey, when set, may plan the renewal of a due certificate as
	// an in-place update instead of a replacement (the CA renewing on its
	// own key). It plans every output itself and reports whether it did.
	// The leaves' half of same-key renewal is their ca_cert_pem rule's
	// keeps (env.stillIssuedBy); pki/renewal.go explains the whole.
	renewOnKey func(ctx context.Context, v *planView, due renewal, diags *diag.Diagnostics) bool
}

// keySource is an attribute that can supply a certificate's key: a CSR, or
// a private key held elsewhere.
type keySource struct {
	attr      string
	publicKey func(pemText string) (crypto.PublicKey, error)
}

func (k keySource) algorithm(pemText string) (pki.KeyAlgorithm, error) {
	pub, err := k.publicKey(pemText)
	if err != nil {
		return "", err
	}
	return pki.AlgorithmOf(pub)
}

// csrKeys and externalKeys are the key sources of the leaves and the CA.
var (
	csrKeys = keySource{attr: attrCertRequestPEM, publicKey: func(s string) (crypto.PublicKey, error) {
		csr, err := pki.ParseCSRPEM(s)
		if err != nil {
			return nil, err
		}
		return csr.PublicKey, nil
	}}
	externalKeys = keySource{attr: attrPrivateKeyPEMWO, publicKey: func(s string) (crypto.PublicKey, error) {
		key, err := pki.ParsePrivateKeyPEM(s)
		if err != nil {
			return nil, err
		}
		return key.Public(), nil
	}}
)

// planCertificate is the ModifyPlan of every certificate resource: it plans
// key_algorithm from the key source, runs check (if any) on the source's
// value, decides keep or replace, and for a new certificate plans what the
// supplied key already tells and runs onCreate (if any).
func (c *certificateResource) planCertificate(ctx context.Context, v *planView, resp *resource.ModifyPlanResponse,
	check func(source types.String), onCreate func(),
) planOutcome {
	if v.plan.IsNull() {
		return c.modifyPlan(ctx, v, resp)
	}
	var source types.String
	resp.Diagnostics.Append(v.config.GetAttribute(ctx, path.Root(c.keys.attr), &source)...)
	planKeyAlgorithm(ctx, v.config, v.plan, source, c.keys.algorithm, &resp.Diagnostics)
	if check != nil {
		check(source)
	}
	outcome := c.modifyPlan(ctx, v, resp)
	if outcome != planCreate {
		return outcome
	}
	if known(source) {
		if pub, err := c.keys.publicKey(source.ValueString()); err == nil {
			planSuppliedKey(ctx, v.plan, pub, &resp.Diagnostics)
		}
	}
	if onCreate != nil {
		onCreate()
	}
	return outcome
}

// defaultedAttributes are the inputs with defaults. A default applies when a
// certificate is created: when the configuration leaves one of them out,
// an existing certificate keeps the value it was made with, so that a new
// default in a later provider version (or removing an explicit value)
// never replaces certificates by itself.
var defaultedAttributes = []string{attrKeyAlgorithm, attrValidityHours, attrEarlyRenewalHours, attrIncludeLoopback, attrClientAuth}

// keepPriorDefaults plans the prior value of every defaulted attribute the
// configuration leaves out.
func keepPriorDefaults(ctx context.Context, v *planView, diags *diag.Diagnostics) {
	for _, name := range defaultedAttributes {
		p := path.Root(name)
		var configured, prior attr.Value
		if d := v.config.GetAttribute(ctx, p, &configured); d.HasError() {
			continue // not an attribute of this resource
		}
		diags.Append(v.state.GetAttribute(ctx, p, &prior)...)
		if configured != nil && configured.IsNull() && prior != nil && !prior.IsNull() && !prior.IsUnknown() {
			diags.Append(v.plan.SetAttribute(ctx, p, prior)...)
		}
	}
}

// planOutcome is what modifyPlan decided.
type planOutcome int

const (
	planDestroy planOutcome = iota
	planCreate
	planReplace
	planKeep // no change, or an in-place update of inputs like early_renewal_hours
)

// modifyPlan decides between keeping and replacing an existing certificate.
// It reads planned values from resp.Plan, so that values a resource derives
// before calling it (a default common name) count as planned.
//
// A replacement is planned when an input that shapes the certificate has
// changed in substance, or when the certificate is inside its renewal
// window (with a warning). Otherwise the outputs keep their prior values,
// so that an in-place update (say of early_renewal_hours) plans no
// "known after apply" values.
//
// Outputs that the configuration pins (Terraform passes the prior value as
// configuration for attributes named in lifecycle.ignore_changes) are never
// changed: planning anything else for them is an invalid plan.
func (c *certificateResource) modifyPlan(ctx context.Context, v *planView, resp *resource.ModifyPlanResponse) planOutcome {
	if v.plan.IsNull() {
		return planDestroy
	}
	if v.state.IsNull() {
		return planCreate
	}
	keepPriorDefaults(ctx, v, &resp.Diagnostics)
	var reasons path.Paths
	for _, rule := range c.rules {
		p := path.Root(rule.attr)
		var prior, planned attr.Value
		resp.Diagnostics.Append(v.state.GetAttribute(ctx, p, &prior)...)
		resp.Diagnostics.Append(v.plan.GetAttribute(ctx, p, &planned)...)
		if rule.replaces(ctx, v.state, prior, planned) {
			reasons = append(reasons, p)
		}
	}
	if resp.Diagnostics.HasError() {
		return planKeep
	}

	renewal := c.renewalState(ctx, v.state, v.plan, &resp.Diagnostics)
	if renewal.due && len(reasons) == 0 && c.renewOnKey != nil && c.renewOnKey(ctx, v, renewal, &resp.Diagnostics) {
		return planKeep
	}
	if renewal.due {
		replaceable := false
		for _, name := range renewalReplacePaths {
			if !pinned(ctx, v.config, name) {
				reasons = append(reasons, path.Root(name))
				replaceable = true
				break
			}
		}
		if replaceable {
			resp.Diagnostics.AddWarning(fmt.Sprintf("%s due for renewal: it will be replaced", titleCase(c.kind)), renewal.message(c.kind))
		} else {
			resp.Diagnostics.AddWarning(fmt.Sprintf("%s due for renewal, but ignored", titleCase(c.kind)),
				fmt.Sprintf("The %s %q (serial %s) expires at %s, but lifecycle.ignore_changes covers its outputs, so Terraform "+
					"will not replace it. Remove ignore_changes, or replace it with terraform apply -replace=ADDRESS.",
					c.kind, renewal.commonName, renewal.serial, pki.FormatTime(renewal.notAfter)))
		}
	}

	if len(reasons) > 0 {
		for _, name := range c.outputs {
			if !pinned(ctx, v.config, name) {
				resp.Diagnostics.Append(v.plan.SetAttribute(ctx, path.Root(name), unknownLike(ctx, v.state, name))...)
			}
		}
		resp.RequiresReplace.Append(reasons...)
		return planReplace
	}

	for _, name := range c.outputs {
		if pinned(ctx, v.config, name) {
			continue
		}
		var prior attr.Value
		resp.Diagnostics.Append(v.state.GetAttribute(ctx, path.Root(name), &prior)...)
		resp.Diagnostics.Append(v.plan.SetAttribute(ctx, path.Root(name), prior)...)
	}
	if !pinned(ctx, v.config, attrReadyForRenewal) {
		ready := types.BoolUnknown()
		if renewal.known {
			ready = types.BoolValue(renewal.due)
		}
		resp.Diagnostics.Append(v.plan.SetAttribute(ctx, path.Root(attrReadyForRenewal), ready)...)
	}
	return planKeep
}

// pinned reports whether the configuration holds a value for a computed
// attribute, which happens only through lifecycle.ignore_changes.
func pinned(ctx context.Context, config attributeGetter, name string) bool {
	var v attr.Value
	if diags := config.GetAttribute(ctx, path.Root(name), &v); diags.HasError() || v == nil {
		return false
	}
	return !v.IsNull()
}

func unknownLike(ctx context.Context, state attributeGetter, name string) attr.Value {
	var v attr.Value
	state.GetAttribute(ctx, path.Root(name), &v)
	if _, ok := v.(types.Bool); ok {
		return types.BoolUnknown()
	}
	return types.StringUnknown()
}

// Read refreshes ready_for_renewal and nothing else: a certificate does not
// change once issued, so refresh only notices the passing of time.
func (c *certificateResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r := c.renewalState(ctx, req.State, req.State, &resp.Diagnostics)
	if resp.Diagnostics.HasError() || !r.known {
		return
	}
	var prior types.Bool
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root(attrReadyForRenewal), &prior)...)
	if prior.IsNull() || prior.IsUnknown() || prior.ValueBool() != r.due {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(attrReadyForRenewal), r.due)...)
	}
}

// Update applies in-place changes. modifyPlan only plans an update when the
// certificate itself stays the same, with every output already known in the
// plan, so the plan becomes the new state as it is.
func (c *certificateResource) Update(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = req.Plan.Raw.Copy()
}

// Delete forgets the certificate. There is nothing to revoke: this provider
// keeps no revocation list, and dockerd reads none.
func (c *certificateResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

// generateKey makes a new key of the planned key_algorithm.
func (c *certificateResource) generateKey(alg types.String, diags *diag.Diagnostics) (crypto.Signer, bool) {
	a, err := pki.ParseKeyAlgorithm(alg.ValueString())
	if err != nil {
		diags.AddAttributeError(pathKeyAlgorithm, "Invalid key_algorithm", err.Error())
		return nil, false
	}
	key, err := pki.GenerateKey(a, c.env.rand)
	if err != nil {
		diags.AddError("Could not generate the "+c.kind+"'s key", err.Error())
		return nil, false
	}
	return key, true
}

// fillOutputs sets the computed attributes for a newly issued certificate.
// key is nil when the private key is held elsewhere.
func fillOutputs(out *certificateOutputs, issued *pki.Issued, key crypto.Signer, early time.Duration, now time.Time) error {
	cert := issued.Certificate
	pub, err := pki.MarshalPublicKeyPEM(cert.PublicKey)
	if err != nil {
		return err
	}
	out.PrivateKeyPEM = types.StringNull()
	if key != nil {
		keyPEM, err := pki.MarshalPrivateKeyPEM(key)
		if err != nil {
			return err
		}
		out.PrivateKeyPEM = types.StringValue(keyPEM)
	}
	serial := cert.SerialNumber.String()
	out.ID = types.StringValue(serial)
	out.CertPEM = types.StringValue(issued.CertPEM)
	out.PublicKeyPEM = types.StringValue(pub)
	out.SerialNumber = types.StringValue(serial)
	out.NotBefore = types.StringValue(pki.FormatTime(cert.NotBefore))
	out.NotAfter = types.StringValue(pki.FormatTime(cert.NotAfter))
	out.SHA256Fingerprint = types.StringValue(pki.Fingerprint(cert))
	out.ReadyForRenewal = types.BoolValue(pki.DueForRenewal(cert.NotAfter, early, now))
	return nil
}

// validateLifetime checks early_renewal_hours against validity_period_hours.
func validateLifetime(life lifetimeInputs, diags *diag.Diagnostics) {
	if life.ValidityPeriodHours.IsUnknown() || life.EarlyRenewalHours.IsUnknown() ||
		life.ValidityPeriodHours.IsNull() || life.EarlyRenewalHours.IsNull() {
		return
	}
	v, e := life.ValidityPeriodHours.ValueInt64(), life.EarlyRenewalHours.ValueInt64()
	// A validity under an hour is validity_period_hours' own error.
	if e >= v && v >= 1 {
		diags.AddAttributeError(path.Root(attrEarlyRenewalHours), "early_renewal_hours must be shorter than the validity",
			fmt.Sprintf("early_renewal_hours is %d but validity_period_hours is %d: the certificate would be due for renewal as soon "+
				"as it is issued and be replaced on every apply. Set early_renewal_hours below %d (for example %d).", e, v, v, v/10))
	}
}

func hours(v wholeNumber) time.Duration { return time.Duration(v.ValueInt64()) * time.Hour }

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func logIssued(ctx context.Context, kind string, issued *pki.Issued) {
	// Only public facts: never the model, which holds private keys.
	tflog.Info(ctx, "issued "+kind, map[string]any{
		"serial_number": issued.Certificate.SerialNumber.String(),
		"common_name":   issued.Certificate.Subject.CommonName,
		"not_after":     pki.FormatTime(issued.Certificate.NotAfter),
	})
}
