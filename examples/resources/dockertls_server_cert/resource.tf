resource "dockertls_ca" "docker" {
  common_name = "Docker CA"
}

# dockerd's tlscert and tlskey for a host reached as
# tcp://docker1.example.internal:2376 or tcp://10.0.0.5:2376.
resource "dockertls_server_cert" "docker1" {
  ca_cert_pem        = dockertls_ca.docker.cert_pem
  ca_private_key_pem = dockertls_ca.docker.private_key_pem

  dns_names    = ["docker1.example.internal"]
  ip_addresses = ["10.0.0.5"]

  # localhost, 127.0.0.1 and ::1 are added too (include_loopback = true).
  validity_period_hours = 8760 # 1 year
  early_renewal_hours   = 720  # replaced from 30 days before expiry
}
