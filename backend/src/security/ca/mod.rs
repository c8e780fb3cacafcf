//! The mesh CA for Istio CA mode with plug-in certificates (SPEC §2.2): one
//! root per mesh whose key lives in a PKCS#11 token and never leaves it, and
//! per cluster an intermediate CA signed through the token, delivered as the
//! four PEMs of secret `cacerts` after its chain verified with
//! rustls-webpki. The console keeps no intermediate key.

mod config;
pub mod decode;
mod ecdsa;
pub mod embedded;
mod error;
mod issue;
pub mod pem_text;
mod profile;
mod root;
mod rotation;
mod sign;
mod token;
mod token_keys;
mod turns;
mod verify;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use shared::ClusterName;
use shared::mesh::MeshId;
use shared::mesh::plan::CACERTS_KEYS;
use time::OffsetDateTime;

pub use config::{SOFTHSM2_MODULE, TokenConfig};
pub use error::CaError;
pub use sign::{IssuedCertificate, fingerprint};
pub use verify::verify_cacerts_at;

use token::Token;

use crate::clock::Clock;

/// The console's certificate authority: a logged-in session on the token
/// holding the mesh roots, and the console's clock for every validity
/// window it writes or checks. Cheap to clone; usable from any thread.
#[derive(Clone)]
pub struct CertificateAuthority {
    token: Arc<Token>,
    config: Arc<TokenConfig>,
    clock: Clock,
    /// How long one call to the token may take before it fails.
    timeout: Duration,
    /// One caller's turn at the session at a time, taken before a thread.
    turns: Arc<tokio::sync::Semaphore>,
}

/// How long one call to the token may take unless configured
/// (`--call-timeout`): a token that hangs fails its caller instead of
/// holding it.
pub const TOKEN_TIMEOUT: Duration = Duration::from_secs(10);

impl fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("module", &self.config.module)
            .field("token_label", &self.config.token_label)
            .finish_non_exhaustive()
    }
}

/// A mesh's root certificate as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootCertificate {
    pub pem: String,
    /// SHA-256 of the DER, `AA:BB:…`.
    pub sha256_fingerprint: String,
    /// The subject, e.g. `O=proj-1, CN=meshdeck root CA proj-1`.
    pub subject: String,
    /// Start of validity, Unix seconds.
    pub not_before: i64,
    /// Expiry, Unix seconds.
    pub not_after: i64,
}

/// The contents of secret `cacerts` for one cluster: exactly
/// [`CACERTS_KEYS`]. Its `Debug` leaves the key out.
#[derive(Clone, PartialEq, Eq)]
pub struct CaCerts {
    /// `ca-cert.pem`: the cluster's intermediate CA certificate.
    pub ca_cert_pem: String,
    /// `ca-key.pem`: the intermediate's private key (PKCS#8).
    pub ca_key_pem: String,
    /// `root-cert.pem`: the mesh root.
    pub root_cert_pem: String,
    /// `cert-chain.pem`: intermediate then root.
    pub cert_chain_pem: String,
}

impl CaCerts {
    /// Secret data: key name to PEM, the four [`CACERTS_KEYS`].
    pub fn secret_data(&self) -> BTreeMap<String, String> {
        let [ca_cert, ca_key, root_cert, cert_chain] = CACERTS_KEYS;
        BTreeMap::from([
            (ca_cert.to_owned(), self.ca_cert_pem.clone()),
            (ca_key.to_owned(), self.ca_key_pem.clone()),
            (root_cert.to_owned(), self.root_cert_pem.clone()),
            (cert_chain.to_owned(), self.cert_chain_pem.clone()),
        ])
    }

