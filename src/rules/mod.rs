//! The rule registry: every rule's code, name, severity and document, and rule selection by
//! code, prefix or name. The checks themselves live one per file beside this one.

pub mod cel001_shutdown_before_ready;
pub mod cel002_cel003_exit_in_process_init;
pub mod cel004_slow_process_init;
pub mod cel005_unbounded_process_init;
pub mod cel006_swallowed_raise;
pub mod cel007_broadcast_shutdown;
pub mod cel008_weak_local_receiver;
pub mod cel009_receiver_without_kwargs;
pub mod cel100_unused_noqa;
pub mod fixes;

use crate::diagnostic::Severity;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    SyntaxError,
    ShutdownBeforeReady,
    ExitAfterBlockingInit,
    ExitInProcessInit,
    SlowProcessInit,
    UnboundedProcessInit,
    SwallowedRaise,
    BroadcastShutdown,
    WeakLocalReceiver,
    ReceiverWithoutKwargs,
    UnusedNoqa,
}

struct RuleInfo {
    rule: Rule,
    code: &'static str,
    name: &'static str,
    severity: Severity,
    doc: &'static str,
}

const fn info(
    rule: Rule,
    code: &'static str,
    name: &'static str,
    severity: Severity,
    doc: &'static str,
) -> RuleInfo {
    RuleInfo {
        rule,
        code,
        name,
        severity,
        doc,
    }
}

use Severity::{Error, Warning};

static RULES: &[RuleInfo] = &[
    info(
        Rule::SyntaxError,
        "CEL000",
        "syntax-error",
        Error,
        include_str!("../../rules/CEL000.md"),
    ),
    info(
        Rule::ShutdownBeforeReady,
        "CEL001",
        "shutdown-before-ready",
        Error,
        include_str!("../../rules/CEL001.md"),
    ),
    info(
        Rule::ExitAfterBlockingInit,
        "CEL002",
        "exit-after-blocking-init",
        Error,
        include_str!("../../rules/CEL002.md"),
    ),
    info(
        Rule::ExitInProcessInit,
        "CEL003",
        "exit-in-process-init",
        Warning,
        include_str!("../../rules/CEL003.md"),
    ),
    info(
        Rule::SlowProcessInit,
        "CEL004",
        "slow-process-init",
        Error,
        include_str!("../../rules/CEL004.md"),
    ),
    info(
        Rule::UnboundedProcessInit,
        "CEL005",
        "unbounded-process-init",
        Warning,
        include_str!("../../rules/CEL005.md"),
    ),
    info(
        Rule::SwallowedRaise,
        "CEL006",
        "swallowed-raise",
        Warning,
        include_str!("../../rules/CEL006.md"),
    ),
    info(
        Rule::BroadcastShutdown,
        "CEL007",
        "broadcast-shutdown",
        Warning,
        include_str!("../../rules/CEL007.md"),
    ),
    info(
        Rule::WeakLocalReceiver,
        "CEL008",
        "weak-local-receiver",
        Error,
        include_str!("../../rules/CEL008.md"),
    ),
    info(
        Rule::ReceiverWithoutKwargs,
        "CEL009",
        "receiver-without-kwargs",
        Error,
        include_str!("../../rules/CEL009.md"),
    ),
    info(
        Rule::UnusedNoqa,
        "CEL100",
        "unused-noqa",
        Warning,
        include_str!("../../rules/CEL100.md"),
    ),
];

/// Never used: every rule is in RULES. It only spares `info` a panic path.
static FALLBACK: RuleInfo = info(
    Rule::SyntaxError,
    "CEL000",
    "syntax-error",
    Error,
    include_str!("../../rules/CEL000.md"),
);

impl Rule {
    pub fn all() -> impl Iterator<Item = Rule> {
        RULES.iter().map(|r| r.rule)
    }

    /// The rules checked when none are selected: all but CEL100, which is opt-in.
    pub fn defaults() -> impl Iterator<Item = Rule> {
        Rule::all().filter(|r| *r != Rule::UnusedNoqa)
    }

    fn info(self) -> &'static RuleInfo {
        // RULES holds one entry per variant, in declaration order (a unit test checks it).
        RULES
            .get(self as usize)
            .filter(|r| r.rule == self)
            .or_else(|| RULES.iter().find(|r| r.rule == self))
            .unwrap_or(&FALLBACK)
    }

    pub fn code(self) -> &'static str {
        self.info().code
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn severity(self) -> Severity {
        self.info().severity
    }

    pub fn doc(self) -> &'static str {
        self.info().doc
    }

    pub fn url(self) -> String {
        format!(
            "https://github.com/celint/celint/blob/main/rules/{}.md",
            self.code()
        )
    }

    /// A rule by code or name, case-insensitively.
    pub fn from_code_or_name(s: &str) -> Option<Rule> {
        RULES
            .iter()
            .find(|r| r.code.eq_ignore_ascii_case(s) || r.name.eq_ignore_ascii_case(s))
            .map(|r| r.rule)
    }
}

/// The rules a `--select`/`--ignore` item names: a code, a code prefix (`CEL00`, `CEL`), a
/// name, or `ALL`. `None` when it names nothing.
pub fn parse_selector(s: &str) -> Option<Vec<Rule>> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("ALL") {
        return Some(Rule::all().collect());
    }
    if let Some(rule) = Rule::from_code_or_name(s) {
        return Some(vec![rule]);
    }
    let upper = s.to_ascii_uppercase();
    let matched: Vec<Rule> = RULES
        .iter()
        .filter(|r| !upper.is_empty() && r.code.starts_with(&upper))
        .map(|r| r.rule)
        .collect();
    if matched.is_empty() {
        None
    } else {
        Some(matched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_in_declaration_order() {
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(r.rule as usize, i);
            if r.rule != Rule::UnusedNoqa {
                assert_eq!(r.code, format!("CEL{i:03}"));
            }
            assert!(
                r.doc.starts_with(&format!("# {} {}", r.code, r.name)),
                "{}",
                r.code
            );
        }
    }

    #[test]
    fn selectors() {
        assert_eq!(parse_selector("CEL00").map(|v| v.len()), Some(10));
        assert_eq!(parse_selector("CEL1"), Some(vec![Rule::UnusedNoqa]));
        assert_eq!(
            parse_selector("cel001"),
            Some(vec![Rule::ShutdownBeforeReady])
        );
        assert_eq!(
            parse_selector("weak-local-receiver"),
            Some(vec![Rule::WeakLocalReceiver])
        );
        assert_eq!(parse_selector("E501"), None);
    }
}
