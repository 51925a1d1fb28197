//! The blocking-call catalogue: calls outside the project that block, what kind of work they
//! do, and how an argument bounds them. The entries are data (`blocking.toml`, compiled in and
//! parsed once, on first use); users add entries with the same schema in `[tool.celint]`.
//!
//! Patterns match the dotted path celint resolves a callee to: `time.sleep` exactly;
//! `redis.Redis.*` any method called on an instance of that class (or what a factory returns),
//! except the entry's `except` methods; `*.from_pretrained` any callee whose path ends so.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

/// The catalogue's source, compiled into the binary.
pub const SOURCE: &str = include_str!("blocking.toml");

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Sleep,
    Network,
    Database,
    Subprocess,
    ModelLoad,
    Download,
    Wait,
    Disk,
    Input,
    EventLoop,
    /// Added by the user without a kind (`--blocking-call`).
    #[serde(rename = "blocking")]
    Custom,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Sleep => "sleep",
            Kind::Network => "network call",
            Kind::Database => "database connection",
            Kind::Subprocess => "subprocess",
            Kind::ModelLoad => "model loading",
            Kind::Download => "download",
            Kind::Wait => "wait",
            Kind::Disk => "disk I/O",
            Kind::Input => "read from standard input",
            Kind::EventLoop => "event loop run",
            Kind::Custom => "blocking call",
        }
    }
}

/// Where an argument of the call sits: by position and/or by keyword.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Arg {
    pub position: Option<usize>,
    pub keyword: Option<String>,
}

/// How a timeout is given (`timeout = { ... }` in the data).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TimeoutSpec {
    pub position: Option<usize>,
    pub keyword: Option<String>,
    /// The library's own bound when the argument is left out (httpx: 5 s; PyMySQL: 10 s).
    pub default: Option<f64>,
    /// The versions `default` holds for.
    pub versions: Option<String>,
    /// A key of a libpq connection string that bounds the call (`connect_timeout=5`).
    pub dsn_key: Option<String>,
    /// Where the bound is set when the call cannot show it (a client's configuration).
    pub set_on: Option<String>,
}

impl TimeoutSpec {
    pub fn arg(&self) -> Arg {
        Arg {
            position: self.position,
            keyword: self.keyword.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Bound {
    /// The argument is the duration in seconds (`time.sleep`).
    Duration(Arg),
    /// Blocks until done unless the argument bounds it.
    Timeout(TimeoutSpec),
    /// No argument bounds it: its duration is unknown.
    Unbounded,
}

/// One entry as written, in the built-in file or a user's configuration.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawEntry {
    pub name: String,
    pub kind: Option<Kind>,
    pub timeout: Option<TimeoutSpec>,
    pub duration: Option<Arg>,
    pub nonblocking_when_false: Option<Arg>,
    pub only_when: Option<Vec<Arg>>,
    pub local_when_argument_calls: Option<String>,
    #[serde(default)]
    pub opens_connection: bool,
    pub checks_out_of: Option<Arg>,
    pub except: Option<Vec<String>>,
    pub reason: Option<String>,
    pub reference: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub pattern: String,
    pub kind: Kind,
    pub bound: Bound,
    /// The call does not block when this argument is the constant `False`
    /// (`queue.get(block=False)`, `lock.acquire(blocking=False)`).
    pub nonblocking_when_false: Option<Arg>,
    /// The call blocks only when one of these arguments is given and is not `False`/`None`
    /// (`timm.create_model(..., pretrained=True)`).
    pub only_when: Vec<Arg>,
    /// Not counted when the first argument is a call of this function
    /// (`socket.gethostbyname(socket.gethostname())`).
    pub local_when_argument_calls: Option<String>,
    pub opens_connection: bool,
    /// The argument whose connection pool the call checks a connection out of and leaves it
    /// open in (`metadata.create_all(engine)`); a method's pool is its instance's.
    pub checks_out_of: Option<Arg>,
    /// Methods of a `.*` entry's instances that do not block.
    pub except: Vec<String>,
    pub reason: String,
    pub reference: String,
}

/// A schema error: which entry (by number from 1, and name when it has one), which key.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaError {
    pub index: usize,
    pub name: String,
    pub key: &'static str,
    pub message: String,
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "entry {} (`{}`), key `{}`: {}",
            self.index + 1,
            self.name,
            self.key,
            self.message
        )
    }
}

