//! Reading shell text as a shell runs it, line by line: assignments and `export`, `cd`, and the
//! `celery` commands with the variables and the directory they get. `sh -c '...'` is read as a
//! script of its own; a script named as a command is noted (`Call`) so that its own commands get
//! the directory and variables of the place that runs it.

use std::path::{Path, PathBuf};

use super::argv::{self, Args};
use super::lines::{clip, collapse, logical_lines, Continuation};
use super::paths::{self, Mount};
use super::shell::{self, Context, Env, Word};

/// How deep `sh -c` may nest.
const MAX_DEPTH: usize = 4;

/// How many scripts one file may be seen to run (each call keeps the caller's variables).
const MAX_CALLS: usize = 64;

/// How many bytes of variables a file may assign (see `Runner::set`).
const MAX_ENV: usize = 64 * 1024;

/// A `celery` command found, with what the file gives it.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    pub(crate) args: Args,
    /// `CELERY_APP` in the environment the command gets.
    pub(crate) app_env: Option<String>,
    pub(crate) workdir: Option<PathBuf>,
    pub(crate) line: usize,
    /// The line read, whitespace collapsed.
    pub(crate) form: String,
}

/// A script run by a command: its file name, and the directory and variables it starts with.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    pub(crate) name: String,
    pub(crate) cwd: Option<PathBuf>,
    pub(crate) env: Env,
    /// Where the caller's absolute paths point (a container's, for an entrypoint).
    pub(crate) fs: Fs,
}

/// Where absolute paths of the text point.
#[derive(Clone, Debug)]
pub(crate) enum Fs {
    /// A server's file system: mapped onto the project by their ends (`paths::map_server`).
    Server,
    /// A container's: mapped through what is copied or mounted into it.
    Container(Vec<Mount>),
}

pub(crate) struct Runner<'a> {
    pub(crate) env: Env,
    /// The working directory, in the project (absolute); `None` when unknown.
    pub(crate) cwd: Option<PathBuf>,
    /// The script's own directory, for `cd "$(dirname "$0")"`.
    pub(crate) script_dir: Option<PathBuf>,
    /// Where a relative `cd` is looked for while the working directory is unknown.
    pub(crate) guesses: Vec<PathBuf>,
    pub(crate) fs: Fs,
    /// The file's directory (absolute paths on a server are matched from there up).
    pub(crate) file_dir: PathBuf,
    pub(crate) roots: &'a [PathBuf],
    pub(crate) found: Vec<Found>,
    pub(crate) calls: Vec<Call>,
    /// Bytes assigned so far (see `set`).
    env_bytes: usize,
}

impl<'a> Runner<'a> {
    pub(crate) fn new(file: &Path, roots: &'a [PathBuf], fs: Fs) -> Self {
        let file_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        Runner {
            env: Env::new(),
            cwd: None,
            script_dir: None,
            guesses: Vec::new(),
            fs,
            file_dir,
            roots,
            found: Vec::new(),
            calls: Vec::new(),
            env_bytes: 0,
        }
    }

    /// A script: its logical lines, the first at `first_line`. Here-document bodies are not
    /// commands.
    pub(crate) fn script(&mut self, text: &str, first_line: usize, depth: usize) {
        let mut heredoc: Option<String> = None;
        for (n, line) in logical_lines(text, Continuation::Shell) {
            if let Some(end) = &heredoc {
                if line.trim() == end {
                    heredoc = None;
                }
                continue;
            }
            heredoc = heredoc_end(&line);
            self.line(&line, first_line + n - 1, depth);
        }
    }

    /// One logical line of shell.
    pub(crate) fn line(&mut self, text: &str, line: usize, depth: usize) {
        let form = clip(&collapse(text));
        for words in shell::simple_commands(shell::tokenize(text)) {
            self.simple(&words, line, &form, depth);
        }
    }

    fn expand(&mut self, w: &Word) -> Vec<String> {
        let dir = self.script_dir.clone();
        let ctx = Context {
            script_dir: dir.as_deref(),
        };
        shell::expand_word(w, &mut self.env, ctx)
    }

    fn simple(&mut self, words: &[Word], line: usize, form: &str, depth: usize) {
        let mut inline = Env::new();
        let mut rest = words;
        while let Some((first, tail)) = rest.split_first() {
            let Some((name, value)) = shell::assignment(first) else {
                break;
            };
            let v = self.expand(&value).join(" ");
            inline.insert(name, v);
            rest = tail;
        }
        let Some((first, tail)) = rest.split_first() else {
            for (k, v) in inline {
                self.set(k, v);
            }
            return;
        };
        let head = self.expand(first).join(" ");
        match head.as_str() {
            "export" | "declare" | "typeset" | "readonly" | "local" => {
                for w in tail {
                    if let Some((name, value)) = shell::assignment(w) {
                        let v = self.expand(&value).join(" ");
                        self.set(name, v);
                    }
                }
                return;
            }
            "cd" | "pushd" => {
                let target = tail
                    .iter()
                    .flat_map(|w| self.expand(w))
                    .find(|w| !(w.starts_with('-') && w.len() > 1));
                self.cwd = target.and_then(|t| self.dir(&t));
                return;
            }
            _ => {}
        }
        let mut fields = Vec::new();
        for w in rest {
            fields.extend(self.expand(w));
        }
        if inline.is_empty() {
            self.argv(fields, line, form, depth);
        } else {
            let saved = self.env.clone();
            self.env.extend(inline);
            self.argv(fields, line, form, depth);
            self.env = saved;
        }
    }

