//! A security officer imports a mesh root whose key the HSM's own tooling
//! generated in the token (seed 004's `k8s-kms-plugin import-ca`): the
//! console adds only the certificate, signs with the key where it lies,
//! and refuses certificates that are no root, keys it cannot find or that
//! may exist outside the token, a second root and an operator. A refused
//! import records nothing; retiring an imported root leaves its key.

use axum::http::StatusCode;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use rcgen::{
    BasicConstraints, CertificateParams, IsCa, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
    PublicKeyData, SignatureAlgorithm, SigningKey,
};
use sha2::{Digest, Sha256};
use shared::csr::{MeshRoot, RootState};
use shared::mesh::MeshId;
use shared::{ClusterName, Role};

use crate::mesh::{console, post};
use crate::red_team_roots::own_token;
use crate::support::{api_error, body_json};

const TOKEN: &str = "meshdeck-root-import";
/// DER of the P-256 curve's OID.
const P256: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// The HSM's own tooling: a session on the token, as the HSM admin has.
fn tool_session() -> Session {
    use backend::security::ca::embedded;
    let config = embedded::token_from_env(embedded::LABEL).unwrap();
    let module = hsm::module(&config.module).unwrap();
    let slot = module
        .get_slots_with_token()
        .unwrap()
        .into_iter()
        .find(|s| module.get_token_info(*s).unwrap().label().trim() == TOKEN)
        .unwrap();
    let session = module.open_rw_session(slot).unwrap();
    let pin = format!("{TOKEN}-pin").into();
    // The console's session of this process logged in already.
    let _ = session.login(UserType::User, Some(&pin));
    session
}

/// A P-256 key pair the tool generated, labelled its own way.
struct ToolKey {
    session: Session,
    private: ObjectHandle,
    point: Vec<u8>,
}

impl ToolKey {
    fn generate(label: &str, extractable: bool) -> Self {
        let session = tool_session();
        let id = Sha256::digest(label.as_bytes())[..8].to_vec();
        let common = |private: bool| {
            vec![
                Attribute::Token(true),
                Attribute::Private(private),
                Attribute::KeyType(KeyType::EC),
                Attribute::Label(label.as_bytes().to_vec()),
                Attribute::Id(id.clone()),
            ]
        };
        let mut public = common(false);
        public.extend([Attribute::Verify(true), Attribute::EcParams(P256.to_vec())]);
        let mut private = common(true);
        private.extend([
            Attribute::Sign(true),
            Attribute::Sensitive(!extractable),
            Attribute::Extractable(extractable),
        ]);
        let (public, private) = session
            .generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private)
            .unwrap();
        let point = match &session
            .get_attributes(public, &[AttributeType::EcPoint])
            .unwrap()[..]
        {
            [Attribute::EcPoint(wrapped)] => wrapped[2..].to_vec(),
            other => panic!("{other:?}"),
        };
        Self {
            session,
            private,
            point,
        }
    }

    /// A self-signed root certificate made with the key, valid around `now`.
    fn root_pem(&self, name: &str, now: i64, ca: bool) -> String {
        let mut params = CertificateParams::default();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.is_ca = if ca {
            IsCa::Ca(BasicConstraints::Constrained(1))
        } else {
            IsCa::NoCa
        };
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let now = time::OffsetDateTime::from_unix_timestamp(now).unwrap();
        params.not_before = now - time::Duration::days(1);
        params.not_after = now + time::Duration::days(365);
        params.self_signed(self).unwrap().pem()
    }

    fn still_there(&self) -> bool {
        let found = self
            .session
            .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])
            .unwrap();
        found.contains(&self.private)
    }
}

impl PublicKeyData for ToolKey {
    fn der_bytes(&self) -> &[u8] {
        &self.point
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &PKCS_ECDSA_P256_SHA256
    }
}

impl SigningKey for ToolKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let raw = self
            .session
            .sign(&Mechanism::Ecdsa, self.private, &Sha256::digest(msg))
            .unwrap();
        let integer = |half: &[u8]| {
            let trimmed: Vec<u8> = half.iter().copied().skip_while(|b| *b == 0).collect();
            let mut out = vec![0x02];
            let pad = trimmed.first().is_some_and(|b| b & 0x80 != 0);
            out.push((trimmed.len() + usize::from(pad)) as u8);
            if pad {
                out.push(0);
            }
            out.extend(trimmed);
            out
        };
        let body = [integer(&raw[..32]), integer(&raw[32..])].concat();
        Ok([vec![0x30, body.len() as u8], body].concat())
    }
}

