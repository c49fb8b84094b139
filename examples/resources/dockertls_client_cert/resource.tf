resource "dockertls_ca" "docker" {
  common_name = "Docker CA"
}

# cert.pem and key.pem for the docker CLI of a CI runner.
resource "dockertls_client_cert" "ci" {
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem

  common_name           = "ci-runner"
  validity_period_hours = 2160 # 90 days
  early_renewal_hours   = 240  # replaced from 10 days before expiry
}
