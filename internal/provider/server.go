package provider

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

// NewServer returns a constructor of the provider's protocol server: the
// terraform-plugin-framework server, with each call's context released
// when the call returns.
//
// The framework (up to v1.19.0 at least) appends the cancel function of
// every call's context to a list it only clears on StopProvider, which
// Terraform sends when it interrupts a run. The cancel function holds the
// context and through it everything the call's context chain holds: the
// gRPC stream and half a dozen loggers, about 50 KiB per certificate. A
// plan over 1000 certificates kept 60 MiB of them alive until the process
// ended. Handing the framework a context that forgets its parent when the
// call returns leaves it a list of empty contexts instead.
func NewServer(version string, opts ...Option) func() (tfprotov6.ProviderServer, error) {
	framework := providerserver.NewProtocol6WithError(New(version, opts...)())
	return func() (tfprotov6.ProviderServer, error) {
		s, err := framework()
		if err != nil {
			return nil, err
		}
		return releasingServer{s, &callGate{}}, nil
	}
}

// releasingServer passes each call on with a releasableContext and
// releases it when the call returns. Calls made once per process
// (GetProviderSchema, ConfigureProvider, ...) go through as they are.
type releasingServer struct {
	tfprotov6.ProviderServer
	gate *callGate
}

var _ tfprotov6.ProviderServer = releasingServer{}

// callGate empties the framework's list of cancel functions from time to
// time. Even with released contexts the list grows by one cancel function
// (and its cancelCtx) per call, some 600 bytes per certificate, live until
// the process ends: a heap that grows with the fleet, and with GOGC=400 an
// RSS that grows five times as fast. The framework empties it only in
// StopProvider, which cancels every context on the list; so every
// sweepEvery calls the gate waits until no call is under way, holding new
// ones back for that moment, and calls StopProvider, which then cancels
// only contexts of calls that have returned.
type callGate struct {
	mu    sync.RWMutex
	calls atomic.Int64
}

// sweepEvery is how many calls pass between two sweeps: the list stays
// under a few hundred KiB, and the pause, about one call long, is rare.
const sweepEvery = 512

// released calls call with a context that is released when call returns.
func released[Req, Resp any](s releasingServer, ctx context.Context, req Req, call func(context.Context, Req) (Resp, error)) (Resp, error) {
	if s.gate != nil {
		s.gate.mu.RLock()
		defer s.sweepIfDue()
		defer s.gate.mu.RUnlock()
	}
	rc := newReleasableContext(ctx)
	defer rc.release()
	resp, err := call(rc, req)
	redactResponse(resp)
	return resp, err
}

// redactResponse takes every private key out of resp's diagnostics and
// function error (pki.Redact), whatever check wrote them: no message
// quotes a key, whether it came as an import ID, in a misplaced argument
// or in a program's error text. terraform-plugin-go logs the diagnostics
// after this, so its logs get the redacted text too.
func redactResponse(resp any) {
	if v := reflect.ValueOf(resp); !v.IsValid() || v.Kind() == reflect.Pointer && v.IsNil() {
		return
	}
	var diags []*tfprotov6.Diagnostic
	switch r := resp.(type) {
	case *tfprotov6.ValidateResourceConfigResponse:
		diags = r.Diagnostics
	case *tfprotov6.UpgradeResourceStateResponse:
		diags = r.Diagnostics
	case *tfprotov6.ReadResourceResponse:
		diags = r.Diagnostics
	case *tfprotov6.PlanResourceChangeResponse:
		diags = r.Diagnostics
	case *tfprotov6.ApplyResourceChangeResponse:
		diags = r.Diagnostics
	case *tfprotov6.ImportResourceStateResponse:
		diags = r.Diagnostics
	case *tfprotov6.ValidateDataResourceConfigResponse:
		diags = r.Diagnostics
	case *tfprotov6.ReadDataSourceResponse:
		diags = r.Diagnostics
	case *tfprotov6.ValidateEphemeralResourceConfigResponse:
		diags = r.Diagnostics
	case *tfprotov6.OpenEphemeralResourceResponse:
		diags = r.Diagnostics
	case *tfprotov6.RenewEphemeralResourceResponse:
		diags = r.Diagnostics
	case *tfprotov6.CloseEphemeralResourceResponse:
		diags = r.Diagnostics
	case *tfprotov6.CallFunctionResponse:
		if r.Error != nil {
			r.Error.Text = pki.Redact(r.Error.Text)
		}
	}
	for _, d := range diags {
		if d != nil {
			d.Summary, d.Detail = pki.Redact(d.Summary), pki.Redact(d.Detail)
		}
	}
}

// sweepIfDue empties the framework's list of cancel functions when
// sweepEvery calls have passed since the last time.
func (s releasingServer) sweepIfDue() {
	if s.gate.calls.Add(1)%sweepEvery != 0 {
		return
	}
	s.gate.mu.Lock()
	defer s.gate.mu.Unlock()
	_, _ = s.StopProvider(context.Background(), &tfprotov6.StopProviderRequest{})
}

func (s releasingServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return released(s, ctx, req, s.ProviderServer.ValidateResourceConfig)
}

func (s releasingServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return released(s, ctx, req, s.ProviderServer.UpgradeResourceState)
}

func (s releasingServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return released(s, ctx, req, s.ProviderServer.ReadResource)
}

func (s releasingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return released(s, ctx, req, s.ProviderServer.PlanResourceChange)
}

func (s releasingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return released(s, ctx, req, s.ProviderServer.ApplyResourceChange)
}

func (s releasingServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return released(s, ctx, req, s.ProviderServer.ImportResourceState)
}

func (s releasingServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return released(s, ctx, req, s.ProviderServer.ValidateDataResourceConfig)
}

func (s releasingServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return released(s, ctx, req, s.ProviderServer.ReadDataSource)
}

func (s releasingServer) CallFunction(ctx context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return released(s, ctx, req, s.ProviderServer.CallFunction)
}

func (s releasingServer) ValidateEphemeralResourceConfig(ctx context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return released(s, ctx, req, s.ProviderServer.ValidateEphemeralResourceConfig)
}

func (s releasingServer) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return released(s, ctx, req, s.ProviderServer.OpenEphemeralResource)
}

func (s releasingServer) RenewEphemeralResource(ctx context.Context, req *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return released(s, ctx, req, s.ProviderServer.RenewEphemeralResource)
}

func (s releasingServer) CloseEphemeralResource(ctx context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return released(s, ctx, req, s.ProviderServer.CloseEphemeralResource)
}

// releasableContext is its parent until release is called and an empty
// context after. While the parent is held, Done returns the parent's
// channel and Value finds the parent's values, so a context derived from
// it is canceled with the parent exactly as if derived from the parent
// itself (the context package sees through to the parent's cancelCtx).
type releasableContext struct {
	parent atomic.Pointer[context.Context]
}

func newReleasableContext(parent context.Context) *releasableContext {
	c := &releasableContext{}
	c.parent.Store(&parent)
	return c
}

func (c *releasableContext) release() { c.parent.Store(nil) }

func (c *releasableContext) get() context.Context {
	if p := c.parent.Load(); p != nil {
		return *p
	}
	return context.Background()
}

func (c *releasableContext) Deadline() (time.Time, bool) { return c.get().Deadline() }
func (c *releasableContext) Done() <-chan struct{}       { return c.get().Done() }
func (c *releasableContext) Err() error                  { return c.get().Err() }
func (c *releasableContext) Value(key any) any           { return c.get().Value(key) }
