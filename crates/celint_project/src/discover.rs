//! From the paths on the command line to the Python files to lint, and from a file to its module
//! name and source root, the way Ruff and isort detect packages.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Directories never walked into (Ruff's default excludes, plus build output). A path given
/// explicitly on the command line is linted all the same.
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".git-rewrite",
    ".hg",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pyenv",
    ".pytest_cache",
    ".pytype",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    ".vscode",
    "__pycache__",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
];

/// A path that could not be walked or does not exist.
#[derive(Debug)]
pub struct DiscoverError {
    pub path: PathBuf,
    pub message: String,
}

pub fn is_python_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "py" || e == "pyi")
}

/// What to leave out of the walk.
#[derive(Debug, Clone)]
pub struct Excludes {
    set: globset::GlobSet,
    /// Patterns are relative to this directory (the configuration's, or the current one).
    base: PathBuf,
    pub respect_gitignore: bool,
    /// Exclude files given explicitly too (for pre-commit, which passes every file).
    pub force: bool,
}

impl Default for Excludes {
    fn default() -> Self {
        let patterns: Vec<String> = DEFAULT_EXCLUDES.iter().map(|s| s.to_string()).collect();
        Excludes::new(&patterns, std::env::current_dir().unwrap_or_default()).unwrap_or_else(|_| {
            Excludes {
                set: globset::GlobSet::empty(),
                base: PathBuf::new(),
                respect_gitignore: true,
                force: false,
            }
        })
    }
}

impl Excludes {
    pub fn new(patterns: &[String], base: PathBuf) -> Result<Self, globset::Error> {
        Ok(Excludes {
            set: globs(patterns)?,
            base: crate::project::canonical(&base),
            respect_gitignore: true,
            force: false,
        })
    }

    /// Does a pattern match this path itself (by name, or relative to the base)? The walk asks
    /// this of every entry, so it excludes at any depth.
    pub fn is_excluded(&self, path: &Path) -> bool {
        self.is_excluded_absolute(&crate::project::canonical(path))
    }

    /// `is_excluded` for a path already absolute and folded (the walk's entries).
    fn is_excluded_absolute(&self, abs: &Path) -> bool {
        let name_match = abs.file_name().is_some_and(|n| self.set.is_match(n));
        let rel_match = abs
            .strip_prefix(&self.base)
            .is_ok_and(|rel| !rel.as_os_str().is_empty() && self.set.is_match(rel));
        name_match || rel_match
    }

    /// Would the walk leave this path out: it, or a directory between the base and it, is
    /// excluded (a pattern, build metadata, a virtualenv)? For paths given explicitly, which the
    /// walk does not judge.
    pub fn excludes_path(&self, path: &Path) -> bool {
        let abs = crate::project::canonical(path);
        if self.is_excluded(&abs) {
            return true;
        }
        abs.ancestors()
            .skip(1)
            .take_while(|d| d.starts_with(&self.base) && *d != self.base)
            .any(|d| self.is_excluded(d) || skipped_dir(d))
    }

    /// `--force-exclude`: excludes apply to this path given explicitly.
    pub fn force_excluded(&self, path: &Path) -> bool {
        self.force && self.excludes_path(path)
    }
}

/// Directories the walk never enters whatever the patterns: build metadata, and virtualenvs
/// under any name.
///
/// A virtualenv is known by the `pyvenv.cfg` at its root, and its Python files are all in the
/// directories listed in `VENV_DIRS`: those are what is left out, judged by looking beside them.
/// Looking for `pyvenv.cfg` in every directory cost one failed `stat` per directory (2,400 on
/// the benchmark corpus, about 5% of a run); directories of these names are few.
fn skipped_dir(dir: &Path) -> bool {
    let Some(name) = dir.file_name() else {
        return false;
    };
    let name = name.to_string_lossy();
    name.ends_with(".egg-info")
        || (VENV_DIRS.contains(&name.as_ref())
            && dir.parent().is_some_and(|p| p.join("pyvenv.cfg").is_file()))
}

/// What a virtualenv holds besides `pyvenv.cfg` (POSIX and Windows layouts).
const VENV_DIRS: &[&str] = &[
    "lib", "lib64", "Lib", "bin", "Scripts", "include", "Include", "share", "etc",
];

/// What one walk found.
pub struct Walked<T> {
    /// Every Python file, sorted, each once, with what `visit` made of it.
    pub files: Vec<(PathBuf, T)>,
    pub errors: Vec<DiscoverError>,
    /// What else the walk saw, for the deployment-file search (`Loader::text_files`).
    pub index: WalkIndex,
}

