// Package provider maps Terraform schemas onto the pki and dockerconf
// packages. It holds no certificate logic of its own.
package provider

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"io"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/dockertls/terraform-provider-dockertls/internal/pki"
)

var (
	_ provider.Provider                       = (*dockertlsProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*dockertlsProvider)(nil)
	_ provider.ProviderWithFunctions          = (*dockertlsProvider)(nil)
)

// TypeName is the provider's local name in configurations.
const TypeName = "dockertls"

// env is what every resource and data source of one provider instance
// shares: the clock and randomness they use, the cache of parsed CAs, and
// the CA certificates this instance has seen a dockertls_ca plan or hold.
type env struct {
	clock       pki.Clock
	rand        io.Reader
	authorities *authorityCache
	// managedCAs holds the SHA-256 fingerprints of CA certificates that a
	// dockertls_ca of the configuration holds or plans, so that a message
	// about a leaf's CA can say how that CA is renewed. Terraform plans a
	// CA before the leaves that refer to it, in the same provider process.
	managedCAs sync.Map // fingerprint → struct{}
}

// noteManagedCA records a CA certificate held or planned by a dockertls_ca.
func (e *env) noteManagedCA(certPEM types.String) {
	if !known(certPEM) {
		return
	}
	if cert, err := e.authorities.certificate(certPEM.ValueString()); err == nil {
		e.managedCAs.Store(pki.Fingerprint(cert), struct{}{})
	}
}

// isManagedCA reports whether a dockertls_ca of this configuration holds
// or plans ca.
func (e *env) isManagedCA(ca *x509.Certificate) bool {
	_, ok := e.managedCAs.Load(pki.Fingerprint(ca))
	return ok
}

// Option changes how a provider instance behaves; tests use it to set the
// clock.
type Option func(*env)

// WithClock makes the provider read time from clock instead of the system
// clock, so tests can move into a certificate's renewal window without
// sleeping.
func WithClock(clock pki.Clock) Option {
	return func(e *env) { e.clock = clock }
}

type dockertlsProvider struct {
	version string
	env     *env
}

// New returns a constructor of the provider at version.
func New(version string, opts ...Option) func() provider.Provider {
	return func() provider.Provider {
		e := &env{clock: pki.SystemClock, rand: rand.Reader, authorities: newAuthorityCache()}
		for _, opt := range opts {
			opt(e)
		}
		return &dockertlsProvider{version: version, env: e}
	}
}

func (p *dockertlsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = TypeName
	resp.Version = p.version
}

func (p *dockertlsProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Issues the certificate authority, server and client certificates that expose " +
			"the Docker daemon over TCP with mutual TLS, and renders the daemon and client configuration " +
			"that goes with them. The provider takes no arguments.",
	}
}

func (p *dockertlsProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (p *dockertlsProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		func() resource.Resource { return newCAResource(p.env) },
		func() resource.Resource { return newServerCertResource(p.env) },
		func() resource.Resource { return newClientCertResource(p.env) },
	}
}

func (p *dockertlsProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		func() ephemeral.EphemeralResource { return newEphemeralClientCert(p.env) },
	}
}

func (p *dockertlsProvider) Functions(context.Context) []func() function.Function {
	out := []func() function.Function{func() function.Function { return certificateInfoFunction{} }}
	for _, r := range renderings {
		out = append(out, func() function.Function { return r.function(p.env) })
	}
	return out
}

func (p *dockertlsProvider) DataSources(context.Context) []func() datasource.DataSource {
	out := []func() datasource.DataSource{func() datasource.DataSource { return &endpointDataSource{env: p.env} }}
	for _, r := range renderings {
		out = append(out, func() datasource.DataSource { return r.dataSource(p.env) })
	}
	return out
}
