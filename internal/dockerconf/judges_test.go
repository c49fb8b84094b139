package dockerconf

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/coreos/ignition/v2/config/v3_3"
	"github.com/pelletier/go-toml/v2"
)

// The judges: for each rendering, the program that reads it on a host, or
// its own parser where that is exact. A judge's refusal is returned as an
// error; a judge that is missing fails the test in CI and skips it,
// loudly, elsewhere.

// requireTool returns the path of a program the judges need.
func requireTool(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed: make test installs it (%s)", name, install)
		}
		t.Skipf("SKIP (loudly): %s is not installed, so what it reads is not judged here (%s, or run make test as root)", name, install)
	}
	return p
}

var (
	judgeOnce sync.Once
	judgePath string
	judgeErr  error
)

// judgeProgram builds ../../judges (its own module: BuildKit's and the
// registry's parsers, from the Go module proxy) once per test binary.
func judgeProgram(t *testing.T) string {
	t.Helper()
	judgeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dockertls-judge")
		if err != nil {
			judgeErr = err
			return
		}
		judgePath = filepath.Join(dir, "judge")
		cmd := exec.Command("go", "build", "-o", judgePath, ".")
		cmd.Dir = filepath.Join("..", "..", "judges")
		if out, err := cmd.CombinedOutput(); err != nil {
			judgeErr = fmt.Errorf("go build judges: %v\n%s", err, out)
		}
	})
	if judgeErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(judgeErr)
		}
		t.Skipf("SKIP (loudly): the judges module does not build here, so buildkitd's and the registry's parsers are not run (%v); make test builds it", judgeErr)
	}
	return judgePath
}

// judge has program's parser (buildkitd, registry) read text, and returns
// what it understood.
func judge(t *testing.T, program, text string) (map[string]any, error) {
	t.Helper()
	file := filepath.Join(t.TempDir(), program)
	writeTestFile(t, file, text)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(judgeProgram(t), program, file)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if _, exited := err.(*exec.ExitError); !exited {
			t.Fatal(err)
		}
		return nil, fmt.Errorf("%s refuses it: %s", program, strings.TrimSpace(stderr.String()))
	}
	var understood map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &understood); err != nil {
		t.Fatal(err)
	}
	return understood, nil
}

// writtenFile is what cloud-init wrote.
type writtenFile struct {
	mode, owner, content string
}

// judgeCloudConfig has cloud-init's schema validate doc, then cloud-init's
// write_files write it into a scratch root: what it wrote, by path.
func judgeCloudConfig(t *testing.T, doc string) (map[string]writtenFile, error) {
	t.Helper()
	written, errs := judgeCloudConfigs(t, []string{doc})
	return written[0], errs[0]
}

// judgeCloudConfigs is judgeCloudConfig for many documents, in one run of
// cloud-init's code (testdata/cloudinit_write_files.py).
func judgeCloudConfigs(t *testing.T, docs []string) ([]map[string]writtenFile, []error) {
	t.Helper()
	requireTool(t, "cloud-init", "apt-get install cloud-init")
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	args := []string{filepath.Join("testdata", "cloudinit_write_files.py"), root}
	for i, doc := range docs {
		file := filepath.Join(dir, fmt.Sprintf("user-data-%d", i))
		writeTestFile(t, file, doc)
		args = append(args, file)
	}
	// Debian's python3, which has cloud-init's modules.
	out, err := exec.Command("/usr/bin/python3", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("cloud-init's code did not run: %v\n%s", err, out)
	}
	written := make([]map[string]writtenFile, len(docs))
	errs := make([]error, len(docs))
	for i := range docs {
		written[i] = map[string]writtenFile{}
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Split(line, "\t")
		var i int
		if len(fields) < 3 || func() bool { _, err := fmt.Sscan(fields[1], &i); return err != nil }() || i >= len(docs) {
			t.Fatalf("cloud-init's code printed %q", line)
		}
		switch {
		case fields[0] == "REFUSED":
			errs[i] = fmt.Errorf("cloud-init refuses it: %s", fields[2])
		case fields[0] == "FILE" && len(fields) == 4:
			p := filepath.Join(root, fmt.Sprint(i)) + fields[2]
			info, err := os.Stat(p)
			if err != nil {
				errs[i] = fmt.Errorf("cloud-init did not write %s: %v", fields[2], err)
				continue
			}
			content, _ := os.ReadFile(p)
			written[i][fields[2]] = writtenFile{mode: fmt.Sprintf("%04o", info.Mode().Perm()), owner: fields[3], content: string(content)}
		default:
			t.Fatalf("cloud-init's code printed %q", line)
		}
	}
	return written, errs
}

