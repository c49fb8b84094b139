// Package dockerconf renders and checks the configuration that puts Docker
// TLS material to work: dockerd's daemon.json, the systemd drop-in that
// lets daemon.json choose the listening sockets, and the docker CLI's
// environment, files and context.
//
// The package has no Terraform dependencies. What it knows about dockerd and
// the docker CLI is written next to the code that relies on it.
package dockerconf
