//! Configuration files: `[tool.celint]` in `pyproject.toml`, or `celint.toml` / `.celint.toml`
//! (same keys at top level). The nearest one to a file wins; `--config` forces one,
//! `--isolated` ignores them all. Unknown keys and wrong types are errors that point into the
//! file.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use celint_project::discover::globs;
use globset::GlobSet;
use miette::{LabeledSpan, MietteDiagnostic, NamedSource, Report};
use serde::{Deserialize, Serialize};
use toml::de::{DeTable, Deserializer, ValueDeserializer};
use toml::Spanned;

use celint_catalog::blocking::{Entry, RawEntry};
use celint_linter::rules::{self, Rule};
use celint_output::render::OutputFormat;

/// The keys of `[tool.celint]`.
#[derive(Debug, Default, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    pub select: Option<Vec<String>>,
    pub extend_select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub per_file_ignores: Option<BTreeMap<String, Vec<String>>>,
    pub exclude: Option<Vec<String>>,
    pub extend_exclude: Option<Vec<String>>,
    pub respect_gitignore: Option<bool>,
    pub src: Option<Vec<String>>,
    pub proc_alive_timeout: Option<f64>,
    /// The Celery version the project runs (`"5.3"`, `">=5.3,<5.5"`), over its dependency files.
    pub celery_version: Option<String>,
    pub extend_blocking_calls: Option<Vec<String>>,
    /// Entries with the catalogue's schema (`[[tool.celint.blocking-calls]]`), checked one by
    /// one in `Config::check` so that an error names its entry.
    pub blocking_calls: Option<Vec<toml::Table>>,
    pub output_format: Option<OutputFormat>,
}

#[derive(Deserialize)]
struct Pyproject {
    tool: Option<Tool>,
}

#[derive(Deserialize)]
struct Tool {
    celint: Option<Options>,
}

/// One configuration file, loaded and checked.
#[derive(Debug)]
pub struct Config {
    pub path: PathBuf,
    /// The directory the file is in: relative paths and globs in it are relative to this.
    pub dir: PathBuf,
    pub options: Options,
    pub select: Option<Vec<Rule>>,
    pub extend_select: Vec<Rule>,
    pub ignore: Vec<Rule>,
    per_file_ignores: Vec<(GlobSet, Vec<Rule>)>,
    /// `blocking-calls`, checked.
    pub blocking_entries: Vec<Entry>,
}

const NAMES: &[&str] = &[".celint.toml", "celint.toml", "pyproject.toml"];

type Span = std::ops::Range<usize>;

/// A configuration file being loaded: its text for error reports, and its parsed document for
/// the spans of what is checked after deserialising. Spans come from the parser, never from
/// searching the text, where a comment may mention a key or value before it is set.
struct File<'a, 'i> {
    path: &'a Path,
    text: &'a str,
    /// The celint table: `[tool.celint]` of a `pyproject.toml`, or the whole document.
    table: Option<&'a DeTable<'i>>,
}

impl File<'_, '_> {
    fn error(&self, span: Option<Span>, message: &str, help: &str) -> Report {
        let mut diag = MietteDiagnostic::new(format!(
            "invalid configuration in `{}`: {message}",
            self.path.display()
        ))
        .with_help(help.to_string());
        if let Some(span) = span {
            diag = diag.with_label(LabeledSpan::at(span, "here"));
        }
        Report::new(diag).with_source_code(NamedSource::new(
            self.path.display().to_string(),
            self.text.to_string(),
        ))
    }

    /// The table at `keys` under the celint table (itself for no keys).
    fn table(&self, keys: &[&str]) -> Option<&DeTable<'_>> {
        keys.iter()
            .try_fold(self.table?, |t, k| t.get(*k)?.get_ref().as_table())
    }

    /// Where key `key` of the table at `keys` is written.
    fn key_span(&self, keys: &[&str], key: &str) -> Option<Span> {
        self.table(keys)?.get_key_value(key).map(|(k, _)| k.span())
    }

    /// Where item `index` of the array at key `key` of the table at `keys` is written.
    fn item_span(&self, keys: &[&str], key: &str, index: usize) -> Option<Span> {
        let array = self.table(keys)?.get(key)?.get_ref().as_array()?;
        array.get(index).map(Spanned::span)
    }

    /// The rules `items` select: the array at key `key` of the table at `keys`, named in
    /// messages by its top-level key.
    fn selectors(&self, keys: &[&str], key: &str, items: &[String]) -> Result<Vec<Rule>, Report> {
        let name = keys.first().unwrap_or(&key);
        let mut out = Vec::new();
        for (index, item) in items.iter().enumerate() {
            match rules::parse_selector(item) {
                Some(r) => out.extend(r),
                None => {
                    return Err(self.error(
                        self.item_span(keys, key, index),
                        &format!("unknown rule selector `{item}` in `{name}`"),
                        "use a rule code (CEL001), a code prefix (CEL00) or a rule name (shutdown-before-ready)",
                    ));
                }
            }
        }
        Ok(out)
    }
}

