//! A Deployment's status as the controller reports it: replica counts
//! summed over its ReplicaSets and the `Available` / `Progressing`
//! conditions (including the progress deadline) that `kubectl rollout
//! status` reads.

use std::time::Duration;

use serde_json::{Value, json};

use super::rollout;
use super::util;

/// The status of `d` given its new and old ReplicaSets, and when to look
/// again (to notice a progress deadline passing). `created` names a
/// ReplicaSet created by this sync.
pub fn compute(
    d: &Value,
    new: Option<&Value>,
    old: &[Value],
    created: Option<&str>,
) -> (Value, Option<Duration>) {
    let all: Vec<&Value> = new.into_iter().chain(old).collect();
    let sum = |field: &str| -> i64 {
        all.iter()
            .map(|rs| rs["status"][field].as_i64().unwrap_or(0))
            .sum()
    };
    let replicas = util::int_at(d, "/spec/replicas");
    let spec_total: i64 = all
        .iter()
        .map(|rs| util::int_at(rs, "/spec/replicas"))
        .sum();
    let available = sum("availableReplicas");
    let mut status = json!({
        "observedGeneration": d["metadata"]["generation"],
        "replicas": sum("replicas"),
        "updatedReplicas": new.map_or(0, |rs| util::int_at(rs, "/status/replicas")),
        "readyReplicas": sum("readyReplicas"),
        "availableReplicas": available,
        "unavailableReplicas": (spec_total - available).max(0),
    });
    if let Some(count) = d["status"]["collisionCount"].as_i64() {
        status["collisionCount"] = json!(count);
    }
    let mut conditions: Vec<Value> = d["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();

    let (_, max_unavailable) = rollout::surge_and_unavailable(d);
    let condition = if available >= replicas - max_unavailable {
        json!({"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
               "message": "Deployment has minimum availability."})
    } else {
        json!({"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
               "message": "Deployment does not have minimum availability."})
    };
    util::set_condition(&mut conditions, condition, true);

    let rs_name = new.map_or("", util::name);
    let previous = progressing(d).cloned();
    let mut requeue = None;
    let counts = [
        "replicas",
        "updatedReplicas",
        "readyReplicas",
        "availableReplicas",
    ];
    let moved = counts
        .iter()
        .any(|f| d["status"][*f].as_i64().unwrap_or(0) != status[*f].as_i64().unwrap_or(0))
        || d["status"]["observedGeneration"] != status["observedGeneration"];
    let deadline = d["spec"]["progressDeadlineSeconds"].as_i64().unwrap_or(600);
    if d["spec"]["paused"] == true {
        util::set_condition(
            &mut conditions,
            json!({"type": "Progressing", "status": "Unknown", "reason": "DeploymentPaused",
                   "message": "Deployment is paused"}),
            true,
        );
    } else if complete(d, &status) {
        util::set_condition(
            &mut conditions,
            json!({"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                   "message": format!("ReplicaSet \"{rs_name}\" has successfully progressed.")}),
            true,
        );
    } else if let Some(created) = created {
        util::set_condition(
            &mut conditions,
            json!({"type": "Progressing", "status": "True", "reason": "NewReplicaSetCreated",
                   "message": format!("Created new replica set \"{created}\"")}),
            true,
        );
    } else if moved || previous.is_none() {
        set_progress(
            &mut conditions,
            json!({"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                   "message": format!("ReplicaSet \"{rs_name}\" is progressing.")}),
        );
    } else if let Some(prev) = previous.filter(|p| p["reason"] != "ProgressDeadlineExceeded") {
        let since = util::age_secs(prev["lastUpdateTime"].as_str().unwrap_or_default());
        let since = i64::try_from(since).unwrap_or(i64::MAX);
        if since > deadline {
            util::set_condition(
                &mut conditions,
                json!({"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                       "message": format!("ReplicaSet \"{rs_name}\" has timed out progressing.")}),
                true,
            );
        } else {
            let left = u64::try_from(deadline - since).unwrap_or(0) + 1;
            requeue = Some(Duration::from_secs(left));
        }
    }
    // Real clusters list Available before Progressing once both exist.
    conditions.sort_by_key(|c| c["type"] != "Available");
    status["conditions"] = json!(conditions);
    if let Some(m) = status.as_object_mut() {
        m.retain(|k, v| {
            !matches!(
                k.as_str(),
                "readyReplicas" | "availableReplicas" | "unavailableReplicas" | "updatedReplicas"
            ) || v.as_i64() != Some(0)
        });
    }
    (status, requeue)
}

