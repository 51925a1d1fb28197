//! The loader: after discovery, the only code that reads files. It reads and pre-scans the files
//! the walk finds, decodes and parses the relevant ones, and reads on demand the modules that
//! handlers' calls lead into — loading each reached module's imports in parallel on the parse
//! pool ahead of the analysis, which then takes them parsed (or waits for the one in flight).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use crate::discover::{self, ModulePath};
use crate::facts::symbols;
use crate::prescan::{self, Relevance};
use crate::project::{canonical, ModuleData, ParsedFile};
use crate::store::Store;
use celint_syntax as syntax;
use celint_syntax::source::{display_path, DecodeError, SourceFile};

/// Texts that stand in for files on disk (an editor's buffers, fixes applied in memory, standard
/// input), by canonical path.
pub type Overlay = HashMap<PathBuf, String>;

/// Top-level packages that are always the installed library, never a project module: a Django
/// project's `proj/celery.py` must not shadow `from celery import Celery` when `proj` has no
/// `__init__.py` and so is itself a source root. The standard library's names are external too
/// (`catalog::stdlib`).
const ALWAYS_EXTERNAL: &[&str] = &["celery", "kombu", "billiard"];

/// Is this dotted module name one of Celery's own, the standard library's or a package the
/// blocking-call catalogue describes (or a known fork of one), whatever file in the tree carries
/// it: a copy at the top (`requests/`) or under a vendoring directory (`third_party/whisper/`)
/// is still the library?
pub fn is_library(name: &str) -> bool {
    let top = name.split('.').next().unwrap_or(name);
    ALWAYS_EXTERNAL.contains(&top)
        || celint_catalog::stdlib::is_stdlib(top)
        || celint_catalog::blocking::is_catalogued_package(top)
        || celint_catalog::blocking::is_vendored(name)
}

/// A file that could not be read or decoded.
#[derive(Debug)]
pub enum LoadError {
    Io {
        display: String,
        message: String,
    },
    Decode {
        display: String,
        error: DecodeError,
        /// The raw bytes mention something celint reads (see `prescan.rs`).
        matters: bool,
    },
}

/// A file read during discovery, and what the pre-scan makes of it.
pub struct Read {
    /// The bytes of a file that matters (empty otherwise: they are not kept).
    pub bytes: Vec<u8>,
    pub relevance: Relevance,
}

/// The error for `path`, shown as every path is (`display_path`).
fn io_error(path: &Path) -> impl Fn(std::io::Error) -> LoadError + '_ {
    move |e| LoadError::Io {
        display: display_path(path),
        message: discover::io_message(&e),
    }
}

/// A FIFO, socket or device named `*.py`: reading it could block forever.
fn regular_file(path: &Path) -> Result<(), LoadError> {
    let meta = std::fs::metadata(path).map_err(io_error(path))?;
    if meta.is_file() {
        return Ok(());
    }
    Err(LoadError::Io {
        display: display_path(path),
        message: if meta.is_dir() {
            "is a directory".to_string()
        } else {
            "not a regular file".to_string()
        },
    })
}

/// Reads a file the walk found (never blocking on a FIFO or device: unless the walk's directory
/// entry said it is a regular file, it is looked at first) and classifies it. Without
/// `prescan`, every file matters.
pub fn read_found(path: &Path, prescan: bool, known_regular: bool) -> Result<Read, LoadError> {
    if !known_regular {
        regular_file(path)?;
    }
    if !prescan {
        let bytes = std::fs::read(path).map_err(io_error(path))?;
        let relevance = Relevance::Matters;
        return Ok(Read { bytes, relevance });
    }
    // Each reading thread reuses one buffer: most files are dropped after the pre-scan, and
    // allocating (then freeing) a buffer for each of them keeps that memory in the allocator.
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with(|cell| {
        let mut buf = cell.borrow_mut();
        buf.clear();
        let file = std::fs::File::open(path).map_err(io_error(path))?;
        std::io::Read::read_to_end(&mut Plain(file), &mut buf).map_err(io_error(path))?;
        let relevance = prescan::classify(&buf);
        // Files that may connect through an alias are read again in the rare case that the
        // project defines signal aliases: holding all of them meanwhile costs more.
        let bytes = match relevance {
            Relevance::Matters => buf.clone(),
            _ => Vec::new(),
        };
        // Do not keep a huge buffer around after a huge file.
        if buf.capacity() > 4 << 20 {
            *buf = Vec::new();
        }
        Ok(Read { bytes, relevance })
    })
}

