#!/usr/bin/env bash
# The peers of the SSO tests (tests/it/peers.rs), nothing installed into
# the system: the Python ones in a venv under target/ (PyJWT and jwcrypto
# verify the harness's ID tokens, Authlib and pysaml2 log in as third-party
# relying parties), the npm ones in ci/peers/node/node_modules (node-saml,
# a third-party SAML service provider) and ci/peers/observatory (Mozilla's
# HTTP Observatory scanner, which grades security headers).
set -euo pipefail
cd "$(dirname "$0")/.."
(cd ci/peers/node && npm ci --no-audit --no-fund --silent)
echo "pair npm installé (ci/peers/node)"
# The MDN HTTP Observatory's scanner, peer of SEC-04. Its install scripts
# (and one of its dependencies') download a CA bundle, the HSTS preload
# list and the TLD list from the internet, which CI does not reach: they
# are skipped, and the preload list is left empty (no address of a test
# server on 127.0.0.1 is on it anyway). The scanner itself needs nothing
# beyond the server it scans.
(cd ci/peers/observatory && npm ci --ignore-scripts --no-audit --no-fund --silent &&
  echo '{}' >node_modules/@mdn/mdn-http-observatory/conf/hsts-preload.json)
echo "pair npm installé (ci/peers/observatory)"
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