/// The files besides Python sources that the walk saw and were asked for by name (deployment
/// files), and the directories it did not enter because an exclude pattern names them: the
/// deployment-file search, which ignores exclude patterns, looks into those itself. Lets that
/// search use this walk instead of walking the project a second time.
#[derive(Debug, Default, Clone)]
pub struct WalkIndex {
    /// The directories walked (absolute).
    pub dirs: Vec<PathBuf>,
    /// Regular files whose name was asked for, excluded or not, sorted, each once.
    pub noted: Vec<PathBuf>,
    /// Directories left out by an exclude pattern, sorted, each once.
    pub pruned: Vec<PathBuf>,
    /// The walk honoured ignore files (without that, `noted` holds files the search skips).
    pub honours_ignore_files: bool,
}

/// Every Python file under `paths` with what `visit` made of it (its second argument says the
/// walk saw a regular file, so it need not look again). `visit` runs on the walker's threads
/// as files are found, so reading overlaps walking; a file found again under a later path (the
/// same spelling: give absolute, folded paths, as `Scope` does) is not visited again. Files whose name `noted` accepts
/// are recorded in the index.
pub fn discover_each<T: Send>(
    paths: &[PathBuf],
    excludes: &Excludes,
    threads: Option<usize>,
    noted: fn(&str) -> bool,
    visit: &(dyn Fn(&Path, bool) -> T + Sync),
) -> Walked<T> {
    let files = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    let shared = Shared::default();
    let mut dirs = Vec::new();
    // Only several paths can find a file twice.
    let seen: Option<Mutex<HashSet<PathBuf>>> = (paths.len() > 1).then(Mutex::default);
    let first_time = |p: &Path| {
        seen.as_ref().is_none_or(|s| {
            s.lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(p.to_path_buf())
        })
    };
    for path in paths {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                push(
                    &errors,
                    DiscoverError {
                        path: path.clone(),
                        message: io_message(&e),
                    },
                );
                continue;
            }
        };
        if !meta.is_dir() {
            // Given explicitly: always linted, whatever ignore files say (unless asked to apply
            // excludes to explicit files, as pre-commit needs).
            if !excludes.force_excluded(path) && first_time(path) {
                push(&files, (path.clone(), visit(path, false)));
            }
            continue;
        }
        if excludes.force_excluded(path) {
            continue;
        }
        dirs.push(path.clone());
        let walker = walker(path, excludes, threads, noted, &shared);
        walker.run(|| {
            Box::new(|result| {
                match result {
                    Ok(entry) => {
                        let is_file = entry.file_type().is_some_and(|t| t.is_file());
                        if is_file && is_python_file(entry.path()) && first_time(entry.path()) {
                            let value = visit(entry.path(), true);
                            push(&files, (entry.into_path(), value));
                        }
                    }
                    Err(err) => {
                        let path = match &err {
                            ignore::Error::WithPath { path, .. } => path.clone(),
                            _ => path.clone(),
                        };
                        push(
                            &errors,
                            DiscoverError {
                                path,
                                message: err.to_string(),
                            },
                        );
                    }
                }
                ignore::WalkState::Continue
            })
        });
    }
    let mut files = files.into_inner().unwrap_or_else(|e| e.into_inner());
    sort_paths(&mut files);
    let errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    let sorted = |list: Arc<Mutex<Vec<PathBuf>>>| {
        let mut list = std::mem::take(&mut *list.lock().unwrap_or_else(|e| e.into_inner()));
        list.sort();
        list.dedup();
        list
    };
    Walked {
        files,
        errors,
        index: WalkIndex {
            dirs,
            noted: sorted(shared.noted),
            pruned: sorted(shared.pruned),
            honours_ignore_files: excludes.respect_gitignore,
        },
    }
}

/// Sorts the walk's files in path order (`Path::cmp`, component by component) and drops a
/// repeated path. `Path::cmp` parses both paths into components at each comparison: sorting a
/// large project's files with it took 5 to 9 ms on the benchmark corpus, after the walk, with
/// the other core idle. The paths the walk makes are plain (see [`plain`]), and for plain paths
/// the component order is the byte order with the separator below every other byte: sorting
/// by those bytes (a `memcmp` each) took 1.2 to 1.8 ms. Any other path sorts the slow way.
fn sort_paths<T>(files: &mut Vec<(PathBuf, T)>) {
    if files.iter().all(|(p, _)| plain(p)) {
        files.sort_by_cached_key(|(p, _)| plain_key(p));
        // Plain paths are the same path only when they are the same bytes.
        files.dedup_by(|a, b| a.0.as_os_str() == b.0.as_os_str());
    } else {
        files.sort_by(|(a, _), (b, _)| a.cmp(b));
        files.dedup_by(|a, b| a.0 == b.0);
    }
}

