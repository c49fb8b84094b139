package dockerconf

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

func TestParseHost(t *testing.T) {
	valid := map[string]Host{
		"tcp://10.0.0.5:2376":              {Scheme: SchemeTCP, Hostname: "10.0.0.5", Port: 2376},
		"tcp://0.0.0.0:2376":               {Scheme: SchemeTCP, Hostname: "0.0.0.0", Port: 2376},
		"tcp://[::1]:2376":                 {Scheme: SchemeTCP, Hostname: "::1", Port: 2376},
		"tcp://docker1.example.internal:1": {Scheme: SchemeTCP, Hostname: "docker1.example.internal", Port: 1},
		"unix:///var/run/docker.sock":      {Scheme: SchemeUnix, Path: "/var/run/docker.sock"},
		"fd://":                            {Scheme: SchemeFD},
		"fd://3":                           {Scheme: SchemeFD},
		"npipe:////./pipe/docker_engine":   {Scheme: SchemeNPipe, Path: "//./pipe/docker_engine"},
	}
	for in, want := range valid {
		got, err := ParseHost(in)
		want.Raw = in
		if err != nil || got != want {
			t.Errorf("ParseHost(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	invalid := map[string]string{
		"tcp://10.0.0.5":             "has no port: add one, as in tcp://10.0.0.5:2376",
		"tcp://:2376":                "has no address",
		"tcp://10.0.0.5:0":           "from 1 to 65535",
		"tcp://10.0.0.5:99999":       "from 1 to 65535",
		"tcp://10.0.0.5:2376/path":   "no path",
		"http://10.0.0.5:2376":       "not http://",
		"https://10.0.0.5:2376":      "write tcp://10.0.0.5:2376",
		"ssh://user@host":            "do not use TLS",
		"10.0.0.5:2376":              "no scheme",
		"unix://var/run/docker.sock": "absolute path",
		"fd://abc":                   "file descriptor number",
		"npipe://docker_engine":      "npipe:////./pipe/NAME",
		" tcp://10.0.0.5:2376":       "white space",
		"udp://10.0.0.5:2376":        "unknown scheme",
		"tcp://[fe80::1%eth0]:2376":  "zones",
		"tcp://0.0.0.0:+2376":        "from 1 to 65535",
		"tcp://[10.0.0.5]:2376":      "brackets are for IPv6 addresses only",
		"tcp://[podman1]:2376":       "write tcp://podman1:2376",
		"tcp://a b:2376":             `invalid character " " in host name`,
		"tcp://a{b}:2376":            "not an address the docker CLI and podman parse",
	}
	for in, want := range invalid {
		_, err := ParseHost(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseHost(%q) = %v, want an error containing %q", in, err, want)
		}
	}
}

func TestParseSettings(t *testing.T) {
	got, err := ParseSettings(`{"log-driver": "journald", "max-concurrent-downloads": 3, "log-opts": {"tag": "x"}}`)
	if err != nil || got["log-driver"] != "journald" || got["max-concurrent-downloads"] != json.Number("3") {
		t.Errorf("ParseSettings = %v, %v", got, err)
	}
	if got, err := ParseSettings(""); err != nil || len(got) != 0 {
		t.Errorf("empty settings = %v, %v", got, err)
	}
	for in, want := range map[string]string{
		`[1, 2]`:                              "a JSON array, not an object",
		`"hosts"`:                             "a JSON string, not an object",
		`{"log-driver": `:                     "not valid JSON",
		`{} {}`:                               "more than one JSON value",
		`{"hosts": []}`:                       "sets hosts",
		`{"tlsverify": false, "tls": false}`:  "sets tls, tlsverify",
		`null`:                                "a JSON null",
		`{"max-concurrent-downloads": 1e999}`: "the number 1e999, which dockerd cannot read",
	} {
		_, err := ParseSettings(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSettings(%s) = %v, want an error containing %q", in, err, want)
		}
	}
}

func TestDaemonJSON(t *testing.T) {
	settings, err := ParseSettings(`{"log-driver": "journald", "a-first": true, "nested": {"z": 1, "a": 2}}`)
	if err != nil {
		t.Fatal(err)
	}
	d := Daemon{
		Hosts: DefaultHosts, TLSVerify: true,
		CACertPath: "/etc/docker/tls/ca.pem", CertPath: "/etc/docker/tls/server-cert.pem", KeyPath: "/etc/docker/tls/server-key.pem",
		Settings: settings, DockerdPath: DefaultDockerdPath, LiveRestore: true,
	}
	got, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "a-first": true,
  "hosts": [
    "unix:///var/run/docker.sock",
    "tcp://0.0.0.0:2376"
  ],
  "live-restore": true,
  "log-driver": "journald",
  "nested": {
    "a": 2,
    "z": 1
  },
  "tls": true,
  "tlscacert": "/etc/docker/tls/ca.pem",
  "tlscert": "/etc/docker/tls/server-cert.pem",
  "tlskey": "/etc/docker/tls/server-key.pem",
  "tlsverify": true
}
`
	if got != want {
		t.Errorf("daemon.json:\n%s\nwant:\n%s", got, want)
	}
	for range 20 {
		again, _ := d.JSON()
		if again != got {
			t.Fatal("daemon.json is not byte-identical for identical input")
		}
	}
	// live-restore is written either way, and settings_json wins.
	d.LiveRestore = false
	if got, _ := d.JSON(); !strings.Contains(got, `"live-restore": false`) {
		t.Errorf("live-restore false not written:\n%s", got)
	}
	d.Settings = map[string]any{LiveRestoreKey: true}
	if got, _ := d.JSON(); !strings.Contains(got, `"live-restore": true`) {
		t.Errorf("live-restore from the settings lost:\n%s", got)
	}
	d.Settings = settings
	// tlsverify false must be written: tls=true alone means verify.
	d.TLSVerify = false
	got, _ = d.JSON()
	if !strings.Contains(got, `"tlsverify": false`) {
		t.Errorf("tlsverify false not written:\n%s", got)
	}
}

func TestSystemdDropin(t *testing.T) {
	d := Daemon{DockerdPath: "/usr/sbin/dockerd"}
	got := d.SystemdDropin()
	if !strings.Contains(got, "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd\n") {
		t.Errorf("drop-in does not reset ExecStart:\n%s", got)
	}
	d.JSONPath = "/home/u/.config/docker/daemon.json"
	if got := d.SystemdDropin(); !strings.Contains(got, "ExecStart=/usr/sbin/dockerd --config-file /home/u/.config/docker/daemon.json\n") {
		t.Errorf("drop-in does not pass --config-file:\n%s", got)
	}
	if SystemdDropinPath() != "/etc/systemd/system/docker.service.d/dockertls.conf" {
		t.Errorf("drop-in path %s", SystemdDropinPath())
	}
}

func TestRestartTrigger(t *testing.T) {
	files := []File{{Name: "a", Path: "/a", Content: "x", Mode: "0644"}, {Name: "b", Path: "/b", Content: "y", Mode: "0400"}}
	base := RestartTrigger(files)
	if RestartTrigger([]File{files[1], files[0]}) != base {
		t.Error("the trigger depends on the order of the files")
	}
	for name, changed := range map[string][]File{
		"content": {{Name: "a", Path: "/a", Content: "X", Mode: "0644"}, files[1]},
		"path":    {{Name: "a", Path: "/c", Content: "x", Mode: "0644"}, files[1]},
		"mode":    {{Name: "a", Path: "/a", Content: "x", Mode: "0600"}, files[1]},
		"split":   {{Name: "a", Path: "/a", Content: "xy", Mode: "0644"}, {Name: "b", Path: "/b", Content: "", Mode: "0400"}},
	} {
		if RestartTrigger(changed) == base {
			t.Errorf("a change of %s does not change the trigger", name)
		}
	}
}

func TestClient(t *testing.T) {
	h, _ := ParseHost("tcp://docker1.example.internal:2376")
	c := Client{Host: h, CertDir: "/home/ci/.docker/docker1"}
	env := c.Env()
	if env["DOCKER_HOST"] != h.Raw || env["DOCKER_TLS_VERIFY"] != "1" || env["DOCKER_CERT_PATH"] != c.CertDir {
		t.Errorf("env = %v", env)
	}
	files := c.Files("CA", "CERT", "KEY")
	wantFiles := []File{
		{Name: "ca.pem", Path: "/home/ci/.docker/docker1/ca.pem", Content: "CA", Mode: "0444"},
		{Name: "cert.pem", Path: "/home/ci/.docker/docker1/cert.pem", Content: "CERT", Mode: "0444"},
		{Name: "key.pem", Path: "/home/ci/.docker/docker1/key.pem", Content: "KEY", Mode: "0400", Sensitive: true},
	}
	for i := range wantFiles {
		if files[i] != wantFiles[i] {
			t.Errorf("file %d = %+v, want %+v", i, files[i], wantFiles[i])
		}
	}
	want := `docker context create docker1.example.internal --docker 'host=tcp://docker1.example.internal:2376,ca=/home/ci/.docker/docker1/ca.pem,cert=/home/ci/.docker/docker1/cert.pem,key=/home/ci/.docker/docker1/key.pem'`
	if got := c.ContextCommand(); got != want {
		t.Errorf("context command:\n%s\nwant:\n%s", got, want)
	}
	if _, ok := (Client{Host: h}).Env()["DOCKER_CERT_PATH"]; ok {
		t.Error("DOCKER_CERT_PATH set without a cert_dir")
	}
	odd := Client{Host: h, ContextName: "it's mine"}
	if got := odd.ContextCommand(); !strings.HasPrefix(got, `docker context create 'it'"'"'s mine' --docker 'host=tcp://docker1.example.internal:2376,ca=ca.pem,`) {
		t.Errorf("context command does not quote: %s", got)
	}
	v6, _ := ParseHost("tcp://[fd00::5]:2376")
	if got := (Client{Host: v6}).Context(); got != "fd00-5" {
		t.Errorf("context name for an IPv6 host = %q", got)
	}
	// The CLI wants two characters or more: "1" from [::1] is refused.
	loop6, _ := ParseHost("tcp://[::1]:2376")
	if got := (Client{Host: loop6}).Context(); got != "dockertls-1" || CheckContextName(got) != nil {
		t.Errorf("context name for [::1] = %q", got)
	}
	for name, want := range map[string]string{"my context/1": "write my-context-1", "1": "write docker-1", "-x": "write docker-x"} {
		if err := CheckContextName(name); err == nil || !strings.Contains(err.Error(), want) || CheckContextName(strings.TrimPrefix(want, "write ")) != nil {
			t.Errorf("context_name %q: %v, want %q (a name the CLI accepts)", name, err, want)
		}
	}
	if err := ClientLinux.CheckCertDir("/home/ci/.docker/a,b"); err == nil || !strings.Contains(err.Error(), "comma") {
		t.Errorf("cert_dir with a comma: %v", err)
	}
}

