#!/usr/bin/env bash
# The peers of the SSO tests (tests/it/peers.rs), nothing installed into
# the system: the Python ones in a venv under target/ (PyJWT and jwcrypto
# verify the harness's ID tokens, Authlib and pysaml2 log in as third-party
# relying parties), the npm one in ci/peers/node/node_modules (node-saml,
# a third-party SAML service provider).
set -euo pipefail
cd "$(dirname "$0")/.."
(cd ci/peers/node && npm ci --no-audit --no-fund --silent)
echo "pair npm installé (ci/peers/node)"
venv=target/peer-venv
stamp="$venv/.requirements.sha256"
want=$(sha256sum ci/peers/requirements.txt | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "pairs Python déjà installés ($venv)"
  exit 0
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r ci/peers/requirements.txt
echo "$want" >"$stamp"
echo "pairs Python installés dans $venv"