impl RawEntry {
    /// The entry this describes, checked: a pattern celint can match, one way of bounding it,
    /// durations that are numbers of seconds.
    pub fn check(self, index: usize) -> Result<Entry, SchemaError> {
        let err = |key: &'static str, message: String| SchemaError {
            index,
            name: self.name.clone(),
            key,
            message,
        };
        check_pattern(&self.name).map_err(|m| err("name", m))?;
        let bound = match (&self.timeout, &self.duration) {
            (Some(_), Some(_)) => {
                return Err(err(
                    "duration",
                    "an entry has a `timeout` or a `duration`, not both".into(),
                ))
            }
            (Some(t), None) => {
                if let Some(d) = t.default {
                    if !(d.is_finite() && d > 0.0) {
                        return Err(err(
                            "timeout",
                            "`default` must be a positive number of seconds".into(),
                        ));
                    }
                }
                Bound::Timeout(t.clone())
            }
            (None, Some(d)) => {
                if d.position.is_none() && d.keyword.is_none() {
                    return Err(err(
                        "duration",
                        "give the argument's `position` or `keyword`".into(),
                    ));
                }
                Bound::Duration(d.clone())
            }
            (None, None) => Bound::Unbounded,
        };
        let args = self
            .nonblocking_when_false
            .iter()
            .map(|a| ("nonblocking-when-false", a))
            .chain(self.checks_out_of.iter().map(|a| ("checks-out-of", a)));
        let only = self.only_when.iter().flatten().map(|a| ("only-when", a));
        if let Some((key, _)) = args
            .chain(only)
            .find(|(_, a)| a.position.is_none() && a.keyword.is_none())
        {
            return Err(err(
                key,
                "give the argument's `position` or `keyword`".into(),
            ));
        }
        if self.except.is_some() && !self.name.ends_with(".*") {
            return Err(err(
                "except",
                "`except` lists methods of a `module.Class.*` entry".into(),
            ));
        }
        Ok(Entry {
            kind: self.kind.unwrap_or(Kind::Custom),
            bound,
            nonblocking_when_false: self.nonblocking_when_false,
            only_when: self.only_when.unwrap_or_default(),
            local_when_argument_calls: self.local_when_argument_calls,
            opens_connection: self.opens_connection || self.checks_out_of.is_some(),
            checks_out_of: self.checks_out_of,
            except: self.except.unwrap_or_default(),
            reason: self.reason.unwrap_or_default(),
            reference: self.reference.unwrap_or_default(),
            pattern: self.name,
        })
    }
}

/// A pattern is a dotted name, `*.suffix` or `prefix.*`, with no other `*` and no empty part.
fn check_pattern(name: &str) -> Result<(), String> {
    let core = name
        .strip_prefix("*.")
        .or_else(|| name.strip_suffix(".*"))
        .unwrap_or(name);
    let valid = !core.is_empty()
        && core.split('.').all(|part| {
            !part.is_empty()
                && part.chars().all(|c| c.is_alphanumeric() || c == '_')
                && !part.starts_with(|c: char| c.is_ascii_digit())
        });
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a dotted name (`mylib.load`), `module.Class.*` or `*.method`"
        ))
    }
}

/// A user entry that names a call only (`--blocking-call`, `extend-blocking-calls`): bounded
/// by `timeout=` when given, unbounded otherwise.
pub fn named(name: &str) -> Entry {
    Entry {
        pattern: name.to_string(),
        kind: Kind::Custom,
        bound: Bound::Timeout(TimeoutSpec {
            keyword: Some("timeout".into()),
            ..TimeoutSpec::default()
        }),
        nonblocking_when_false: None,
        only_when: Vec::new(),
        local_when_argument_calls: None,
        opens_connection: false,
        checks_out_of: None,
        except: Vec::new(),
        reason: String::new(),
        reference: String::new(),
    }
}

/// The user's additions: entries with the full schema (`[[tool.celint.blocking-calls]]`),
/// matched before the catalogue so that they can correct it; and names only
/// (`--blocking-call`, `extend-blocking-calls`), matched after it, as before entries existed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserEntries {
    pub entries: Vec<Entry>,
    pub names: Vec<String>,
}