fn import(mesh: &MeshId, pem: &str) -> serde_json::Value {
    serde_json::json!({"mesh": mesh, "certificate_pem": pem})
}

#[tokio::test]
async fn an_officer_imports_a_root_whose_key_the_hsm_made_and_the_console_signs_with_it() {
    let mesh: MeshId = "proj-770001".parse().unwrap();
    let other: MeshId = "proj-770002".parse().unwrap();
    let ca = own_token(TOKEN, &[&mesh, &other]).await;
    let (console, operator) = console().await;
    let console = console.reconfigured(|s| s.with_ca(ca.clone()));
    let officer = console
        .signed_in("olivia", Role::SecurityOfficer, false)
        .await;
    // The token's CA keeps the system clock (see `own_token`).
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let route = shared::routes::CA_ROOT_IMPORT;
    let label = format!("kms-root-{}", rand::random::<u32>());
    let key = ToolKey::generate(&label, false);
    let pem = key.root_pem("HSM root", now, true);

    // Refusals record nothing.
    let response = post(&console, &operator, route, import(&mesh, &pem)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let outsider = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let outside = params.self_signed(&outsider).unwrap().pem();
    for (body, status, says) in [
        (
            import(&mesh, "not a certificate"),
            StatusCode::BAD_REQUEST,
            "certificate",
        ),
        (
            import(&mesh, &key.root_pem("leaf", now, false)),
            StatusCode::BAD_REQUEST,
            "not a CA",
        ),
        (
            import(&mesh, &key.root_pem("old", now - 400 * 86_400, true)),
            StatusCode::BAD_REQUEST,
            "not valid now",
        ),
        (
            import(&mesh, &outside),
            StatusCode::CONFLICT,
            "holds no key pair",
        ),
        (
            import(
                &mesh,
                &ToolKey::generate(&format!("{label}-x"), true).root_pem("loose", now, true),
            ),
            StatusCode::CONFLICT,
            "extractable",
        ),
    ] {
        let response = post(&console, &officer, route, body).await;
        let got = response.status();
        let message = api_error(response).await.message;
        assert_eq!(got, status, "{says}: {message}");
        assert!(message.contains(says), "{message}");
    }
    assert_eq!(ca.root(&mesh).await.unwrap(), None);
    assert!(console.state.store().mesh_roots().await.unwrap().is_empty());

    // Imported: listed as the officer's import, and intermediates chain to it.
    let response = post(&console, &officer, route, import(&mesh, &pem)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let root: MeshRoot = serde_json::from_value(body_json(response).await).unwrap();
    assert!(root.imported);
    assert_eq!(root.created_by.as_deref(), Some("olivia"));
    let der = pem::parse(&pem).unwrap().into_contents();
    assert_eq!(root.fingerprint, backend::security::ca::fingerprint(&der));
    let cluster: ClusterName = "gke-eu".parse().unwrap();
    let certs = ca
        .issue_intermediate(&mesh, &cluster, "project-a.svc.id.goog")
        .await
        .unwrap();
    assert_eq!(
        pem::parse(&certs.root_cert_pem).unwrap().into_contents(),
        der,
        "signed by the imported root (its chain verified on issue)"
    );
    let audit = console
        .audit(&officer, "action=ca.root.import&outcome=success")
        .await;
    assert_eq!(audit.entries.len(), 1);
    assert!(
        audit.entries[0]
            .params
            .contains(&format!("sha256={}", root.fingerprint))
    );

    // One root per mesh, one mesh per root key.
    let response = post(&console, &officer, route, import(&mesh, &pem)).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let response = post(&console, &officer, route, import(&other, &pem)).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(
        api_error(response)
            .await
            .message
            .contains("one root serves one mesh")
    );

    // Retired: the console's certificate goes, the tool's key stays.
    let retire = shared::routes::ca_root_retire(&root.fingerprint);
    let response = post(&console, &officer, &retire, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let retired: MeshRoot = serde_json::from_value(body_json(response).await).unwrap();
    assert_eq!(retired.state, RootState::Retired);
    assert_eq!(ca.root(&mesh).await.unwrap(), None);
    assert!(
        key.still_there(),
        "the imported key is not the console's to destroy"
    );
    // A retired root does not come back (nor the grants made under it).
    let response = post(&console, &officer, route, import(&mesh, &pem)).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(
        api_error(response)
            .await
            .message
            .contains("does not come back")
    );
    assert_eq!(ca.root(&mesh).await.unwrap(), None);
}
