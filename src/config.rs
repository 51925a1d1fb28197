//! Configuration files: `[tool.celint]` in `pyproject.toml`, or `celint.toml` / `.celint.toml`
//! (same keys at top level). The nearest one to a file wins; `--config` forces one,
//! `--isolated` ignores them all. Unknown keys and wrong types are errors that point into the
//! file.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{Glob, GlobSet, GlobSetBuilder};
use miette::{LabeledSpan, MietteDiagnostic, NamedSource, Report};
use serde::{Deserialize, Serialize};

use crate::render::OutputFormat;
use crate::rules::{self, Rule};

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
    pub extend_blocking_calls: Option<Vec<String>>,
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
}

const NAMES: &[&str] = &[".celint.toml", "celint.toml", "pyproject.toml"];

fn error(
    path: &Path,
    text: &str,
    span: Option<std::ops::Range<usize>>,
    message: &str,
    help: &str,
) -> Report {
    let mut diag = MietteDiagnostic::new(format!(
        "invalid configuration in `{}`: {message}",
        path.display()
    ))
    .with_help(help.to_string());
    if let Some(span) = span {
        diag = diag.with_label(LabeledSpan::at(span, "here"));
    }
    Report::new(diag).with_source_code(NamedSource::new(
        path.display().to_string(),
        text.to_string(),
    ))
}

fn selectors(path: &Path, text: &str, key: &str, items: &[String]) -> Result<Vec<Rule>, Report> {
    let mut out = Vec::new();
    for item in items {
        match rules::parse_selector(item) {
            Some(r) => out.extend(r),
            None => {
                let span = text
                    .find(&format!("\"{item}\""))
                    .map(|i| i..i + item.len() + 2);
                return Err(error(
                    path,
                    text,
                    span,
                    &format!("unknown rule selector `{item}` in `{key}`"),
                    "use a rule code (CEL001), a code prefix (CEL00) or a rule name (shutdown-before-ready)",
                ));
            }
        }
    }
    Ok(out)
}

impl Config {
    /// Reads a configuration file. `Ok(None)` for a `pyproject.toml` without `[tool.celint]`.
    pub fn load(path: &Path) -> Result<Option<Config>, Report> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            miette::miette!(
                help = "check that the file exists and is readable",
                "cannot read configuration `{}`: {}",
                path.display(),
                crate::discover::io_message(&e)
            )
        })?;
        let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
        let parsed = if is_pyproject {
            toml::from_str::<Pyproject>(&text).map(|p| p.tool.and_then(|t| t.celint))
        } else {
            toml::from_str::<Options>(&text).map(Some)
        };
        let options = match parsed {
            Ok(Some(o)) => o,
            Ok(None) => return Ok(None),
            Err(e) => {
                return Err(error(
                    path,
                    &text,
                    e.span(),
                    e.message().trim(),
                    "see `celint --help` and the README for the configuration keys",
                ))
            }
        };
        let dir = std::path::absolute(path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        if let Some(t) = options.proc_alive_timeout {
            if !(t.is_finite() && t > 0.0) {
                let span = text
                    .find("proc-alive-timeout")
                    .map(|i| i..i + "proc-alive-timeout".len());
                return Err(error(
                    path,
                    &text,
                    span,
                    "`proc-alive-timeout` must be a positive number of seconds",
                    "e.g. proc-alive-timeout = 10",
                ));
            }
        }
        let select = match &options.select {
            Some(s) => Some(selectors(path, &text, "select", s)?),
            None => None,
        };
        let extend_select = selectors(
            path,
            &text,
            "extend-select",
            options.extend_select.as_deref().unwrap_or(&[]),
        )?;
        let ignore = selectors(
            path,
            &text,
            "ignore",
            options.ignore.as_deref().unwrap_or(&[]),
        )?;
        let mut per_file_ignores = Vec::new();
        for (pattern, codes) in options.per_file_ignores.iter().flatten() {
            let glob = globs(std::slice::from_ref(pattern)).map_err(|e| {
                let span = text.find(pattern.as_str()).map(|i| i..i + pattern.len());
                error(
                    path,
                    &text,
                    span,
                    &format!("invalid glob `{pattern}`: {e}"),
                    "globs are like `tests/*.py` or `**/migrations/*`",
                )
            })?;
            per_file_ignores.push((glob, selectors(path, &text, "per-file-ignores", codes)?));
        }
        Ok(Some(Config {
            path: path.to_path_buf(),
            dir,
            options,
            select,
            extend_select,
            ignore,
            per_file_ignores,
        }))
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

/// A glob set; a pattern without `/` also matches in any directory.
pub fn globs(patterns: &[String]) -> Result<GlobSet, globset::Error> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let p = p.trim_start_matches("./");
        b.add(Glob::new(p)?);
        if !p.contains('/') {
            b.add(Glob::new(&format!("**/{p}"))?);
        }
        b.add(Glob::new(&format!("{}/**", p.trim_end_matches('/')))?);
    }
    b.build()
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
        if let Some(c) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&abs)
        {
            return Ok(c.clone());
        }
        let mut found = None;
        'up: for d in abs.ancestors() {
            for name in NAMES {
                let candidate = d.join(name);
                if candidate.is_file() {
                    if let Some(c) = Config::load(&candidate)? {
                        found = Some(Arc::new(c));
                        break 'up;
                    }
                }
            }
        }
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(abs, found.clone());
        Ok(found)
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
