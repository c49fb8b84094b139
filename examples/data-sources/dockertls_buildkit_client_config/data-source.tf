resource "dockertls_ca" "build" {
  common_name = "Build CA"
}

resource "dockertls_server_cert" "builder1" {
  ca_cert_pem        = dockertls_ca.build.cert_pem
  ca_private_key_pem = dockertls_ca.build.private_key_pem
  dns_names          = ["builder1.example.internal"]
}

resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.build.cert_pem
  ca_private_key_pem = dockertls_ca.build.private_key_pem
  common_name        = "ci-runner"
}

data "dockertls_buildkit_client_config" "ci" {
  host            = "tcp://builder1.example.internal:1234"
  cert_dir        = "/home/ci/.buildkit/builder1" # absolute: buildx refuses relative paths
  file_names      = "docker"                      # or "cert_manager": ca.crt, tls.crt, tls.key
  ca_cert_pem     = dockertls_ca.build.cert_pem
  client_cert_pem = dockertls_client_cert.ci.cert_pem
  client_key_pem  = dockertls_client_cert.ci.private_key_pem

  # An error when the server certificate does not name server_name (here
  # the host's name, the default): a builder that would be silently inactive.
  server_cert_pem = dockertls_server_cert.builder1.cert_pem
}

output "buildx_create" {
  # docker buildx create --name builder1.example.internal --driver remote \
  #   --driver-opt cacert=/home/ci/.buildkit/builder1/ca.pem,cert=...,key=...,servername=builder1.example.internal \
  #   tcp://builder1.example.internal:1234
  value = data.dockertls_buildkit_client_config.ci.buildx_create_command
}

output "buildctl" {
  value = "buildctl --addr ${data.dockertls_buildkit_client_config.ci.buildkit_host} ${join(" ", data.dockertls_buildkit_client_config.ci.buildctl_args)} build ..."
}
