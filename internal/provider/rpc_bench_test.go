package provider

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// The benchmarks in this file drive the provider through the plugin
// protocol, as Terraform does, one server certificate at a time, so that the
// provider's CPU per certificate can be compared with the bare issuance in
// internal/pki (BenchmarkIssueServer) without Terraform's own work in the
// numbers. scripts/bench.sh reports them next to the fleet timings.

// rpcHarness is a provider server and the type of one resource.
type rpcHarness struct {
	tb       testing.TB
	ctx      context.Context
	server   tfprotov6.ProviderServer
	resource string
	typ      tftypes.Object
}

func newRPCHarness(tb testing.TB, resource string) *rpcHarness {
	tb.Helper()
	server, err := NewServer("bench")()
	if err != nil {
		tb.Fatal(err)
	}
	return newRPCHarnessFor(tb, server, resource)
}

func newRPCHarnessFor(tb testing.TB, server tfprotov6.ProviderServer, resource string) *rpcHarness {
	tb.Helper()
	ctx := context.Background()
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(schemas.Diagnostics) > 0 {
		tb.Fatalf("GetProviderSchema: %v %v", err, schemas.Diagnostics)
	}
	config, _ := tfprotov6.NewDynamicValue(tftypes.Object{}, tftypes.NewValue(tftypes.Object{}, map[string]tftypes.Value{}))
	if resp, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: &config}); err != nil || len(resp.Diagnostics) > 0 {
		tb.Fatalf("ConfigureProvider: %v %v", err, resp.Diagnostics)
	}
	typ, ok := schemas.ResourceSchemas[resource].ValueType().(tftypes.Object)
	if !ok {
		tb.Fatalf("no object schema for %s", resource)
	}
	return &rpcHarness{tb: tb, ctx: ctx, server: server, resource: resource, typ: typ}
}

// object returns a value of the resource's type with the given attributes
// set and every other attribute null.
func (h *rpcHarness) object(set map[string]tftypes.Value) tftypes.Value {
	vals := make(map[string]tftypes.Value, len(h.typ.AttributeTypes))
	for name, t := range h.typ.AttributeTypes {
		vals[name] = tftypes.NewValue(t, nil)
	}
	for name, v := range set {
		if _, ok := vals[name]; !ok {
			h.tb.Fatalf("%s has no attribute %q", h.resource, name)
		}
		vals[name] = v
	}
	return tftypes.NewValue(h.typ, vals)
}

func (h *rpcHarness) dynamic(v tftypes.Value) *tfprotov6.DynamicValue {
	dv, err := tfprotov6.NewDynamicValue(h.typ, v)
	if err != nil {
		h.tb.Fatal(err)
	}
	return &dv
}

func (h *rpcHarness) value(dv *tfprotov6.DynamicValue) tftypes.Value {
	v, err := dv.Unmarshal(h.typ)
	if err != nil {
		h.tb.Fatal(err)
	}
	return v
}

func failOnDiagnostics(tb testing.TB, rpc string, err error, diags []*tfprotov6.Diagnostic) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", rpc, err)
	}
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			tb.Fatalf("%s: %s: %s", rpc, d.Summary, d.Detail)
		}
	}
}

// create is what terraform apply does for a new resource: validate, plan,
// validate and plan again in the apply walk, and apply. It returns the new
// state.
func (h *rpcHarness) create(config tftypes.Value) *tfprotov6.DynamicValue {
	cfg := h.dynamic(config)
	prior := h.dynamic(tftypes.NewValue(h.typ, nil))
	var planned *tfprotov6.DynamicValue
	for range 2 {
		h.validate(cfg)
		resp, err := h.server.PlanResourceChange(h.ctx, &tfprotov6.PlanResourceChangeRequest{
			TypeName: h.resource, PriorState: prior, ProposedNewState: cfg, Config: cfg,
		})
		failOnDiagnostics(h.tb, "PlanResourceChange", err, resp.Diagnostics)
		planned = resp.PlannedState
	}
	resp, err := h.server.ApplyResourceChange(h.ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName: h.resource, PriorState: prior, PlannedState: planned, Config: cfg,
	})
	failOnDiagnostics(h.tb, "ApplyResourceChange", err, resp.Diagnostics)
	return resp.NewState
}

