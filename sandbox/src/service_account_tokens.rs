//! Service account tokens: the JWTs a cluster mounts into pods at
//! `/var/run/secrets/kubernetes.io/serviceaccount/token` and checks again
//! when a `TokenReview` asks. Vault's Kubernetes auth is their user here:
//! istiod's `vault-client` logs in with its token, and Vault asks the
//! cluster's `tokenreviews` whether the token is good.
//!
//! Tokens are ES256 JWTs shaped like the projected tokens of a real API
//! server (`sub`, `aud`, and the `kubernetes.io` claims with the service
//! account's uid), signed by a key each cluster makes when it starts. A
//! token is good while it has not expired and its service account still
//! exists with the uid it was issued for.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};

use crate::store::Store;

/// The issuer and default audience of the tokens, as on most clusters.
pub const ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

/// The audiences a token must be meant for to speak to the API server
/// (kube-apiserver defaults `--api-audiences` to its issuer); a review
/// that names no audiences asks for these.
pub const API_AUDIENCES: &[&str] = &[ISSUER];

/// [`API_AUDIENCES`], owned.
pub fn api_audiences() -> Vec<String> {
    API_AUDIENCES.iter().map(|a| (*a).to_owned()).collect()
}

/// How long a minted token lasts (a projected token's default).
pub const LIFETIME_SECONDS: u64 = 3600;

/// What a `TokenRequest` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// Empty: the API server's own audience ([`ISSUER`]).
    pub audiences: Vec<String>,
    /// `None`: it does not expire (a Secret's token, which ends with the
    /// Secret instead).
    pub lifetime_seconds: Option<u64>,
    /// The object whose deletion ends the token, if any.
    pub bound: Option<BoundObject>,
}

/// An object a token is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundObject {
    pub kind: BoundKind,
    pub name: String,
    pub uid: String,
}

/// The kinds a token can be bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundKind {
    Pod,
    Secret,
}

impl BoundKind {
    /// The claim under `kubernetes.io` naming the object.
    fn claim(self) -> &'static str {
        match self {
            Self::Pod => "pod",
            Self::Secret => "secret",
        }
    }

    /// The storage key of its resource.
    pub fn resource(self) -> &'static str {
        match self {
            Self::Pod => "pods",
            Self::Secret => "secrets",
        }
    }
}

/// The service account a good token is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccountIdentity {
    pub namespace: String,
    pub name: String,
    pub uid: String,
}

impl ServiceAccountIdentity {
    /// `system:serviceaccount:<namespace>:<name>`.
    pub fn username(&self) -> String {
        format!("system:serviceaccount:{}:{}", self.namespace, self.name)
    }
}

/// A cluster's token signing key.
pub struct TokenSigner {
    key: EcdsaKeyPair,
    rng: SystemRandom,
    /// The key as PKCS#8, to keep it between starts.
    pkcs8: Vec<u8>,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSigner(<key>)")
    }
}

impl Default for TokenSigner {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenSigner {
    /// A new P-256 key.
    pub fn new() -> Self {
        let rng = SystemRandom::new();
        let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        #[allow(clippy::expect_used)] // only fails when the OS has no randomness
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng)
            .expect("the system random source works")
            .as_ref()
            .to_vec();
        #[allow(clippy::expect_used)] // ring just made it
        Self::from_pkcs8(&pkcs8).expect("a key ring generated parses")
    }

