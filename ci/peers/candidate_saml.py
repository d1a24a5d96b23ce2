"""A candidate ENT no one here wrote the SSO of: a few pages around
pysaml2, which makes every SAML decision (signature, decryption, Audience,
Recipient, InResponseTo, validity times). The pages only match the
asserted join key to the AAF directory and show the account, as the
logged-in contract of docs/guide/sso.md asks.

Usage: candidate_saml.py LISTEN_PORT IDP_METADATA_URL AAF_DIR WORKDIR
WORKDIR holds the SP's key pair, sp-key.pem and sp-cert.pem. Serves on 127.0.0.1:LISTEN_PORT until killed; prints "prêt" once listening.
  /auth/saml/metadata    its SP metadata (with an encryption certificate)
  /auth/educonnect/saml  starts a login (AuthnRequest, HTTP-Redirect)
  /auth/saml/acs         consumes the response (HTTP-POST)
  /auth/saml/slo         a logout the IdP starts (LogoutRequest, HTTP-Redirect)
  /compte                the account page
"""
import html
import http.cookies
import os
import secrets
import sys
import threading
import urllib.parse
import urllib.request
from http.server import ThreadingHTTPServer

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.metadata import create_metadata_string

import aaf
import web
import sp

port, idp_metadata_url, aaf_dir, workdir = sys.argv[1:5]
# `--unsolicited`: as a deployment that takes logins EduConnect starts.
unsolicited = "--unsolicited" in sys.argv[5:]
base = f"http://127.0.0.1:{port}"
entity = f"{base}/auth/saml/metadata"
acs = f"{base}/auth/saml/acs"
slo = f"{base}/auth/saml/slo"

# Its encryption key pair, which the caller writes (sp-key.pem, sp-cert.pem).
key = os.path.join(workdir, "sp-key.pem")
cert = os.path.join(workdir, "sp-cert.pem")


directory = aaf.Directory(aaf_dir)

options = dict(key_pair=(key, cert), want_assertions_signed=False, want_response_signed=True,
               slo=slo, allow_unsolicited=unsolicited)
metadata = create_metadata_string(None, config=sp.config(entity, acs, None, **options),
                                  valid=24).decode()
client = None
# The first logins arrive together: one thread fetches the IdP's metadata
# while the others wait, instead of reading a half-written file.
client_lock = threading.Lock()
outstanding = {}
sessions = {}


def saml_client():
    global client
    with client_lock:
        if client is None:
            idp = os.path.join(workdir, "idp.xml")
            with open(idp, "wb") as out:
                out.write(urllib.request.urlopen(idp_metadata_url, timeout=10).read())
            client = Saml2Client(sp.config(entity, acs, idp, **options))
        return client


def account_of(response):
    """The AAF pupil the asserted join key names, if any."""
    found = [j for j in directory.accounts(response.get_identity().get("FrEduCtRefId", []))
             if j in directory.pupils]
    return found[0] if found else None


class Handler(web.Pages):

    def session(self):
        jar = http.cookies.SimpleCookie(self.headers.get("Cookie", ""))
        return sessions.get(jar["sid"].value, (None,))[0] if "sid" in jar else None

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        if path == "/auth/saml/slo":
            self.logout_from_idp(urllib.parse.parse_qs(url.query))
        elif path == "/auth/saml/metadata":
            self.reply(200, metadata, media_type="application/samlmetadata+xml")
        elif path == "/auth/educonnect/saml":
            request_id, info = saml_client().prepare_for_authenticate(
                binding=BINDING_HTTP_REDIRECT, relay_state=secrets.token_urlsafe(16))
            outstanding[request_id] = "/compte"
            self.reply(302, "", [("Location", dict(info["headers"])["Location"])])
        elif path == "/compte":
            jointure = self.session()
            if jointure is None:
                self.page(401, "Connexion", "<p>Connectez-vous.</p>")
                return
            shown = "".join(f"<p>{html.escape(line)}</p>"
                            for line in directory.account_page(jointure))
            self.page(200, "Mon compte", shown)
        else:
            self.page(404, "Introuvable", "<p>Page introuvable.</p>")

    def logout_from_idp(self, query):
        """pysaml2 reads (and checks) the LogoutRequest; the sessions opened
        on the SessionIndex it names are closed, and pysaml2 writes the
        LogoutResponse back to the IdP."""
        one = lambda name: query.get(name, [None])[0]
        try:
            request = saml_client().parse_logout_request(
                one("SAMLRequest"), BINDING_HTTP_REDIRECT, relay_state=one("RelayState"),
                sigalg=one("SigAlg"), signature=one("Signature"))
        except Exception as error:  # pysaml2 refuses with many exception types
            self.page(403, "Déconnexion refusée", f"<p>{html.escape(type(error).__name__)}</p>")
            return
        indexes = {index.text for index in request.message.session_index}
        for sid in [sid for sid, (_, index) in sessions.items() if index in indexes]:
            del sessions[sid]
        answer = saml_client().create_logout_response(request.message, [BINDING_HTTP_REDIRECT])
        destination = saml_client().metadata.single_logout_service(
            request.message.issuer.text, BINDING_HTTP_REDIRECT, "idpsso")[0]["location"]
        info = saml_client().apply_binding(BINDING_HTTP_REDIRECT, str(answer), destination,
                                           one("RelayState"), response=True)
        self.reply(302, "", [("Location", dict(info["headers"])["Location"])])

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        if path != "/auth/saml/acs":
            self.page(404, "Introuvable", "<p>Page introuvable.</p>")
            return
        length = min(int(self.headers.get("Content-Length", "0")), 1 << 20)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        try:
            response = saml_client().parse_authn_request_response(
                form.get("SAMLResponse", [""])[0], BINDING_HTTP_POST, outstanding=outstanding)
        except Exception as error:  # pysaml2 refuses with many exception types
            self.page(403, "Connexion refusée", f"<p>{html.escape(type(error).__name__)}</p>")
            return
        if response is None:
            self.page(403, "Connexion refusée", "<p>Réponse refusée.</p>")
            return
        # Each request is answered once: its id leaves the outstanding set.
        outstanding.pop(response.in_response_to, None)
        # pysaml2 answers a response it does not believe (another
        # Destination, say) with no assertion rather than an exception.
        if response.assertion is None:
            self.page(403, "Connexion refusée", "<p>Réponse refusée.</p>")
            return
        jointure = account_of(response)
        index = response.assertion.authn_statement[0].session_index
        if jointure is None:
            self.page(403, "Connexion refusée", "<p>Aucun compte pour cette identité.</p>")
            return
        sid = secrets.token_urlsafe(24)
        sessions[sid] = (jointure, index)
        self.reply(303, "", [("Location", "/compte"),
                            ("Set-Cookie", f"sid={sid}; Path=/; HttpOnly; SameSite=Lax")])


server = ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
print("prêt", flush=True)
server.serve_forever()
