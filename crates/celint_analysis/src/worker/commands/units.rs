//! Service managers' files: systemd units (`ExecStart=`, `WorkingDirectory=`, `Environment=`,
//! `EnvironmentFile=`) and supervisord programs (`[program:x]`: `command=`, `directory=`,
//! `environment=`). Their directories are a server's, mapped as `paths.rs` says.

use std::path::{Path, PathBuf};

use super::lines::{collapse, logical_lines, Continuation};
use super::run::{Call, Found, Fs, Runner};
use super::shell::{self, Env};
use super::yaml::{split_flow, unquote};

/// A systemd unit's `[Service]` commands. `env_file` gives the variables of an
/// `EnvironmentFile=` by its file name (an init.d configuration the project keeps:
/// `/etc/conf.d/celery` in Celery's own unit).
pub(crate) fn systemd(
    path: &Path,
    text: &str,
    env_file: &mut dyn FnMut(&str) -> Option<Env>,
    roots: &[PathBuf],
) -> (Vec<Found>, Vec<Call>) {
    let mut r = Runner::new(path, roots, Fs::Server);
    let mut section = String::new();
    let mut starts: Vec<(usize, String, String)> = Vec::new();
    let mut file_env = Env::new();
    let mut workdir: Option<String> = None;
    for (no, line) in logical_lines(text, Continuation::Systemd) {
        let t = line.trim();
        if t.starts_with('[') {
            section = t.to_string();
            continue;
        }
        if section != "[Service]" {
            continue;
        }
        let Some((key, value)) = t.split_once('=') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "Environment" => {
                for w in shell::simple_commands(shell::tokenize(value))
                    .into_iter()
                    .flatten()
                {
                    if let Some((k, v)) = shell::assignment(&w) {
                        let v = shell::expand_word(&v, &mut Env::new(), shell::Context::default());
                        r.env.insert(k, v.join(" "));
                    }
                }
            }
            "EnvironmentFile" => {
                let file = value.trim_start_matches('-');
                let name = file.rsplit('/').next().unwrap_or(file);
                file_env.extend(env_file(name).unwrap_or_default());
            }
            "WorkingDirectory" => workdir = Some(value.trim_start_matches('-').to_string()),
            "ExecStart" => {
                let cmd = value.trim_start_matches(['@', '-', ':', '+', '!']);
                starts.push((no, cmd.to_string(), collapse(t)));
            }
            _ => {}
        }
    }
    r.env.extend(file_env);
    r.cwd = workdir.and_then(|w| r.dir(&w));
    let mut found = Vec::new();
    for (no, cmd, form) in starts {
        let fields: Vec<String> = shell::simple_commands(shell::tokenize(&cmd))
            .into_iter()
            .flatten()
            .flat_map(|w| shell::expand_word(&w, &mut r.env.clone(), shell::Context::default()))
            .collect();
        r.argv(fields, no, &form, 0);
        found.extend(r.take_found(no, &form));
    }
    (found, r.calls)
}

/// INI sections with their `key=value` lines (an indented line continues the value), each
/// value with its line and the line as written.
type Section = (String, Vec<(String, String, usize, String)>);

fn ini(text: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() || t.starts_with(';') || t.starts_with('#') {
            continue;
        }
        if let Some(name) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            out.push((name.trim().to_string(), Vec::new()));
            continue;
        }
        let Some((_, keys)) = out.last_mut() else {
            continue;
        };
        let continued = raw.starts_with([' ', '\t']);
        match (continued, keys.last_mut()) {
            (true, Some((_, value, _, written))) => {
                value.push(' ');
                value.push_str(t);
                written.push(' ');
                written.push_str(t);
            }
            _ => {
                if let Some((k, v)) = t.split_once('=') {
                    // `;` starts an inline comment after whitespace.
                    let v = v.split(" ;").next().unwrap_or(v);
                    keys.push((
                        k.trim().to_string(),
                        v.trim().to_string(),
                        i + 1,
                        t.to_string(),
                    ));
                }
            }
        }
    }
    out
}

/// supervisord's `%(here)s`, `%(program_name)s` and `%(ENV_X)s` (the last left for the shell
/// reading to resolve as `${X}`).
fn supervisor_vars(value: &str, here: &Path, program: &str) -> String {
    let mut out = value
        .replace("%(here)s", &here.to_string_lossy())
        .replace("%(program_name)s", program);
    while let Some(at) = out.find("%(ENV_") {
        let Some(end) = out.get(at..).and_then(|t| t.find(")s")) else {
            break;
        };
        let name = out.get(at + 6..at + end).unwrap_or_default().to_string();
        out.replace_range(at..at + end + 2, &format!("${{{name}}}"));
    }
    out
}

/// The `[program:x]` commands of a supervisord configuration.
pub(crate) fn supervisord(path: &Path, text: &str, roots: &[PathBuf]) -> (Vec<Found>, Vec<Call>) {
    let here = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut found = Vec::new();
    let mut calls = Vec::new();
    for (section, keys) in ini(text) {
        let Some(program) = section.strip_prefix("program:") else {
            continue;
        };
        let get = |k: &str| keys.iter().rev().find(|(key, ..)| key == k);
        let Some((_, command, line, written)) = get("command") else {
            continue;
        };
        let mut r = Runner::new(path, roots, Fs::Server);
        if let Some((_, env, ..)) = get("environment") {
            for pair in split_flow(&supervisor_vars(env, &here, program)) {
                if let Some((k, v)) = pair.split_once('=') {
                    r.env.insert(k.trim().to_string(), unquote(v));
                }
            }
        }
        if let Some((_, dir, ..)) = get("directory") {
            r.cwd = r.dir(&supervisor_vars(dir, &here, program));
        }
        let command = supervisor_vars(command, &here, program);
        r.line(&command, *line, 0);
        // The form is the `command=` line as written.
        found.extend(r.take_found(*line, &collapse(written)));
        calls.append(&mut r.calls);
    }
    (found, calls)
}
