//! Runs every fixture under fixtures/ and compares the findings with the `# expect: CODE[, CODE]`
//! comments written on the lines where they must be anchored. A fixture is a single `.py` file or
//! a directory linted as one project. Lines without an expectation must produce nothing.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use celint::rules::Rule;

type Finding = (String, usize, String);

fn expectations(root: &Path) -> BTreeSet<Finding> {
    let mut out = BTreeSet::new();
    let files: Vec<PathBuf> = if root.is_file() {
        vec![root.to_path_buf()]
    } else {
        walk(root)
    };
    for file in files {
        let bytes = std::fs::read(&file).expect("fixture is readable");
        let text = String::from_utf8_lossy(&bytes);
        let rel = relative(root, &file);
        for (i, line) in text.split('\n').enumerate() {
            let Some(at) = line.find("# expect:") else {
                continue;
            };
            for code in line[at + "# expect:".len()..].split(',') {
                let code = code.trim();
                if !code.is_empty() {
                    out.insert((rel.clone(), i + 1, code.to_string()));
                }
            }
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("fixture dir")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "py" || x == "pyi") {
            out.push(p);
        }
    }
    out
}

fn relative(root: &Path, file: &Path) -> String {
    if root.is_file() {
        return file.file_name().unwrap().to_string_lossy().into_owned();
    }
    file.strip_prefix(root)
        .unwrap_or(file)
        .to_string_lossy()
        .into_owned()
}

/// Rules for a fixture: the defaults, or those named on a `# fixture-select: CEL0,CEL100` line
/// of its (first) file.
fn rules_for(root: &Path) -> Vec<Rule> {
    let first = if root.is_file() {
        Some(root.to_path_buf())
    } else {
        walk(root).into_iter().next()
    };
    let text = first
        .and_then(|f| std::fs::read(f).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    match text
        .lines()
        .find_map(|l| l.strip_prefix("# fixture-select:"))
    {
        Some(list) => list
            .split(',')
            .flat_map(|s| celint::rules::parse_selector(s).expect("valid selector"))
            .collect(),
        None => Rule::defaults().collect(),
    }
}

pub fn lint(root: &Path) -> BTreeSet<Finding> {
    lint_with(root, true)
}

fn lint_with(root: &Path, prescan: bool) -> BTreeSet<Finding> {
    let mut settings = celint::Settings::new(vec![root.to_path_buf()]).with_rules(rules_for(root));
    settings.prescan = prescan;
    let report = common::run(settings, |r| {
        // Every message of every fixture is one short line (Ruff's habit); notes hold the rest.
        for d in &r.diagnostics {
            assert!(
                d.message.chars().count() < 120,
                "{}: a message of {} characters: {}",
                d.file.display,
                d.message.chars().count(),
                d.message
            );
        }
        r.diagnostics
            .iter()
            .map(|d| {
                (
                    d.file.display.clone(),
                    d.start().row,
                    d.rule.code().to_string(),
                )
            })
            .collect::<Vec<_>>()
    });
    report
        .into_iter()
        .map(|(display, row, code)| (relative(root, Path::new(&display)), row, code))
        .collect()
}

fn fixtures() -> Vec<PathBuf> {
    let base = common::root().join("fixtures");
    let mut out = Vec::new();
    let mut groups: Vec<_> = std::fs::read_dir(&base)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    groups.sort();
    for g in groups.into_iter().filter(|g| g.is_dir()) {
        let mut items: Vec<_> = std::fs::read_dir(&g)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        items.sort();
        for item in items {
            if item.is_dir() || item.extension().is_some_and(|x| x == "py") {
                out.push(item);
            }
        }
    }
    out
}

#[test]
fn every_fixture_reports_exactly_its_expectations() {
    let cwd = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(cwd).unwrap();
    let mut failures = Vec::new();
    let all = fixtures();
    assert!(all.len() > 50, "fixtures not found");
    for fixture in &all {
        let rel = fixture.strip_prefix(cwd).unwrap().to_path_buf();
        let expected = expectations(&rel);
        let actual = lint(&rel);
        if expected != actual {
            let missing: Vec<_> = expected.difference(&actual).collect();
            let extra: Vec<_> = actual.difference(&expected).collect();
            failures.push(format!(
                "{}:\n  missing: {missing:?}\n  unexpected: {extra:?}",
                rel.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The pre-scan parses only the files that can matter: it must lose nothing.
#[test]
fn prescan_and_full_parse_report_the_same_findings() {
    let cwd = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(cwd).unwrap();
    let mut differ = Vec::new();
    for fixture in fixtures() {
        let rel = fixture.strip_prefix(cwd).unwrap().to_path_buf();
        let (fast, full) = (lint_with(&rel, true), lint_with(&rel, false));
        if fast != full {
            differ.push(format!("{}: prescan {fast:?} full {full:?}", rel.display()));
        }
    }
    // The whole fixture tree at once too (cross-fixture resolution, one project).
    let all = Path::new("fixtures");
    assert_eq!(lint_with(all, true), lint_with(all, false), "whole tree");
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
