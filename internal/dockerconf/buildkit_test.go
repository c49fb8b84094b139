package dockerconf

import (
	"slices"
	"strings"
	"testing"

	"github.com/pelletier/go-toml"
)

func TestBuildkitdTOML(t *testing.T) {
	for _, tc := range []struct {
		name   string
		b      Buildkitd
		wantCA bool
	}{
		{name: "verified", b: Buildkitd{TLSVerify: true}, wantCA: true},
		{name: "unverified", b: Buildkitd{}},
		{name: "with a registry", b: Buildkitd{TLSVerify: true, ExtraTOML: "root = \"/srv/buildkit\"\n" + RegistryClient{Registry: "registry.example:5000"}.WithDefaults().BuildkitdTOML()}, wantCA: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.b.WithDefaults()
			tree, err := toml.Load(b.TOML())
			if err != nil {
				t.Fatalf("buildkitd.toml does not parse: %v\n%s", err, b.TOML())
			}
			addresses, _ := tree.Get("grpc.address").([]any)
			if len(addresses) != 2 || addresses[0] != DefaultBuildkitdAddresses[0] || addresses[1] != DefaultBuildkitdAddresses[1] {
				t.Errorf("grpc.address = %v", tree.Get("grpc.address"))
			}
			if tree.Get("grpc.tls.cert") != "/etc/buildkit/tls/server-cert.pem" || tree.Get("grpc.tls.key") != "/etc/buildkit/tls/server-key.pem" {
				t.Errorf("grpc.tls: %v", tree.Get("grpc.tls"))
			}
			// buildkitd requires a client certificate exactly when ca is set.
			if got := tree.Has("grpc.tls.ca"); got != tc.wantCA {
				t.Errorf("grpc.tls.ca present = %v, want %v", got, tc.wantCA)
			}
			if tc.b.ExtraTOML != "" {
				if tree.Get("root") != "/srv/buildkit" {
					t.Errorf("extra_toml's top-level key is not top-level:\n%s", b.TOML())
				}
				reg, ok := tree.GetPath([]string{"registry", "registry.example:5000"}).(*toml.Tree)
				if !ok {
					t.Fatalf("no registry section:\n%s", b.TOML())
				}
				if reg.Get("ca").([]any)[0] != "/etc/buildkit/certs.d/registry.example:5000/ca.crt" {
					t.Errorf("registry ca: %v", reg.Get("ca"))
				}
				pairs := reg.Get("keypair").([]*toml.Tree)
				if len(pairs) != 1 || pairs[0].Get("cert") != "/etc/buildkit/certs.d/registry.example:5000/client.cert" ||
					pairs[0].Get("key") != "/etc/buildkit/certs.d/registry.example:5000/client.key" {
					t.Errorf("registry keypair: %v", reg.Get("keypair"))
				}
			}
		})
	}
	quoted := Buildkitd{TLSVerify: true, TLSDir: `/srv/build "kit"\tls`}.WithDefaults()
	tree, err := toml.Load(quoted.TOML())
	if err != nil || tree.Get("grpc.tls.ca") != `/srv/build "kit"\tls/ca.pem` {
		t.Errorf("a path with quotes and a backslash: %v %v\n%s", err, tree, quoted.TOML())
	}
}

