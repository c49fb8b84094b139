# A remote BuildKit builder reachable over mutual TLS: the CA, the builder's
# certificate, its buildkitd.toml, unit and TLS files as the user_data of a
# new machine, and a CI client's files with the buildx and buildctl commands.
# Clients are admitted by a team issuer, so that retiring it shuts out
# exactly that team's clients (revocation by issuer).

terraform {
  required_version = ">= 1.5"
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

variable "builder_name" {
  type    = string
  default = "builder1.example.internal"
}

variable "builder_ip" {
  type    = string
  default = "10.0.0.20"
}

resource "dockertls_ca" "build" {
  common_name = "Build CA"
}

resource "dockertls_ca" "ci_team" {
  common_name = "CI team"
}

resource "dockertls_server_cert" "builder" {
  ca_cert_pem        = dockertls_ca.build.cert_pem
  ca_private_key_pem = dockertls_ca.build.private_key_pem
  dns_names          = [var.builder_name]
  ip_addresses       = [var.builder_ip]
}

resource "dockertls_client_cert" "ci" {
  ca_cert_pem           = dockertls_ca.ci_team.cert_pem
  ca_private_key_pem    = dockertls_ca.ci_team.private_key_pem
  common_name           = "ci-runner"
  validity_period_hours = 2160
  early_renewal_hours   = 240
}

data "dockertls_buildkitd_config" "builder" {
  addresses          = ["unix:///run/buildkit/buildkitd.sock", "tcp://0.0.0.0:1234"]
  ca_cert_pem        = dockertls_ca.build.cert_pem
  client_ca_cert_pem = dockertls_ca.ci_team.cert_pem
  server_cert_pem    = dockertls_server_cert.builder.cert_pem
  server_key_pem     = dockertls_server_cert.builder.private_key_pem
}

data "dockertls_buildkit_client_config" "ci" {
  host               = "tcp://${var.builder_name}:1234"
  cert_dir           = "/home/ci/.buildkit/${var.builder_name}"
  ca_cert_pem        = dockertls_ca.build.cert_pem
  client_ca_cert_pem = dockertls_ca.ci_team.cert_pem
  client_cert_pem    = dockertls_client_cert.ci.cert_pem
  client_key_pem     = dockertls_client_cert.ci.private_key_pem
  server_cert_pem    = dockertls_server_cert.builder.cert_pem
}

# The builder's user_data: buildkitd.toml, buildkit.service and the TLS
# files, then `systemctl enable --now`-like start of buildkitd. (buildkitd
# itself comes from BuildKit's release archive, in /usr/local/bin.)
output "builder_user_data" {
  value     = data.dockertls_buildkitd_config.builder.cloud_init
  sensitive = true
}

# What the CI runner writes, by path and mode (the key is sensitive).
output "ci_files" {
  value = { for name, f in data.dockertls_buildkit_client_config.ci.files : f.path => f.mode }
}

output "buildx_create_command" {
  value = data.dockertls_buildkit_client_config.ci.buildx_create_command
}

output "buildctl" {
  value = "BUILDKIT_HOST=${data.dockertls_buildkit_client_config.ci.buildkit_host} buildctl ${join(" ", data.dockertls_buildkit_client_config.ci.buildctl_args)} build --frontend dockerfile.v0 --local context=. --local dockerfile=."
}

# The same builder for kreuzwerker/docker:
#
#   resource "docker_buildx_builder" "remote" {
#     name      = "builder1"
#     endpoint  = data.dockertls_buildkit_client_config.ci.buildkit_host
#     bootstrap = true
#     remote {
#       cacert     = data.dockertls_buildkit_client_config.ci.remote_driver_options.cacert
#       cert       = data.dockertls_buildkit_client_config.ci.remote_driver_options.cert
#       key        = data.dockertls_buildkit_client_config.ci.remote_driver_options.key
#       servername = data.dockertls_buildkit_client_config.ci.remote_driver_options.servername
#     }
#   }
output "remote_driver_options" {
  value = data.dockertls_buildkit_client_config.ci.remote_driver_options
}
