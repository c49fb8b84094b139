#!/usr/bin/env bash
# Prints one closing line for the go test logs given: "N passed, N failed",
# counting every test and subtest that reported a result.
set -euo pipefail
passed=$(cat "$@" | grep -cE -- '^\s*--- PASS' || true)
failed=$(cat "$@" | grep -cE -- '^\s*--- FAIL' || true)
skipped=$(cat "$@" | grep -cE -- '^\s*--- SKIP' || true)
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
