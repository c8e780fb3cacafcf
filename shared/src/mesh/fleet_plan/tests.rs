//! Totals and exclusions of fleet plans.

use super::*;

fn member(name: &str, created: u32, blocked: &[&str]) -> MemberPlan {
    MemberPlan {
        cluster: name.parse().expect("a name"),
        plan: Some(format!("plan-{name}")),
        counts: ObjectCounts {
            created,
            changed: 1,
            deleted: 0,
        },
        blocked: blocked.iter().map(|b| (*b).to_owned()).collect(),
        excluded: false,
    }
}

fn plan() -> FleetPlan {
    let request = FleetPlanRequest {
        selector: MemberSelector::default(),
        excluded: Vec::new(),
        settings: FleetInstallSettings {
            version: "1.10.6-asm.2".parse().expect("a tag"),
            ca: CaMode::MeshCa,
            revision: None,
        },
        overrides: Vec::new(),
    };
    FleetPlan::new(
        "p".into(),
        request,
        vec![
            member("a", 5, &[]),
            member("b", 7, &[]),
            member("admin", 9, &["failed check: Not an admin cluster"]),
            MemberPlan::unplanned("slow".parse().expect("a name"), "timed out".into()),
        ],
        0,
    )
}

#[test]
fn totals_count_ready_members_only() {
    let p = plan();
    assert_eq!(p.totals.ready, 2);
    assert_eq!(p.totals.blocked, 2);
    assert_eq!(p.totals.excluded, 0);
    assert_eq!(
        p.totals.objects,
        ObjectCounts {
            created: 12,
            changed: 2,
            deleted: 0
        }
    );
    assert_eq!(p.blocking().count(), 2);
}

#[test]
fn excluding_re_totals_and_can_be_undone() {
    let mut p = plan();
    let names =
        |n: &[&str]| -> Vec<ClusterName> { n.iter().map(|n| n.parse().expect("a name")).collect() };
    p.exclude(&names(&["admin", "slow", "b"])).expect("members");
    assert_eq!(
        (p.totals.ready, p.totals.blocked, p.totals.excluded),
        (1, 0, 3)
    );
    assert_eq!(p.totals.objects.created, 5);
    assert_eq!(p.blocking().count(), 0);
    p.exclude(&names(&["admin", "slow"])).expect("members");
    assert_eq!((p.totals.ready, p.totals.excluded), (2, 2));
    let err = p.exclude(&names(&["admin", "nope"])).expect_err("refused");
    assert_eq!(err, SelectionError::NotSelected(vec!["nope".into()]));
    assert_eq!(p.totals.excluded, 2, "a refused exclusion changes nothing");
}

#[test]
fn counts_follow_the_diff() {
    let diff = |change| ObjectDiff {
        title: "x".into(),
        change,
        lines: Vec::new(),
    };
    let n = ObjectCounts::of(&[
        diff(ChangeKind::Create),
        diff(ChangeKind::Create),
        diff(ChangeKind::Update),
        diff(ChangeKind::Unchanged),
        diff(ChangeKind::Delete),
    ]);
    assert_eq!(
        n,
        ObjectCounts {
            created: 2,
            changed: 1,
            deleted: 1
        }
    );
}
