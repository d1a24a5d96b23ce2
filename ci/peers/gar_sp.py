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
import os
import sys

import requests

import sp

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

client = sp.client(
    "https://sp.gar.entconf.test", "https://sp.gar.entconf.test/saml/acs", metadata,
)
sp.log_in(client, follow)