    /// A command's words, run without a shell (or after one's expansions).
    pub(crate) fn argv(&mut self, fields: Vec<String>, line: usize, form: &str, depth: usize) {
        if let Some(script) = shell_script(&fields) {
            if depth < MAX_DEPTH {
                let saved = (self.cwd.clone(), self.env.clone());
                self.script(&script, line, depth + 1);
                (self.cwd, self.env) = saved;
            }
            return;
        }
        if let Some((at, implied)) = argv::program_at(&fields) {
            if let Some(args) = argv::parse(&fields, at, implied) {
                let workdir = match &args.workdir {
                    Some(w) => self.dir(w),
                    None => self.cwd.clone(),
                };
                self.found.push(Found {
                    args,
                    app_env: self.env.get("CELERY_APP").cloned(),
                    workdir,
                    line,
                    form: clip(form),
                });
            }
            return;
        }
        if let Some(name) = script_named(&fields).filter(|_| self.calls.len() < MAX_CALLS) {
            self.calls.push(Call {
                name,
                cwd: self.cwd.clone(),
                env: self.env.clone(),
                fs: self.fs.clone(),
            });
        }
    }

    /// Assigns a variable, unless the variables already hold [`MAX_ENV`] bytes (they are
    /// copied for each `sh -c` and each command with assignments of its own).
    pub(crate) fn set(&mut self, name: String, value: String) {
        self.env_bytes += name.len() + value.len();
        if self.env_bytes <= MAX_ENV {
            self.env.insert(name, value);
        }
    }

    /// The commands found, each placed at `line` and written `form` (a file's line that holds
    /// a command given to a shell: `CMD`, `ExecStart=`, `command:`).
    pub(crate) fn take_found(&mut self, line: usize, form: &str) -> Vec<Found> {
        let mut found = std::mem::take(&mut self.found);
        for f in &mut found {
            f.line = line;
            f.form = clip(form);
        }
        found
    }

    /// The directory `target` names from here, in the project; `None` when unknown.
    pub(crate) fn dir(&self, target: &str) -> Option<PathBuf> {
        if shell::is_unresolved(target) || target.starts_with('~') || target.is_empty() {
            return None;
        }
        if target.starts_with('/') {
            // Already in the project: `$(dirname "$0")` gives the script's own directory.
            if self
                .script_dir
                .as_deref()
                .is_some_and(|d| d.is_absolute() && Path::new(target).starts_with(d))
            {
                return Some(shell::normalize(Path::new(target)));
            }
            return match &self.fs {
                Fs::Server => paths::map_server(target, &self.file_dir, self.roots),
                Fs::Container(mounts) => paths::map_container(target, mounts),
            };
        }
        if let Some(cwd) = &self.cwd {
            return Some(shell::normalize(&cwd.join(target)));
        }
        self.guesses
            .iter()
            .map(|g| shell::normalize(&g.join(target)))
            .find(|d| d.is_dir())
    }
}

/// `sh -c 'script'`, `bash -lc "..."`: the script.
fn shell_script(fields: &[String]) -> Option<String> {
    let at = fields.iter().position(|f| {
        let b = f.rsplit('/').next().unwrap_or(f);
        matches!(b, "sh" | "bash" | "dash" | "zsh" | "ash" | "ksh")
    })?;
    let mut rest = fields.iter().skip(at + 1);
    for f in rest.by_ref() {
        match f.strip_prefix('-') {
            Some(flags) if !f.starts_with("--") && flags.contains('c') => {
                return rest.next().cloned();
            }
            Some(_) => continue,
            None => return None,
        }
    }
    None
}

/// The file name of a script a command runs (`./start.sh`, `sh scripts/worker.sh`,
/// `/docker-entrypoint.sh`, `exec bin/start`).
fn script_named(fields: &[String]) -> Option<String> {
    let mut words = fields.iter().map(String::as_str);
    let mut w = words.next()?;
    while matches!(
        w,
        "exec" | "sh" | "bash" | "/bin/sh" | "/bin/bash" | "source" | "."
    ) {
        w = words.next()?;
    }
    let name = w.rsplit('/').next().unwrap_or(w);
    (w.contains('/') || name.ends_with(".sh"))
        .then(|| name.to_string())
        .filter(|n| !n.is_empty() && !shell::is_unresolved(n))
}

/// `cat <<EOF`, `<<-'END'`: the line that ends the here-document.
fn heredoc_end(line: &str) -> Option<String> {
    let at = line.find("<<")?;
    let rest = line.get(at + 2..)?;
    if rest.starts_with('<') {
        return None;
    }
    let rest = rest.trim_start_matches('-').trim_start();
    let word: String = rest
        .trim_start_matches(['\'', '"'])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}
