#!/usr/bin/env bash
# Writes a Terraform CLI configuration that runs the provider built in BIN_DIR
# through dev_overrides, and prints its path. The machine's own
# TF_CLI_CONFIG_FILE (which may name a file that does not exist) is ignored.
set -euo pipefail
bin_dir=$1
out=$2
mkdir -p "$(dirname "$out")"
cat >"$out" <<RC
provider_installation {
  dev_overrides {
    "dockertls/dockertls" = "$bin_dir"
  }
  direct {}
}
RC
echo "$out"
