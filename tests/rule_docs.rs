//! The rule documents are part of the product: every rule has one, with the sections users
//! expect, and its "Example" must trigger the rule while its "Use instead" must not.

mod common;

use celint::rules::Rule;

const SECTIONS: &[&str] = &[
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## Fix safety",
    "## Options",
    "## References",
];

/// The single ```python block under `heading`.
fn block(doc: &str, heading: &str) -> String {
    let start = doc.find(heading).unwrap_or_else(|| panic!("no {heading}"));
    let rest = &doc[start + heading.len()..];
    let section_end = rest.find("\n## ").unwrap_or(rest.len());
    let section = &rest[..section_end];
    let open = section.find("```python\n").expect("python block") + "```python\n".len();
    let close = section[open..].find("```").expect("closed block");
    assert_eq!(
        section.matches("```python").count(),
        1,
        "{heading}: one block"
    );
    section[open..open + close].to_string()
}

/// The name in a line `# file: NAME.py` (NAME letters, digits and `_`), as tests/runtime/run.py
/// reads it.
fn file_marker(line: &str) -> Option<&str> {
    let name = line
        .strip_prefix("# file: ")?
        .trim_end_matches(['\n', '\r', ' ', '\t'])
        .strip_suffix(".py")?;
    let word = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    word.then_some(name)
}

/// The files of a block: each starts at a line `# file: NAME.py` (what comes before the first
/// one goes with the first file). A block without such lines is one file, `example.py`.
fn files_of(source: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    let mut before = String::new();
    for line in source.split_inclusive('\n') {
        if let Some(name) = file_marker(line) {
            let text = std::mem::take(&mut before) + line;
            files.push((format!("{name}.py"), text));
        } else if let Some((_, text)) = files.last_mut() {
            text.push_str(line);
        } else {
            before.push_str(line);
        }
    }
    if files.is_empty() {
        return vec![("example.py".into(), source.to_string())];
    }
    files
}

fn codes_for(source: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let files = files_of(source);
    // One file is linted as the file, as always; several are written out and linted as a
    // directory (the first is the worker's -A module, as the live harness runs them).
    let path = if files.len() == 1 {
        let path = dir.path().join(&files[0].0);
        std::fs::write(&path, &files[0].1).unwrap();
        path
    } else {
        for (name, text) in &files {
            assert!(
                !dir.path().join(name).exists(),
                "{name} is named twice in a block"
            );
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir.path().to_path_buf()
    };
    let settings = celint::Settings::new(vec![path]).with_rules(Rule::all().collect());
    common::run(settings, |r| {
        r.diagnostics
            .iter()
            .map(|d| d.rule.code().to_string())
            .collect()
    })
}

#[test]
fn every_rule_document_has_its_sections() {
    for rule in Rule::all() {
        let doc = rule.doc();
        assert!(doc.starts_with(&format!("# {} {}\n", rule.code(), rule.name())));
        let mut last = 0;
        for s in SECTIONS {
            let at = doc
                .find(s)
                .unwrap_or_else(|| panic!("{}: missing {s}", rule.code()));
            assert!(at >= last, "{}: {s} out of order", rule.code());
            last = at;
        }
    }
}

#[test]
fn examples_trigger_their_rule_and_fixes_do_not() {
    for rule in Rule::all() {
        let doc = rule.doc();
        let bad = codes_for(&block(doc, "## Example"));
        // A shutdown without destination= is also a broadcast: CEL001's example says so.
        let expected: Vec<String> = match rule {
            Rule::ShutdownBeforeReady => vec!["CEL001".into(), "CEL007".into()],
            _ => vec![rule.code().to_string()],
        };
        assert_eq!(bad, expected, "{}: Example", rule.code());
        let good = codes_for(&block(doc, "## Use instead"));
        assert!(
            good.is_empty(),
            "{}: Use instead gives {good:?}",
            rule.code()
        );
    }
}

/// The registry is the declared source of each rule's severity and fix level; the document's
/// opening lines must say the same.
#[test]
fn documents_open_with_the_registry_entry() {
    use celint::rules::FixLevel;
    for rule in Rule::all() {
        let doc = rule.doc();
        let mut lines = doc.lines();
        let title = format!("# {} {}", rule.code(), rule.name());
        assert_eq!(lines.next(), Some(title.as_str()), "{}: title", rule.code());
        assert_eq!(lines.next(), Some(""), "{}: blank line", rule.code());
        // How each level is applied, as every document words it.
        let how = match rule.fix_level() {
            FixLevel::None => "",
            FixLevel::Safe => " (applied with `--fix`)",
            FixLevel::Unsafe => " (applied with `--unsafe-fixes`)",
            FixLevel::DisplayOnly => " (shown, never applied)",
        };
        let expected = format!(
            "Severity: {}. Fix: {}{how}.",
            rule.severity().as_str(),
            rule.fix_level().as_str()
        );
        let line = lines.next().unwrap_or_default();
        assert!(
            line.starts_with(&expected),
            "{}: the document says `{line}`, the registry `{expected}`",
            rule.code()
        );
    }
}
