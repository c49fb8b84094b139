# Delivers one Docker host's files over SSH and restarts dockerd when
# anything it reads at start-up changed; writes the client's files on the
# machine that runs Terraform (a CI runner, a laptop).
#
# A fleet uses it once per host (for_each). Each file is replaced only when
# its digest changes, and dockerd restarts only when restart_trigger does.
# Restarts hold restart_lock (flock(1) on the machine that runs Terraform)
# from the SSH command until systemctl has the new dockerd ready, so hosts
# that share a lock restart one at a time, whatever -parallelism is.

variable "ssh_host" {
  type        = string
  description = "The Docker host to deliver the daemon's files to."
}

variable "ssh_user" {
  type    = string
  default = "admin"
}

# Both inputs are sensitive here, whether they come from the data source
# or the function (whose result is sensitive when it holds a key), so that
# the digests below can be shown with nonsensitive() on every Terraform
# version: a digest reveals nothing.
variable "host_files" {
  description = "dockertls_daemon_config's (or daemon_config()'s) files."
  type        = any
  sensitive   = true
}

variable "restart_trigger" {
  description = "dockertls_daemon_config's (or daemon_config()'s) restart_trigger."
  type        = string
  sensitive   = true
}

variable "restart_lock" {
  description = "The lock file this host's restart holds, on the machine that runs Terraform. Hosts with the same lock restart one at a time; null is one lock for the whole configuration."
  type        = string
  default     = null
}

variable "client_files" {
  description = "dockertls_client_config's files, for the machine that runs Terraform."
  type        = any
  default     = null
  sensitive   = true
}

variable "write_client_files" {
  description = "Whether to write client_files (a plain bool: for_each must know it before the files are known)."
  type        = bool
  default     = true
}

locals {
  # The fixed names of the data sources' files: for_each over them plans on
  # the first apply, when the contents are not known yet.
  host_names   = toset(["daemon.json", "systemd_dropin", "ca.pem", "server-cert.pem", "server-key.pem"])
  client_names = var.write_client_files ? toset(["ca.pem", "cert.pem", "key.pem"]) : toset([])
  restart_lock = coalesce(var.restart_lock, "${path.root}/.terraform/dockertls-restart.lock")
}

resource "terraform_data" "host_file" {
  for_each = local.host_names

  triggers_replace = [nonsensitive(sha256(coalesce(var.host_files[each.key].content, var.host_files[each.key].sensitive_content)))]

  connection {
    type = "ssh"
    host = var.ssh_host
    user = var.ssh_user
  }

  provisioner "file" {
    content     = coalesce(var.host_files[each.key].content, var.host_files[each.key].sensitive_content)
    destination = "/tmp/dockertls-${each.key}"
  }

  provisioner "remote-exec" {
    inline = [
      "sudo install -D -m ${var.host_files[each.key].mode} /tmp/dockertls-${each.key} ${var.host_files[each.key].path}",
      "rm -f /tmp/dockertls-${each.key}",
    ]
  }
}

# dockerd reads its TLS files only at start-up. With live-restore (on by
# default in dockertls_daemon_config) the restart stops no container.
# systemctl restart returns once the new dockerd is ready (docker.service
# is Type=notify), and only then is the lock released.
resource "terraform_data" "restart_docker" {
  triggers_replace = [nonsensitive(var.restart_trigger)]
  depends_on       = [terraform_data.host_file]

  provisioner "local-exec" {
    command = "mkdir -p \"$(dirname \"$LOCK\")\" && flock \"$LOCK\" ssh -o BatchMode=yes \"$SSH_USER@$SSH_HOST\" 'sudo systemctl daemon-reload && sudo systemctl restart docker'"
    environment = {
      LOCK     = local.restart_lock
      SSH_USER = var.ssh_user
      SSH_HOST = var.ssh_host
    }
  }
}

# Each file is written whole and then moved into place, so that a client
# never reads half a certificate.
resource "terraform_data" "client_file" {
  for_each = local.client_names

  triggers_replace = [nonsensitive(sha256(coalesce(var.client_files[each.key].content, var.client_files[each.key].sensitive_content)))]

  provisioner "local-exec" {
    command = "mkdir -p \"$(dirname \"$FILE\")\" && printf '%s' \"$CONTENT\" > \"$FILE.new\" && chmod \"$MODE\" \"$FILE.new\" && mv -f \"$FILE.new\" \"$FILE\""
    environment = {
      FILE    = var.client_files[each.key].path
      MODE    = var.client_files[each.key].mode
      CONTENT = coalesce(var.client_files[each.key].content, var.client_files[each.key].sensitive_content)
    }
  }
}
