//! Suppression comments: `# noqa` / `# noqa: CEL001, shutdown-before-ready` on the first line of
//! a finding's anchor, `# celint: noqa` on its own line for the whole file; which of them were
//! used (for CEL100 unused-noqa), and adding them (`--add-noqa`); the filter that applies them
//! to a run's findings.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::rules::{self, Rule};
use celint_project::project::ModuleData;
use celint_syntax::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    /// Bare `# noqa`.
    All,
    /// `# noqa: A, B` (codes or names, as written).
    Codes(Vec<String>),
}

/// One `# noqa` in the file.
#[derive(Debug, Clone)]
pub struct Noqa {
    pub directive: Directive,
    /// From the `#` that introduces `noqa` to the end of the code list.
    pub span: Span,
    /// The code list after `noqa:` (empty for a bare `# noqa`).
    pub list: Span,
    /// The `noqa` is the first thing in its comment.
    pub starts_comment: bool,
    /// The comment it is in.
    pub comment: Span,
}

#[derive(Debug, Default)]
pub struct Suppressions {
    pub file_exempt: bool,
    pub lines: BTreeMap<usize, Noqa>,
}

impl Suppressions {
    pub fn of(module: &ModuleData) -> Self {
        let mut out = Suppressions::default();
        let src = &module.source;
        for span in &module.parsed.comments {
            let text = src.slice(*span);
            // Both directives name `noqa`: most comments are passed over without the line
            // lookups and the lowercase copy that `parse` makes.
            if !mentions_noqa(text) {
                continue;
            }
            let line = src.line_of(span.start);
            let line_text = src.slice(src.line_span(line));
            let own_line = line_text.trim_start().starts_with('#');
            if own_line && is_file_exemption(text) {
                out.file_exempt = true;
                continue;
            }
            if let Some(mut n) = parse(text) {
                n.span = Span::new(n.span.start + span.start, n.span.end + span.start);
                n.list = Span::new(n.list.start + span.start, n.list.end + span.start);
                n.comment = *span;
                out.lines.insert(line, n);
            }
        }
        out
    }

    /// Whether a finding of `rule` anchored on `line` is suppressed, and by which code of the
    /// directive (`None` for a bare `# noqa` or the file exemption).
    pub fn suppresses(&self, line: usize, rule: Rule) -> Option<Option<String>> {
        if self.file_exempt {
            return Some(None);
        }
        match &self.lines.get(&line)?.directive {
            Directive::All => Some(None),
            Directive::Codes(codes) => codes
                .iter()
                .find(|c| matches_rule(c, rule))
                .map(|c| Some(c.clone())),
        }
    }
}

/// `noqa` in any case, somewhere in `comment`.
fn mentions_noqa(comment: &str) -> bool {
    comment
        .as_bytes()
        .windows(4)
        .any(|w| w.eq_ignore_ascii_case(b"noqa"))
}

fn matches_rule(code: &str, rule: Rule) -> bool {
    code.eq_ignore_ascii_case(rule.code()) || code.eq_ignore_ascii_case(rule.name())
}

fn is_file_exemption(comment: &str) -> bool {
    let body = comment.trim_start_matches('#').trim();
    let Some(rest) = strip_prefix_ci(body, "celint:") else {
        return false;
    };
    let rest = rest.trim();
    strip_prefix_ci(rest, "noqa").is_some_and(|r| r.trim().is_empty())
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..).unwrap_or(""))
}

/// Finds `# noqa` in a comment (it may follow other directives: `# type: ignore # noqa: X`).
/// Spans are relative to the comment.
pub fn parse(comment: &str) -> Option<Noqa> {
    let lower = comment.to_ascii_lowercase();
    let mut search = 0;
    while let Some(found) = lower.get(search..).and_then(|s| s.find("noqa")) {
        let at = search + found;
        search = at + 4;
        // Must be introduced by `#` and optional spaces.
        let before = lower.get(..at).unwrap_or("").trim_end();
        if !before.ends_with('#') {
            continue;
        }
        let hash = before.len() - 1;
        let after = comment.get(at + 4..).unwrap_or("");
        let make = |directive, list_start: usize, list_end: usize| Noqa {
            directive,
            span: Span::new(hash as u32, list_end as u32),
            list: Span::new(list_start as u32, list_end as u32),
            starts_comment: hash == 0,
            comment: Span::default(),
        };
        let Some(list) = after.strip_prefix(':') else {
            // `# noqa` alone, or followed by text that is not a code list.
            if after.is_empty() || after.starts_with(char::is_whitespace) {
                return Some(make(Directive::All, at + 4, at + 4));
            }
            continue;
        };
        let list_start = at + 5;
        let mut codes = Vec::new();
        let mut end = list_start;
        let mut offset = list_start;
        for item in list.split(',') {
            let lead = item.len() - item.trim_start().len();
            let mut words = item.split_whitespace();
            let item_offset = offset;
            offset += item.len() + 1;
            let Some(first) = words.next() else { continue };
            if !first
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                break;
            }
            codes.push(first.to_string());
            end = item_offset + lead + first.len();
            // Text after the code (`# noqa: CEL001 why`) ends the list.
            if words.next().is_some() {
                break;
            }
        }
        let directive = if codes.is_empty() {
            Directive::All
        } else {
            Directive::Codes(codes)
        };
        return Some(make(directive, list_start, end.max(list_start)));
    }
    None
}

