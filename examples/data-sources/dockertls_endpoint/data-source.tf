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

variable "revoked_client" {
  description = "A revoked client's certificate and key, to prove that docker1 refuses it."
  type        = object({ cert_pem = string, private_key_pem = string })
  sensitive   = true
}

# Warns (a check does not fail the plan) while docker1 still admits a client
# whose issuer was removed from its client_ca_cert_pem: until dockerd has
# restarted on the new ca.pem.
check "revoked_client_is_shut_out" {
  data "dockertls_endpoint" "as_revoked" {
    host            = "tcp://docker1.example.internal:2376"
    ca_cert_pem     = var.ca_cert_pem
    client_cert_pem = var.revoked_client.cert_pem
    client_key_pem  = var.revoked_client.private_key_pem
  }

  assert {
    condition     = data.dockertls_endpoint.as_revoked.client_accepted == false
    error_message = "docker1 still admits the revoked client: deliver its new ca.pem and restart dockerd."
  }
}
