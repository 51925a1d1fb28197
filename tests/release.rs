//! What a release needs and a new user reads first: a licence, release notes, and no made-up
//! home (an address that does not exist may one day serve someone else's code).

mod common;

use common::root;

/// The text files git tracks (fixtures and snapshots included).
fn tracked_texts() -> Vec<(String, String)> {
    let o = std::process::Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root())
        .output()
        .expect("git runs");
    String::from_utf8_lossy(&o.stdout)
        .split('\0')
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let text = std::fs::read_to_string(root().join(p)).ok()?;
            Some((p.to_string(), text))
        })
        .collect()
}

#[test]
fn no_file_names_the_invented_home() {
    // Written in two pieces so that this file does not name it either.
    let invented = format!("github.com/{}", "celint");
    let named: Vec<String> = tracked_texts()
        .into_iter()
        .filter(|(_, text)| text.contains(&invented))
        .map(|(path, _)| path)
        .collect();
    assert!(named.is_empty(), "{named:?}");
    // Cargo.toml's `repository` is the one place a home is named, and it is unset until there
    // is a real one; the binary then prints no URL of its own.
    let manifests = std::iter::once(root().join("Cargo.toml")).chain(
        std::fs::read_dir(root().join("crates"))
            .unwrap()
            .map(|e| e.unwrap().path().join("Cargo.toml")),
    );
    for manifest in manifests {
        let cargo = std::fs::read_to_string(&manifest).unwrap();
        let set = cargo
            .lines()
            .any(|l| l.trim_start().starts_with("repository"));
        assert!(!set, "{}: set it only to a real home", manifest.display());
    }
    assert_eq!(celint::home(), None);
}

#[test]
fn the_licence_and_the_release_notes_are_there() {
    let licence = std::fs::read_to_string(root().join("LICENSE")).unwrap();
    assert!(licence.starts_with("MIT License"), "{licence}");
    assert!(licence.contains("Permission is hereby granted, free of charge"));
    let changelog = std::fs::read_to_string(root().join("CHANGELOG.md")).unwrap();
    assert!(changelog.contains("## [Unreleased]"));
    assert!(
        changelog.contains(&format!("## [{}] - ", env!("CARGO_PKG_VERSION"))),
        "CHANGELOG.md has no section for {}",
        env!("CARGO_PKG_VERSION")
    );
}

#[test]
fn the_readme_pins_no_tag_that_does_not_exist() {
    let tags = std::process::Command::new("git")
        .args(["tag", "--list"])
        .current_dir(root())
        .output()
        .expect("git runs");
    let tags = String::from_utf8_lossy(&tags.stdout).to_string();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for line in readme.lines() {
        let Some(rev) = line.trim().strip_prefix("rev:") else {
            continue;
        };
        let rev = rev.trim();
        assert!(
            !rev.starts_with('v') || tags.lines().any(|t| t == rev),
            "README pins `{rev}`, which is not a tag of this repository"
        );
    }
}
