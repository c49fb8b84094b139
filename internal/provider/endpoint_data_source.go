package provider

import (
	"context"
	"crypto/tls"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

var _ datasource.DataSource = (*endpointDataSource)(nil)

const defaultEndpointTimeoutSeconds = 10

type endpointDataSource struct {
	env *env
}

type endpointModel struct {
	Host           types.String `tfsdk:"host"`
	CACertPEM      types.String `tfsdk:"ca_cert_pem"`
	ClientCertPEM  types.String `tfsdk:"client_cert_pem"`
	ClientKeyPEM   types.String `tfsdk:"client_key_pem"`
	ServerName     types.String `tfsdk:"server_name"`
	TimeoutSeconds wholeNumber  `tfsdk:"timeout_seconds"`

	ID                types.String `tfsdk:"id"`
	SHA256Fingerprint types.String `tfsdk:"sha256_fingerprint"`
	SerialNumber      types.String `tfsdk:"serial_number"`
	CommonName        types.String `tfsdk:"common_name"`
	NotBefore         types.String `tfsdk:"not_before"`
	NotAfter          types.String `tfsdk:"not_after"`
	DNSNames          types.List   `tfsdk:"dns_names"`
	IPAddresses       types.List   `tfsdk:"ip_addresses"`
	Verified          types.Bool   `tfsdk:"verified"`
	VerifyError       types.String `tfsdk:"verification_error"`
	TLSVersion        types.String `tfsdk:"tls_version"`
	ClientAccepted    types.Bool   `tfsdk:"client_accepted"`
	ClientRefusal     types.String `tfsdk:"client_refusal"`
}

func (d *endpointDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_endpoint"
}

func (d *endpointDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Connects to a running daemon's TLS endpoint when it is read (at plan time, when its arguments are " +
			"known) and reports the certificate the daemon actually serves. dockerd loads its TLS files only at start-up, so a host " +
			"that was given renewed files but not restarted still serves the old certificate: compare `sha256_fingerprint` with " +
			"the `dockertls_server_cert`'s in a postcondition to catch it.\n\n" +
			"Given a client certificate, it also reports whether the daemon admits it (`client_accepted`), which is how a `check` " +
			"block proves that a revoked client key is shut out: under TLS 1.3 a daemon refuses a client certificate only after the " +
			"client's side of the handshake has completed, so the data source then makes one request, `GET /_ping`, and reads the " +
			"answer. Without a client certificate it only completes a TLS handshake and sends no request.",
		Attributes: map[string]schema.Attribute{
			"host": schema.StringAttribute{
				MarkdownDescription: "The daemon's address, `tcp://HOST:PORT`.", Required: true,
				Validators: []validator.String{tcpHostValidator},
			},
			"ca_cert_pem": schema.StringAttribute{
				MarkdownDescription: "The CA certificates to verify the served certificate against, PEM: one, or a trust bundle of " +
					"several concatenated, as the client's `ca.pem` holds while a new CA is rolled out (the served certificate must " +
					"chain to one of them). " + caBundleRules,
				Required:   true,
				Validators: []validator.String{caBundleValidator},
			},
			"client_cert_pem": schema.StringAttribute{
				MarkdownDescription: "A client certificate to present, PEM, as the docker CLI presents it: only when its issuer is among " +
					"the CAs the daemon accepts clients of. Given, `client_accepted` reports whether the daemon admits it.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.AlsoRequires(path.MatchRoot("client_key_pem"))},
			},
			"client_key_pem": schema.StringAttribute{
				MarkdownDescription: "The client certificate's private key, PEM.", Optional: true, Sensitive: true,
				Validators: []validator.String{stringvalidator.AlsoRequires(path.MatchRoot("client_cert_pem"))},
			},
			"server_name": schema.StringAttribute{
				MarkdownDescription: "The name to verify the certificate for, when clients use another name than `host`'s (for example, " +
					"probing through a tunnel). Defaults to the host of `host`.",
				Optional: true,
			},
			"timeout_seconds": schema.Int64Attribute{CustomType: wholeNumberType{},
				MarkdownDescription: "How long to wait for the connection and handshake, in seconds, from 1 to 120. Defaults to `10`.",
				Optional:            true, Validators: []validator.Int64{int64validator.Between(1, 120)},
			},
			"id":                 computedString("The host, as given in `host`."),
			"sha256_fingerprint": computedString("The SHA-256 fingerprint of the served certificate, lower-case hex, as the certificate resources report it."),
			"serial_number":      computedString("The served certificate's serial number, decimal."),
			"common_name":        computedString("The served certificate's subject common name."),
			"not_before":         computedString("The served certificate's notBefore, RFC 3339 UTC."),
			"not_after":          computedString("The served certificate's notAfter, RFC 3339 UTC."),
			"dns_names":          schema.ListAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: "The served certificate's DNS SANs."},
			"ip_addresses":       schema.ListAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: "The served certificate's IP SANs."},
			"verified": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the served certificate chains to `ca_cert_pem` " +
				"for serverAuth and names the host (or `server_name`), as the docker CLI would check it."},
			"verification_error": computedString("Why verification failed, worded as the client's error; null when `verified`."),
			"tls_version":        computedString("The negotiated TLS version, such as `TLS 1.3`; null when the daemon refused the client during the handshake (TLS 1.2)."),
			"client_accepted": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the daemon admits `client_cert_pem`: " +
				"true when it answered `GET /_ping` on a connection that presented it, false only when it refused the client with a TLS " +
				"alert (in the TLS 1.2 handshake, or in answer to the request under TLS 1.3). Null without a client certificate, and " +
				"null when the daemon neither answered nor refused (a timeout, a reset, an early close): not knowing is not a refusal, " +
				"and `client_refusal` says what happened. A `check` block asserting `client_accepted == false` for a revoked key on " +
				"every host proves that it is shut out everywhere, and fails when that cannot be told."},
			"client_refusal": computedString("Why the daemon did not admit `client_cert_pem`, such as `remote error: tls: bad certificate`, " +
				"and whether the client withheld it because the daemon does not accept its issuer; or, with `client_accepted` null, why that " +
				"could not be told. Null when admitted or without a client certificate."),
		},
	}
}

