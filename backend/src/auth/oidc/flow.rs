//! The two halves of the authorization code flow: sending the browser to
//! the provider (state, nonce and PKCE verifier kept server-side, bound to
//! the browser by a cookie), and taking the code back (the state taken
//! once, the code exchanged, the ID token checked, the groups mapped).

use chrono::{DateTime, Utc};
use openidconnect::core::CoreAuthenticationFlow;
use openidconnect::{
    AccessTokenHash, AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RequestTokenError, Scope, TokenResponse,
};
use serde::Deserialize;
use shared::{Account, AccountName};

use super::provider::Provider;
use super::provider::{OtherClaims, describe};
use super::settings::{OidcError, Refusal};
use crate::auth::groups::role_for;
use crate::auth::secrets::{random_token, token_hash};
use crate::store::Store;
use crate::store::oidc::PendingLogin;

/// How long a sign-in may stay at the provider before its state lapses.
pub const LOGIN_TTL_SECS: i64 = 10 * 60;

/// A sign-in sent on its way.
#[derive(Debug)]
pub struct Begun {
    /// The provider's authorization endpoint with the request.
    pub redirect: url::Url,
    /// For the browser's cookie: proves at the callback that this browser
    /// started the sign-in.
    pub browser_token: String,
}

/// Starts a sign-in: the provider's URL to send the browser to.
pub async fn begin(provider: &Provider, store: &Store, now: i64) -> Result<Begun, OidcError> {
    let (client, _) = provider.client().await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for scope in &provider.settings.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (redirect, state, nonce) = request.url();
    let browser_token = random_token();
    let login = PendingLogin {
        state_hash: token_hash(state.secret()),
        browser_hash: token_hash(&browser_token),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        expires_at: now + LOGIN_TTL_SECS,
    };
    store.add_oidc_login(&login, now).await?;
    Ok(Begun {
        redirect,
        browser_token,
    })
}

/// The query the provider sends the browser back with.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    /// The provider's identifier (RFC 9207), when it sends one.
    pub iss: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Who the provider vouched for.
#[derive(Debug, Clone)]
pub struct Vouched {
    pub account: Account,
    pub subject: String,
    /// The raw ID token, for the provider's sign-out later.
    pub id_token: String,
}

/// Takes the provider's answer: `Ok(Err(_))` is a refusal of the
/// person's sign-in, `Err(_)` a provider the console cannot use.
pub async fn finish(
    provider: &Provider,
    store: &Store,
    now: i64,
    callback: Callback,
    browser_token: Option<&str>,
) -> Result<Result<Vouched, Refusal>, OidcError> {
    let Some(state) = callback.state.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(Err(Refusal::Missing("state")));
    };
    // Taken (deleted) before anything else: a state works once, whatever
    // happens next.
    let Some(login) = store.take_oidc_login(&token_hash(state)).await? else {
        return Ok(Err(Refusal::UnknownState));
    };
    if now >= login.expires_at {
        return Ok(Err(Refusal::Expired));
    }
    if browser_token.map(token_hash).as_deref() != Some(login.browser_hash.as_str()) {
        return Ok(Err(Refusal::OtherBrowser));
    }
    let (client, discovered) = provider.client().await?;
    let issuer = discovered.metadata.issuer().as_str();
    if let Some(iss) = callback.iss.as_deref().filter(|iss| *iss != issuer) {
        return Ok(Err(Refusal::OtherIssuer(iss.to_owned())));
    }
    if let Some(error) = callback.error {
        let description = callback.error_description.unwrap_or_default();
        return Ok(Err(Refusal::Provider(
            format!("{error} {description}").trim().to_owned(),
        )));
    }
    let Some(code) = callback.code.filter(|c| !c.is_empty()) else {
        return Ok(Err(Refusal::Missing("code")));
    };
    let exchange = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| OidcError::Setup(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(login.pkce_verifier))
        .request_async(&provider.http)
        .await;
    let answer = match exchange {
        Ok(answer) => answer,
        Err(RequestTokenError::Request(e)) => {
            return Err(OidcError::Discovery(format!(
                "the token endpoint did not answer: {}",
                describe(&e)
            )));
        }
        Err(e) => return Ok(Err(Refusal::Exchange(describe(&e)))),
    };
    let Some(id_token) = answer.id_token() else {
        return Ok(Err(Refusal::NoIdToken));
    };
    // Expiry is judged by the console's clock (the one sessions use).
    let at = DateTime::<Utc>::from_timestamp(now, 0).unwrap_or_default();
    let verifier = client.id_token_verifier().set_time_fn(move || at);
    let claims = match id_token.claims(&verifier, &Nonce::new(login.nonce)) {
        Ok(claims) => claims,
        Err(e) => return Ok(Err(Refusal::BadToken(describe(&e)))),
    };
    if let Some(expected) = claims.access_token_hash() {
        let actual = id_token
            .signing_alg()
            .map_err(|e| describe(&e))
            .and_then(|alg| {
                let key = id_token.signing_key(&verifier).map_err(|e| describe(&e))?;
                AccessTokenHash::from_token(answer.access_token(), alg, key)
                    .map_err(|e| describe(&e))
            });
        if actual.as_ref() != Ok(expected) {
            return Ok(Err(Refusal::BadToken(
                "its access token hash does not match the access token".into(),
            )));
        }
    }
    let subject = claims.subject().as_str();
    // An address counts as a name only when the provider verified it.
    let verified_email = claims
        .email()
        .filter(|_| claims.email_verified() == Some(true))
        .map(|e| e.as_str());
    let name = claims
        .preferred_username()
        .map(|u| u.as_str())
        .or(verified_email)
        .unwrap_or(subject);
    let name: AccountName = match name.to_lowercase().parse() {
        Ok(name) => name,
        Err(e) => return Ok(Err(Refusal::NoName(e.to_string()))),
    };
    if store.find_account(name.as_str()).await?.is_some() {
        return Ok(Err(Refusal::NameTaken(name.to_string())));
    }
    let groups = groups_of(claims.additional_claims(), &provider.settings.groups_claim);
    let settings = &provider.settings;
    let Some((role, admin)) = role_for(&settings.group_roles, &settings.admin_groups, &groups)
    else {
        return Ok(Err(Refusal::NoRole {
            user: name.to_string(),
            groups: groups.join(", "),
        }));
    };
    Ok(Ok(Vouched {
        account: Account {
            name: name.to_string(),
            role,
            admin,
        },
        subject: subject.to_owned(),
        id_token: id_token.to_string(),
    }))
}

/// The groups the claim lists: an array of names, or one name.
fn groups_of<'c>(claims: &'c OtherClaims, claim: &str) -> Vec<&'c str> {
    match claims.claims.get(claim) {
        Some(serde_json::Value::Array(items)) => {
            items.iter().filter_map(serde_json::Value::as_str).collect()
        }
        Some(serde_json::Value::String(one)) => vec![one.as_str()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_come_as_a_list_or_one_name() {
        let claims: OtherClaims =
            serde_json::from_value(serde_json::json!({"groups": ["a", 3, "b"], "team": "c"}))
                .unwrap();
        assert_eq!(groups_of(&claims, "groups"), vec!["a", "b"]);
        assert_eq!(groups_of(&claims, "team"), vec!["c"]);
        assert!(groups_of(&claims, "missing").is_empty());
    }
}
