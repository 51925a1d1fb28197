//! Dockerfiles: each stage's environment (`ENV`), working directory (`WORKDIR`), what `COPY` and
//! `ADD` bring in from the build context, and the command it runs (`ENTRYPOINT` and `CMD`, as
//! Docker combines them).
//!
//! The build context is the directory `COPY` sources are relative to. A compose file's `build:`
//! says which it is; a Dockerfile alone is taken to be built from its own directory, unless its
//! `COPY` sources are not there and are all found from an ancestor directory up to the project
//! root (`docker build -f docker/Dockerfile .`), which is then the context. A `WORKDIR` is mapped
//! onto the project through the `COPY`s into it (`COPY . /app`: `/app/website` is the context's
//! `website/`); a stage that copies nothing gets its code from a mount (compose's `.:/app`), and
//! its working directory is taken to be the build context; one that copies, but not into its
//! working directory, has none known.

use std::path::{Path, PathBuf};

use super::argv;
use super::lines::{collapse, logical_lines, Continuation};
use super::paths::{self, Mount};
use super::run::{Call, Found, Fs, Runner};
use super::shell::{self, Env};

/// Stages read in one Dockerfile (each may copy an earlier one).
const MAX_STAGES: usize = 64;

/// Variables (`ENV`, `ARG`) kept for one stage.
const MAX_VARS: usize = 256;

/// Directories copied into one stage that are kept.
const MAX_MOUNTS: usize = 256;

/// `CMD` or `ENTRYPOINT`.
#[derive(Clone, Debug)]
pub(crate) struct Instr {
    /// The exec form's words (`["celery", "worker"]`); `None` for the shell form.
    exec: Option<Vec<String>>,
    shell: String,
    line: usize,
    form: String,
}