impl UserEntries {
    /// The dotted names the user's entries and names give exactly (not `*.suffix` patterns;
    /// `prefix.*` gives its prefix).
    pub fn exact_names(&self) -> Vec<String> {
        let entries = self.entries.iter().filter_map(|e| {
            let p = e.pattern.as_str();
            match p.strip_suffix(".*") {
                Some(prefix) => Some(prefix.to_string()),
                None => (!p.starts_with('*')).then(|| p.to_string()),
            }
        });
        entries.chain(self.names.iter().cloned()).collect()
    }

    /// The entry for a resolved callee path: the user's, else the catalogue's, else a name.
    pub fn lookup(&self, path: &str) -> Option<std::borrow::Cow<'_, Entry>> {
        self.entry(path, false).map(|(e, _)| e)
    }

    /// The entry for a callee celint could not resolve, by its written dotted name.
    pub fn lookup_written(&self, dotted: &str) -> Option<std::borrow::Cow<'_, Entry>> {
        self.entry(dotted, true).map(|(e, _)| e)
    }

    /// The one lookup order every use shares (the analysis, `--explain-call`): the user's
    /// entries, the catalogue (for a written name, only its `*.suffix` entries), the user's
    /// names; with where the entry came from.
    pub fn entry(
        &self,
        path: &str,
        written: bool,
    ) -> Option<(std::borrow::Cow<'_, Entry>, Origin)> {
        use std::borrow::Cow;
        if let Some(e) = find(&self.entries, path) {
            return Some((Cow::Borrowed(e), Origin::UserEntry));
        }
        let builtin = if written {
            lookup_written(path)
        } else {
            lookup(path)
        };
        if let Some(e) = builtin {
            return Some((Cow::Borrowed(e), Origin::Catalogue));
        }
        self.names
            .iter()
            .any(|n| n == path)
            .then(|| (Cow::Owned(named(path)), Origin::UserName))
    }
}

/// Where the entry for a call came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A `blocking-calls` entry of the configuration.
    UserEntry,
    /// The built-in catalogue.
    Catalogue,
    /// A name given with `--blocking-call` or `extend-blocking-calls`.
    UserName,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    call: Vec<RawEntry>,
    factories: HashMap<String, String>,
    #[serde(default)]
    heuristic: super::heuristic::Heuristic,
    #[serde(default)]
    threads: Threads,
    #[serde(default)]
    vendored: Vendored,
}

/// Catalogued packages under other names (`[vendored]`): copies inside a project's vendoring
/// directory, and forks published under a name of their own with the original's API.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Vendored {
    /// Directories that hold copies of other projects (`third_party`, `vendor`): a catalogued
    /// package right under one is that package.
    pub directories: Vec<String>,
    /// A fork's top-level package, and the package whose entries describe it.
    pub forks: HashMap<String, String>,
}

/// What starts a thread (`[threads]`): a thread started in the worker's main process before
/// the pool forks does not exist in the pool's children (CEL011).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Threads {
    /// Calls (resolved dotted paths) that start a thread, or the first of a pool's threads.
    pub start: Vec<String>,
    /// Classes whose instances are threads: `.start()` on a project subclass starts one.
    pub classes: Vec<String>,
    /// Arguments with which a call of `start` starts no thread: `keyword=True` or
    /// `keyword=False` (`ThreadStats.start(flush_in_thread=False)`).
    #[serde(default)]
    pub unless: HashMap<String, Vec<String>>,
}

/// The built-in catalogue, parsed.
#[derive(Debug, Default)]
pub struct Catalogue {
    pub entries: Vec<Entry>,
    factories: HashMap<String, String>,
    /// The model-load heuristic for calls no entry names.
    pub heuristic: super::heuristic::Heuristic,
    pub threads: Threads,
    pub vendored: Vendored,
}

impl Catalogue {
    /// Parses a catalogue file; every entry is checked. Built-in entries must all have a kind,
    /// a reason and a reference.
    pub fn parse(text: &str) -> Result<Catalogue, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut entries = Vec::with_capacity(file.call.len());
        for (index, raw) in file.call.into_iter().enumerate() {
            let missing = [
                ("kind", raw.kind.is_none()),
                ("reason", raw.reason.as_deref().unwrap_or("").is_empty()),
                (
                    "reference",
                    raw.reference.as_deref().unwrap_or("").is_empty(),
                ),
            ];
            if let Some((key, _)) = missing.iter().find(|(_, m)| *m) {
                return Err(SchemaError {
                    index,
                    name: raw.name,
                    key,
                    message: "a built-in entry needs it".into(),
                }
                .to_string());
            }
            entries.push(raw.check(index).map_err(|e| e.to_string())?);
        }
        Ok(Catalogue {
            entries,
            factories: file.factories,
            heuristic: file.heuristic,
            threads: file.threads,
            vendored: file.vendored,
        })
    }
}

