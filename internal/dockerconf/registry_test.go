package dockerconf

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pelletier/go-toml"
	"gopkg.in/yaml.v3"
)

func TestRegistryYAML(t *testing.T) {
	m := newMaterial(t)
	r, problems := Registry{TLSVerify: true, Material: ServerMaterial{CACertPEM: m.caPEM, ClientCACertPEM: m.otherCAPEM, CertPEM: m.serverPEM, KeyPEM: m.serverKey}}.Render()
	if len(problems) != 0 {
		t.Fatal(problems)
	}
	var cfg struct {
		HTTP struct {
			Addr string
			TLS  struct {
				Certificate, Key string
				ClientCAs        []string `yaml:"clientcas"`
				MinimumTLS       string   `yaml:"minimumtls"`
			}
		}
	}
	if err := yaml.Unmarshal([]byte(r.YAML), &cfg); err != nil {
		t.Fatalf("%v\n%s", err, r.YAML)
	}
	tls := cfg.HTTP.TLS
	if cfg.HTTP.Addr != ":5000" || tls.Certificate != "/etc/distribution/tls/server-cert.pem" || tls.Key != "/etc/distribution/tls/server-key.pem" ||
		len(tls.ClientCAs) != 1 || tls.ClientCAs[0] != "/etc/distribution/tls/ca.pem" || tls.MinimumTLS != "tls1.2" {
		t.Errorf("http section: %+v\n%s", cfg.HTTP, r.YAML)
	}
	for _, f := range r.Files {
		if f.Name == CAFileName && f.Content != m.otherCAPEM {
			t.Error("ca.pem is not the client trust (client_ca_cert_pem)")
		}
	}
	if len(r.Files) != 3 || !strings.HasPrefix(r.CloudConfig, "#cloud-config\n") || strings.Contains(r.CloudConfig, "runcmd") {
		t.Errorf("files %d, cloud-config:\n%s", len(r.Files), r.CloudConfig)
	}
	open, _ := Registry{Material: ServerMaterial{CACertPEM: m.caPEM, CertPEM: m.serverPEM, KeyPEM: m.serverKey}}.Render()
	if strings.Contains(open.YAML, "clientcas") || len(open.Files) != 2 {
		t.Errorf("without tls_verify the registry has no clientcas and no ca.pem: %d files\n%s", len(open.Files), open.YAML)
	}
}

func TestRegistryConfig(t *testing.T) {
	base, err := ParseRegistryBase("version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/registry\nhttp:\n  secret: s3cret\n")
	if err != nil {
		t.Fatal(err)
	}
	r := Registry{TLSVerify: true, Base: base, Material: ServerMaterial{CACertPEM: "CA\n", CertPEM: "CERT\n", KeyPEM: "KEY\n"}, Pending: opaqueMaterial}
	rendered, problems := r.Render()
	if len(problems) != 0 || len(rendered.Files) != 4 || rendered.Files[0].Name != RegistryConfigName || rendered.Files[0].Path != DefaultRegistryConfigPath {
		t.Fatalf("problems %+v, files %+v", problems, rendered.Files)
	}
	var whole, fragment map[string]any
	if err := yaml.Unmarshal([]byte(rendered.Files[0].Content), &whole); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(rendered.YAML), &fragment); err != nil {
		t.Fatal(err)
	}
	http := whole["http"].(map[string]any)
	// The whole holds the fragment's http section exactly, and keeps the
	// base's other keys.
	for k, v := range fragment["http"].(map[string]any) {
		if fmt.Sprint(http[k]) != fmt.Sprint(v) {
			t.Errorf("http.%s = %v in config.yml, %v in yaml", k, http[k], v)
		}
	}
	if http["secret"] != "s3cret" || !strings.Contains(rendered.Files[0].Content, "\nversion: 0.1\n") || whole["storage"] == nil {
		t.Errorf("config.yml lost the base's keys:\n%s", rendered.Files[0].Content)
	}
	for text, want := range map[string]string{
		"":                                  "is empty",
		"- a\n":                             "not a YAML mapping",
		"storage: {inmemory: {}}\n":         "has no version",
		"version: 0.1\n":                    "has no storage",
		"version: 0.2\nstorage: inmemory\n": "version \"0.2\" is not one the registry knows",
		"version: 0.1\nstorage: {inmemory: {}, filesystem: {}}\n":      "names 2 storage types (inmemory, filesystem)",
		"version: 0.1\nstorage: {delete: {enabled: true}}\n":           "names no storage type",
		"version: 0.1\nstorage: inmemory\nhttp: {net: unix}\n":         "http.net \"unix\"",
		"version: 0.1\nstorage: inmemory\nstorage: filesystem\n":       "storage is set twice",
		"version: 0.1\nstorage: inmemory\n---\nversion: 0.1\n":         "more than one YAML document",
		"version: 0.1\nstorage: inmemory\nhttp: [a]\n":                 "http is not a mapping",
		"version: 0.1\nstorage: {inmemory: {}}\nhttp: {addr: ':80'}\n": "sets http.addr",
	} {
		if _, err := ParseRegistryBase(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRegistryBase(%q) = %v; want %q", text, err, want)
		}
	}
}