func (d *endpointDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m endpointModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	host, err := dockerconf.ParseHost(m.Host.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("host"), "Invalid host", err.Error())
		return
	}
	cas, err := pki.ParseCABundlePEM(m.CACertPEM.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("ca_cert_pem"), "Invalid ca_cert_pem", "ca_cert_pem: "+err.Error())
		return
	}
	probe := dockerconf.ProbeRequest{Host: host, ServerName: m.ServerName.ValueString(), CAs: cas, Timeout: defaultEndpointTimeoutSeconds * time.Second}
	if !m.TimeoutSeconds.IsNull() {
		probe.Timeout = time.Duration(m.TimeoutSeconds.ValueInt64()) * time.Second
	}
	if !m.ClientCertPEM.IsNull() {
		pair, err := tls.X509KeyPair([]byte(m.ClientCertPEM.ValueString()), []byte(m.ClientKeyPEM.ValueString()))
		if err != nil {
			// tls's messages name the problem, never the key's bytes.
			resp.Diagnostics.AddAttributeError(path.Root("client_key_pem"), "Unusable client certificate",
				"client_cert_pem and client_key_pem do not form a usable pair: "+err.Error())
			return
		}
		probe.ClientCert = &pair
	}
	report, err := dockerconf.Probe(ctx, probe)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("host"), "Could not reach the Docker TLS endpoint", err.Error())
		return
	}
	cert := report.Certificate
	ips := make([]string, 0, len(cert.IPAddresses))
	for _, ip := range cert.IPAddresses {
		ips = append(ips, ip.String())
	}
	dnsVal, diags := types.ListValueFrom(ctx, types.StringType, append([]string{}, cert.DNSNames...))
	resp.Diagnostics.Append(diags...)
	ipVal, diags := types.ListValueFrom(ctx, types.StringType, ips)
	resp.Diagnostics.Append(diags...)

	m.ID = m.Host
	m.SHA256Fingerprint = types.StringValue(pki.Fingerprint(cert))
	m.SerialNumber = types.StringValue(cert.SerialNumber.String())
	m.CommonName = types.StringValue(cert.Subject.CommonName)
	m.NotBefore = types.StringValue(pki.FormatTime(cert.NotBefore))
	m.NotAfter = types.StringValue(pki.FormatTime(cert.NotAfter))
	m.DNSNames = dnsVal
	m.IPAddresses = ipVal
	m.Verified = types.BoolValue(report.VerifyError == nil)
	m.VerifyError = types.StringNull()
	if report.VerifyError != nil {
		m.VerifyError = types.StringValue(report.VerifyError.Error())
	}
	m.TLSVersion = types.StringNull()
	if report.TLSVersion != "" {
		m.TLSVersion = types.StringValue(report.TLSVersion)
	}
	m.ClientAccepted, m.ClientRefusal = types.BoolNull(), types.StringNull()
	if report.ClientAccepted != nil {
		m.ClientAccepted = types.BoolValue(*report.ClientAccepted)
	}
	if report.ClientRefusal != nil {
		m.ClientRefusal = types.StringValue(report.ClientRefusal.Error())
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