func (h *rpcHarness) validate(cfg *tfprotov6.DynamicValue) {
	resp, err := h.server.ValidateResourceConfig(h.ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: h.resource, Config: cfg})
	failOnDiagnostics(h.tb, "ValidateResourceConfig", err, resp.Diagnostics)
}

// plan is what terraform plan does for an existing resource: validate,
// upgrade the stored state, refresh it when refresh is set, and plan. It
// fails unless the plan keeps the state as it is.
func (h *rpcHarness) plan(config tftypes.Value, stored *tfprotov6.RawState, refresh bool) {
	cfg := h.dynamic(config)
	h.validate(cfg)
	up, err := h.server.UpgradeResourceState(h.ctx, &tfprotov6.UpgradeResourceStateRequest{TypeName: h.resource, Version: 1, RawState: stored})
	failOnDiagnostics(h.tb, "UpgradeResourceState", err, up.Diagnostics)
	state := up.UpgradedState
	if refresh {
		read, err := h.server.ReadResource(h.ctx, &tfprotov6.ReadResourceRequest{TypeName: h.resource, CurrentState: state})
		failOnDiagnostics(h.tb, "ReadResource", err, read.Diagnostics)
		state = read.NewState
	}
	resp, err := h.server.PlanResourceChange(h.ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: h.resource, PriorState: state, ProposedNewState: h.dynamic(proposedNewState(h.value(state), config)), Config: cfg,
	})
	failOnDiagnostics(h.tb, "PlanResourceChange", err, resp.Diagnostics)
	if len(resp.RequiresReplace) > 0 || !h.value(resp.PlannedState).Equal(h.value(state)) {
		h.tb.Fatalf("a no-change plan changed the state (replace: %v)", resp.RequiresReplace)
	}
}

// proposedNewState is Terraform's proposal for an existing object: the
// configuration, with prior values for attributes the configuration leaves
// null (computed and optional-computed attributes).
func proposedNewState(prior, config tftypes.Value) tftypes.Value {
	var p, c map[string]tftypes.Value
	_ = prior.As(&p)
	_ = config.As(&c)
	out := make(map[string]tftypes.Value, len(c))
	for name, v := range c {
		if v.IsNull() {
			v = p[name]
		}
		out[name] = v
	}
	return tftypes.NewValue(config.Type(), out)
}

// rawState is how Terraform stores a state value: JSON.
func rawState(tb testing.TB, v tftypes.Value) *tfprotov6.RawState {
	b, err := json.Marshal(jsonValue(tb, v))
	if err != nil {
		tb.Fatal(err)
	}
	return &tfprotov6.RawState{JSON: b}
}

func jsonValue(tb testing.TB, v tftypes.Value) any {
	if v.IsNull() {
		return nil
	}
	switch {
	case v.Type().Is(tftypes.String):
		var s string
		_ = v.As(&s)
		return s
	case v.Type().Is(tftypes.Bool):
		var b bool
		_ = v.As(&b)
		return b
	case v.Type().Is(tftypes.Number):
		var n big.Float
		_ = v.As(&n)
		return json.Number(n.Text('f', -1))
	case v.Type().Is(tftypes.List{}), v.Type().Is(tftypes.Set{}):
		var elems []tftypes.Value
		_ = v.As(&elems)
		out := make([]any, len(elems))
		for i, e := range elems {
			out[i] = jsonValue(tb, e)
		}
		return out
	case v.Type().Is(tftypes.Object{}), v.Type().Is(tftypes.Map{}):
		var attrs map[string]tftypes.Value
		_ = v.As(&attrs)
		out := make(map[string]any, len(attrs))
		for name, a := range attrs {
			out[name] = jsonValue(tb, a)
		}
		return out
	}
	tb.Fatalf("no JSON form for %s", v.Type())
	return nil
}

// BenchmarkServerCertRPC is the provider's CPU for one server certificate,
// per step of its life, through the plugin protocol: "create" is the calls
// of terraform apply (validate and plan twice, apply once), "plan" and
// "plan_refresh" those of a no-change terraform plan without and with
// refresh.
func BenchmarkServerCertRPC(b *testing.B) {
	server, err := NewServer("bench")()
	if err != nil {
		b.Fatal(err)
	}
	benchmarkCertificateRPC(b, server)
}

