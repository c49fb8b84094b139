package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	p "github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/dockerconf"
)

// The arguments the servers beside dockerd (buildkitd, the registry) share
// with dockertls_daemon_config, and those their clients share with
// dockertls_client_config: written once, named alike.

// serverTLSModel is a server's TLS files: where they go and what they hold.
type serverTLSModel struct {
	TLSDir          types.String `tfsdk:"tls_dir"`
	CACertPath      types.String `tfsdk:"ca_cert_path"`
	CertPath        types.String `tfsdk:"cert_path"`
	KeyPath         types.String `tfsdk:"key_path"`
	CACertPEM       types.String `tfsdk:"ca_cert_pem"`
	ClientCACertPEM types.String `tfsdk:"client_ca_cert_pem"`
	ServerCertPEM   types.String `tfsdk:"server_cert_pem"`
	ServerKeyPEM    types.String `tfsdk:"server_key_pem"`
}

// serverTLSAttributes are serverTLSModel's arguments for program, whose
// files go to defaultDir by default.
func serverTLSAttributes(program, defaultDir string) map[string]schema.Attribute {
	optional := func(desc string, validators ...validator.String) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Optional: true, Validators: validators}
	}
	return map[string]schema.Attribute{
		"tls_dir": optional("The directory of the TLS files on the host, holding `ca.pem`, `server-cert.pem` and `server-key.pem` " +
			"(the names `dockertls_daemon_config` uses). Absolute. Defaults to `" + defaultDir + "`."),
		"ca_cert_path": optional("Overrides the client trust's path. Absolute. Defaults to `<tls_dir>/ca.pem`."),
		"cert_path":    optional("Overrides the server certificate's path. Absolute. Defaults to `<tls_dir>/server-cert.pem`."),
		"key_path":     optional("Overrides the server key's path. Absolute. Defaults to `<tls_dir>/server-key.pem`."),
		"ca_cert_pem": schema.StringAttribute{
			MarkdownDescription: "The CA certificates of the TLS setup, PEM: one, or a trust bundle of several concatenated while a " +
				"new CA is rolled out. " + caBundleRules + " `server_cert_pem` must chain to one of them. Unless `client_ca_cert_pem` " +
				"is set, they are also the issuers whose clients " + program + " admits, and `files[\"ca.pem\"]` holds the whole bundle.",
			Required: true, Validators: []validator.String{caBundleValidator},
		},
		"client_ca_cert_pem": optional("The issuers whose clients "+program+" admits, when they are not the CA of its own "+
			"certificate, as for `dockertls_daemon_config`: a per-team issuer, so that retiring it (revocation by issuer) shuts out "+
			"exactly its clients. It becomes `files[\"ca.pem\"]`. "+caBundleRules, caBundleValidator),
		"server_cert_pem": schema.StringAttribute{
			MarkdownDescription: "The server certificate, PEM: a `dockertls_server_cert` whose SANs are the names clients connect by. " +
				"Checked against `ca_cert_pem` (chain, serverAuth, validity) and added to `files`.",
			Required: true, Validators: []validator.String{notEmptyValidator},
		},
		"server_key_pem": schema.StringAttribute{
			MarkdownDescription: "The server's private key, PEM, unencrypted. When given, it is checked against `server_cert_pem` " +
				"and added to `files` (in `sensitive_content`); leave it out to deliver the key another way (keys out of state).",
			Optional: true, Sensitive: true,
			Validators: []validator.String{stringvalidator.AlsoRequires(p.MatchRoot("server_cert_pem"))},
		},
	}
}

// pending are the fields of m whose values are not known yet.
func (m serverTLSModel) pending() map[dockerconf.Field]attr.Value {
	return map[dockerconf.Field]attr.Value{
		dockerconf.FieldTLSDir: m.TLSDir, dockerconf.FieldCACertPath: m.CACertPath, dockerconf.FieldCertPath: m.CertPath,
		dockerconf.FieldKeyPath: m.KeyPath, dockerconf.FieldCACert: m.CACertPEM, dockerconf.FieldClientCACert: m.ClientCACertPEM,
		dockerconf.FieldServerCert: m.ServerCertPEM, dockerconf.FieldServerKey: m.ServerKeyPEM,
	}
}

// material is the PEM arguments; what is null is empty.
func (m serverTLSModel) material() dockerconf.ServerMaterial {
	return dockerconf.ServerMaterial{
		CACertPEM: m.CACertPEM.ValueString(), ClientCACertPEM: m.ClientCACertPEM.ValueString(),
		CertPEM: m.ServerCertPEM.ValueString(), KeyPEM: m.ServerKeyPEM.ValueString(),
	}
}

// clientTLSModel is a client's certificate, key and the trust it checks
// the server with.
type clientTLSModel struct {
	CACertPEM       types.String `tfsdk:"ca_cert_pem"`
	ClientCACertPEM types.String `tfsdk:"client_ca_cert_pem"`
	ClientCertPEM   types.String `tfsdk:"client_cert_pem"`
	ClientKeyPEM    types.String `tfsdk:"client_key_pem"`
	ServerCertPEM   types.String `tfsdk:"server_cert_pem"`
}

// clientTLSAttributes are clientTLSModel's arguments for a client of
// server; serverCheck says what server_cert_pem is checked for.
func clientTLSAttributes(server, serverCheck string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"ca_cert_pem": schema.StringAttribute{
			MarkdownDescription: "The CA certificates the client trusts to verify " + server + ", PEM: one, or a trust bundle while a new " +
				"CA is rolled out. " + caBundleRules + " The client certificate must chain to one of them too, unless `client_ca_cert_pem` is given.",
			Required: true, Validators: []validator.String{caBundleValidator},
		},
		"client_ca_cert_pem": schema.StringAttribute{
			MarkdownDescription: "The issuer of `client_cert_pem`, PEM, when it is not among `ca_cert_pem` (a per-team issuer). Only checked " +
				"against; it is written nowhere, since a client verifies only the server.",
			Optional: true, Validators: []validator.String{caBundleValidator},
		},
		"client_cert_pem": schema.StringAttribute{MarkdownDescription: "The client certificate, PEM: a `dockertls_client_cert`'s `cert_pem`.", Required: true},
		"client_key_pem":  schema.StringAttribute{MarkdownDescription: "The client's private key, PEM, unencrypted.", Required: true, Sensitive: true},
		"server_cert_pem": schema.StringAttribute{
			MarkdownDescription: "The server's certificate, PEM, optional: given, " + serverCheck + " is an error (the failure the client " +
				"would meet, before it happens).",
			Optional: true, Validators: []validator.String{notEmptyValidator},
		},
	}
}

// pending are the fields of m whose values are not known yet.
func (m clientTLSModel) pending() map[dockerconf.Field]attr.Value {
	return map[dockerconf.Field]attr.Value{
		dockerconf.FieldCACert: m.CACertPEM, dockerconf.FieldClientCACert: m.ClientCACertPEM, dockerconf.FieldClientCert: m.ClientCertPEM,
		dockerconf.FieldClientKey: m.ClientKeyPEM, dockerconf.FieldServerCert: m.ServerCertPEM,
	}
}

// material is the PEM arguments; what is null is empty.
func (m clientTLSModel) material() dockerconf.ClientMaterial {
	return dockerconf.ClientMaterial{
		CACertPEM: m.CACertPEM.ValueString(), ClientCACertPEM: m.ClientCACertPEM.ValueString(),
		CertPEM: m.ClientCertPEM.ValueString(), KeyPEM: m.ClientKeyPEM.ValueString(), ServerCertPEM: m.ServerCertPEM.ValueString(),
	}
}