impl File<'_, '_> {
    /// The `blocking-calls` entries, each deserialised from its own place in the document so
    /// that an error points at the key and names the entry.
    fn blocking_entries(&self, tables: Option<&[toml::Table]>) -> Result<Vec<Entry>, Report> {
        let items = self
            .table(&[])
            .and_then(|t| t.get("blocking-calls"))
            .and_then(|v| v.get_ref().as_array());
        let mut out = Vec::new();
        for (index, table) in tables.unwrap_or(&[]).iter().enumerate() {
            let name = match table.get("name").and_then(|n| n.as_str()) {
                Some(n) => format!("`{n}`"),
                None => "without a `name`".to_string(),
            };
            let what = format!("`blocking-calls` entry {} ({name})", index + 1);
            let help = "see the README for the keys of a `blocking-calls` entry";
            let Some(item) = items.and_then(|a| a.get(index)) else {
                continue;
            };
            let raw =
                RawEntry::deserialize(ValueDeserializer::from(item.clone())).map_err(|e| {
                    let what = match e.span().and_then(|span| key_at(item, &span)) {
                        Some(k) => format!("{what}, key `{k}`"),
                        None => what.clone(),
                    };
                    self.error(e.span(), &format!("{what}: {}", plain(e.message())), help)
                })?;
            let entry = raw.check(index).map_err(|e| {
                let span = item
                    .get_ref()
                    .as_table()
                    .and_then(|t| t.get_key_value(e.key))
                    .map(|(k, _)| k.span());
                self.error(
                    span,
                    &format!("{what}, key `{}`: {}", e.key, e.message),
                    help,
                )
            })?;
            out.push(entry);
        }
        Ok(out)
    }
}

/// The key of table `item` written at, or holding the value at, `span`.
fn key_at(item: &Spanned<toml::de::DeValue<'_>>, span: &Span) -> Option<String> {
    let table = item.get_ref().as_table()?;
    table
        .iter()
        .find(|(k, v)| k.span() == *span || v.span().contains(&span.start))
        .map(|(k, _)| k.get_ref().to_string())
}

