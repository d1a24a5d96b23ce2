"""What both pysaml2 service providers of the tests share: the SP's
configuration, the SP-initiated login (AuthnRequest in HTTP-Redirect, the
IdP's page fetched by the caller's `open_page`, the auto-posted Response
validated by pysaml2 itself) and the JSON printed for the Rust test."""
import html
import json
import re
import sys

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig


def config(entity, acs, metadata_file, key_pair=None, want_assertions_signed=True,
           want_response_signed=False, slo=None, allow_unsolicited=False):
    """An SP configuration; with `key_pair` (key file, certificate file) it
    publishes that certificate for encryption and decrypts with the key;
    with `slo`, a single logout service at the HTTP-Redirect binding; with
    `allow_unsolicited`, it believes responses it did not ask for."""
    settings = {
        "entityid": entity,
        "metadata": {"local": [metadata_file]} if metadata_file else {},
        "service": {"sp": {
            "endpoints": {
                "assertion_consumer_service": [(acs, BINDING_HTTP_POST)],
                **({"single_logout_service": [(slo, BINDING_HTTP_REDIRECT)]} if slo else {}),
            },
            "want_assertions_signed": want_assertions_signed,
            "want_response_signed": want_response_signed,
            "allow_unsolicited": allow_unsolicited,
            "name_id_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
        }},
        "allow_unknown_attributes": True,
        "xmlsec_binary": "/usr/bin/xmlsec1",
    }
    if key_pair:
        key, cert = key_pair
        settings["encryption_keypairs"] = [{"key_file": key, "cert_file": cert}]
    loaded = SPConfig()
    loaded.load(settings)
    return loaded


def client(entity, acs, metadata_file, **options):
    return Saml2Client(config(entity, acs, metadata_file, **options))


def log_in(sp, open_page):
    """Sends the AuthnRequest through `open_page(url)`, validates the answer
    and prints what was received; exits non-zero on any refusal."""
    request_id, info = sp.prepare_for_authenticate(binding=BINDING_HTTP_REDIRECT)
    page = open_page(dict(info["headers"])["Location"])
    if page.status_code != 200:
        sys.exit(f"SSO: HTTP {page.status_code}: {page.text[:200]}")
    found = re.search(r'name="SAMLResponse" value="([^"]+)"', page.text)
    if not found:
        sys.exit("no SAMLResponse in the IdP's page")
    response = sp.parse_authn_request_response(
        html.unescape(found.group(1)), BINDING_HTTP_POST, outstanding={request_id: "/"},
    )
    print(json.dumps({
        "name_id_format": response.name_id.format,
        "attributes": response.get_identity(),
        "issuer": response.issuer(),
    }))
