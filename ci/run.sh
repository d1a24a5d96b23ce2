#!/usr/bin/env bash
# The whole pipeline, as CI and the README run it: system packages, lint,
# tests, self-test of the release binary. Must pass on a fresh Debian
# machine with only Rust installed.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s ==\n' "$*"; }

step "paquets système"
# C compiler and pkg-config (ring); libxmlsec1 with OpenSSL and libxml2, and
# libclang for the bindings samael generates (SAML signatures, see
# research/signing.md); xmlsec1 and xmllint are the independent peers of the
# tests; python3-venv hosts the Python peers (PyJWT, jwcrypto, Authlib);
# curl (OpenSSL) is the TLS client-certificate peer of the GAR web service;
# OpenSSH's server is the GAR's SFTP drop, its client the ENT's push;
# unzip tests the reversibility exports (and the 2 GiB benchmark's).
wanted=(build-essential pkg-config libssl-dev libxml2-dev libxmlsec1-dev libclang-dev
        xmlsec1 libxml2-utils python3 python3-venv chromium curl
        openssh-server openssh-client unzip)
# Node.js runs the browser check (puppeteer-core, axe-core): Debian's, unless
# the machine already has one.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || wanted+=(nodejs npm)
missing=()
for package in "${wanted[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
# A machine whose Python is not Debian's (pyenv) still needs a working venv.
if ((${#missing[@]})) && command -v python3 >/dev/null 2>&1 && python3 -m venv --help >/dev/null 2>&1; then
  kept=()
  for package in "${missing[@]}"; do
    case $package in python3|python3-venv) ;; *) kept+=("$package") ;; esac
  done
  missing=("${kept[@]+"${kept[@]}"}")
fi
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "rien à installer"
fi
bash ci/peers.sh
(cd ci/browser && npm ci --no-audit --no-fund --silent)
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi

bash ci/lint.sh
bash ci/test.sh
bash ci/selftest.sh
step "terminé : tout est vert"
