//! What a long-lived project keeps between checks: each file parsed (by canonical path), module
//! lookups by dotted name, and the text files the analysis searched for (deployment and
//! dependency files). A one-shot run fills a store and drops it; the engine keeps one and
//! forgets what a change makes stale (`forget`, `forget_layout`, `forget_texts`). Nothing here
//! decides staleness: whoever changes a file says so.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::project::ParsedFile;

type Lookups = HashMap<(String, PathBuf), Option<PathBuf>>;
type TextFiles = HashMap<(Vec<PathBuf>, usize), Arc<Vec<(PathBuf, String)>>>;

#[derive(Default)]
pub struct Store {
    files: Mutex<HashMap<PathBuf, Arc<ParsedFile>>>,
    lookups: Mutex<Lookups>,
    texts: Mutex<TextFiles>,
    /// For the files the pre-scan deferred: whether each names one of these signal aliases.
    aliases: Mutex<(Vec<String>, HashMap<PathBuf, bool>)>,
}

/// A poisoned lock only means a thread panicked while holding it; the map is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Store {
    pub fn new() -> Arc<Store> {
        Arc::new(Store::default())
    }

    /// The file at this canonical path, parsed, if a check since it last changed parsed it.
    pub fn file(&self, path: &Path) -> Option<Arc<ParsedFile>> {
        lock(&self.files).get(path).cloned()
    }

    pub fn keep(&self, path: PathBuf, file: Arc<ParsedFile>) {
        lock(&self.files).insert(path, file);
    }

    /// The file's text changed: parse it again when it is next needed.
    pub fn forget(&self, path: &Path) {
        lock(&self.files).remove(path);
        lock(&self.aliases).1.remove(path);
    }

    /// Files were created or deleted: module lookups may find other files now, and a module's
    /// dotted name may change (a package's `__init__.py`), so every parse is stale too.
    pub fn forget_layout(&self) {
        lock(&self.files).clear();
        lock(&self.lookups).clear();
        lock(&self.aliases).1.clear();
        self.forget_texts();
    }

    /// A file other than Python's changed (a Dockerfile, a requirements file).
    pub fn forget_texts(&self) {
        lock(&self.texts).clear();
    }

    pub fn lookup(&self, key: &(String, PathBuf)) -> Option<Option<PathBuf>> {
        lock(&self.lookups).get(key).cloned()
    }

    pub fn keep_lookup(&self, key: (String, PathBuf), found: Option<PathBuf>) {
        lock(&self.lookups).insert(key, found);
    }

    /// The text files found under `roots` to `depth` (`Loader::text_files`), if searched since
    /// they last changed. A store serves one search per roots and depth (celint makes one).
    pub fn text_files(
        &self,
        roots: &[PathBuf],
        depth: usize,
    ) -> Option<Arc<Vec<(PathBuf, String)>>> {
        lock(&self.texts).get(&(roots.to_vec(), depth)).cloned()
    }

    pub fn keep_text_files(
        &self,
        roots: &[PathBuf],
        depth: usize,
        files: Arc<Vec<(PathBuf, String)>>,
    ) {
        lock(&self.texts).insert((roots.to_vec(), depth), files);
    }

    /// Whether the file at `path` names one of `aliases`, if known for these aliases.
    pub fn names_alias(&self, aliases: &[String], path: &Path) -> Option<bool> {
        let kept = lock(&self.aliases);
        if kept.0 != aliases {
            return None;
        }
        kept.1.get(path).copied()
    }

    pub fn keep_names_alias(&self, aliases: &[String], path: PathBuf, names: bool) {
        let mut kept = lock(&self.aliases);
        if kept.0 != aliases {
            *kept = (aliases.to_vec(), HashMap::new());
        }
        kept.1.insert(path, names);
    }

    /// How many files are kept parsed.
    pub fn len(&self) -> usize {
        lock(&self.files).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
