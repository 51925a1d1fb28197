//! Reading Celery's requirement out of each kind of dependency file. Each reader returns the
//! requirements that name Celery, with their line; requirements files also return the files
//! they include (`-r`) and the constraints files they name (`-c`).
//!
//! Lock files (`poetry.lock`, `uv.lock`, `pdm.lock`) are read line by line rather than parsed as
//! TOML: they are generated with a fixed layout (`[[package]]`, then `name = "..."` and
//! `version = "..."`), and a full parse of a lock file of several megabytes would cost more
//! than the whole lint. `setup.py` is read for string literals that are requirements naming
//! Celery with a version: its `install_requires` is often built in code celint does not run.

use std::path::{Path, PathBuf};

use super::spec::{self, Allowed, Dialect};

/// The kinds of dependency file, in the order of precedence within a directory (lock files
/// first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Form {
    PoetryLock,
    UvLock,
    PdmLock,
    PipfileLock,
    Requirements,
    Pyproject,
    Pipfile,
    SetupCfg,
    SetupPy,
    Conda,
}

impl Form {
    /// Files of the same tier are read together (their versions joined); a lower tier wins.
    pub fn tier(self) -> u8 {
        match self {
            Form::PoetryLock | Form::UvLock | Form::PdmLock | Form::PipfileLock => 0,
            Form::Requirements => 1,
            Form::Pyproject | Form::Pipfile => 2,
            Form::SetupCfg | Form::SetupPy => 3,
            Form::Conda => 4,
        }
    }
}

/// Directories whose text files are requirements files (`requirements/base.txt`): they speak
/// for the directory above them.
pub const REQUIREMENTS_DIRS: &[&str] = &["requirements", "reqs", "requirements.d", "deps"];

/// Could a file of this name be a dependency file? (What the walk notes: a `.txt` or `.in` is
/// a requirements file only in some directories, which `form` decides from the path.)
pub fn is_candidate(name: &str) -> bool {
    matches!(
        name,
        "poetry.lock"
            | "uv.lock"
            | "pdm.lock"
            | "Pipfile.lock"
            | "Pipfile"
            | "pyproject.toml"
            | "setup.cfg"
            | "setup.py"
    ) || name.ends_with(".txt")
        || name.ends_with(".in")
        || is_conda(name)
}

fn is_conda(name: &str) -> bool {
    (name.starts_with("environment") || name.starts_with("conda"))
        && (name.ends_with(".yml") || name.ends_with(".yaml"))
}

/// What a file is, from its path.
pub fn form(path: &Path) -> Option<Form> {
    let name = path.file_name()?.to_str()?;
    Some(match name {
        "poetry.lock" => Form::PoetryLock,
        "uv.lock" => Form::UvLock,
        "pdm.lock" => Form::PdmLock,
        "Pipfile.lock" => Form::PipfileLock,
        "Pipfile" => Form::Pipfile,
        "pyproject.toml" => Form::Pyproject,
        "setup.cfg" => Form::SetupCfg,
        "setup.py" => Form::SetupPy,
        _ if is_conda(name) => Form::Conda,
        _ if (name.ends_with(".txt") || name.ends_with(".in")) && is_requirements(path, name) => {
            Form::Requirements
        }
        _ => return None,
    })
}

fn is_requirements(path: &Path, name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("requirement")
        || lower.contains("constraint")
        || lower.starts_with("reqs")
        || in_requirements_dir(path)
}

/// Is the file in a directory of requirements files (`requirements/base.txt`)?
pub fn in_requirements_dir(path: &Path) -> bool {
    path.parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .is_some_and(|n| REQUIREMENTS_DIRS.contains(&n))
}

/// One requirement that names Celery.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// 1-based.
    pub line: usize,
    /// As written (`celery[redis]>=5.3,<6`).
    pub written: String,
    /// `None`: no version given (unpinned, a VCS or URL requirement).
    pub allowed: Option<Allowed>,
    /// From a constraints file (`-c`): it narrows what the requirements allow.
    pub constraint: bool,
}

/// What one file says.
#[derive(Debug, Default)]
pub struct Read {
    pub found: Vec<Found>,
    /// Requirements files it includes (`-r`), resolved against its directory.
    pub includes: Vec<PathBuf>,
    /// Constraints files it names (`-c`).
    pub constraints: Vec<PathBuf>,
}