func TestRegistryChecks(t *testing.T) {
	for _, tc := range []struct {
		r        Registry
		argument string
		want     string
	}{
		{Registry{Addr: "5000"}, "address", "write it as :5000"},
		{Registry{Addr: ":99999"}, "address", "1 to 65535"},
		{Registry{Addr: "[fe80::1]:5000"}, "address", "link-local IPv6"},
		{Registry{Addr: "a b:5000"}, "address", "not a host name"},
		{Registry{Addr: "*:5000"}, "address", "not a host name"},
		{Registry{Addr: "a_b:5000"}, "address", "not a host name"},
		{Registry{MinimumTLS: "tls1.1"}, "minimum_tls", "tls1.2, tls1.3"},
		{Registry{TLSDir: "tls"}, "tls_dir", "absolute"},
		{Registry{Addr: "192.0.2.10:5000", MinimumTLS: "tls1.3"}, "", ""},
	} {
		problems := tc.r.WithDefaults().Check()
		if tc.want == "" {
			if len(problems) != 0 {
				t.Errorf("%+v: %+v", tc.r, problems)
			}
			continue
		}
		if len(problems) != 1 || string(problems[0].Field) != tc.argument || !strings.Contains(problems[0].Detail, tc.want) {
			t.Errorf("%+v: %+v; want %s and %q", tc.r, problems, tc.argument, tc.want)
		}
	}
}

func TestCheckRegistry(t *testing.T) {
	for s, want := range map[string]string{
		"registry.example.internal:5000": "",
		"registry.example.internal":      "",
		"192.0.2.10:5000":                "",
		"[2001:db8::1]:5000":             "",
		"https://registry.example:5000":  "write registry.example:5000",
		"registry.example:5000/team":     "write registry.example:5000",
		"Registry.Example:5000":          "write registry.example:5000",
		"registry.example:0":             "1 to 65535",
		"2001:db8::1":                    "in brackets",
		"under_score.example":            "not a host name",
		"":                               "is empty",
	} {
		err := CheckRegistry(s)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("CheckRegistry(%q) = %v; want %q", s, err, want)
		}
	}
}

func TestRegistryClientFiles(t *testing.T) {
	c := RegistryClient{Registry: "192.0.2.10:5000"}.WithDefaults()
	for _, tc := range []struct {
		consumer string
		files    []File
		dir      string
	}{
		{"docker", c.DockerFiles("CA", "CERT", "KEY"), "/etc/docker/certs.d/192.0.2.10:5000/"},
		{"containers", c.ContainersFiles("CA", "CERT", "KEY"), "/etc/containers/certs.d/192.0.2.10:5000/"},
		{"buildkitd", c.BuildkitdFiles("CA", "CERT", "KEY"), "/etc/buildkit/certs.d/192.0.2.10:5000/"},
		{"containerd", c.ContainerdFiles("CA", "CERT", "KEY")[1:], "/etc/containerd/certs.d/192.0.2.10:5000/"},
	} {
		// dockerd reads *.crt as CAs and a *.cert with the *.key of the
		// same name as a client pair; *.pem it ignores.
		want := []struct{ name, content, mode string }{{"ca.crt", "CA", ModeCertificate}, {"client.cert", "CERT", ModeCertificate}, {"client.key", "KEY", ModePrivateKey}}
		for i, f := range tc.files {
			if f.Name != want[i].name || f.Path != tc.dir+want[i].name || f.Content != want[i].content || f.Mode != want[i].mode || f.Sensitive != (i == 2) {
				t.Errorf("%s file %d: %+v", tc.consumer, i, f)
			}
		}
	}
	hosts, err := toml.Load(c.ContainerdHostsTOML())
	if err != nil {
		t.Fatalf("hosts.toml: %v\n%s", err, c.ContainerdHostsTOML())
	}
	host := hosts.GetPath([]string{"host", "https://192.0.2.10:5000"}).(*toml.Tree)
	client := host.Get("client").([]any)[0].([]any)
	if hosts.Get("server") != "https://192.0.2.10:5000" || host.Get("ca") != "/etc/containerd/certs.d/192.0.2.10:5000/ca.crt" ||
		client[0] != "/etc/containerd/certs.d/192.0.2.10:5000/client.cert" || client[1] != "/etc/containerd/certs.d/192.0.2.10:5000/client.key" {
		t.Errorf("hosts.toml:\n%s", c.ContainerdHostsTOML())
	}
	if f := c.ContainerdFiles("CA", "CERT", "KEY")[0]; f.Name != "hosts.toml" || f.Path != "/etc/containerd/certs.d/192.0.2.10:5000/hosts.toml" {
		t.Errorf("hosts.toml file: %+v", f)
	}
}

