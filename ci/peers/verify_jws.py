"""Verifies a deletion certificate as a third party would: jwcrypto reads
the JWKS (argument 1, a file) and the compact JWS (stdin), finds the key by
its kid, checks the EdDSA signature and prints the payload. Exits 1 with
the reason on stderr when it does not verify."""

import json
import sys

from jwcrypto import jwk, jws

with open(sys.argv[1], encoding="utf-8") as f:
    keys = jwk.JWKSet.from_json(f.read())
token = jws.JWS()
token.deserialize(sys.stdin.read().strip())
kid = token.jose_header.get("kid")
key = keys.get_key(kid)
if key is None:
    print(f"clé {kid} absente du JWKS", file=sys.stderr)
    sys.exit(1)
try:
    token.verify(key, alg="EdDSA")
except Exception as error:  # jwcrypto raises its own InvalidJWSSignature
    print(f"signature refusée : {error}", file=sys.stderr)
    sys.exit(1)
print(json.dumps(json.loads(token.payload)))
