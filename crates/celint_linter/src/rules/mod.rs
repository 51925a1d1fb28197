//! The rule registry: one list, in `rules!` below, gives every rule its code, name, severity,
//! fix level, document and check. The enum `Rule` and every lookup are generated from that list,
//! so a rule cannot exist without its data, and no lookup can miss. The checks themselves live
//! one per file beside this one.

pub mod arguments;
pub mod cel000_syntax_error;
pub mod cel001_shutdown_before_ready;
pub mod cel002_cel003_exit_in_process_init;
pub mod cel004_slow_process_init;
pub mod cel005_unbounded_process_init;
pub mod cel006_swallowed_raise;
pub mod cel007_broadcast_shutdown;
pub mod cel008_weak_local_receiver;
pub mod cel009_receiver_without_kwargs;
pub mod cel010_fork_inherited_connection;
pub mod cel011_thread_before_fork;
pub mod cel012_sender_never_matches;
pub mod cel013_connected_too_late;
pub mod cel014_dead_receiver;
pub mod cel015_publish_body_protocol_1;
pub mod cel016_logging_takeover;
pub mod cel017_blocks_main_process;
pub mod cel018_no_request_context;
pub mod cel100_unused_noqa;
pub mod fixes;
pub mod listing;
pub mod text;

use crate::checker::{Checker, Handler};
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};

/// How a rule's fixes may be applied, as its document's `Fix:` line says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixLevel {
    /// The rule offers no fix.
    None,
    /// Applied with `--fix`.
    Safe,
    /// Applied with `--unsafe-fixes`.
    Unsafe,
    /// Shown, never applied.
    DisplayOnly,
}

impl FixLevel {
    /// As the rule documents write it.
    pub fn as_str(self) -> &'static str {
        match self {
            FixLevel::None => "none",
            FixLevel::Safe => "safe",
            FixLevel::Unsafe => "unsafe",
            FixLevel::DisplayOnly => "display-only",
        }
    }

    /// The applicability of the fixes the rule offers; `None` when it offers none.
    pub fn applicability(self) -> Option<Applicability> {
        match self {
            FixLevel::None => None,
            FixLevel::Safe => Some(Applicability::Safe),
            FixLevel::Unsafe => Some(Applicability::Unsafe),
            FixLevel::DisplayOnly => Some(Applicability::DisplayOnly),
        }
    }
}

/// A per-handler check: adds its findings for one handler to the list.
pub type CheckFn = fn(&Checker, &Handler, &mut Vec<Diagnostic>);

/// A whole-project check: adds its findings from what the fork analysis found.
pub type ProjectCheckFn = fn(&Checker, &celint_analysis::fork::Facts, &mut Vec<Diagnostic>);

/// Where a rule's findings come from.
#[derive(Clone, Copy, Debug)]
pub enum Check {
    /// Runs for every connection, whether or not the receiver is ever called: these rules are
    /// about the connection itself (CEL008, CEL009).
    Receiver(CheckFn),
    /// Runs once per (receiver, signal), for receivers that are called: these rules are about
    /// what the handler's body does.
    Body(CheckFn),
    /// Runs once for the whole project: these rules are about what the worker's main process
    /// does before the pool forks, not about one handler (CEL010, CEL011).
    Project(ProjectCheckFn),
    /// Found by the named rule's check, which tells the two apart (CEL003 by CEL002's): the
    /// check is not run a second time for this rule.
    ReportedBy(Rule),
    /// Made by the pipeline for a file that does not decode or parse (`cel000_syntax_error`).
    Syntax,
    /// Made by the `# noqa` filter once every other rule has run (`noqa::filter`).
    Noqa,
}

/// One rule's entry in the registry.
#[derive(Clone, Copy, Debug)]
struct Spec {
    code: &'static str,
    name: &'static str,
    severity: Severity,
    fix: FixLevel,
    doc: &'static str,
    check: Check,
}

