//! Compose files: each service's `command:` and `entrypoint:` (a string or a list), its
//! `environment:` (a map or a list), `working_dir:`, and what `build:` and `volumes:` put into
//! the container, which maps its container paths onto the project.
//!
//! Compose fills `${X}` in from the shell that runs it and `.env`, not from `environment:`; here
//! `${X:-default}` gives the default and `${X}` the service's own `environment:` value (a
//! project usually gives both from the same place), else it stays unresolved.

use std::path::{Path, PathBuf};

use super::docker;
use super::lines::collapse;
use super::paths::{self, Mount};
use super::run::{Call, Found, Fs, Runner};
use super::shell::{self, Env};
use super::yaml::{self, Entry, Node};

/// The services of a compose document: under `services:`, or at the top (version 1).
fn services(doc: &Node) -> Vec<&Entry> {
    match doc.get("services") {
        Some(s) => s.entries().iter().collect(),
        None => doc
            .entries()
            .iter()
            .filter(|e| {
                ["command", "image", "build"]
                    .iter()
                    .any(|k| e.value.get(k).is_some())
            })
            .collect(),
    }
}

/// `environment:` as a map or as a list of `K=V`.
pub(crate) fn environment(node: Option<&Node>) -> Env {
    let mut env = Env::new();
    let Some(node) = node else {
        return env;
    };
    let fill = |v: &str| shell::interpolate(v, &mut Env::new());
    for e in node.entries() {
        if let Some(v) = e.value.text() {
            env.insert(e.key.clone(), fill(v));
        }
    }
    for item in node.items() {
        if let Some((k, v)) = item.text().and_then(|t| t.split_once('=')) {
            env.insert(k.trim().to_string(), fill(v));
        }
    }
    env
}

/// The words of `command:`/`entrypoint:`: a string split as compose splits it, or a list
/// (interpolated with `env` when given: compose; Kubernetes has its own `$(VAR)`).
pub(crate) fn words(node: &Node, env: Option<&Env>) -> Vec<String> {
    let interpolating = env.is_some();
    let mut env = env.cloned().unwrap_or_default();
    match node {
        Node::Scalar { text, .. } => shell::simple_commands(shell::tokenize(text))
            .into_iter()
            .enumerate()
            .flat_map(|(k, words)| {
                // A separator inside a string command is a word of it (no shell runs it).
                let sep = (k > 0).then(|| ";".to_string());
                let fields: Vec<String> = words
                    .iter()
                    .flat_map(|w| shell::expand_word(w, &mut env, shell::Context::default()))
                    .collect();
                sep.into_iter().chain(fields).collect::<Vec<_>>()
            })
            .collect(),
        Node::List { items, .. } => items
            .iter()
            .filter_map(Node::text)
            .map(|t| match interpolating {
                true => shell::interpolate(t, &mut env),
                false => t.to_string(),
            })
            .collect(),
        Node::Map { .. } => Vec::new(),
    }
}

/// How a `command:` entry is written: its line when the value is on it, else the key and the
/// value (a list in flow style), whitespace collapsed.
pub(crate) fn form(e: &Entry, words: &[String]) -> String {
    let after = e
        .written
        .split_once(':')
        .map(|(_, r)| r.trim())
        .unwrap_or("");
    let inline = !after.is_empty()
        && !after.starts_with(['|', '>'])
        && yaml::balanced(after)
        && after.matches('"').count().is_multiple_of(2);
    if inline {
        return collapse(&e.written);
    }
    match &e.value {
        Node::Scalar { text, .. } => collapse(&format!("{}: {text}", e.key)),
        _ => collapse(&format!("{}: [{}]", e.key, words.join(", "))),
    }
}

