//! The one module that calls into celint's engine: a project opened at a workspace folder's
//! root and kept in memory (`celint_engine::Engine`), the texts of open buffers standing in for
//! files on disk, checked on demand: only what a change can affect is parsed and analysed
//! again.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use celint_engine::Settings;
use celint_linter::diagnostic::{Diagnostic, Edit, FileRef};

/// How a front end makes a folder's settings: `celint server` gives the command line's (what
/// `celint check ROOT` would use, the configuration found above the root).
pub type SettingsFor = fn(&Path) -> Result<Settings, String>;

static SETTINGS_FOR: OnceLock<SettingsFor> = OnceLock::new();

/// Sets how folders' settings are made, once, before any folder is opened. Without it a folder
/// gets project mode's defaults.
pub fn use_settings(f: SettingsFor) {
    let _ = SETTINGS_FOR.set(f);
}

fn settings_for(root: &Path) -> Result<Settings, String> {
    match SETTINGS_FOR.get() {
        Some(f) => f(root),
        None => Ok(defaults(root)),
    }
}

fn defaults(root: &Path) -> Settings {
    let mut s = Settings::new(vec![root.to_path_buf()]);
    s.whole_project = true;
    s
}

/// A project being edited.
pub struct Engine {
    root: PathBuf,
    engine: celint_engine::Engine,
}

/// One check's findings, by file (its absolute path), and what went wrong beside them.
#[derive(Default)]
pub struct Checked {
    pub files: BTreeMap<PathBuf, Vec<Diagnostic>>,
    /// Unreadable files, configuration errors: for the client's log.
    pub problems: Vec<String>,
    pub took: Duration,
}

/// The settings for `root`, or the defaults of project mode and why.
fn settings(root: &Path) -> (Settings, Option<String>) {
    match settings_for(root) {
        Ok(s) => (s, None),
        Err(e) => (defaults(root), Some(e)),
    }
}

impl Engine {
    /// The project at `root`, with the configuration found above it. A configuration that
    /// cannot be read gives the defaults, and the error to show.
    pub fn open(root: &Path) -> (Engine, Option<String>) {
        let root = normalize(root);
        let (settings, problem) = settings(&root);
        let engine = Engine {
            root,
            engine: celint_engine::Engine::new(settings),
        };
        (engine, problem)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The text of an open buffer, standing in for the file on disk.
    pub fn set_text(&mut self, path: &Path, text: String) {
        self.engine.set_text(&normalize(path), text);
    }

    /// The buffer was closed: the file on disk counts again.
    pub fn remove_text(&mut self, path: &Path) {
        self.engine.remove_text(&normalize(path));
    }

    /// Files changed, created or deleted on disk.
    pub fn changed_on_disk(&mut self, paths: &[PathBuf]) {
        for path in paths {
            self.engine.changed_on_disk(&normalize(path));
        }
    }

    /// Reads the configuration again: a new engine with the buffers kept (the settings decide
    /// what every finding is, so nothing of the old one stands). On an error the settings in
    /// force stay, and the error is returned.
    pub fn reload_config(&mut self) -> Result<(), String> {
        let fresh = settings_for(&self.root)?;
        let mut engine = celint_engine::Engine::new(fresh);
        for (path, text) in self.engine.overlay() {
            engine.set_text(path, text.clone());
        }
        self.engine = engine;
        Ok(())
    }

    /// Lints the project, with the buffers' texts.
    pub fn check(&mut self) -> Checked {
        let start = Instant::now();
        let report = self.engine.check();
        let mut problems: Vec<String> = report
            .errors
            .iter()
            .map(|e| format!("cannot read `{}`: {}", e.path, e.message))
            .collect();
        problems.extend(self.engine.settings().configs.take_errors());
        Checked {
            files: report.by_file(),
            problems,
            took: start.elapsed(),
        }
    }

    /// `file`'s text with every safe fix applied as `celint --fix FILE` applies them (several
    /// passes, imports tidied), over the buffers' texts; `None` when nothing changes.
    pub fn fix_all(&mut self, file: &Path) -> Option<String> {
        celint_engine::fix_all::fix_file(&mut self.engine, &normalize(file), false)
    }
}

/// Absolute, with `.` and `..` folded as celint folds the paths it walks (no symlinks
/// resolved: the path the editor names is the path celint reports).
pub fn normalize(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Where a finding's file is on disk.
pub fn path_of(file: &FileRef) -> PathBuf {
    match &file.module {
        Some(m) => normalize(&m.source.path),
        None => normalize(Path::new(&file.display)),
    }
}

/// The text a finding's offsets are in: the file's text (the buffer's, for an open one) when
/// the finding was made. `None` for a file that could not be decoded.
pub fn text_of(file: &FileRef) -> Option<&str> {
    file.module.as_ref().map(|m| m.source.text.as_str())
}

/// The edits `celint --add-noqa` makes for this finding, in its file.
pub fn noqa_edits(d: &Diagnostic) -> Vec<Edit> {
    celint_output::add_noqa::edits(std::slice::from_ref(d))
        .into_iter()
        .flat_map(|(_, edits)| edits)
        .collect()
}

/// celint's public home, when it has one (no URL is made up while it has none).
pub fn home() -> Option<&'static str> {
    celint_linter::home()
}

/// The directories a project of files under `root` is looked for in: `root`, and the
/// project's root above it (nearest `pyproject.toml`, `setup.cfg`, `setup.py` or `.git`), whose
/// files the analysis reads too.
pub fn project_root(root: &Path) -> PathBuf {
    let markers = ["pyproject.toml", "setup.cfg", "setup.py", ".git"];
    root.ancestors()
        .find(|d| markers.iter().any(|m| d.join(m).exists()))
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.to_path_buf())
}