func TestBuildkitdRender(t *testing.T) {
	m := newMaterial(t)
	b := Buildkitd{TLSVerify: true, Material: ServerMaterial{CACertPEM: m.caPEM, CertPEM: m.serverPEM, KeyPEM: m.serverKey}}
	r, problems := b.Render()
	if len(problems) != 0 {
		t.Fatalf("problems: %+v", problems)
	}
	byName := map[string]File{}
	for _, f := range r.Files {
		byName[f.Name] = f
	}
	want := map[string]struct{ path, mode string }{
		BuildkitdTOMLName:  {DefaultBuildkitdConfigPath, ModeConfig},
		BuildkitdUnitName:  {BuildkitdUnitPath, ModeConfig},
		CAFileName:         {"/etc/buildkit/tls/ca.pem", ModeCertificate},
		ServerCertFileName: {"/etc/buildkit/tls/server-cert.pem", ModeCertificate},
		ServerKeyFileName:  {"/etc/buildkit/tls/server-key.pem", ModePrivateKey},
	}
	for name, w := range want {
		if f, ok := byName[name]; !ok || f.Path != w.path || f.Mode != w.mode || f.Sensitive != (name == ServerKeyFileName) {
			t.Errorf("file %s = %+v, want %+v", name, f, w)
		}
	}
	if len(r.Files) != len(want) {
		t.Errorf("%d files, want %d", len(r.Files), len(want))
	}
	if !strings.Contains(r.Unit, "ExecStart=/usr/local/bin/buildkitd --config /etc/buildkit/buildkitd.toml\n") {
		t.Errorf("unit:\n%s", r.Unit)
	}
	if !strings.Contains(r.CloudConfig, `- ["systemctl", "restart", "buildkit"]`) || !strings.Contains(r.CloudConfig, `path: "/etc/buildkit/tls/server-key.pem"`) {
		t.Errorf("cloud-config:\n%s", r.CloudConfig)
	}
	// Client trust from client_ca_cert_pem, as for dockerd.
	b.Material.ClientCACertPEM = m.otherCAPEM
	r2, _ := b.Render()
	for _, f := range r2.Files {
		if f.Name == CAFileName && f.Content != m.otherCAPEM {
			t.Errorf("ca.pem holds the server's CA, not client_ca_cert_pem")
		}
	}
	if r2.RestartTrigger == r.RestartTrigger {
		t.Error("restart_trigger did not change with the client trust")
	}
	// Unverified (opted in): no ca in buildkitd.toml, so no ca.pem either.
	open, problems := Buildkitd{AllowUnverified: true, Material: b.Material}.Render()
	if len(problems) != 1 || !problems[0].Warning {
		t.Errorf("unverified with the opt-in: %+v", problems)
	}
	for _, f := range open.Files {
		if f.Name == CAFileName {
			t.Error("ca.pem written for a buildkitd that verifies no client")
		}
	}
}