/// Reads `text`, a file of kind `form` at `path`.
pub fn read(form: Form, path: &Path, text: &str) -> Read {
    // Only a file that names Celery can say anything (a `-r` chain is followed all the same).
    let names_celery = text.to_ascii_lowercase().contains("celery");
    if !names_celery && form != Form::Requirements {
        return Read::default();
    }
    match form {
        Form::PoetryLock | Form::UvLock | Form::PdmLock => Read {
            found: toml_lock(text),
            ..Read::default()
        },
        Form::PipfileLock => Read {
            found: pipfile_lock(text),
            ..Read::default()
        },
        Form::Requirements => requirements(path, text),
        Form::Pyproject | Form::Pipfile => Read {
            found: super::pyproject::read(text),
            ..Read::default()
        },
        Form::SetupCfg => Read {
            found: setup_cfg(text),
            ..Read::default()
        },
        Form::SetupPy => Read {
            found: setup_py(text),
            ..Read::default()
        },
        Form::Conda => Read {
            found: conda(text),
            ..Read::default()
        },
    }
}

/// Is `name` Celery's distribution name (PEP 503: case and `-_.` runs do not matter)?
fn is_celery(name: &str) -> bool {
    name.eq_ignore_ascii_case("celery")
}

/// A PEP 508 requirement naming Celery: `Some(spec)` (empty when unversioned, `None` inside for a
/// URL requirement), `None` when it names something else.
pub fn pep508(text: &str) -> Option<Option<String>> {
    let text = text.split(';').next().unwrap_or("").trim();
    let name_end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(text.len());
    let (name, mut rest) = text.split_at(name_end);
    if !is_celery(name) {
        return None;
    }
    rest = rest.trim_start();
    if let Some(after) = rest.strip_prefix('[') {
        rest = after.split_once(']').map_or("", |(_, r)| r).trim_start();
    }
    if rest.starts_with('@') {
        return Some(None);
    }
    let rest = rest.trim_start_matches('(').trim_end_matches(')').trim();
    // What follows must be a specifier or nothing (`celery extra words` is not a requirement).
    if !rest.is_empty() && !rest.starts_with(['<', '>', '=', '!', '~']) {
        return None;
    }
    Some(Some(rest.to_string()))
}

fn found(line: usize, written: &str, spec: Option<String>, dialect: Dialect) -> Option<Found> {
    let allowed = match spec {
        Some(s) if !s.trim().is_empty() => Some(spec::allowed(&s, dialect)?),
        _ => None,
    };
    Some(Found {
        line,
        written: written.trim().to_string(),
        allowed,
        constraint: false,
    })
}

fn toml_lock(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let mut in_celery: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            in_celery = None;
            continue;
        }
        if let Some(name) = quoted_value(line, "name") {
            in_celery = is_celery(name).then_some(i + 1);
            continue;
        }
        if let (Some(at), Some(version)) = (in_celery, quoted_value(line, "version")) {
            let written = format!("celery {version}");
            out.extend(found(
                at,
                &written,
                Some(format!("=={version}")),
                Dialect::Pep440,
            ));
            in_celery = None;
        }
    }
    out
}

/// `key = "value"` -> `value`.
fn quoted_value<'t>(line: &'t str, key: &str) -> Option<&'t str> {
    let rest = line
        .strip_prefix(key)?
        .trim_start()
        .strip_prefix('=')?
        .trim();
    rest.strip_prefix('"')?.strip_suffix('"')
}

fn pipfile_lock(text: &str) -> Vec<Found> {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let line = text
        .lines()
        .position(|l| {
            l.trim_start()
                .to_ascii_lowercase()
                .starts_with("\"celery\"")
        })
        .map_or(1, |i| i + 1);
    let mut out = Vec::new();
    for section in ["default", "develop"] {
        let Some(packages) = json.get(section).and_then(|s| s.as_object()) else {
            continue;
        };
        for (name, entry) in packages {
            if !is_celery(name) {
                continue;
            }
            let version = entry.get("version").and_then(|v| v.as_str());
            let written = format!("\"{name}\": {}", version.unwrap_or("(no version)"));
            out.extend(found(
                line,
                &written,
                version.map(str::to_string),
                Dialect::Pep440,
            ));
        }
    }
    out
}

/// A requirements file: its lines (continuations joined, comments dropped), `-r` and `-c`.
fn requirements(path: &Path, text: &str) -> Read {
    let dir = path.parent().unwrap_or(Path::new(""));
    let mut out = Read::default();
    let mut joined = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if joined.is_empty() {
            start = i + 1;
        }
        let line = strip_comment(raw);
        if let Some(cont) = line.trim_end().strip_suffix('\\') {
            joined.push_str(cont);
            joined.push(' ');
            continue;
        }
        joined.push_str(line);
        let entry = std::mem::take(&mut joined);
        requirements_line(dir, start, entry.trim(), &mut out);
    }
    out
}

fn strip_comment(line: &str) -> &str {
    if line.trim_start().starts_with('#') {
        return "";
    }
    match line.find(" #").or_else(|| line.find("\t#")) {
        Some(at) => &line[..at],
        None => line,
    }
}

