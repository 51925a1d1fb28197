//! celint: a linter for Celery worker life-cycle hazards in signal handlers.
//!
//! The pipeline, one way: discover files -> read and decode -> parse -> per-module facts
//! -> project index -> effect summaries -> rules -> diagnostics -> renderers.
//! See ARCHITECTURE.md for the map.

// Input must never make celint panic: no unwrap, expect or unchecked indexing outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod add_noqa;
pub mod catalog;
pub mod celery_config;
pub mod checker;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod effects;
pub mod facts;
pub mod fix;
pub mod handlers;
pub mod invariants;
pub mod loader;
pub mod noqa;
mod pipeline;
pub mod prescan;
pub mod project;
pub mod render;
pub mod resolve;
pub mod rules;
pub mod source;
pub mod syntax;
pub mod write;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, FileRef};
use crate::project::{ModuleData, Project};
use crate::rules::Rule;
use crate::syntax::Span;

/// What a run is asked to do: the command line and the configuration, resolved.
#[derive(Clone)]
pub struct Settings {
    pub paths: Vec<PathBuf>,
    /// Rule selection from the command line; each file's configuration comes first.
    pub selection: config::CliSelection,
    pub configs: Arc<config::Configs>,
    pub proc_alive_timeout: Option<f64>,
    pub extra_blocking: Vec<String>,
    /// Extra source roots (`src` in the configuration).
    pub src: Vec<PathBuf>,
    pub excludes: discover::Excludes,
    /// `--stdin-filename`: this file's source is given, not read.
    pub stdin: Option<(PathBuf, String)>,
    /// Parse only the files that can matter (see `prescan.rs`). Off only to prove that it
    /// loses nothing.
    pub prescan: bool,
    /// Do not free the project's memory at the end of the run (the process is about to exit).
    pub leak_at_exit: bool,
    /// Threads for walking and parsing (default: `RAYON_NUM_THREADS`, else one per core).
    pub threads: Option<usize>,
}

impl Settings {
    /// Defaults for `paths`: every default rule, no configuration file.
    pub fn new(paths: Vec<PathBuf>) -> Self {
        Settings {
            paths,
            selection: config::CliSelection::default(),
            configs: Arc::new(config::Configs::new(None, true)),
            proc_alive_timeout: None,
            extra_blocking: Vec::new(),
            src: Vec::new(),
            excludes: discover::Excludes::default(),
            stdin: None,
            prescan: true,
            leak_at_exit: false,
            threads: None,
        }
    }

    /// Checks exactly these rules.
    pub fn with_rules(mut self, rules: Vec<Rule>) -> Self {
        self.selection.select = Some(rules);
        self
    }

    /// The rules checked in `file`.
    pub fn rules_for(&self, file: &Path) -> Vec<Rule> {
        let config = match self.configs.for_file(file) {
            Ok(c) => c,
            Err(e) => {
                self.configs.record_error(format!("{e:?}"));
                None
            }
        };
        config::rules_for(file, config.as_deref(), &self.selection)
    }
}

/// A problem that is not a finding: a path that cannot be read.
#[derive(Debug, Clone)]
pub struct RunError {
    pub path: String,
    pub message: String,
}

#[derive(Debug)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub errors: Vec<RunError>,
    pub files: usize,
}

/// Parsing and analysis recurse over syntax trees; deeply nested input needs a deep stack.
pub const STACK_SIZE: usize = 256 * 1024 * 1024;

/// Texts that stand in for files on disk (fixes applied in memory, standard input).
pub type Overlay = HashMap<PathBuf, String>;

pub fn run(settings: &Settings) -> Report {
    run_with(settings, &Overlay::new())
}

pub fn run_with(settings: &Settings, overlay: &Overlay) -> Report {
    pipeline::run(settings, overlay)
}