func TestBuildkitdChecks(t *testing.T) {
	for _, tc := range []struct {
		name     string
		b        Buildkitd
		argument string
		want     string
		warning  bool
	}{
		{name: "no port", b: Buildkitd{TLSVerify: true, Addresses: []string{"tcp://0.0.0.0"}}, argument: "addresses", want: "tcp://0.0.0.0:1234"},
		{name: "unix without path", b: Buildkitd{TLSVerify: true, Addresses: []string{"unix://"}}, argument: "addresses", want: "unix:///run/buildkit/buildkitd.sock"},
		{name: "npipe", b: Buildkitd{TLSVerify: true, Addresses: []string{"npipe:////./pipe/buildkitd"}}, argument: "addresses", want: "Windows"},
		{name: "http scheme", b: Buildkitd{TLSVerify: true, Addresses: []string{"https://0.0.0.0:1234"}}, argument: "addresses", want: "write tcp://0.0.0.0:1234"},
		{name: "overlap", b: Buildkitd{TLSVerify: true, Addresses: []string{"tcp://0.0.0.0:1234", "tcp://127.0.0.1:1234"}}, argument: "addresses", want: `addresses[0] "tcp://0.0.0.0:1234" and addresses[1]`},
		{name: "empty", b: Buildkitd{TLSVerify: true, Addresses: []string{}}, argument: "addresses", want: "listen nowhere"},
		{name: "unverified", b: Buildkitd{}, argument: "tls_verify", want: "insecure_allow_unverified_clients = true"},
		{name: "unverified on unix only", b: Buildkitd{Addresses: []string{"unix:///run/buildkit/buildkitd.sock"}}},
		{name: "relative buildkitd", b: Buildkitd{TLSVerify: true, BuildkitdPath: "buildkitd"}, argument: "buildkitd_path", want: "not an absolute path"},
		{name: "flags in buildkitd", b: Buildkitd{TLSVerify: true, BuildkitdPath: "/usr/local/bin/buildkitd --debug"}, argument: "buildkitd_path", want: "write /usr/local/bin/buildkitd"},
		{name: "specifier in config", b: Buildkitd{TLSVerify: true, ConfigPath: "/etc/buildkit/%i.toml"}, argument: "config_path", want: "unit's ExecStart= line"},
		{name: "relative tls_dir", b: Buildkitd{TLSVerify: true, TLSDir: "tls"}, argument: "tls_dir", want: "absolute"},
		{name: "fd:// without a socket unit", b: Buildkitd{TLSVerify: true, Addresses: []string{"fd://"}}, argument: "addresses", want: "fd:// only from a systemd socket unit"},
		{name: "an empty address", b: Buildkitd{TLSVerify: true, Addresses: []string{"", "tcp://0.0.0.0:1234"}}, argument: "addresses", want: "an address is empty"},
		{name: "grpc in extra", b: Buildkitd{TLSVerify: true, ExtraTOML: "[grpc.tls]\n  ca = \"/x\"\n"}, argument: "extra_toml", want: "extra_toml sets grpc"},
		{name: "grpc as an inline table", b: Buildkitd{TLSVerify: true, ExtraTOML: "grpc = { address = [\"tcp://0.0.0.0:1234\"] }\n"}, argument: "extra_toml", want: "extra_toml sets grpc"},
		{name: "grpc as a dotted key", b: Buildkitd{TLSVerify: true, ExtraTOML: "grpc.debugAddress = \"0.0.0.0:6060\"\n"}, argument: "extra_toml", want: "extra_toml sets grpc"},
		{name: "a byte-order mark", b: Buildkitd{TLSVerify: true, ExtraTOML: "\ufeffroot = \"/srv\"\n"}, argument: "extra_toml", want: "byte-order mark"},
		{name: "broken TOML", b: Buildkitd{TLSVerify: true, ExtraTOML: "root = /srv\n"}, argument: "extra_toml", want: "not TOML buildkitd reads"},
		{name: "a table defined twice", b: Buildkitd{TLSVerify: true, ExtraTOML: "[worker.oci]\n  gc = true\n[worker.oci]\n  gc = false\n"}, argument: "extra_toml", want: "line 3"},
		{name: "[grpc] in a multi-line string", b: Buildkitd{TLSVerify: true, ExtraTOML: "root = \"/srv\"\n[registry.\"docker.io\"]\n  mirrors = [\"\"\"\n[grpc]\n\"\"\"]\n"}},
		{name: "registry in extra", b: Buildkitd{TLSVerify: true, ExtraTOML: "[registry.\"grpc.example\"]\n  http = true\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			problems := tc.b.WithDefaults().Check()
			if tc.want == "" {
				if len(problems) != 0 {
					t.Fatalf("problems: %+v", problems)
				}
				return
			}
			if len(problems) == 0 {
				t.Fatalf("no problem; want %q", tc.want)
			}
			p := problems[0]
			if string(p.Field) != tc.argument || p.Warning != tc.warning || !strings.Contains(p.Detail, tc.want) {
				t.Errorf("problem %+v; want argument %s and %q", p, tc.argument, tc.want)
			}
		})
	}
}

