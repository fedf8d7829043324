#!/usr/bin/env bash
# The whole suite: lint, type check, then every jest test (unit, integration, e2e).
# Ends with exactly one line `tests: N passed, N failed[, N skipped]` and fails on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .run
checks=()
run_check() { # name, command...
  local name=$1; shift
  echo "== $name"
  if "$@"; then checks+=("$name:pass"); else checks+=("$name:fail"); fi
}
run_check lint npx --no-install eslint .
run_check typecheck npx --no-install tsc --noEmit -p tsconfig.json
echo "== jest"
rm -f .run/jest.json
npx --no-install jest --json --outputFile=.run/jest.json "$@"
node scripts/test-summary.js .run/jest.json "${checks[@]}"
