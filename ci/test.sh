#!/usr/bin/env bash
# Every test of the workspace: unit tests, the reference ENT's tests and
# the one integration-test binary (fault matrix, suites, reports, CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
printf '\n== tests ==\n'
# Snapshots are compared, never rewritten, in CI.
export CI="${CI:-true}"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi
