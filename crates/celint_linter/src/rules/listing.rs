//! The registry as users read it: the codes in one phrase (`--help`, unknown-rule messages),
//! and `celint rule` in text and JSON. Everything here is derived from `Rule::ALL`, so a new
//! rule appears without touching this file.

use serde::Serialize;

use super::Rule;

/// The codes as ranges of consecutive numbers: "CEL000 to CEL014 and CEL100".
pub fn codes_summary() -> String {
    let mut ranges: Vec<(Rule, Rule)> = Vec::new();
    for rule in Rule::all() {
        match ranges.last_mut() {
            Some((_, last)) if number(*last).map(|n| n + 1) == number(rule) => *last = rule,
            _ => ranges.push((rule, rule)),
        }
    }
    let parts: Vec<String> = ranges
        .iter()
        .map(|(first, last)| match first == last {
            true => first.code().to_string(),
            false => format!("{} to {}", first.code(), last.code()),
        })
        .collect();
    match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

fn number(rule: Rule) -> Option<u32> {
    rule.code().trim_start_matches("CEL").parse().ok()
}

/// `--help`'s closing lines.
pub fn after_help() -> String {
    format!(
        "Exit status: 0 no findings, 1 findings, 2 usage or internal error.\n\
         Rules: {}; `celint rule CEL001` prints a rule's document, `celint rule --all` lists them.",
        codes_summary()
    )
}

/// The help of an unknown-rule error.
pub fn unknown_rule_help() -> String {
    format!(
        "rules are {}; names such as {} work too (`celint rule --all` lists them)",
        codes_summary(),
        Rule::ShutdownBeforeReady.name()
    )
}

/// A rule document's `## What it does`, as one paragraph (SARIF's full description).
pub fn what_it_does(rule: Rule) -> String {
    let body = rule
        .doc()
        .split_once("## What it does")
        .map(|(_, rest)| rest)
        .unwrap_or("");
    let section = body.split("\n## ").next().unwrap_or("");
    section.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Its first sentence (`celint rule`'s summary, SARIF's short description).
pub fn summary(rule: Rule) -> String {
    let text = what_it_does(rule);
    match text.find(". ") {
        Some(i) => text.get(..=i).unwrap_or(&text).to_string(),
        None => text,
    }
}

#[derive(Serialize)]
struct RuleJson {
    code: &'static str,
    name: &'static str,
    linter: &'static str,
    summary: String,
    severity: &'static str,
    fix: &'static str,
    /// Checked when no rule is selected (CEL100 is opt-in).
    default: bool,
    url: Option<String>,
    explanation: &'static str,
}

fn json(rule: Rule) -> RuleJson {
    RuleJson {
        code: rule.code(),
        name: rule.name(),
        linter: "celint",
        summary: summary(rule),
        severity: rule.severity().as_str(),
        fix: rule.fix_level().as_str(),
        default: Rule::defaults().any(|r| r == rule),
        url: rule.url(),
        explanation: rule.doc(),
    }
}

/// `celint rule CODE`: the document, or one JSON object.
pub fn one(rule: Rule, as_json: bool) -> String {
    if as_json {
        serde_json::to_string_pretty(&json(rule)).unwrap_or_default() + "\n"
    } else {
        rule.doc().to_string()
    }
}

/// `celint rule --all`: every document, one after the other, or a JSON array.
pub fn all(as_json: bool) -> String {
    if as_json {
        let rules: Vec<RuleJson> = Rule::all().map(json).collect();
        return serde_json::to_string_pretty(&rules).unwrap_or_default() + "\n";
    }
    let docs: Vec<&str> = Rule::all().map(|r| r.doc().trim_end()).collect();
    docs.join("\n\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_summary_follows_the_registry() {
        // Derived, not written: CEL000..=CEL011 are consecutive, CEL100 stands alone.
        let last = Rule::all()
            .filter(|r| *r != Rule::UnusedNoqa)
            .last()
            .map(Rule::code);
        assert_eq!(
            codes_summary(),
            format!("CEL000 to {} and CEL100", last.unwrap_or_default())
        );
        assert!(after_help().contains(&codes_summary()));
    }

    #[test]
    fn summaries_are_one_sentence() {
        for rule in Rule::all() {
            let s = summary(rule);
            assert!(s.ends_with('.') && !s.is_empty(), "{}: {s}", rule.code());
        }
    }
}
