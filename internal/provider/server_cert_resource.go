package provider

import (
	"context"
	"fmt"
	"net"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

var (
	_ resource.Resource                   = (*serverCertResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*serverCertResource)(nil)
	_ resource.ResourceWithValidateConfig = (*serverCertResource)(nil)
	_ resource.ResourceWithUpgradeState   = (*serverCertResource)(nil)
)

const (
	attrDNSNames        = "dns_names"
	attrIPAddresses     = "ip_addresses"
	attrIncludeLoopback = "include_loopback"
	attrClientAuth      = "client_auth"
)

type serverCertResource struct {
	certificateResource
}

type serverCertModel struct {
	DNSNames        types.List   `tfsdk:"dns_names"`
	IPAddresses     types.List   `tfsdk:"ip_addresses"`
	IncludeLoopback types.Bool   `tfsdk:"include_loopback"`
	CommonName      types.String `tfsdk:"common_name"`
	ClientAuth      types.Bool   `tfsdk:"client_auth"`
	leafInputs
	lifetimeInputs
	certificateOutputs
}

func newServerCertResource(e *env) *serverCertResource {
	return &serverCertResource{certificateResource{
		env:          e,
		kind:         "server certificate",
		importAdvice: serverCertImportAdvice,
		rules: append(leafRules(e),
			replacementRule{attr: attrDNSNames},
			replacementRule{attr: attrIPAddresses, same: sameIPList},
			replacementRule{attr: attrIncludeLoopback, defaultValue: types.BoolValue(true)},
			replacementRule{attr: attrCommonName},
			replacementRule{attr: attrClientAuth, defaultValue: types.BoolValue(false)},
		),
		inPlace: leafInPlace,
		outputs: leafOutputNames,
		keys:    csrKeys,
		sans:    serverSANs,
	}}
}

// serverSANs returns the names a server certificate carries: the DNS names
// and addresses given, plus the loopback names unless include_loopback is
// false.
func serverSANs(ctx context.Context, from attributeGetter) ([]string, []net.IP, bool) {
	var dns, ips types.List
	var loopback types.Bool
	var diags diag.Diagnostics
	diags.Append(from.GetAttribute(ctx, path.Root(attrDNSNames), &dns)...)
	diags.Append(from.GetAttribute(ctx, path.Root(attrIPAddresses), &ips)...)
	diags.Append(from.GetAttribute(ctx, path.Root(attrIncludeLoopback), &loopback)...)
	if diags.HasError() {
		return nil, nil, false
	}
	return serverNames(dns, ips, loopback)
}

// profile is the server certificate's profile for values already read
// (include_loopback null is its default, true); ok is false while any is
// unknown.
func serverProfile(dns, ips types.List, loopback types.Bool) (pki.ServerProfile, bool) {
	if dns.IsUnknown() || ips.IsUnknown() || loopback.IsUnknown() || anyUnknown(dns) || anyUnknown(ips) {
		return pki.ServerProfile{}, false
	}
	return pki.ServerProfile{
		DNSNames: stringsOf(dns), IPAddresses: stringsOf(ips), IncludeLoopback: loopback.IsNull() || loopback.ValueBool(),
	}, true
}

// serverNames is serverSANs for values already read; ok is false while any
// is unknown or an address does not parse (its validator reports it).
func serverNames(dns, ips types.List, loopback types.Bool) (names []string, parsed []net.IP, ok bool) {
	p, ok := serverProfile(dns, ips, loopback)
	if !ok {
		return nil, nil, false
	}
	names, parsed, err := p.Names()
	return names, parsed, err == nil
}

func (r *serverCertResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_cert"
}

func (r *serverCertResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version: schemaVersion,
		MarkdownDescription: "A certificate and key for dockerd's TLS socket (`tlscert` and `tlskey`), signed by a `dockertls_ca`.\n\n" +
			"Every name goes into the subjectAltName extension, addresses as IP SANs and host names as DNS SANs, because the docker " +
			"CLI (Go) ignores the Common Name and matches the host of `DOCKER_HOST` against the SANs only. The certificate carries " +
			"extended key usage serverAuth (plus clientAuth with `client_auth`), keyUsage digitalSignature (plus keyEncipherment for " +
			"RSA keys), the CA's key identifier, a random 159-bit serial, and a notBefore 5 minutes in the past for hosts whose clock " +
			"runs behind. It never outlives its CA.",
		Attributes: mergeAttributes(map[string]schema.Attribute{
			attrDNSNames: schema.ListAttribute{
				ElementType: types.StringType,
				MarkdownDescription: "Host names clients use to reach the daemon, such as `docker1.example.internal`, written into " +
					"DNS SANs. A single `*` as the leftmost label (`*.nodes.example.internal`) is allowed. No trailing dots, no " +
					"IP addresses (use `ip_addresses`), no duplicates." + replacesNote,
				Optional: true,
				Validators: []validator.List{
					listvalidator.ValueStringsAre(dnsNameValidator),
					uniqueNamesValidator{normalize: lowerASCII},
				},
			},
			attrIPAddresses: schema.ListAttribute{
				ElementType: types.StringType,
				MarkdownDescription: "IPv4 and IPv6 addresses clients use to reach the daemon, such as `10.0.0.5`, written into IP " +
					"SANs: a client that connects to `tcp://10.0.0.5:2376` needs exactly this. No zones (`%eth0`), no duplicates. " +
					"The same address written differently (`::1` and `0:0:0:0:0:0:0:1`) does not replace the certificate." + replacesNote,
				Optional: true,
				Validators: []validator.List{
					listvalidator.ValueStringsAre(ipAddressValidator),
					uniqueNamesValidator{normalize: normalizeIP},
				},
			},
			attrIncludeLoopback: boolAttribute("Also add `localhost`, `127.0.0.1` and `::1` to the SANs, so the docker CLI on the host "+
				"itself can use the TCP socket.", true),
			attrCommonName: schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The subject's common name (CN). Clients ignore it for name matching; it labels the "+
					"certificate for people. Defaults to the first of `dns_names`, else the first of `ip_addresses`, else `localhost`. "+
					"At most %d characters.%s", maxCommonNameLength, replacesNote),
				Optional:   true,
				Computed:   true,
				Validators: subjectTextValidators(),
			},
			attrClientAuth: boolAttribute("Also grant the clientAuth extended key usage, for nodes that both serve and "+
				"connect to other daemons (swarm managers, for example). Leave it off for a plain Docker host.", false),
		}, leafAttributes("server certificate"), outputAttributes("server")),
	}
}

