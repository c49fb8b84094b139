# A Windows Server container host (the docker service) reachable over mutual
# TLS: the layout of Microsoft's DockerCertificateTools.ps1, rendered and
# checked at plan time. No systemd, no file modes: the files go under
# C:\ProgramData\docker, which dockerd keeps to Administrators and SYSTEM.

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
  default = "win1.example.internal"
}

variable "host_ip" {
  type    = string
  default = "10.0.0.8"
}

resource "dockertls_ca" "docker" {
  common_name = "Docker CA"
}

resource "dockertls_server_cert" "win1" {
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem
  dns_names          = [var.host_name]
  ip_addresses       = [var.host_ip]
}

resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem
  common_name        = "windows-ci"
}

data "dockertls_daemon_config" "win1" {
  platform = "windows"
  # The defaults on Windows: dockerd's own pipe and TLS on every interface;
  # certificates in C:\ProgramData\docker\certs.d, daemon.json in
  # C:\ProgramData\docker\config.
  hosts = ["npipe://", "tcp://0.0.0.0:2376"]

  ca_cert_pem     = dockertls_ca.docker.cert_pem
  server_cert_pem = dockertls_server_cert.win1.cert_pem
  server_key_pem  = dockertls_server_cert.win1.private_key_pem
}

# A PowerShell bootstrap (EC2Launch and Azure custom data run it) that writes
# every file byte for byte, then restarts the service. Base64 keeps
# PowerShell's encodings (and its BOMs) out of the files.
locals {
  bootstrap_ps1 = join("\n", concat(
    ["$ErrorActionPreference = 'Stop'"],
    [for name, f in data.dockertls_daemon_config.win1.files : join("\n", [
      "New-Item -ItemType Directory -Force -Path (Split-Path -Parent '${f.path}') | Out-Null",
      "[IO.File]::WriteAllBytes('${f.path}', [Convert]::FromBase64String('${base64encode(coalesce(f.content, f.sensitive_content))}'))",
    ])],
    [data.dockertls_daemon_config.win1.restart_command],
  ))
}

output "bootstrap_ps1" {
  value     = local.bootstrap_ps1
  sensitive = true
}

# A Windows client: files in the docker CLI's %USERPROFILE%\.docker unless
# cert_dir says otherwise, and the environment as PowerShell lines.
data "dockertls_client_config" "ci" {
  platform        = "windows"
  host            = "tcp://${var.host_name}:2376"
  ca_cert_pem     = dockertls_ca.docker.cert_pem
  client_cert_pem = dockertls_client_cert.ci.cert_pem
  client_key_pem  = dockertls_client_cert.ci.private_key_pem
  server_cert_pem = dockertls_server_cert.win1.cert_pem
}

output "client_env_powershell" {
  value = data.dockertls_client_config.ci.env_powershell
}

output "docker_context_command" {
  value = data.dockertls_client_config.ci.docker_context_command
}
