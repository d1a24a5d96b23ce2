//! EduConnect as an OpenID Connect provider (Shibboleth OIDC plugin paths
//! `/idp/profile/oidc/{authorize,token,userinfo,logout}`): discovery, JWKS,
//! authorization code flow with PKCE, and the ID-token attacks.
//!
//! Good tokens are built and signed with `openidconnect`'s types; bad ones
//! start from a good token and are altered the way an attacker would
//! (flipped signature byte, `alg: none`), so that only the claim under test
//! is wrong.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use openidconnect::core::{
    CoreGenderClaim, CoreJsonWebKey, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey,
};
use openidconnect::{
    AdditionalClaims, Audience, EndUserFamilyName, EndUserGivenName, IdToken, IdTokenClaims,
    IssuerUrl, JsonWebKeyId, Nonce, StandardClaims, SubjectIdentifier,
};
use openssl::hash::MessageDigest;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::pages::{error_page, interactive_login};
use super::{Attack, Grant, Identity, Idp, IdpError, lock, random_token, session_from_cookies};
use crate::evidence::{Address, Exchange, Raw, RawBody};

/// EduConnect's own claims, as the MONSTAGE user-info sample shows them,
/// plus the AAF join vectors (`FrEduCtRefId`) the ENT matches accounts on.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct EduConnectClaims {
    #[serde(
        rename = "FrEduCtRefId",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    ref_ids: Vec<String>,
    #[serde(
        rename = "FrEduCtPersonAffiliation",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    affiliation: Vec<String>,
    #[serde(
        rename = "FrEduCtEleveUAI",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    uai: Option<String>,
    #[serde(
        rename = "FrEduOrigAuth",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    origin: Option<String>,
}

impl AdditionalClaims for EduConnectClaims {}

type EduIdToken = IdToken<
    EduConnectClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

pub(crate) async fn discovery(State(idp): State<Arc<Idp>>) -> Response {
    let issuer = idp.educonnect_issuer();
    let endpoint = |path: &str| format!("{issuer}/profile/oidc/{path}");
    Json(serde_json::json!({
        "issuer": issuer,
        "authorization_endpoint": endpoint("authorize"),
        "token_endpoint": endpoint("token"),
        "userinfo_endpoint": endpoint("userinfo"),
        "end_session_endpoint": endpoint("logout"),
        "jwks_uri": endpoint("keyset"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "profile", "ect.scope.cnx"],
        "claims_supported": ["sub", "given_name", "family_name", "FrEduCtRefId",
            "FrEduCtPersonAffiliation", "FrEduCtEleveUAI", "FrEduOrigAuth"],
    }))
    .into_response()
}

