# Re-key, phase 1 of 3: a new CA beside the current one, and every daemon and
# client trusts both. No certificate changes yet; after this apply (and the
# restart it triggers) a certificate from either CA is accepted everywhere.

terraform {
  required_version = ">= 1.8"
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

locals {
  # What the host and the client need beside the PEMs.
  docker1_settings = {}
  ci_settings = {
    host     = "tcp://docker1.example.internal:2376"
    cert_dir = pathexpand("~/.docker/docker1")
  }
}

# The functions render at plan time what the data sources
# dockertls_daemon_config and dockertls_client_config render, so a renewal's
# plan shows exactly which files change.
locals {
  docker1 = provider::dockertls::daemon_config(merge(local.docker1_settings, {
    ca_cert_pem     = local.trusted_cas
    server_cert_pem = dockertls_server_cert.docker1.cert_pem
    server_key_pem  = dockertls_server_cert.docker1.private_key_pem
  }))
  ci = provider::dockertls::client_config(merge(local.ci_settings, {
    ca_cert_pem     = local.trusted_cas
    client_cert_pem = dockertls_client_cert.ci.cert_pem
    client_key_pem  = dockertls_client_cert.ci.private_key_pem
  }))
}

module "deploy" {
  source          = "../modules/deploy"
  ssh_host        = "docker1.example.internal"
  host_files      = local.docker1.files
  restart_trigger = local.docker1.restart_trigger
  client_files    = local.ci.files
}
