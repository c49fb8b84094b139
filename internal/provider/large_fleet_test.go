package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// TestLargeFleetSplitStates applies examples/large-fleet as a fleet split
// across states would: the CA in one state, two host states that take its
// certificate through terraform_remote_state and its key write-only from
// the secret store. No state holds the CA key; every host certificate
// chains to the CA; and when the CA renews on its own key, the host states'
// next plans update the stored CA in place and re-issue nothing.
func TestLargeFleetSplitStates(t *testing.T) {
	needsCLI(t, featureWriteOnly)
	clock := newTestClock()
	// RSA, so that the key traces cannot match the hosts' own ECDSA keys.
	key, err := pki.GenerateKey(pki.RSA2048, randReader)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := pki.MarshalPrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	secret := []string{"TF_VAR_ca_private_key_pem=" + keyPEM}
	example := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", "large-fleet", name, "main.tf"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// A short-lived CA, so that the clock reaches its renewal window
	// while the hosts' certificates are far from theirs.
	ca := newCLI(t, clock, strings.Replace(example("ca"), `common_name                = "Docker fleet CA"`,
		"common_name                = \"Docker fleet CA\"\n  validity_period_hours      = 4000\n  early_renewal_hours        = 1000", 1))
	ca.mustRunEnv(secret, "apply", "-auto-approve", "-input=false")
	caState := filepath.Join(ca.dir, "terraform.tfstate")

	var hosts []*cli
	for _, region := range []string{"eu-west", "us-east"} {
		h := newCLI(t, clock, example("hosts"))
		writeFile(t, filepath.Join(h.dir, "terraform.tfvars"), "ca_state_path = "+hclString(caState)+"\n"+
			"hosts = [\"docker1."+region+".example.internal\", \"docker2."+region+".example.internal\"]\n")
		h.mustRunEnv(secret, "apply", "-auto-approve", "-input=false")
		hosts = append(hosts, h)
	}

	caCert := mustParseCert(t, ca.stateAttr("dockertls_ca.fleet", "cert_pem").(string))
	traces := keyTraces(t, keyPEM, "")
	for i, dir := range []string{ca.dir, hosts[0].dir, hosts[1].dir} {
		raw, err := os.ReadFile(filepath.Join(dir, "terraform.tfstate"))
		if err != nil {
			t.Fatal(err)
		}
		for _, trace := range traces {
			if strings.Contains(string(raw), trace) {
				t.Errorf("state %d holds the CA key", i)
				break
			}
		}
	}
	serials := map[string]any{}
	for _, h := range hosts {
		for _, addr := range hostAddrs(t, h) {
			cert := mustParseCert(t, h.stateAttr(addr, "cert_pem").(string))
			if err := pki.Verify(caCert, cert, pki.UsageServer, cert.DNSNames[0], clock.Now()); err != nil {
				t.Errorf("%s: %v", addr, err)
			}
			serials[h.dir+addr] = h.stateAttr(addr, "serial_number")
		}
	}

	// The CA renews on its key in its own state...
	clock.Advance(3001 * time.Hour)
	if out := ca.mustRunEnv(secret, "apply", "-auto-approve", "-input=false"); !strings.Contains(out, "1 changed") {
		t.Fatalf("the CA did not renew in place:\n%s", out)
	}
	// ...and each host state's next apply updates the stored CA in place.
	for _, h := range hosts {
		out := h.mustRunEnv(secret, "apply", "-auto-approve", "-input=false")
		if !strings.Contains(out, "0 added, 2 changed, 0 destroyed") {
			t.Errorf("a host state after the CA's renewal:\n%s", out)
		}
		for _, addr := range hostAddrs(t, h) {
			if h.stateAttr(addr, "serial_number") != serials[h.dir+addr] {
				t.Errorf("%s was re-issued", addr)
			}
		}
	}
}

func hostAddrs(t *testing.T, h *cli) []string {
	t.Helper()
	out, _ := h.run(nil, "state", "list")
	var addrs []string
	for _, line := range strings.Fields(out) {
		if strings.HasPrefix(line, "dockertls_server_cert.host[") {
			addrs = append(addrs, line)
		}
	}
	if len(addrs) != 2 {
		t.Fatalf("want two host certificates in %s, got %v", h.dir, addrs)
	}
	return addrs
}

// mustRunEnv is mustRun with more environment.
func (c *cli) mustRunEnv(env []string, args ...string) string {
	c.t.Helper()
	out, code := c.run(env, args...)
	if code != 0 {
		c.t.Fatalf("terraform %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}
