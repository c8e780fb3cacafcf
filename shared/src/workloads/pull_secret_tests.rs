use super::*;

pub const KEY: &str = r#"{
  "type": "service_account",
  "project_id": "project-a",
  "private_key_id": "0123",
  "private_key": "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
  "client_email": "m4a-install@project-a.iam.gserviceaccount.com"
}"#;

fn decoded(secret: &Value) -> Value {
    let data = secret["data"][".dockerconfigjson"].as_str().unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn json_keys_are_validated() {
    let key = GcrKey::parse(KEY).unwrap();
    assert_eq!(
        key.client_email,
        "m4a-install@project-a.iam.gserviceaccount.com"
    );
    assert!(!format!("{key:?}").contains("PRIVATE"));
    assert!(matches!(
        GcrKey::parse("{not json"),
        Err(CredentialError::NotJson(_))
    ));
    assert_eq!(
        GcrKey::parse(&KEY.replace("service_account", "authorized_user")),
        Err(CredentialError::NotServiceAccount("authorized_user".into()))
    );
    assert_eq!(
        GcrKey::parse(&KEY.replace("client_email", "email")),
        Err(CredentialError::Missing("client_email"))
    );
    assert_eq!(
        GcrKey::parse(&KEY.replace("private_key\"", "key\"")),
        Err(CredentialError::Missing("private_key"))
    );
    assert!(matches!(
        GcrKey::parse(&KEY.replace("iam.gserviceaccount.com", "example.com")),
        Err(CredentialError::BadEmail(_))
    ));
    assert!(matches!(
        GcrKey::parse(&KEY.replace(
            "-----BEGIN PRIVATE KEY-----\\nMIIB\\n-----END PRIVATE KEY-----\\n",
            "MIIB"
        )),
        Err(CredentialError::Invalid(_))
    ));
    assert_eq!(
        GcrKey::parse(&" ".repeat(MAX_CREDENTIAL_BYTES + 1)),
        Err(CredentialError::TooLarge)
    );
}

#[test]
fn a_json_key_secret_is_what_kubectl_creates() {
    let credential = Credential::json_key(GcrKey::parse(KEY).unwrap(), &["eu.gcr.io".into()]);
    let secret = credential.secret(GCR_SECRET_NAME, "apps");
    assert_eq!(secret["type"], "kubernetes.io/dockerconfigjson");
    assert_eq!(secret["metadata"]["name"], "gcr-json-key");
    assert_eq!(secret["metadata"]["namespace"], "apps");
    let config = decoded(&secret);
    let entry = &config["auths"]["gcr.io"];
    assert_eq!(entry["username"], "_json_key");
    assert_eq!(entry["password"], KEY.trim());
    assert_eq!(
        entry["email"],
        "m4a-install@project-a.iam.gserviceaccount.com"
    );
    let auth = base64::engine::general_purpose::STANDARD
        .decode(entry["auth"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        String::from_utf8(auth).unwrap(),
        format!("_json_key:{}", KEY.trim())
    );
    assert!(config["auths"]["eu.gcr.io"].is_object());
    assert_eq!(secret_servers(&secret), ["eu.gcr.io", "gcr.io"]);
}

#[test]
fn basic_auth_is_one_registry() {
    let credential = Credential::basic("registry.example.com", "deploy", "s3cret").unwrap();
    let secret = credential.secret("registry-example-com-pull", "apps");
    let config = decoded(&secret);
    assert_eq!(
        config["auths"]["registry.example.com"]["auth"],
        "ZGVwbG95OnMzY3JldA=="
    );
    assert_eq!(secret_servers(&secret), ["registry.example.com"]);
    assert!(Credential::basic("registry.example.com", "", "x").is_err());
    assert!(Credential::basic("registry.example.com", "a:b", "x").is_err());
    assert!(Credential::basic("https://r/x", "a", "x").is_err());
}

#[test]
fn servers_of_other_secrets() {
    let legacy = serde_json::json!({"type": "Opaque", "data": {}});
    assert!(secret_servers(&legacy).is_empty());
    let docker = Credential::basic("index.docker.io", "u", "p")
        .unwrap()
        .secret("d", "n");
    assert_eq!(secret_servers(&docker), ["docker.io"]);
}
