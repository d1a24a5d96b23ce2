#!/usr/bin/env bash
# The whole pipeline, as CI and the README run it: system packages, lint,
# tests, self-test of the release binary. Must pass on a fresh Debian
# machine with only Rust installed.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s ==\n' "$*"; }

step "paquets système"
# The build needs a C compiler and linker (ring, the TLS crypto), make and
# pkg-config; nothing else: TLS is pure Rust, no OpenSSL.
missing=()
command -v cc >/dev/null 2>&1 || missing+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "rien à installer"
fi
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi

bash ci/lint.sh
bash ci/test.sh
bash ci/selftest.sh
step "terminé : tout est vert"
