"""A third-party SAML 2.0 service provider (pysaml2, which checks
signatures with the xmlsec1 command) logging in against entconf's test
EduConnect: SP-initiated AuthnRequest (HTTP-Redirect), the person's browser
at the IdP, the auto-posted Response (HTTP-POST), then pysaml2's own
validation: signature with the IdP's metadata certificate, Audience,
Recipient, InResponseTo, validity times.

Usage: saml_sp.py IDP_METADATA_URL SCENARIO_COOKIE WORKDIR [SP_KEY SP_CERT]
Prints one JSON object: the NameID format and the attributes received.
With SP_KEY and SP_CERT the SP is EduConnect's usual partner: it publishes
that certificate for encryption, decrypts the assertion itself and wants
the response signed (not the assertion).

Usage: saml_sp.py --metadata SP_KEY SP_CERT
Prints that SP's metadata, as pysaml2 writes it, for the IdP to register.
"""
import os
import re
import sys
import urllib.request

import requests

import sp

ENTITY = "http://127.0.0.1:9/sp-tiers"
ACS = "http://127.0.0.1:9/sp-tiers/acs"

if sys.argv[1] == "--metadata":
    from saml2.metadata import create_metadata_string
    config = sp.config(ENTITY, ACS, None, key_pair=tuple(sys.argv[2:4]),
                       want_assertions_signed=False, want_response_signed=True)
    print(create_metadata_string(None, config=config, valid=24).decode())
    sys.exit(0)

metadata_url, scenario, workdir = sys.argv[1:4]
key_pair = tuple(sys.argv[4:6]) or None
metadata = os.path.join(workdir, "idp.xml")
with open(metadata, "wb") as out:
    out.write(urllib.request.urlopen(metadata_url, timeout=10).read())

# EduConnect signs the response (a Shibboleth IdP's default), so that is
# what this SP wants; the assertion's own signature is not required.
client = sp.client(ENTITY, ACS, metadata, key_pair=key_pair,
                   want_assertions_signed=False, want_response_signed=True)
browser = requests.Session()


def open_page(location):
    host = re.match(r"https?://([^/:]+)", location).group(1)
    browser.cookies.set("entconf_idp_session", scenario, domain=host)
    return browser.get(location, allow_redirects=False, timeout=10)


sp.log_in(client, open_page)