/// Parsed on first use. A broken built-in file leaves the catalogue empty rather than
/// panicking in a user's run; the unit test `builtin_catalogue_parses` fails on it first.
static CATALOGUE: LazyLock<Catalogue> =
    LazyLock::new(|| Catalogue::parse(SOURCE).unwrap_or_default());

pub fn catalogue() -> &'static Catalogue {
    &CATALOGUE
}

/// The class a call of `path` returns, for the factories of the catalogue; else `path` itself.
pub fn normalize_factory(path: &str) -> &str {
    CATALOGUE
        .factories
        .get(path)
        .map(String::as_str)
        .unwrap_or(path)
}

/// The first entry of `entries` for a resolved callee path.
pub fn find<'a>(entries: &'a [Entry], path: &str) -> Option<&'a Entry> {
    entries.iter().find(|e| matches(e, path))
}

/// The catalogue entry for a resolved callee path.
pub fn lookup(path: &str) -> Option<&'static Entry> {
    find(&CATALOGUE.entries, path)
}

fn matches(entry: &Entry, path: &str) -> bool {
    let pattern = entry.pattern.as_str();
    if let Some(suffix) = pattern.strip_prefix('*') {
        return path.ends_with(suffix) && path.len() > suffix.len();
    }
    if let Some(prefix) = pattern.strip_suffix(".*") {
        return path
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|method| {
                !method.contains('.') && !entry.except.iter().any(|m| m == method)
            });
    }
    pattern == path
}

/// The `*.suffix` entries also match a callee we could not resolve, by its written name
/// (`AutoModel.from_pretrained` with `AutoModel` imported from anywhere).
pub fn lookup_written(dotted: &str) -> Option<&'static Entry> {
    CATALOGUE
        .entries
        .iter()
        .filter(|e| e.pattern.starts_with('*'))
        .find(|e| matches(e, dotted))
}

/// Does the catalogue describe `path` or what it holds: an entry or factory named `path`, or
/// one under it (`redis.Redis` for `redis.Redis.*`)? Wildcard suffixes (`*.from_pretrained`)
/// name no module's member.
pub fn describes(path: &str) -> bool {
    let under = |p: &str| {
        p == path
            || p.strip_prefix(path)
                .is_some_and(|rest| rest.starts_with('.'))
    };
    CATALOGUE
        .entries
        .iter()
        .map(|e| e.pattern.as_str())
        .filter(|p| !p.starts_with('*'))
        .chain(CATALOGUE.factories.keys().map(String::as_str))
        .any(under)
}

/// Is `top` the top-level package of a built-in entry or factory (`requests`, `redis`)? A copy
/// of such a package inside the project (a vendored `requests/`) is still the library: its calls
/// are judged by the catalogue, not followed into the copy.
pub fn is_catalogued_package(top: &str) -> bool {
    static TOPS: LazyLock<std::collections::HashSet<String>> = LazyLock::new(|| {
        let entries = CATALOGUE
            .entries
            .iter()
            .map(|e| e.pattern.as_str())
            .filter(|p| !p.starts_with('*'));
        entries
            .chain(CATALOGUE.factories.keys().map(String::as_str))
            .filter_map(|p| p.split('.').next())
            .chain(CATALOGUE.vendored.forks.keys().map(String::as_str))
            .filter(|t| *t != "builtins")
            .map(str::to_string)
            .collect()
    });
    TOPS.contains(top)
}

/// Where a catalogued package (or one of the model-load heuristic's) starts in a project
/// module's dotted name: right under a vendoring directory (`third_party.whisper.audio`: at
/// `whisper`). `None` for a project's own module, whatever its last name (`app.redis` is the
/// project's).
fn vendored_at(name: &str) -> Option<usize> {
    let parts: Vec<&str> = name.split('.').collect();
    let dirs = &CATALOGUE.vendored.directories;
    let known =
        |p: &str| is_catalogued_package(p) || CATALOGUE.heuristic.packages.iter().any(|h| h == p);
    (1..parts.len()).find(|&i| {
        parts
            .get(i - 1)
            .is_some_and(|d| dirs.iter().any(|x| x == d))
            && parts.get(i).is_some_and(|p| known(p))
    })
}

