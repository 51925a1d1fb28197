//! The one module that calls into celint's library: a project opened at a workspace folder's
//! root, the texts of open buffers standing in for files on disk, checked on demand.
//!
//! Today each check is a cold run of the whole project, as `celint check ROOT` does it
//! (`celint::run_with`, with the buffers as the overlay). The API has the shape of the
//! incremental engine that will replace this body: open, set or remove a file's text, say
//! which files changed on disk, reload the configuration, check.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use celint::diagnostic::{Diagnostic, Edit, FileRef};
use celint::{Overlay, Settings};

/// A project being edited.
pub struct Engine {
    root: PathBuf,
    settings: Settings,
    overlay: Overlay,
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
    match celint::commands::settings_for_root(root) {
        Ok(s) => (s, None),
        Err(e) => {
            let mut s = Settings::new(vec![root.to_path_buf()]);
            s.whole_project = true;
            (s, Some(e))
        }
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
            settings,
            overlay: Overlay::new(),
        };
        (engine, problem)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The text of an open buffer, standing in for the file on disk.
    pub fn set_text(&mut self, path: &Path, text: String) {
        self.overlay.insert(normalize(path), text);
    }

    /// The buffer was closed: the file on disk counts again.
    pub fn remove_text(&mut self, path: &Path) {
        self.overlay.remove(&normalize(path));
    }

    /// Files changed, created or deleted on disk. A cold run reads the disk afresh each time:
    /// nothing is cached to invalidate.
    pub fn changed_on_disk(&mut self, _paths: &[PathBuf]) {}

    /// Reads the configuration again. On an error the settings in force stay, and the error is
    /// returned.
    pub fn reload_config(&mut self) -> Result<(), String> {
        let root = self.root.clone();
        let fresh = celint::commands::settings_for_root(&root)?;
        self.settings = fresh;
        Ok(())
    }

    /// Lints the project, with the buffers' texts.
    pub fn check(&mut self) -> Checked {
        let start = Instant::now();
        let report = celint::run_with(&self.settings, &self.overlay);
        let mut out = Checked::default();
        for d in report.diagnostics {
            out.files.entry(path_of(&d.file)).or_default().push(d);
        }
        out.problems = report
            .errors
            .iter()
            .map(|e| format!("cannot read `{}`: {}", e.path, e.message))
            .collect();
        out.problems.extend(self.settings.configs.take_errors());
        out.took = start.elapsed();
        out
    }

    /// `file`'s text with every safe fix applied as `celint --fix FILE` applies them (several
    /// passes, imports tidied), over the buffers' texts; `None` when nothing changes.
    pub fn fix_all(&self, file: &Path) -> Option<String> {
        let file = normalize(file);
        let mut settings = self.settings.clone();
        settings.paths = vec![file.clone()];
        let (_, outcome) = celint::fix::fix_all_with(&settings, &self.overlay, false);
        outcome
            .fixed
            .into_iter()
            .find_map(|(path, (_, text))| (normalize(&path) == file).then_some(text))
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
    celint::add_noqa::edits(std::slice::from_ref(d))
        .into_iter()
        .flat_map(|(_, edits)| edits)
        .collect()
}

/// celint's public home, when it has one (no URL is made up while it has none).
pub fn home() -> Option<&'static str> {
    celint::home()
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