/// A file read as a plain stream. `File::read_to_end` first asks the file its size and
/// position (a `statx` and an `lseek`) to size the buffer; the walk's buffer is reused and
/// already large, so those two calls per file (a tenth of the system calls of a run on the
/// benchmark corpus) buy nothing.
struct Plain(std::fs::File);

impl std::io::Read for Plain {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

/// Decodes and parses bytes read from `path`, or the overlay's text for it.
pub fn parse_found(
    path: &Path,
    bytes: &[u8],
    overlay: &Overlay,
    linted: bool,
) -> Result<ModuleData, LoadError> {
    let display = display_path(path);
    if let Some(text) = overlay_text(overlay, path) {
        let source = SourceFile::new(display, path.to_path_buf(), text.to_string());
        return Ok(from_source(source, module_path_or_stem(path), linted));
    }
    decode_and_parse(path, display, linted, bytes)
}

fn overlay_text<'o>(overlay: &'o Overlay, path: &Path) -> Option<&'o str> {
    if overlay.is_empty() {
        return None;
    }
    overlay.get(&canonical(path)).map(String::as_str)
}

/// Decodes and parses bytes read from `path`.
fn decode_and_parse(
    path: &Path,
    display: String,
    linted: bool,
    bytes: &[u8],
) -> Result<ModuleData, LoadError> {
    let source =
        SourceFile::decode(display.clone(), path.to_path_buf(), bytes).map_err(|error| {
            LoadError::Decode {
                display,
                error,
                matters: prescan::may_matter(bytes),
            }
        })?;
    Ok(from_source(source, module_path_or_stem(path), linted))
}