/// Generates `Rule` and its one exhaustive `match` from the list of rules. Every field is
/// required by the pattern, and the document is `rules/<code>.md`: a rule without its data,
/// or without its document, does not compile.
macro_rules! rules {
    ($(
        $(#[$attr:meta])*
        $variant:ident {
            code: $code:literal,
            name: $name:literal,
            severity: $severity:ident,
            fix: $fix:ident,
            check: $check:expr $(,)?
        }
    )*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $($(#[$attr])* $variant,)*
        }

        impl Rule {
            /// Every rule, in code order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            fn spec(self) -> Spec {
                match self {
                    $(Rule::$variant => Spec {
                        code: $code,
                        name: $name,
                        severity: Severity::$severity,
                        fix: FixLevel::$fix,
                        doc: include_str!(concat!("../../../../rules/", $code, ".md")),
                        check: $check,
                    },)*
                }
            }
        }
    };
}

rules! {
    SyntaxError {
        code: "CEL000",
        name: "syntax-error",
        severity: Error,
        fix: None,
        check: Check::Syntax,
    }
    ShutdownBeforeReady {
        code: "CEL001",
        name: "shutdown-before-ready",
        severity: Error,
        fix: Unsafe,
        check: Check::Body(cel001_shutdown_before_ready::check),
    }
    ExitAfterBlockingInit {
        code: "CEL002",
        name: "exit-after-blocking-init",
        severity: Error,
        fix: Unsafe,
        check: Check::Body(cel002_cel003_exit_in_process_init::check),
    }
    ExitInProcessInit {
        code: "CEL003",
        name: "exit-in-process-init",
        severity: Warning,
        fix: Unsafe,
        check: Check::ReportedBy(Rule::ExitAfterBlockingInit),
    }
    SlowProcessInit {
        code: "CEL004",
        name: "slow-process-init",
        severity: Error,
        fix: DisplayOnly,
        check: Check::Body(cel004_slow_process_init::check),
    }
    UnboundedProcessInit {
        code: "CEL005",
        name: "unbounded-process-init",
        severity: Warning,
        fix: DisplayOnly,
        check: Check::Body(cel005_unbounded_process_init::check),
    }
    SwallowedRaise {
        code: "CEL006",
        name: "swallowed-raise",
        severity: Warning,
        fix: DisplayOnly,
        check: Check::Body(cel006_swallowed_raise::check),
    }
    BroadcastShutdown {
        code: "CEL007",
        name: "broadcast-shutdown",
        severity: Warning,
        fix: DisplayOnly,
        check: Check::Body(cel007_broadcast_shutdown::check),
    }
    WeakLocalReceiver {
        code: "CEL008",
        name: "weak-local-receiver",
        severity: Error,
        fix: Safe,
        check: Check::Receiver(cel008_weak_local_receiver::check),
    }
    ReceiverWithoutKwargs {
        code: "CEL009",
        name: "receiver-without-kwargs",
        severity: Error,
        fix: Safe,
        check: Check::Receiver(cel009_receiver_without_kwargs::check),
    }
    ForkInheritedConnection {
        code: "CEL010",
        name: "fork-inherited-connection",
        severity: Error,
        fix: DisplayOnly,
        check: Check::Project(cel010_fork_inherited_connection::check),
    }
    ThreadBeforeFork {
        code: "CEL011",
        name: "thread-before-fork",
        severity: Warning,
        fix: DisplayOnly,
        check: Check::Project(cel011_thread_before_fork::check),
    }
    SenderNeverMatches {
        code: "CEL012",
        name: "sender-never-matches",
        severity: Error,
        fix: DisplayOnly,
        check: Check::Receiver(cel012_sender_never_matches::check),
    }
    ConnectedTooLate {
        code: "CEL013",
        name: "connected-too-late",
        severity: Error,
        fix: None,
        check: Check::Receiver(cel013_connected_too_late::check),
    }
    DeadReceiver {
        code: "CEL014",
        name: "dead-receiver",
        severity: Error,
        fix: None,
        check: Check::Receiver(cel014_dead_receiver::check),
    }
    PublishBodyProtocol1 {
        code: "CEL015",
        name: "publish-body-protocol-1",
        severity: Error,
        fix: Unsafe,
        check: Check::Body(cel015_publish_body_protocol_1::check),
    }
    LoggingTakeover {
        code: "CEL016",
        name: "logging-takeover",
        severity: Error,
        fix: None,
        check: Check::Receiver(cel016_logging_takeover::check),
    }
    BlocksMainProcess {
        code: "CEL017",
        name: "blocks-main-process",
        severity: Warning,
        fix: DisplayOnly,
        check: Check::Body(cel017_blocks_main_process::check),
    }
    NoRequestContext {
        code: "CEL018",
        name: "no-request-context",
        severity: Warning,
        fix: None,
        check: Check::Body(cel018_no_request_context::check),
    }
    UnusedNoqa {
        code: "CEL100",
        name: "unused-noqa",
        severity: Warning,
        fix: Safe,
        check: Check::Noqa,
    }
}

impl Rule {
    pub fn all() -> impl Iterator<Item = Rule> {
        Rule::ALL.iter().copied()
    }

    /// The rules checked when none are selected: all but CEL100, which is opt-in.
    pub fn defaults() -> impl Iterator<Item = Rule> {
        Rule::all().filter(|r| *r != Rule::UnusedNoqa)
    }

    pub fn code(self) -> &'static str {
        self.spec().code
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn severity(self) -> Severity {
        self.spec().severity
    }

    pub fn fix_level(self) -> FixLevel {
        self.spec().fix
    }

    pub fn doc(self) -> &'static str {
        self.spec().doc
    }

    pub fn check(self) -> Check {
        self.spec().check
    }

    /// Whether `fix` is one this rule may offer: its applicability is the rule's fix level.
    pub fn offers(self, fix: &Fix) -> bool {
        self.fix_level().applicability() == Some(fix.applicability)
    }

    /// The rule's document on the project's public home, `None` while there is none.
    pub fn url(self) -> Option<String> {
        crate::home().map(|home| format!("{home}/blob/main/rules/{}.md", self.code()))
    }

    /// A rule by code or name, case-insensitively.
    pub fn from_code_or_name(s: &str) -> Option<Rule> {
        Rule::all().find(|r| r.code().eq_ignore_ascii_case(s) || r.name().eq_ignore_ascii_case(s))
    }
}