fn progressing(d: &Value) -> Option<&Value> {
    d["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == "Progressing")
}

/// Sets a Progressing condition for progress just made: its update time
/// is now even when reason and message are unchanged.
fn set_progress(conditions: &mut Vec<Value>, condition: Value) {
    util::set_condition(conditions, condition, true);
    if let Some(c) = conditions.iter_mut().find(|c| c["type"] == "Progressing") {
        c["lastUpdateTime"] = json!(crate::clock::now_rfc3339());
    }
}

/// Every replica updated and available, and no old ones left.
pub fn complete(d: &Value, status: &Value) -> bool {
    let replicas = util::int_at(d, "/spec/replicas");
    let get = |f: &str| status[f].as_i64().unwrap_or(0);
    get("updatedReplicas") == replicas
        && get("replicas") == replicas
        && get("availableReplicas") == replicas
        && status["observedGeneration"].as_i64() >= d["metadata"]["generation"].as_i64()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(replicas: i64) -> Value {
        json!({"metadata": {"name": "foo", "generation": 2},
               "spec": {"replicas": replicas, "progressDeadlineSeconds": 600,
                        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}}})
    }

    fn rs(name: &str, spec: i64, replicas: i64, available: i64) -> Value {
        json!({"metadata": {"name": name}, "spec": {"replicas": spec},
               "status": {"replicas": replicas, "readyReplicas": available, "availableReplicas": available}})
    }

    fn condition<'a>(status: &'a Value, kind: &str) -> &'a Value {
        status["conditions"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["type"] == kind))
            .expect("condition present")
    }

    #[test]
    fn a_finished_rollout_is_available_and_complete() {
        let d = deployment(3);
        let new = rs("foo-abc", 3, 3, 3);
        let old = [rs("foo-old", 0, 0, 0)];
        let (status, _) = compute(&d, Some(&new), &old, None);
        assert_eq!(status["updatedReplicas"], 3);
        assert_eq!(status["observedGeneration"], 2);
        assert!(complete(&d, &status));
        assert_eq!(condition(&status, "Available")["status"], "True");
        let progressing = condition(&status, "Progressing");
        assert_eq!(progressing["reason"], "NewReplicaSetAvailable");
        assert_eq!(
            progressing["message"],
            "ReplicaSet \"foo-abc\" has successfully progressed."
        );
    }

    #[test]
    fn a_rollout_in_flight_is_progressing_not_complete() {
        let d = deployment(4);
        let new = rs("foo-new", 1, 1, 0);
        let old = [rs("foo-old", 3, 4, 3)];
        let (status, _) = compute(&d, Some(&new), &old, None);
        assert!(!complete(&d, &status));
        assert_eq!(status["replicas"], 5);
        assert_eq!(status["updatedReplicas"], 1);
        assert_eq!(condition(&status, "Available")["status"], "True");
        assert_eq!(
            condition(&status, "Progressing")["reason"],
            "ReplicaSetUpdated"
        );
    }

    #[test]
    fn no_progress_past_the_deadline_times_out() {
        let mut d = deployment(2);
        d["spec"]["progressDeadlineSeconds"] = json!(5);
        let new = rs("foo-new", 2, 2, 0);
        d["status"] = json!({"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2,
            "conditions": [{"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                "message": "x", "lastUpdateTime": "2020-01-01T00:00:00Z", "lastTransitionTime": "2020-01-01T00:00:00Z"}]});
        let (status, _) = compute(&d, Some(&new), &[], None);
        let progressing = condition(&status, "Progressing");
        assert_eq!(progressing["status"], "False");
        assert_eq!(progressing["reason"], "ProgressDeadlineExceeded");
        assert_eq!(condition(&status, "Available")["status"], "False");
    }
}
