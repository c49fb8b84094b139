# One client of two hosts: a call per host, no data source per pair. The
# files are the same for both; env and the docker context differ.
terraform {
  required_version = ">= 1.8"
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

locals {
  hosts = {
    docker1 = "tcp://docker1.example.internal:2376"
    docker2 = "tcp://docker2.example.internal:2376"
  }
}

resource "dockertls_ca" "docker" {
  common_name = "Docker CA"
}

resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem
  common_name        = "ci"
}

locals {
  client = { for name, host in local.hosts : name => provider::dockertls::client_config({
    host            = host
    cert_dir        = "/home/ci/.docker/tls"
    ca_cert_pem     = dockertls_ca.docker.cert_pem
    client_cert_pem = dockertls_client_cert.ci.cert_pem
    client_key_pem  = dockertls_client_cert.ci.private_key_pem
  }) }
}

output "docker_context_commands" {
  value = [for name, c in local.client : nonsensitive(c.docker_context_command)]
}
