//! Workspace folders, one engine each. A file belongs to the innermost folder holding it; a
//! file opened outside every folder gets a folder of its own, at its project's root.

use std::path::{Path, PathBuf};

use celint_linter::diagnostic::Diagnostic;

use crate::engine::{self, Checked, Engine};
use crate::watch;

pub struct Folder {
    pub engine: Engine,
    /// The project's root above the folder: its files are read by the analysis too.
    project_root: PathBuf,
    /// Changed since the last check.
    pub dirty: bool,
    pub last: Option<Checked>,
    /// Made for a file outside every folder the client named.
    implicit: bool,
}

impl Folder {
    pub fn root(&self) -> &Path {
        self.engine.root()
    }

    /// Whether the folder's analysis reads `path` (it is under the folder or its project).
    fn reads(&self, path: &Path) -> bool {
        path.starts_with(self.root()) || path.starts_with(&self.project_root)
    }
}

#[derive(Default)]
pub struct Workspace {
    folders: Vec<Folder>,
}

impl Workspace {
    /// Adds a folder (once); returns a configuration problem to show.
    pub fn add_folder(&mut self, root: &Path, implicit: bool) -> Option<String> {
        let root = engine::normalize(root);
        if let Some(f) = self.folders.iter_mut().find(|f| f.root() == root) {
            f.implicit &= implicit;
            return None;
        }
        let (engine, problem) = Engine::open(&root);
        self.folders.push(Folder {
            project_root: engine::project_root(&root),
            engine,
            dirty: true,
            last: None,
            implicit,
        });
        problem
    }

    pub fn remove_folder(&mut self, root: &Path) {
        let root = engine::normalize(root);
        self.folders.retain(|f| f.root() != root);
    }

    pub fn folders(&self) -> &[Folder] {
        &self.folders
    }

    pub fn folders_mut(&mut self) -> &mut [Folder] {
        &mut self.folders
    }

    /// The innermost folder holding `path`.
    pub fn owner(&self, path: &Path) -> Option<&Folder> {
        self.folders
            .iter()
            .filter(|f| path.starts_with(f.root()))
            .max_by_key(|f| f.root().components().count())
    }

    /// The innermost folder holding `path`, to change.
    pub fn owner_mut(&mut self, path: &Path) -> Option<&mut Folder> {
        self.folders
            .iter_mut()
            .filter(|f| path.starts_with(f.root()))
            .max_by_key(|f| f.root().components().count())
    }

    /// Makes sure a folder holds `path`: one at its project's root when none does. Returns a
    /// configuration problem to show.
    pub fn ensure_owner(&mut self, path: &Path) -> Option<String> {
        if self.owner(path).is_some() {
            return None;
        }
        let dir = path.parent().unwrap_or(path);
        self.add_folder(&engine::project_root(dir), true)
    }

    /// Drops folders made for files that are all closed now.
    pub fn drop_unused_implicit(&mut self, open: &[PathBuf]) {
        self.folders
            .retain(|f| !f.implicit || open.iter().any(|p| p.starts_with(f.root())));
    }

    /// An open buffer's text, for every engine that reads the file.
    pub fn set_text(&mut self, path: &Path, text: &str) {
        for f in self.folders.iter_mut().filter(|f| f.reads(path)) {
            f.engine.set_text(path, text.to_string());
            f.dirty = true;
        }
    }

    pub fn remove_text(&mut self, path: &Path) {
        for f in self.folders.iter_mut().filter(|f| f.reads(path)) {
            f.engine.remove_text(path);
            f.dirty = true;
        }
    }

    /// Files changed on disk: the engines that read them check again; a configuration file
    /// reloads the configuration of the folders at or below its directory, and of those it is
    /// below. Returns the problems to show.
    pub fn changed_on_disk(&mut self, paths: &[PathBuf]) -> Vec<String> {
        let mut problems = Vec::new();
        for f in self.folders.iter_mut() {
            let mine: Vec<PathBuf> = paths.iter().filter(|p| f.reads(p)).cloned().collect();
            let config = paths.iter().any(|p| {
                watch::is_config(p)
                    && p.parent()
                        .is_some_and(|d| f.root().starts_with(d) || d.starts_with(f.root()))
            });
            if config {
                if let Err(e) = f.engine.reload_config() {
                    problems.push(e);
                }
            }
            if config || !mine.is_empty() {
                f.engine.changed_on_disk(&mine);
                f.dirty = true;
            }
        }
        problems
    }

    pub fn any_dirty(&self) -> bool {
        self.folders.iter().any(|f| f.dirty)
    }

    pub fn mark_all_dirty(&mut self) {
        for f in self.folders.iter_mut() {
            f.dirty = true;
        }
    }

    /// The findings of `path` from the last check of its folder.
    pub fn diagnostics(&self, path: &Path) -> &[Diagnostic] {
        self.owner(path)
            .and_then(|f| f.last.as_ref())
            .and_then(|c| c.files.get(path))
            .map_or(&[], Vec::as_slice)
    }

    /// Every file with findings, each from its owner's last check.
    pub fn all_diagnostics(&self) -> Vec<(&Path, &[Diagnostic])> {
        let mut out = Vec::new();
        for f in &self.folders {
            let Some(last) = &f.last else { continue };
            for (path, ds) in &last.files {
                let owned = self.owner(path).is_none_or(|o| std::ptr::eq(o, f));
                if owned {
                    out.push((path.as_path(), ds.as_slice()));
                }
            }
        }
        out
    }
}