/// Is this dotted module name a catalogued package's copy under a vendoring directory
/// (`third_party.whisper`, `vendor.ultralytics.models`)? It is the library, not a project module.
pub fn is_vendored(name: &str) -> bool {
    vendored_at(name).is_some()
}

/// The path the catalogue knows a dotted path by: a vendored copy's by the package's own name
/// (`third_party.whisper.load_model` is `whisper.load_model`), a fork's by the original's
/// (`stable_whisper.load_model` is `whisper.load_model`); any other path as it is.
pub fn library_path(path: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let path = match vendored_at(path) {
        Some(i) => Cow::Owned(path.split('.').skip(i).collect::<Vec<_>>().join(".")),
        None => Cow::Borrowed(path),
    };
    let (top, rest) = match path.split_once('.') {
        Some((top, rest)) => (top, Some(rest)),
        None => (path.as_ref(), None),
    };
    match (CATALOGUE.vendored.forks.get(top), rest) {
        (Some(original), Some(rest)) => Cow::Owned(format!("{original}.{rest}")),
        (Some(original), None) => Cow::Owned(original.clone()),
        (None, _) => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_parses() {
        let c = Catalogue::parse(SOURCE).unwrap();
        assert!(c.entries.len() > 100);
        assert_eq!(c.entries.len(), catalogue().entries.len());
        assert!(c.heuristic.packages.len() > 20 && c.heuristic.hub_ids);
    }

    #[test]
    fn schema_errors_name_the_entry_and_key() {
        let text = "[factories]\n[[call]]\nname = \"a.b\"\nkind = \"sleep\"\nreason = \"r\"\nreference = \"x\"\n[[call]]\nname = \"a..b\"\nkind = \"sleep\"\nreason = \"r\"\nreference = \"x\"\n";
        assert_eq!(
            Catalogue::parse(text).unwrap_err(),
            "entry 2 (`a..b`), key `name`: `a..b` is not a dotted name (`mylib.load`), `module.Class.*` or `*.method`"
        );
        let text = "[factories]\n[[call]]\nname = \"a.b\"\nkind = \"sleep\"\nreference = \"x\"\n";
        assert_eq!(
            Catalogue::parse(text).unwrap_err(),
            "entry 1 (`a.b`), key `reason`: a built-in entry needs it"
        );
        assert!(Catalogue::parse("[[call]]\nname = 1\n").is_err());
    }

    #[test]
    fn vendored_copies_and_forks_are_the_library() {
        assert_eq!(
            library_path("third_party.whisper.load_model"),
            "whisper.load_model"
        );
        assert_eq!(library_path("vendor.ultralytics.YOLO"), "ultralytics.YOLO");
        assert_eq!(
            library_path("stable_whisper.load_model"),
            "whisper.load_model"
        );
        assert_eq!(library_path("whisper_timestamped"), "whisper");
        assert!(is_vendored("libs.ultralytics") && is_vendored("third_party.whisper.audio"));
        // A project's own module named like a library, not under a vendoring directory.
        assert_eq!(
            library_path("app.whisper.load_model"),
            "app.whisper.load_model"
        );
        assert!(!is_vendored("app.redis") && !is_vendored("third_party.mylib"));
        assert!(!is_vendored("third_party"));
        assert!(is_catalogued_package("stable_whisper"));
    }

    #[test]
    fn patterns() {
        assert!(lookup("time.sleep").is_some());
        assert!(lookup("time.sleeper").is_none());
        assert!(lookup("redis.Redis.ping").is_some());
        assert!(lookup("redis.Redis.pipeline").is_none());
        assert!(lookup("redis.Redis.from_url").is_none());
        // The constructor connects only with `single_connection_client=True`.
        assert!(lookup("redis.Redis").is_some_and(|e| e.only_when.len() == 1));
        assert!(lookup("transformers.AutoModel.from_pretrained").is_some());
        assert!(lookup(".from_pretrained").is_none());
        assert!(lookup("sqlite3.connect").is_none());
        assert_eq!(normalize_factory("redis.from_url"), "redis.Redis");
        assert!(lookup("psycopg2.connect").is_some_and(|e| e.opens_connection));
    }
}