impl Instr {
    fn words(&self) -> Vec<String> {
        self.exec
            .clone()
            .unwrap_or_else(|| vec!["/bin/sh".into(), "-c".into(), self.shell.clone()])
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Stage {
    pub(crate) name: Option<String>,
    pub(crate) env: Env,
    args: Env,
    /// The container's working directory (`None`: set to something unknown).
    pub(crate) workdir: Option<String>,
    pub(crate) mounts: Vec<Mount>,
    copies: bool,
    entrypoint: Option<Instr>,
    cmd: Option<Instr>,
}

impl Stage {
    /// The working directory in the project (see the module's notes).
    pub(crate) fn dir(&self, context: &Path) -> Option<PathBuf> {
        let wd = self.workdir.as_deref()?;
        if !self.copies {
            return Some(context.to_path_buf());
        }
        paths::map_container(if wd.is_empty() { "/" } else { wd }, &self.mounts)
    }

    /// `ENTRYPOINT` (exec form) and the words of the command it is given.
    pub(crate) fn entrypoint_words(&self) -> Vec<String> {
        self.entrypoint
            .as_ref()
            .and_then(|e| e.exec.clone())
            .unwrap_or_default()
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Dockerfile {
    pub(crate) path: PathBuf,
    pub(crate) context: PathBuf,
    pub(crate) stages: Vec<Stage>,
}

impl Dockerfile {
    /// The stage `target` names, else the last one (what `docker build` builds).
    pub(crate) fn stage(&self, target: Option<&str>) -> Option<&Stage> {
        match target {
            Some(t) => self
                .stages
                .iter()
                .find(|s| s.name.as_deref() == Some(&t.to_ascii_lowercase())),
            None => self.stages.last(),
        }
    }
}

/// The instructions of a Dockerfile: line, keyword (upper case), arguments, the line as written.
fn instructions(text: &str) -> Vec<(usize, String, String, String)> {
    logical_lines(text, Continuation::Docker)
        .into_iter()
        .filter_map(|(no, line)| {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                return None;
            }
            let (kw, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
            Some((
                no,
                kw.to_ascii_uppercase(),
                rest.trim().to_string(),
                collapse(t),
            ))
        })
        .collect()
}

/// `COPY`/`ADD` arguments: `--from` (another image), the sources, the destination.
fn copy_args(rest: &str) -> (bool, Vec<String>, Option<String>) {
    let mut words: Vec<String> = rest.split_whitespace().map(str::to_string).collect();
    let from = words.iter().any(|w| w.starts_with("--from"));
    words.retain(|w| !w.starts_with("--"));
    let joined = words.join(" ");
    if joined.starts_with('[') {
        if let Ok(list) = serde_json::from_str::<Vec<String>>(&joined) {
            words = list;
        }
    }
    let dest = words.pop();
    (from, words, dest)
}

/// The build context for a Dockerfile alone (see the module's notes).
fn guess_context(
    path: &Path,
    instrs: &[(usize, String, String, String)],
    roots: &[PathBuf],
) -> PathBuf {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let sources: Vec<String> = instrs
        .iter()
        .filter(|(_, kw, _, _)| kw == "COPY" || kw == "ADD")
        .flat_map(|(_, _, rest, _)| {
            let (from, srcs, _) = copy_args(rest);
            if from {
                Vec::new()
            } else {
                srcs
            }
        })
        .filter(|s| {
            !matches!(s.as_str(), "." | "./")
                && !s.contains(['*', '?', '[', '$'])
                && !s.contains("://")
        })
        .collect();
    if sources.is_empty() {
        return dir;
    }
    let top = roots
        .iter()
        .filter(|r| dir.starts_with(r))
        .min_by_key(|r| r.components().count());
    dir.ancestors()
        .take_while(|a| top.is_some_and(|t| a.starts_with(t)))
        .find(|a| sources.iter().all(|s| a.join(s).exists()))
        .map(Path::to_path_buf)
        .unwrap_or(dir)
}

/// Reads a Dockerfile, built from `context` (else as the module's notes say).
pub(crate) fn read(
    path: &Path,
    text: &str,
    context: Option<&Path>,
    roots: &[PathBuf],
) -> Dockerfile {
    let instrs = instructions(text);
    let context = match context {
        Some(c) => c.to_path_buf(),
        None => guess_context(path, &instrs, roots),
    };
    let mut stages: Vec<Stage> = Vec::new();
    let mut cur: Option<Stage> = None;
    for (no, kw, rest, form) in &instrs {
        if kw == "FROM" && stages.len() >= MAX_STAGES {
            break;
        }
        if kw == "FROM" {
            stages.extend(cur.take());
            cur = Some(from(rest, &stages));
            continue;
        }
        let Some(st) = cur.as_mut() else {
            continue;
        };
        instruction(st, kw, rest, *no, form, &context);
    }
    stages.extend(cur);
    Dockerfile {
        path: path.to_path_buf(),
        context,
        stages,
    }
}

/// A new stage: `FROM image [AS name]`, a copy of an earlier stage when it names one.
fn from(rest: &str, stages: &[Stage]) -> Stage {
    let words: Vec<&str> = rest
        .split_whitespace()
        .filter(|w| !w.starts_with("--"))
        .collect();
    let base = words.first().map(|w| w.to_ascii_lowercase());
    let name = match words.as_slice() {
        [_, as_, name, ..] if as_.eq_ignore_ascii_case("as") => Some(name.to_ascii_lowercase()),
        _ => None,
    };
    let mut st = stages
        .iter()
        .rev()
        .find(|s| s.name.is_some() && s.name == base)
        .cloned()
        .unwrap_or_else(|| Stage {
            workdir: Some(String::new()),
            ..Stage::default()
        });
    st.name = name;
    st
}

fn instruction(st: &mut Stage, kw: &str, rest: &str, no: usize, form: &str, context: &Path) {
    let scope = |st: &Stage| {
        let mut both = st.args.clone();
        both.extend(st.env.clone());
        both
    };
    match kw {
        "ENV" => env(st, rest),
        "ARG" => {
            if let Some((k, v)) = rest.split_once('=').filter(|_| st.args.len() < MAX_VARS) {
                let v = shell::expand_text(v.trim(), &mut scope(st), 0)
                    .unwrap_or_else(|| v.to_string());
                st.args.insert(k.trim().to_string(), v);
            }
        }
        "WORKDIR" => {
            let dir = shell::expand_text(rest, &mut scope(st), 0);
            st.workdir = match (dir, &st.workdir) {
                (Some(d), _) if d.starts_with('/') => Some(paths::container_join("/", &d)),
                (Some(d), Some(base)) => Some(paths::container_join(base, &d)),
                _ => None,
            };
        }
        "COPY" | "ADD" => {
            st.copies = true;
            let (from, srcs, dest) = copy_args(rest);
            let Some(dest) = dest.filter(|_| !from) else {
                return;
            };
            let dest = shell::expand_text(&dest, &mut scope(st), 0).unwrap_or(dest);
            let at = match (&st.workdir, dest.starts_with('/')) {
                (_, true) => paths::container_join("/", &dest),
                (Some(base), false) => paths::container_join(base, &dest),
                (None, false) => return,
            };
            for src in srcs {
                let host = shell::normalize(&context.join(&src));
                if st.mounts.len() < MAX_MOUNTS && !src.contains(['*', '?', '$']) && host.is_dir() {
                    st.mounts.push(Mount {
                        at: at.clone(),
                        host,
                    });
                }
            }
        }
        "CMD" | "ENTRYPOINT" => {
            let exec = rest
                .starts_with('[')
                .then(|| serde_json::from_str::<Vec<String>>(rest).ok())
                .flatten();
            let instr = Instr {
                exec,
                shell: rest.to_string(),
                line: no,
                form: form.to_string(),
            };
            if kw == "CMD" {
                st.cmd = Some(instr);
            } else {
                st.entrypoint = Some(instr);
                st.cmd = None;
            }
        }
        _ => {}
    }
}

/// `ENV A=1 B="two words"` or `ENV A one value`, expanded with what is set before.
fn env(st: &mut Stage, rest: &str) {
    let words = shell::simple_commands(shell::tokenize(rest))
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
    if st.env.len() >= MAX_VARS {
        return;
    }
    let mut scope = st.args.clone();
    scope.extend(st.env.clone());
    if words.first().and_then(shell::assignment).is_some() {
        for w in &words {
            if let Some((k, v)) = shell::assignment(w) {
                let value = shell::expand_word(&v, &mut scope, shell::Context::default()).join(" ");
                scope.insert(k.clone(), value.clone());
                st.env.insert(k, value);
            }
        }
    } else if let Some((k, v)) = rest.split_once(char::is_whitespace) {
        let v = v.trim();
        let value = shell::expand_text(v, &mut scope, 0).unwrap_or_else(|| v.to_string());
        st.env.insert(k.to_string(), value);
    }
}

/// The command each stage runs, read with the stage's environment and working directory.
pub(crate) fn commands(d: &Dockerfile, roots: &[PathBuf]) -> (Vec<Found>, Vec<Call>) {
    let mut found = Vec::new();
    let mut calls = Vec::new();
    for st in &d.stages {
        let (words, line, form) = match (&st.entrypoint, &st.cmd) {
            (Some(ep), cmd) if ep.exec.is_some() => {
                let mut w = ep.words();
                w.extend(cmd.iter().flat_map(Instr::words));
                let ep_runs = argv::program_at(&ep.words()).is_some();
                match cmd {
                    Some(c) if ep_runs => (w, ep.line, format!("{}; {}", ep.form, c.form)),
                    Some(c) => (w, c.line, c.form.clone()),
                    None => (w, ep.line, ep.form.clone()),
                }
            }
            (Some(ep), _) => (ep.words(), ep.line, ep.form.clone()),
            (None, Some(cmd)) => (cmd.words(), cmd.line, cmd.form.clone()),
            (None, None) => continue,
        };
        let mut r = Runner::new(&d.path, roots, Fs::Container(st.mounts.clone()));
        r.env = st.env.clone();
        r.cwd = st.dir(&d.context);
        r.argv(words, line, &form, 0);
        found.extend(r.take_found(line, &form));
        calls.append(&mut r.calls);
    }
    (found, calls)
}