fn requirements_line(dir: &Path, line_no: usize, line: &str, out: &mut Read) {
    let option = |names: &[&str]| {
        names.iter().find_map(|n| {
            let rest = line.strip_prefix(n)?;
            let rest = rest.strip_prefix('=').unwrap_or(rest);
            (rest.starts_with([' ', '\t']) || n.len() == 2 || line.len() > n.len())
                .then(|| rest.trim())
                .filter(|r| !r.is_empty())
        })
    };
    if let Some(file) = option(&["--requirement", "-r"]) {
        out.includes.push(dir.join(file));
    } else if let Some(file) = option(&["--constraint", "-c"]) {
        out.constraints.push(dir.join(file));
    } else if let Some(target) = option(&["--editable", "-e"]) {
        // `-e git+https://...#egg=celery`: Celery from a checkout, of no known version.
        if target
            .rsplit_once("#egg=")
            .is_some_and(|(_, egg)| is_celery(egg.split(['&', '[']).next().unwrap_or("")))
        {
            out.found
                .extend(found(line_no, line, None, Dialect::Pep440));
        }
    } else if !line.starts_with('-') {
        // Per-requirement options (`--hash=...`) follow the requirement.
        let requirement = line.split(" --").next().unwrap_or(line);
        if let Some(spec) = pep508(requirement) {
            out.found
                .extend(found(line_no, requirement, spec, Dialect::Pep440));
        }
    }
}

/// `setup.cfg`: the requirements under `[options] install_requires` and in
/// `[options.extras_require]`.
fn setup_cfg(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut in_requires = false;
    for (i, raw) in text.lines().enumerate() {
        let line = strip_comment(raw);
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            section = trimmed.trim_matches(['[', ']']).trim().to_string();
            in_requires = false;
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        let value = match key_value(trimmed) {
            Some((key, value)) if !indented => {
                in_requires = (section == "options" && key == "install_requires")
                    || section == "options.extras_require";
                value
            }
            _ if indented && in_requires => trimmed,
            _ => {
                if !indented {
                    in_requires = false;
                }
                continue;
            }
        };
        if !in_requires {
            continue;
        }
        if let Some(spec) = pep508(value) {
            out.extend(found(i + 1, value, spec, Dialect::Pep440));
        }
    }
    out
}

/// `key = value` (not a requirement's `==` or `>=`: its "key" would hold the operator).
fn key_value(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once('=')?;
    let key = key.trim();
    let is_key = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    (is_key && !value.starts_with('=')).then_some((key, value.trim()))
}

/// `setup.py`: string literals that are requirements naming Celery with a version.
fn setup_py(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for literal in string_literals(line) {
            if let Some(Some(spec)) = pep508(literal) {
                if !spec.is_empty() {
                    out.extend(found(i + 1, literal, Some(spec), Dialect::Pep440));
                }
            }
        }
    }
    out
}

/// The contents of the one-line string literals on a line.
fn string_literals(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find(['"', '\'']) {
        let quote = rest[start..].chars().next().unwrap_or('"');
        let after = &rest[start + 1..];
        match after.find(quote) {
            Some(end) => {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// A conda environment file: `dependencies:` items (conda match specs), and the PEP 508 items
/// under `- pip:`.
fn conda(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let mut pip_indent: Option<usize> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = strip_comment(raw);
        let indent = line.len() - line.trim_start().len();
        let Some(item) = line.trim_start().strip_prefix("- ") else {
            if !line.trim().is_empty() && pip_indent.is_some_and(|p| indent <= p) {
                pip_indent = None;
            }
            continue;
        };
        let item = item.trim().trim_matches(['"', '\'']);
        if pip_indent.is_some_and(|p| indent <= p) {
            pip_indent = None;
        }
        if item == "pip:" {
            pip_indent = Some(indent);
            continue;
        }
        if pip_indent.is_some() {
            if let Some(spec) = pep508(item) {
                out.extend(found(i + 1, item, spec, Dialect::Pep440));
            }
        } else if let Some(spec) = conda_item(item) {
            out.extend(found(i + 1, item, spec, Dialect::Conda));
        }
    }
    out
}

/// `celery=5.3`, `conda-forge::celery>=5.3`, `celery 5.3.*`, `celery=5.3.6=pyhd8ed1ab_0`.
fn conda_item(item: &str) -> Option<Option<String>> {
    let item = item.rsplit_once("::").map_or(item, |(_, i)| i);
    let end = item
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(item.len());
    let (name, rest) = item.split_at(end);
    if !is_celery(name) {
        return None;
    }
    let rest = rest.trim();
    // A build string after a second `=` is not part of the version.
    let spec = match rest.strip_prefix('=') {
        Some(r) if !r.starts_with('=') => format!("={}", r.split('=').next().unwrap_or("")),
        _ => rest.split_whitespace().collect::<Vec<_>>().join(","),
    };
    Some(Some(spec))
}

#[cfg(test)]
mod tests;
