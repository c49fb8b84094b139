# A Podman host (Podman 5.7 or later) serving its API over mutual TLS, and
# its clients: podman-remote through a connection, and the docker CLI,
# Docker's SDKs and Testcontainers through the same files. Clients are
# admitted by a team issuer, so that retiring it shuts out exactly that
# team's clients (revocation by issuer).

terraform {
  required_version = ">= 1.5"
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

variable "host_name" {
  type    = string
  default = "podman1.example.internal"
}

variable "host_ip" {
  type    = string
  default = "10.0.0.30"
}

resource "dockertls_ca" "hosts" {
  common_name = "Podman hosts CA"
}

resource "dockertls_ca" "ci_team" {
  common_name = "CI team"
}

resource "dockertls_server_cert" "podman1" {
  ca_cert_pem        = dockertls_ca.hosts.cert_pem
  ca_private_key_pem = dockertls_ca.hosts.private_key_pem
  dns_names          = [var.host_name]
  ip_addresses       = [var.host_ip]
}

resource "dockertls_client_cert" "ci" {
  ca_cert_pem           = dockertls_ca.ci_team.cert_pem
  ca_private_key_pem    = dockertls_ca.ci_team.private_key_pem
  common_name           = "ci-runner"
  validity_period_hours = 2160
  early_renewal_hours   = 240
}

# podman-tls.socket holds the port (socket_activation, the default), so a
# restart for a renewal refuses no client.
data "dockertls_podman_config" "podman1" {
  address            = "tcp://${var.host_ip}:2376"
  ca_cert_pem        = dockertls_ca.hosts.cert_pem
  client_ca_cert_pem = dockertls_ca.ci_team.cert_pem
  server_cert_pem    = dockertls_server_cert.podman1.cert_pem
  server_key_pem     = dockertls_server_cert.podman1.private_key_pem
}

# One directory serves podman-remote, the docker CLI and Testcontainers.
locals {
  ci_cert_dir = "/home/ci/.config/containers/tls/podman1"
}

data "dockertls_podman_client_config" "ci" {
  host               = "tcp://${var.host_name}:2376"
  cert_dir           = local.ci_cert_dir
  default            = true
  ca_cert_pem        = dockertls_ca.hosts.cert_pem
  client_ca_cert_pem = dockertls_ca.ci_team.cert_pem
  client_cert_pem    = dockertls_client_cert.ci.cert_pem
  client_key_pem     = dockertls_client_cert.ci.private_key_pem
  server_cert_pem    = dockertls_server_cert.podman1.cert_pem
}

data "dockertls_client_config" "ci" {
  host               = "tcp://${var.host_name}:2376"
  cert_dir           = local.ci_cert_dir
  ca_cert_pem        = dockertls_ca.hosts.cert_pem
  client_ca_cert_pem = dockertls_ca.ci_team.cert_pem
  client_cert_pem    = dockertls_client_cert.ci.cert_pem
  client_key_pem     = dockertls_client_cert.ci.private_key_pem
  server_cert_pem    = dockertls_server_cert.podman1.cert_pem
}

# The host's user_data: Fedora CoreOS (which ships Podman) takes Ignition,
# other distributions cloud-init. Either writes the files and starts the
# socket; Podman 5.7 or later, with conmon and netavark, must be in the
# image already (Debian 12's podman is 4.3, without TLS).
output "podman1_ignition" {
  value     = data.dockertls_podman_config.podman1.ignition
  sensitive = true
}

output "podman1_cloud_init" {
  value     = data.dockertls_podman_config.podman1.cloud_init
  sensitive = true
}

# After first boot, a renewal or a revocation changes the files: write them
# (path, mode) and run restart_command when restart_trigger changes, host
# by host, as examples/docker-host does with terraform_data.
output "podman1_files" {
  value = { for name, f in data.dockertls_podman_config.podman1.files : f.path => f.mode }
}

output "podman1_restart" {
  value = {
    trigger = data.dockertls_podman_config.podman1.restart_trigger
    command = data.dockertls_podman_config.podman1.restart_command
  }
}

# What the CI runner writes, by path and mode (the key is sensitive), and
# runs once.
output "ci_files" {
  value = { for name, f in data.dockertls_podman_client_config.ci.files : f.path => f.mode }
}

output "podman_connection_command" {
  value = data.dockertls_podman_client_config.ci.podman_connection_command
}

# ~/.testcontainers.properties, and the docker CLI's environment (export
# it for testcontainers-go too).
output "testcontainers_properties" {
  value = data.dockertls_client_config.ci.testcontainers_properties
}

output "docker_env_sh" {
  value = data.dockertls_client_config.ci.env_sh
}
