# A complete Docker host reachable over mutual TLS: the CA, the daemon's
# certificate and configuration (written over SSH, then dockerd restarted
# whenever anything it reads at start-up changes), and a client
# configuration for the docker CLI and the kreuzwerker/docker provider.

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
  default = "docker1.example.internal"
}

variable "host_ip" {
  type    = string
  default = "10.0.0.5"
}

variable "ssh_user" {
  type    = string
  default = "admin"
}

resource "dockertls_ca" "docker" {
  common_name  = "Docker CA"
  organization = "Example"
}

resource "dockertls_server_cert" "host" {
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem
  dns_names          = [var.host_name]
  ip_addresses       = [var.host_ip]
}

resource "dockertls_client_cert" "admin" {
  ca_cert_pem           = dockertls_ca.docker.cert_pem
  ca_private_key_pem    = dockertls_ca.docker.private_key_pem
  common_name           = "admin"
  validity_period_hours = 2160
  early_renewal_hours   = 240
}

data "dockertls_daemon_config" "host" {
  hosts           = ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"]
  ca_cert_pem     = dockertls_ca.docker.cert_pem
  server_cert_pem = dockertls_server_cert.host.cert_pem
  server_key_pem  = dockertls_server_cert.host.private_key_pem
}

# One resource per file. The keys are the data source's fixed file names, so
# this plans on the first apply, before the certificates exist.
resource "terraform_data" "file" {
  for_each = toset(["daemon.json", "systemd_dropin", "ca.pem", "server-cert.pem", "server-key.pem"])

  triggers_replace = [sha256(coalesce(data.dockertls_daemon_config.host.files[each.key].content, data.dockertls_daemon_config.host.files[each.key].sensitive_content))]

  connection {
    type = "ssh"
    host = var.host_ip
    user = var.ssh_user
  }

  provisioner "file" {
    content     = coalesce(data.dockertls_daemon_config.host.files[each.key].content, data.dockertls_daemon_config.host.files[each.key].sensitive_content)
    destination = "/tmp/dockertls-${each.key}"
  }

  provisioner "remote-exec" {
    inline = [
      "sudo install -D -m ${data.dockertls_daemon_config.host.files[each.key].mode} /tmp/dockertls-${each.key} ${data.dockertls_daemon_config.host.files[each.key].path}",
      "rm -f /tmp/dockertls-${each.key}",
    ]
  }
}

# dockerd reads its TLS files and hosts only at start-up.
resource "terraform_data" "restart_docker" {
  triggers_replace = [data.dockertls_daemon_config.host.restart_trigger]
  depends_on       = [terraform_data.file]

  connection {
    type = "ssh"
    host = var.host_ip
    user = var.ssh_user
  }

  provisioner "remote-exec" {
    inline = ["sudo systemctl daemon-reload", "sudo systemctl restart docker"]
  }
}

data "dockertls_client_config" "admin" {
  host            = "tcp://${var.host_name}:2376"
  ca_cert_pem     = dockertls_ca.docker.cert_pem
  client_cert_pem = dockertls_client_cert.admin.cert_pem
  client_key_pem  = dockertls_client_cert.admin.private_key_pem
  server_cert_pem = dockertls_server_cert.host.cert_pem
}

output "docker_env" {
  description = "export these to use the docker CLI (with the files in ~/.docker)"
  value       = data.dockertls_client_config.admin.env
}

output "docker_context_command" {
  value = data.dockertls_client_config.admin.docker_context_command
}
