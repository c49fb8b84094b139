package provider

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// providerAddress is the provider's address for the CLI under test:
// OpenTofu resolves "dockertls/dockertls" to registry.opentofu.org, and
// terraform-plugin-testing is told so by TF_ACC_PROVIDER_HOST.
func providerAddress() string {
	host := os.Getenv("TF_ACC_PROVIDER_HOST")
	if host == "" {
		host = "registry.terraform.io"
	}
	return host + "/dockertls/dockertls"
}

// testClock is a settable clock shared by a test and the provider it runs.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock { return &testClock{now: time.Now().UTC().Truncate(time.Second)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *testClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// factories returns provider factories for terraform-plugin-testing whose
// provider reads time from clock.
func factories(clock *testClock) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		TypeName: NewServer("test", WithClock(clock.Now)),
	}
}

// requireTerraform fails, rather than skips, when the acceptance
// environment is missing: `make test` always sets it, and a silently skipped
// acceptance test would look like a pass.
func requireTerraform(t *testing.T) string {
	t.Helper()
	p := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if p == "" {
		var err error
		if p, err = exec.LookPath("terraform"); err != nil {
			t.Fatalf("terraform is not on PATH; run the tests with `make test`: %v", err)
		}
	}
	versionOnce.Do(func() {
		out, _ := exec.Command(p, "version").CombinedOutput()
		version := "unknown version"
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "Terraform v") || strings.HasPrefix(line, "OpenTofu v") {
				version = line
			}
		}
		t.Logf("CLI under test: %s (%s)", version, p)
	})
	return p
}

var versionOnce sync.Once

// cli runs the real Terraform CLI against a provider served from this test
// process, so that a test can read Terraform's own output (warnings, exit
// codes, logs) while controlling the provider's clock.
type cli struct {
	t   *testing.T
	dir string
	env []string
	tf  string
}

func newCLI(t *testing.T, clock *testClock, config string) *cli {
	t.Helper()
	tf := requireTerraform(t)
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	server, err := NewServer("test", WithClock(clock.Now))()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		err := tf6server.Serve(providerAddress(), func() tfprotov6.ProviderServer { return server },
			tf6server.WithDebug(ctx, reattach, closed),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()),
			// Logs go through the test's sink (silent unless TF_LOG is set for
			// the test itself) rather than flooding stderr.
			tf6server.WithLoggingSink(t))
		if err != nil {
			t.Errorf("serving the provider: %v", err)
		}
	}()
	var cfg *plugin.ReattachConfig
	select {
	case cfg = <-reattach:
	case <-time.After(30 * time.Second):
		t.Fatal("the provider server did not start")
	}
	t.Cleanup(func() { cancel(); <-closed })

	info, err := json.Marshal(map[string]any{providerAddress(): map[string]any{
		"Protocol": cfg.Protocol, "ProtocolVersion": cfg.ProtocolVersion, "Pid": cfg.Pid, "Test": true,
		"Addr": map[string]string{"Network": cfg.Addr.Network(), "String": cfg.Addr.String()},
	}})
	if err != nil {
		t.Fatal(err)
	}
	c := newCLIDir(t, tf, "", "TF_REATTACH_PROVIDERS="+string(info))
	c.write(config)
	c.mustRun("init", "-input=false")
	return c
}

