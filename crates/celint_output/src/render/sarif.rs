//! `--output-format sarif`: SARIF 2.1.0 for code-scanning services. Beyond Ruff's: file URIs
//! relative to the repository root (`%SRCROOT%`), fingerprints that survive code moving, the
//! trace as related locations and code flows, and fixes as SARIF fixes.

use std::path::Path;

use serde_json::{json, Value};

use celint_linter::diagnostic::{Diagnostic, FileRef, Severity};
use celint_linter::rules::Rule;
use celint_syntax::Span;

fn sentence(s: &str) -> String {
    let t = s.trim_end();
    if t.ends_with(['.', '!', '?']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

/// Sets a key of a JSON object (every value this file sets keys on is an object).
fn set(v: &mut Value, key: &str, value: Value) {
    if let Some(o) = v.as_object_mut() {
        o.insert(key.to_string(), value);
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule_descriptor(rule: Rule) -> Value {
    let what = celint_linter::rules::listing::what_it_does(rule);
    // SARIF prefers a Pascal-case friendly name: shutdown-before-ready -> ShutdownBeforeReady.
    let pascal: String = rule
        .name()
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    let mut descriptor = json!({
        "id": rule.code(),
        "name": pascal,
        "shortDescription": { "text": sentence(&celint_linter::rules::listing::summary(rule)) },
        "fullDescription": { "text": sentence(&what) },
        "help": { "text": rule.doc(), "markdown": rule.doc() },
        "defaultConfiguration": { "level": level(rule.severity()) },
        "properties": { "tags": ["celery"] },
    });
    // `helpUri` and `informationUri` are optional in SARIF: absent while celint has no home.
    if let (Some(url), Some(map)) = (rule.url(), descriptor.as_object_mut()) {
        map.insert("helpUri".to_string(), Value::String(url));
    }
    descriptor
}

/// The file's path relative to the root, with `/` separators.
fn uri(file: &FileRef, root: &Path) -> String {
    let path = match &file.module {
        Some(m) => m.source.path.clone(),
        None => std::path::PathBuf::from(&file.display),
    };
    let abs = std::path::absolute(&path).unwrap_or(path);
    let rel = abs.strip_prefix(root).unwrap_or(&abs);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn region(file: &FileRef, span: Span) -> Value {
    let (s, e) = (file.position(span.start), file.position(span.end));
    let mut r = json!({
        "startLine": s.row,
        "startColumn": s.column,
        "endLine": e.row,
        "endColumn": e.column,
    });
    if let Some(m) = &file.module {
        set(&mut r, "snippet", json!({ "text": m.source.slice(span) }));
    }
    r
}

fn location(file: &FileRef, span: Span, root: &Path) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(file, root), "uriBaseId": "%SRCROOT%" },
            "region": region(file, span),
        }
    })
}

pub fn render(diagnostics: &[Diagnostic], root: &Path) -> String {
    let rules: Vec<Rule> = Rule::all().collect();
    let prints = super::fingerprint::fingerprints(diagnostics);
    let results: Vec<Value> = diagnostics
        .iter()
        .zip(prints)
        .map(|(d, fingerprint)| {
            let mut result = json!({
                "ruleId": d.rule.code(),
                "ruleIndex": rules.iter().position(|r| *r == d.rule).unwrap_or(0),
                "level": level(d.severity()),
                "message": { "text": sentence(&d.message) },
                "locations": [location(&d.file, d.span, root)],
                "partialFingerprints": { "celintFingerprint/v2": fingerprint },
            });
            if !d.trace.is_empty() {
                let related: Vec<Value> = d
                    .trace
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let mut l = location(&t.file, t.span, root);
                        set(&mut l, "id", json!(i + 1));
                        set(&mut l, "message", json!({ "text": sentence(&t.note) }));
                        l
                    })
                    .collect();
                let mut steps: Vec<Value> = d
                    .trace
                    .iter()
                    .map(|t| {
                        let mut l = location(&t.file, t.span, root);
                        set(&mut l, "message", json!({ "text": sentence(&t.note) }));
                        json!({ "location": l })
                    })
                    .collect();
                let mut last = location(&d.file, d.span, root);
                set(&mut last, "message", json!({ "text": sentence(&d.message) }));
                steps.push(json!({ "location": last }));
                set(&mut result, "relatedLocations", json!(related));
                set(&mut result, "codeFlows", json!([{ "threadFlows": [{ "locations": steps }] }]));
            }
            if let Some(fix) = d.fix.as_ref().filter(|f| !f.edits.is_empty()) {
                let replacements: Vec<Value> = fix
                    .edits
                    .iter()
                    .map(|e| {
                        json!({
                            "deletedRegion": region(&d.file, e.span),
                            "insertedContent": { "text": e.content },
                        })
                    })
                    .collect();
                set(&mut result, "fixes", json!([{
                    "description": { "text": sentence(&format!("{} ({} fix)", fix.message, fix.applicability.as_str())) },
                    "artifactChanges": [{
                        "artifactLocation": { "uri": uri(&d.file, root), "uriBaseId": "%SRCROOT%" },
                        "replacements": replacements,
                    }],
                }]));
            }
            result
        })
        .collect();
    let root_uri = format!(
        "file://{}/",
        root.to_string_lossy()
            .trim_end_matches('/')
            .replace(' ', "%20")
    );
    let mut log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "celint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules.iter().map(|r| rule_descriptor(*r)).collect::<Vec<_>>(),
                }
            },
            "originalUriBaseIds": { "%SRCROOT%": { "uri": root_uri } },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    if let (Some(home), Some(driver)) = (
        celint_linter::home(),
        log.pointer_mut("/runs/0/tool/driver")
            .and_then(Value::as_object_mut),
    ) {
        driver.insert(
            "informationUri".to_string(),
            Value::String(home.to_string()),
        );
    }
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}
