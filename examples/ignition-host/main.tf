# A Flatcar Container Linux or Fedora CoreOS Docker host, provisioned by
# Ignition at first boot: the TLS files, daemon.json and the docker.service
# drop-in in one Ignition config, as the whole user_data or as a fragment
# merged into the host's own config.

terraform {
  required_version = ">= 1.5"
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

variable "host_ip" {
  type    = string
  default = "10.0.0.7"
}

resource "dockertls_ca" "docker" {
  common_name = "Docker CA"
}

resource "dockertls_server_cert" "edge1" {
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem
  dns_names          = ["edge1.example.internal"]
  ip_addresses       = [var.host_ip]
}

data "dockertls_daemon_config" "edge1" {
  # dockerd is /usr/bin/dockerd on Flatcar and on Fedora CoreOS (moby-engine),
  # which the default dockerd_path (the bare name dockerd) finds.
  ca_cert_pem     = dockertls_ca.docker.cert_pem
  server_cert_pem = dockertls_server_cert.edge1.cert_pem
  server_key_pem  = dockertls_server_cert.edge1.private_key_pem
}

# The whole user_data of a host (Ignition spec 3.3.0).
output "user_data" {
  value     = data.dockertls_daemon_config.edge1.ignition
  sensitive = true
}

# A fragment merged into the host's own config: Ignition merges an inline
# child config into its parent at first boot. With poseidon/ct, the same goes
# into a Butane snippet (ignition.config.merge[].inline) of ct_config.
output "user_data_merged" {
  value = jsonencode({
    ignition = {
      version = "3.3.0"
      config = {
        merge = [{ inline = data.dockertls_daemon_config.edge1.ignition }]
      }
    }
    passwd = {
      users = [{ name = "core", sshAuthorizedKeys = ["ssh-ed25519 AAAA... core@example"] }]
    }
  })
  sensitive = true
}