/// No component of `path` is `.`, `..` or empty (a doubled or trailing separator), and `/` is
/// its only separator. On other systems than Unix, paths have prefixes and two separators:
/// none is plain there.
fn plain(path: &Path) -> bool {
    if !cfg!(unix) {
        return false;
    }
    let bytes = path.as_os_str().as_encoded_bytes();
    let rest = bytes.strip_prefix(b"/").unwrap_or(bytes);
    rest.split(|&b| b == b'/')
        .all(|c| !c.is_empty() && c != b"." && c != b"..")
}

/// `path.starts_with(dir)` (component by component), by bytes when both are plain: asked of
/// every file a walk finds.
pub fn within(path: &Path, dir: &Path) -> bool {
    if !(plain(path) && plain(dir)) {
        return path.starts_with(dir);
    }
    let (p, d) = (
        path.as_os_str().as_encoded_bytes(),
        dir.as_os_str().as_encoded_bytes(),
    );
    p.strip_prefix(d)
        .is_some_and(|rest| rest.is_empty() || rest.first() == Some(&b'/'))
}

/// A plain path's bytes with the separator made 0, which no Unix path contains: compared as
/// bytes, these keys are in `Path::cmp`'s order.
fn plain_key(path: &Path) -> Vec<u8> {
    let bytes = path.as_os_str().as_encoded_bytes();
    bytes
        .iter()
        .map(|&b| if b == b'/' { 0 } else { b })
        .collect()
}

/// What the walk's entry filter records; it must own what it uses.
#[derive(Default)]
struct Shared {
    noted: Arc<Mutex<Vec<PathBuf>>>,
    pruned: Arc<Mutex<Vec<PathBuf>>>,
}

/// The parallel walk of one directory: ignore files as configured, hidden entries, excluded
/// ones and virtualenvs left out; files `noted` names and the directories excluded recorded.
fn walker(
    path: &Path,
    excludes: &Excludes,
    threads: Option<usize>,
    noted: fn(&str) -> bool,
    shared: &Shared,
) -> ignore::WalkParallel {
    let mut builder = ignore::WalkBuilder::new(path);
    builder
        .hidden(true)
        .git_ignore(excludes.respect_gitignore)
        .git_exclude(excludes.respect_gitignore)
        .git_global(excludes.respect_gitignore)
        .ignore(excludes.respect_gitignore)
        .parents(excludes.respect_gitignore)
        .require_git(false)
        .follow_links(false)
        // The same thread count as the parsing pool (which reads RAYON_NUM_THREADS).
        .threads(threads.unwrap_or_else(|| {
            std::env::var("RAYON_NUM_THREADS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        }))
        .filter_entry({
            let excludes = excludes.clone();
            let (noted_files, pruned) = (shared.noted.clone(), shared.pruned.clone());
            move |entry| {
                if entry.depth() == 0 {
                    return true;
                }
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                let is_file = entry.file_type().is_some_and(|t| t.is_file());
                if is_file && noted(&entry.file_name().to_string_lossy()) {
                    push(&noted_files, entry.path().to_path_buf());
                }
                // The walk's paths are absolute and folded, so are its entries.
                if excludes.is_excluded_absolute(entry.path()) {
                    if is_dir {
                        push(&pruned, entry.path().to_path_buf());
                    }
                    return false;
                }
                !is_dir || !skipped_dir(entry.path())
            }
        });
    builder.build_parallel()
}

fn push<T>(list: &Mutex<Vec<T>>, item: T) {
    // A poisoned lock only means another walker thread panicked; the list is still usable.
    list.lock().unwrap_or_else(|e| e.into_inner()).push(item);
}

pub fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ if e.raw_os_error() == Some(40) => {
            "too many levels of symbolic links (a symlink loop)".to_string()
        }
        _ => e.to_string(),
    }
}

/// Where a file sits in the module namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModulePath {
    /// Dotted module name (`app.worker`; a package's `__init__` is the package: `app`).
    pub name: String,
    /// The file is a package's `__init__`.
    pub is_package: bool,
    /// The directory the dotted name is relative to.
    pub root: PathBuf,
}

/// A file's package is the chain of ancestor directories holding `__init__.py` (or `.pyi`); the
/// directory above the topmost one is the source root.
pub fn module_path(path: &Path) -> Option<ModulePath> {
    // `tasks.py` run from inside its package has an empty parent: work on the absolute path.
    let absolute = std::path::absolute(path).ok()?;
    let path = absolute.as_path();
    let stem = path.file_stem()?.to_str()?.to_string();
    let mut parts = Vec::new();
    let is_package = stem == "__init__";
    if !is_package {
        parts.push(stem);
    }
    let mut dir = path.parent()?.to_path_buf();
    loop {
        let has_init = dir.join("__init__.py").is_file() || dir.join("__init__.pyi").is_file();
        if !has_init {
            break;
        }
        let name = dir.file_name()?.to_str()?.to_string();
        parts.push(name);
        match dir.parent() {
            Some(parent) => dir = parent.to_path_buf(),
            None => break,
        }
    }
    if parts.is_empty() {
        return None;
    }
    parts.reverse();
    Some(ModulePath {
        name: parts.join("."),
        is_package,
        root: dir,
    })
}

/// The nearest directory at or above `path` that looks like the top of a project: it holds
/// `pyproject.toml`, `setup.py`, `setup.cfg`, `Procfile` or `.git`.
pub fn project_top(path: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(path).ok()?;
    let start = if abs.is_dir() {
        abs.as_path()
    } else {
        abs.parent()?
    };
    start
        .ancestors()
        .find(|d| {
            [
                "pyproject.toml",
                "setup.py",
                "setup.cfg",
                "Procfile",
                ".git",
            ]
            .iter()
            .any(|m| d.join(m).exists())
        })
        .map(Path::to_path_buf)
}

/// Files that mark the top of a Python project.
pub const PROJECT_MARKERS: &[&str] = &["pyproject.toml", "setup.cfg", "setup.py", ".git"];

/// The nearest directory at or above `path` that holds a project marker. `path` need not
/// exist (standard input's file name); a file's search starts in its directory.
pub fn project_root(path: &Path) -> Option<PathBuf> {
    let abs = crate::project::canonical(path);
    let start = if abs.is_dir() {
        abs.as_path()
    } else {
        abs.parent()?
    };
    start
        .ancestors()
        .find(|d| PROJECT_MARKERS.iter().any(|m| d.join(m).exists()))
        .map(Path::to_path_buf)
}

/// A glob set; a pattern without `/` also matches in any directory.
pub fn globs(patterns: &[String]) -> Result<globset::GlobSet, globset::Error> {
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        let p = p.trim_start_matches("./");
        b.add(globset::Glob::new(p)?);
        if !p.contains('/') {
            b.add(globset::Glob::new(&format!("**/{p}"))?);
        }
        b.add(globset::Glob::new(&format!(
            "{}/**",
            p.trim_end_matches('/')
        ))?);
    }
    b.build()
}

