//! `pyproject.toml` (PEP 621 dependencies and optional dependencies, PEP 735 dependency groups,
//! Poetry's dependencies and groups, PDM's and uv's development dependencies) and `Pipfile`:
//! Celery's requirement in each place a tool reads one from.

use toml::{Table, Value};

use super::files::{pep508, Found};
use super::spec::{self, Dialect};

pub fn read(text: &str) -> Vec<Found> {
    let Ok(doc) = text.parse::<Table>() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let get = |path: &[&str]| -> Option<&Value> {
        let mut v: Option<&Value> = None;
        let mut table = &doc;
        for (i, key) in path.iter().enumerate() {
            let next = table.get(*key)?;
            if i + 1 < path.len() {
                table = next.as_table()?;
            } else {
                v = Some(next);
            }
        }
        v
    };
    // PEP 508 lists.
    let mut lists: Vec<&Value> = Vec::new();
    lists.extend(get(&["project", "dependencies"]));
    lists.extend(tables_values(get(&["project", "optional-dependencies"])));
    lists.extend(tables_values(get(&["dependency-groups"])));
    lists.extend(tables_values(get(&["tool", "pdm", "dev-dependencies"])));
    lists.extend(get(&["tool", "uv", "dev-dependencies"]));
    for list in lists {
        for item in list.as_array().into_iter().flatten() {
            let Some(text_item) = item.as_str() else {
                continue;
            };
            if let Some(spec) = pep508(text_item) {
                out.extend(requirement(text, text_item, spec, Dialect::Pep440));
            }
        }
    }
    // Poetry's and Pipfile's tables: `celery = "^5.3"` or `celery = { version = "^5.3" }`.
    let mut tables: Vec<&Value> = Vec::new();
    tables.extend(get(&["tool", "poetry", "dependencies"]));
    tables.extend(get(&["tool", "poetry", "dev-dependencies"]));
    if let Some(groups) = get(&["tool", "poetry", "group"]).and_then(Value::as_table) {
        tables.extend(groups.values().filter_map(|g| g.get("dependencies")));
    }
    tables.extend(get(&["packages"]));
    tables.extend(get(&["dev-packages"]));
    for table in tables.iter().filter_map(|t| t.as_table()) {
        for (name, value) in table {
            if name.eq_ignore_ascii_case("celery") {
                out.extend(poetry_entry(text, name, value));
            }
        }
    }
    out
}

/// Every value of a table of lists (`optional-dependencies`' extras).
fn tables_values(v: Option<&Value>) -> Vec<&Value> {
    v.and_then(Value::as_table)
        .map(|t| t.values().collect())
        .unwrap_or_default()
}

/// `"^5.3"`, `{ version = "^5.3", extras = [...] }`, `[{ version = ..., python = ... }, ...]`
/// (one constraint per Python: together, the versions any of them allows), `{ git = ... }`.
fn poetry_entry(text: &str, name: &str, value: &Value) -> Vec<Found> {
    let versions: Vec<Option<&str>> = match value {
        Value::String(s) => vec![Some(s.as_str())],
        Value::Table(t) => vec![t.get("version").and_then(Value::as_str)],
        Value::Array(items) => items
            .iter()
            .map(|i| i.get("version").and_then(Value::as_str))
            .collect(),
        _ => Vec::new(),
    };
    let line = line_of(text, |l| {
        let l = l.trim_start();
        l.len() > name.len()
            && l[..name.len()].eq_ignore_ascii_case(name)
            && l[name.len()..].trim_start().starts_with('=')
    });
    versions
        .into_iter()
        .filter_map(|v| {
            // Pipfile's `"*"` and a missing version (a git or path dependency): unpinned.
            let spec = v.filter(|s| s.trim() != "*").map(str::to_string);
            let written = format!(
                "{name} = {}",
                v.map_or("(no version)".into(), |s| format!("\"{s}\""))
            );
            let allowed = match &spec {
                Some(s) => Some(spec::allowed(s, Dialect::Poetry)?),
                None => None,
            };
            Some(Found {
                line,
                written,
                allowed,
                constraint: false,
            })
        })
        .collect()
}

fn requirement(text: &str, item: &str, spec: Option<String>, dialect: Dialect) -> Option<Found> {
    let allowed = match spec.as_deref() {
        Some(s) if !s.trim().is_empty() => Some(spec::allowed(s, dialect)?),
        _ => None,
    };
    Some(Found {
        line: line_of(text, |l| l.contains(item)),
        written: item.to_string(),
        allowed,
        constraint: false,
    })
}

/// The 1-based number of the first line `is` accepts (1 when none does).
fn line_of(text: &str, is: impl Fn(&str) -> bool) -> usize {
    text.lines().position(is).map_or(1, |i| i + 1)
}
