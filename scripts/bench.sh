#!/usr/bin/env bash
# The fleet benchmark: one CA, N server certificates (DNS and IP SANs) and M
# client certificates, applied and planned with the real terraform and the
# built provider, REPEAT times each, reported as min/median wall time with
# the provider's own CPU time and peak RSS (each provider process reports
# them on exit, see internal/pluginprocess/rusage.go).
#
# It runs with two state backends. "local" is the default state file, which
# Terraform rewrites and fsyncs after every resource: O(N²) in Terraform
# itself. "http" keeps the state in memory in scripts/httpstate, as remote
# backends (s3, gcs, azurerm, HCP Terraform) do between their 20-second
# snapshots. For each backend a control applies the same number of
# terraform_data resources carrying as much state as a certificate, which
# is Terraform's share without this provider.
#
# It also runs the Go benchmarks of one certificate through the plugin
# protocol (the provider in process, and the framework's floor for the same
# schema) and of the bare issuance, and reports the targets of the
# benchmark issue. With N other than 100 it compares with the N=100 results
# when they exist.
#
# With SPLIT=K it also applies the same fleet split into K states of N/K
# certificates (each with a CA of its own), one state after another and two
# at a time, for the comparison with one state of N (make bench-scale).
#
#   N=100 M=10 ALG=ECDSA_P256 REPEAT=3 BACKENDS="local http" SPLIT=0 scripts/bench.sh
set -euo pipefail

N=${N:-100}
M=${M:-10}
ALG=${ALG:-ECDSA_P256}
REPEAT=${REPEAT:-3}
BACKENDS=${BACKENDS:-local http}
SPLIT=${SPLIT:-0}
root=$(cd "$(dirname "$0")/.." && pwd)
bin_dir=$(cd "${BIN_DIR:-$root/bin}" && pwd)
out_dir=$root/.cache/bench
results=$out_dir/results-n$N-$ALG.json
samples=$out_dir/samples-n$N-$ALG.txt
mkdir -p "$out_dir"
: >"$samples"

# The provider is installed from a filesystem mirror holding the built
# binary, rather than through dev_overrides, because the http backend needs
# terraform init, which dev_overrides do not support.
mirror=$out_dir/mirror
platform_dir=$mirror/registry.terraform.io/dockertls/dockertls/0.0.1/$(go env GOOS)_$(go env GOARCH)
mkdir -p "$platform_dir"
ln -sf "$bin_dir/terraform-provider-dockertls" "$platform_dir/terraform-provider-dockertls"
export TF_CLI_CONFIG_FILE=$out_dir/terraformrc
cat >"$TF_CLI_CONFIG_FILE" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/dockertls/dockertls"]
  }
  direct {
    exclude = ["registry.terraform.io/dockertls/dockertls"]
  }
}
RC
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

(cd "$root" && go build -o "$out_dir/httpstate" ./scripts/httpstate && go build -o "$out_dir/benchreport" ./scripts/benchreport)
state_addr_file=$out_dir/httpstate.addr
"$out_dir/httpstate" >"$state_addr_file" &
state_pid=$!
trap 'kill $state_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$state_addr_file" ] && break; sleep 0.1; done
state_addr=$(cat "$state_addr_file")

# backend_block BACKEND NAME: the terraform block's backend for a working
# directory called NAME.
backend_block() {
  if [ "$1" = http ]; then
    printf '  backend "http" {\n    address = "http://%s/%s"\n  }\n' "$state_addr" "$2"
  fi
}

# forget_state DIR BACKEND NAME: starts the next repetition from nothing.
forget_state() {
  rm -f "$1"/terraform.tfstate*
  if [ "$2" = http ]; then
    exec 3<>"/dev/tcp/${state_addr%:*}/${state_addr##*:}"
    printf 'DELETE /%s HTTP/1.0\r\n\r\n' "$3" >&3
    cat <&3 >/dev/null
    exec 3<&-
  fi
}

fleet_config() {
  cat <<TF
terraform {
  required_providers {
    dockertls = { source = "dockertls/dockertls" }
  }
$(backend_block "$1" "$2")
}

resource "dockertls_ca" "fleet" {
  common_name   = "Bench CA"
  key_algorithm = "$ALG"
}

resource "dockertls_server_cert" "host" {
  count              = $N
  ca_cert_pem        = dockertls_ca.fleet.cert_pem
  ca_private_key_pem = dockertls_ca.fleet.private_key_pem
  key_algorithm      = "$ALG"
  dns_names          = ["host-\${count.index}.bench.internal"]
  ip_addresses       = [cidrhost("10.0.0.0/8", count.index + 1)]
}

resource "dockertls_client_cert" "client" {
  count              = $M
  ca_cert_pem        = dockertls_ca.fleet.cert_pem
  ca_private_key_pem = dockertls_ca.fleet.private_key_pem
  key_algorithm      = "$ALG"
  common_name        = "client-\${count.index}"
}
TF
}

# The control: the fleet's shape without this provider. A parent holds a
# certificate and a sensitive key, as the CA does, and N + M children take
# both from it and carry about the state of a server certificate (3 KB), as
# the certificates do.
control_config() {
  cat <<TF
terraform {
$(backend_block "$1" "$2")
}

resource "terraform_data" "parent" {
  input = {
    cert = format("%01200d", 0)
    key  = sensitive(format("%0240d", 1))
  }
}

resource "terraform_data" "host" {
  count = $((N + M))
  input = {
    cert  = terraform_data.parent.output.cert
    key   = terraform_data.parent.output.key
    state = "\${count.index}-\${format("%01800d", 0)}"
  }
}
TF
}

