//! `celery worker` command lines in the project's deployment files: Procfile, Dockerfiles,
//! compose files, systemd units. The pool they choose decides which rules apply.

use std::path::PathBuf;

use super::{pool_of, Pool, Setting};
use crate::project::Project;

/// Files that hold `celery worker` command lines: Procfile, Dockerfiles, compose files,
/// systemd units.
fn is_command_file(name: &str) -> bool {
    name == "Procfile"
        || name.starts_with("Procfile.")
        || name.starts_with("Dockerfile")
        || name.ends_with(".dockerfile")
        || (name.contains("compose") && (name.ends_with(".yml") || name.ends_with(".yaml")))
        || name.ends_with(".service")
}

/// `-P solo`, `--pool=threads`, `--pool gevent` in `celery ... worker` command lines found in
/// the project's Procfile, Dockerfiles, compose files and systemd units.
pub(super) fn command_line_pools(project: &Project, roots: &[PathBuf]) -> Vec<Setting<Pool>> {
    let mut out = Vec::new();
    for (path, text) in project.loader().text_files(roots, 2, &is_command_file) {
        for (i, line) in text.lines().enumerate() {
            if let Some(pool) = pool_in_command(line) {
                out.push(Setting {
                    value: pool_of(&pool),
                    at: format!("{}:{}", crate::source::display_path(&path), i + 1),
                    form: line.trim().to_string(),
                    env_default: None,
                });
            }
        }
    }
    out
}

/// The pool named on a `celery ... worker` command line.
pub(crate) fn pool_in_command(line: &str) -> Option<String> {
    let cleaned: String = line
        .chars()
        .map(|c| {
            if matches!(c, '"' | '\'' | ',' | '[' | ']') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let celery = words
        .iter()
        .position(|w| *w == "celery" || w.ends_with("/celery"))?;
    let worker = celery + words.iter().skip(celery).position(|w| *w == "worker")?;
    let mut rest = words.iter().skip(worker + 1);
    while let Some(w) = rest.next() {
        if *w == "-P" || *w == "--pool" {
            return rest.next().map(|p| p.to_string());
        }
        if let Some(p) = w.strip_prefix("--pool=") {
            return Some(p.to_string());
        }
        if let Some(p) = w.strip_prefix("-P") {
            if !p.is_empty() {
                return Some(p.trim_start_matches('=').to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::pool_in_command;

    #[test]
    fn pools_on_command_lines() {
        let p = |s: &str| pool_in_command(s);
        assert_eq!(
            p("worker: celery -A proj worker -P solo --loglevel=INFO").as_deref(),
            Some("solo")
        );
        assert_eq!(
            p("command: celery -A proj worker --pool=threads").as_deref(),
            Some("threads")
        );
        assert_eq!(
            p(r#"CMD ["celery", "-A", "proj", "worker", "--pool", "gevent"]"#).as_deref(),
            Some("gevent")
        );
        assert_eq!(
            p("ExecStart=/venv/bin/celery -A proj worker -Peventlet").as_deref(),
            Some("eventlet")
        );
        assert_eq!(p("celery -A proj beat -P solo"), None);
        assert_eq!(p("celery -A proj worker --loglevel=INFO"), None);
    }
}
