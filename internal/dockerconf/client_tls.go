package dockerconf

import (
	"crypto/x509"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// The client side of mutual TLS, for every client this package renders (the
// docker CLI, buildctl and buildx, a registry's clients): what a client
// presents, what it trusts, and the server certificate it will meet.

// The inputs of a client's material, as Problems name them (with
// FieldCACert, FieldClientCACert and FieldServerCert).
const (
	FieldClientCert Field = "client_cert_pem"
	FieldClientKey  Field = "client_key_pem"
	FieldHost       Field = "host"
	FieldCertDir    Field = "cert_dir"
)

// ClientMaterial is a client's certificate and key, the CAs it verifies its
// server with and, optionally, the server's certificate, as PEM.
type ClientMaterial struct {
	// CACertPEM are the CAs the client verifies the server with (one, or a
	// bundle while a new CA is rolled out), and the client certificate's
	// issuers unless ClientCACertPEM is given.
	CACertPEM string
	// ClientCACertPEM is the client certificate's issuer when it is not
	// among CACertPEM (a per-team issuer). Only checked against: a client
	// verifies only its server, so it is written nowhere.
	ClientCACertPEM string
	CertPEM, KeyPEM string
	// ServerCertPEM is the server's certificate, optional: given, the name
	// the client connects by is checked against it.
	ServerCertPEM string
}

// ClientMaterialFields are the inputs of ClientMaterial.
var ClientMaterialFields = []Field{FieldCACert, FieldClientCACert, FieldClientCert, FieldClientKey, FieldServerCert}

// issuer is the bundle the client certificate must chain to, and its input.
func (m ClientMaterial) issuer(pending Pending) (Field, string) {
	if m.ClientCACertPEM != "" || pending[FieldClientCACert] {
		return FieldClientCACert, m.ClientCACertPEM
	}
	return FieldCACert, m.CACertPEM
}

// check judges what is known of m at now (CheckMaterial for a client) and
// returns the server certificate when it is given, known and parses.
func (m ClientMaterial) check(now time.Time, pending Pending) ([]Problem, *x509.Certificate) {
	var out []Problem
	issuerField, issuer := m.issuer(pending)
	if !pending.Any(issuerField, FieldClientCert, FieldClientKey) {
		out = materialProblems(pki.UsageClient, Material{CACertPEM: issuer, CertPEM: m.CertPEM, KeyPEM: m.KeyPEM},
			map[pki.Input]Field{pki.InputCACert: issuerField, pki.InputCert: FieldClientCert, pki.InputKey: FieldClientKey}, now)
	}
	if m.ServerCertPEM == "" || pending[FieldServerCert] {
		return out, nil
	}
	cert, err := pki.ParseCertificatePEM(m.ServerCertPEM)
	if err != nil {
		return append(out, Problem{Field: FieldServerCert, Summary: "Invalid " + string(FieldServerCert),
			Detail: string(FieldServerCert) + ": " + err.Error()}), nil
	}
	return out, cert
}