    /// What the intermediate certificate (`ca-cert.pem`) says of itself.
    pub fn describe(&self) -> Result<IntermediateFacts, CaError> {
        use x509_parser::prelude::{FromDer, X509Certificate};
        let der = pem::parse(&self.ca_cert_pem)
            .map_err(|e| CaError::InvalidBundle(format!("ca-cert.pem: {e}")))?
            .into_contents();
        let (_, cert) = X509Certificate::from_der(&der)
            .map_err(|e| CaError::InvalidBundle(format!("ca-cert.pem does not parse: {e}")))?;
        let common_name = cert
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .unwrap_or_default()
            .to_owned();
        Ok(IntermediateFacts {
            serial: hex::encode(cert.raw_serial()),
            sha256_fingerprint: fingerprint(&der),
            common_name,
            not_after: cert.validity().not_after.timestamp(),
        })
    }
}

/// An intermediate certificate's serial (hex), SHA-256 fingerprint,
/// subject common name and end of validity (Unix seconds): what its
/// issue is audited with and what decides whether a live one is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntermediateFacts {
    pub serial: String,
    pub sha256_fingerprint: String,
    pub common_name: String,
    pub not_after: i64,
}

impl fmt::Debug for CaCerts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaCerts")
            .field("ca_cert_pem", &self.ca_cert_pem)
            .field("ca_key_pem", &"<redacted>")
            .field("root_cert_pem", &self.root_cert_pem)
            .field("cert_chain_pem", &self.cert_chain_pem)
            .finish()
    }
}

impl CertificateAuthority {
    /// Loads the module, finds the token by label and logs in with the PIN
    /// from the PIN file; certificates are issued and checked at `clock`'s
    /// time. Blocking (module load, login): call at startup or from a
    /// blocking thread.
    pub fn open(config: &TokenConfig, clock: Clock) -> Result<Self, CaError> {
        Ok(Self {
            token: Arc::new(Token::open(config)?),
            config: Arc::new(config.clone()),
            clock,
            timeout: TOKEN_TIMEOUT,
            turns: Arc::new(tokio::sync::Semaphore::new(1)),
        })
    }

    /// The same token with each call bounded by `timeout`.
    pub fn with_call_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long one call to the token may take.
    pub fn call_timeout(&self) -> Duration {
        self.timeout
    }

    /// The time on the console's clock.
    fn now(&self) -> Result<OffsetDateTime, CaError> {
        let now = self.clock.now();
        OffsetDateTime::from_unix_timestamp(now).map_err(|_| CaError::Clock(now))
    }

    /// Where the token is.
    pub fn token(&self) -> &TokenConfig {
        &self.config
    }

    /// The mesh's root certificate, if a security officer created it.
    /// Only reads the token: nothing is created here.
    pub async fn root(&self, mesh: &MeshId) -> Result<Option<RootCertificate>, CaError> {
        let token = self.token.clone();
        let mesh = mesh.clone();
        self.blocking(move || {
            token.with_session(|session| {
                root::load(session, &mesh)?
                    .map(|(der, _)| root::describe(&der))
                    .transpose()
            })
        })
        .await
    }

    /// Every mesh root the token holds, by mesh id.
    pub async fn roots(&self) -> Result<Vec<(MeshId, RootCertificate)>, CaError> {
        self.described(root::list).await
    }

    /// The roots `list` finds in the token, described.
    async fn described(&self, list: ListRoots) -> Result<Vec<(MeshId, RootCertificate)>, CaError> {
        let token = self.token.clone();
        self.blocking(move || {
            token.with_session(|session| {
                list(session)?
                    .into_iter()
                    .map(|(mesh, der)| Ok((mesh, root::describe(&der)?)))
                    .collect()
            })
        })
        .await
    }

    /// Creates the mesh's root: an EC P-256 key pair generated in the
    /// token (sensitive, not extractable) and a self-signed certificate
    /// (10 years) signed through the token and stored in it. The security
    /// officer's act alone (issue 21); refused when the mesh has a root.
    pub async fn create_root(&self, mesh: &MeshId) -> Result<RootCertificate, CaError> {
        let token = self.token.clone();
        let mesh = mesh.clone();
        let (now, serial) = (self.now()?, random_serial());
        // Not abandoned at the call timeout: a key made after the caller
        // gave up would be a root nobody recorded or audited.
        self.to_the_end(move || {
            token.with_session(|session| {
                let (der, _) = root::create(session, &mesh, now, serial)?;
                root::describe(&der)
            })
        })
        .await
    }