/// Lints one file's bytes in memory, with nothing read from disk (imports outside it are not
/// followed): the whole pipeline from decoding to findings, every rule on. For fuzzing and
/// property tests.
pub fn check_source(name: &str, bytes: &[u8]) -> Vec<Diagnostic> {
    let path = PathBuf::from(name);
    let source = match source::SourceFile::decode(name.to_string(), path.clone(), bytes) {
        Ok(s) => s,
        Err(e) => return vec![decode_diagnostic(name.to_string(), &e)],
    };
    let mp = discover::ModulePath {
        name: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        is_package: false,
        root: PathBuf::new(),
    };
    let module = loader::from_source(source, mp, true);
    let project = Project::isolated(vec![module]);
    let analyzer = effects::Analyzer::new(&project, Vec::new());
    let linted = project.modules();
    let mut out = checker::check(&analyzer, &linted, None, &[]);
    for m in &linted {
        if let Some(e) = m.parsed.errors.first() {
            let file = FileRef {
                display: m.source.display.clone(),
                module: Some(m.clone()),
            };
            let message = format!("SyntaxError: {}", printable(&e.message));
            out.push(Diagnostic::new(Rule::SyntaxError, file, e.span, message));
        }
    }
    out.sort_by_cached_key(|d| d.sort_key());
    out
}

/// CEL000 for a file that could not be decoded, at the first bad byte.
pub(crate) fn decode_diagnostic(display: String, error: &source::DecodeError) -> Diagnostic {
    let file = FileRef {
        display,
        module: None,
    };
    let mut d = Diagnostic::new(Rule::SyntaxError, file, Span::default(), error.to_string());
    d.position = Some(error.position());
    d
}

/// CEL000 for a parsed module: at a NUL byte (CPython refuses it before anything else, and
/// says so), else at the first syntax error.
pub(crate) fn syntax_error(m: &Rc<ModuleData>) -> Option<Diagnostic> {
    let file = FileRef {
        display: m.source.display.clone(),
        module: Some(m.clone()),
    };
    if let Some(nul) = m.source.text.find('\0') {
        let at = Span::new(nul as u32, nul as u32 + 1);
        let message = "SyntaxError: source code cannot contain null bytes".to_string();
        return Some(Diagnostic::new(Rule::SyntaxError, file, at, message));
    }
    let e = m.parsed.errors.first()?;
    let message = format!("SyntaxError: {}", printable(&e.message));
    Some(Diagnostic::new(Rule::SyntaxError, file, e.span, message))
}

/// A message with control characters (which a parser may quote from the input) escaped, so
/// that no output format ever carries a raw NUL or escape sequence.
fn printable(message: &str) -> String {
    message
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Drops what `# noqa` suppresses, adds CEL100 for the codes that suppressed nothing, keeps the
/// selected rules, and sorts. Every rule has run, so a `# noqa: CEL004` counts as used even when
/// CEL004 is not selected.
pub(crate) fn filter(
    diagnostics: Vec<Diagnostic>,
    linted: &[Rc<ModuleData>],
    settings: &Settings,
) -> Vec<Diagnostic> {
    let mut rules_cache: HashMap<PathBuf, Vec<Rule>> = HashMap::new();
    let mut rules_for = |path: &Path| -> Vec<Rule> {
        rules_cache
            .entry(path.to_path_buf())
            .or_insert_with(|| settings.rules_for(path))
            .clone()
    };
    let mut suppressions: HashMap<String, noqa::Suppressions> = HashMap::new();
    let mut used: HashMap<String, HashSet<(usize, String)>> = HashMap::new();
    let mut kept = Vec::with_capacity(diagnostics.len());
    for d in diagnostics {
        let Some(module) = &d.file.module else {
            kept.push(d);
            continue;
        };
        let s = suppressions
            .entry(d.file.display.clone())
            .or_insert_with(|| noqa::Suppressions::of(module));
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
            let s = noqa::Suppressions::of(module);
            let empty = HashSet::new();
            let used = used.get(&module.source.display).unwrap_or(&empty);
            for (line, stale) in noqa::unused(&s, used) {
                if let Some(n) = s.lines.get(&line) {
                    kept.push(rules::cel100_unused_noqa::diagnostic(module, n, &stale));
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
