package dockerconf

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Hostile values, by kind, that a module author's for_each can hand each
// argument: the classes a hostile-input pass found, and their neighbours.
var (
	hostilePaths = []string{
		"/srv/tls/", "/srv//tls", "/srv/./tls", "/srv/../srv/tls", "srv/tls", "/srv/t\x7fls", "/srv/t\tls",
		"/srv/tls dir", "/usr/local/bin", "/srv/tls%i", "/" + strings.Repeat("d", 200),
	}
	hostileAddresses = [][]string{
		{"fd://"}, {""}, {}, {"unix://"}, {"unix:///" + strings.Repeat("s", 120)}, {"tcp://[fe80::1]:1234"},
		{"tcp://0.0.0.0"}, {"tcp://localhost:1234", "tcp://127.0.0.1:1234"}, {"TCP://0.0.0.0:1234"},
		{"npipe://"}, {"tcp://10.0.0.5:1234", "tcp://10.0.0.5:1234"}, {"tcp://[::]:1234", "tcp://0.0.0.0:1234"},
		{"tcp://10.0.0.5:1234"}, {"unix:///run/buildkit/buildkitd.sock", "tcp://[2001:db8::5]:1234"},
	}
	hostileTOML = []string{
		"\ufeffroot = \"/srv\"\n", "root = /srv\n", "[worker.oci]\n gc = true\n[worker.oci]\n gc = false\n",
		"grpc = { address = [\"tcp://0.0.0.0:1\"] }\n", "grpc.debugAddress = \"0.0.0.0:6060\"\n", "[grpc.tls]\n ca = \"/x\"\n",
		"[[grpc]]\n", "root = \"/srv\"\n[registry.\"docker.io\"]\n mirrors = [\"\"\"\n[grpc]\n\"\"\"]\n", "root = \"\"\"\n",
		"[worker.oci]\n gc = true\n", "debug = true\n", "[GRPC]\ndebugAddress = \"0.0.0.0:6060\"\n", "Grpc.DebugAddress = \"0.0.0.0:6060\"\n", "# only a comment", "", "root = '/srv' # ]]]\n", "a = 1\n[a]\n",
	}
	hostileYAML = []string{
		"version: 0.1\nstorage:\n  inmemory: {}\n  delete:\n    enabled: yes\nhttp:\n  secret: 0x1F2E\n",
		"version: 0.1\nstorage: inmemory\n", "version: 0.2\nstorage: inmemory\n", "version: 0.1\n",
		"version: 0.1\nstorage: {inmemory: {}, filesystem: {rootdirectory: /srv}}\n", "version: 0.1\nstorage: {delete: {enabled: true}}\n",
		"version: 0.1\nstorage: inmemory\nhttp: {net: unix}\n", "version: 0.1\nstorage: inmemory\nhttp: {addr: ':1'}\n",
		"version: 0.1\nstorage: inmemory\nstorage: inmemory\n", "version: 0.1\nstorage: inmemory\n---\nversion: 0.1\n",
		"version: 0.1\nstorage: inmemory\nhttp: [a]\n", "- a\n", "", "version: 0.1\nstorage: inmemory\nhttp: &h {secret: s}\nx: *h\n",
		"version: 0.1\nstorage: inmemory\n<<: {log: {level: info}}\n", "version: 0.1\nstorage: inmemory\nhttp:\n  secret: on\n",
		"version: 0.1\nstorage: inmemory\nhttp: ~\n", "version: 0.1\nstorage: inmemory\nhttp:\n  <<: {net: unix}\n",
		"version: 0.1\nstorage: inmemory\nhttp:\n  secret: |-\n\n    after blank\n", "version: 0.1\nstorage: inmemory\nhttp:\n  secret: >-\n    x\n      indented\n    y\n",
		"version: 0.1\nstorage: \"\"\n", "version: 0.1\nstorage: maintenance\n", "version: 0.1\nstorage: {filesystem: 5}\n",
		"version: 0.1\nstorage: {inmemory: {}}\nhttp: {secret: 0755, host: 'https://r.example', relativeurls: y}\nlog: {level: ~}\n", "version: \"0.1\"\nstorage: {inmemory: }\n", "version: 0.1\nstorage: inmemory\nhttp: {headers: {X-A: [b]}}\n",
	}
)

// checkRefusal fails t unless every error among problems names the
// argument to change.
func checkRefusal(t *testing.T, problems []Problem) {
	t.Helper()
	for _, p := range problems {
		if !p.Warning && p.Field == "" {
			t.Errorf("refused without naming the argument: %+v", p)
		}
	}
}