/// The file's module path; a file outside any package is a top-level module in its directory.
pub fn module_path_or_stem(path: &Path) -> ModulePath {
    discover::module_path(path).unwrap_or_else(|| ModulePath {
        name: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        is_package: false,
        root: std::path::absolute(path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_default(),
    })
}

/// Parses a decoded source and builds its symbol tables.
pub fn from_source(source: SourceFile, mp: ModulePath, linted: bool) -> ModuleData {
    let parsed = syntax::parse(&source.text, source.is_stub());
    let symbols = symbols::build(&parsed.module, &mp.name, mp.is_package);
    let file = ParsedFile {
        name: mp.name,
        is_package: mp.is_package,
        root: canonical(&mp.root),
        source,
        parsed,
        symbols,
        may_matter: std::sync::OnceLock::new(),
    };
    ModuleData::new(Arc::new(file), linted)
}

/// A module loaded ahead of the analysis, from the moment it is asked for.
enum Slot {
    /// Waiting for a pool thread. The analysis, if it needs the module first, takes the slot
    /// and reads the module itself rather than wait behind other modules.
    Queued,
    /// Being read and parsed on a pool thread: the analysis waits for it.
    Loading,
    Ready(Option<Box<ModuleData>>),
    /// Taken by the project (or loaded before the loader existed): never loaded again.
    Taken,
}

#[derive(Default)]
struct Slots {
    slots: Mutex<HashMap<PathBuf, Slot>>,
    /// Signalled whenever a slot becomes `Ready`.
    ready: Condvar,
}

impl Slots {
    fn lock(&self) -> MutexGuard<'_, HashMap<PathBuf, Slot>> {
        // A poisoned lock only means a loading thread panicked; the map is still usable.
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Directories the walk for deployment files does not enter below a root: dependencies and
/// caches, and the tests, documentation and examples, whose Dockerfiles and units are not how
/// the project is deployed (a `-P solo` in a test's compose file must not decide the pool).
const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    "venv",
    "site-packages",
    "__pycache__",
    "tests",
    "test",
    "docs",
    "doc",
    "examples",
    "fixtures",
];

/// Reads the modules the analysis asks for, by dotted name or path. Shared with the parse pool's
/// threads, which load ahead of the analysis.
/// Which files are linted (their syntax errors reported, their fixes applied): the front
/// end's answer, asked of each module the analysis reads.
pub trait Linted: Send + Sync {
    fn is_linted(&self, path: &Path) -> bool;
}

impl Linted for HashSet<PathBuf> {
    fn is_linted(&self, path: &Path) -> bool {
        self.contains(path)
    }
}

pub struct Loader {
    overlay: Overlay,
    /// Source roots, in the order they are searched.
    roots: Vec<PathBuf>,
    /// The files given to celint, parsed or not: a module read on demand from one of them is
    /// linted too.
    linted: Arc<dyn Linted>,
    /// Never read a file (see `hermetic`).
    hermetic: bool,
    /// What discovery's walk saw, so that `text_files` need not walk again.
    walked: discover::WalkIndex,
    /// What outlives the run: parsed files, module lookups, text files (the engine's).
    store: Arc<Store>,
    slots: Slots,
    pool: Option<Arc<rayon::ThreadPool>>,
    /// Modules loaded ahead, and taken (`CELINT_TIMING`).
    counts: Mutex<(usize, usize)>,
}

impl Loader {
    pub fn new(
        roots: Vec<PathBuf>,
        overlay: Overlay,
        linted: Arc<dyn Linted>,
        pool: Option<Arc<rayon::ThreadPool>>,
        store: Arc<Store>,
    ) -> Self {
        Loader {
            overlay,
            roots,
            linted,
            hermetic: false,
            walked: discover::WalkIndex::default(),
            store,
            slots: Slots::default(),
            pool,
            counts: Mutex::new((0, 0)),
        }
    }

    /// What discovery's walk saw (see `text_files`).
    pub fn with_walk_index(mut self, walked: discover::WalkIndex) -> Self {
        self.walked = walked;
        self
    }

    /// A loader that never reads a file: only the modules given in memory exist.
    pub fn hermetic() -> Self {
        let mut l = Loader::new(
            Vec::new(),
            Overlay::new(),
            Arc::new(HashSet::new()),
            None,
            Store::new(),
        );
        l.hermetic = true;
        l
    }

    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Texts that stand in for files on disk.
    pub fn overlay(&self) -> &Overlay {
        &self.overlay
    }

    /// A file's bytes (the overlay's text when it has one), for a file the walk deferred (see
    /// `prescan::Relevance::MayConnect`).
    pub fn read_bytes(&self, path: &Path) -> Option<Vec<u8>> {
        if let Some(text) = overlay_text(&self.overlay, path) {
            return Some(text.as_bytes().to_vec());
        }
        if self.hermetic {
            return None;
        }
        std::fs::read(path).ok()
    }

    /// The text files (Procfile, Dockerfile, compose, systemd units: whatever `wanted` says
    /// by file name) at most `depth` levels below each root (a file directly in a root is at
    /// level 1), in path order, each once. Ignored files (.gitignore and the like), hidden
    /// directories, [`SKIPPED_DIRS`] and venvs (any directory holding a `pyvenv.cfg`) are not
    /// entered below a root, so a deep limit stays cheap; a file over 1 MB, or one that is not
    /// UTF-8, is skipped.
    pub fn text_files(
        &self,
        roots: &[PathBuf],
        depth: usize,
        wanted: &dyn Fn(&Path) -> bool,
    ) -> Arc<Vec<(PathBuf, String)>> {
        if self.hermetic {
            return Arc::default();
        }
        if let Some(files) = self.store.text_files(roots, depth) {
            return files;
        }
        let mut files = Vec::new();
        for root in roots {
            if self.walked.honours_ignore_files && self.walked.dirs.contains(root) {
                self.walked_text_files(root, depth, wanted, &mut files);
            } else {
                walk_text_files(root, depth, wanted, &mut files);
            }
        }
        files.sort();
        files.dedup();
        let files: Arc<Vec<_>> = Arc::new(
            files
                .into_iter()
                .filter_map(|path| {
                    let text = read_text(&path)?;
                    Some((path, text))
                })
                .collect(),
        );
        self.store.keep_text_files(roots, depth, Arc::clone(&files));
        files
    }

    /// `text_files` under a root discovery walked: the files it noted, and the directories
    /// it left out for an exclude pattern (which this search does not apply) walked now.
    fn walked_text_files(
        &self,
        root: &Path,
        depth: usize,
        wanted: &dyn Fn(&Path) -> bool,
        files: &mut Vec<PathBuf>,
    ) {
        for f in &self.walked.noted {
            if wanted(f) && level_below(root, f, false).is_some_and(|l| l <= depth) {
                files.push(f.clone());
            }
        }
        for dir in &self.walked.pruned {
            match level_below(root, dir, true) {
                Some(l) if l < depth && !dir.join("pyvenv.cfg").is_file() => {
                    walk_text_files(dir, depth - l, wanted, files)
                }
                _ => {}
            }
        }
    }

    /// The file of the project module with this dotted name, looked for first in the root of
    /// the module that asks (`from_root`), then in every source root.
    pub fn module_file(&self, name: &str, from_root: &Path) -> Option<PathBuf> {
        if is_library(name) || name.is_empty() || self.hermetic {
            return None;
        }
        let key = (name.to_string(), from_root.to_path_buf());
        if let Some(known) = self.store.lookup(&key) {
            return known;
        }
        let found = std::iter::once(from_root)
            .chain(self.roots.iter().map(PathBuf::as_path))
            .filter(|r| !r.as_os_str().is_empty())
            .find_map(|root| module_file(root, name, &self.overlay));
        self.store.keep_lookup(key, found.clone());
        found
    }

    /// Marks a module loaded elsewhere (during discovery), so that it is not loaded again.
    pub fn loaded(&self, path: &Path) {
        self.slots.lock().insert(canonical(path), Slot::Taken);
    }

    /// The module at `path`: taken from the loads ahead of the analysis (waiting for it if it
    /// is still being parsed), else read now. `None` when it cannot be read or decoded, or
    /// was taken before.
    pub fn load(&self, path: &Path) -> Option<ModuleData> {
        let key = canonical(path);
        let mut slots = self.slots.lock();
        loop {
            match slots.get_mut(&key) {
                Some(Slot::Loading) => {
                    slots = self
                        .slots
                        .ready
                        .wait(slots)
                        .unwrap_or_else(|e| e.into_inner());
                }
                Some(slot @ Slot::Ready(_)) => {
                    let Slot::Ready(m) = std::mem::replace(slot, Slot::Taken) else {
                        return None;
                    };
                    self.counts.lock().unwrap_or_else(|e| e.into_inner()).1 += 1;
                    return m.map(|m| *m);
                }
                Some(Slot::Taken) => return None,
                Some(Slot::Queued) | None => {
                    slots.insert(key.clone(), Slot::Taken);
                    drop(slots);
                    return self.read_module(&key);
                }
            }
        }
    }

    /// How many modules were loaded ahead of the analysis, and how many of those it took.
    pub fn prefetch_counts(&self) -> (usize, usize) {
        *self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The module at `path`: the store's parse, else read and parsed now (and kept).
    fn read_module(&self, path: &Path) -> Option<ModuleData> {
        let linted = self.linted.is_linted(path);
        if let Some(file) = self.store.file(path) {
            return Some(ModuleData::new(file, linted));
        }
        let display = display_path(path);
        let m = if let Some(text) = overlay_text(&self.overlay, path) {
            let source = SourceFile::new(display, path.to_path_buf(), text.to_string());
            from_source(source, module_path_or_stem(path), linted)
        } else {
            if self.hermetic || regular_file(path).is_err() {
                return None;
            }
            let bytes = std::fs::read(path).ok()?;
            decode_and_parse(path, display, linted, &bytes).ok()?
        };
        self.store.keep(path.to_path_buf(), Arc::clone(&m.file));
        Some(m)
    }

    /// The store this loader reads through.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Starts loading, on the parse pool, the project modules with these names (looked up
    /// from `root` first): the analysis is likely to ask for them next. Looking them up and
    /// parsing them both happen on the pool.
    pub fn prefetch(self: &Arc<Self>, names: &[String], root: &Path) {
        let Some(pool) = &self.pool else {
            return;
        };
        if names.is_empty() {
            return;
        }
        let names = names.to_vec();
        let root = root.to_path_buf();
        let loader = Arc::clone(self);
        pool.spawn(move || {
            for name in names {
                let Some(path) = loader.module_file(&name, &root) else {
                    continue;
                };
                let key = canonical(&path);
                {
                    let mut slots = loader.slots.lock();
                    if slots.contains_key(&key) {
                        continue;
                    }
                    slots.insert(key.clone(), Slot::Queued);
                }
                if let Some(pool) = &loader.pool {
                    let l = Arc::clone(&loader);
                    pool.spawn(move || l.finish(key));
                }
            }
        });
    }

    /// Loads one prefetched module into its slot (unless the analysis took it meanwhile) and
    /// wakes whoever waits for it.
    fn finish(&self, key: PathBuf) {
        {
            let mut slots = self.slots.lock();
            match slots.get_mut(&key) {
                Some(slot @ Slot::Queued) => *slot = Slot::Loading,
                _ => return,
            }
        }
        let m = self.read_module(&key).map(Box::new);
        self.counts.lock().unwrap_or_else(|e| e.into_inner()).0 += 1;
        self.slots.lock().insert(key, Slot::Ready(m));
        self.slots.ready.notify_all();
    }
}

/// A directory the deployment-file search enters: not hidden, not one of [`SKIPPED_DIRS`].
fn entered(name: &str) -> bool {
    !(name.starts_with('.') && name.len() > 1 || SKIPPED_DIRS.contains(&name))
}

/// How many levels below `root` `path` is (a file directly in it: 1), when the search enters
/// every directory on the way (and `path` itself when it is a directory); `None` otherwise.
fn level_below(root: &Path, path: &Path, is_dir: bool) -> Option<usize> {
    let rel: Vec<_> = path.strip_prefix(root).ok()?.components().collect();
    let dirs = if is_dir {
        rel.len()
    } else {
        rel.len().checked_sub(1)?
    };
    let on_the_way = rel.iter().take(dirs);
    (!rel.is_empty()
        && on_the_way
            .into_iter()
            .all(|c| entered(&c.as_os_str().to_string_lossy())))
    .then_some(rel.len())
}

/// The files `wanted` names at most `depth` levels below `root`, as `Loader::text_files`
/// describes.
/// A text file's contents: UTF-8, or UTF-16 with its byte-order mark (Windows editors save
/// requirements files so). Files over 1 MB are skipped, but for lock files, which a large
/// project's are (uv.lock, poetry.lock), up to 64 MB: they are scanned a line at a time.
pub fn read_text(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let is_lock = path.extension().is_some_and(|e| e == "lock");
    let limit = if is_lock { 64_000_000 } else { 1_000_000 };
    if meta.len() > limit {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let utf16 = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => Some(encoding_rs::UTF_16LE),
        Some([0xFE, 0xFF]) => Some(encoding_rs::UTF_16BE),
        _ => None,
    };
    match utf16 {
        Some(encoding) => {
            let (text, _, malformed) = encoding.decode(&bytes);
            (!malformed).then(|| text.into_owned())
        }
        None => String::from_utf8(bytes)
            .ok()
            .map(|s| match s.strip_prefix('\u{feff}') {
                Some(rest) => rest.to_string(),
                None => s,
            }),
    }
}

fn walk_text_files(
    root: &Path,
    depth: usize,
    wanted: &dyn Fn(&Path) -> bool,
    files: &mut Vec<PathBuf>,
) {
    let walker = ignore::WalkBuilder::new(root)
        .max_depth(Some(depth))
        .hidden(false)
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            e.depth() == 0
                || !(name.starts_with('.') && name.len() > 1
                    || is_dir && !entered(&name)
                    || is_dir && e.path().join("pyvenv.cfg").is_file())
        })
        .build();
    for entry in walker.flatten() {
        if entry.file_type().is_some_and(|t| t.is_file()) && wanted(entry.path()) {
            files.push(entry.into_path());
        }
    }
}

/// The file of module `name` under `root`: on disk, or a buffer standing in for a file not
/// saved yet.
fn module_file(root: &Path, name: &str, overlay: &Overlay) -> Option<PathBuf> {
    let mut rel = PathBuf::new();
    for part in name.split('.') {
        rel.push(part);
    }
    let base = root.join(&rel);
    let candidates = [
        base.with_extension("py"),
        base.join("__init__.py"),
        base.with_extension("pyi"),
        base.join("__init__.pyi"),
    ];
    candidates
        .into_iter()
        .find(|c| c.is_file() || !overlay.is_empty() && overlay.contains_key(&canonical(c)))
}