impl Config {
    /// Reads a configuration file. `Ok(None)` for a `pyproject.toml` without `[tool.celint]`.
    pub fn load(path: &Path) -> Result<Option<Config>, Report> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            miette::miette!(
                help = "check that the file exists and is readable",
                "cannot read configuration `{}`: {}",
                path.display(),
                celint_project::discover::io_message(&e)
            )
        })?;
        let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
        let invalid = |e: toml::de::Error| {
            let file = File {
                path,
                text: &text,
                table: None,
            };
            file.error(
                e.span(),
                &plain(e.message()),
                "see `celint --help` and the README for the configuration keys",
            )
        };
        let document = DeTable::parse(&text).map_err(invalid)?;
        // Deserialised from a copy: the document itself is kept for the spans.
        let options = if is_pyproject {
            Pyproject::deserialize(Deserializer::from(document.clone()))
                .map(|p| p.tool.and_then(|t| t.celint))
        } else {
            Options::deserialize(Deserializer::from(document.clone())).map(Some)
        };
        let Some(options) = options.map_err(invalid)? else {
            return Ok(None);
        };
        let root = document.get_ref();
        let file = File {
            path,
            text: &text,
            table: if is_pyproject {
                root.get("tool")
                    .and_then(|t| t.get_ref().as_table())
                    .and_then(|t| t.get("celint"))
                    .and_then(|t| t.get_ref().as_table())
            } else {
                Some(root)
            },
        };
        Config::check(&file, options).map(Some)
    }

    /// The checks serde cannot make: values in range, rule selectors and globs that exist.
    fn check(file: &File<'_, '_>, options: Options) -> Result<Config, Report> {
        if let Some(t) = options.proc_alive_timeout {
            if !(t.is_finite() && t > 0.0) {
                return Err(file.error(
                    file.key_span(&[], "proc-alive-timeout"),
                    "`proc-alive-timeout` must be a positive number of seconds",
                    "e.g. proc-alive-timeout = 10",
                ));
            }
        }
        if let Some(v) = &options.celery_version {
            let given = celint_analysis::celery_version::Given {
                spec: v.clone(),
                by: String::new(),
            };
            if let Err(e) = given.pin() {
                return Err(file.error(
                    file.key_span(&[], "celery-version"),
                    &e,
                    "e.g. celery-version = \"5.3\", or a range: celery-version = \">=5.3,<5.5\"",
                ));
            }
        }
        let select = match &options.select {
            Some(s) => Some(file.selectors(&[], "select", s)?),
            None => None,
        };
        let extend_select = file.selectors(
            &[],
            "extend-select",
            options.extend_select.as_deref().unwrap_or(&[]),
        )?;
        let ignore = file.selectors(&[], "ignore", options.ignore.as_deref().unwrap_or(&[]))?;
        let mut per_file_ignores = Vec::new();
        for (pattern, codes) in options.per_file_ignores.iter().flatten() {
            let glob = globs(std::slice::from_ref(pattern)).map_err(|e| {
                file.error(
                    file.key_span(&["per-file-ignores"], pattern),
                    &format!("invalid glob `{pattern}`: {e}"),
                    "globs are like `tests/*.py` or `**/migrations/*`",
                )
            })?;
            let rules = file.selectors(&["per-file-ignores"], pattern, codes)?;
            per_file_ignores.push((glob, rules));
        }
        let blocking_entries = file.blocking_entries(options.blocking_calls.as_deref())?;
        let dir = std::path::absolute(file.path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        Ok(Config {
            path: file.path.to_path_buf(),
            dir,
            options,
            select,
            extend_select,
            ignore,
            per_file_ignores,
            blocking_entries,
        })
    }

    /// Rules the `per-file-ignores` of this file turn off for `file`.
    pub fn ignored_for(&self, file: &Path) -> Vec<Rule> {
        let abs = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        let rel = abs.strip_prefix(&self.dir).unwrap_or(&abs);
        self.per_file_ignores
            .iter()
            .filter(|(g, _)| g.is_match(rel) || abs.file_name().is_some_and(|n| g.is_match(n)))
            .flat_map(|(_, r)| r.iter().copied())
            .collect()
    }
}

/// Finds and caches the configuration that applies to each directory.
#[derive(Default)]
pub struct Configs {
    cache: Mutex<HashMap<PathBuf, Option<Arc<Config>>>>,
    forced: Option<Arc<Config>>,
    isolated: bool,
    errors: Mutex<Vec<String>>,
}

impl Configs {
    pub fn new(forced: Option<Config>, isolated: bool) -> Self {
        Configs {
            forced: forced.map(Arc::new),
            isolated,
            ..Configs::default()
        }
    }

    /// The configuration for files in `dir` (the nearest one at or above it). A configuration
    /// that fails to load is an error, recorded and returned.
    pub fn for_dir(&self, dir: &Path) -> Result<Option<Arc<Config>>, Report> {
        if self.isolated {
            return Ok(None);
        }
        if let Some(f) = &self.forced {
            return Ok(Some(f.clone()));
        }
        let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        // Each directory is looked at once: the answer found for one holds for every directory
        // passed on the way up to it (a project's files share most of their ancestors, and a
        // `pyproject.toml` without `[tool.celint]` would otherwise be read again for each).
        let mut passed: Vec<&Path> = Vec::new();
        let mut found = None;
        for d in abs.ancestors() {
            let known = self
                .cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(d)
                .cloned();
            if let Some(c) = known {
                found = c;
                break;
            }
            passed.push(d);
            if let Some(c) = Self::config_in(d)? {
                found = Some(Arc::new(c));
                break;
            }
        }
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        for d in passed {
            cache.insert(d.to_path_buf(), found.clone());
        }
        Ok(found)
    }

