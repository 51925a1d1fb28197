//! Makefiles: recipe lines, each run by its own shell in the Makefile's directory, after make's
//! own `$(VAR)` expansion. Recipes of test targets (`test`, `test-worker`, `integration-tests`)
//! start workers for the tests, not the deployment, and are left out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::lines::{collapse, logical_lines, Continuation};
use super::run::{Call, Found, Fs, Runner};
use super::shell::Env;

/// How deep a make variable may name others.
const MAX_DEPTH: usize = 8;

/// A longer expansion is left as written: `A := $(A)$(A)` repeated would double it each time.
const MAX_VALUE: usize = 16 * 1024;

/// `NAME = value` (`:=`, `::=`, `?=`, `+=`; `export`, `override`): the name, the value and
/// whether it is exported.
fn assignment(line: &str) -> Option<(String, String, bool, bool)> {
    let mut t = line.trim();
    let mut exported = false;
    for prefix in ["export ", "override "] {
        if let Some(r) = t.strip_prefix(prefix) {
            exported |= prefix == "export ";
            t = r.trim_start();
        }
    }
    let eq = t.find('=')?;
    let (lhs, value) = (t.get(..eq)?, t.get(eq + 1..)?);
    let append = lhs.ends_with('+');
    let name = lhs.trim_end_matches([':', '?', '+']).trim();
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    valid.then(|| (name.to_string(), value.trim().to_string(), exported, append))
}

/// make's expansion: `$$` is `$`, `$(NAME)` and `${NAME}` the variable's value (kept as
/// written when unknown: a function, `$(shell ...)`, an undefined name).
fn expand(text: &str, vars: &BTreeMap<String, String>, depth: usize) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let close = match chars.peek() {
            Some('$') => {
                chars.next();
                out.push('$');
                continue;
            }
            Some('(') => ')',
            Some('{') => '}',
            _ => {
                out.push('$');
                continue;
            }
        };
        let open = chars.next().unwrap_or('(');
        let mut inner = String::new();
        let mut level = 1usize;
        for n in chars.by_ref() {
            if n == open {
                level += 1;
            } else if n == close {
                level -= 1;
                if level == 0 {
                    break;
                }
            }
            inner.push(n);
        }
        match vars.get(inner.trim()) {
            Some(v)
                if depth < MAX_DEPTH && v.len() <= MAX_VALUE && super::shell::spend(v.len()) =>
            {
                out.push_str(&expand(v, vars, depth + 1))
            }
            _ => {
                out.push('$');
                out.push(open);
                out.push_str(&inner);
                out.push(close);
            }
        }
    }
    out
}

fn test_target(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("test") || n.ends_with("test") || n.ends_with("tests")
}

/// The commands of a Makefile's recipes.
pub(crate) fn commands(path: &Path, text: &str, roots: &[PathBuf]) -> (Vec<Found>, Vec<Call>) {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    let mut exported = Env::new();
    let mut exported_bytes = 0usize;
    let mut targets: Vec<String> = Vec::new();
    let mut found = Vec::new();
    let mut calls = Vec::new();
    for (no, line) in logical_lines(text, Continuation::Shell) {
        if let Some(recipe) = line.strip_prefix('\t') {
            if targets.iter().any(|t| test_target(t)) {
                continue;
            }
            let recipe = recipe.trim_start_matches(['@', '-', '+', ' ', '\t']);
            let mut r = Runner::new(path, roots, Fs::Server);
            r.env = exported.clone();
            r.cwd = Some(dir.clone());
            r.line(&expand(recipe, &vars, 0), no, 0);
            found.extend(r.take_found(no, &collapse(recipe)));
            calls.append(&mut r.calls);
            continue;
        }
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if let Some((name, value, export, append)) = assignment(t) {
            let value = expand(&value, &vars, 0);
            let value = match (append, vars.get(&name)) {
                (true, Some(old)) => format!("{old} {value}"),
                _ => value,
            };
            if export && exported_bytes + value.len() <= MAX_VALUE {
                exported_bytes += value.len();
                exported.insert(name.clone(), value.clone());
            }
            vars.insert(name, value);
            continue;
        }
        if let Some((names, _)) = t.split_once(':') {
            targets = names.split_whitespace().map(str::to_string).collect();
        }
    }
    (found, calls)
}
