# A registry that wants client certificates: its certificate and
# configuration as the user_data of a new machine, and the files each
# client reads for it (dockerd, Podman and CRI-O, containerd, buildkitd).
# Pushers are admitted by their own issuer, so that retiring it shuts them
# out (revocation by issuer).

terraform {
  required_version = ">= 1.5"
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

variable "registry" {
  description = "The registry as image references name it, HOST:PORT."
  type        = string
  default     = "registry.example.internal:5000"
}

locals {
  registry_host = split(":", var.registry)[0]
}

resource "dockertls_ca" "registry" {
  common_name = "Registry CA"
}

resource "dockertls_ca" "pushers" {
  common_name = "Registry pushers"
}

resource "dockertls_server_cert" "registry" {
  ca_cert_pem        = dockertls_ca.registry.cert_pem
  ca_private_key_pem = dockertls_ca.registry.private_key_pem
  dns_names          = [local.registry_host]
}

resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.pushers.cert_pem
  ca_private_key_pem = dockertls_ca.pushers.private_key_pem
  common_name        = "ci-pusher"
}

data "dockertls_registry_config" "registry" {
  address            = ":5000"
  registry           = var.registry
  ca_cert_pem        = dockertls_ca.registry.cert_pem
  client_ca_cert_pem = dockertls_ca.pushers.cert_pem
  server_cert_pem    = dockertls_server_cert.registry.cert_pem
  server_key_pem     = dockertls_server_cert.registry.private_key_pem

  # The rest of the configuration: files["config.yml"] is the whole, with
  # the rendered http.addr and http.tls merged in.
  config_yaml = yamlencode({
    version = "0.1"
    storage = { filesystem = { rootdirectory = "/var/lib/registry" } }
  })
}

data "dockertls_registry_client_config" "ci" {
  registry           = var.registry
  ca_cert_pem        = dockertls_ca.registry.cert_pem
  client_ca_cert_pem = dockertls_ca.pushers.cert_pem
  client_cert_pem    = dockertls_client_cert.ci.cert_pem
  client_key_pem     = dockertls_client_cert.ci.private_key_pem
  server_cert_pem    = dockertls_server_cert.registry.cert_pem
}

# The registry's user_data: /etc/distribution/config.yml and the TLS files.
# Merge it with the part that runs the registry (its package, or the
# registry image with /etc/distribution mounted), and restart the registry
# when restart_trigger changes: it reads its TLS files only at start-up.
output "registry_user_data" {
  value     = data.dockertls_registry_config.registry.cloud_init
  sensitive = true
}

# Each client's files for the registry, by path and mode: pick those of the
# clients you run. dockerd reads them at every connection (no restart).
output "docker_files" {
  value = { for name, f in data.dockertls_registry_client_config.ci.docker_files : f.path => f.mode }
}
output "containers_files" {
  value = { for name, f in data.dockertls_registry_client_config.ci.containers_files : f.path => f.mode }
}
output "containerd_hosts_toml" {
  value = data.dockertls_registry_client_config.ci.containerd_hosts_toml
}
output "buildkitd_toml" {
  value = data.dockertls_registry_client_config.ci.buildkitd_toml
}
