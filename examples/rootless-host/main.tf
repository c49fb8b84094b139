# A rootless Docker engine reachable over mutual TLS: dockerd-rootless.sh run
# by the user's systemd unit (dockerd-rootless-setuptool.sh install), its
# TCP port published on the host by RootlessKit.

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
  default = "10.0.0.9"
}

resource "dockertls_ca" "docker" {
  common_name = "Docker CA"
}

resource "dockertls_server_cert" "ci1" {
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem
  ip_addresses       = [var.host_ip]
}

data "dockertls_daemon_config" "ci1" {
  platform      = "rootless"
  rootless_user = { name = "ci", uid = 1000 } # home defaults to /home/ci

  # The defaults on rootless: the user's socket and TLS on every interface.
  # A tcp:// host is where RootlessKit publishes the port on the host; the
  # drop-in passes it as DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS="-p ...".
  hosts = ["unix:///run/user/1000/docker.sock", "tcp://${var.host_ip}:2376"]

  ca_cert_pem     = dockertls_ca.docker.cert_pem
  server_cert_pem = dockertls_server_cert.ci1.cert_pem
  server_key_pem  = dockertls_server_cert.ci1.private_key_pem
}

# user_data for a new host whose image has the rootless engine installed for
# ci: the files are ci's, written after cloud-init creates users, then the
# user unit restarts as ci.
output "user_data" {
  value     = data.dockertls_daemon_config.ci1.cloud_init
  sensitive = true
}

# On a running host, as ci after writing the files.
output "restart_command" {
  value = data.dockertls_daemon_config.ci1.restart_command
}
