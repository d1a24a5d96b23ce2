// A candidate ENT no one here wrote the SSO of: a few pages around
// @node-saml/node-saml 5 (the SAML library of passport-saml), which makes
// every SAML decision: signature (xml-crypto), decryption (xml-encryption),
// Audience, Recipient, Destination, InResponseTo, validity times. The
// pages only match the asserted join key to the AAF directory and show the
// account, as the logged-in contract of docs/guide/sso.md asks.
//
// Usage: node candidate_node_saml.mjs LISTEN_PORT IDP_METADATA_URL AAF_DIR WORKDIR
// WORKDIR holds the SP's key pair, sp-key.pem and sp-cert.pem. Serves on
// 127.0.0.1:LISTEN_PORT until killed; prints "prêt" once listening.
//   /auth/saml/metadata    its SP metadata (with an encryption certificate)
//   /auth/educonnect/saml  starts a login (AuthnRequest, HTTP-Redirect)
//   /auth/saml/acs         consumes the response (HTTP-POST)
//   /auth/saml/slo         a logout the IdP starts (LogoutRequest, HTTP-POST)
//   /compte                the account page
import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";

import { SAML, ValidateInResponseTo } from "@node-saml/node-saml";
import { DOMParser } from "@xmldom/xmldom";

const [port, idpMetadataUrl, aafDir, workdir] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const entity = `${base}/auth/saml/metadata`;
const acs = `${base}/auth/saml/acs`;
const slo = `${base}/auth/saml/slo`;
const key = readFileSync(join(workdir, "sp-key.pem"), "utf8");
const cert = readFileSync(join(workdir, "sp-cert.pem"), "utf8");
const MD = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS = "http://www.w3.org/2000/09/xmldsig#";
const REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

// --- The AAF directory: schools, pupils and parents by join key. ---
function rows(kind) {
  const found = [];
  for (const file of readdirSync(aafDir)) {
    if (!file.includes(`_${kind}_`) || !file.endsWith(".xml")) continue;
    const doc = new DOMParser().parseFromString(readFileSync(join(aafDir, file), "utf8"), "text/xml");
    for (const request of Array.from(doc.getElementsByTagName("addRequest"))) {
      const row = {};
      for (const attr of Array.from(request.getElementsByTagName("attr"))) {
        row[attr.getAttribute("name")] = Array.from(attr.getElementsByTagName("value")).map(
          (v) => v.textContent || "",
        );
      }
      found.push(row);
    }
  }
  return found;
}
const schools = new Map(rows("EtabEducNat").map((r) => [r.ENTStructureJointure[0], r.ENTStructureNomCourant[0]]));
const pupils = new Map(rows("Eleve").map((r) => [r.ENTPersonJointure[0], r]));
const name = (row) => `${row.ENTPersonPrenom[0]} ${row.ENTPersonNom[0]}`;

// --- The SAML service provider: node-saml decides everything. ---
const sp = {
  callbackUrl: acs,
  // node-saml publishes it at the HTTP-POST binding.
  logoutCallbackUrl: slo,
  issuer: entity,
  audience: entity,
  decryptionPvk: key,
  // EduConnect signs the Response, as a Shibboleth IdP does by default;
  // node-saml's default wants the Assertion signed.
  wantAssertionsSigned: false,
  wantAuthnResponseSigned: true,
  validateInResponseTo: ValidateInResponseTo.always,
  identifierFormat: null,
  disableRequestedAuthnContext: true,
};
// The metadata needs no IdP; node-saml wants a certificate all the same.
const spMetadata = new SAML({ ...sp, idpCert: cert }).generateServiceProviderMetadata(cert, null);
let saml = null;

async function samlFor() {
  if (saml) return saml;
  const text = await (await fetch(idpMetadataUrl)).text();
  const doc = new DOMParser().parseFromString(text, "text/xml");
  const descriptor = doc.getElementsByTagNameNS(MD, "IDPSSODescriptor")[0];
  const sso = Array.from(descriptor.getElementsByTagNameNS(MD, "SingleSignOnService")).find(
    (s) => s.getAttribute("Binding") === REDIRECT,
  );
  const idpSlo = Array.from(descriptor.getElementsByTagNameNS(MD, "SingleLogoutService")).find(
    (s) => s.getAttribute("Binding") === REDIRECT,
  );
  const signing = Array.from(descriptor.getElementsByTagNameNS(MD, "KeyDescriptor"))
    .filter((k) => (k.getAttribute("use") || "signing") === "signing")
    .map((k) => k.getElementsByTagNameNS(DS, "X509Certificate")[0].textContent.replace(/\s+/g, ""));
  // Two logins may fetch at once: the first instance made stays.
  saml ??= new SAML({
    ...sp,
    entryPoint: sso.getAttribute("Location"),
    logoutUrl: idpSlo?.getAttribute("Location"),
    idpIssuer: doc.documentElement.getAttribute("entityID"),
    idpCert: signing,
  });
  return saml;
}

