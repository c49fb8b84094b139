resource "dockertls_ca" "build" {
  common_name = "Build CA"
}

resource "dockertls_server_cert" "builder1" {
  ca_cert_pem        = dockertls_ca.build.cert_pem
  ca_private_key_pem = dockertls_ca.build.private_key_pem
  dns_names          = ["builder1.example.internal"]
}

data "dockertls_buildkitd_config" "builder1" {
  # The local socket, and TLS on every interface on BuildKit's port.
  addresses       = ["unix:///run/buildkit/buildkitd.sock", "tcp://0.0.0.0:1234"]
  ca_cert_pem     = dockertls_ca.build.cert_pem
  server_cert_pem = dockertls_server_cert.builder1.cert_pem
  server_key_pem  = dockertls_server_cert.builder1.private_key_pem

  # Top-level buildkitd.toml settings and tables, written before [grpc].
  extra_toml = <<-EOT
    [worker.oci]
      gc = true
  EOT
}

# buildkitd.toml, the unit and the TLS files, for a new builder's user_data.
output "builder1_user_data" {
  value     = data.dockertls_buildkitd_config.builder1.cloud_init
  sensitive = true
}