/// `volumes:` that bind a project directory (`.:/app`, `./src:/code:ro`, the long form).
fn volumes(node: Option<&Node>, dir: &Path) -> Vec<Mount> {
    let mut out = Vec::new();
    for item in node.map(Node::items).unwrap_or_default() {
        let (src, dst) = match item.text() {
            Some(t) => {
                let mut parts = t.split(':');
                (
                    parts.next().map(str::to_string),
                    parts.next().map(str::to_string),
                )
            }
            None => (
                item.get("source").and_then(Node::text).map(str::to_string),
                item.get("target").and_then(Node::text).map(str::to_string),
            ),
        };
        let (Some(src), Some(dst)) = (src, dst) else {
            continue;
        };
        if !(src.starts_with('.') || src.starts_with('/')) || !dst.starts_with('/') {
            continue;
        }
        let host = shell::normalize(&dir.join(&src));
        if host.is_dir() {
            out.push(Mount {
                at: paths::container_join("/", &dst),
                host,
            });
        }
    }
    out
}

/// The image a service builds: `build: dir` or `build: {context, dockerfile, target}`.
fn image(
    service: &Node,
    dir: &Path,
    files: &[(PathBuf, String)],
    roots: &[PathBuf],
) -> Option<(docker::Dockerfile, Option<String>)> {
    let build = service.get("build")?;
    let (context, file, target) = match build.text() {
        Some(c) => (c, None, None),
        None => (
            build.get("context").and_then(Node::text).unwrap_or("."),
            build.get("dockerfile").and_then(Node::text),
            build.get("target").and_then(Node::text),
        ),
    };
    let context = shell::normalize(&dir.join(context));
    let path = shell::normalize(&context.join(file.unwrap_or("Dockerfile")));
    let text = files.iter().find(|(f, _)| *f == path).map(|(_, t)| t)?;
    let d = docker::read(&path, text, Some(&context), roots);
    Some((d, target.map(str::to_string)))
}

/// The commands of a compose file's services.
pub(crate) fn commands(
    path: &Path,
    docs: &[Node],
    files: &[(PathBuf, String)],
    roots: &[PathBuf],
) -> (Vec<Found>, Vec<Call>) {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut found = Vec::new();
    let mut calls = Vec::new();
    for doc in docs {
        for svc in services(doc) {
            let s = &svc.value;
            let built = image(s, &dir, files, roots);
            let stage = built.as_ref().and_then(|(d, t)| d.stage(t.as_deref()));
            let mut env = stage.map(|st| st.env.clone()).unwrap_or_default();
            env.extend(environment(s.get("environment")));
            let mut mounts = stage.map(|st| st.mounts.clone()).unwrap_or_default();
            mounts.extend(volumes(s.get("volumes"), &dir));
            let workdir = match s.get("working_dir").and_then(Node::text) {
                Some(wd) => {
                    let wd = shell::expand_text(wd, &mut env.clone(), 0).unwrap_or_default();
                    paths::map_container(&wd, &mounts)
                }
                None => built.as_ref().zip(stage).and_then(|((d, _), st)| {
                    let wd = st.workdir.as_deref()?;
                    paths::map_container(if wd.is_empty() { "/" } else { wd }, &mounts)
                        .or_else(|| st.dir(&d.context))
                }),
            };
            let command = s.entry("command");
            let entrypoint = s.entry("entrypoint");
            if command.is_none() && entrypoint.is_none() {
                continue;
            }
            let mut argv = match entrypoint {
                Some(e) => words(&e.value, Some(&env)),
                None => stage
                    .map(docker::Stage::entrypoint_words)
                    .unwrap_or_default(),
            };
            let cmd_words = command
                .map(|c| words(&c.value, Some(&env)))
                .unwrap_or_default();
            argv.extend(cmd_words.iter().cloned());
            let at = match (command, entrypoint) {
                (Some(c), _) if cmd_words.iter().any(|w| w.contains("celery")) => {
                    (c, cmd_words.clone())
                }
                (_, Some(e)) => (e, words(&e.value, Some(&env))),
                (Some(c), None) => (c, cmd_words.clone()),
                (None, None) => continue,
            };
            let mut r = Runner::new(path, roots, Fs::Container(mounts));
            r.env = env;
            r.cwd = workdir;
            let written = form(at.0, &at.1);
            r.argv(argv, at.0.line, &written, 0);
            found.extend(r.take_found(at.0.line, &written));
            calls.append(&mut r.calls);
        }
    }
    (found, calls)
}
