//! The project: every module celint has read (the linted files, and the modules their handlers'
//! calls lead into, read on demand), the source roots, and module lookup by dotted name.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::discover::{self, ModulePath};
use crate::facts::symbols::{self, Symbols};
use crate::source::{DecodeError, SourceFile};
use crate::syntax::{self, Parsed};

/// Top-level packages that are always the installed library, never a project module: a Django
/// project's `proj/celery.py` must not shadow `from celery import Celery` when `proj` has no
/// `__init__.py` and so is itself a source root.
const ALWAYS_EXTERNAL: &[&str] = &["celery", "kombu", "billiard"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleId(pub u32);

#[derive(Debug)]
pub struct ModuleData {
    pub id: ModuleId,
    /// Dotted name (`app.worker`).
    pub name: String,
    pub is_package: bool,
    pub root: PathBuf,
    pub source: SourceFile,
    pub parsed: Parsed,
    pub symbols: Symbols,
    /// Given to celint to lint (as opposed to read because a handler's call leads into it).
    pub linted: bool,
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

/// What reading a file gave.
pub enum Loaded {
    Module(Box<ModuleData>),
    /// Not parsed: it cannot matter unless it names a signal alias (its bytes are kept).
    Deferred(Vec<u8>),
    /// Not parsed: it cannot matter.
    Skipped,
}

/// A file read, and what the pre-scan makes of it.
pub struct Read {
    pub bytes: Vec<u8>,
    pub relevance: crate::prescan::Relevance,
}

/// Reads a file (never blocking on a FIFO or device) and classifies it.
pub fn read_file(path: &Path, display: &str, prescan: bool) -> Result<Read, LoadError> {
    let io = |e: std::io::Error| LoadError::Io {
        display: display.to_string(),
        message: discover::io_message(&e),
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        // A FIFO, socket or device named `*.py`: reading it could block forever.
        return Err(LoadError::Io {
            display: display.to_string(),
            message: if meta.is_dir() {
                "is a directory".to_string()
            } else {
                "not a regular file".to_string()
            },
        });
    }
    if !prescan {
        let bytes = std::fs::read(path).map_err(io)?;
        let relevance = crate::prescan::Relevance::Matters;
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
        let mut file = std::fs::File::open(path).map_err(io)?;
        std::io::Read::read_to_end(&mut file, &mut buf).map_err(io)?;
        let relevance = crate::prescan::classify(&buf);
        // Files that may connect through an alias are read again in the rare case that the
        // project defines signal aliases: holding all of them meanwhile costs more.
        let bytes = match relevance {
            crate::prescan::Relevance::Matters => buf.clone(),
            _ => Vec::new(),
        };
        // Do not keep a huge buffer around after a huge file.
        if buf.capacity() > 4 << 20 {
            *buf = Vec::new();
        }
        Ok(Read { bytes, relevance })
    })
}

/// Reads, decodes and parses one file, and builds its symbol tables. With `prescan`, a file
/// that cannot matter (see `prescan.rs`) is read but not parsed.
pub fn load_file(
    path: &Path,
    display: String,
    linted: bool,
    overlay: &crate::Overlay,
    prescan: bool,
) -> Result<Loaded, LoadError> {
    if !overlay.is_empty() {
        if let Some(text) = overlay.get(&canonical(path)) {
            let source = SourceFile::new(display, path.to_path_buf(), text.clone());
            let m = from_source(source, module_path_or_stem(path), linted);
            return Ok(Loaded::Module(Box::new(m)));
        }
    }
    let meta = std::fs::metadata(path).map_err(|e| LoadError::Io {
        display: display.clone(),
        message: discover::io_message(&e),
    })?;
    if !meta.is_file() {
        // A FIFO, socket or device named `*.py`: reading it could block forever.
        return Err(LoadError::Io {
            display,
            message: if meta.is_dir() {
                "is a directory".to_string()
            } else {
                "not a regular file".to_string()
            },
        });
    }
    let bytes = std::fs::read(path).map_err(|e| LoadError::Io {
        display: display.clone(),
        message: discover::io_message(&e),
    })?;
    if prescan {
        match crate::prescan::classify(&bytes) {
            crate::prescan::Relevance::Matters => {}
            crate::prescan::Relevance::MayConnect => return Ok(Loaded::Deferred(bytes)),
            crate::prescan::Relevance::No => return Ok(Loaded::Skipped),
        }
    }
    decode_and_parse(path, display, linted, &bytes).map(|m| Loaded::Module(Box::new(m)))
}

/// Decodes and parses bytes read from `path`.
pub fn decode_and_parse(
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
                matters: crate::prescan::may_matter(bytes),
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

pub fn from_source(source: SourceFile, mp: ModulePath, linted: bool) -> ModuleData {
    let parsed = syntax::parse(&source.text, source.is_stub());
    let symbols = symbols::build(&parsed.module, &mp.name, mp.is_package);
    ModuleData {
        id: ModuleId(0),
        name: mp.name,
        is_package: mp.is_package,
        root: canonical(&mp.root),
        source,
        parsed,
        symbols,
        linted,
    }
}

pub struct Project {
    modules: RefCell<Vec<Rc<ModuleData>>>,
    by_path: RefCell<HashMap<PathBuf, Option<ModuleId>>>,
    lookups: RefCell<HashMap<(String, PathBuf), Option<PathBuf>>>,
    roots: Vec<PathBuf>,
    overlay: crate::Overlay,
    /// Every file given to celint, parsed or not: a module read on demand from this set is
    /// linted too (its syntax errors are reported, its fixes applied).
    linted_paths: std::collections::HashSet<PathBuf>,
    /// Never read a file (see `isolated`).
    hermetic: bool,
}

impl Project {
    /// `modules` are the linted files, already loaded; `extra_roots` are the directories given on
    /// the command line and configured source roots.
    pub fn new(
        modules: Vec<ModuleData>,
        extra_roots: &[PathBuf],
        overlay: crate::Overlay,
        linted_paths: std::collections::HashSet<PathBuf>,
    ) -> Self {
        let mut roots: Vec<PathBuf> = Vec::new();
        let mut add_root = |p: &Path| {
            let p = canonical(p);
            if !roots.contains(&p) {
                roots.push(p);
            }
        };
        for m in &modules {
            add_root(&m.root);
        }
        for r in extra_roots {
            add_root(r);
            let src = r.join("src");
            if src.is_dir() {
                add_root(&src);
            }
        }
        if let Ok(cwd) = std::env::current_dir() {
            add_root(&cwd);
            let src = cwd.join("src");
            if src.is_dir() {
                add_root(&src);
            }
        }
        let mut by_path = HashMap::new();
        let mut stored = Vec::with_capacity(modules.len());
        for (i, mut m) in modules.into_iter().enumerate() {
            m.id = ModuleId(i as u32);
            by_path.insert(canonical(&m.source.path), Some(m.id));
            stored.push(Rc::new(m));
        }
        Project {
            modules: RefCell::new(stored),
            by_path: RefCell::new(by_path),
            lookups: RefCell::new(HashMap::new()),
            roots,
            overlay,
            linted_paths,
            hermetic: false,
        }
    }

    /// A project of these modules alone: no source roots, nothing else is ever read.
    pub fn isolated(modules: Vec<ModuleData>) -> Self {
        let mut p = Project::new(
            modules,
            &[],
            crate::Overlay::new(),
            std::collections::HashSet::new(),
        );
        p.roots.clear();
        p.hermetic = true;
        p
    }

    pub fn module(&self, id: ModuleId) -> Option<Rc<ModuleData>> {
        self.modules.borrow().get(id.0 as usize).cloned()
    }

    pub fn modules(&self) -> Vec<Rc<ModuleData>> {
        self.modules.borrow().clone()
    }

    /// The project module with this dotted name, read on demand; `None` for a module outside the
    /// project (the standard library, installed packages) or one that cannot be read.
    pub fn find_module(&self, name: &str, from: Option<ModuleId>) -> Option<ModuleId> {
        let top = name.split('.').next().unwrap_or(name);
        if ALWAYS_EXTERNAL.contains(&top) || name.is_empty() || self.hermetic {
            return None;
        }
        let from_root = from
            .and_then(|id| self.module(id))
            .map(|m| m.root.clone())
            .unwrap_or_default();
        let key = (name.to_string(), from_root.clone());
        let cached = self.lookups.borrow().get(&key).cloned();
        let path = match cached {
            Some(p) => p,
            None => {
                let found = std::iter::once(&from_root)
                    .chain(self.roots.iter())
                    .filter(|r| !r.as_os_str().is_empty())
                    .find_map(|root| module_file(root, name));
                self.lookups.borrow_mut().insert(key, found.clone());
                found
            }
        }?;
        let id = self.load_path(&path)?;
        // A module never imports itself through an absolute import of its own name.
        if Some(id) == from && self.module(id).is_some_and(|m| m.name != name) {
            return None;
        }
        Some(id)
    }

    fn load_path(&self, path: &Path) -> Option<ModuleId> {
        let key = canonical(path);
        if let Some(known) = self.by_path.borrow().get(&key) {
            return *known;
        }
        let display = crate::source::display_path(path);
        let linted = self.linted_paths.contains(&key);
        let id = match load_file(path, display, linted, &self.overlay, false) {
            Ok(Loaded::Module(m)) => Some(self.push(*m)),
            _ => None,
        };
        self.by_path.borrow_mut().insert(key, id);
        id
    }

    /// Adds a module read outside `find_module` (a deferred file that turned out to matter).
    pub fn add(&self, m: ModuleData) -> ModuleId {
        let key = canonical(&m.source.path);
        if let Some(Some(known)) = self.by_path.borrow().get(&key) {
            return *known;
        }
        let id = self.push(m);
        self.by_path.borrow_mut().insert(key, Some(id));
        id
    }

    fn push(&self, mut m: ModuleData) -> ModuleId {
        let mut modules = self.modules.borrow_mut();
        let id = ModuleId(modules.len() as u32);
        m.id = id;
        modules.push(Rc::new(m));
        id
    }
}

fn module_file(root: &Path, name: &str) -> Option<PathBuf> {
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
    candidates.into_iter().find(|c| c.is_file())
}

/// The absolute path with `.` and `..` folded away, without asking the file system: this is
/// called for every module lookup, and `canonicalize` costs a `readlink` per component.
pub fn canonical(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
