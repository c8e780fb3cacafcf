//! The OpenID provider as the console reaches it: an HTTP client with a
//! timeout that follows no redirects, the provider's discovery document
//! (with its signing keys) fetched once and kept for a while, and the
//! `openidconnect` client types with the claims the console reads.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreRevocableToken,
    CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AsyncHttpClient, Client, ClientId, ClientSecret, EmptyExtraTokenFields,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpClientError, HttpRequest, HttpResponse,
    IdTokenFields, IssuerUrl, ProviderMetadataWithLogout, RedirectUrl, StandardErrorResponse,
    StandardTokenResponse,
};
use serde::{Deserialize, Serialize};

use super::settings::{OidcError, OidcSettings};

/// The discovery document (and keys) is fetched again after this long, so
/// a provider's key rotation reaches the console without a restart.
const DISCOVERY_TTL: Duration = Duration::from_secs(15 * 60);
/// How long a failed discovery is remembered: a provider that is down
/// costs each caller nothing for a while instead of a timeout each.
const FAILURE_TTL: Duration = Duration::from_secs(5);

/// Every claim of the ID token beyond the standard ones, by name: the
/// groups claim's name is configured (`--oidc-groups-claim`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OtherClaims {
    #[serde(flatten)]
    pub claims: serde_json::Map<String, serde_json::Value>,
}

impl AdditionalClaims for OtherClaims {}

type TokenFields = IdTokenFields<
    OtherClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

/// The token endpoint's answer.
pub type TokenAnswer = StandardTokenResponse<TokenFields, CoreTokenType>;

/// The relying-party client, set up from the discovery document.
pub type RpClient = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenAnswer,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// HTTP to the provider through reqwest: bounded by the call timeout and
/// never following a redirect (a redirect from a token endpoint is not an
/// answer, and following them invites request forgery).
#[derive(Debug, Clone)]
pub struct ProviderHttp(reqwest::Client);

impl ProviderHttp {
    pub fn new(timeout: Duration) -> Result<Self, OidcError> {
        // rustls needs a process-wide provider; the workspace uses ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map(Self)
            .map_err(|e| OidcError::Setup(e.to_string()))
    }
}

impl<'c> AsyncHttpClient<'c> for ProviderHttp {
    type Error = HttpClientError<reqwest::Error>;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(Box::new)?;
            let response = self.0.execute(request).await.map_err(Box::new)?;
            let mut answer = openidconnect::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                answer = answer.header(name, value);
            }
            let body = response.bytes().await.map_err(Box::new)?;
            answer.body(body.to_vec()).map_err(HttpClientError::Http)
        })
    }
}

/// The provider as last discovered.
#[derive(Debug, Clone)]
pub struct Discovered {
    pub metadata: ProviderMetadataWithLogout,
    fetched: Instant,
}

/// The last discovery: the document, or why it could not be had.
#[derive(Debug)]
enum Cached {
    Found(Arc<Discovered>),
    Failed { at: Instant, error: String },
}

/// The provider: settings, HTTP client and the cached discovery.
#[derive(Debug)]
pub struct Provider {
    pub settings: OidcSettings,
    pub http: ProviderHttp,
    discovered: Mutex<Option<Cached>>,
}

impl Provider {
    pub fn new(settings: OidcSettings, timeout: Duration) -> Result<Self, OidcError> {
        Ok(Self {
            settings,
            http: ProviderHttp::new(timeout)?,
            discovered: Mutex::new(None),
        })
    }

    /// The discovery document, fetched when missing or old. The cache is
    /// read and written under a lock never held across the fetch: callers
    /// arriving during a fetch may fetch too, and a failure is remembered
    /// for [`FAILURE_TTL`].
    pub async fn discovered(&self) -> Result<Arc<Discovered>, OidcError> {
        match &*self
            .discovered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
        {
            Some(Cached::Found(found)) if found.fetched.elapsed() < DISCOVERY_TTL => {
                return Ok(Arc::clone(found));
            }
            Some(Cached::Failed { at, error }) if at.elapsed() < FAILURE_TTL => {
                return Err(OidcError::Discovery(error.clone()));
            }
            _ => {}
        }
        let fetched = self.fetch().await;
        let remembered = match &fetched {
            Ok(found) => Cached::Found(Arc::clone(found)),
            Err(OidcError::Discovery(why) | OidcError::Setup(why)) => Cached::Failed {
                at: Instant::now(),
                error: why.clone(),
            },
            Err(e) => Cached::Failed {
                at: Instant::now(),
                error: e.to_string(),
            },
        };
        *self
            .discovered
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(remembered);
        fetched
    }

    async fn fetch(&self) -> Result<Arc<Discovered>, OidcError> {
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| OidcError::Setup(format!("--oidc-issuer: {e}")))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OidcError::Discovery(describe(&e)))?;
        Ok(Arc::new(Discovered {
            metadata,
            fetched: Instant::now(),
        }))
    }

    /// The relying-party client for the provider as discovered.
    pub async fn client(&self) -> Result<(RpClient, Arc<Discovered>), OidcError> {
        let discovered = self.discovered().await?;
        let redirect = RedirectUrl::new(self.settings.redirect_url.clone())
            .map_err(|e| OidcError::Setup(format!("--oidc-redirect-url: {e}")))?;
        let client = RpClient::from_provider_metadata(
            discovered.metadata.clone(),
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.0.clone())),
        )
        .set_redirect_uri(redirect);
        Ok((client, discovered))
    }
}

impl Provider {
    /// Where the browser goes to end its session at the provider too, when
    /// the provider offers RP-initiated logout; `id_token` is the one the
    /// session began with.
    pub async fn logout_url(&self, id_token: &str) -> Option<String> {
        let discovered = self.discovered().await.ok()?;
        let endpoint = discovered
            .metadata
            .additional_metadata()
            .end_session_endpoint
            .as_ref()?;
        let mut url = endpoint.url().clone();
        url.query_pairs_mut()
            .append_pair("id_token_hint", id_token)
            .append_pair("client_id", &self.settings.client_id);
        Some(url.to_string())
    }
}

/// An error with its causes, one line.
pub fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
