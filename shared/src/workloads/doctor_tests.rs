use super::*;
use crate::fleet::Project;

const IMAGE: &str = "gcr.io/project-a/quickstart-instance:v1.0.0";

fn member(project: &str, number: &str, platform: Platform) -> Member {
    Member {
        project: Some(Project {
            id: project.into(),
            number: number.into(),
        }),
        ..Member::new("gke-asia-2".parse().unwrap(), "asia-northeast1-a", platform)
    }
}

fn pod(image: &str, waiting: &str, secrets: &[&str]) -> PodFacts {
    PodFacts {
        name: "quickstart-instance-7d9f-abcde".into(),
        containers: vec![
            ContainerFacts {
                name: "quickstart-instance".into(),
                image: image.into(),
                waiting: Some(waiting.into()),
            },
            ContainerFacts {
                name: "ok".into(),
                image: "docker.io/library/busybox:1".into(),
                waiting: None,
            },
        ],
        pull_secrets: secrets.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn failed(image: &str, cause: &str) -> Vec<EventFacts> {
    vec![
        EventFacts {
            reason: "Pulling".into(),
            message: format!("Pulling image \"{image}\""),
        },
        EventFacts {
            reason: "Failed".into(),
            message: format!("Failed to pull image \"{image}\": rpc error: {cause}"),
        },
    ]
}

fn run(
    pod: &PodFacts,
    events: &[EventFacts],
    member: &Member,
    secrets: &[SecretFacts],
) -> Vec<Diagnosis> {
    diagnose(
        pod,
        events,
        &Context {
            member,
            secrets,
            json_key_secret: "gcr-json-key",
        },
    )
}

#[test]
fn a_cross_project_pull_names_the_grant() {
    let b = member("project-b", "739104825531", Platform::Gke);
    let found = run(
        &pod(IMAGE, "ImagePullBackOff", &[]),
        &failed(
            IMAGE,
            "pulling from host gcr.io failed with status code [manifests v1.0.0]: 403 Forbidden",
        ),
        &b,
        &[],
    );
    assert_eq!(found.len(), 1, "only the stuck container: {found:?}");
    let d = &found[0];
    assert_eq!(
        d.cause,
        Cause::CrossProject {
            owner: "project-a".into(),
            reader: "project-b".into(),
            service_account: "739104825531-compute@developer.gserviceaccount.com".into()
        }
    );
    assert_eq!(
        d.command.as_deref(),
        Some(
            "gsutil iam ch serviceAccount:739104825531-compute@developer.gserviceaccount.com:objectViewer gs://artifacts.project-a.appspot.com"
        )
    );
    assert!(
        d.explanation.contains("project project-b"),
        "{}",
        d.explanation
    );
    assert!(d.evidence.as_deref().unwrap().contains("403 Forbidden"));
    assert_eq!(
        d.fix,
        Some(OfferedFix {
            secret_name: "gcr-json-key".into(),
            registry: "gcr.io".into(),
            credential: CredentialKind::JsonKey
        })
    );
}

#[test]
fn artifact_registry_gets_the_gcloud_grant() {
    let image = "asia-docker.pkg.dev/project-a/migrated/app:1";
    let b = member("project-b", "739104825531", Platform::Gke);
    let d = &run(
        &pod(image, "ErrImagePull", &[]),
        &failed(image, "403 Forbidden"),
        &b,
        &[],
    )[0];
    assert!(d.command.as_deref().unwrap().starts_with("gcloud artifacts repositories add-iam-policy-binding migrated --project=project-a --location=asia"));
}

#[test]
fn missing_and_non_matching_pull_secrets() {
    let image = "registry.example.com/team/app:1";
    let a = member("project-a", "482915370162", Platform::Gke);
    let events = failed(
        image,
        "pull access denied, repository does not exist or may require authorization",
    );
    let none = &run(&pod(image, "ErrImagePull", &[]), &events, &a, &[])[0];
    assert_eq!(none.cause, Cause::MissingPullSecret { named: None });
    let fix = none.fix.clone().unwrap();
    assert_eq!(fix.credential, CredentialKind::BasicAuth);
    assert_eq!(fix.secret_name, "registry-example-com-pull");
    let named = &run(
        &pod(image, "ErrImagePull", &["team-pull"]),
        &events,
        &a,
        &[],
    )[0];
    assert_eq!(
        named.cause,
        Cause::MissingPullSecret {
            named: Some("team-pull".into())
        }
    );
    assert_eq!(named.fix.as_ref().unwrap().secret_name, "team-pull");
    let other = [SecretFacts {
        name: "gcr-json-key".into(),
        servers: vec!["gcr.io".into()],
    }];
    let wrong = &run(
        &pod(image, "ImagePullBackOff", &["gcr-json-key"]),
        &events,
        &a,
        &other,
    )[0];
    assert!(
        matches!(&wrong.cause, Cause::NonMatchingSecret { secrets } if secrets[0].name == "gcr-json-key")
    );
    assert!(wrong.explanation.contains("not registry.example.com"));
    let matching = [SecretFacts {
        name: "team-pull".into(),
        servers: vec!["registry.example.com".into()],
    }];
    let rejected = &run(
        &pod(image, "ErrImagePull", &["team-pull"]),
        &events,
        &a,
        &matching,
    )[0];
    assert_eq!(
        rejected.cause,
        Cause::RejectedCredentials {
            secret: "team-pull".into()
        }
    );
}

#[test]
fn other_causes() {
    let a = member("project-a", "482915370162", Platform::Gke);
    let missing = &run(
        &pod(IMAGE, "ErrImagePull", &[]),
        &failed(IMAGE, "manifest unknown: not found"),
        &a,
        &[],
    )[0];
    assert_eq!(missing.cause, Cause::ImageNotFound);
    assert_eq!(missing.fix, None);
    let ecr = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1";
    let aws = member("project-a", "482915370162", Platform::AttachedAws);
    let profile = &run(
        &pod(ecr, "ErrImagePull", &[]),
        &failed(ecr, "403"),
        &aws,
        &[],
    )[0];
    assert_eq!(profile.cause, Cause::NodeInstanceProfile);
    assert!(
        profile
            .explanation
            .contains("AmazonEC2ContainerRegistryReadOnly")
    );
    let onprem = member("project-a", "482915370162", Platform::BareMetal);
    let key = &run(
        &pod(IMAGE, "ErrImagePull", &[]),
        &failed(IMAGE, "403"),
        &onprem,
        &[],
    )[0];
    assert_eq!(key.cause, Cause::MissingPullSecret { named: None });
    assert_eq!(
        key.fix.as_ref().unwrap().credential,
        CredentialKind::JsonKey
    );
    let running = pod(IMAGE, "ContainerCreating", &[]);
    assert!(run(&running, &[], &a, &[]).is_empty());
}