// --- Pages. ---
const sessions = new Map();
const escape = (s) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
function page(res, status, title, inner, headers = {}) {
  const body = `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><main><h1>${escape(title)}</h1>${inner}</main></body></html>`;
  res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", ...headers });
  res.end(body);
}
function sessionOf(req) {
  const sid = (req.headers.cookie || "").split(/;\s*/).find((c) => c.startsWith("sid="))?.slice(4);
  return sid ? sessions.get(sid)?.jointure : undefined;
}
function accountOf(profile) {
  let vectors = profile.attributes?.FrEduCtRefId ?? profile.FrEduCtRefId ?? [];
  if (!Array.isArray(vectors)) vectors = [vectors];
  return vectors.map((v) => String(v).split("|").pop()).find((j) => pupils.has(j));
}
async function body(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 1 << 20) break;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

createServer(async (req, res) => {
  const path = new URL(req.url, base).pathname;
  try {
    if (req.method === "GET" && path === "/auth/saml/metadata") {
      res.writeHead(200, { "Content-Type": "application/samlmetadata+xml" });
      res.end(spMetadata);
    } else if (req.method === "GET" && path === "/auth/educonnect/saml") {
      const location = await (await samlFor()).getAuthorizeUrlAsync(randomBytes(12).toString("hex"), undefined, {});
      res.writeHead(302, { Location: location });
      res.end();
    } else if (req.method === "GET" && path === "/compte") {
      const jointure = sessionOf(req);
      if (!jointure) return page(res, 401, "Connexion", "<p>Connectez-vous.</p>");
      const pupil = pupils.get(jointure);
      const lines = [name(pupil), "élève", schools.get(pupil.ENTPersonStructRattach[0]) || ""];
      page(res, 200, "Mon compte", lines.map((l) => `<p>${escape(l)}</p>`).join(""));
    } else if (req.method === "POST" && path === "/auth/saml/acs") {
      const form = await body(req);
      let profile;
      try {
        ({ profile } = await (await samlFor()).validatePostResponseAsync({
          SAMLResponse: form.get("SAMLResponse") || "",
          RelayState: form.get("RelayState") || "",
        }));
      } catch (error) {
        return page(res, 403, "Connexion refusée", `<p>${escape(error.message)}</p>`);
      }
      const jointure = profile && accountOf(profile);
      if (!jointure) return page(res, 403, "Connexion refusée", "<p>Aucun compte pour cette identité.</p>");
      const sid = randomBytes(24).toString("base64url");
      sessions.set(sid, { jointure, sessionIndex: profile.sessionIndex });
      res.writeHead(303, { Location: "/compte", "Set-Cookie": `sid=${sid}; Path=/; HttpOnly; SameSite=Lax` });
      res.end();
    } else if (req.method === "POST" && path === "/auth/saml/slo") {
      // node-saml verifies the request's signature and reads whom it names;
      // the sessions opened on that SessionIndex are closed.
      const form = await body(req);
      let profile;
      try {
        ({ profile } = await (await samlFor()).validatePostRequestAsync({
          SAMLRequest: form.get("SAMLRequest") || "",
        }));
      } catch (error) {
        return page(res, 403, "Déconnexion refusée", `<p>${escape(error.message)}</p>`);
      }
      for (const [sid, session] of sessions) {
        if (profile.sessionIndex && session.sessionIndex === profile.sessionIndex) sessions.delete(sid);
      }
      const location = await (await samlFor()).getLogoutResponseUrlAsync(profile, form.get("RelayState") || "", {}, true);
      res.writeHead(302, { Location: location });
      res.end();
    } else {
      page(res, 404, "Introuvable", "<p>Page introuvable.</p>");
    }
  } catch (error) {
    page(res, 500, "Erreur", `<p>${escape(String(error))}</p>`);
  }
}).listen(Number(port), "127.0.0.1", () => console.log("prêt"));