#[cfg(test)]
mod tests {
    use super::{plain, plain_key, sort_paths, within};
    use proptest::prelude::*;
    use std::path::{Path, PathBuf};

    /// Components that sort differently by bytes and by `Path`'s rules if mishandled: a
    /// prefix of another, bytes below and above the separator, dots.
    fn component() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "a", "a-b", "a.b", "ab", "a b", "b", "-", "..x", ".hidden", "é", "A", "a0", "a~",
        ])
        .prop_map(str::to_string)
    }

    fn path() -> impl Strategy<Value = PathBuf> {
        (any::<bool>(), prop::collection::vec(component(), 1..5)).prop_map(|(absolute, parts)| {
            let joined = parts.join("/");
            PathBuf::from(if absolute {
                format!("/{joined}")
            } else {
                joined
            })
        })
    }

    proptest! {
        #[test]
        fn plain_order_is_path_order(a in path(), b in path()) {
            prop_assert!(plain(&a) && plain(&b));
            prop_assert_eq!(plain_key(&a).cmp(&plain_key(&b)), a.cmp(&b));
        }

        #[test]
        fn within_is_starts_with(a in path(), b in path()) {
            prop_assert_eq!(within(&a, &b), a.starts_with(&b));
            // A directory and a file below it.
            let below = b.join("x.py");
            prop_assert_eq!(within(&below, &b), true);
        }

        #[test]
        fn sorted_as_path_sorts(mut paths in prop::collection::vec(path(), 0..40)) {
            let mut files: Vec<(PathBuf, ())> = paths.iter().map(|p| (p.clone(), ())).collect();
            sort_paths(&mut files);
            paths.sort();
            paths.dedup();
            let sorted: Vec<PathBuf> = files.into_iter().map(|(p, ())| p).collect();
            prop_assert_eq!(sorted, paths);
        }
    }

    #[test]
    fn not_plain() {
        for p in ["a//b", "a/./b", "./a", "a/../b", "a/", "/a/.", ""] {
            assert!(!plain(Path::new(p)), "{p}");
        }
        // Not plain: sorted as `Path` sorts them (`a//b` is `a/b`, which sorts before `a-b`).
        let mut files = vec![
            (PathBuf::from("a-b"), ()),
            (PathBuf::from("a//b"), ()),
            (PathBuf::from("a/b"), ()),
        ];
        sort_paths(&mut files);
        let sorted: Vec<&Path> = files.iter().map(|(p, ())| p.as_path()).collect();
        assert_eq!(sorted, [Path::new("a//b"), Path::new("a-b")]);
    }
}
