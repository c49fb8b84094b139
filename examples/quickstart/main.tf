# Quickstart: everything a Docker host and one client need for mutual TLS.
#
#   terraform apply
#   terraform output -raw ca_cert_pem     > ca.pem
#   terraform output -raw server_cert_pem > server-cert.pem
#   terraform output -raw server_key_pem  > server-key.pem
#   terraform output -raw client_cert_pem > cert.pem
#   terraform output -raw client_key_pem  > key.pem
#
# `make demo` does exactly this and checks the result with openssl.

terraform {
  required_version = ">= 1.5"
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

provider "dockertls" {}

variable "host_name" {
  description = "The name clients use to reach the Docker host."
  type        = string
  default     = "docker1.example.internal"
}

variable "host_ip" {
  description = "The address clients use to reach the Docker host."
  type        = string
  default     = "10.0.0.5"
}

resource "dockertls_ca" "this" {
  common_name  = "Docker CA"
  organization = "Example"
}

resource "dockertls_server_cert" "docker1" {
  ca_cert_pem        = dockertls_ca.this.cert_pem
  ca_private_key_pem = dockertls_ca.this.private_key_pem

  dns_names    = [var.host_name]
  ip_addresses = [var.host_ip]
}

resource "dockertls_client_cert" "admin" {
  ca_cert_pem        = dockertls_ca.this.cert_pem
  ca_private_key_pem = dockertls_ca.this.private_key_pem

  common_name = "admin"
}

output "ca_cert_pem" {
  description = "ca.pem, for dockerd's tlscacert and the client's CA."
  value       = dockertls_ca.this.cert_pem
}

output "server_cert_pem" {
  description = "server-cert.pem, for dockerd's tlscert."
  value       = dockertls_server_cert.docker1.cert_pem
}

output "server_key_pem" {
  description = "server-key.pem, for dockerd's tlskey."
  value       = dockertls_server_cert.docker1.private_key_pem
  sensitive   = true
}

output "client_cert_pem" {
  description = "cert.pem, for the docker CLI."
  value       = dockertls_client_cert.admin.cert_pem
}

output "client_key_pem" {
  description = "key.pem, for the docker CLI."
  value       = dockertls_client_cert.admin.private_key_pem
  sensitive   = true
}

output "server_not_after" {
  description = "When the server certificate expires."
  value       = dockertls_server_cert.docker1.not_after
}