/// The checks run for every connection, in code order.
pub fn receiver_checks() -> Vec<CheckFn> {
    Rule::all()
        .filter_map(|r| match r.check() {
            Check::Receiver(f) => Some(f),
            _ => None,
        })
        .collect()
}

/// The checks run once per called (receiver, signal), in code order.
pub fn body_checks() -> Vec<CheckFn> {
    Rule::all()
        .filter_map(|r| match r.check() {
            Check::Body(f) => Some(f),
            _ => None,
        })
        .collect()
}

/// The whole-project checks, in code order.
pub fn project_checks() -> Vec<ProjectCheckFn> {
    Rule::all()
        .filter_map(|r| match r.check() {
            Check::Project(f) => Some(f),
            _ => None,
        })
        .collect()
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
    let matched: Vec<Rule> = Rule::all()
        .filter(|r| !upper.is_empty() && r.code().starts_with(&upper))
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
    fn registry_is_in_code_order() {
        for (i, r) in Rule::all().enumerate() {
            // `Rule` derives `Ord`: findings and counts sort by it as by code.
            assert_eq!(r as usize, i);
            if r != Rule::UnusedNoqa {
                assert_eq!(r.code(), format!("CEL{i:03}"));
            }
            assert!(
                r.doc()
                    .starts_with(&format!("# {} {}\n", r.code(), r.name())),
                "{}",
                r.code()
            );
        }
        let mut names: Vec<&str> = Rule::all().map(Rule::name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Rule::ALL.len());
    }

    #[test]
    fn shared_checks_name_a_rule_that_runs() {
        for r in Rule::all() {
            if let Check::ReportedBy(by) = r.check() {
                assert!(
                    matches!(
                        by.check(),
                        Check::Receiver(_) | Check::Body(_) | Check::Project(_)
                    ),
                    "{} is reported by {}, which has no check",
                    r.code(),
                    by.code()
                );
            }
        }
        assert_eq!(receiver_checks().len(), 6);
        assert_eq!(body_checks().len(), 9);
        assert_eq!(project_checks().len(), 2);
    }

    #[test]
    fn selectors() {
        assert_eq!(parse_selector("CEL00").map(|v| v.len()), Some(10));
        assert_eq!(parse_selector("CEL1"), Some(vec![Rule::UnusedNoqa]));
        assert_eq!(
            parse_selector("CEL01"),
            Some(vec![
                Rule::ForkInheritedConnection,
                Rule::ThreadBeforeFork,
                Rule::SenderNeverMatches,
                Rule::ConnectedTooLate,
                Rule::DeadReceiver,
                Rule::PublishBodyProtocol1,
                Rule::LoggingTakeover,
                Rule::BlocksMainProcess,
                Rule::NoRequestContext,
            ])
        );
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
