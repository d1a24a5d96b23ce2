#!/usr/bin/env bash
# The whole pipeline, as CI and the README run it: system packages, lint,
# tests, self-test of the release binary. Must pass on a fresh Debian
# machine with only Rust installed.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s ==\n' "$*"; }

step "paquets système"
bash ci/deps.sh
bash ci/peers.sh
(cd ci/browser && npm ci --no-audit --no-fund --silent)
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi

timed() { local start=$SECONDS; "$@"; echo "($* : $((SECONDS - start)) s)"; }
timed bash ci/lint.sh
timed bash ci/test.sh
timed bash ci/selftest.sh
step "terminé : tout est vert en $SECONDS s"
