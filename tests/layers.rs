//! The engine's layers are crates, and a crate depends only on the layers below it: Cargo
//! refuses an import of a crate that is not a dependency, and this test refuses a dependency
//! that points up (ARCHITECTURE.md, "Layers").

use std::collections::BTreeMap;

/// Lowest first; then the front ends: the language server, and the command line, whose binary
/// also runs the server (`celint server`).
const LAYERS: &[&str] = &[
    "celint_syntax",
    "celint_catalog",
    "celint_project",
    "celint_analysis",
    "celint_linter",
    "celint_output",
    "celint_engine",
];
const FRONT_ENDS: &[&str] = &["celint_server", "celint"];

fn rank(name: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == name).or_else(|| {
        let f = FRONT_ENDS.iter().position(|f| *f == name)?;
        Some(LAYERS.len() + f)
    })
}

#[test]
fn no_crate_depends_upward() {
    let o = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for package in meta["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap().to_string();
        let ours = package["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"].is_null()) // normal dependencies, not dev or build
            .map(|d| d["name"].as_str().unwrap().to_string())
            .filter(|d| d.starts_with("celint"))
            .collect();
        deps.insert(name, ours);
    }
    // Every layer is a member, and every member is a layer or a front end.
    for layer in LAYERS {
        assert!(
            deps.contains_key(*layer),
            "{layer} is not a workspace member"
        );
    }
    for (name, ours) in &deps {
        let r = rank(name).unwrap_or_else(|| panic!("{name} is in no layer"));
        for d in ours {
            let below = rank(d).is_some_and(|rd| rd < r);
            assert!(below, "{name} depends on {d}, which is not below it");
        }
    }
}
