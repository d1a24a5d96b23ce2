"""A third-party OpenID Connect relying party (Authlib) logging in against
entconf's test EduConnect: discovery, authorization request with state,
nonce and PKCE, code exchange, ID token validation (signature with the
JWKS, iss, aud, exp, nonce), then userinfo.

Usage: oidc_rp.py ISSUER CLIENT_ID CLIENT_SECRET SCENARIO_COOKIE
The scenario cookie stands for the person's session at EduConnect.
Prints one JSON object with the validated claims and the userinfo.
"""
import json
import secrets
import sys
from urllib.parse import parse_qs, urlparse

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken

issuer, client_id, client_secret, scenario = sys.argv[1:5]
redirect_uri = "http://127.0.0.1:9/retour"

meta = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
client = OAuth2Session(
    client_id, client_secret, scope="openid profile ect.scope.cnx",
    redirect_uri=redirect_uri, code_challenge_method="S256",
)
nonce = secrets.token_urlsafe(16)
verifier = secrets.token_urlsafe(48)
url, state = client.create_authorization_url(
    meta["authorization_endpoint"], nonce=nonce, code_verifier=verifier,
)

browser = requests.Session()
host = urlparse(url).hostname
browser.cookies.set("entconf_idp_session", scenario, domain=host)
answer = browser.get(url, allow_redirects=False, timeout=10)
if answer.status_code not in (302, 303):
    sys.exit(f"authorization: HTTP {answer.status_code}: {answer.text[:200]}")
back = parse_qs(urlparse(answer.headers["location"]).query)
if back.get("state", [None])[0] != state:
    sys.exit("state mismatch")

token = client.fetch_token(
    meta["token_endpoint"], code=back["code"][0], code_verifier=verifier,
)
keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
claims = jwt.decode(
    token["id_token"], keys, claims_cls=CodeIDToken,
    claims_options={"iss": {"values": [meta["issuer"]]}, "aud": {"values": [client_id]}},
    claims_params={"nonce": nonce, "client_id": client_id},
)
claims.validate()
info = client.get(meta["userinfo_endpoint"]).json()
print(json.dumps({"claims": dict(claims), "userinfo": info}))
