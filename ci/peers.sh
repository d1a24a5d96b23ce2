#!/usr/bin/env bash
# The Python peers of the SSO tests (tests/it/peers.rs), in a venv under
# target/ so that nothing leaks into the system: PyJWT and jwcrypto verify
# the harness's ID tokens, Authlib logs in as a third-party relying party.
set -euo pipefail
cd "$(dirname "$0")/.."
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