/// Codes in `# noqa:` comments that suppressed nothing, for CEL100. `used` holds
/// `(line, code as written)` pairs that did suppress a finding. Codes of other tools (`E501`)
/// are left alone.
pub fn unused(s: &Suppressions, used: &HashSet<(usize, String)>) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    for (line, n) in &s.lines {
        let Directive::Codes(codes) = &n.directive else {
            continue;
        };
        let stale: Vec<String> = codes
            .iter()
            .filter(|c| Rule::from_code_or_name(c).is_some_and(|r| r != Rule::UnusedNoqa))
            .filter(|c| !used.contains(&(*line, (*c).clone())))
            .cloned()
            .collect();
        if !stale.is_empty() {
            out.push((*line, stale));
        }
    }
    out
}

/// Drops what `# noqa` suppresses, adds CEL100 for the codes that suppressed nothing, keeps the
/// rules `rules_for` selects for each file, and sorts. Every rule has run, so a
/// `# noqa: CEL004` counts as used even when CEL004 is not selected.
pub fn filter(
    diagnostics: Vec<Diagnostic>,
    linted: &[Arc<ModuleData>],
    rules_for: &dyn Fn(&Path) -> Vec<Rule>,
) -> Vec<Diagnostic> {
    let mut rules_cache: HashMap<PathBuf, Vec<Rule>> = HashMap::new();
    let mut rules_for = |path: &Path| -> Vec<Rule> {
        rules_cache
            .entry(path.to_path_buf())
            .or_insert_with(|| rules_for(path))
            .clone()
    };
    let mut suppressions: HashMap<String, Suppressions> = HashMap::new();
    let mut used: HashMap<String, HashSet<(usize, String)>> = HashMap::new();
    let mut kept = Vec::with_capacity(diagnostics.len());
    for d in diagnostics {
        let Some(module) = &d.file.module else {
            kept.push(d);
            continue;
        };
        let s = suppressions
            .entry(d.file.display.clone())
            .or_insert_with(|| Suppressions::of(module));
        let line = d.start().row;
        match s.suppresses(line, d.rule) {
            None => kept.push(d),
            Some(Some(code)) => {
                used.entry(d.file.display.clone())
                    .or_default()
                    .insert((line, code));
            }
            Some(None) => {}
        }
    }
    for module in linted {
        if rules_for(&module.source.path).contains(&Rule::UnusedNoqa) {
            let s = Suppressions::of(module);
            let empty = HashSet::new();
            let used = used.get(&module.source.display).unwrap_or(&empty);
            for (line, stale) in unused(&s, used) {
                if let Some(n) = s.lines.get(&line) {
                    let d = rules::cel100_unused_noqa::diagnostic(module, n, &stale);
                    debug_assert!(
                        d.fix.as_ref().is_none_or(|f| d.rule.offers(f)),
                        "CEL100's fix is not its registered fix level"
                    );
                    kept.push(d);
                }
            }
        }
    }
    kept.retain(|d| {
        let path = match &d.file.module {
            Some(m) => m.source.path.clone(),
            None => PathBuf::from(&d.file.display),
        };
        rules_for(&path).contains(&d.rule)
    });
    kept.sort_by_cached_key(|d| d.sort_key());
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directive(s: &str) -> Option<Directive> {
        parse(s).map(|n| n.directive)
    }

    #[test]
    fn directives() {
        assert_eq!(directive("# noqa"), Some(Directive::All));
        assert_eq!(
            directive("#noqa: CEL001"),
            Some(Directive::Codes(vec!["CEL001".into()]))
        );
        assert_eq!(
            directive("# noqa: CEL001, shutdown-before-ready  because"),
            Some(Directive::Codes(vec![
                "CEL001".into(),
                "shutdown-before-ready".into()
            ]))
        );
        assert_eq!(
            directive("# type: ignore # NOQA:CEL002"),
            Some(Directive::Codes(vec!["CEL002".into()]))
        );
        assert_eq!(directive("# this is not a noqaish comment"), None);
        assert!(is_file_exemption("# celint: noqa"));
        assert!(!is_file_exemption("# celint: noqa: CEL001"));
    }

    #[test]
    fn spans() {
        let n = parse("# noqa: CEL001, E501  why").unwrap();
        assert_eq!((n.span.start, n.span.end), (0, 20));
        assert_eq!((n.list.start, n.list.end), (7, 20));
        let n = parse("# type: ignore  # noqa: CEL001").unwrap();
        assert_eq!(n.span.start, 16);
        assert!(!n.starts_comment);
    }
}
