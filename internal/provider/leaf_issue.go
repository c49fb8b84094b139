package provider

import (
	"context"
	"crypto"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// Issuing a leaf certificate: its key (generated, or the CSR's) and the
// certificate from its CA.

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