# init DIR: terraform init, with the lock file of the binary just built.
init() {
  rm -f "$1/.terraform.lock.hcl"
  terraform -chdir="$1" init -input=false -reconfigure >"$1/init.log" 2>&1 || { cat "$1/init.log" >&2; exit 1; }
}

now() { date +%s.%N; }

# run DIR BACKEND STEP ARGS...: runs terraform and appends
# "BACKEND STEP wall cpu rss" to the samples.
run() {
  local dir=$1 backend=$2 step=$3
  shift 3
  local ru=$dir/rusage.txt t0 t1
  : >"$ru"
  t0=$(now)
  DOCKERTLS_RUSAGE_FILE=$ru terraform -chdir="$dir" "$@" -input=false -no-color >"$dir/$step.log" 2>&1 ||
    { echo "bench: terraform $* failed in $dir:" >&2; tail -20 "$dir/$step.log" >&2; exit 1; }
  t1=$(now)
  awk -v b="$backend" -v s="$step" -v t0="$t0" -v t1="$t1" 'BEGIN{cpu=0; rss=0} {cpu+=$1+$2; if ($3>rss) rss=$3}
    END{printf "%s %s %.3f %.3f %d\n", b, s, t1-t0, cpu, rss}' "$ru" >>"$samples"
}

# split_fleet BACKEND: the fleet as SPLIT states of N/SPLIT certificates,
# applied one after another, then two at a time; one sample each, with the
# total wall time and the provider CPU of all of them.
split_fleet() {
  local backend=$1 part=$((N / SPLIT)) dirs=() i
  for i in $(seq "$SPLIT"); do
    local name=split$SPLIT-$i-$ALG-$backend
    dirs+=("$out_dir/$name")
    mkdir -p "$out_dir/$name"
    N=$part fleet_config "$backend" "$name" >"$out_dir/$name/main.tf"
    init "$out_dir/$name"
  done
  local mode
  for mode in sequential parallel2; do
    local t0 t1 pids=()
    for i in $(seq "$SPLIT"); do forget_state "${dirs[$((i - 1))]}" "$backend" "split$SPLIT-$i-$ALG-$backend"; : >"${dirs[$((i - 1))]}/rusage.txt"; done
    t0=$(now)
    for dir in "${dirs[@]}"; do
      DOCKERTLS_RUSAGE_FILE=$dir/rusage.txt terraform -chdir="$dir" apply -auto-approve -input=false -no-color >"$dir/apply.log" 2>&1 &
      pids+=($!)
      # Wait for these applies only: httpstate is a child of this shell too.
      if [ "$mode" = sequential ] || [ ${#pids[@]} = 2 ]; then
        wait "${pids[@]}" || { echo "bench: a split apply failed" >&2; exit 1; }
        pids=()
      fi
    done
    [ ${#pids[@]} = 0 ] || wait "${pids[@]}"
    t1=$(now)
    cat "${dirs[@]/%//rusage.txt}" | awk -v b="$backend" -v s="split${SPLIT}_${mode}_apply" -v t0="$t0" -v t1="$t1" \
      'BEGIN{cpu=0; rss=0} {cpu+=$1+$2; if ($3>rss) rss=$3} END{printf "%s %s %.3f %.3f %d\n", b, s, t1-t0, cpu, rss}' >>"$samples"
  done
}

echo "bench: N=$N server and M=$M client certificates, $ALG, $REPEAT repetitions, backends: $BACKENDS" >&2
for backend in $BACKENDS; do
  name=n$N-$ALG-$backend
  dir=$out_dir/$name
  mkdir -p "$dir"
  fleet_config "$backend" "$name" >"$dir/main.tf"
  init "$dir"
  for _ in $(seq "$REPEAT"); do
    forget_state "$dir" "$backend" "$name"
    run "$dir" "$backend" apply apply -auto-approve
  done
  for _ in $(seq "$REPEAT"); do run "$dir" "$backend" plan plan -refresh=false -detailed-exitcode; done
  for _ in $(seq "$REPEAT"); do run "$dir" "$backend" plan_refresh plan -refresh=true -detailed-exitcode; done

  control=$out_dir/control-$name
  mkdir -p "$control"
  control_config "$backend" "control-$name" >"$control/main.tf"
  init "$control"
  for _ in $(seq "$REPEAT"); do
    forget_state "$control" "$backend" "control-$name"
    run "$control" "$backend" control_apply apply -auto-approve
  done
  for _ in $(seq "$REPEAT"); do run "$control" "$backend" control_plan plan -refresh=false -detailed-exitcode; done

  if [ "$SPLIT" -gt 1 ]; then split_fleet "$backend"; fi
done

echo "bench: Go benchmarks (in process)" >&2
gobench=$out_dir/gobench-$ALG.txt
(cd "$root" &&
  go test ./internal/pki/ -run '^$' -bench "BenchmarkIssueServer/${ALG}\$" -benchtime 2s &&
  GOGC=400 BENCH_KEY_ALGORITHM=$ALG go test ./internal/provider/ -run '^$' -bench 'BenchmarkServerCertRPC|BenchmarkFrameworkFloorRPC' -benchtime 2s) >"$gobench" 2>&1 ||
  { cat "$gobench" >&2; exit 1; }

baseline=$out_dir/results-n100-$ALG.json
[ "$N" != 100 ] && [ -f "$baseline" ] || baseline=
machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m), $(terraform version | awk 'NR == 1')"
"$out_dir/benchreport" -samples "$samples" -gobench "$gobench" -n "$N" -m "$M" -alg "$ALG" \
  -machine "$machine" -out "$results" ${baseline:+-baseline "$baseline"}
echo "results: $results"
