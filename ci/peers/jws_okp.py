"""Signs a deletion certificate as a third party would: jwcrypto makes an
Ed25519 key, names it by its RFC 7638 thumbprint, and signs the payload
read on stdin as a compact JWS (EdDSA, RFC 8037). Prints the JWKS, the JWS
and the kid as JSON, for entconf's verifier to check."""

import json
import sys

from jwcrypto import jwk, jws

key = jwk.JWK.generate(kty="OKP", crv="Ed25519")
kid = key.thumbprint()
public = json.loads(key.export_public())
public.update({"kid": kid, "use": "sig", "alg": "EdDSA"})
token = jws.JWS(sys.stdin.read().encode("utf-8"))
token.add_signature(key, alg="EdDSA", protected=json.dumps({"alg": "EdDSA", "kid": kid, "typ": "JOSE"}))
print(json.dumps({"jwks": {"keys": [public]}, "jws": token.serialize(compact=True), "kid": kid}))
