"""Verify an ID token issued by entconf's test EduConnect with two JOSE
libraries that no one here wrote (PyJWT, jwcrypto).

Usage: verify_id_token.py JWKS_URL ISSUER AUDIENCE NONCE < token
Prints one JSON object: {"pyjwt": "ok" | "<error>", "jwcrypto": ...}.
"""
import json
import sys
import time
import urllib.request

import jwt
from jwcrypto import jwk, jwt as jwc_jwt


def main():
    jwks_url, issuer, audience, nonce = sys.argv[1:5]
    token = sys.stdin.read().strip()
    jwks = json.loads(urllib.request.urlopen(jwks_url, timeout=10).read())
    results = {}

    try:
        header = jwt.get_unverified_header(token)
        keys = jwt.PyJWKSet.from_dict(jwks)
        key = next(k for k in keys.keys if k.key_id == header.get("kid"))
        claims = jwt.decode(
            token, key.key, algorithms=["RS256"], audience=audience, issuer=issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
        if claims.get("nonce") != nonce:
            raise ValueError("nonce mismatch")
        results["pyjwt"] = "ok"
    except Exception as error:  # every failure is a verdict here
        results["pyjwt"] = f"{type(error).__name__}: {error}"

    try:
        keyset = jwk.JWKSet.from_json(json.dumps(jwks))
        checked = jwc_jwt.JWT(
            jwt=token, key=keyset, algs=["RS256"],
            check_claims={"iss": issuer, "aud": audience, "exp": None, "nonce": nonce},
        )
        claims = json.loads(checked.claims)
        if claims["exp"] < time.time():
            raise ValueError("expired")
        results["jwcrypto"] = "ok"
    except Exception as error:
        results["jwcrypto"] = f"{type(error).__name__}: {error}"

    print(json.dumps(results))


main()
