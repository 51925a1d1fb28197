//! Kubernetes manifests and Helm charts: any map with `command:` or `args:` (a container of a
//! Deployment, StatefulSet, Job or CronJob; a worker's entry in a chart's values), with its
//! `env:` (name/value pairs, or a map in values files), `workingDir:`, and Kubernetes' own
//! `$(VAR)` references.
//!
//! The image is not known from the manifest: a container path (`workingDir: /app/website`,
//! `cd /app` in `sh -c`) is mapped through what the project's Dockerfiles copy where they agree
//! (two that copy different directories to the same place say nothing about it).

use std::path::{Path, PathBuf};

use super::compose;
use super::docker::Dockerfile;
use super::paths::{self, Mount};
use super::run::{Call, Found, Fs, Runner};
use super::shell::Env;
use super::yaml::Node;

/// What every Dockerfile's last stage copies where, less the places they disagree on.
fn agreed_mounts(dockerfiles: &[Dockerfile]) -> Vec<Mount> {
    let all: Vec<&Mount> = dockerfiles
        .iter()
        .filter_map(|d| d.stages.last())
        .flat_map(|s| s.mounts.iter())
        .collect();
    let mut out: Vec<Mount> = Vec::new();
    for m in &all {
        let conflict = all.iter().any(|o| o.at == m.at && o.host != m.host);
        if !conflict && !out.contains(m) {
            out.push((*m).clone());
        }
    }
    out
}

/// `env:` as a list of `{name, value}` (`valueFrom` unknown), or a map.
fn env_of(node: Option<&Node>) -> Env {
    let mut env = compose::environment(node);
    for item in node.map(Node::items).unwrap_or_default() {
        if let (Some(k), Some(v)) = (
            item.get("name").and_then(Node::text),
            item.get("value").and_then(Node::text),
        ) {
            env.insert(k.to_string(), v.to_string());
        }
    }
    env
}

/// `$(VAR)` replaced from `env` (`$$(VAR)` is a literal `$(VAR)`); other text kept.
fn k8s_vars(word: &str, env: &Env) -> String {
    let mut out = String::new();
    let mut rest = word;
    while let Some(at) = rest.find("$") {
        out.push_str(rest.get(..at).unwrap_or_default());
        let tail = rest.get(at..).unwrap_or_default();
        if let Some(t) = tail.strip_prefix("$$(") {
            out.push_str("$(");
            rest = t;
            continue;
        }
        let name = tail
            .strip_prefix("$(")
            .and_then(|t| t.split_once(')'))
            .filter(|(n, _)| {
                !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
        let known = name.and_then(|(n, after)| Some((env.get(n)?, after)));
        match known.filter(|(v, _)| super::shell::spend(v.len())) {
            Some((value, after)) => {
                out.push_str(value);
                rest = after;
            }
            None => {
                out.push('$');
                rest = tail.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    out
}

/// The commands in a manifest's or chart's documents.
pub(crate) fn commands(
    path: &Path,
    docs: &[Node],
    dockerfiles: &[Dockerfile],
    roots: &[PathBuf],
) -> (Vec<Found>, Vec<Call>) {
    let mounts = agreed_mounts(dockerfiles);
    let mut found = Vec::new();
    let mut calls = Vec::new();
    let mut nodes = Vec::new();
    for doc in docs {
        doc.walk(&mut nodes);
    }
    for node in nodes {
        let (command, args) = (node.entry("command"), node.entry("args"));
        if command.is_none() && args.is_none() {
            continue;
        }
        let env = env_of(node.get("env"));
        let part = |e: Option<&super::yaml::Entry>| -> Vec<String> {
            e.map(|e| compose::words(&e.value, None))
                .unwrap_or_default()
                .iter()
                .map(|w| k8s_vars(w, &env))
                .collect()
        };
        let (cmd_words, arg_words) = (part(command), part(args));
        let mut argv = cmd_words.clone();
        argv.extend(arg_words.iter().cloned());
        let at = match (command, args) {
            (Some(c), _) if cmd_words.iter().any(|w| w.contains("celery")) => (c, cmd_words),
            (_, Some(a)) => (a, arg_words),
            (Some(c), None) => (c, cmd_words),
            (None, None) => continue,
        };
        let workdir = node
            .get("workingDir")
            .and_then(Node::text)
            .and_then(|wd| paths::map_container(&k8s_vars(wd, &env), &mounts));
        let mut r = Runner::new(path, roots, Fs::Container(mounts.clone()));
        r.env = env;
        r.cwd = workdir;
        let written = compose::form(at.0, &at.1);
        r.argv(argv, at.0.line, &written, 0);
        found.extend(r.take_found(at.0.line, &written));
        calls.append(&mut r.calls);
    }
    (found, calls)
}
