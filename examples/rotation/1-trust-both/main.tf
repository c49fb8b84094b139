# Re-key, phase 1 of 3: a new CA beside the current one, and every daemon and
# client trusts both. No certificate changes yet; after this apply (and the
# restart it triggers) a certificate from either CA is accepted everywhere.

terraform {
  required_providers {
    dockertls = { source = "dockertls/dockertls" }
  }
}

resource "dockertls_ca" "current" {
  common_name = "Docker CA 2026"
}

# New in this phase.
resource "dockertls_ca" "next" {
  common_name = "Docker CA 2027"
}

locals {
  # A trust bundle: dockerd and the docker CLI trust every CA in it.
  trusted_cas = "${dockertls_ca.next.cert_pem}${dockertls_ca.current.cert_pem}"
}

resource "dockertls_server_cert" "docker1" {
  ca_cert_pem        = dockertls_ca.current.cert_pem
  ca_private_key_pem = dockertls_ca.current.private_key_pem
  dns_names          = ["docker1.example.internal"]
}

resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.current.cert_pem
  ca_private_key_pem = dockertls_ca.current.private_key_pem
  common_name        = "ci"
}

data "dockertls_daemon_config" "docker1" {
  ca_cert_pem     = local.trusted_cas
  server_cert_pem = dockertls_server_cert.docker1.cert_pem
  server_key_pem  = dockertls_server_cert.docker1.private_key_pem
}

data "dockertls_client_config" "ci" {
  host            = "tcp://docker1.example.internal:2376"
  ca_cert_pem     = local.trusted_cas
  client_cert_pem = dockertls_client_cert.ci.cert_pem
  client_key_pem  = dockertls_client_cert.ci.private_key_pem
  cert_dir        = pathexpand("~/.docker/docker1")
}

module "deploy" {
  source          = "../modules/deploy"
  ssh_host        = "docker1.example.internal"
  host_files      = data.dockertls_daemon_config.docker1.files
  restart_trigger = data.dockertls_daemon_config.docker1.restart_trigger
  client_files    = data.dockertls_client_config.ci.files
}