func TestRegistryClientChecks(t *testing.T) {
	if p := (RegistryClient{Registry: "127.0.0.1:5000", Pending: opaqueClientMaterial}).WithDefaults().Check(); len(p) != 1 || !p[0].Warning || !strings.Contains(p[0].Detail, "insecure registry") {
		t.Errorf("loopback: %+v", p)
	}
	if p := (RegistryClient{Registry: "localhost:5000", Pending: opaqueClientMaterial}).WithDefaults().Check(); len(p) != 1 || !p[0].Warning {
		t.Errorf("localhost: %+v", p)
	}
	if p := (RegistryClient{Registry: "r.example:5000", DockerCertsDir: "certs.d", Pending: opaqueClientMaterial}).WithDefaults().Check(); len(p) != 1 || p[0].Field != "docker_certs_dir" {
		t.Errorf("relative docker_certs_dir: %+v", p)
	}
	if p := (RegistryClient{Registry: "r.example:5000", Pending: opaqueClientMaterial}).WithDefaults().Check(); len(p) != 0 {
		t.Errorf("good: %+v", p)
	}
}

// TestRegistryConfigKeepsTheText: config.yml carries each value of
// config_yaml in the text written, which the registry reads by YAML 1.1:
// yes stays yes (true), not "yes" (a string the registry refuses for a
// boolean), and 0x1F2E stays the text 0x1F2E, not 7982.
func TestRegistryConfigKeepsTheText(t *testing.T) {
	base, err := ParseRegistryBase("version: 0.1\nstorage:\n  inmemory: {}\n  delete:\n    enabled: yes\nhttp:\n  secret: 0x1F2E\n  relativeurls: on\nlog: {level: info, formatter: text}\n")
	if err != nil {
		t.Fatal(err)
	}
	r, problems := Registry{TLSVerify: true, Base: base}.Render()
	if hasError(problems) {
		t.Fatal(problems)
	}
	config := r.Files[0].Content
	for _, want := range []string{"\n    enabled: yes\n", "\n  secret: 0x1F2E\n", "\n  relativeurls: on\n", "\nversion: 0.1\n", "\n  addr: :5000\n"} {
		if !strings.Contains(config, want) {
			t.Errorf("config.yml lacks %q:\n%s", want, config)
		}
	}
}

// TestRegistryNamesClientsRead: the registry's name as image references
// read it (distribution/reference): one label is a registry only with a
// port or as localhost.
func TestRegistryNamesClientsRead(t *testing.T) {
	for name, want := range map[string]string{
		"registry":                  "one label without a port",
		"registry:5000":             "",
		"localhost":                 "",
		"registry.example.internal": "",
		"192.0.2.10":                "",
		"[2001:db8::5]:5000":        "",
	} {
		err := CheckRegistry(name)
		if (want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("CheckRegistry(%q) = %v, want %q", name, err, want)
		}
	}
	for name, want := range map[string]string{"builder1.example.internal": "", "a,b": "a comma", "": "empty", "a b": "white space", "x\"y": "a quote"} {
		err := CheckBuildkitServerName(name)
		if (want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("CheckBuildkitServerName(%q) = %v, want %q", name, err, want)
		}
	}
}
