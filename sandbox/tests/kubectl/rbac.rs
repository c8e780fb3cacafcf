//! RBAC for service account tokens through kubectl: a ClusterRole bound
//! by a ClusterRoleBinding grants its verbs on its resources everywhere, a
//! RoleBinding only in its namespace; a server-side apply that creates
//! needs `create` besides `patch`; everything else is the API server's
//! 403, worded as kube-apiserver words it; `kubectl auth can-i` answers
//! from the same rules.

use super::harness::Kubectl;

const NS: &str = "team";

const ROLES: &str = r#"
apiVersion: v1
kind: ServiceAccount
metadata: {name: bot, namespace: team}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pod-reader}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: bot-reads-pods}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
subjects: [{kind: ServiceAccount, name: bot, namespace: team}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: config-editor, namespace: team}
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, create, patch]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: bot-edits-config, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: config-editor}
subjects: [{kind: ServiceAccount, name: bot, namespace: team}]
"#;

#[tokio::test]
async fn a_bound_role_grants_its_rules_and_nothing_else() {
    let k = Kubectl::start("rbac").await;
    k.namespace(NS).await;
    k.pod(NS, "web", "{app: web}").await;
    k.create("roles.yaml", ROLES).await;
    let token = k.ok(&["create", "token", "bot", "-n", NS]).await;
    let bot = ["--token", token.trim()];
    fn as_bot<'a>(bot: &[&'a str], args: &[&'a str]) -> Vec<&'a str> {
        [bot, args].concat()
    }

    // Allowed: the ClusterRole everywhere, the Role in its namespace.
    let pods = k
        .ok(&as_bot(&bot, &["get", "pods", "-A", "-o", "name"]))
        .await;
    assert!(pods.contains("pod/web"), "{pods}");
    k.ok(&as_bot(&bot, &["get", "pod", "web", "-n", NS])).await;
    k.ok(&as_bot(
        &bot,
        &[
            "create",
            "configmap",
            "settings",
            "-n",
            NS,
            "--from-literal=a=b",
        ],
    ))
    .await;
    k.ok(&as_bot(
        &bot,
        &["label", "configmap", "settings", "-n", NS, "tier=web"],
    ))
    .await;

    // Refused, with the apiserver's words.
    let watch = k.fails(&as_bot(&bot, &["get", "secrets", "-A"])).await;
    assert!(
        watch.contains(
            r#"secrets is forbidden: User "system:serviceaccount:team:bot" cannot list resource "secrets" in API group "" at the cluster scope"#
        ),
        "{watch}"
    );
    let log = k.fails(&as_bot(&bot, &["logs", "web", "-n", NS])).await;
    assert!(
        log.contains(r#"cannot get resource "pods/log" in API group "" in the namespace "team""#),
        "a subresource needs its own rule: {log}"
    );
    let delete = k
        .fails(&as_bot(&bot, &["delete", "pod", "web", "-n", NS]))
        .await;
    assert!(
        delete.contains(r#"pods "web" is forbidden"#) && delete.contains("cannot delete resource"),
        "{delete}"
    );
    let elsewhere = k
        .fails(&as_bot(
            &bot,
            &["create", "configmap", "x", "-n", "default"],
        ))
        .await;
    assert!(
        elsewhere.contains(
            r#"cannot create resource "configmaps" in API group "" in the namespace "default""#
        ),
        "a RoleBinding grants in its namespace only: {elsewhere}"
    );
    let deployments = k
        .fails(&as_bot(&bot, &["get", "deployments", "-n", NS]))
        .await;
    assert!(
        deployments.contains(r#"deployments.apps is forbidden"#)
            && deployments.contains(r#"in API group "apps""#),
        "{deployments}"
    );

    // A server-side apply that would create needs create, not only patch.
    let secret = k.manifest(
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: token, namespace: team}\nstringData: {a: b}\n",
    );
    let apply = ["apply", "--server-side", "-f", secret.as_str()];
    let create = k.fails(&as_bot(&bot, &apply)).await;
    assert!(
        create.contains(r#"secrets "token" is forbidden"#)
            && create.contains(r#"cannot create resource "secrets""#),
        "{create}"
    );
    k.ok(&apply).await;
    k.ok(&as_bot(&bot, &apply)).await;

    // kubectl auth can-i asks the same rules.
    fn can<'a>(bot: &[&'a str], args: &[&'a str]) -> Vec<&'a str> {
        [bot, &["auth", "can-i"], args].concat()
    }
    assert_eq!(
        k.ok(&can(&bot, &["list", "pods", "-A"])).await.trim(),
        "yes"
    );
    assert_eq!(
        k.ok(&can(&bot, &["patch", "configmaps", "-n", NS]))
            .await
            .trim(),
        "yes"
    );
    // "no" is exit status 1.
    k.fails(&can(&bot, &["patch", "configmaps", "-n", "default"]))
        .await;
    k.fails(&can(
        &bot,
        &["get", "pods", "--subresource", "log", "-n", NS],
    ))
    .await;

    // Unbinding ends it.
    k.ok(&["delete", "clusterrolebinding", "bot-reads-pods"])
        .await;
    let gone = k.fails(&as_bot(&bot, &["get", "pods", "-n", NS])).await;
    assert!(
        gone.contains("Forbidden") || gone.contains("forbidden"),
        "{gone}"
    );
}
