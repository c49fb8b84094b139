#!/usr/bin/env bash
# Says what make test ran: for each go test log given, the CLI it ran
# against, its counts and its scope when it leaves tests to another pass, then every skipped test with its reason; and one
# closing line, "N passed, N failed, N skipped", over every test and subtest
# that reported a result. Exits non-zero when any failed.
set -euo pipefail
logs=()
for log in "$@"; do [ -s "$log" ] && logs+=("$log"); done
set -- "${logs[@]}"
[ $# -gt 0 ] || { echo "tests: 0 passed, 0 failed (no test log)"; exit 1; }
count() { { grep -cE -- "^[[:space:]]*--- $1" "${@:2}" 2>/dev/null || true; } | awk -F: '{s+=$NF} END {print s+0}'; }
for log in "$@"; do
  [ -s "$log" ] || continue
  cli=$(grep -m1 -oE 'CLI under test: [^(]*' "$log" | sed 's/CLI under test: //; s/ *$//' || true)
  printf 'summary: %-16s %5s passed, %s failed, %s skipped%s\n' "$(basename "$log" .log)" \
    "$(count PASS "$log")" "$(count FAIL "$log")" "$(count SKIP "$log")" "${cli:+ (under $cli)}"
  # A pass that leaves tests to another says so in its first line.
  scope=$(grep -m1 '^scope: ' "$log" || true)
  [ -z "$scope" ] || printf 'summary: %-16s %s\n' "" "$scope"
done
if grep -qE -- '^\s*--- SKIP' "$@" 2>/dev/null; then
  echo "summary: skipped, and why:"
  for log in "$@"; do
    [ -s "$log" ] || continue
    # Skip messages print before the "--- SKIP" lines they explain, in the
    # same order (a subtest's result line comes after its parent's).
    awk -v name="$(basename "$log" .log)" '
      /^[ \t]*--- SKIP/ { sub(/^[ \t]*--- SKIP: /, ""); reason = (head < tail) ? queue[head++] : "(no reason printed)"; printf "summary:   %s: %s: %s\n", name, $0, reason; next }
      /^[ \t]*(===|---) / { next }
      tolower($0) ~ /skip/ { line = $0; sub(/^[ \t]+/, "", line); queue[tail++] = line }
    ' "$log"
  done
fi
passed=$(count PASS "$@")
failed=$(count FAIL "$@")
skipped=$(count SKIP "$@")
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
