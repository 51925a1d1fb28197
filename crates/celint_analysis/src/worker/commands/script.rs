//! Procfiles (`name: command`, each run by a shell in the Procfile's directory) and shell scripts
//! (entrypoints, start scripts), read top to bottom as one shell would (`cd`, assignments and
//! `export` carry on to the lines after them; branches are not told apart).
//!
//! A script starts in the directory, and with the variables, of what runs it when the project
//! says (a Dockerfile's `ENTRYPOINT ["/docker-entrypoint.sh"]`, a compose `command:
//! ./start.sh`) and every such place agrees; otherwise its directory is unknown until it `cd`s,
//! and a relative `cd` is looked for from the script's directory, then from the project roots.

use std::path::{Path, PathBuf};

use super::lines::{collapse, logical_lines, Continuation};
use super::run::{Call, Found, Fs, Runner};

/// The processes of a Procfile.
pub(crate) fn procfile(path: &Path, text: &str, roots: &[PathBuf]) -> (Vec<Found>, Vec<Call>) {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut found = Vec::new();
    let mut calls = Vec::new();
    for (no, line) in logical_lines(text, Continuation::Never) {
        let Some((name, command)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.is_empty()
            || name.starts_with('#')
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            continue;
        }
        let mut r = Runner::new(path, roots, Fs::Server);
        r.cwd = Some(dir.clone());
        r.line(command, no, 0);
        found.extend(r.take_found(no, &collapse(&line)));
        calls.append(&mut r.calls);
    }
    (found, calls)
}

/// The commands of a shell script, started as `calls` say when they agree.
pub(crate) fn shell(path: &Path, text: &str, calls: &[Call], roots: &[PathBuf]) -> Vec<Found> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mine: Vec<&Call> = calls.iter().filter(|c| c.name == name).collect();
    let agreed = mine.first().filter(|first| {
        mine.iter()
            .all(|c| c.cwd == first.cwd && c.env == first.env)
    });
    let mut r = Runner::new(path, roots, Fs::Server);
    r.script_dir = Some(dir.clone());
    match agreed {
        Some(call) => {
            r.cwd = call.cwd.clone();
            r.env = call.env.clone();
            r.fs = call.fs.clone();
        }
        None => r.guesses = std::iter::once(dir).chain(roots.iter().cloned()).collect(),
    }
    r.script(text, 1, 0);
    r.found
}
