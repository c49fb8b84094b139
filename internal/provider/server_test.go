package provider

import (
	"context"
	"runtime"
	"testing"
	"weak"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
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