// newCLIDir prepares a working directory and environment for terraform,
// with a CLI configuration of the test's own: empty, or one that runs the
// provider binary in overrideDir through dev_overrides.
func newCLIDir(t *testing.T, tf, overrideDir string, env ...string) *cli {
	t.Helper()
	dir := t.TempDir()
	rc := filepath.Join(dir, "terraformrc")
	rcText := ""
	if overrideDir != "" {
		rcText = fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"dockertls/dockertls\" = %q\n  }\n  direct {}\n}\n", overrideDir)
	}
	writeFile(t, rc, rcText)
	return &cli{t: t, dir: dir, tf: tf, env: append(append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1"), env...)}
}

var (
	buildOnce   sync.Once
	builtDir    string
	errBuilding error
)

// newBinaryCLI runs terraform against the provider built as a real binary,
// the way users run it: the provider is a child process of terraform, and
// its logs reach terraform's TF_LOG output.
func newBinaryCLI(t *testing.T, config string) *cli {
	t.Helper()
	tf := requireTerraform(t)
	buildOnce.Do(func() {
		builtDir, errBuilding = os.MkdirTemp("", "dockertls-provider")
		if errBuilding == nil {
			out, err := exec.Command("go", "build", "-o", filepath.Join(builtDir, "terraform-provider-dockertls"), "../..").CombinedOutput()
			if err != nil {
				errBuilding = fmt.Errorf("go build: %v\n%s", err, out)
			}
		}
	})
	if errBuilding != nil {
		t.Fatal(errBuilding)
	}
	c := newCLIDir(t, tf, builtDir)
	c.write(config)
	return c
}

func (c *cli) write(config string) {
	writeFile(c.t, filepath.Join(c.dir, "main.tf"), config)
}

// run executes terraform with args and returns its combined output and exit
// code.
func (c *cli) run(env []string, args ...string) (string, int) {
	c.t.Helper()
	cmd := exec.Command(c.tf, append(args, "-no-color")...)
	cmd.Dir = c.dir
	cmd.Env = append(append([]string{}, c.env...), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			c.t.Fatalf("terraform %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return string(out), code
}

func (c *cli) mustRun(args ...string) string {
	c.t.Helper()
	out, code := c.run(nil, args...)
	if code != 0 {
		c.t.Fatalf("terraform %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// stateAttr reads one attribute of a resource from `terraform show -json`.
func (c *cli) stateAttr(addr, attr string) any {
	c.t.Helper()
	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string         `json:"address"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(c.mustRun("show", "-json")), &state); err != nil {
		c.t.Fatal(err)
	}
	for _, r := range state.Values.RootModule.Resources {
		if r.Address == addr {
			return r.Values[attr]
		}
	}
	c.t.Fatalf("no resource %s in state", addr)
	return nil
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// attrs returns the flat state attributes of the resource at addr.
func attrs(s *terraform.State, addr string) (map[string]string, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return nil, fmt.Errorf("%s is not in state", addr)
	}
	return rs.Primary.Attributes, nil
}

// externalCA makes a CA outside Terraform, at issuedAt, for tests that feed
// PEM literals to the leaf resources.
func externalCA(t *testing.T, alg pki.KeyAlgorithm, issuedAt time.Time, validity time.Duration) (certPEM, keyPEM string, key any) {
	t.Helper()
	k, err := pki.GenerateKey(alg, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := pki.NewCA(pki.CARequest{Subject: pki.Subject{CommonName: "External CA"}, Validity: validity}, k, issuedAt, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err = pki.MarshalPrivateKeyPEM(k)
	if err != nil {
		t.Fatal(err)
	}
	return ca.CertPEM, keyPEM, k
}

// opensslVerify checks with the real openssl binary that leafPEM chains to
// caPEM for purpose ("sslserver" or "sslclient").
func opensslVerify(t *testing.T, caPEM, leafPEM, purpose string) error {
	t.Helper()
	return opensslVerifyAt(t, caPEM, leafPEM, purpose, time.Time{})
}

// opensslVerifyAt is opensslVerify at the moment at (openssl's -attime),
// or now when at is zero.
func opensslVerifyAt(t *testing.T, caPEM, leafPEM, purpose string, at time.Time) error {
	t.Helper()
	dir := t.TempDir()
	ca, leaf := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "leaf.pem")
	writeFile(t, ca, caPEM)
	writeFile(t, leaf, leafPEM)
	args := []string{"verify", "-CAfile", ca, "-purpose", purpose}
	if !at.IsZero() {
		args = append(args, "-attime", strconv.FormatInt(at.Unix(), 10))
	}
	out, err := exec.Command("openssl", append(args, leaf)...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), ": OK") {
		return fmt.Errorf("openssl verify -purpose %s: %v: %s", purpose, err, out)
	}
	return nil
}

func mustParseCert(t *testing.T, s string) *x509.Certificate {
	t.Helper()
	c, err := pki.ParseCertificatePEM(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// hclString quotes s as an HCL heredoc-free string literal.
func hclString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

var randReader = rand.Reader

func ipList(ips ...string) []net.IP {
	out := make([]net.IP, len(ips))
	for i, s := range ips {
		out[i] = net.ParseIP(s)
	}
	return out
}

// issueExternalLeaf issues a client certificate under a PEM CA, outside
// Terraform.
func issueExternalLeaf(t *testing.T, caPEM, keyPEM string, now time.Time) string {
	t.Helper()
	cert, _ := issueExternal(t, caPEM, keyPEM, now, x509.ExtKeyUsageClientAuth)
	return cert
}

// renderedFile is one entry of a files attribute, read from its JSON.
type renderedFile struct {
	Path, Mode       string
	Content          *string
	SensitiveContent *string `json:"sensitive_content"`
}

// content is the file's content, from whichever attribute holds it; nil
// when neither does.
func (f renderedFile) content() *string {
	if f.Content != nil {
		return f.Content
	}
	return f.SensitiveContent
}

// renderedFiles decodes a files attribute output with jsonencode.
func renderedFiles(t *testing.T, filesJSON string) map[string]renderedFile {
	t.Helper()
	var files map[string]renderedFile
	if err := json.Unmarshal([]byte(filesJSON), &files); err != nil {
		t.Fatal(err)
	}
	return files
}

// envList decodes an env attribute output with jsonencode into KEY=VALUE
// pairs for exec.
func envList(t *testing.T, envJSON string) []string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(envJSON), &m); err != nil {
		t.Fatal(err)
	}
	env := make([]string, 0, len(m))
	for k, v := range m {
		env = append(env, k+"="+v)
	}
	return env
}

// planActions reads a plan's JSON (terraform show -json) and returns the
// actions planned for each managed resource whose address starts with
// prefix, as Terraform lists them: "no-op", "create", "update", "delete",
// "delete,create" (a replacement) or "create,delete" (one with
// create_before_destroy). It is what terraform-plugin-testing's plancheck
// reads, for the tests that drive the CLI themselves; they assert on these
// rather than on the plan's text. Every test reads plans through it.
func planActions(t *testing.T, planJSON, prefix string) map[string]string {
	t.Helper()
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Mode    string `json:"mode"`
			Change  struct {
				Actions []string `json:"actions"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(planJSON), &plan); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, rc := range plan.ResourceChanges {
		if rc.Mode == "managed" && strings.HasPrefix(rc.Address, prefix) {
			out[rc.Address] = strings.Join(rc.Change.Actions, ",")
		}
	}
	return out
}

// plannedChanges are the actions of a saved plan's managed resources that
// change (planActions without the no-ops).
func (c *cli) plannedChanges(planFile string) map[string]string {
	c.t.Helper()
	return withoutNoOps(planActions(c.t, c.mustRun("show", "-json", planFile), ""))
}

// withoutNoOps is actions without the resources that do not change.
func withoutNoOps(actions map[string]string) map[string]string {
	out := maps.Clone(actions)
	maps.DeleteFunc(out, func(_, action string) bool { return action == "no-op" })
	return out
}

// expectActions fails t unless the plan's actions are exactly want.
func expectActions(t *testing.T, got, want map[string]string) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Errorf("planned actions %v, want %v", got, want)
	}
}

func newPEMMaterial(t *testing.T, now time.Time) pemMaterial {
	t.Helper()
	var m pemMaterial
	m.ca, m.caKey, _ = externalCA(t, pki.ECDSAP256, now, 1000*time.Hour)
	otherCA, otherKey, _ := externalCA(t, pki.ECDSAP256, now, 1000*time.Hour)
	m.server, m.serverKey = issueExternal(t, m.ca, m.caKey, now, x509.ExtKeyUsageServerAuth)
	m.client, m.clientKey = issueExternal(t, m.ca, m.caKey, now, x509.ExtKeyUsageClientAuth)
	m.otherServer, m.otherServerKey = issueExternal(t, otherCA, otherKey, now, x509.ExtKeyUsageServerAuth)
	return m
}

// issueExternal issues a leaf for usage under a PEM CA, outside Terraform.
func issueExternal(t *testing.T, caPEM, caKeyPEM string, now time.Time, usage x509.ExtKeyUsage) (certPEM, keyPEM string) {
	t.Helper()
	auth, err := pki.LoadAuthority(caPEM, caKeyPEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	key, err := pki.GenerateKey(pki.ECDSAP256, randReader)
	if err != nil {
		t.Fatal(err)
	}
	issued, err := auth.Issue(pki.LeafRequest{
		Subject: pki.Subject{CommonName: "docker1.example.internal"}, DNSNames: []string{"docker1.example.internal"},
		IPAddresses: ipList("10.0.0.5"), ExtKeyUsage: []x509.ExtKeyUsage{usage}, Validity: 100 * time.Hour, PublicKey: key.Public(),
	}, now, randReader)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err = pki.MarshalPrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	return issued.CertPEM, keyPEM
}

// pemMaterial is a CA with a server and a client certificate, made outside
// Terraform so that data source tests can be read at plan time.
type pemMaterial struct {
	ca, caKey, server, serverKey, client, clientKey, otherServer, otherServerKey string
}
