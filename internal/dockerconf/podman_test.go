package dockerconf

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

func TestPodmanCheck(t *testing.T) {
	m := newMaterial(t)
	server := ServerMaterial{CACertPEM: m.caPEM, CertPEM: m.serverPEM, KeyPEM: m.serverKey}
	for _, tc := range []struct {
		name  string
		p     Podman
		field Field
		want  string // a regexp of the error; "" for none
	}{
		{"the defaults", Podman{SocketActivation: true}, "", ""},
		{"a name the certificate has, podman opening the port", Podman{Address: "tcp://docker1.example.internal:2376"}, "", ""},
		{"a name with socket activation", Podman{SocketActivation: true, Address: "tcp://docker1.example.internal:2376"}, FieldAddress, `ListenStream= takes an IP address, not a name.*or set socket_activation = false`},
		{"a unix socket", Podman{Address: "unix:///run/podman/podman.sock"}, FieldAddress, `podman serves TLS on TCP only.*podman\.socket`},
		{"no port", Podman{Address: "tcp://10.0.0.5"}, FieldAddress, `has no port: add one, as in tcp://10.0.0.5:2376`},
		{"not a URL", Podman{Address: "10.0.0.5:2376"}, FieldAddress, `address "10.0.0.5:2376".*tcp://`},
		{"an address the certificate lacks", Podman{Address: "tcp://10.0.0.9:2376"}, FieldServerCert, `does not name "10.0.0.9"`},
		{"a relative program", Podman{PodmanPath: "podman"}, FieldPodmanPath, `not an absolute path.*/usr/bin/podman`},
		{"a directory for the program", Podman{PodmanPath: "/usr/bin/"}, FieldPodmanPath, `is a directory.*write /usr/bin/podman`},
		{"a specifier in a TLS path", Podman{KeyPath: "/etc/containers/tls/%i.pem"}, FieldKeyPath, `specifier`},
		{"white space in the TLS directory", Podman{TLSDir: "/etc/containers/my tls"}, FieldCACertPath, `ExecStart= line cannot carry`},
		{"a relative TLS directory", Podman{TLSDir: "tls"}, FieldTLSDir, `not an absolute path`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.p.Material = server
			problems := tc.p.WithDefaults().Check()
			if tc.want == "" {
				if hasError(problems) {
					t.Fatalf("refused: %v", problems)
				}
				return
			}
			for _, p := range problems {
				if !p.Warning && p.Field == tc.field && regexp.MustCompile(tc.want).MatchString(p.Detail) {
					return
				}
			}
			t.Errorf("want an error on %s matching %q, got %+v", tc.field, tc.want, problems)
		})
	}
}

// TestPodmanLayout: no file may take a path the host's own commands
// write or remove, or the program's.
func TestPodmanLayout(t *testing.T) {
	m := newMaterial(t)
	server := ServerMaterial{CACertPEM: m.caPEM, CertPEM: m.serverPEM, KeyPEM: m.serverKey}
	for _, tc := range []struct {
		name  string
		p     Podman
		field Field
	}{
		{"the certificate where the restart records the socket", Podman{SocketActivation: true, CertPath: "/var/lib/dockertls/podman-tls.socket"}, FieldCertPath},
		{"the CA where the restart removes the socket unit", Podman{CACertPath: "/etc/systemd/system/podman-tls.socket"}, FieldCACertPath},
		{"the key over the program", Podman{KeyPath: "/usr/bin/podman"}, FieldKeyPath},
		{"the TLS directory inside the program", Podman{TLSDir: "/usr/bin/podman/tls"}, FieldCACertPath},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.p.Material = server
			_, problems := tc.p.Render()
			if !slices.ContainsFunc(problems, func(p Problem) bool { return !p.Warning && p.Field == tc.field }) {
				t.Errorf("want an error on %s, got %+v", tc.field, problems)
			}
		})
	}
	if _, problems := (Daemon{TLSVerify: true, SocketActivation: true, Hosts: []string{"tcp://10.0.0.5:2376"}, Material: server,
		KeyPath: "/var/lib/dockertls/docker.socket.conf"}).Render(); !slices.ContainsFunc(problems, func(p Problem) bool { return p.Field == FieldKeyPath }) {
		t.Errorf("dockerd's key where the restart records docker.socket's drop-in: %+v", problems)
	}
}

