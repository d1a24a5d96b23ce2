"""A candidate ENT no one here wrote the SSO of: a few pages around Authlib,
which makes every OpenID Connect decision (state, PKCE, the code exchange,
the ID token's signature against the JWKS, iss, aud, exp, iat, nonce). The
pages only keep one pending login per browser, match the asserted join
key to the AAF directory, offer a profile chooser (buttons) to a parent
with two records, and show the account, as docs/guide/sso.md asks.

Usage: candidate_oidc.py LISTEN_PORT ISSUER CLIENT_ID CLIENT_SECRET AAF_DIR
Serves on 127.0.0.1:LISTEN_PORT until killed; prints "prêt" once listening.
  /auth/educonnect       starts a login (authorization code, PKCE)
  /auth/oidc/callback    the redirect URI
  /choisir               the profile chooser
  /compte                the account page
  /auth/deconnexion      RP-initiated logout
"""
import html
import http.cookies
import secrets
import sys
import urllib.parse
from http.server import ThreadingHTTPServer

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken

import aaf
import web

port, issuer, client_id, client_secret, aaf_dir = sys.argv[1:6]
base = f"http://127.0.0.1:{port}"
redirect_uri = f"{base}/auth/oidc/callback"
directory = aaf.Directory(aaf_dir)
sessions = {}  # sid -> {"pending": …, "account": …, "choices": […], "id_token": …}
_meta = {}


def meta():
    if not _meta:
        _meta.update(requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json())
    return _meta


def oauth():
    return OAuth2Session(client_id, client_secret, scope="openid profile ect.scope.cnx",
                         redirect_uri=redirect_uri, code_challenge_method="S256")


class Handler(web.Pages):

    def sid(self):
        jar = http.cookies.SimpleCookie(self.headers.get("Cookie", ""))
        sid = jar["sid"].value if "sid" in jar else None
        return sid if sid in sessions else None

    @staticmethod
    def cookie(sid):
        return ("Set-Cookie", f"sid={sid}; Path=/; HttpOnly; Secure; SameSite=Lax")

    def open_session(self, old, account, id_token):
        """A new session id at login: the anonymous one is dropped."""
        sessions.pop(old, None)
        sid = secrets.token_urlsafe(24)
        sessions[sid] = {"account": account, "id_token": id_token}
        self.reply(303, "", [("Location", "/compte"), self.cookie(sid)])

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        sid = self.sid()
        if url.path == "/auth/educonnect":
            if sid is None:
                sid = secrets.token_urlsafe(24)
                sessions[sid] = {}
            nonce = secrets.token_urlsafe(16)
            verifier = secrets.token_urlsafe(48)
            location, state = oauth().create_authorization_url(
                meta()["authorization_endpoint"], nonce=nonce, code_verifier=verifier)
            sessions[sid]["pending"] = {"state": state, "nonce": nonce, "verifier": verifier}
            self.reply(302, "", [("Location", location), self.cookie(sid)])
        elif url.path == "/auth/oidc/callback":
            # The pending login of this browser, used once.
            pending = sessions.get(sid, {}).pop("pending", None) if sid else None
            if pending is None:
                self.page(403, "Connexion refusée", "<p>Aucune connexion en cours.</p>")
                return
            try:
                token = oauth().fetch_token(
                    meta()["token_endpoint"], authorization_response=base + self.path,
                    state=pending["state"], code_verifier=pending["verifier"])
                keys = JsonWebKey.import_key_set(requests.get(meta()["jwks_uri"], timeout=10).json())
                claims = jwt.decode(
                    token["id_token"], keys, claims_cls=CodeIDToken,
                    claims_options={"iss": {"values": [meta()["issuer"]]},
                                    "aud": {"values": [client_id]}},
                    claims_params={"nonce": pending["nonce"], "client_id": client_id})
                claims.validate()
            except Exception as error:  # Authlib refuses with many exception types
                self.page(403, "Connexion refusée", f"<p>{html.escape(type(error).__name__)}</p>")
                return
            vectors = claims.get("FrEduCtRefId") or []
            if isinstance(vectors, str):
                vectors = [vectors]
            accounts = directory.accounts(vectors)
            if not accounts:
                self.page(403, "Connexion refusée", "<p>Aucun compte pour cette identité.</p>")
                return
            if len(accounts) > 1:
                sessions[sid]["choices"] = accounts
                sessions[sid]["chooser_token"] = token["id_token"]
                self.reply(303, "", [("Location", "/choisir")])
                return
            self.open_session(sid, accounts[0], token["id_token"])
        elif url.path == "/choisir":
            choices = sessions.get(sid, {}).get("choices", []) if sid else []
            forms = "".join(
                f"<form method=\"post\" action=\"/choisir\"><input type=\"hidden\" name=\"compte\" "
                f"value=\"{i}\"><button>{html.escape(directory.chooser_label(j))}</button></form>"
                for i, j in enumerate(choices))
            self.page(200, "Choisir un profil", forms)
        elif url.path == "/compte":
            account = sessions.get(sid, {}).get("account") if sid else None
            if account is None:
                self.page(401, "Connexion", "<p>Connectez-vous.</p>")
                return
            shown = "".join(f"<p>{html.escape(line)}</p>" for line in directory.account_page(account))
            self.page(200, "Mon compte", shown)
        elif url.path == "/auth/deconnexion":
            session = sessions.pop(sid, {}) if sid else {}
            target = meta()["end_session_endpoint"] + "?" + urllib.parse.urlencode(
                {"id_token_hint": session.get("id_token", ""),
                 "post_logout_redirect_uri": f"{base}/compte"})
            self.reply(302, "", [("Location", target),
                                 ("Set-Cookie", "sid=; Path=/; Max-Age=0; HttpOnly; Secure")])
        else:
            self.page(404, "Introuvable", "<p>Page introuvable.</p>")

    def do_POST(self):
        sid = self.sid()
        if urllib.parse.urlsplit(self.path).path != "/choisir" or sid is None:
            self.page(404, "Introuvable", "<p>Page introuvable.</p>")
            return
        length = min(int(self.headers.get("Content-Length", "0")), 1 << 16)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        choices = sessions[sid].pop("choices", [])
        picked = form.get("compte", [""])[0]
        if not picked.isdigit() or int(picked) >= len(choices):
            self.page(400, "Choix invalide", "<p>Profil inconnu.</p>")
            return
        account = choices[int(picked)]
        self.open_session(sid, account, sessions[sid].pop("chooser_token", ""))


server = ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
print("prêt", flush=True)
server.serve_forever()
