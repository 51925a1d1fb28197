//! The project: every module the analysis has (the linted files, and the modules their
//! handlers' calls lead into, taken from the loader on demand), numbered in the order they were
//! first needed, and module lookup by dotted name.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::facts::symbols::Symbols;
use crate::loader::Loader;
pub use celint_syntax::source::canonical;
use celint_syntax::source::SourceFile;
use celint_syntax::Parsed;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleId(pub u32);

/// A module of one run: its number in the project, whether it is linted, and its file, parsed
/// (shared with the engine's store, which keeps it for the next check while the text is the
/// same). Reads through to the file: `m.source`, `m.parsed`, `m.symbols`.
#[derive(Debug)]
pub struct ModuleData {
    pub id: ModuleId,
    /// Given to celint to lint (as opposed to read because a handler's call leads into it).
    pub linted: bool,
    pub file: Arc<ParsedFile>,
}

/// A file decoded, parsed and its names bound: what depends only on its text and its place.
#[derive(Debug)]
pub struct ParsedFile {
    /// Dotted name (`app.worker`).
    pub name: String,
    pub is_package: bool,
    pub root: PathBuf,
    pub source: SourceFile,
    pub parsed: Parsed,
    pub symbols: Symbols,
    /// The pre-scan's verdict on the text (`prescan::may_matter`), made once.
    pub(crate) may_matter: std::sync::OnceLock<bool>,
}

impl ParsedFile {
    /// Does the text name anything celint reads (`prescan::may_matter`)? Scanned once.
    pub fn may_matter(&self) -> bool {
        *self
            .may_matter
            .get_or_init(|| crate::prescan::may_matter(self.source.text.as_bytes()))
    }
}

impl std::ops::Deref for ModuleData {
    type Target = ParsedFile;

    fn deref(&self) -> &ParsedFile {
        &self.file
    }
}

impl ModuleData {
    /// The file as a module of a run (numbered when the project takes it).
    pub fn new(file: Arc<ParsedFile>, linted: bool) -> ModuleData {
        ModuleData {
            id: ModuleId(0),
            linted,
            file,
        }
    }
}

pub struct Project {
    modules: RefCell<Vec<Arc<ModuleData>>>,
    by_path: RefCell<HashMap<PathBuf, Option<ModuleId>>>,
    loader: Arc<Loader>,
}

/// The source roots: those of the given modules, the directories given on the command line and
/// configured (`extra_roots`), and the current directory, each with its `src/` when there is one.
pub fn source_roots(modules: &[ModuleData], extra_roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = Vec::new();
    let mut add_root = |p: &Path| {
        let p = canonical(p);
        if !roots.contains(&p) {
            roots.push(p);
        }
    };
    for m in modules {
        add_root(&m.root);
    }
    let cwd = std::env::current_dir().ok();
    for r in extra_roots.iter().chain(cwd.iter()) {
        add_root(r);
        let src = r.join("src");
        if src.is_dir() {
            add_root(&src);
        }
    }
    roots
}

impl Project {
    /// `modules` are the linted files, already loaded; everything else is read by `loader`.
    pub fn new(modules: Vec<ModuleData>, loader: Arc<Loader>) -> Self {
        let mut by_path = HashMap::new();
        let mut stored = Vec::with_capacity(modules.len());
        for (i, mut m) in modules.into_iter().enumerate() {
            m.id = ModuleId(i as u32);
            loader.loaded(&m.source.path);
            by_path.insert(canonical(&m.source.path), Some(m.id));
            stored.push(Arc::new(m));
        }
        Project {
            modules: RefCell::new(stored),
            by_path: RefCell::new(by_path),
            loader,
        }
    }

    /// A project of these modules alone: no source roots, nothing else is ever read.
    pub fn isolated(modules: Vec<ModuleData>) -> Self {
        Project::new(modules, Arc::new(Loader::hermetic()))
    }

    pub fn loader(&self) -> &Loader {
        &self.loader
    }

    pub fn module(&self, id: ModuleId) -> Option<Arc<ModuleData>> {
        self.modules.borrow().get(id.0 as usize).cloned()
    }

    pub fn modules(&self) -> Vec<Arc<ModuleData>> {
        self.modules.borrow().clone()
    }

    /// The project module with this dotted name, read on demand; `None` for a module outside the
    /// project (the standard library, installed packages) or one that cannot be read.
    pub fn find_module(&self, name: &str, from: Option<ModuleId>) -> Option<ModuleId> {
        let from_root = from
            .and_then(|id| self.module(id))
            .map(|m| m.root.clone())
            .unwrap_or_default();
        let path = self.loader.module_file(name, &from_root)?;
        let id = self.load_path(&path)?;
        // A module never imports itself through an absolute import of its own name.
        if Some(id) == from && self.module(id).is_some_and(|m| m.name != name) {
            return None;
        }
        Some(id)
    }

    /// The project module in this file, read on demand.
    pub fn module_at(&self, path: &Path) -> Option<ModuleId> {
        self.load_path(path)
    }

    /// Starts loading these modules (looked up from `root` first) ahead of the analysis.
    pub fn prefetch(&self, names: &[String], root: &Path) {
        self.loader.prefetch(names, root);
    }

    fn load_path(&self, path: &Path) -> Option<ModuleId> {
        let key = canonical(path);
        if let Some(known) = self.by_path.borrow().get(&key) {
            return *known;
        }
        let id = self.loader.load(&key).map(|m| self.push(m));
        self.by_path.borrow_mut().insert(key, id);
        id
    }

    /// Adds a module read outside `find_module` (a deferred file that turned out to matter).
    pub fn add(&self, m: ModuleData) -> ModuleId {
        let key = canonical(&m.source.path);
        if let Some(Some(known)) = self.by_path.borrow().get(&key) {
            return *known;
        }
        self.loader.loaded(&key);
        let id = self.push(m);
        self.by_path.borrow_mut().insert(key, Some(id));
        id
    }

    fn push(&self, mut m: ModuleData) -> ModuleId {
        let mut modules = self.modules.borrow_mut();
        let id = ModuleId(modules.len() as u32);
        m.id = id;
        modules.push(Arc::new(m));
        id
    }
}