pub(crate) async fn keyset(State(idp): State<Arc<Idp>>) -> Response {
    match idp.published_keys().map(jwk).collect::<Result<Vec<_>, _>>() {
        Ok(keys) => Json(CoreJsonWebKeySet::new(keys)).into_response(),
        Err(error) => error_page(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
    }
}

fn jwk(key: &super::SigningKey) -> Result<CoreJsonWebKey, IdpError> {
    let (n, e) = key.public_numbers()?;
    Ok(CoreJsonWebKey::new_rsa(
        n,
        e,
        Some(JsonWebKeyId::new(key.kid.clone())),
    ))
}

pub(crate) async fn authorize(
    State(idp): State<Arc<Idp>>,
    headers: HeaderMap,
    uri: Uri,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let cookie = headers.get(header::COOKIE).and_then(|v| v.to_str().ok());
    let token = session_from_cookies(cookie).filter(|t| idp.scenario(t).is_some());
    let param = |name: &str| params.get(name).cloned();
    let settings = idp.settings();
    // The client and its redirect URI are checked before anyone is asked
    // to log in, as an OP does: an unregistered URI gets an error page,
    // never a redirect.
    let unregistered = param("redirect_uri").and_then(|uri| settings.redirect_uris.refusal(&uri));
    let Some(token) = token else {
        return match unregistered {
            Some(problem) => error_page(StatusCode::BAD_REQUEST, &problem),
            None => interactive_login(&idp, &uri.to_string()),
        };
    };
    idp.with_log(&token, |log| log.authn_requests += 1);
    let problem = if param("response_type").as_deref() != Some("code") {
        Some("response_type doit valoir « code »".to_owned())
    } else if param("client_id").as_deref() != Some(settings.client_id.as_str()) {
        Some(format!(
            "client_id inconnu : {}",
            param("client_id").unwrap_or_default()
        ))
    } else if !param("scope")
        .unwrap_or_default()
        .split(' ')
        .any(|s| s == "openid")
    {
        Some("la portée « openid » manque".to_owned())
    } else {
        match param("redirect_uri") {
            None => Some("redirect_uri manquant".to_owned()),
            Some(_) => unregistered,
        }
    };
    if let Some(problem) = problem {
        idp.event(
            &token,
            format!("autorisation refusée par l'IdP : {problem}"),
        );
        return error_page(StatusCode::BAD_REQUEST, &problem);
    }
    let redirect_uri = param("redirect_uri").unwrap_or_default();
    let code = random_token();
    let challenge = match (param("code_challenge"), param("code_challenge_method")) {
        (Some(challenge), Some(method)) if method == "S256" => Some(challenge),
        _ => None,
    };
    lock(&idp.registry).codes.insert(
        code.clone(),
        Grant {
            session: token.clone(),
            client_id: settings.client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            nonce: param("nonce"),
            code_challenge: challenge.clone(),
            redemptions: 0,
        },
    );
    let attack = idp.scenario(&token).and_then(|s| s.attack);
    let mut state = param("state");
    if attack == Some(Attack::StateMismatch) {
        state = Some(format!("{}-altere", state.unwrap_or_default()));
    }
    let Ok(mut location) = reqwest::Url::parse(&redirect_uri) else {
        return error_page(StatusCode::BAD_REQUEST, "redirect_uri n'est pas une URL");
    };
    location.query_pairs_mut().append_pair("code", &code);
    if let Some(state) = &state {
        location.query_pairs_mut().append_pair("state", state);
    }
    idp.event(
        &token,
        format!(
            "autorisation reçue (nonce {}, PKCE {}, state {}) ; code émis vers {}",
            presence(param("nonce").is_some()),
            presence(challenge.is_some()),
            presence(param("state").is_some()),
            redirect_uri
        ),
    );
    idp.with_log(&token, |log| {
        log.authorization_response = Some(location.clone());
    });
    Redirect::to(location.as_str()).into_response()
}

fn presence(present: bool) -> &'static str {
    if present { "présent" } else { "absent" }
}

/// OAuth error answer of the token endpoint (RFC 6749 §5.2).
fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(serde_json::json!({"error": error, "error_description": description})),
    )
        .into_response()
}

pub(crate) async fn token(
    State(idp): State<Arc<Idp>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |name: &str| form.get(name).cloned();
    let Some(code) = field("code") else {
        return token_error(StatusCode::BAD_REQUEST, "invalid_request", "code manquant");
    };
    let grant = lock(&idp.registry).codes.get(&code).cloned();
    let Some(grant) = grant else {
        return token_error(StatusCode::BAD_REQUEST, "invalid_grant", "code inconnu");
    };
    let session = grant.session.clone();
    let scenario = idp.scenario(&session);
    let attack = scenario.as_ref().and_then(|s| s.attack);
    let outcome = redeem(&idp, &headers, &form, &grant, attack);
    let (status, body, decoded) = match outcome {
        Ok((body, decoded)) => (StatusCode::OK, body, decoded),
        Err((status, error, description)) => {
            idp.event(&session, format!("jeton refusé par l'IdP : {description}"));
            let body = serde_json::json!({"error": error, "error_description": description});
            (status, body.clone(), body)
        }
    };
    if status == StatusCode::OK {
        lock(&idp.registry)
            .codes
            .entry(code)
            .and_modify(|g| g.redemptions += 1);
        let over_tls = idp.settings().public_url.scheme() == "https";
        let forged = attack.is_some_and(Attack::signature_unvouched);
        idp.with_log(&session, |log| {
            log.codes_redeemed += 1;
            log.forged_token_over_tls |= over_tls && forged;
        });
    }
    idp.record(&session, |sink, id| {
        let form_text = form
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let shown = serde_json::to_string_pretty(&decoded).unwrap_or_default();
        let address = format!(
            "{} (reçu du candidat par l'IdP)",
            endpoint_url(&idp, "token")
        );
        Exchange::capture(
            &sink.redactor,
            Raw {
                id,
                method: "POST",
                address: Address::Text(&address),
                request_headers: vec![(
                    "content-type".to_owned(),
                    "application/x-www-form-urlencoded".to_owned(),
                )],
                request_body: Some(("application/x-www-form-urlencoded", &form_text)),
                status: Some(status.as_u16()),
                response_headers: vec![("content-type".to_owned(), "application/json".to_owned())],
                body: Some(RawBody::Text {
                    media_type: None,
                    text: &shown,
                    size: shown.len() as u64,
                    sha256: None,
                    whole: false,
                }),
                started_at: sink.clock.now(),
                duration_ms: 0,
                error: None,
            },
        )
    });
    (status, Json(body)).into_response()
}

