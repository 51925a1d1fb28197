//! `celint --show-worker`: what celint believes about each worker, as text (as
//! `ruff --show-settings` shows the configuration): where its command line is, the module it
//! loads first, its pool, what it imports before the fork, and which process runs each
//! handler at which step.

use std::fmt::Write as _;

use super::commands::Source;
use super::timeline::{self, Loads, STEPS};
use super::{Model, Worker};
use crate::celery_config::Pool;
use crate::celery_version::ProjectVersions;
use crate::effects::Analyzer;
use crate::handlers::Connection;
use celint_syntax::source::display_path;

pub fn render(
    an: &Analyzer,
    model: &Model,
    connections: &[Connection],
    versions: &ProjectVersions,
) -> String {
    let mut out = String::new();
    for (i, w) in model.workers.iter().enumerate() {
        worker(an, i + 1, w, versions, &mut out);
    }
    let pins = versions.pins();
    if pins.len() > 1 {
        let _ = writeln!(out, "Celery, by the directory that declares it:");
        for (dir, pin) in pins {
            let dir = dir.map_or("(everywhere)".to_string(), display_path);
            let _ = writeln!(out, "  {dir}: {}", pin.describe());
        }
    }
    timeline(model, connections, &mut out);
    out
}

fn worker(an: &Analyzer, n: usize, w: &Worker, versions: &ProjectVersions, out: &mut String) {
    let project = an.project();
    match &w.command {
        Some(c) => {
            let _ = writeln!(
                out,
                "worker {n}: `{}`\n  command line: {}:{} ({})",
                c.form,
                display_path(&c.file),
                c.line,
                source_label(c.source)
            );
            if let Some(dir) = &c.workdir {
                let _ = writeln!(out, "  working directory: {}", display_path(dir));
            }
            if !c.queues.is_empty() {
                let _ = writeln!(out, "  queues: {}", c.queues.join(", "));
            }
        }
        None => {
            let _ = writeln!(out, "worker {n}: no `celery worker` command line found");
        }
    }
    let entry: Vec<String> = w
        .entry
        .iter()
        .filter_map(|id| project.module(*id))
        .map(|m| display_path(&m.source.path))
        .collect();
    let entry = if entry.is_empty() {
        "unknown".to_string()
    } else {
        entry.join(", then ")
    };
    let _ = writeln!(out, "  entry: {entry}");
    if let Some(note) = &w.entry_note {
        let _ = writeln!(out, "    ({note})");
    }
    let _ = writeln!(out, "  pool: {} ({})", pool_name(w.pool), w.pool_from);
    // The worker runs the Celery of the (sub-)project its entry module is in, else of the
    // directory its command line runs in.
    let entry = w.entry.first().and_then(|id| project.module(*id));
    let place = match (&entry, &w.command) {
        (Some(m), _) => m.source.path.clone(),
        (None, Some(c)) => c.workdir.clone().unwrap_or_else(|| c.file.clone()),
        (None, None) => std::path::PathBuf::new(),
    };
    let pin = versions.for_path(&place);
    let _ = writeln!(out, "  celery: {}", pin.describe());
}

fn source_label(s: Source) -> &'static str {
    match s {
        Source::Procfile => "Procfile",
        Source::Dockerfile => "Dockerfile",
        Source::Compose => "compose file",
        Source::Systemd => "systemd unit",
        Source::Shell => "shell script",
        Source::Celeryd => "init.d celeryd configuration",
        Source::Supervisord => "supervisord configuration",
        Source::Makefile => "Makefile",
        Source::Kubernetes => "Kubernetes or Helm YAML",
    }
}

fn pool_name(p: Pool) -> &'static str {
    match p {
        Pool::Prefork => "prefork",
        Pool::Solo => "solo",
        Pool::Threads => "threads",
        Pool::Gevent => "gevent",
        Pool::Eventlet => "eventlet",
    }
}

/// The steps of the start-up, each with what the workers import then and the handlers of its
/// signals, each with the process that runs it under each pool the workers use.
fn timeline(model: &Model, connections: &[Connection], out: &mut String) {
    let mut pools: Vec<Pool> = Vec::new();
    for w in &model.workers {
        if !pools.contains(&w.pool) {
            pools.push(w.pool);
        }
    }
    let line = |c: &Connection| {
        let name = c
            .module
            .parsed
            .module
            .function(c.receiver.func)
            .map(|f| f.name.as_str())
            .unwrap_or("?");
        let labels: Vec<&str> = pools
            .iter()
            .map(|p| timeline::runs(c.signal.name, *p).label())
            .collect();
        let same = labels.windows(2).all(|w| w.first() == w.last());
        let runs: Vec<String> = pools
            .iter()
            .zip(&labels)
            .map(|(p, label)| match same {
                true => label.to_string(),
                false => format!("{}: {label}", pool_name(*p)),
            })
            .collect();
        let runs = if same {
            runs.into_iter().take(1).collect()
        } else {
            runs
        };
        format!(
            "      {} `{name}` {}:{} ({})",
            c.signal.name,
            display_path(&c.module.source.path),
            c.module.source.line_of(c.site.start),
            runs.join("; ")
        )
    };
    let _ = writeln!(
        out,
        "start-up, step by step ({} module{} imported before the fork, in the order celint \
         follows the imports):",
        model.imported.len(),
        if model.imported.len() == 1 { "" } else { "s" }
    );
    for (i, step) in STEPS.iter().enumerate() {
        let imported: Vec<_> = model
            .imported
            .iter()
            .filter(|m| step.loads != Loads::Nothing && m.step == step.loads)
            .collect();
        let handlers: Vec<&Connection> = connections
            .iter()
            .filter(|c| timeline::step_of(c.signal.name) == Some(i))
            .collect();
        if imported.is_empty() && handlers.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  {}. {}", i + 1, step.what);
        if !imported.is_empty() {
            let _ = writeln!(out, "    imports:");
            for m in imported {
                let note = if m.assumed {
                    " (connects handlers; what imports it is not seen)"
                } else {
                    ""
                };
                let _ = writeln!(out, "      {}{note}", display_path(&m.module.source.path));
            }
        }
        if !handlers.is_empty() {
            let _ = writeln!(out, "    handlers:");
            for c in handlers {
                let _ = writeln!(out, "{}", line(c));
            }
        }
    }
    let elsewhere: Vec<&Connection> = connections
        .iter()
        .filter(|c| timeline::step_of(c.signal.name).is_none())
        .collect();
    if !elsewhere.is_empty() {
        let _ = writeln!(out, "  outside the worker's start-up:");
        for c in elsewhere {
            let _ = writeln!(out, "{}", line(c));
        }
    }
}