    /// Imports `der` as the mesh's root: a self-signed P-256 CA
    /// certificate whose key the HSM's own tooling generated in the token
    /// (seed 004's `import-ca`). The security officer's act; refused when
    /// the mesh has a root, the certificate is not a root, or the token
    /// holds no protected key for it.
    pub async fn import_root(
        &self,
        mesh: &MeshId,
        der: Vec<u8>,
    ) -> Result<RootCertificate, CaError> {
        let token = self.token.clone();
        let mesh = mesh.clone();
        let now = self.now()?;
        // Not abandoned at the call timeout, as creating is not.
        self.to_the_end(move || {
            token.with_session(|session| {
                root::import(session, &mesh, &der, now)?;
                root::describe(&der)
            })
        })
        .await
    }

    /// Destroys the mesh's root in the token (its certificate, and the key
    /// pair unless it was imported): nothing can be signed with it
    /// afterwards.
    pub async fn destroy_root(&self, mesh: &MeshId) -> Result<(), CaError> {
        let token = self.token.clone();
        let mesh = mesh.clone();
        // Not abandoned either: its outcome is what the officer is told.
        self.to_the_end(move || token.with_session(|session| root::destroy(session, &mesh)))
            .await
    }

    /// A new intermediate CA for `cluster` in `mesh` (P-256 key made here,
    /// one year, `pathlen:0`), signed by the mesh root through the token
    /// (which must exist: [`CaError::NoRoot`] otherwise), checked with
    /// [`verify_cacerts_at`] for `trust_domain`. The console does not keep
    /// it.
    pub async fn issue_intermediate(
        &self,
        mesh: &MeshId,
        cluster: &ClusterName,
        trust_domain: &str,
    ) -> Result<CaCerts, CaError> {
        self.issue_intermediate_for(
            mesh,
            cluster,
            trust_domain,
            issue::INTERMEDIATE_VALIDITY,
            None,
        )
        .await
    }

    /// [`Self::issue_intermediate`] valid for `validity` (an issuance
    /// grant's), never beyond the root, and only from the root with
    /// fingerprint `from_root` when given (the root the grant allows):
    /// [`CaError::RootChanged`] when the mesh's root is another by now.
    pub async fn issue_intermediate_for(
        &self,
        mesh: &MeshId,
        cluster: &ClusterName,
        trust_domain: &str,
        validity: time::Duration,
        from_root: Option<&str>,
    ) -> Result<CaCerts, CaError> {
        let from_root = from_root.map(str::to_owned);
        let token = self.token.clone();
        let (mesh, cluster, trust_domain) =
            (mesh.clone(), cluster.clone(), trust_domain.to_owned());
        let now = self.now()?;
        let serial = random_serial();
        self.blocking(move || {
            let certs = token.with_session(|session| {
                let (root_der, root_key) = root::require(session, &mesh)?;
                if let Some(expected) = from_root
                    && fingerprint(&root_der) != expected
                {
                    return Err(CaError::RootChanged {
                        mesh: mesh.clone(),
                        fingerprint: expected,
                    });
                }
                let mut certs = issue::intermediate(
                    &root_der, &root_key, &mesh, &cluster, now, serial, validity,
                )?;
                // During a rotation workloads trust the previous root too.
                let previous = root::previous(session, &mesh)?;
                certs.root_cert_pem = rotation::bundle(&root_der, previous.as_deref());
                Ok(certs)
            })?;
            verify_cacerts_at(&certs, &trust_domain, now)?;
            Ok(certs)
        })
        .await
    }
}

/// How roots of one kind (signing, previous) are listed from the token:
/// each mesh id with its certificate's DER.
type ListRoots = fn(&token::TokenSession<'_>) -> Result<Vec<(MeshId, Vec<u8>)>, CaError>;

/// A positive, unpredictable certificate serial number.
fn random_serial() -> [u8; 16] {
    let mut serial: [u8; 16] = rand::random();
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    serial
}