func TestPodmanPendingSkipsChecks(t *testing.T) {
	p := Podman{Address: "unix:///x", PodmanPath: "podman", Pending: Pending{FieldAddress: true, FieldPodmanPath: true}}
	if problems := p.WithDefaults().Check(); len(problems) > 0 {
		t.Errorf("pending inputs were judged: %v", problems)
	}
}

func TestPodmanRender(t *testing.T) {
	m := newMaterial(t)
	server := ServerMaterial{CACertPEM: m.caPEM, CertPEM: m.serverPEM, KeyPEM: m.serverKey}
	t.Run("socket activation", func(t *testing.T) {
		r, problems := Podman{SocketActivation: true, Address: "tcp://10.0.0.5:2376", Material: server}.Render()
		if hasError(problems) {
			t.Fatal(problems)
		}
		want := "ExecStart=/usr/bin/podman --log-level=info system service --time=0 --tls-cert=/etc/containers/tls/server-cert.pem " +
			"--tls-key=/etc/containers/tls/server-key.pem --tls-client-ca=/etc/containers/tls/ca.pem\n"
		if !strings.Contains(r.ServiceUnit, want) || !strings.Contains(r.ServiceUnit, "Requires=podman-tls.socket\n") || strings.Contains(r.ServiceUnit, "[Install]") {
			t.Errorf("the service, socket-activated, without an address of its own:\n%s", r.ServiceUnit)
		}
		if !strings.Contains(r.SocketUnit, "ListenStream=10.0.0.5:2376\nFreeBind=yes\n") || !strings.Contains(r.SocketUnit, "WantedBy=sockets.target") {
			t.Errorf("the socket:\n%s", r.SocketUnit)
		}
		if got := fileNames(r.Files); got != "podman-tls.service podman-tls.socket ca.pem server-cert.pem server-key.pem" {
			t.Errorf("files: %s", got)
		}
		for _, f := range r.Files {
			want := map[string]string{ServerKeyFileName: ModePrivateKey, CAFileName: ModeCertificate, ServerCertFileName: ModeCertificate,
				PodmanServiceName: ModeConfig, PodmanSocketName: ModeConfig}[f.Name]
			if f.Mode != want || f.Sensitive != (f.Name == ServerKeyFileName) {
				t.Errorf("%s: mode %s, sensitive %t; want mode %s", f.Name, f.Mode, f.Sensitive, want)
			}
		}
		// Ignition's first boot records the socket unit as applied, as
		// cloud-init's does, so that the first restart leaves the port open.
		if !strings.Contains(r.Ignition, `"path": "/var/lib/dockertls/podman-tls.socket"`) ||
			!strings.Contains(r.CloudConfig, `["install", "-D", "-m", "0644", "/etc/systemd/system/podman-tls.socket", "/var/lib/dockertls/podman-tls.socket"]`) {
			t.Errorf("first boot does not record the socket unit as applied:\n%s\n%s", r.Ignition, r.CloudConfig)
		}
		// The socket is restarted only when its unit changed; the service always.
		if !strings.Contains(r.RestartCommand, "if ! cmp -s /etc/systemd/system/podman-tls.socket /var/lib/dockertls/podman-tls.socket; then") ||
			!strings.HasSuffix(r.RestartCommand, "systemctl restart podman-tls.service") {
			t.Errorf("restart_command: %s", r.RestartCommand)
		}
		if !strings.Contains(r.CloudConfig, `["systemctl", "enable", "--now", "podman-tls.socket"]`) ||
			!strings.Contains(r.Ignition, `"name": "podman-tls.socket"`) {
			t.Errorf("first boot does not start the socket:\n%s\n%s", r.CloudConfig, r.Ignition)
		}
	})
	t.Run("podman opens the port", func(t *testing.T) {
		r, problems := Podman{Address: "tcp://docker1.example.internal:2376", Material: server}.Render()
		if hasError(problems) {
			t.Fatal(problems)
		}
		if !strings.Contains(r.ServiceUnit, "--tls-client-ca=/etc/containers/tls/ca.pem tcp://docker1.example.internal:2376\n") ||
			!strings.Contains(r.ServiceUnit, "WantedBy=multi-user.target") || r.SocketUnit != "" {
			t.Errorf("the service listens itself:\n%s\nsocket: %q", r.ServiceUnit, r.SocketUnit)
		}
		// A host that switches layouts loses the socket in the same apply.
		if !strings.HasPrefix(r.RestartCommand, "systemctl disable --now podman-tls.socket") {
			t.Errorf("restart_command: %s", r.RestartCommand)
		}
	})
	t.Run("the restart trigger follows the trust", func(t *testing.T) {
		a, _ := Podman{Material: server}.Render()
		other := server
		other.ClientCACertPEM = m.otherCAPEM
		b, _ := Podman{Material: other}.Render()
		if a.RestartTrigger == "" || a.RestartTrigger == b.RestartTrigger {
			t.Errorf("the client trust changed and restart_trigger did not: %q", a.RestartTrigger)
		}
	})
}

