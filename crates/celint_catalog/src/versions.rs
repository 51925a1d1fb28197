//! Facts about Celery that change between versions (`versions.toml`, compiled in and parsed once):
//! rules ask on which of the project's versions (`celery_version::Pin`) a fact holds. A broken
//! table fails the unit test `every_fact_is_in_the_table`; at run time a fact missing from it
//! holds on the newest version only, never panics.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::releases::{Pin, VersionSet, NEWEST};
use crate::signals::Versions;

pub const SOURCE: &str = include_str!("versions.toml");

/// Each fact a rule consults, by its key in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fact {
    /// `body` of a publish signal is protocol 2's tuple.
    MessageProtocol2,
    /// A `setup_logging` receiver's exception stops the worker instead of being swallowed.
    SetupLoggingRaisesThrough,
    /// `worker_proc_alive_timeout` is read.
    ProcAliveTimeoutSetting,
    /// `worker_pool_start_method` is read.
    PoolStartMethodSetting,
    /// `Signal.send` catches a receiver's `Exception` (before, it propagates).
    SignalSendCatches,
    /// `import_modules`' receivers' exceptions propagate.
    ImportModulesRaisesThrough,
    /// `Signal.connect` refuses a receiver without `**kwargs`.
    ConnectChecksKwargs,
    /// The main process sends `task_failure` (time limits, a lost worker).
    TaskFailureFromMainProcess,
}

impl Fact {
    pub const ALL: &'static [Fact] = &[
        Fact::MessageProtocol2,
        Fact::SetupLoggingRaisesThrough,
        Fact::ProcAliveTimeoutSetting,
        Fact::PoolStartMethodSetting,
        Fact::SignalSendCatches,
        Fact::ImportModulesRaisesThrough,
        Fact::ConnectChecksKwargs,
        Fact::TaskFailureFromMainProcess,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Fact::MessageProtocol2 => "message-protocol-2",
            Fact::SetupLoggingRaisesThrough => "setup-logging-raises-through",
            Fact::ProcAliveTimeoutSetting => "proc-alive-timeout-setting",
            Fact::PoolStartMethodSetting => "pool-start-method-setting",
            Fact::SignalSendCatches => "signal-send-catches",
            Fact::ImportModulesRaisesThrough => "import-modules-raises-through",
            Fact::ConnectChecksKwargs => "connect-checks-kwargs",
            Fact::TaskFailureFromMainProcess => "task-failure-from-main-process",
        }
    }

    /// The versions it holds on.
    pub fn versions(self) -> VersionSet {
        table()
            .iter()
            .find(|(name, _, _)| name == self.key())
            .map_or(VersionSet::only(NEWEST), |(_, v, _)| *v)
    }

    /// What the table says of it.
    pub fn note(self) -> &'static str {
        table()
            .iter()
            .find(|(name, _, _)| name == self.key())
            .map_or("", |(_, _, n)| n.as_str())
    }

    /// The pin's versions it holds on.
    pub fn on(self, pin: &Pin) -> VersionSet {
        pin.versions.intersect(self.versions())
    }

    /// Does it hold on every version the pin allows?
    pub fn always(self, pin: &Pin) -> bool {
        self.on(pin) == pin.versions
    }

    /// Does it hold on none of them?
    pub fn never(self, pin: &Pin) -> bool {
        self.on(pin).is_empty()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    fact: Vec<RawFact>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFact {
    name: String,
    versions: RawVersions,
    note: String,
}

/// One range, or several any of which may hold.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawVersions {
    One(String),
    Any(Vec<String>),
}

type Table = Vec<(String, VersionSet, String)>;

fn parse(text: &str) -> Result<Table, String> {
    let raw: RawTable = toml::from_str(text).map_err(|e| e.message().to_string())?;
    raw.fact
        .into_iter()
        .map(|f| {
            let ranges = match f.versions {
                RawVersions::One(r) => vec![r],
                RawVersions::Any(rs) => rs,
            };
            let mut set = VersionSet::EMPTY;
            for r in ranges {
                let v = Versions::parse(&r).map_err(|e| format!("fact `{}`: {e}", f.name))?;
                set = set.union(VersionSet::of(&v));
            }
            Ok((f.name, set, f.note))
        })
        .collect()
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| parse(SOURCE).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fact_is_in_the_table() {
        let table = parse(SOURCE).expect("versions.toml parses");
        for f in Fact::ALL {
            assert!(
                table
                    .iter()
                    .any(|(name, v, _)| name == f.key() && !v.is_empty()),
                "{} missing or empty",
                f.key()
            );
        }
        assert_eq!(table.len(), Fact::ALL.len(), "a fact no rule names");
    }

    #[test]
    fn ranges() {
        assert_eq!(Fact::MessageProtocol2.versions().describe(), "4.0 to 5.7");
        assert_eq!(
            Fact::SetupLoggingRaisesThrough.versions().describe(),
            "3.0, 3.1, 5.7"
        );
    }
}
