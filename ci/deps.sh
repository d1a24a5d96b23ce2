#!/usr/bin/env bash
# Installs what a fresh Debian machine with only Rust lacks, to build and run
# entconf and its tests: the one package list of the project (the README's
# first command and ci/run.sh both call this script). Prints what it does;
# installs nothing that is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# To build: a C compiler and pkg-config (ring); OpenSSL; libxml2 (XSD
# validation of GAR exports) and libxmlsec1 with OpenSSL (SAML signatures,
# through samael), whose bindings bindgen generates with libclang.
build=(build-essential pkg-config libssl-dev libxml2-dev libxmlsec1-dev libclang-dev)
# To test: the independent peers. xmlsec1 and xmllint check signatures and
# schemas; python3-venv hosts the Python peers (PyJWT, jwcrypto, Authlib,
# pysaml2); curl (OpenSSL) is the client-certificate peer of the GAR web
# service; OpenSSH's server is the GAR's SFTP drop and its client the
# reference ENT's push; unzip reads the reversibility exports; chromium is
# the browser probe (src/browser) and opens the HTML reports (ci/browser);
# testssl.sh is the TLS peer of SEC-01.
test=(xmlsec1 libxml2-utils python3 python3-venv chromium curl openssh-server openssh-client unzip testssl.sh)

if (($#)); then
  echo "usage : bash ci/deps.sh   (sans argument)" >&2
  exit 4
fi
wanted=("${build[@]}" "${test[@]}")
# Node.js runs the browser check of the reports (puppeteer-core, axe-core):
# Debian's, unless the machine already has one.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || wanted+=(nodejs npm)

missing=()
for package in "${wanted[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
# A machine whose Python is not Debian's (pyenv) still has a working venv.
if ((${#missing[@]})) && command -v python3 >/dev/null 2>&1 && python3 -m venv --help >/dev/null 2>&1; then
  kept=()
  for package in "${missing[@]}"; do
    case $package in python3 | python3-venv) ;; *) kept+=("$package") ;; esac
  done
  missing=("${kept[@]+"${kept[@]}"}")
fi
if ((${#missing[@]} == 0)); then
  echo "paquets Debian : rien à installer"
  exit 0
fi
echo "paquets Debian à installer : ${missing[*]}"
if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
