package dockerconf

import (
	"strings"
	"testing"
	"time"
)

// TestClientChecks runs the three clients' checks on the same material:
// each reports a problem on the input it is about, with the wording of the
// failure the client would meet, and skips what is pending.
func TestClientChecks(t *testing.T) {
	m := newMaterial(t)
	now := time.Now()
	good := ClientMaterial{CACertPEM: m.caPEM, CertPEM: m.clientPEM, KeyPEM: m.clientKey, ServerCertPEM: m.serverPEM}
	with := func(change func(*ClientMaterial)) ClientMaterial {
		c := good
		change(&c)
		return c
	}
	host, err := ParseHost("tcp://docker1.example.internal:2376")
	if err != nil {
		t.Fatal(err)
	}
	other, err := ParseHost("tcp://docker2.example.internal:2376")
	if err != nil {
		t.Fatal(err)
	}
	docker := func(h Host, mat ClientMaterial, pending Pending) func() []Problem {
		return Client{Host: h, Material: mat, Now: now, Pending: pending}.Check
	}
	buildkit := func(h Host, mat ClientMaterial, pending Pending) func() []Problem {
		return BuildkitClient{Host: h, CertDir: "/home/ci/.buildkit", Material: mat, Now: now, Pending: pending}.Check
	}
	registry := func(name string, mat ClientMaterial, pending Pending) func() []Problem {
		return RegistryClient{Registry: name, Material: mat, Now: now, Pending: pending}.WithDefaults().Check
	}
	tests := []struct {
		name    string
		check   func() []Problem
		field   Field
		warning bool
		detail  string
	}{
		{"docker: good", docker(host, good, nil), "", false, ""},
		{"buildkit: good", buildkit(host, good, nil), "", false, ""},
		{"registry: good", registry("docker1.example.internal:5000", good, nil), "", false, ""},
		{"docker: server certificate as client", docker(host, with(func(c *ClientMaterial) { c.CertPEM, c.KeyPEM = m.serverPEM, m.serverKey }), nil),
			FieldClientCert, false, "incompatible key usage"},
		{"docker: key of another certificate", docker(host, with(func(c *ClientMaterial) { c.KeyPEM = m.serverKey }), nil),
			FieldClientKey, false, "does not belong to the client certificate"},
		{"docker: client of another issuer", docker(host, with(func(c *ClientMaterial) { c.CACertPEM = m.otherCAPEM }), nil),
			FieldClientCert, false, "signed by unknown authority"},
		{"docker: its issuer given apart", docker(host, with(func(c *ClientMaterial) { c.CACertPEM, c.ClientCACertPEM = m.otherCAPEM, m.caPEM }), nil),
			"", false, ""},
		{"docker: a leaf as the client's issuer", docker(host, with(func(c *ClientMaterial) { c.ClientCACertPEM = m.serverPEM }), nil),
			FieldClientCACert, false, "not a CA"},
		{"docker: server certificate that does not parse", docker(host, with(func(c *ClientMaterial) { c.ServerCertPEM = "nope" }), nil),
			FieldServerCert, false, "server_cert_pem: "},
		{"docker: host the server certificate does not name", docker(other, good, nil), FieldHost, true, `does not name "docker2.example.internal"`},
		{"buildkit: host the server certificate does not name", buildkit(other, good, nil), FieldHost, false, "buildx would mark the builder inactive"},
		{"registry: registry the server certificate does not name", registry("docker2.example.internal:5000", good, nil), FieldRegistry, false, "docker2.example.internal"},
		{"docker: pending material is not judged", docker(other, with(func(c *ClientMaterial) { c.KeyPEM = m.serverKey }), opaqueClientMaterial), "", false, ""},
		{"docker: pending host is not judged", docker(other, good, Pending{FieldHost: true}), "", false, ""},
		{"buildkit: pending key is not judged", buildkit(host, with(func(c *ClientMaterial) { c.KeyPEM = "" }), Pending{FieldClientKey: true}), "", false, ""},
		{"registry: pending issuer is not judged", registry("docker1.example.internal:5000", with(func(c *ClientMaterial) { c.ClientCACertPEM = "" }),
			Pending{FieldClientCACert: true}), "", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			problems := tc.check()
			if tc.field == "" {
				if len(problems) != 0 {
					t.Fatalf("want no problem, got %+v", problems)
				}
				return
			}
			if len(problems) != 1 {
				t.Fatalf("want one problem on %s, got %+v", tc.field, problems)
			}
			p := problems[0]
			if p.Field != tc.field || p.Warning != tc.warning || !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("got %+v, want field %s, warning %v, detail with %q", p, tc.field, tc.warning, tc.detail)
			}
		})
	}
}
