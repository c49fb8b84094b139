// Package pki issues and checks the X.509 material that secures a Docker
// daemon's TCP socket with mutual TLS: a private certificate authority,
// server certificates that dockerd presents, and client certificates that
// the docker CLI presents.
//
// The package has no Terraform dependencies. Everything that decides what a
// certificate contains lives here, so that the provider layer only maps
// schema values to these types and back.
//
// Profiles follow what Go's crypto/tls (used by both dockerd and the docker
// CLI) actually enforces: names are matched against SANs only (the Common
// Name is ignored), the extended key usage is checked over the whole chain
// (so the CA carries none), and a CA certificate with path length 0 cannot
// be used to mint intermediates.
package pki
