#!/usr/bin/env bash
# The fleet benchmark: one CA, N server certificates (DNS and IP SANs) and M
# client certificates, applied and planned with the real terraform and the
# built provider. Reports min/median wall time of apply, a no-change plan
# (-refresh=false) and a refreshing plan; the provider's own CPU time and
# peak RSS (each provider process reports its getrusage on exit, see
# rusage.go); and the bare Go cost of the same issuance, so that the
# provider's share of the time is visible.
#
#   N=100 M=10 ALG=ECDSA_P256 REPEAT=3 scripts/bench.sh
set -euo pipefail

N=${N:-100}
M=${M:-10}
ALG=${ALG:-ECDSA_P256}
REPEAT=${REPEAT:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
bin_dir=${BIN_DIR:-$root/bin}
out_dir=$root/.cache/bench
work=$out_dir/n$N-$ALG
results=$out_dir/results-n$N-$ALG.json
mkdir -p "$work"
rm -f "$work"/*.tf "$work"/terraform.tfstate*

cat >"$work/main.tf" <<TF
terraform {
  required_providers {
    dockertls = { source = "dockertls/dockertls" }
  }
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

export TF_CLI_CONFIG_FILE
TF_CLI_CONFIG_FILE=$("$root"/scripts/cli-config.sh "$bin_dir" "$out_dir/terraformrc")
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

now() { date +%s.%N; }

# run LABEL ARGS...: runs terraform, appends "LABEL wall cpu rss" to the samples.
samples=$work/samples.txt
: >"$samples"
run() {
  local label=$1
  shift
  local ru=$work/rusage.txt
  : >"$ru"
  local t0 t1
  t0=$(now)
  DOCKERTLS_RUSAGE_FILE=$ru terraform -chdir="$work" "$@" -input=false -no-color >"$work/$label.log" 2>&1 ||
    { echo "bench: terraform $* failed:" >&2; tail -20 "$work/$label.log" >&2; exit 1; }
  t1=$(now)
  awk -v label="$label" -v t0="$t0" -v t1="$t1" -v wall=0 \
    'BEGIN{cpu=0; rss=0} {cpu+=$1+$2; if ($3>rss) rss=$3} END{printf "%s %.3f %.3f %d %d\n", label, t1-t0, cpu, rss, NR}' "$ru" >>"$samples"
}

echo "bench: N=$N server and M=$M client certificates, $ALG, $REPEAT repetitions" >&2
for _ in $(seq "$REPEAT"); do
  rm -f "$work"/terraform.tfstate*
  run apply apply -auto-approve
done
for _ in $(seq "$REPEAT"); do run plan plan -refresh=false -detailed-exitcode; done
for _ in $(seq "$REPEAT"); do run plan_refresh plan -refresh=true -detailed-exitcode; done

# The same issuance in-process, for comparison.
go_ns=$(cd "$root" && go test ./internal/pki/ -run '^$' -bench "BenchmarkIssueServer/${ALG}\$" -benchtime 2s 2>/dev/null |
  awk '/^BenchmarkIssueServer/ {print $3; exit}')

certs=$((N + M + 1))
awk -v n="$N" -v m="$M" -v alg="$ALG" -v certs="$certs" -v go_ns="$go_ns" -v repeat="$REPEAT" \
  -v machine="$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m), $(terraform version | head -1)" '
function median(a, k,   i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
  return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
function minimum(a, k,   i, x) { x = a[1]; for (i = 2; i <= k; i++) if (a[i] < x) x = a[i]; return x }
{ k = ++count[$1]; wall[$1, k] = $2; cpu[$1, k] = $3; if ($4 > rss[$1]) rss[$1] = $4 }
END {
  split("apply plan plan_refresh", labels, " ")
  printf "{\n  \"n\": %d, \"m\": %d, \"algorithm\": \"%s\", \"repeat\": %d, \"machine\": \"%s\",\n", n, m, alg, repeat, machine
  printf "  \"go_issue_ns_per_cert\": %d,\n", go_ns
  for (l = 1; l <= 3; l++) {
    L = labels[l]; k = count[L]
    for (i = 1; i <= k; i++) { w[i] = wall[L, i]; c[i] = cpu[L, i] }
    printf "  \"%s\": {\"wall_min_s\": %.3f, \"wall_median_s\": %.3f, \"provider_cpu_median_s\": %.3f, \"provider_peak_rss_mib\": %.1f}%s\n",
      L, minimum(w, k), median(w, k), median(c, k), rss[L] / 1024, ","
    if (L == "apply") { apply_cpu = median(c, k) }
  }
  per_cert_us = apply_cpu / certs * 1e6
  printf "  \"apply_provider_cpu_us_per_cert\": %.1f,\n  \"apply_cpu_vs_go_issue\": %.2f\n}\n", per_cert_us, per_cert_us * 1000 / go_ns
}' "$samples" >"$results"

echo
printf "%-14s %10s %12s %16s %14s\n" "step" "wall min" "wall median" "provider CPU" "provider RSS"
for label in apply plan plan_refresh; do
  awk -v L="$label" '$0 ~ "\""L"\": \\{" {
    match($0, /"wall_min_s": [0-9.]+/); a = substr($0, RSTART + 14, RLENGTH - 14)
    match($0, /"wall_median_s": [0-9.]+/); b = substr($0, RSTART + 17, RLENGTH - 17)
    match($0, /"provider_cpu_median_s": [0-9.]+/); c = substr($0, RSTART + 25, RLENGTH - 25)
    match($0, /"provider_peak_rss_mib": [0-9.]+/); d = substr($0, RSTART + 25, RLENGTH - 25)
    printf "%-14s %9ss %11ss %15ss %11s MiB\n", L, a, b, c, d }' "$results"
done
grep -E '"(go_issue_ns_per_cert|apply_provider_cpu_us_per_cert|apply_cpu_vs_go_issue)"' "$results" | tr -d ' ,"' | sed 's/:/: /'
echo "results: $results"
