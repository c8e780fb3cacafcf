//! The ingress gateway's LoadBalancer Service through kubectl: node ports,
//! an automatic external IP in the cloud, `<pending>` on-prem until
//! `spec.loadBalancerIP` is set.

use serde_json::Value;

use super::harness::{Kubectl, row};

const GATEWAY: &str = r#"
apiVersion: v1
kind: Service
metadata:
  name: istio-ingressgateway
  namespace: istio-system
  labels: {app: istio-ingressgateway, istio: ingressgateway}
spec:
  type: LoadBalancer
  selector: {app: istio-ingressgateway, istio: ingressgateway}
  ports:
    - {name: status-port, port: 15021, targetPort: 15021, protocol: TCP}
    - {name: http2, port: 80, targetPort: 8080, protocol: TCP}
    - {name: https, port: 443, targetPort: 8443, protocol: TCP}
"#;

fn node_ports(svc: &Value) -> Vec<i64> {
    svc["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["nodePort"].as_i64())
        .collect()
}

#[tokio::test]
async fn gateway_external_ip_is_automatic_in_the_cloud_and_pending_on_prem_until_set() {
    let k = Kubectl::world("gateway", &["gke-eu", "onprem-vmware-1"]).await;
    let svc = ["get", "svc", "istio-ingressgateway", "-n", "istio-system"];

    let eu = k.on("gke-eu");
    let ip = eu
        .until("a cloud external IP", &svc, |s| {
            s["status"]["loadBalancer"]["ingress"][0]["ip"]
                .as_str()
                .map(str::to_owned)
        })
        .await;
    let table = eu.ok(&svc).await;
    let cols = row(&table, "istio-ingressgateway");
    assert_eq!(cols[1], "LoadBalancer", "{table}");
    assert_eq!(cols[3], ip, "{table}");

    let onprem = k.on("onprem-vmware-1");
    onprem.ok(&["create", "namespace", "istio-system"]).await;
    onprem.create("gateway.yaml", GATEWAY).await;
    let created = onprem.json(&svc).await;
    let ports = node_ports(&created);
    assert_eq!(ports.len(), 3, "{created:#}");
    assert!(
        ports.iter().all(|p| (30000..=32767).contains(p)),
        "{ports:?}"
    );
    assert!(ports[0] != ports[1] && ports[1] != ports[2] && ports[0] != ports[2]);
    // Once the cluster's controllers have seen the Service (its Endpoints
    // exist), the address is still pending.
    onprem
        .until(
            "the gateway's Endpoints",
            &["get", "endpoints", "-n", "istio-system"],
            |l| {
                l["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|e| e["metadata"]["name"] == "istio-ingressgateway")
                    .then_some(())
            },
        )
        .await;
    let table = onprem.ok(&svc).await;
    let cols = row(&table, "istio-ingressgateway");
    assert_eq!(cols[3], "<pending>", "{table}");
    assert!(
        cols[4].contains(&format!("80:{}/TCP", ports[1])),
        "PORT(S) shows node ports: {table}"
    );

    onprem
        .ok(&[
            "patch",
            "svc",
            "istio-ingressgateway",
            "-n",
            "istio-system",
            "-p",
            r#"{"spec":{"loadBalancerIP":"10.200.0.50"}}"#,
        ])
        .await;
    onprem
        .until("the set IP", &svc, |s| {
            (s["status"]["loadBalancer"]["ingress"][0]["ip"] == "10.200.0.50").then_some(())
        })
        .await;
    let table = onprem.ok(&svc).await;
    assert_eq!(
        row(&table, "istio-ingressgateway")[3],
        "10.200.0.50",
        "{table}"
    );
    assert_eq!(
        node_ports(&onprem.json(&svc).await),
        ports,
        "node ports are kept"
    );
}
