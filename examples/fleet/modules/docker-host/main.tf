# One Docker host of the fleet: its server certificate and daemon
# configuration, rendered as cloud-init user data.

terraform {
  required_providers {
    dockertls = {
      source = "dockertls/dockertls"
    }
  }
}

variable "name" {
  description = "The host's DNS name."
  type        = string
}

variable "ip" {
  description = "The host's address."
  type        = string
}

variable "ca_cert_pem" {
  type = string
}

variable "ca_private_key_pem" {
  type      = string
  sensitive = true
}

resource "dockertls_server_cert" "this" {
  ca_cert_pem        = var.ca_cert_pem
  ca_private_key_pem = var.ca_private_key_pem
  dns_names          = [var.name]
  ip_addresses       = [var.ip]
  # The fleet CA is constrained to example.internal and 10.0.0.0/8, so the
  # loopback names cannot be certified.
  include_loopback = false
}

data "dockertls_daemon_config" "this" {
  hosts           = ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"]
  ca_cert_pem     = var.ca_cert_pem
  server_cert_pem = dockertls_server_cert.this.cert_pem
  server_key_pem  = dockertls_server_cert.this.private_key_pem
}

output "cloud_init" {
  value = "#cloud-config\n${yamlencode({
    write_files = [
      for f in values(data.dockertls_daemon_config.this.files) : {
        path        = f.path
        permissions = f.mode
        content     = coalesce(f.content, f.sensitive_content)
      }
    ]
    runcmd = [["systemctl", "daemon-reload"], ["systemctl", "restart", "docker"]]
  })}"
  sensitive = true
}

output "not_after" {
  value = dockertls_server_cert.this.not_after
}

output "restart_trigger" {
  value = data.dockertls_daemon_config.this.restart_trigger
}
