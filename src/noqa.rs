//! Suppression comments: `# noqa` / `# noqa: CEL001, shutdown-before-ready` on the first line of
//! a finding's anchor, and `# celint: noqa` on its own line for the whole file.

use std::collections::HashMap;

use crate::project::ModuleData;
use crate::rules::Rule;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    /// Bare `# noqa`.
    All,
    /// `# noqa: A, B` (codes or names, as written).
    Codes(Vec<String>),
}

#[derive(Debug, Default)]
pub struct Suppressions {
    pub file_exempt: bool,
    pub lines: HashMap<usize, Directive>,
}

impl Suppressions {
    pub fn of(module: &ModuleData) -> Self {
        let mut out = Suppressions::default();
        let src = &module.source;
        for span in &module.parsed.comments {
            let text = src.slice(*span);
            let line = src.line_of(span.start);
            let line_text = src.slice(src.line_span(line));
            let own_line = line_text.trim_start().starts_with('#');
            if own_line && is_file_exemption(text) {
                out.file_exempt = true;
                continue;
            }
            if let Some(d) = parse(text) {
                out.lines.insert(line, d);
            }
        }
        out
    }

    pub fn suppresses(&self, line: usize, rule: Rule) -> bool {
        if self.file_exempt {
            return true;
        }
        match self.lines.get(&line) {
            None => false,
            Some(Directive::All) => true,
            Some(Directive::Codes(codes)) => codes.iter().any(|c| {
                c.eq_ignore_ascii_case(rule.code()) || c.eq_ignore_ascii_case(rule.name())
            }),
        }
    }
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
pub fn parse(comment: &str) -> Option<Directive> {
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
        let after = comment.get(at + 4..).unwrap_or("");
        let Some(list) = after.strip_prefix(':') else {
            // `# noqa` alone, or followed by text that is not a code list.
            if after.is_empty() || after.starts_with(char::is_whitespace) {
                return Some(Directive::All);
            }
            continue;
        };
        let mut codes = Vec::new();
        for item in list.split(',') {
            let mut words = item.split_whitespace();
            let Some(first) = words.next() else { continue };
            if !first
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                break;
            }
            codes.push(first.to_string());
            // Text after the code (`# noqa: CEL001 why`) ends the list.
            if words.next().is_some() {
                break;
            }
        }
        return Some(if codes.is_empty() {
            Directive::All
        } else {
            Directive::Codes(codes)
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives() {
        assert_eq!(parse("# noqa"), Some(Directive::All));
        assert_eq!(
            parse("#noqa: CEL001"),
            Some(Directive::Codes(vec!["CEL001".into()]))
        );
        assert_eq!(
            parse("# noqa: CEL001, shutdown-before-ready  because"),
            Some(Directive::Codes(vec![
                "CEL001".into(),
                "shutdown-before-ready".into()
            ]))
        );
        assert_eq!(
            parse("# type: ignore # NOQA:CEL002"),
            Some(Directive::Codes(vec!["CEL002".into()]))
        );
        assert_eq!(parse("# this is not a noqaish comment"), None);
        assert!(is_file_exemption("# celint: noqa"));
        assert!(!is_file_exemption("# celint: noqa: CEL001"));
    }
}
