"""A third-party SAML 2.0 service provider (pysaml2, which checks
signatures with the xmlsec1 command) logging in against entconf's test
EduConnect: SP-initiated AuthnRequest (HTTP-Redirect), the person's browser
at the IdP, the auto-posted Response (HTTP-POST), then pysaml2's own
validation: signature with the IdP's metadata certificate, Audience,
Recipient, InResponseTo, validity times.

Usage: saml_sp.py IDP_METADATA_URL SCENARIO_COOKIE WORKDIR
Prints one JSON object: the NameID format and the attributes received.
"""
import html
import json
import os
import re
import sys
import urllib.request

import requests
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig

metadata_url, scenario, workdir = sys.argv[1:4]
metadata = os.path.join(workdir, "idp.xml")
with open(metadata, "wb") as out:
    out.write(urllib.request.urlopen(metadata_url, timeout=10).read())

entity = "http://127.0.0.1:9/sp-tiers"
acs = "http://127.0.0.1:9/sp-tiers/acs"
config = SPConfig()
config.load({
    "entityid": entity,
    "metadata": {"local": [metadata]},
    "service": {"sp": {
        "endpoints": {"assertion_consumer_service": [(acs, BINDING_HTTP_POST)]},
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

browser = requests.Session()
host = re.match(r"https?://([^/:]+)", location).group(1)
browser.cookies.set("entconf_idp_session", scenario, domain=host)
page = browser.get(location, allow_redirects=False, timeout=10)
if page.status_code != 200:
    sys.exit(f"SSO: HTTP {page.status_code}: {page.text[:200]}")
found = re.search(r'name="SAMLResponse" value="([^"]+)"', page.text)
if not found:
    sys.exit("no SAMLResponse in the IdP's page")
response = client.parse_authn_request_response(
    html.unescape(found.group(1)), BINDING_HTTP_POST, outstanding={request_id: "/"},
)
print(json.dumps({
    "name_id_format": response.name_id.format,
    "attributes": response.get_identity(),
    "issuer": response.issuer(),
}))