    /// The configuration file in `dir` itself, if one there has celint's settings.
    fn config_in(dir: &Path) -> Result<Option<Config>, Report> {
        for name in NAMES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                if let Some(c) = Config::load(&candidate)? {
                    return Ok(Some(c));
                }
            }
        }
        Ok(None)
    }

    pub fn for_file(&self, file: &Path) -> Result<Option<Arc<Config>>, Report> {
        let abs = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        let dir = if abs.is_dir() {
            abs.clone()
        } else {
            abs.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        self.for_dir(&dir)
    }

    pub fn record_error(&self, e: String) {
        let mut errors = self.errors.lock().unwrap_or_else(|e| e.into_inner());
        if !errors.contains(&e) {
            errors.push(e);
        }
    }

    pub fn take_errors(&self) -> Vec<String> {
        std::mem::take(&mut *self.errors.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Rule selection in layers, as Ruff does it: the configuration, then the command line; a
/// `select` in a layer starts over, `extend-select` adds, `ignore` removes; `per-file-ignores`
/// last.
#[derive(Debug, Clone, Default)]
pub struct CliSelection {
    pub select: Option<Vec<Rule>>,
    pub extend_select: Vec<Rule>,
    pub ignore: Vec<Rule>,
}

pub fn rules_for(file: &Path, config: Option<&Config>, cli: &CliSelection) -> Vec<Rule> {
    let mut rules: Vec<Rule> = Rule::defaults().collect();
    let mut layer = |select: Option<&Vec<Rule>>, extend: &[Rule], ignore: &[Rule]| {
        if let Some(s) = select {
            rules = s.clone();
        }
        rules.extend_from_slice(extend);
        rules.retain(|r| !ignore.contains(r));
    };
    if let Some(c) = config {
        layer(c.select.as_ref(), &c.extend_select, &c.ignore);
    }
    layer(cli.select.as_ref(), &cli.extend_select, &cli.ignore);
    if let Some(c) = config {
        let off = c.ignored_for(file);
        rules.retain(|r| !off.contains(r));
    }
    rules.sort();
    rules.dedup();
    rules
}

/// A deserialiser's message in the words of the configuration file: serde names Rust types
/// (`expected f64`), a TOML user knows numbers, lists and tables.
fn plain(message: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        ("expected f64", "expected a number"),
        ("expected f32", "expected a number"),
        ("expected u64", "expected a whole number"),
        ("expected u32", "expected a whole number"),
        ("expected usize", "expected a whole number"),
        ("expected i64", "expected a whole number"),
        ("expected a sequence", "expected a list"),
        ("expected a map", "expected a table"),
        ("expected a borrowed string", "expected a string"),
        ("integer `", "a whole number `"),
        ("floating point `", "a number `"),
        ("invalid type: sequence", "invalid type: a list"),
        ("invalid type: map", "invalid type: a table"),
    ];
    let mut out = message.trim().to_string();
    for (serde, toml) in WORDS {
        out = out.replace(serde, toml);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Configs;
    use std::path::Path;

    /// Lookups in an order that has each one meet the answers the others cached: the nearest
    /// configuration with celint's settings, whatever was asked before.
    #[test]
    fn nearest_configuration_whatever_the_order_of_lookups() {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let root = std::path::absolute(tmp.path()).expect("absolute");
        let dir = |rel: &str| {
            let d = root.join(rel);
            std::fs::create_dir_all(&d).expect("directory");
            d
        };
        let write = |rel: &str, text: &str| std::fs::write(root.join(rel), text).expect("write");
        dir("a/b/c");
        dir("a/x");
        write("pyproject.toml", "[tool.celint]\nselect = [\"CEL001\"]\n");
        // No `[tool.celint]`: passed over.
        write("a/pyproject.toml", "[project]\nname = \"a\"\n");
        write("a/b/celint.toml", "select = [\"CEL002\"]\n");
        let configs = Configs::new(None, false);
        let at = |rel: &str| -> Option<std::path::PathBuf> {
            let c = configs.for_dir(&root.join(rel)).expect("loads");
            c.map(|c| c.path.clone())
        };
        let top = Some(root.join("pyproject.toml"));
        let b = Some(root.join("a/b/celint.toml"));
        assert_eq!(at("a"), top);
        assert_eq!(at("a/b/c"), b);
        assert_eq!(at("a/x"), top);
        assert_eq!(at("a/b"), b);
        assert_eq!(at(""), top);
        assert_eq!(at("a/b/c"), b);
        // Above the root: none of these files.
        let above = root.parent().unwrap_or(Path::new("/"));
        let outside = configs.for_dir(above).expect("loads");
        assert!(outside.is_none_or(|c| !c.path.starts_with(&root)));
    }
}