// TestGeneratedInputsRefusedOrJudged: for every rendering and a generated
// set of hostile inputs, each input is either refused, naming the
// argument, or accepted by every judge of what is rendered (buildkitd's
// loader, the registry's parser, cloud-init's schema and write_files,
// Ignition's validator, systemd). None is accepted and then refused.
func TestGeneratedInputsRefusedOrJudged(t *testing.T) {
	m := newMaterial(t)
	server := ServerMaterial{CACertPEM: m.caPEM, CertPEM: m.serverPEM, KeyPEM: m.serverKey}
	dockerd := requireTool(t, "dockerd", "apt-get install docker.io") // the drop-in's program, which systemd looks for
	accepted, refused := 0, 0
	// cloud-init's code is judged at the end, all documents in one run.
	var cloudDocs, cloudCases []string
	cloudJudge := func(t *testing.T, doc string) {
		cloudDocs, cloudCases = append(cloudDocs, doc), append(cloudCases, t.Name())
	}
	tally := func(problems []Problem) bool {
		if hasError(problems) {
			refused++
			checkRefusal(t, problems)
			return false
		}
		accepted++
		return true
	}

	var buildkitds []Buildkitd
	for _, a := range hostileAddresses {
		buildkitds = append(buildkitds, Buildkitd{TLSVerify: true, Addresses: a})
	}
	for _, x := range hostileTOML {
		buildkitds = append(buildkitds, Buildkitd{TLSVerify: true, ExtraTOML: x})
	}
	for _, p := range hostilePaths {
		buildkitds = append(buildkitds, Buildkitd{TLSVerify: true, TLSDir: p}, Buildkitd{TLSVerify: true, KeyPath: p},
			Buildkitd{TLSVerify: true, ConfigPath: p}, Buildkitd{TLSVerify: true, BuildkitdPath: p})
	}
	buildkitds = append(buildkitds, Buildkitd{TLSVerify: true, TLSDir: DefaultBuildkitdConfigPath}, Buildkitd{TLSVerify: true, CertPath: "/etc/buildkit/tls//server-key.pem"})
	for i, b := range buildkitds {
		t.Run(fmt.Sprintf("buildkitd %d", i), func(t *testing.T) {
			b.Material = server
			r, problems := b.Render()
			if !tally(problems) {
				return
			}
			understood, err := judge(t, "buildkitd", r.TOML)
			if err != nil {
				t.Errorf("accepted, then %v\n%s", err, r.TOML)
				return
			}
			// It listens where it was told, with the TLS rendered, and nothing else.
			grpc := understood["GRPC"].(map[string]any)
			tls := grpc["TLS"].(map[string]any)
			if fmt.Sprint(grpc["Address"]) != fmt.Sprint(b.WithDefaults().Addresses) || grpc["DebugAddress"] != "" || grpc["GID"] != nil ||
				tls["Cert"] != b.WithDefaults().CertPath || tls["Key"] != b.WithDefaults().KeyPath {
				t.Errorf("accepted, then buildkitd understood grpc = %v\n%s", grpc, r.TOML)
			}
			cloudJudge(t, r.CloudConfig)
			unit := strings.Replace(r.Unit, "ExecStart="+b.WithDefaults().BuildkitdPath+" ", "ExecStart=/bin/sh ", 1)
			if err := judgeUnit(t, BuildkitdUnitName, unit, nil); err != nil {
				t.Errorf("accepted, then %v\n%s", err, r.Unit)
			}
		})
	}

	type registryCase struct {
		Registry
		configYAML string
	}
	var registries []registryCase
	for _, y := range hostileYAML {
		registries = append(registries, registryCase{Registry{TLSVerify: true}, y})
	}
	for _, p := range hostilePaths {
		registries = append(registries, registryCase{Registry{TLSVerify: true, TLSDir: p}, hostileYAML[1]}, registryCase{Registry{TLSVerify: true, ConfigPath: p}, hostileYAML[1]})
	}
	for _, a := range []string{":5000", "5000", ":0", ":99999", "[fe80::1]:5000", "registry.example.internal:5000", "0.0.0.0:5000", "[::]:5000", "a b:5000"} {
		registries = append(registries, registryCase{Registry{TLSVerify: true, Addr: a}, hostileYAML[1]})
	}
	for i, c := range registries {
		t.Run(fmt.Sprintf("registry %d", i), func(t *testing.T) {
			r := c.Registry
			r.Material = server
			base, err := ParseRegistryBase(c.configYAML)
			if err != nil {
				tally([]Problem{{Field: "config_yaml", Detail: err.Error()}})
				return
			}
			r.Base = base
			rendered, problems := r.Render()
			if !tally(problems) {
				return
			}
			understood, err := judge(t, "registry", rendered.Files[0].Content)
			if err != nil {
				t.Errorf("accepted %q, then %v\n%s", c.configYAML, err, rendered.Files[0].Content)
				return
			}
			// It listens where it was told, with the TLS rendered.
			http := understood["http"].(map[string]any)
			tls := http["tls"].(map[string]any)
			if http["addr"] != r.WithDefaults().Addr || http["net"] != "" || tls["certificate"] != r.WithDefaults().CertPath || tls["key"] != r.WithDefaults().KeyPath {
				t.Errorf("accepted %q, then the registry understood http = %v", c.configYAML, http)
			}
			cloudJudge(t, rendered.CloudConfig)
		})
	}

	var daemons []Daemon
	for _, p := range hostilePaths {
		daemons = append(daemons, Daemon{TLSVerify: true, TLSDir: p}, Daemon{TLSVerify: true, KeyPath: p}, Daemon{TLSVerify: true, JSONPath: p},
			Daemon{TLSVerify: true, DockerdPath: p})
	}
	for _, a := range hostileAddresses {
		daemons = append(daemons, Daemon{TLSVerify: true, Hosts: a}, Daemon{TLSVerify: true, Hosts: a, SocketActivation: true})
	}
	daemons = append(daemons, Daemon{TLSVerify: true, TLSDir: "/etc/docker/daemon.json"}, Daemon{TLSVerify: true, CertPath: "/etc/docker/tls/ca.pem"})
	for i, d := range daemons {
		t.Run(fmt.Sprintf("daemon %d", i), func(t *testing.T) {
			d.Material = server
			r, problems := d.Render()
			if !tally(problems) {
				return
			}
			cloudJudge(t, r.CloudConfig)
			if err := judgeIgnition(r.Ignition); err != nil {
				t.Errorf("accepted, then %v", err)
			}
			if d.DockerdPath != "" { // a program of this name need not be here: the one found stands in
				r.Dropin = strings.Replace(r.Dropin, "ExecStart="+d.DockerdPath+"\n", "ExecStart="+dockerd+"\n", 1)
			}
			if err := judgeDropin(t, r); err != nil {
				t.Errorf("accepted, then %v\n%s", err, r.Dropin)
			}
		})
	}
	var podmans []Podman
	for _, socketActivation := range []bool{true, false} {
		for _, a := range hostileAddresses {
			if len(a) > 0 {
				podmans = append(podmans, Podman{SocketActivation: socketActivation, Address: a[0]})
			}
		}
		for _, p := range hostilePaths {
			podmans = append(podmans, Podman{SocketActivation: socketActivation, TLSDir: p}, Podman{SocketActivation: socketActivation, KeyPath: p},
				Podman{SocketActivation: socketActivation, PodmanPath: p})
		}
		podmans = append(podmans, Podman{SocketActivation: socketActivation, Address: "tcp://podman.example.internal:2376"})
	}
	for i, p := range podmans {
		t.Run(fmt.Sprintf("podman %d", i), func(t *testing.T) {
			p.Material = server
			r, problems := p.Render()
			if !tally(problems) {
				return
			}
			cloudJudge(t, r.CloudConfig)
			if err := judgeIgnition(r.Ignition); err != nil {
				t.Errorf("accepted, then %v", err)
			}
			if err := judgePodmanUnits(t, r, p.WithDefaults().PodmanPath); err != nil {
				t.Errorf("accepted, then %v\n%s\n%s", err, r.ServiceUnit, r.SocketUnit)
			}
		})
	}

	host, _ := ParseHost("tcp://podman1.example.internal:2376")
	var podmanClients []PodmanClient
	for _, dir := range append(slices.Clone(hostilePaths), "/home/it's", `/home/a"b`, `/home/a\b`, "/home/$HOME", "/home/`id`", "/home/a\nb",
		"/home/a]b", "/home/#x", "/home/ü", "/home/-x", "/home/a b c") {
		podmanClients = append(podmanClients, PodmanClient{Host: host, CertDir: dir}, PodmanClient{Host: host, CertDir: dir, Default: true})
	}
	for _, name := range []string{"a'b", `a"b`, "a]b", "a.b", "-x", "$x", "ü", "a b", "a\nb", "x=y"} {
		podmanClients = append(podmanClients, PodmanClient{Host: host, CertDir: "/c", ConnectionName: name})
	}
	for i, c := range podmanClients {
		t.Run(fmt.Sprintf("podman client %d", i), func(t *testing.T) {
			if !tally(c.Check()) {
				return
			}
			if err := judgePodmanClient(t, c); err != nil {
				t.Errorf("accepted, then %v", err)
			}
		})
	}

	_, errs := judgeCloudConfigs(t, cloudDocs)
	for i, err := range errs {
		if err != nil {
			t.Errorf("%s: accepted, then %v", cloudCases[i], err)
		}
	}
	t.Logf("%d inputs refused naming the argument, %d accepted by every judge", refused, accepted)
	if accepted < 10 || refused < 50 {
		t.Errorf("the generated inputs do not exercise both sides: %d accepted, %d refused", accepted, refused)
	}
}
