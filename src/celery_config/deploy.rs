//! `celery worker` command lines in the project's deployment files: Procfile, Dockerfiles,
//! compose files, systemd units. The pool they choose decides which rules apply.

use std::path::PathBuf;

use super::{pool_of, Pool, Setting};
use crate::project::Project;

/// Files that hold `celery worker` command lines: Procfile, Dockerfiles, compose files,
/// systemd units.
pub(crate) fn is_command_file(name: &str) -> bool {
    name == "Procfile"
        || name.starts_with("Procfile.")
        || name.starts_with("Dockerfile")
        || name.ends_with(".dockerfile")
        || (name.contains("compose") && (name.ends_with(".yml") || name.ends_with(".yaml")))
        || name.ends_with(".service")
}

/// How many levels below each root deployment files are looked for: a file directly in the root
/// is at level 1, `deploy/etc/systemd/system/celery.service` at level 5. The walk skips ignored
/// files, hidden directories, venvs, `node_modules`, tests, docs and examples
/// (`Loader::text_files`).
pub(crate) const DEPTH: usize = 6;

/// `-P solo`, `--pool=threads`, `--pool gevent` in `celery ... worker` command lines found in
/// the project's Procfile, Dockerfiles, compose files and systemd units.
pub(super) fn command_line_pools(project: &Project, roots: &[PathBuf]) -> Vec<Setting<Pool>> {
    let mut out = Vec::new();
    for (path, text) in project.loader().text_files(roots, DEPTH, &is_command_file) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for (first, line) in logical_lines(&text, Continuation::of(&name)) {
            if let Some(pool) = pool_in_command(&line) {
                out.push(Setting {
                    value: pool_of(&pool),
                    at: format!("{}:{}", crate::source::display_path(&path), first),
                    form: line.split_whitespace().collect::<Vec<_>>().join(" "),
                    env_default: None,
                });
            }
        }
    }
    out
}

/// How a file continues a line that ends in `\\` (the backslash becomes a space).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Continuation {
    /// systemd (systemd.syntax(7)): comment lines inside a continuation are skipped; any
    /// other line, an empty one too, is joined and ends it unless it ends in `\\` itself.
    Systemd,
    /// Docker: comment lines and empty lines inside a continuation are skipped.
    Docker,
    /// A backslash does not continue a line: Procfile runners read one command per line (seen
    /// with honcho: `worker: cmd \\` runs `cmd \\`, the next line is dropped), and YAML
    /// (compose files) keeps it.
    Never,
}

impl Continuation {
    fn of(name: &str) -> Self {
        if name.ends_with(".service") {
            Continuation::Systemd
        } else if name.starts_with("Dockerfile") || name.ends_with(".dockerfile") {
            Continuation::Docker
        } else {
            Continuation::Never
        }
    }
}

/// The lines of a file with continued lines joined as the file's reader joins them, each with
/// the number of its first line.
fn logical_lines(text: &str, style: Continuation) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut open = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        let comment =
            trimmed.starts_with('#') || style == Continuation::Systemd && trimmed.starts_with(';');
        if open {
            match style {
                Continuation::Systemd if comment => continue,
                Continuation::Docker if comment || trimmed.is_empty() => continue,
                _ => {}
            }
        }
        let (body, continues) = match line.strip_suffix('\\') {
            Some(body) if style != Continuation::Never && !comment => (body, true),
            _ => (line, false),
        };
        match out.last_mut() {
            Some((_, joined)) if open => {
                joined.push(' ');
                joined.push_str(body);
            }
            _ => out.push((i + 1, body.to_string())),
        }
        open = continues;
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
    use super::{logical_lines, pool_in_command, Continuation};

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

    #[test]
    fn continued_lines_are_joined_as_each_file_reads_them() {
        use Continuation::*;
        let unit = "[Service]\nExecStart=/venv/bin/celery -A proj worker \\\n    --loglevel=INFO \\\n# the pool\n    --pool=threads\nRestart=always\n";
        let lines = logical_lines(unit, Systemd);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1].0, 2);
        assert_eq!(pool_in_command(&lines[1].1).as_deref(), Some("threads"));
        assert_eq!(lines[2], (6, "Restart=always".to_string()));
        // An empty line ends a systemd continuation; Docker skips it.
        let gap = "X=celery -A proj worker \\\n\n  -P solo\n";
        assert_eq!(logical_lines(gap, Systemd).len(), 2);
        let docker = "CMD celery -A proj worker \\\n\n  # solo for the demo\n  -P solo \\\n";
        let joined = logical_lines(docker, Docker);
        assert_eq!(joined.len(), 1);
        assert_eq!(pool_in_command(&joined[0].1).as_deref(), Some("solo"));
        // Procfiles and YAML do not continue lines with a backslash.
        let procfile = "worker: celery -A proj worker \\\n  --pool=gevent\n";
        let lines = logical_lines(procfile, Never);
        assert_eq!(lines.len(), 2);
        assert_eq!(pool_in_command(&lines[0].1), None);
        assert_eq!(Continuation::of("celery-worker.service"), Systemd);
        assert_eq!(Continuation::of("Dockerfile.worker"), Docker);
        assert_eq!(Continuation::of("Procfile"), Never);
        assert_eq!(Continuation::of("docker-compose.yml"), Never);
    }
}