// checkWritten fails t unless cloud-init wrote exactly files, each with its
// mode and content.
func checkWritten(t *testing.T, written map[string]writtenFile, files []File) {
	t.Helper()
	if len(written) != len(files) {
		t.Errorf("cloud-init wrote %d files, the rendering has %d", len(written), len(files))
	}
	for _, f := range files {
		w, ok := written[f.Path]
		switch {
		case !ok:
			t.Errorf("cloud-init did not write %s (%s)", f.Name, f.Path)
		case w.content != f.Content:
			t.Errorf("%s: cloud-init wrote other bytes", f.Path)
		case w.mode != f.Mode:
			t.Errorf("%s: cloud-init wrote mode %s, want %s", f.Path, w.mode, f.Mode)
		}
	}
}

// judgeIgnition has Ignition's config package parse and validate doc.
func judgeIgnition(doc string) error {
	if _, report, err := v3_3.Parse([]byte(doc)); err != nil || len(report.Entries) > 0 {
		return fmt.Errorf("Ignition refuses it: %v %s", err, report.String())
	}
	return nil
}

// judgeUnit has systemd load unit (its text; name is its file name) with
// `systemd-analyze verify`, with dropins beside it and the other units
// (name, text pairs) it refers to; any output is a refusal. The program
// ExecStart names must exist here.
func judgeUnit(t *testing.T, name, unit string, dropins map[string]string, others ...string) error {
	t.Helper()
	analyze := requireTool(t, "systemd-analyze", "apt-get install systemd")
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, name), unit)
	for i := 0; i+1 < len(others); i += 2 {
		writeTestFile(t, filepath.Join(dir, others[i]), others[i+1])
	}
	for file, text := range dropins {
		writeTestFile(t, filepath.Join(dir, name+".d", file), text)
	}
	cmd := exec.Command(analyze, "verify", filepath.Join(dir, name))
	cmd.Env = append(os.Environ(), "SYSTEMD_UNIT_PATH="+dir+":", "SYSTEMD_LOG_LEVEL=notice")
	if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) != 0 {
		return fmt.Errorf("systemd refuses it: %v\n%s", err, out)
	}
	return nil
}