// BenchmarkFrameworkFloorRPC is BenchmarkServerCertRPC for a resource with
// the same schema that does nothing: no validators, no plan modifiers, no
// ModifyPlan, and a Create that fills the outputs with constants. It is
// what terraform-plugin-framework costs for the schema alone, the floor
// under BenchmarkServerCertRPC.
func BenchmarkFrameworkFloorRPC(b *testing.B) {
	server, err := providerserver.NewProtocol6WithError(floorProvider{})()
	if err != nil {
		b.Fatal(err)
	}
	benchmarkCertificateRPC(b, releasingServer{server, &callGate{}})
}

func benchmarkCertificateRPC(b *testing.B, server tfprotov6.ProviderServer) {
	// scripts/bench.sh sets the algorithm of its fleet.
	alg := tftypes.NewValue(tftypes.String, cmp.Or(os.Getenv("BENCH_KEY_ALGORITHM"), string(pki.DefaultKeyAlgorithm)))
	ca := newRPCHarness(b, "dockertls_ca")
	caState := ca.value(ca.create(ca.object(map[string]tftypes.Value{
		attrCommonName:   tftypes.NewValue(tftypes.String, "Bench CA"),
		attrKeyAlgorithm: alg,
	})))
	var caAttrs map[string]tftypes.Value
	if err := caState.As(&caAttrs); err != nil {
		b.Fatal(err)
	}

	h := newRPCHarnessFor(b, server, "dockertls_server_cert")
	// Every certificate of a fleet has its own names, as in scripts/bench.sh.
	config := func(i int) tftypes.Value {
		return h.object(map[string]tftypes.Value{
			attrCACertPEM:       caAttrs[attrCertPEM],
			attrCAPrivateKeyPEM: caAttrs[attrPrivateKeyPEM],
			attrKeyAlgorithm:    alg,
			attrDNSNames: tftypes.NewValue(tftypes.List{ElementType: tftypes.String},
				[]tftypes.Value{tftypes.NewValue(tftypes.String, fmt.Sprintf("host-%d.bench.internal", i))}),
			attrIPAddresses: tftypes.NewValue(tftypes.List{ElementType: tftypes.String},
				[]tftypes.Value{tftypes.NewValue(tftypes.String, fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))}),
		})
	}

	b.Run("create", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			h.create(config(i))
		}
	})
	stored := rawState(b, h.value(h.create(config(0))))
	for _, refresh := range []bool{false, true} {
		name := "plan"
		if refresh {
			name = "plan_refresh"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				h.plan(config(0), stored, refresh)
			}
		})
	}
}

// floorProvider serves floorResource as dockertls_server_cert.
type floorProvider struct{}

func (floorProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = TypeName
}
func (floorProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}
func (floorProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}
func (floorProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }
func (floorProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return floorResource{} }}
}

// floorResource has dockertls_server_cert's schema without validators or
// plan modifiers, and no behaviour.
type floorResource struct{}

func (floorResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_cert"
}

func (floorResource) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	newServerCertResource(nil).Schema(ctx, req, resp)
	for name, a := range resp.Schema.Attributes {
		switch a := a.(type) {
		case schema.StringAttribute:
			a.Validators, a.PlanModifiers = nil, nil
			resp.Schema.Attributes[name] = a
		case schema.ListAttribute:
			a.Validators, a.PlanModifiers = nil, nil
			resp.Schema.Attributes[name] = a
		case schema.BoolAttribute:
			a.Validators, a.PlanModifiers = nil, nil
			resp.Schema.Attributes[name] = a
		case schema.Int64Attribute:
			a.Validators, a.PlanModifiers = nil, nil
			resp.Schema.Attributes[name] = a
		}
	}
}

// Create fills every unknown output with a constant of its type.
func (floorResource) Create(_ context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	raw, _ := tftypes.Transform(req.Plan.Raw, func(_ *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		switch {
		case v.IsKnown():
			return v, nil
		case v.Type().Is(tftypes.Bool):
			return tftypes.NewValue(tftypes.Bool, false), nil
		default:
			return tftypes.NewValue(tftypes.String, "floor"), nil
		}
	})
	resp.State.Raw = raw
}

func (floorResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}
func (floorResource) Update(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = req.Plan.Raw
}
func (floorResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
