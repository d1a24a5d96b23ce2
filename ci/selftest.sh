#!/usr/bin/env bash
# Self-test of the release binaries as a user runs them: the two commands
# of the README and the standalone reference ENT.
set -euo pipefail
cd "$(dirname "$0")/.."
printf '\n== auto-test des binaires (release) ==\n'
cargo build --release --locked --workspace
bin=target/release/entconf
out=$(mktemp -d)
server_pid=
trap 'rm -rf "$out"; if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi' EXIT

expect() {
  local want=$1; shift
  set +e; "$@" >"$out/last.log" 2>&1; local got=$?; set -e
  if [ "$got" != "$want" ]; then
    cat "$out/last.log"; echo "ÉCHEC : « $* » a rendu $got, attendu $want"; exit 1
  fi
  echo "ok ($got) : $*"
}

expect 0 "$bin" demo --out "$out/reports"
ls "$out"/reports/*/index.html "$out"/reports/*/junit.xml "$out"/reports/*/results.json >/dev/null

# The DANE comparison of three offerings, then both HTML pages in a real
# browser: no JavaScript error, no failed request, no axe-core violation.
expect 1 "$bin" demo --suite FOOTER --fault notice-missing-dpo --format json,html --out "$out/offres/b"
expect 0 "$bin" demo --suite FOOTER --fault no-charter-link --format json,html --out "$out/offres/c"
expect 0 "$bin" compare "$out"/reports/*/results.json "$out"/offres/b/*/results.json "$out"/offres/c/*/results.json --out "$out/dane/comparaison.html"
(cd ci/browser && node check-pages.mjs "$(ls "$out"/reports/*/index.html | head -1)" "$out/dane/comparaison.html") | tee "$out/navigateur.jsonl"
echo "navigateur : rapports affichés sans erreur JavaScript ni violation axe-core"
expect 1 "$bin" demo --fault notice-missing-dpo --out "$out/reports"
expect 2 "$bin" demo --fault notice-redirect-loop --suite FOOTER --out "$out/reports"
expect 1 "$bin" demo --fault saml-signature-wrapping --suite SSO --out "$out/reports"
expect 0 "$bin" validate suites
expect 3 "$bin" validate fixtures/suites-invalid
expect 4 "$bin" run --no-such-flag
expect 0 "$bin" list

# Starts the standalone reference ENT with the given options; sets $url.
start_server() {
  target/release/ent-server --listen 127.0.0.1:0 "$@" >"$out/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 50); do grep -q '^ent-server: http' "$out/server.log" && break; sleep 0.1; done
  url=$(sed -n 's/^ent-server: //p' "$out/server.log" | head -1)
  [ -n "$url" ] || { cat "$out/server.log"; echo "ÉCHEC : ent-server n'a pas annoncé son adresse"; exit 1; }
}

# The reference ENT on its own, judged by `entconf run` through a target file.
start_server
cat >"$out/cible.toml" <<TOML
id = "reference"
name = "ENT de référence (autonome)"
base_url = "$url/"
[capabilities]
login_page = "/auth/login"
home_page = "/"
TOML
expect 0 "$bin" run --target "$out/cible.toml" --suite FOOTER --format junit,json --out "$out/reports"
kill "$server_pid"; server_pid=

# The staging workflow of the README: a synthetic directory seeds the ENT,
# which trusts the test IdPs that `entconf run` serves at a fixed address.
expect 0 "$bin" aaf generate --out "$out/aaf"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export ENTCONF_OIDC_CLIENT_SECRET="secret-de-recette-$RANDOM$RANDOM"
# The local test account SEC-06 may lock; its password is masked in reports.
export ENT_MOT_DE_PASSE_LOCAL="mot-de-passe-local-$RANDOM$RANDOM"
# Served in HTTPS under a private CA, as a staging ENT often is: the target
# names that CA (`[http] ca`) and the plain-HTTP port that redirects.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=AC de la recette" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
  -keyout "$out/ca-key.pem" -out "$out/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=ENT de recette" \
  -keyout "$out/ent-key.pem" -out "$out/ent.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >"$out/ent.ext"
openssl x509 -req -in "$out/ent.csr" -CA "$out/ca.pem" -CAkey "$out/ca-key.pem" -CAcreateserial \
  -days 2 -extfile "$out/ent.ext" -out "$out/ent-cert.pem" 2>/dev/null
cat "$out/ent-cert.pem" "$out/ca.pem" >"$out/ent-chain.pem"
start_server --idp "http://127.0.0.1:$port" --aaf "$out/aaf" --client-id ent-recette \
  --tls-cert "$out/ent-chain.pem" --tls-key "$out/ent-key.pem" \
  --local-account intervenant.recette:ENT_MOT_DE_PASSE_LOCAL
plain=$(sed -n 's/^ent-server: \(http:[^ ]*\) .*/\1/p' "$out/server.log" | head -1)
[ -n "$plain" ] || { cat "$out/server.log"; echo "ÉCHEC : ent-server n'a pas annoncé son adresse en clair"; exit 1; }
cat >"$out/recette.toml" <<TOML
id = "recette"
base_url = "$url/"
[http]
ca = "ca.pem"
plain_url = "$plain/"
[capabilities]
login_page = "/auth/login"
home_page = "/"
educonnect_oidc_login = "/auth/educonnect"
educonnect_saml_login = "/auth/educonnect/saml"
agents_login = "/auth/agents"
account_page = "/compte"
logout = "/auth/deconnexion"
[sso]
idp_listen = "127.0.0.1:$port"
idp_keys = "cles-idp"
aaf = "aaf"
client_id = "ent-recette"
client_secret = { env = "ENTCONF_OIDC_CLIENT_SECRET" }
sp_metadata = "$url/auth/saml/metadata"
[local_login]
account = "intervenant.recette"
password = { env = "ENT_MOT_DE_PASSE_LOCAL" }
TOML
expect 0 "$bin" run --target "$out/recette.toml" --format junit,json --out "$out/reports"
if grep -rq "$ENTCONF_OIDC_CLIENT_SECRET" "$out/reports"; then
  echo "ÉCHEC : le secret client apparaît dans les rapports"; exit 1
fi
if grep -rq "$ENT_MOT_DE_PASSE_LOCAL" "$out/reports"; then
  echo "ÉCHEC : le mot de passe du compte local apparaît dans les rapports"; exit 1
fi
echo "auto-test réussi"