type Refusal = (StatusCode, &'static str, String);

/// Checks the client and the grant, then issues the tokens. Returns the
/// response body and a decoded view of it for the evidence (header and
/// claims of the ID token, no signature, bearer values masked).
fn redeem(
    idp: &Idp,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
    grant: &Grant,
    attack: Option<Attack>,
) -> Result<(serde_json::Value, serde_json::Value), Refusal> {
    let settings = idp.settings();
    let (client_id, secret) = client_credentials(headers, form);
    if client_id.as_deref() != Some(grant.client_id.as_str())
        || secret.as_deref() != Some(settings.client_secret.as_str())
    {
        return Err((
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "authentification du client refusée".to_owned(),
        ));
    }
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return Err((
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type doit valoir authorization_code".to_owned(),
        ));
    }
    // The IdP plays along with a replay so that only the candidate can stop it.
    let allowed = if attack == Some(Attack::CodeReplay) {
        2
    } else {
        1
    };
    if grant.redemptions >= allowed {
        return Err((
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "code déjà utilisé".to_owned(),
        ));
    }
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return Err((
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "redirect_uri différent de celui de l'autorisation".to_owned(),
        ));
    }
    if let Some(challenge) = &grant.code_challenge {
        let verifier = form.get("code_verifier").cloned().unwrap_or_default();
        let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        if &computed != challenge {
            return Err((
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "code_verifier ne correspond pas au code_challenge (PKCE)".to_owned(),
            ));
        }
    }
    let Some(scenario) = idp.scenario(&grant.session) else {
        return Err((
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "session inconnue".to_owned(),
        ));
    };
    let access_token = random_token();
    let id_token =
        id_token(idp, &scenario.identity, grant.nonce.as_deref(), attack).map_err(|error| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                error.to_string(),
            )
        })?;
    lock(&idp.registry)
        .access_tokens
        .insert(access_token.clone(), grant.session.clone());
    idp.with_log(&grant.session, |log| {
        log.issued.push(access_token.clone());
        log.issued.push(id_token.clone());
    });
    idp.event(
        &grant.session,
        match attack {
            Some(attack) if !attack.is_saml() => format!(
                "jeton d'identité émis pour {} : {}",
                scenario.identity.display_name(),
                attack.description_fr()
            ),
            _ => format!(
                "jeton d'identité valide émis pour {}",
                scenario.identity.display_name()
            ),
        },
    );
    let body = serde_json::json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 600,
        "scope": "openid ect.scope.cnx",
        "id_token": id_token,
    });
    let decoded = serde_json::json!({
        "access_token": "[masqué]",
        "token_type": "Bearer",
        "expires_in": 600,
        "id_token (décodé, signature omise)": decode_jwt(&id_token),
    });
    Ok((body, decoded))
}

