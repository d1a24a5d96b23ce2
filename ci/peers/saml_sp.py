"""A third-party SAML 2.0 service provider (pysaml2, which checks
signatures with the xmlsec1 command) logging in against entconf's test
EduConnect: SP-initiated AuthnRequest (HTTP-Redirect), the person's browser
at the IdP, the auto-posted Response (HTTP-POST), then pysaml2's own
validation: signature with the IdP's metadata certificate, Audience,
Recipient, InResponseTo, validity times.

Usage: saml_sp.py IDP_METADATA_URL SCENARIO_COOKIE WORKDIR
Prints one JSON object: the NameID format and the attributes received.
"""
import os
import re
import sys
import urllib.request

import requests

import sp

metadata_url, scenario, workdir = sys.argv[1:4]
metadata = os.path.join(workdir, "idp.xml")
with open(metadata, "wb") as out:
    out.write(urllib.request.urlopen(metadata_url, timeout=10).read())

client = sp.client("http://127.0.0.1:9/sp-tiers", "http://127.0.0.1:9/sp-tiers/acs", metadata)
browser = requests.Session()


def open_page(location):
    host = re.match(r"https?://([^/:]+)", location).group(1)
    browser.cookies.set("entconf_idp_session", scenario, domain=host)
    return browser.get(location, allow_redirects=False, timeout=10)


sp.log_in(client, open_page)
