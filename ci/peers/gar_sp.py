"""pysaml2 playing the GAR's service provider in front of an ENT's SAML
identity provider (the reference ENT in the tests): a requests browser logs
a pupil in to the ENT through the harness's EduConnect (OpenID Connect,
scenario cookie), then pysaml2 sends its AuthnRequest (HTTP-Redirect) to the
ENT and validates the auto-posted Response itself: signature with the
certificate of the ENT's metadata (xmlsec1), Audience, Recipient,
InResponseTo, validity times.

Usage: gar_sp.py ENT_BASE_URL IDP_HOST SCENARIO_COOKIE WORKDIR
Prints one JSON object: the NameID format, the attributes and the issuer.
"""
import html
import json
import os
import re
import sys

import requests
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig

base, idp_host, scenario, workdir = sys.argv[1:5]
browser = requests.Session()
browser.cookies.set("entconf_idp_session", scenario, domain=idp_host)


def follow(url):
    """Follows redirects by hand: the ENT's session cookie is Secure, and
    the test talks plain HTTP on loopback, where a browser still sends it."""
    for _ in range(20):
        page = browser.get(url, allow_redirects=False, timeout=10)
        for cookie in browser.cookies:
            cookie.secure = False
        if page.status_code not in (301, 302, 303, 307, 308):
            return page
        url = requests.compat.urljoin(url, page.headers["Location"])
    sys.exit(f"too many redirects from {url}")


account = follow(f"{base}/auth/educonnect")
if account.status_code != 200:
    sys.exit(f"login: {account.url} -> HTTP {account.status_code}")

metadata = os.path.join(workdir, "ent-idp.xml")
with open(metadata, "wb") as out:
    out.write(browser.get(f"{base}/auth/saml/metadata/gar", timeout=10).content)

config = SPConfig()
config.load({
    "entityid": "https://sp.gar.entconf.test",
    "metadata": {"local": [metadata]},
    "service": {"sp": {
        "endpoints": {"assertion_consumer_service": [
            ("https://sp.gar.entconf.test/saml/acs", BINDING_HTTP_POST)]},
        "want_assertions_signed": True,
        "want_response_signed": False,
        "allow_unsolicited": False,
        "name_id_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
    }},
    "allow_unknown_attributes": True,
    "xmlsec_binary": "/usr/bin/xmlsec1",
})
client = Saml2Client(config)
request_id, info = client.prepare_for_authenticate(binding=BINDING_HTTP_REDIRECT)
location = dict(info["headers"])["Location"]
page = follow(location)
if page.status_code != 200:
    sys.exit(f"SSO: HTTP {page.status_code}: {page.text[:200]}")
found = re.search(r'name="SAMLResponse" value="([^"]+)"', page.text)
if not found:
    sys.exit("no SAMLResponse in the ENT's page")
response = client.parse_authn_request_response(
    html.unescape(found.group(1)), BINDING_HTTP_POST, outstanding={request_id: "/"},
)
print(json.dumps({
    "name_id_format": response.name_id.format,
    "attributes": response.get_identity(),
    "issuer": response.issuer(),
}))