fn client_credentials(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> (Option<String>, Option<String>) {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        && let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(basic.trim())
        && let Ok(text) = String::from_utf8(bytes)
        && let Some((id, secret)) = text.split_once(':')
    {
        let decode = |s: &str| percent_decode(s);
        return (Some(decode(id)), Some(decode(secret)));
    }
    (
        form.get("client_id").cloned(),
        form.get("client_secret").cloned(),
    )
}

/// `client_secret_basic` form-encodes id and secret (RFC 6749 §2.3.1).
fn percent_decode(text: &str) -> String {
    reqwest::Url::parse(&format!("http://x/?v={text}"))
        .ok()
        .and_then(|url| url.query_pairs().next().map(|(_, v)| v.into_owned()))
        .unwrap_or_else(|| text.to_owned())
}

/// The header and claims of a JWT, for reading; never the signature.
pub(crate) fn decode_jwt(jwt: &str) -> serde_json::Value {
    let mut parts = jwt.split('.');
    let mut part = || {
        parts
            .next()
            .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            .unwrap_or(serde_json::Value::Null)
    };
    let header = part();
    let claims = part();
    serde_json::json!({"header": header, "claims": claims})
}

/// Builds the ID token for `identity`, wrong in exactly the way `attack` says.
pub(crate) fn id_token(
    idp: &Idp,
    identity: &Identity,
    nonce: Option<&str>,
    attack: Option<Attack>,
) -> Result<String, IdpError> {
    let settings = idp.settings();
    let now = idp.clock.now();
    let mut issuer = idp.educonnect_issuer();
    let mut audiences = vec![settings.client_id.clone()];
    let mut expiry = now + Duration::minutes(10);
    let mut issued_at = now;
    let mut nonce = nonce.map(str::to_owned);
    match attack {
        Some(Attack::IdTokenWrongIssuer) => {
            issuer = "https://educonnect.attaquant.example/idp".to_owned();
        }
        Some(Attack::IdTokenWrongAudience) => audiences = vec!["un-autre-service".to_owned()],
        Some(Attack::IdTokenExtraAudience) => audiences.push("un-autre-service".to_owned()),
        Some(Attack::IdTokenExpired) => {
            expiry = now - Duration::hours(1);
            issued_at = now - Duration::hours(2);
        }
        Some(Attack::IdTokenIatFuture) => {
            issued_at = now + Duration::hours(24);
            expiry = issued_at + Duration::minutes(10);
        }
        Some(Attack::NonceMismatch) => nonce = Some(random_token()),
        Some(Attack::NonceMissing) => nonce = None,
        _ => {}
    }
    let (given, family, extra) = match identity {
        Identity::EduConnect {
            given_name,
            family_name,
            affiliation,
            ref_ids,
            uai,
            ..
        } => (
            given_name,
            family_name,
            EduConnectClaims {
                ref_ids: ref_ids.clone(),
                affiliation: vec![affiliation.clone()],
                uai: uai.clone(),
                origin: Some("ECT".to_owned()),
            },
        ),
        Identity::Agent {
            given_name,
            family_name,
            ..
        } => (given_name, family_name, EduConnectClaims::default()),
    };
    let issuer = IssuerUrl::new(issuer).map_err(|e| IdpError::Crypto(e.to_string()))?;
    let standard = StandardClaims::new(SubjectIdentifier::new(identity.subject().to_owned()))
        .set_given_name(Some(EndUserGivenName::new(given.clone()).into()))
        .set_family_name(Some(EndUserFamilyName::new(family.clone()).into()));
    let claims = IdTokenClaims::new(
        issuer,
        audiences.into_iter().map(Audience::new).collect(),
        expiry,
        issued_at,
        standard,
        extra,
    )
    .set_nonce(nonce.map(Nonce::new));
    let signer = match attack {
        Some(Attack::KeyRotation) => idp.rotated_key()?,
        _ => idp.key(),
    };
    let key = CoreRsaPrivateSigningKey::from_pem(
        &signer.pkcs1_pem()?,
        Some(JsonWebKeyId::new(signer.kid.clone())),
    )
    .map_err(IdpError::Crypto)?;
    let token = EduIdToken::new(
        claims,
        &key,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        None,
        None,
    )
    .map_err(|e| IdpError::Crypto(e.to_string()))?;
    let jwt = token.to_string();
    Ok(match attack {
        Some(Attack::IdTokenBadSignature) => flip_signature(&jwt),
        Some(Attack::IdTokenAlgNone) => alg_none(&jwt, &signer.kid),
        Some(Attack::IdTokenUnknownKey) => {
            let rogue = idp.rogue_key();
            let (n, e) = rogue.public_numbers()?;
            let header = serde_json::json!({
                "alg": "RS256",
                "typ": "JWT",
                "kid": rogue.kid,
                "jwk": {"kty": "RSA", "kid": rogue.kid, "use": "sig", "alg": "RS256",
                    "n": URL_SAFE_NO_PAD.encode(n), "e": URL_SAFE_NO_PAD.encode(e)},
            });
            resign(&jwt, &header, |input| rogue.sign_rs256(input))?
        }
        Some(Attack::IdTokenHs256PublicKey) => {
            let header = serde_json::json!({"alg": "HS256", "typ": "JWT", "kid": idp.key().kid});
            let secret = idp.key().public_pem()?;
            resign(&jwt, &header, |input| {
                super::keys::hmac(MessageDigest::sha256(), secret.as_bytes(), input)
            })?
        }
        _ => jwt,
    })
}

/// `jwt`'s claims under a new `header`, signed by `sign` over the JWS
/// signing input.
fn resign(
    jwt: &str,
    header: &serde_json::Value,
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>, IdpError>,
) -> Result<String, IdpError> {
    let payload = jwt.split('.').nth(1).unwrap_or_default();
    let header = URL_SAFE_NO_PAD.encode(header.to_string());
    let input = format!("{header}.{payload}");
    let signature = sign(input.as_bytes())?;
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

fn flip_signature(jwt: &str) -> String {
    let Some((signed, signature)) = jwt.rsplit_once('.') else {
        return jwt.to_owned();
    };
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap_or_default();
    if let Some(first) = bytes.first_mut() {
        *first ^= 0x01;
    }
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The token with its header's `alg` set to `none` and no signature; the
/// `kid` stays, as an attacker editing a real token leaves it. (A header
/// without `kid` would make some libraries' verdict depend on how many keys
/// the JWKS holds at that moment, which a key rotation changes mid-run.)
fn alg_none(jwt: &str, kid: &str) -> String {
    let payload = jwt.split('.').nth(1).unwrap_or_default();
    let header = serde_json::json!({"alg": "none", "typ": "JWT", "kid": kid});
    let header = URL_SAFE_NO_PAD.encode(header.to_string());
    format!("{header}.{payload}.")
}

pub(crate) async fn userinfo(State(idp): State<Arc<Idp>>, headers: HeaderMap) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let session = bearer.and_then(|token| lock(&idp.registry).access_tokens.get(token).cloned());
    let Some(scenario) = session.as_deref().and_then(|s| idp.scenario(s)) else {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
        )
            .into_response();
    };
    // The sub-mismatch attack describes the victim: a candidate that
    // believes userinfo without comparing `sub` logs the victim in.
    let described = match (scenario.attack, &scenario.victim) {
        (Some(Attack::UserinfoSubMismatch), Some(victim)) => {
            if let Some(session) = &session {
                idp.event(
                    session,
                    format!(
                        "userinfo répond pour {} au lieu de {}",
                        victim.display_name(),
                        scenario.identity.display_name()
                    ),
                );
            }
            victim
        }
        _ => &scenario.identity,
    };
    let mut claims = serde_json::json!({
        "sub": described.subject(),
    });
    if let Identity::EduConnect {
        given_name,
        family_name,
        affiliation,
        ref_ids,
        uai,
        ..
    } = described
    {
        claims["given_name"] = given_name.clone().into();
        claims["family_name"] = family_name.clone().into();
        claims["FrEduCtPersonAffiliation"] = vec![affiliation.clone()].into();
        claims["FrEduCtRefId"] = ref_ids.clone().into();
        claims["FrEduOrigAuth"] = "ECT".into();
        if let Some(uai) = uai {
            claims["FrEduCtEleveUAI"] = uai.clone().into();
        }
    }
    Json(claims).into_response()
}

pub(crate) async fn logout(
    State(idp): State<Arc<Idp>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let cookie = headers.get(header::COOKIE).and_then(|v| v.to_str().ok());
    if let Some(token) = session_from_cookies(cookie) {
        idp.with_log(&token, |log| log.logouts += 1);
        idp.event(
            &token,
            format!(
                "déconnexion demandée à l'IdP (id_token_hint {})",
                presence(params.contains_key("id_token_hint"))
            ),
        );
    }
    match params.get("post_logout_redirect_uri") {
        Some(uri) => {
            let mut target = uri.clone();
            if let Some(state) = params.get("state") {
                let separator = if target.contains('?') { '&' } else { '?' };
                target.push(separator);
                target.push_str("state=");
                target.push_str(state);
            }
            Redirect::to(&target).into_response()
        }
        None => super::pages::logged_out_page("ÉduConnect"),
    }
}

fn endpoint_url(idp: &Idp, path: &str) -> String {
    format!("{}/profile/oidc/{path}", idp.educonnect_issuer())
}
