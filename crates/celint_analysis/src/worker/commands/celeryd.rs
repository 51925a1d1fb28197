//! init.d configurations (`/etc/default/celeryd`, `/etc/conf.d/celery`): shell assignments that
//! Celery's generic init scripts (and its systemd unit, through `EnvironmentFile=`) turn into
//! `celery multi start $CELERYD_NODES $CELERYD_OPTS` in `CELERYD_CHDIR`, and `celery beat
//! $CELERYBEAT_OPTS` in `CELERYBEAT_CHDIR`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::argv;
use super::lines::{collapse, logical_lines, Continuation};
use super::run::{Found, Fs, Runner};
use super::shell::{self, Env};

/// The variables a configuration sets, with where.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) path: PathBuf,
    pub(crate) env: Env,
    /// Each variable's (last) assignment: line and the line as written.
    at: BTreeMap<String, (usize, String)>,
}

impl Config {
    pub(crate) fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    fn beat_named(&self) -> bool {
        self.name().starts_with("celerybeat")
    }
}

const WORKER_VARS: &[&str] = &[
    "CELERYD_NODES",
    "CELERYD_OPTS",
    "CELERYD_CHDIR",
    "CELERYD_MULTI",
];

/// A configuration's assignments; `None` when it sets no Celery variable.
pub(crate) fn read(path: &Path, text: &str, roots: &[PathBuf]) -> Option<Config> {
    let mut r = Runner::new(path, roots, Fs::Server);
    let mut at = BTreeMap::new();
    for (no, line) in logical_lines(text, Continuation::Shell) {
        let before = r.env.clone();
        r.line(&line, no, 0);
        for (k, v) in &r.env {
            if before.get(k) != Some(v) {
                at.insert(k.clone(), (no, collapse(&line)));
            }
        }
    }
    at.keys().any(|k| k.starts_with("CELERY")).then(|| Config {
        path: path.to_path_buf(),
        env: r.env,
        at,
    })
}

/// The worker (`celery multi start`) and beat a configuration describes.
pub(crate) fn commands(c: &Config, roots: &[PathBuf]) -> Vec<Found> {
    let set = |k: &str| c.env.get(k).filter(|v| !v.trim().is_empty());
    let split = |k: &str| -> Vec<String> {
        set(k)
            .map(|v| v.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default()
    };
    let beat_vars = c.at.keys().any(|k| k.starts_with("CELERYBEAT_"));
    let worker = !c.beat_named()
        && (WORKER_VARS.iter().any(|k| c.at.contains_key(*k))
            || !beat_vars && (c.at.contains_key("CELERY_APP") || c.at.contains_key("CELERY_BIN")));
    let beat = beat_vars || c.beat_named() && c.at.contains_key("CELERY_APP");
    let bin = match split("CELERY_BIN") {
        b if b.is_empty() || b.iter().any(|w| shell::is_unresolved(w)) => {
            vec!["celery".to_string()]
        }
        b => b,
    };
    let mut base = bin;
    if let Some(app) = set("CELERY_APP") {
        base.extend(["-A".to_string(), app.clone()]);
    }
    let mut out = Vec::new();
    let mut runner = Runner::new(&c.path, roots, Fs::Server);
    if worker {
        let mut words = base.clone();
        words.extend(["multi".to_string(), "start".to_string()]);
        let nodes = split("CELERYD_NODES");
        words.extend(if nodes.is_empty() {
            vec!["celery".to_string()]
        } else {
            nodes
        });
        words.extend(split("CELERYD_OPTS"));
        let dir = set("CELERYD_CHDIR").and_then(|d| runner.dir(d));
        let vars = [
            "CELERY_APP",
            "CELERY_BIN",
            "CELERYD_NODES",
            "CELERYD_OPTS",
            "CELERYD_CHDIR",
            "CELERYD_MULTI",
        ];
        out.extend(found(c, &words, dir, &vars));
    }
    if beat {
        let mut words = base;
        words.push("beat".to_string());
        words.extend(split("CELERYBEAT_OPTS"));
        let dir = set("CELERYBEAT_CHDIR")
            .or_else(|| set("CELERYD_CHDIR"))
            .and_then(|d| runner.dir(d));
        let vars = [
            "CELERY_APP",
            "CELERY_BIN",
            "CELERYBEAT_OPTS",
            "CELERYBEAT_CHDIR",
        ];
        out.extend(found(c, &words, dir, &vars));
    }
    runner.found.clear();
    out
}

/// The command `words` make, at the first of `vars` the configuration sets, its form those
/// assignments.
fn found(c: &Config, words: &[String], workdir: Option<PathBuf>, vars: &[&str]) -> Option<Found> {
    let (at, implied) = argv::program_at(words)?;
    let args = argv::parse(words, at, implied)?;
    let mut lines: Vec<&(usize, String)> = vars.iter().filter_map(|v| c.at.get(*v)).collect();
    lines.sort();
    lines.dedup();
    let line = lines.first().map(|(l, _)| *l).unwrap_or(1);
    let form = lines
        .iter()
        .map(|(_, f)| f.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let form = super::lines::clip(&form);
    Some(Found {
        args,
        app_env: c.env.get("CELERY_APP").cloned(),
        workdir,
        line,
        form,
    })
}
