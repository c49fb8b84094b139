#!/usr/bin/env bash
# The main job: build the provider, apply examples/quickstart through
# dev_overrides, write the five PEM files to OUT_DIR, check them with openssl,
# and show that a second plan has nothing to do.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin_dir=${BIN_DIR:-$root/bin}
out_dir=${OUT_DIR:-$root/demo-out}
work=$out_dir/terraform

mkdir -p "$work"
cp "$root"/examples/quickstart/*.tf "$work"/
export TF_CLI_CONFIG_FILE
TF_CLI_CONFIG_FILE=$("$root"/scripts/cli-config.sh "$bin_dir" "$out_dir/terraformrc")
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
tf() { terraform -chdir="$work" "$@"; }

echo "== terraform apply (examples/quickstart)"
tf apply -auto-approve -input=false -no-color | grep -E '^(dockertls_|Apply complete)' || true

echo "== writing PEM files to $out_dir"
write() { # name output mode
  rm -f "$out_dir/$1"
  (umask 077; tf output -raw "$2" >"$out_dir/$1")
  chmod "$3" "$out_dir/$1"
}
write ca.pem ca_cert_pem 0444
write server-cert.pem server_cert_pem 0444
write server-key.pem server_key_pem 0400
write cert.pem client_cert_pem 0444
write key.pem client_key_pem 0400
ls -l "$out_dir"/*.pem

echo "== openssl verify"
openssl verify -CAfile "$out_dir/ca.pem" -purpose sslserver "$out_dir/server-cert.pem"
openssl verify -CAfile "$out_dir/ca.pem" -purpose sslclient "$out_dir/cert.pem"

echo "== terraform plan -detailed-exitcode (must find nothing to do)"
set +e
tf plan -detailed-exitcode -input=false -no-color >"$out_dir/plan.txt"
code=$?
set -e
grep -E 'No changes|Plan:' "$out_dir/plan.txt" || true
if [ "$code" != 0 ]; then
  echo "demo: the second plan exited $code; it should find no changes" >&2
  cat "$out_dir/plan.txt" >&2
  exit 1
fi
echo "== done: $out_dir holds ca.pem, server-cert.pem, server-key.pem, cert.pem, key.pem"
