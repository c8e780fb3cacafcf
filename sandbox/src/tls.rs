//! The sandbox's certificate authority and HTTPS listener. The CA is made on
//! first start and kept in the state directory, so kubeconfigs written
//! earlier stay valid; the serving certificate covers `127.0.0.1` and
//! `localhost` and is re-issued at each start.

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::faults::{Faults, Guarded};

const CA_CERT_FILE: &str = "sandbox-ca.crt";
const CA_KEY_FILE: &str = "sandbox-ca.key";

/// The CA clients trust (PEM) and the server configuration it signed.
pub struct Tls {
    pub ca_pem: String,
    pub acceptor: TlsAcceptor,
}

fn ca_params() -> Result<CertificateParams, rcgen::Error> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "meshdeck sandbox CA");
    dn.push(DnType::OrganizationName, "meshdeck");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2035, 1, 1);
    Ok(params)
}

fn tls_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("sandbox TLS: {e}"))
}

impl Tls {
    /// Loads the CA from `state_dir` (making it if missing) or, without a
    /// state directory, makes a throwaway one.
    pub fn load_or_create(state_dir: Option<&Path>) -> io::Result<Self> {
        let (ca_key, ca_pem) = match state_dir {
            Some(dir) if dir.join(CA_KEY_FILE).exists() && dir.join(CA_CERT_FILE).exists() => {
                let key = KeyPair::from_pem(&std::fs::read_to_string(dir.join(CA_KEY_FILE))?)
                    .map_err(tls_error)?;
                (key, std::fs::read_to_string(dir.join(CA_CERT_FILE))?)
            }
            _ => {
                let key = KeyPair::generate().map_err(tls_error)?;
                let cert = ca_params()
                    .and_then(|p| p.self_signed(&key))
                    .map_err(tls_error)?;
                let pem = cert.pem();
                if let Some(dir) = state_dir {
                    std::fs::create_dir_all(dir)?;
                    write_private(&dir.join(CA_KEY_FILE), &key.serialize_pem())?;
                    std::fs::write(dir.join(CA_CERT_FILE), &pem)?;
                }
                (key, pem)
            }
        };
        let issuer = Issuer::new(ca_params().map_err(tls_error)?, ca_key);
        let server_key = KeyPair::generate().map_err(tls_error)?;
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .map_err(tls_error)?;
        params
            .distinguished_name
            .push(DnType::CommonName, "meshdeck sandbox apiserver");
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = params.signed_by(&server_key, &issuer).map_err(tls_error)?;

        let ca_der = rustls::pki_types::pem::PemObject::from_pem_slice(ca_pem.as_bytes())
            .map_err(tls_error)?;
        let chain: Vec<CertificateDer<'static>> = vec![server_cert.der().clone(), ca_der];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(tls_error)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            ca_pem,
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }
}

/// Writes a file only its owner can read (keys, tokens).
pub(crate) fn write_private(path: &Path, text: &str) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

/// A TCP listener whose connections arrive already past the TLS handshake.
/// Handshakes run in their own tasks so a slow client never holds up others.
///
/// It obeys its cluster's [`Faults`]: while the cluster is unreachable the
/// port is closed (connections are refused) and every connection it handed
/// out is cut; afterwards it listens again on the same address.
pub struct TlsListener {
    local: SocketAddr,
    ready: mpsc::Receiver<(Guarded<TlsStream<TcpStream>>, SocketAddr)>,
    accepting: tokio::task::JoinHandle<()>,
}

impl Drop for TlsListener {
    /// Closes the port: the accept loop owns the socket.
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl TlsListener {
    pub fn new(tcp: TcpListener, acceptor: TlsAcceptor, faults: Arc<Faults>) -> io::Result<Self> {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let accepting = tokio::spawn(accept_loop(tcp, acceptor, faults, tx));
        Ok(Self {
            local,
            ready,
            accepting,
        })
    }
}

type Ready = mpsc::Sender<(Guarded<TlsStream<TcpStream>>, SocketAddr)>;

async fn accept_loop(tcp: TcpListener, acceptor: TlsAcceptor, faults: Arc<Faults>, tx: Ready) {
    let Ok(local) = tcp.local_addr() else {
        return;
    };
    let mut changes = faults.subscribe();
    let mut tcp = Some(tcp);
    faults.report_listening(true);
    loop {
        if tx.is_closed() {
            return;
        }
        let unreachable = changes.borrow_and_update().unreachable;
        if unreachable && tcp.is_some() {
            tcp = None;
            faults.report_listening(false);
        } else if !unreachable && tcp.is_none() {
            tcp = Some(relisten(local).await);
            faults.report_listening(true);
            continue;
        }
        let Some(listener) = &tcp else {
            if changes.changed().await.is_err() {
                return;
            }
            continue;
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "sandbox accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            changed = changes.changed() => {
                if changed.is_err() {
                    return;
                }
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let handshake_tx = tx.clone();
        let faults = faults.clone();
        tokio::spawn(async move {
            match acceptor.accept(stream).await {
                // Became unreachable during the handshake: gone as well.
                Ok(_) if faults.current().unreachable => {}
                Ok(tls) => {
                    let guarded = Guarded::new(tls, faults.lifeline());
                    let _ = handshake_tx.send((guarded, peer)).await;
                }
                Err(e) => tracing::debug!(error = %e, %peer, "TLS handshake failed"),
            }
        });
    }
}

/// Listens on `addr` again after an outage, retrying while the port is
/// still held (a kernel releasing it, or another process having taken it).
async fn relisten(addr: SocketAddr) -> TcpListener {
    let mut warned = false;
    loop {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        };
        let listening = socket.and_then(|s| {
            s.set_reuseaddr(true)?;
            s.bind(addr)?;
            s.listen(1024)
        });
        match listening {
            Ok(listener) => return listener,
            Err(e) => {
                if !warned {
                    tracing::warn!(%addr, error = %e, "the sandbox cluster cannot listen on its port again yet; retrying");
                    warned = true;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = Guarded<TlsStream<TcpStream>>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(accepted) => accepted,
            // The accept loop only ends once this listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}
