#!/usr/bin/env bash
# Every test of the workspace (unit tests, the reference ENT's tests, the one
# integration-test binary), in release: a fault-matrix run then costs what a
# demo costs, and the build is the one the self-test and the README's demo
# use. Then the fault matrix once more while a background load keeps both
# cores busy: verdicts must not depend on the machine's load.
set -euo pipefail
cd "$(dirname "$0")/.."
# Snapshots are compared, never rewritten, in CI.
export CI="${CI:-true}"
printf '\n== tests ==\n'
# cargo-nextest runs each test in its own process, in parallel (one per
# fault of the matrix); plain cargo test is the fallback. A fault run waits
# on its candidate about half of its time (the export link's expiry, the
# IdPs' redirects), so four at a time on two cores finish sooner.
if cargo nextest --version >/dev/null 2>&1; then
  run_all() { cargo nextest run --release --workspace --locked --no-fail-fast --test-threads 4; }
  run_matrix() { cargo nextest run --release --workspace --locked --no-fail-fast --test-threads 4 -E 'test(/^fault_matrix::/)'; }
else
  run_all() { cargo test --release --workspace --locked --no-fail-fast; }
  run_matrix() { cargo test --release --locked --test it -- fault_matrix::; }
fi
start=$(date +%s)
run_all
echo "tests : $(( $(date +%s) - start )) s"

printf '\n== matrice des défauts sous charge (deux cœurs occupés) ==\n'
load=()
stop_load() {
  if ((${#load[@]})); then kill "${load[@]}" 2>/dev/null || true; fi
  load=()
}
trap stop_load EXIT
for _ in $(seq "$(nproc)"); do
  (while :; do :; done) &
  load+=($!)
done
start=$(date +%s)
run_matrix
stop_load
echo "matrice sous charge : $(( $(date +%s) - start )) s"