func (r *serverCertResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	config, ok := decodeConfig(req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	r.validateLeafConfig(ctx, config, &resp.Diagnostics)
	var dns, ips types.List
	var loopback types.Bool
	resp.Diagnostics.Append(config.GetAttribute(ctx, path.Root(attrDNSNames), &dns)...)
	resp.Diagnostics.Append(config.GetAttribute(ctx, path.Root(attrIPAddresses), &ips)...)
	resp.Diagnostics.Append(config.GetAttribute(ctx, path.Root(attrIncludeLoopback), &loopback)...)
	if resp.Diagnostics.HasError() || loopback.IsUnknown() || dns.IsUnknown() || ips.IsUnknown() {
		return
	}
	if loopback.IsNull() || loopback.ValueBool() {
		return
	}
	if len(dns.Elements()) == 0 && len(ips.Elements()) == 0 {
		resp.Diagnostics.AddAttributeError(path.Root(attrDNSNames), "A server certificate needs at least one name",
			"With include_loopback = false and no dns_names or ip_addresses the certificate would have no subjectAltName, and the "+
				"docker CLI would refuse it (\"certificate relies on legacy Common Name field\"). Add the host's names to dns_names "+
				"and its addresses to ip_addresses, or set include_loopback = true.")
	}
}

func (r *serverCertResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	withPlanView(req, resp, func(v *planView) {
		if !v.plan.IsNull() {
			r.planCommonName(ctx, v.config, v.plan, &resp.Diagnostics)
		}
		r.modifyLeafPlan(ctx, v, resp)
	})
}

// planCommonName fills in the default common name when the configuration
// gives none, so that it is known at plan time and does not show as a
// change.
func (r *serverCertResource) planCommonName(ctx context.Context, config attributeGetter, plan attributeSetter, diags *diag.Diagnostics) {
	var cn types.String
	var dns, ips types.List
	diags.Append(config.GetAttribute(ctx, path.Root(attrCommonName), &cn)...)
	diags.Append(plan.GetAttribute(ctx, path.Root(attrDNSNames), &dns)...)
	diags.Append(plan.GetAttribute(ctx, path.Root(attrIPAddresses), &ips)...)
	if !cn.IsNull() || dns.IsUnknown() || ips.IsUnknown() || anyUnknown(dns) || anyUnknown(ips) {
		return
	}
	diags.Append(plan.SetAttribute(ctx, path.Root(attrCommonName), pki.DefaultServerCommonName(stringsOf(dns), stringsOf(ips)))...)
}

func (r *serverCertResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m serverCertModel
	r.createLeaf(ctx, req, resp, &m, &m.leafInputs, &m.lifetimeInputs, &m.certificateOutputs, func() (pki.LeafRequest, bool) {
		profile, ok := serverProfile(m.DNSNames, m.IPAddresses, m.IncludeLoopback)
		profile.Subject = pki.Subject{CommonName: m.CommonName.ValueString(), Organization: m.Organization.ValueString()}
		profile.ClientAuth = m.ClientAuth.ValueBool()
		request, err := profile.Request()
		if !ok || err != nil {
			resp.Diagnostics.AddAttributeError(path.Root(attrIPAddresses), "Invalid names", "dns_names or ip_addresses could not be read: check them")
			return pki.LeafRequest{}, false
		}
		return request, true
	})
}
