use super::*;

fn tag(s: &str) -> VersionTag {
    s.parse().expect("valid tag")
}

#[test]
fn the_builtin_catalogue_has_the_seed_releases_and_a_default_supporting_1_37() {
    let c = Catalogue::builtin().expect("releases.json parses");
    for (seed, revision) in [
        ("1.7.8-asm.10", "asm-178-10"),
        ("1.10.6-asm.2", "asm-1106-2"),
    ] {
        let r = c.release(&tag(seed)).expect(seed);
        assert_eq!(r.revision.as_str(), revision);
    }
    let default = c.default_release().expect("default listed");
    let k137 = KubeMinor {
        major: 1,
        minor: 37,
    };
    assert!(default.kubernetes.min <= k137 && k137 <= default.kubernetes.max);
    // Every revision is the one the ASM guides derive from the tag.
    for r in &c.releases {
        assert_eq!(r.revision, r.version.revision(), "{}", r.version);
        assert_eq!(r.end_of_support.len(), 10, "{}", r.version);
    }
}

const SMALL: &str = r#"{
  "default": "1.40.1-asm.2",
  "releases": [
    {"version": "1.40.1-asm.2", "revision": "asm-1401-2",
     "kubernetes": {"min": "1.38", "max": "1.42"}, "end_of_support": "2029-01-31"},
    {"version": "1.10.6-asm.2", "revision": "asm-1106-2",
     "kubernetes": {"min": "1.18", "max": "1.21"}, "end_of_support": "2022-06-30"}
  ]
}"#;

#[test]
fn a_catalogue_is_data_sorted_oldest_first() {
    let c = Catalogue::parse(SMALL).expect("parses");
    assert_eq!(c.releases[0].version, tag("1.10.6-asm.2"));
    let default = c.default_release().expect("default");
    assert_eq!(default.revision.as_str(), "asm-1401-2");
    assert_eq!(default.kubernetes.to_string(), "Kubernetes 1.38 to 1.42");
    // Another patch of a listed minor release gets that minor's support.
    let patch = c.support_for(&tag("1.40.3-asm.1")).expect("same minor");
    assert_eq!(patch.version, tag("1.40.1-asm.2"));
    assert!(c.support_for(&tag("1.39.0-asm.1")).is_none());
}

#[test]
fn bad_catalogues_say_what_is_wrong() {
    let err = |json: &str| Catalogue::parse(json).expect_err(json).to_string();
    assert!(err("{").contains("not valid"));
    assert!(
        err(&SMALL.replace("\"1.42\"", "\"1.x\"")).contains("\"1.x\" is not a Kubernetes minor")
    );
    assert!(err(&SMALL.replace("\"1.42\"", "\"1.30\"")).contains("ends before it starts"));
    assert!(
        err(&SMALL.replace(
            "\"default\": \"1.40.1-asm.2\"",
            "\"default\": \"1.9.0-asm.1\""
        ))
        .contains("1.9.0-asm.1 is not in the catalogue")
    );
    assert!(err(&SMALL.replace("1.10.6-asm.2", "1.40.1-asm.2")).contains("listed twice"));
}
