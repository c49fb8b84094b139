resource "dockertls_ca" "docker" {
  common_name = "Docker CA"
}

resource "dockertls_server_cert" "docker1" {
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem
  dns_names          = ["docker1.example.internal"]
}

resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem
  common_name        = "ci-runner"
}

data "dockertls_client_config" "ci" {
  # The machine the client runs on: "linux" (the default), "macos" or
  # "windows" (C:\ paths, %USERPROFILE%\.docker, PowerShell).
  platform        = "linux"
  host            = "tcp://docker1.example.internal:2376"
  ca_cert_pem     = dockertls_ca.docker.cert_pem
  client_cert_pem = dockertls_client_cert.ci.cert_pem
  client_key_pem  = dockertls_client_cert.ci.private_key_pem
  cert_dir        = "/home/ci/.docker/docker1"

  # Warns at plan time when the host is not among the server's SANs.
  server_cert_pem = dockertls_server_cert.docker1.cert_pem
}

# The kreuzwerker/docker provider takes the four values as they are. It
# reads DOCKER_CERT_PATH (which the docker CLI's instructions, and env
# above, have you export) as its cert_path default, and refuses cert_path
# together with the materials ("cert_path must not be specified"): set
# cert_path to "" so that the environment cannot get in the way.
#
# provider "docker" {
#   host          = data.dockertls_client_config.ci.host
#   ca_material   = data.dockertls_client_config.ci.ca_material
#   cert_material = data.dockertls_client_config.ci.cert_material
#   key_material  = data.dockertls_client_config.ci.key_material
#   cert_path     = ""
# }

output "docker_env" {
  value = data.dockertls_client_config.ci.env
}

# The same environment for `eval` in a POSIX shell, and for PowerShell.
output "docker_env_sh" {
  value = data.dockertls_client_config.ci.env_sh
}

output "docker_env_powershell" {
  value = data.dockertls_client_config.ci.env_powershell
}

output "docker_context_command" {
  value = data.dockertls_client_config.ci.docker_context_command
}
