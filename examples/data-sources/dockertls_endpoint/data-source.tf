variable "ca_cert_pem" {
  type = string
}

variable "expected_fingerprint" {
  description = "The sha256_fingerprint of the dockertls_server_cert the host should serve."
  type        = string
}

# Fails the plan when the daemon still serves an old certificate, for
# example because it was not restarted after its files were renewed.
data "dockertls_endpoint" "docker1" {
  host        = "tcp://docker1.example.internal:2376"
  ca_cert_pem = var.ca_cert_pem

  lifecycle {
    postcondition {
      condition     = self.verified && self.sha256_fingerprint == var.expected_fingerprint
      error_message = "docker1 does not serve the expected certificate: restart dockerd so it loads the renewed files."
    }
  }
}