func fileNames(files []File) string {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Name
	}
	return strings.Join(names, " ")
}

func TestPodmanConnectionName(t *testing.T) {
	for _, tc := range []struct{ host, name, want string }{
		{"tcp://docker1.example.internal:2376", "", "docker1.example.internal"},
		{"tcp://docker1.example.internal.:2376", "", "docker1.example.internal"},
		{"tcp://docker1.example.internal:2377", "", "docker1.example.internal-2377"},
		{"tcp://10.0.0.30:8888", "", "10.0.0.30-8888"},
		{"tcp://[fd00::1]:2376", "", "fd00-1"},
		{"tcp://[::1]:2377", "", "1-2377"},
		{"tcp://[fd00::1]:2377", "", "fd00-1-2377"}, // the schema's example
		{"tcp://docker1.example.internal:2377", "ci", "ci"},
	} {
		host, err := ParseHost(tc.host)
		if err != nil {
			t.Fatal(err)
		}
		if got := (PodmanClient{Host: host, ConnectionName: tc.name}).Connection(); got != tc.want || !connectionNamePattern.MatchString(got) {
			t.Errorf("Connection of %s (connection_name %q) = %q, want %q", tc.host, tc.name, got, tc.want)
		}
	}
	// What the check offers for a name that needs quoting is itself a name.
	for in, want := range map[string]string{"a b": "a-b", "ci/runner 1": "ci-runner-1", "_x": "podman-_x", "'": "podman", "-ci-": "ci"} {
		if got := connectionNameFrom(in); got != want || !connectionNamePattern.MatchString(got) {
			t.Errorf("connectionNameFrom(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPodmanClient(t *testing.T) {
	m := newMaterial(t)
	host, err := ParseHost("tcp://docker1.example.internal:2376")
	if err != nil {
		t.Fatal(err)
	}
	material := ClientMaterial{CACertPEM: m.caPEM, CertPEM: m.clientPEM, KeyPEM: m.clientKey, ServerCertPEM: m.serverPEM}
	c := PodmanClient{Host: host, CertDir: "/home/ci/.config/containers/tls/it's", Default: true, Material: material}
	if problems := c.Check(); len(problems) > 0 {
		t.Fatal(problems)
	}
	if got, want := c.ConnectionCommand(), `podman system connection add --default --tls-ca '/home/ci/.config/containers/tls/it'"'"'s/ca.pem' `+
		`--tls-cert '/home/ci/.config/containers/tls/it'"'"'s/cert.pem' --tls-key '/home/ci/.config/containers/tls/it'"'"'s/key.pem' `+
		`docker1.example.internal tcp://docker1.example.internal:2376`; got != want {
		t.Errorf("ConnectionCommand:\n%s\nwant\n%s", got, want)
	}
	var conf struct {
		Engine struct {
			ActiveService       string                       `toml:"active_service"`
			ServiceDestinations map[string]map[string]string `toml:"service_destinations"`
		} `toml:"engine"`
	}
	if err := toml.Unmarshal([]byte(c.ContainersConf()), &conf); err != nil {
		t.Fatalf("%v\n%s", err, c.ContainersConf())
	}
	dest := conf.Engine.ServiceDestinations["docker1.example.internal"]
	if conf.Engine.ActiveService != "docker1.example.internal" || dest["uri"] != host.Raw || dest["tls_key"] != c.CertDir+"/key.pem" ||
		dest["tls_ca"] != c.CertDir+"/ca.pem" || dest["tls_cert"] != c.CertDir+"/cert.pem" {
		t.Errorf("containers.conf reads as %+v", conf)
	}
	if got := c.ContainersConfName(); got != "dockertls-docker1.example.internal.conf" {
		t.Errorf("ContainersConfName: %s", got)
	}

	for _, tc := range []struct {
		name  string
		c     PodmanClient
		field Field
		want  string
	}{
		{"a relative directory", PodmanClient{Host: host, CertDir: "tls/podman1", Material: material}, FieldCertDir, `not absolute.*/home/ci/\.config/containers/tls/tls/podman1`},
		{"a connection name to quote", PodmanClient{Host: host, CertDir: "/c", ConnectionName: "my host", Material: material}, FieldConnectionName, `write my-host$`},
		{"a host the certificate lacks", PodmanClient{Host: Host{Raw: "tcp://10.0.0.9:2376", Scheme: SchemeTCP, Hostname: "10.0.0.9", Port: 2376}, CertDir: "/c", Material: material}, FieldHost, `does not name "10\.0\.0\.9".*podman-remote would fail every call`},
		{"a server certificate as the client's", PodmanClient{Host: host, CertDir: "/c", Material: ClientMaterial{CACertPEM: m.caPEM, CertPEM: m.serverPEM, KeyPEM: m.serverKey}}, FieldClientCert, `clientAuth`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, p := range tc.c.Check() {
				if !p.Warning && p.Field == tc.field && regexp.MustCompile(tc.want).MatchString(p.Detail) {
					return
				}
			}
			t.Errorf("want an error on %s matching %q, got %+v", tc.field, tc.want, tc.c.Check())
		})
	}
}

func TestTestcontainersProperties(t *testing.T) {
	host, _ := ParseHost("tcp://10.0.0.5:2376")
	if got := (Client{Host: host}).TestcontainersProperties(); got != "" {
		t.Errorf("without cert_dir: %q, want none", got)
	}
	for _, tc := range []struct{ dir, want string }{
		{`C:\Users\ci\.docker\d1`, `C:\\Users\\ci\\.docker\\d1`},
		{"/home/josé/#tls=a:b!", `/home/jos\u00e9/#tls=a:b!`},
		{"/home/ci/${HOME}", ""},
		{"/home/ci/\U0001F600", ""},
	} {
		want := ""
		if tc.want != "" {
			want = "# Written by Terraform (dockertls_client_config).\ndocker.host=tcp://10.0.0.5:2376\ndocker.tls.verify=1\ndocker.cert.path=" + tc.want + "\n"
		}
		c := Client{Host: host, CertDir: tc.dir}
		if got := c.TestcontainersProperties(); got != want {
			t.Errorf("%q: got\n%s\nwant\n%s", tc.dir, got, want)
		}
		warned := slices.ContainsFunc(c.Check(), func(p Problem) bool { return p.Warning && p.Field == FieldCertDir })
		if warned != (want == "") {
			t.Errorf("%q: warned %t, want a warning exactly when the properties are left out", tc.dir, warned)
		}
	}
}
