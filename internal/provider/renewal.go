package provider

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// Renewal, the plan side: when a certificate or CA is due, what the plan
// says of it, and when a leaf stays valid under its renewed CA.

// renewalReplacePaths are the outputs offered to Terraform as the reason for
// a renewal replacement, in order of preference. Terraform only honours a
// path whose planned value differs from the prior one, and an output named
// in ignore_changes keeps its prior value, so there is more than one.
var renewalReplacePaths = []string{attrNotAfter, attrCertPEM, attrSerialNumber, attrFingerprint, attrID}

// renewal is the state of a certificate with respect to its renewal window.
type renewal struct {
	known      bool
	due        bool
	commonName string
	serial     string
	notAfter   time.Time
	renewAt    time.Time
	early      int64
}

func (r renewal) message(kind string) string {
	return fmt.Sprintf("The %s %q (serial %s) expires at %s. It entered its early renewal window (early_renewal_hours = %d) at %s, "+
		"so this plan replaces it with a new one.\n\n"+
		"Whatever uses the old certificate must be given the new files: dockerd reads its TLS files only at start-up, so restart "+
		"it after writing them (dockertls_daemon_config's restart_trigger changes with the certificate for replace_triggered_by).",
		kind, r.commonName, r.serial, pki.FormatTime(r.notAfter), r.early, pki.FormatTime(r.renewAt))
}

// renewalState works out from the prior state's not_after and the planned
// early_renewal_hours whether the certificate is due for renewal now.
func (c *certificateResource) renewalState(ctx context.Context, state, plan attributeGetter, diags *diag.Diagnostics) renewal {
	var notAfter, cn, serial types.String
	var early wholeNumber
	diags.Append(state.GetAttribute(ctx, path.Root(attrNotAfter), &notAfter)...)
	diags.Append(state.GetAttribute(ctx, path.Root(attrSerialNumber), &serial)...)
	diags.Append(plan.GetAttribute(ctx, path.Root(attrEarlyRenewalHours), &early)...)
	// The subject's common name is not an output of every resource; use the
	// certificate's own when the attribute cannot be read.
	state.GetAttribute(ctx, path.Root(attrCommonName), &cn)
	if diags.HasError() || notAfter.IsNull() || notAfter.IsUnknown() || early.IsUnknown() || early.IsNull() {
		return renewal{}
	}
	t, err := time.Parse(time.RFC3339, notAfter.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root(attrNotAfter), "Unreadable not_after in state",
			fmt.Sprintf("The state's not_after %q is not an RFC 3339 time: %v. Taint the resource to replace it.", notAfter.ValueString(), err))
		return renewal{}
	}
	earlyDur := time.Duration(early.ValueInt64()) * time.Hour
	return renewal{
		known:      true,
		due:        pki.DueForRenewal(t, earlyDur, c.env.clock()),
		commonName: cn.ValueString(),
		serial:     serial.ValueString(),
		notAfter:   t,
		renewAt:    pki.RenewalAt(t, earlyDur),
		early:      early.ValueInt64(),
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