func TestServerTLSCheckMaterialNames(t *testing.T) {
	m := newMaterial(t)
	mat := ServerMaterial{CACertPEM: m.caPEM, CertPEM: m.serverPEM, KeyPEM: m.serverKey}
	ok := ServerNames([]string{"unix:///run/buildkit/buildkitd.sock", "tcp://0.0.0.0:1234", "tcp://10.0.0.5:1234", "tcp://docker1.example.internal:1234"})
	if len(ok) != 2 {
		t.Fatalf("ServerNames: %+v", ok)
	}
	check := func(m ServerMaterial, names []Host) []Problem {
		return serverTLS{material: m, names: names}.checkMaterial()
	}
	if problems := check(mat, ok); len(problems) != 0 {
		t.Errorf("problems: %+v", problems)
	}
	problems := check(mat, ServerNames([]string{"tcp://10.0.0.6:1234"}))
	if len(problems) != 1 || problems[0].Field != "server_cert_pem" || !strings.Contains(problems[0].Detail, "ip_addresses") {
		t.Errorf("a listener the certificate does not name: %+v", problems)
	}
	problems = check(ServerMaterial{CACertPEM: m.caPEM, CertPEM: m.clientPEM, KeyPEM: m.clientKey}, nil)
	if len(problems) != 1 || problems[0].Field != "server_cert_pem" || !strings.Contains(problems[0].Detail, "serverAuth") {
		t.Errorf("a client certificate as the server's: %+v", problems)
	}
}

func TestBuildkitClient(t *testing.T) {
	h, _ := ParseHost("tcp://builder1.example.internal:1234")
	c := BuildkitClient{Host: h, CertDir: "/home/ci/.buildkit/builder1"}
	if got, want := c.BuildxCreateCommand(), "docker buildx create --name builder1.example.internal --driver remote --driver-opt "+
		"cacert=/home/ci/.buildkit/builder1/ca.pem,cert=/home/ci/.buildkit/builder1/cert.pem,key=/home/ci/.buildkit/builder1/key.pem,"+
		"servername=builder1.example.internal tcp://builder1.example.internal:1234"; got != want {
		t.Errorf("buildx create:\n got %s\nwant %s", got, want)
	}
	if got := c.BuildctlArgs(); !slices.Equal(got, []string{"--tlsservername", "builder1.example.internal", "--tlscacert", "/home/ci/.buildkit/builder1/ca.pem",
		"--tlscert", "/home/ci/.buildkit/builder1/cert.pem", "--tlskey", "/home/ci/.buildkit/builder1/key.pem"}) {
		t.Errorf("buildctl args: %q", got)
	}
	c.Names, c.ServerName = BuildkitNamesCertManager, "buildkitd"
	files := c.Files("CA", "CERT", "KEY")
	if files[0].Name != "ca.crt" || files[1].Path != "/home/ci/.buildkit/builder1/tls.crt" || files[2].Name != "tls.key" || !files[2].Sensitive || files[2].Mode != ModePrivateKey {
		t.Errorf("cert-manager names: %+v", files)
	}
	if opts := c.RemoteDriverOpts(); opts["servername"] != "buildkitd" || opts["cacert"] != "/home/ci/.buildkit/builder1/ca.crt" {
		t.Errorf("remote driver opts: %v", opts)
	}
	v6, _ := ParseHost("tcp://[::1]:1234")
	if got := (BuildkitClient{Host: v6}).Builder(); got != "buildkit-1" {
		t.Errorf("builder name from [::1]: %q", got)
	}
	for name, want := range map[string]string{"my builder": "write my-builder", "1st": "write buildkit-1st", "ok_name.1": ""} {
		err := CheckBuilderName(name)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("CheckBuilderName(%q) = %v; want %q", name, err, want)
		}
	}
	for dir, want := range map[string]string{"certs": "not absolute", "/a,b": "buildx's --driver-opt", "/home/ci/.buildkit": ""} {
		err := CheckBuildkitCertDir(dir)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("CheckBuildkitCertDir(%q) = %v; want %q", dir, err, want)
		}
	}
}

// TestBuildkitdUnitPassesSystemdAnalyze has systemd parse the rendered unit
// (judgeUnit; ExecStart's program must exist, so /bin/sh stands in).
func TestBuildkitdUnitPassesSystemdAnalyze(t *testing.T) {
	b := Buildkitd{TLSVerify: true, BuildkitdPath: "/bin/sh"}.WithDefaults()
	if err := judgeUnit(t, BuildkitdUnitName, b.Unit(), nil); err != nil {
		t.Fatalf("%v\nunit:\n%s", err, b.Unit())
	}
}