// TestJudgesReadTheRenderings: each rendering read by what reads it on a
// host means what was rendered: buildkitd's loader finds the addresses and
// TLS files, the registry's parser the listener, TLS and the base's text,
// cloud-init writes every file with its mode, Ignition and systemd accept
// the rest.
func TestJudgesReadTheRenderings(t *testing.T) {
	m := newMaterial(t)
	server := ServerMaterial{CACertPEM: m.caPEM, CertPEM: m.serverPEM, KeyPEM: m.serverKey}
	registrySection := RegistryClient{Registry: "registry.example.internal:5000"}.WithDefaults().BuildkitdTOML()

	t.Run("buildkitd", func(t *testing.T) {
		b := Buildkitd{TLSVerify: true, Material: server, Addresses: []string{"unix:///run/buildkit/buildkitd.sock", "tcp://10.0.0.5:1234"},
			ExtraTOML: "root = \"/srv/buildkit\"\n[worker.oci]\n  gc = true\n" + registrySection}
		r, problems := b.Render()
		if hasError(problems) {
			t.Fatal(problems)
		}
		understood, err := judge(t, "buildkitd", r.TOML)
		if err != nil {
			t.Fatal(err)
		}
		grpc, _ := understood["GRPC"].(map[string]any)
		tls, _ := grpc["TLS"].(map[string]any)
		if fmt.Sprint(grpc["Address"]) != fmt.Sprint(b.Addresses) || tls["Cert"] != DefaultBuildkitTLSDir+"/server-cert.pem" ||
			tls["Key"] != DefaultBuildkitTLSDir+"/server-key.pem" || tls["CA"] != DefaultBuildkitTLSDir+"/ca.pem" || understood["Root"] != "/srv/buildkit" {
			t.Errorf("buildkitd understood %v", understood)
		}
		written, err := judgeCloudConfig(t, r.CloudConfig)
		if err != nil {
			t.Fatal(err)
		}
		checkWritten(t, written, r.Files)
		// systemd checks that ExecStart's program exists: /bin/sh stands in.
		if err := judgeUnit(t, BuildkitdUnitName, strings.Replace(r.Unit, DefaultBuildkitdPath, "/bin/sh", 1), nil); err != nil {
			t.Error(err)
		}
	})

	t.Run("registry", func(t *testing.T) {
		base, err := ParseRegistryBase("version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/registry\n  delete:\n    enabled: yes\nhttp:\n  secret: 0x1F2E\n  relativeurls: on\n")
		if err != nil {
			t.Fatal(err)
		}
		r, problems := Registry{TLSVerify: true, Addr: "192.0.2.10:5000", Base: base, Material: server}.Render()
		if hasError(problems) {
			t.Fatal(problems)
		}
		understood, err := judge(t, "registry", r.Files[0].Content)
		if err != nil {
			t.Fatal(err)
		}
		http := understood["http"].(map[string]any)
		tls := http["tls"].(map[string]any)
		storage := understood["storage"].(map[string]any)
		if http["addr"] != "192.0.2.10:5000" || http["secret"] != "0x1F2E" || http["relativeurls"] != true ||
			tls["certificate"] != DefaultRegistryTLSDir+"/server-cert.pem" || tls["key"] != DefaultRegistryTLSDir+"/server-key.pem" ||
			fmt.Sprint(tls["clientcas"]) != "["+DefaultRegistryTLSDir+"/ca.pem]" || tls["minimumtls"] != "tls1.2" ||
			understood["storage_type"] != "filesystem" || fmt.Sprint(storage["delete"]) != "map[enabled:true]" {
			t.Errorf("the registry understood %v", understood)
		}
		written, err := judgeCloudConfig(t, r.CloudConfig)
		if err != nil {
			t.Fatal(err)
		}
		checkWritten(t, written, r.Files)
	})

	for _, socketActivation := range []bool{true, false} {
		t.Run(fmt.Sprintf("podman socket_activation=%v", socketActivation), func(t *testing.T) {
			p := Podman{Address: "tcp://10.0.0.5:2376", SocketActivation: socketActivation, Material: server}
			r, problems := p.Render()
			if hasError(problems) {
				t.Fatal(problems)
			}
			written, err := judgeCloudConfig(t, r.CloudConfig)
			if err != nil {
				t.Fatal(err)
			}
			checkWritten(t, written, r.Files)
			if err := judgeIgnition(r.Ignition); err != nil {
				t.Error(err)
			}
			if err := judgePodmanUnits(t, r, DefaultPodmanPath); err != nil {
				t.Error(err)
			}
			client := PodmanClient{Host: Host{Raw: "tcp://10.0.0.5:2376", Scheme: SchemeTCP, Hostname: "10.0.0.5", Port: 2376}, CertDir: "/home/ci/.config/containers/tls/p1"}
			if err := judgePodmanClient(t, client); err != nil {
				t.Error(err)
			}
		})
	}

	for _, d := range []Daemon{
		{TLSVerify: true, Material: server, Hardening: HardeningBaseline, LiveRestore: true},
		{TLSVerify: true, Material: server, Hosts: []string{"tcp://10.0.0.5:2376"}, SocketActivation: true},
		{TLSVerify: true, Material: server, Platform: PlatformRootless, User: RootlessUser{Name: "ci", UID: 1000, Home: "/home/ci"}, Hosts: []string{"tcp://10.0.0.5:2376"}},
	} {
		t.Run(fmt.Sprintf("daemon %s socket_activation=%v", cmp.Or(d.Platform, PlatformLinux), d.SocketActivation), func(t *testing.T) {
			r, problems := d.Render()
			if hasError(problems) {
				t.Fatal(problems)
			}
			written, err := judgeCloudConfig(t, r.CloudConfig)
			if err != nil {
				t.Fatal(err)
			}
			checkWritten(t, written, r.Files)
			if r.Ignition != "" {
				if err := judgeIgnition(r.Ignition); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// judgePodmanUnits has systemd load the rendered service, with its socket
// when there is one. systemd checks that ExecStart's program exists:
// /bin/sh stands in for podman, at podmanPath.
func judgePodmanUnits(t *testing.T, r PodmanRendered, podmanPath string) error {
	t.Helper()
	service := strings.Replace(r.ServiceUnit, "\nExecStart="+podmanPath+" ", "\nExecStart=/bin/sh ", 1)
	if service == r.ServiceUnit {
		return fmt.Errorf("the service does not start %s:\n%s", podmanPath, r.ServiceUnit)
	}
	if r.SocketUnit == "" {
		return judgeUnit(t, PodmanServiceName, service, nil)
	}
	if err := judgeUnit(t, PodmanSocketName, r.SocketUnit, nil, PodmanServiceName, service); err != nil {
		return err
	}
	return judgeUnit(t, PodmanServiceName, service, nil, PodmanSocketName, r.SocketUnit)
}

// judgePodmanClient has a shell run the client's connection command with
// a stand-in podman that prints its arguments, and go-toml (the parser
// family containers.conf is read with) read its containers.conf: each must
// carry the connection's name, URI and paths as they are.
func judgePodmanClient(t *testing.T, c PodmanClient) error {
	t.Helper()
	ca, cert, key := c.paths()
	want := []string{"system", "connection", "add"}
	if c.Default {
		want = append(want, "--default")
	}
	want = append(want, "--tls-ca", ca, "--tls-cert", cert, "--tls-key", key, c.Connection(), c.Host.Raw)
	out, err := exec.Command("sh", "-c", `podman() { printf '%s\0' "$@"; }; `+c.ConnectionCommand()).Output()
	if err != nil {
		return fmt.Errorf("sh refuses the connection command %q: %v", c.ConnectionCommand(), err)
	}
	if got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00"); !slices.Equal(got, want) {
		return fmt.Errorf("sh reads the connection command %q as %q, want %q", c.ConnectionCommand(), got, want)
	}
	var conf struct {
		Engine struct {
			ActiveService string                       `toml:"active_service"`
			Destinations  map[string]map[string]string `toml:"service_destinations"`
		} `toml:"engine"`
	}
	if err := toml.Unmarshal([]byte(c.ContainersConf()), &conf); err != nil {
		return fmt.Errorf("containers.conf does not parse: %v\n%s", err, c.ContainersConf())
	}
	d := conf.Engine.Destinations[c.Connection()]
	if len(conf.Engine.Destinations) != 1 || d["uri"] != c.Host.Raw || d["tls_ca"] != ca || d["tls_cert"] != cert || d["tls_key"] != key ||
		(conf.Engine.ActiveService == c.Connection()) != c.Default {
		return fmt.Errorf("containers.conf reads as %+v\n%s", conf, c.ContainersConf())
	}
	return nil
}

// judgeDropin has systemd load the drop-in of r with Debian's packaged
// docker.service and docker.socket (testdata/systemd).
func judgeDropin(t *testing.T, r Rendered) error {
	t.Helper()
	units := map[string]string{}
	for _, unit := range []string{"docker.service", "docker.socket"} {
		text, err := os.ReadFile(filepath.Join("testdata", "systemd", unit))
		if err != nil {
			t.Fatal(err)
		}
		units[unit] = string(text)
	}
	unit := strings.TrimSuffix(filepath.Base(filepath.Dir(r.DropinPath)), ".d")
	other := "docker.socket"
	if unit == other {
		other = "docker.service"
	}
	return judgeUnit(t, unit, units[unit], map[string]string{filepath.Base(r.DropinPath): r.Dropin}, other, units[other])
}

// TestParsersMatchTheJudges: the provider parses extra_toml and reads
// config_yaml's meaning with the very versions of the libraries buildkitd
// and the registry use (as the judges module resolves them).
func TestParsersMatchTheJudges(t *testing.T) {
	version := func(goMod, module string) string {
		text, err := os.ReadFile(goMod)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(text), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == module {
				return f[1]
			}
		}
		t.Fatalf("%s does not require %s", goMod, module)
		return ""
	}
	for _, module := range []string{"github.com/pelletier/go-toml/v2", "go.yaml.in/yaml/v2"} {
		provider, judges := version("../../go.mod", module), version("../../judges/go.mod", module)
		if provider != judges {
			t.Errorf("%s: the provider has %s, buildkitd's or the registry's module %s: align go.mod with judges/go.mod", module, provider, judges)
		}
	}
}