    /// The key kept from an earlier start, so that tokens it signed (in
    /// Secrets, or handed to Vault) stay good.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, String> {
        let rng = SystemRandom::new();
        let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let key = EcdsaKeyPair::from_pkcs8(alg, pkcs8, &rng)
            .map_err(|e| format!("not a P-256 PKCS#8 key: {e}"))?;
        Ok(Self {
            key,
            rng,
            pkcs8: pkcs8.to_vec(),
        })
    }

    /// The key as PKCS#8 (secret: kept only in the state directory).
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// A token for service account `namespace/name`, which must exist,
    /// bound to `pod` (name, uid) when given: what a pod has mounted.
    pub fn issue(
        &self,
        store: &Store,
        namespace: &str,
        name: &str,
        pod: Option<(&str, &str)>,
    ) -> Result<String, String> {
        let request = TokenRequest {
            audiences: Vec::new(),
            lifetime_seconds: Some(LIFETIME_SECONDS),
            bound: pod.map(|(name, uid)| BoundObject {
                kind: BoundKind::Pod,
                name: name.to_owned(),
                uid: uid.to_owned(),
            }),
        };
        self.issue_requested(store, namespace, name, &request)
    }

    /// A token for service account `namespace/name` as `request` asks
    /// (the `serviceaccounts/token` subresource).
    pub fn issue_requested(
        &self,
        store: &Store,
        namespace: &str,
        name: &str,
        request: &TokenRequest,
    ) -> Result<String, String> {
        let account = store
            .get("serviceaccounts", namespace, name)
            .ok_or_else(|| {
                format!("serviceaccount \"{name}\" not found in namespace \"{namespace}\"")
            })?;
        let uid = account["metadata"]["uid"].as_str().unwrap_or_default();
        let now = unix_now();
        let mut kubernetes = json!({
            "namespace": namespace,
            "serviceaccount": {"name": name, "uid": uid},
        });
        if let Some(bound) = &request.bound {
            kubernetes[bound.kind.claim()] = json!({"name": bound.name, "uid": bound.uid});
        }
        let audiences = if request.audiences.is_empty() {
            vec![ISSUER.to_owned()]
        } else {
            request.audiences.clone()
        };
        let mut claims = json!({
            "aud": audiences,
            "iat": now,
            "nbf": now,
            "iss": ISSUER,
            "sub": format!("system:serviceaccount:{namespace}:{name}"),
            "kubernetes.io": kubernetes,
        });
        if let Some(lifetime) = request.lifetime_seconds {
            claims["exp"] = json!(now + lifetime);
        }
        let header = json!({"alg": "ES256", "typ": "JWT"});
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self
            .key
            .sign(&self.rng, signing_input.as_bytes())
            .map_err(|_| "cannot sign the token".to_owned())?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.as_ref())
        ))
    }

    /// Who `token` speaks for, or why it is not good: a signature of this
    /// cluster, not expired, meant for one of `audiences` (none: the API
    /// server's, [`API_AUDIENCES`]), for a service account that still
    /// exists with the same uid.
    pub fn review(
        &self,
        store: &Store,
        token: &str,
        audiences: &[String],
    ) -> Result<ServiceAccountIdentity, String> {
        let claims = self.verified_claims(token)?;
        if let Some(exp) = claims.get("exp")
            && exp.as_u64().is_none_or(|exp| exp <= unix_now())
        {
            return Err("the token has expired".into());
        }
        let wanted: Vec<&str> = if audiences.is_empty() {
            API_AUDIENCES.to_vec()
        } else {
            audiences.iter().map(String::as_str).collect()
        };
        let meant: Vec<&str> = match &claims["aud"] {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !wanted.iter().any(|a| meant.contains(a)) {
            return Err(format!(
                "the token's audiences {meant:?} include none of {wanted:?}"
            ));
        }
        let k8s = &claims["kubernetes.io"];
        let namespace = k8s["namespace"].as_str().unwrap_or_default();
        let name = k8s["serviceaccount"]["name"].as_str().unwrap_or_default();
        let uid = k8s["serviceaccount"]["uid"].as_str().unwrap_or_default();
        let live = store
            .get("serviceaccounts", namespace, name)
            .ok_or_else(|| format!("service account {namespace}/{name} has been deleted"))?;
        if live["metadata"]["uid"].as_str() != Some(uid) {
            return Err(format!(
                "service account {namespace}/{name} has been recreated since the token was issued"
            ));
        }
        for kind in [BoundKind::Pod, BoundKind::Secret] {
            let bound = &k8s[kind.claim()];
            let Some(object) = bound["name"].as_str() else {
                continue;
            };
            let still = store
                .get(kind.resource(), namespace, object)
                .is_some_and(|o| o["metadata"]["uid"] == bound["uid"]);
            if !still {
                return Err(format!(
                    "the token is bound to {} {namespace}/{object}, which no longer exists",
                    kind.claim()
                ));
            }
        }
        Ok(ServiceAccountIdentity {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            uid: uid.to_owned(),
        })
    }

    fn verified_claims(&self, token: &str) -> Result<Value, String> {
        let malformed = || "the token is not a JWT this cluster issued".to_owned();
        let mut parts = token.split('.');
        let (Some(header), Some(claims), Some(sig), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed());
        };
        let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| malformed())?;
        let public = signature::UnparsedPublicKey::new(
            &signature::ECDSA_P256_SHA256_FIXED,
            self.key.public_key().as_ref(),
        );
        public
            .verify(format!("{header}.{claims}").as_bytes(), &sig)
            .map_err(|_| "the token's signature is not this cluster's".to_owned())?;
        let claims = URL_SAFE_NO_PAD.decode(claims).map_err(|_| malformed())?;
        serde_json::from_slice(&claims).map_err(|_| malformed())
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with_account(uid: &str) -> Store {
        let store = Store::memory();
        store.put(
            "serviceaccounts",
            "istio-system",
            "istiod-asm-1",
            json!({"apiVersion": "v1", "kind": "ServiceAccount",
                   "metadata": {"name": "istiod-asm-1", "namespace": "istio-system", "uid": uid}}),
        );
        store.put(
            "pods",
            "istio-system",
            "istiod-asm-1-x",
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "istiod-asm-1-x", "namespace": "istio-system", "uid": "p1"}}),
        );
        store
    }

    #[test]
    fn a_token_is_good_for_its_account_until_the_account_is_recreated() {
        let signer = TokenSigner::new();
        let store = store_with_account("uid-1");
        let token = signer
            .issue(
                &store,
                "istio-system",
                "istiod-asm-1",
                Some(("istiod-asm-1-x", "p1")),
            )
            .expect("the account exists");
        let who = signer.review(&store, &token, &[]).expect("good");
        assert_eq!(
            who.username(),
            "system:serviceaccount:istio-system:istiod-asm-1"
        );
        assert_eq!(who.uid, "uid-1");
        assert!(signer.review(&store, &token, &[ISSUER.into()]).is_ok());
        let other_audience = signer.review(&store, &token, &["vault".into()]);
        assert!(
            other_audience
                .expect_err("not meant for vault")
                .contains("audiences")
        );

        let recreated = store_with_account("uid-2");
        let why = signer
            .review(&recreated, &token, &[])
            .expect_err("recreated");
        assert!(why.contains("recreated"), "{why}");
    }

    #[test]
    fn a_requested_token_carries_its_audiences_and_ends_with_its_bound_pod() {
        let signer = TokenSigner::new();
        let store = store_with_account("uid-1");
        let request = TokenRequest {
            audiences: vec!["vault".into()],
            lifetime_seconds: Some(600),
            bound: Some(BoundObject {
                kind: BoundKind::Pod,
                name: "istiod-asm-1-x".into(),
                uid: "p1".into(),
            }),
        };
        let token = signer
            .issue_requested(&store, "istio-system", "istiod-asm-1", &request)
            .expect("issued");
        assert!(signer.review(&store, &token, &["vault".into()]).is_ok());
        assert!(signer.review(&store, &token, &[ISSUER.into()]).is_err());
        let why = signer
            .review(&store, &token, &[])
            .expect_err("not for the API server");
        assert!(why.contains("audiences"), "{why}");
        store.remove("pods", "istio-system", "istiod-asm-1-x");
        let why = signer
            .review(&store, &token, &["vault".into()])
            .expect_err("pod gone");
        assert_eq!(
            why,
            "the token is bound to pod istio-system/istiod-asm-1-x, which no longer exists"
        );
    }

    #[test]
    fn another_clusters_token_or_a_tampered_one_is_refused() {
        let store = store_with_account("uid-1");
        let ours = TokenSigner::new();
        let theirs = TokenSigner::new();
        let token = theirs
            .issue(&store, "istio-system", "istiod-asm-1", None)
            .expect("issued");
        assert!(ours.review(&store, &token, &[]).is_err());
        let mut parts: Vec<String> = ours
            .issue(&store, "istio-system", "istiod-asm-1", None)
            .expect("issued")
            .split('.')
            .map(str::to_owned)
            .collect();
        parts[1] = URL_SAFE_NO_PAD.encode(
            json!({"exp": u64::MAX, "kubernetes.io": {"namespace": "kube-system",
                   "serviceaccount": {"name": "admin", "uid": "x"}}})
            .to_string(),
        );
        let why = ours
            .review(&store, &parts.join("."), &[])
            .expect_err("tampered");
        assert!(why.contains("signature"), "{why}");
        assert!(ours.issue(&store, "istio-system", "nobody", None).is_err());
    }
}
