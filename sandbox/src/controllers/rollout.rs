//! The arithmetic of a rolling update, as the deployment controller does
//! it: how far the new ReplicaSet may grow (`maxSurge`) and how far the old
//! ones may shrink without dropping below `replicas - maxUnavailable`.

use serde_json::Value;

/// What the arithmetic needs to know of one ReplicaSet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rs {
    pub name: String,
    /// `spec.replicas`.
    pub replicas: i64,
    /// `status.availableReplicas`, never counted above `replicas`.
    pub available: i64,
}

impl Rs {
    pub fn of(rs: &Value) -> Self {
        let replicas = rs["spec"]["replicas"].as_i64().unwrap_or(0);
        Self {
            name: rs["metadata"]["name"].as_str().unwrap_or_default().into(),
            replicas,
            available: rs["status"]["availableReplicas"]
                .as_i64()
                .unwrap_or(0)
                .min(replicas),
        }
    }
}

/// An int-or-percent (`1`, `"25%"`) of `total`, rounded up or down.
pub fn scaled(value: &Value, total: i64, round_up: bool) -> i64 {
    match value {
        Value::Number(n) => n.as_i64().unwrap_or(0),
        Value::String(s) => match s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
            Some(pct) if round_up => (pct * total + 99) / 100,
            Some(pct) => pct * total / 100,
            None => s.parse().unwrap_or(0),
        },
        _ => 0,
    }
}

/// (maxSurge, maxUnavailable) of a deployment, resolved against its
/// replicas; both zero is not allowed, so unavailable becomes 1.
pub fn surge_and_unavailable(deployment: &Value) -> (i64, i64) {
    let replicas = deployment["spec"]["replicas"].as_i64().unwrap_or(1);
    let strategy = &deployment["spec"]["strategy"];
    if strategy["type"] == "Recreate" {
        return (0, replicas);
    }
    let rolling = &strategy["rollingUpdate"];
    let or_default = |v: &Value| {
        if v.is_null() {
            Value::String("25%".into())
        } else {
            v.clone()
        }
    };
    let surge = scaled(&or_default(&rolling["maxSurge"]), replicas, true);
    let mut unavailable = scaled(&or_default(&rolling["maxUnavailable"]), replicas, false);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    (surge, unavailable.min(replicas))
}

/// The replicas the new ReplicaSet should have now.
pub fn new_rs_replicas(replicas: i64, surge: i64, new: &Rs, all: &[Rs]) -> i64 {
    if new.replicas >= replicas {
        return replicas;
    }
    let current: i64 = all.iter().map(|r| r.replicas).sum();
    let max_total = replicas + surge;
    if current >= max_total {
        return new.replicas;
    }
    new.replicas + (max_total - current).min(replicas - new.replicas)
}

/// New `spec.replicas` for old ReplicaSets (name → replicas): first the
/// unavailable pods go, then available ones as far as `maxUnavailable`
/// allows. Old sets are given oldest first.
pub fn scale_down_old(replicas: i64, unavailable: i64, new: &Rs, old: &[Rs]) -> Vec<(String, i64)> {
    let mut old = old.to_vec();
    if old.iter().all(|r| r.replicas == 0) {
        return Vec::new();
    }
    let min_available = replicas - unavailable;
    let total = |old: &[Rs]| new.replicas + old.iter().map(|r| r.replicas).sum::<i64>();
    let new_unavailable = new.replicas - new.available;
    let max_scaled_down = total(&old) - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return Vec::new();
    }
    // Unhealthy pods of old sets help no one: remove them first.
    let mut cleaned = 0;
    for rs in old.iter_mut() {
        if cleaned >= max_scaled_down {
            break;
        }
        let unhealthy = rs.replicas - rs.available;
        let down = unhealthy.min(max_scaled_down - cleaned);
        rs.replicas -= down;
        cleaned += down;
    }
    // Then available ones, keeping min_available.
    let available: i64 = new.available + old.iter().map(|r| r.available).sum::<i64>();
    let mut budget = available - min_available;
    for rs in old.iter_mut() {
        if budget <= 0 {
            break;
        }
        let down = rs.replicas.min(budget);
        rs.replicas -= down;
        rs.available = rs.available.min(rs.replicas);
        budget -= down;
    }
    old.into_iter().map(|r| (r.name, r.replicas)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rs(name: &str, replicas: i64, available: i64) -> Rs {
        Rs {
            name: name.into(),
            replicas,
            available,
        }
    }

    #[test]
    fn resolves_percentages_like_the_controller() {
        let d = json!({"spec": {"replicas": 10, "strategy": {"type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}}});
        assert_eq!(surge_and_unavailable(&d), (3, 2));
        let d = json!({"spec": {"replicas": 3, "strategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}}});
        assert_eq!(surge_and_unavailable(&d), (0, 1));
        let d = json!({"spec": {"replicas": 4, "strategy": {"type": "Recreate"}}});
        assert_eq!(surge_and_unavailable(&d), (0, 4));
    }

    #[test]
    fn new_set_grows_by_the_surge() {
        let old = rs("old", 4, 4);
        let new = rs("new", 0, 0);
        // 4 replicas, surge 1: one new pod on top of the four old ones.
        assert_eq!(new_rs_replicas(4, 1, &new, &[old.clone(), new.clone()]), 1);
        let grown = rs("new", 1, 0);
        assert_eq!(new_rs_replicas(4, 1, &grown, &[old, grown.clone()]), 1);
        assert_eq!(new_rs_replicas(4, 1, &rs("new", 6, 6), &[]), 4);
    }

    #[test]
    fn old_sets_shrink_within_max_unavailable() {
        // 4 replicas, maxUnavailable 1: one old pod may go at once.
        let new = rs("new", 1, 0);
        assert_eq!(
            scale_down_old(4, 1, &new, &[rs("old", 4, 4)]),
            vec![("old".into(), 3)]
        );
        // Nothing new is available yet and the budget is spent.
        assert!(scale_down_old(4, 1, &new, &[rs("old", 3, 3)]).is_empty());
        // Unavailable old pods go first, regardless.
        assert_eq!(
            scale_down_old(
                4,
                0,
                &rs("new", 4, 4),
                &[rs("older", 2, 0), rs("old", 2, 2)]
            ),
            vec![("older".into(), 0), ("old".into(), 0)]
        );
    }
}
