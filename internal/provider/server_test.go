package provider

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"weak"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

type payloadKey struct{}

// TestServerReleasesCallContexts checks that nothing keeps a call's context
// once the call has returned: terraform-plugin-framework keeps every one it
// is given (see NewServer), which made the provider's memory grow with
// every certificate of a plan.
func TestServerReleasesCallContexts(t *testing.T) {
	h := newRPCHarness(t, "dockertls_server_cert")
	ca := newRPCHarness(t, "dockertls_ca")
	var caAttrs map[string]tftypes.Value
	if err := ca.value(ca.create(ca.object(map[string]tftypes.Value{
		attrCommonName: tftypes.NewValue(tftypes.String, "Release CA"),
	}))).As(&caAttrs); err != nil {
		t.Fatal(err)
	}
	config := h.object(map[string]tftypes.Value{
		attrCACertPEM:       caAttrs[attrCertPEM],
		attrCAPrivateKeyPEM: caAttrs[attrPrivateKeyPEM],
		attrDNSNames: tftypes.NewValue(tftypes.List{ElementType: tftypes.String},
			[]tftypes.Value{tftypes.NewValue(tftypes.String, "release.example.internal")}),
	})

	var payloads []weak.Pointer[[4096]byte]
	withPayload := func() {
		p := new([4096]byte)
		payloads = append(payloads, weak.Make(p))
		h.ctx = context.WithValue(context.Background(), payloadKey{}, p)
	}
	stored := rawState(t, h.value(h.create(config)))
	for range 5 {
		withPayload()
		h.create(config) // validate, plan, apply
		withPayload()
		h.plan(config, stored, true) // validate, upgrade, read, plan
	}
	h.ctx = context.Background()
	runtime.GC()
	runtime.GC()
	for i, p := range payloads {
		if p.Value() != nil {
			t.Errorf("the context of call sequence %d is still reachable after it returned", i)
		}
	}
	runtime.KeepAlive(h) // the server must outlive the check, as it does in a provider process
}

// TestServerKeepsNoCancelFunctionPerCall creates many certificates through
// the provider server and then looks, by reflection, at the framework's
// list of cancel functions: it must hold no more than one sweep's worth,
// whatever the number of calls. Without the sweep it holds one per call,
// and the provider's heap grows by some 600 bytes per certificate.
func TestServerKeepsNoCancelFunctionPerCall(t *testing.T) {
	server, err := NewServer("test")()
	if err != nil {
		t.Fatal(err)
	}
	ca := newRPCHarness(t, "dockertls_ca")
	caState := ca.value(ca.create(ca.object(map[string]tftypes.Value{attrCommonName: tftypes.NewValue(tftypes.String, "Sweep CA")})))
	var caAttrs map[string]tftypes.Value
	if err := caState.As(&caAttrs); err != nil {
		t.Fatal(err)
	}
	h := newRPCHarnessFor(t, server, "dockertls_client_cert")
	const certificates = 300 // four calls each: more than two sweeps
	for i := range certificates {
		h.create(h.object(map[string]tftypes.Value{
			attrCACertPEM: caAttrs[attrCertPEM], attrCAPrivateKeyPEM: caAttrs[attrPrivateKeyPEM],
			attrCommonName: tftypes.NewValue(tftypes.String, fmt.Sprintf("client-%d", i)),
		}))
	}
	list := reflect.ValueOf(server.(releasingServer).ProviderServer).Elem().FieldByName("contextCancels")
	if !list.IsValid() {
		t.Fatal("the framework's server has no contextCancels list any more: check whether it still keeps a cancel function per call, and adapt callGate")
	}
	if n := list.Len(); n > sweepEvery {
		t.Errorf("after %d calls the framework holds %d cancel functions, want at most %d", 4*certificates, n, sweepEvery)
	}
}

// TestRedactResponse: whatever a check writes, a private key leaves the
// provider in no diagnostic and no function error.
func TestRedactResponse(t *testing.T) {
	key := "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgq3Rk1kZr9Xz0aQ5Y\n-----END PRIVATE KEY-----\n"
	diag := &tfprotov6.Diagnostic{Summary: "Invalid id " + key, Detail: "import " + key + " failed"}
	read := &tfprotov6.ImportResourceStateResponse{Diagnostics: []*tfprotov6.Diagnostic{diag}}
	fn := &tfprotov6.CallFunctionResponse{Error: &tfprotov6.FunctionError{Text: "config: " + key}}
	redactResponse(read)
	redactResponse(fn)
	redactResponse((*tfprotov6.CallFunctionResponse)(nil))
	redactResponse((*tfprotov6.ReadDataSourceResponse)(nil))
	redactResponse(nil)
	for _, s := range []string{diag.Summary, diag.Detail, fn.Error.Text} {
		if strings.Contains(s, "PRIVATE KEY") || strings.Contains(s, "q3Rk1kZr9") || !strings.Contains(s, pki.RedactedKey) {
			t.Errorf("not redacted: %q", s)
		}
	}
}