// opaqueMaterial marks the material of a test that checks how files are
// assembled, not what they hold: its PEMs are placeholders, not judged.
var opaqueMaterial = Pending{FieldCACert: true, FieldClientCACert: true, FieldServerCert: true, FieldServerKey: true}

// opaqueClientMaterial is opaqueMaterial for a client's checks.
var opaqueClientMaterial = Pending{FieldCACert: true, FieldClientCACert: true, FieldClientCert: true, FieldClientKey: true, FieldServerCert: true}

// material is a CA, another CA and leaves, for the checks.
type material struct {
	ca                    *pki.Authority
	caPEM, otherCAPEM     string
	serverPEM, serverKey  string
	clientPEM, clientKey  string
	otherServer, otherKey string
}

func newMaterial(t *testing.T) material {
	t.Helper()
	now := time.Now()
	mk := func(name string) (*pki.Authority, string) {
		key, _ := pki.GenerateKey(pki.ECDSAP256, rand.Reader)
		issued, err := pki.NewCA(pki.CARequest{Subject: pki.Subject{CommonName: name}, Validity: 100 * time.Hour}, key, now, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		keyPEM, _ := pki.MarshalPrivateKeyPEM(key)
		a, err := pki.LoadAuthority(issued.CertPEM, keyPEM, nil)
		if err != nil {
			t.Fatal(err)
		}
		return a, issued.CertPEM
	}
	leaf := func(a *pki.Authority, usage x509.ExtKeyUsage) (string, string) {
		key, _ := pki.GenerateKey(pki.ECDSAP256, rand.Reader)
		issued, err := a.Issue(pki.LeafRequest{
			Subject: pki.Subject{CommonName: "leaf"}, DNSNames: []string{"docker1.example.internal"},
			IPAddresses: []net.IP{net.ParseIP("10.0.0.5")}, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			Validity: 10 * time.Hour, PublicKey: key.Public(),
		}, now, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		keyPEM, _ := pki.MarshalPrivateKeyPEM(key)
		return issued.CertPEM, keyPEM
	}
	var m material
	m.ca, m.caPEM = mk("CA")
	other, otherPEM := mk("Other CA")
	m.otherCAPEM = otherPEM
	m.serverPEM, m.serverKey = leaf(m.ca, x509.ExtKeyUsageServerAuth)
	m.clientPEM, m.clientKey = leaf(m.ca, x509.ExtKeyUsageClientAuth)
	m.otherServer, m.otherKey = leaf(other, x509.ExtKeyUsageServerAuth)
	return m
}

func TestCheckMaterial(t *testing.T) {
	m := newMaterial(t)
	now := time.Now()
	encrypted := "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n"
	tests := []struct {
		name  string
		usage pki.Usage
		mat   Material
		input pki.Input
		want  string
	}{
		{"good server", pki.UsageServer, Material{m.caPEM, m.serverPEM, m.serverKey}, 0, ""},
		{"good client", pki.UsageClient, Material{m.caPEM, m.clientPEM, m.clientKey}, 0, ""},
		{"server from another CA", pki.UsageServer, Material{m.caPEM, m.otherServer, m.otherKey}, pki.InputCert, "signed by unknown authority"},
		{"client certificate as server", pki.UsageServer, Material{m.caPEM, m.clientPEM, m.clientKey}, pki.InputCert, "does not carry the serverAuth"},
		{"server certificate as client", pki.UsageClient, Material{m.caPEM, m.serverPEM, m.serverKey}, pki.InputCert, "incompatible key usage"},
		{"key of another certificate", pki.UsageServer, Material{m.caPEM, m.serverPEM, m.clientKey}, pki.InputKey, "does not belong to the server certificate"},
		{"encrypted key", pki.UsageServer, Material{m.caPEM, m.serverPEM, encrypted}, pki.InputKey, "encrypted private keys are obsolete"},
		{"leaf as CA", pki.UsageServer, Material{m.serverPEM, m.serverPEM, m.serverKey}, pki.InputCACert, "not a CA"},
		{"CSR-less garbage certificate", pki.UsageServer, Material{m.caPEM, "nope", m.serverKey}, pki.InputCert, "no PEM block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := CheckMaterial(tt.usage, tt.mat, now)
			if tt.want == "" {
				if len(errs) != 0 {
					t.Fatalf("unexpected errors: %v", errs)
				}
				return
			}
			if len(errs) == 0 {
				t.Fatal("no error")
			}
			var ie *pki.InputError
			if !errors.As(errs[0], &ie) || ie.Input != tt.input || !strings.Contains(errs[0].Error(), tt.want) {
				t.Errorf("errors %v: want input %d and %q", errs, tt.input, tt.want)
			}
			for _, err := range errs {
				if strings.Contains(err.Error(), "PRIVATE KEY") {
					t.Errorf("error quotes a key: %v", err)
				}
			}
		})
	}
	if errs := CheckMaterial(pki.UsageServer, Material{m.caPEM, m.serverPEM, m.serverKey}, now.Add(11*time.Hour)); len(errs) == 0 || !strings.Contains(errs[0].Error(), "renew it") {
		t.Errorf("expired server certificate: %v", errs)
	}
}

func TestCheckServerName(t *testing.T) {
	m := newMaterial(t)
	cert, _ := pki.ParseCertificatePEM(m.serverPEM)
	for _, ok := range []string{"tcp://docker1.example.internal:2376", "tcp://10.0.0.5:2376"} {
		h, _ := ParseHost(ok)
		if err := CheckServerName(h, cert); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	h, _ := ParseHost("tcp://172.16.15.79:2376")
	err := CheckServerName(h, cert)
	if err == nil || !strings.Contains(err.Error(), "x509: certificate is valid for 10.0.0.5, not 172.16.15.79") || !strings.Contains(err.Error(), "ip_addresses") {
		t.Errorf("mismatch error: %v", err)
	}
}

func TestCheckClientTrustSize(t *testing.T) {
	ca := func(cn string) *x509.Certificate {
		key, err := pki.GenerateKey(pki.ECDSAP256, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		issued, err := pki.NewCA(pki.CARequest{Subject: pki.Subject{CommonName: cn}, Validity: time.Hour}, key, time.Now(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return issued.Certificate
	}
	one := ca("Docker client issuer 00000")
	if got := AcceptableCAsBytes([]*x509.Certificate{one}); got != 2+len(one.RawSubject) || got != 41 {
		t.Errorf("one subject takes %d bytes, want 41", got)
	}
	fits := MaxAcceptableCAsBytes / 41
	if got := IssuersThatFit("Docker client issuer 00000"); got != fits {
		t.Errorf("IssuersThatFit = %d, want %d", got, fits)
	}
	bundle := make([]*x509.Certificate, fits+1)
	for i := range bundle {
		bundle[i] = one
	}
	if err := CheckClientTrustSize(bundle[:fits]); err != nil {
		t.Errorf("%d issuers: %v", fits, err)
	}
	err := CheckClientTrustSize(bundle)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("the bundle has %d CA certificates whose names take %d bytes", fits+1, 41*(fits+1))) ||
		!strings.Contains(err.Error(), fmt.Sprintf("at most about %d issuers", fits)) {
		t.Errorf("%d issuers: %v", fits+1, err)
	}
}
