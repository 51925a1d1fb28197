//! Every `celery` command line a project keeps, in every kind of file projects keep them in, as
//! data: which program (worker, beat, `multi start`), the app (`-A`, else `CELERY_APP` from the
//! environment the file gives), the pool, queues, concurrency, node name and the directory the
//! command runs in, mapped onto the project.
//!
//! Files, by name (`is_command_file`, which discovery's walk uses to note them; they are read
//! on demand by `Loader::text_files`, with its skipped directories: tests, docs, examples,
//! venvs, hidden ones):
//!
//! | kind | names | read by |
//! |---|---|---|
//! | Procfile | `Procfile`, `Procfile.*` | `script.rs` |
//! | shell script | `*.sh`, `*.bash`; `entrypoint`, `entrypoint.*`, `docker-entrypoint*`, `start*`, `run*`, `*worker*` without extension, with a shell shebang | `script.rs` |
//! | Dockerfile | `Dockerfile*`, `*.dockerfile`, `Containerfile*` | `docker.rs` |
//! | compose | YAML named `*compose*`, or with a top-level `services:` | `compose.rs` |
//! | Kubernetes, Helm | other YAML: any map with `command:`/`args:` (containers, values) | `k8s.rs` |
//! | systemd | `*.service` | `units.rs` |
//! | supervisord | `*.conf`, `*.ini` with `[program:x]` | `units.rs` |
//! | init.d configuration | `celeryd`, `celerybeat`, `celery` (`.conf`, `.default`...), `*.celeryd` | `celeryd.rs` |
//! | Makefile | `Makefile`, `makefile`, `GNUmakefile`, `*.mk` | `make.rs` |
//!
//! Command lines are read as the file's reader reads them (`run.rs`, `shell.rs`): continued
//! lines, quotes, `cd X && ...`, assignments and `export`, `${X:-default}`, `sh -c '...'`,
//! prefixes (`exec`, `gosu`, `poetry run`, `watchmedo ... --`: the program is found among the
//! words, `argv.rs`). Directories are mapped onto the project as `paths.rs` says. A value that
//! cannot be resolved (an unset variable, a `{{ }}` template) is kept as written:
//! `is_unresolved` tells.

mod argv;
mod celeryd;
mod compose;
mod docker;
mod k8s;
mod lines;
mod make;
mod paths;
mod run;
mod script;
mod shell;
mod units;
mod yaml;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_containers;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub use shell::{is_unresolved, Env};

use run::{Call, Found};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Program {
    Worker,
    Beat,
    /// `celery multi start`, and an init.d configuration (which runs it).
    Multi,
}

/// The kind of file a command was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    Procfile,
    Dockerfile,
    Compose,
    Systemd,
    Shell,
    /// An init.d configuration (`/etc/default/celeryd`).
    Celeryd,
    Supervisord,
    Makefile,
    /// Kubernetes manifests and Helm charts (templates and values).
    Kubernetes,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Command {
    pub program: Program,
    /// `-A`/`--app` as written (`proj`, `proj.celery:app`, `proj.celery.app`), or `CELERY_APP`
    /// from the environment the file gives the command, or `None`.
    pub app: Option<String>,
    /// `-P`/`--pool`.
    pub pool: Option<String>,
    /// `-Q`/`--queues`, comma separated, every time it is given.
    pub queues: Vec<String>,
    /// `-c`/`--concurrency`.
    pub concurrency: Option<String>,
    /// `-n`/`--hostname`; for `celery multi`, the node names (`w1 w2`).
    pub node: Option<String>,
    /// The directory the command runs in, in the project (absolute); `None` when unknown.
    pub workdir: Option<PathBuf>,
    /// Where: the file and the first line of the command.
    pub file: PathBuf,
    pub line: usize,
    /// The command as written, whitespace collapsed.
    pub form: String,
    pub source: Source,
}

/// How many levels below each root deployment files are looked for: a file directly in the root
/// is at level 1, `deploy/etc/systemd/system/celery.service` at level 5.
pub const DEPTH: usize = 6;

/// What a file's name says it may be; its text decides some (a shebang, `[program:x]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Named {
    Procfile,
    Dockerfile,
    Yaml,
    Systemd,
    Makefile,
    Script,
    /// A script if it starts with a shell's shebang.
    MaybeScript,
    /// An init.d configuration, or a script if it has a shebang.
    Celeryd,
    /// supervisord if it has a `[program:x]` section.
    Ini,
}

fn named(name: &str) -> Option<Named> {
    let ext = name.rsplit_once('.').map(|(_, e)| e);
    let stem = name.split('.').next().unwrap_or(name);
    Some(if name == "Procfile" || name.starts_with("Procfile.") {
        Named::Procfile
    } else if name.starts_with("Dockerfile")
        || name.starts_with("Containerfile")
        || ext == Some("dockerfile")
    {
        Named::Dockerfile
    } else if ext == Some("service") {
        Named::Systemd
    } else if matches!(name, "Makefile" | "makefile" | "GNUmakefile") || ext == Some("mk") {
        Named::Makefile
    } else if matches!(ext, Some("yml" | "yaml")) {
        Named::Yaml
    } else if matches!(ext, Some("sh" | "bash")) {
        Named::Script
    } else if matches!(stem, "celery" | "celeryd" | "celerybeat")
        && matches!(
            ext,
            None | Some("conf" | "default" | "cfg" | "env" | "sysconfig")
        )
        || ext == Some("celeryd")
    {
        Named::Celeryd
    } else if matches!(ext, Some("conf" | "ini")) {
        Named::Ini
    } else if ext == Some("py") {
        return None;
    } else if stem == "entrypoint"
        || name.starts_with("docker-entrypoint")
        || (ext.is_none()
            && (name.starts_with("start") || name.starts_with("run") || name.contains("worker")))
    {
        Named::MaybeScript
    } else {
        return None;
    })
}

/// Files that may hold `celery` command lines, by name: the one place that says which.
/// Discovery's walk notes them (`discover::WalkIndex`); what they hold decides the rest.
pub fn is_command_file(name: &str) -> bool {
    named(name).is_some()
}

/// What a file is, once its text is known.
enum Kind {
    Procfile,
    Dockerfile,
    Compose(Vec<yaml::Node>),
    Kubernetes(Vec<yaml::Node>),
    Systemd,
    Supervisord,
    Celeryd,
    Makefile,
    Script,
}

fn kind(path: &Path, text: &str) -> Option<Kind> {
    let name = path.file_name()?.to_string_lossy();
    let shebang = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("#!"))
        .is_some_and(|l| {
            l.split(|c: char| c == '/' || c.is_whitespace())
                .any(|w| matches!(w, "sh" | "bash" | "dash" | "zsh" | "ash" | "ksh"))
        });
    Some(match named(&name)? {
        Named::Procfile => Kind::Procfile,
        Named::Dockerfile => Kind::Dockerfile,
        Named::Systemd => Kind::Systemd,
        Named::Makefile => Kind::Makefile,
        Named::Script => Kind::Script,
        Named::MaybeScript if shebang => Kind::Script,
        Named::MaybeScript => return None,
        Named::Celeryd if shebang => Kind::Script,
        Named::Celeryd if text.contains("[program:") => Kind::Supervisord,
        Named::Celeryd => Kind::Celeryd,
        Named::Ini if text.contains("[program:") => Kind::Supervisord,
        Named::Ini => return None,
        Named::Yaml => {
            // Only what names celery can hold a command: most YAML is never parsed.
            if !text.contains("celery") {
                return None;
            }
            let docs = yaml::documents(text);
            let services = docs.iter().any(|d| d.get("services").is_some());
            if name.contains("compose") || services {
                Kind::Compose(docs)
            } else {
                Kind::Kubernetes(docs)
            }
        }
    })
}

/// The commands in these files (paths absolute, as `Loader::text_files` gives them), the
/// directories mapped onto `roots`.
pub fn from_files(files: &[(PathBuf, String)], roots: &[PathBuf]) -> Vec<Command> {
    shell::reset_budget();
    let kinds: Vec<(&Path, &str, Kind)> = files
        .iter()
        .filter_map(|(p, t)| Some((p.as_path(), t.as_str(), kind(p, t)?)))
        .collect();
    let mut out = Vec::new();
    let scripts: HashSet<String> = kinds
        .iter()
        .filter(|(_, _, k)| matches!(k, Kind::Script))
        .filter_map(|(p, _, _)| Some(p.file_name()?.to_string_lossy().into_owned()))
        .collect();
    let mut calls: Vec<Call> = Vec::new();
    let mut note = |c: Vec<Call>| calls.extend(c.into_iter().filter(|c| scripts.contains(&c.name)));
    let mut push = |file: &Path, source: Source, found: Vec<Found>| {
        out.extend(found.into_iter().filter_map(|f| command(f, file, source)));
    };
    let dockerfiles: Vec<docker::Dockerfile> = kinds
        .iter()
        .filter(|(_, _, k)| matches!(k, Kind::Dockerfile))
        .map(|(p, t, _)| docker::read(p, t, None, roots))
        .collect();
    let configs: Vec<celeryd::Config> = kinds
        .iter()
        .filter(|(_, _, k)| matches!(k, Kind::Celeryd))
        .filter_map(|(p, t, _)| celeryd::read(p, t, roots))
        .collect();
    let mut used_configs: HashSet<PathBuf> = HashSet::new();
    for d in &dockerfiles {
        let (found, c) = docker::commands(d, roots);
        push(&d.path, Source::Dockerfile, found);
        note(c);
    }
    for (path, text, k) in &kinds {
        let (source, (found, c)) = match k {
            Kind::Procfile => (Source::Procfile, script::procfile(path, text, roots)),
            Kind::Compose(docs) => (Source::Compose, compose::commands(path, docs, files, roots)),
            Kind::Kubernetes(docs) => (
                Source::Kubernetes,
                k8s::commands(path, docs, &dockerfiles, roots),
            ),
            Kind::Systemd => {
                let mut env_file = |name: &str| {
                    let c = configs.iter().find(|c| c.name() == name)?;
                    used_configs.insert(c.path.clone());
                    Some(c.env.clone())
                };
                (
                    Source::Systemd,
                    units::systemd(path, text, &mut env_file, roots),
                )
            }
            Kind::Supervisord => (Source::Supervisord, units::supervisord(path, text, roots)),
            Kind::Makefile => (Source::Makefile, make::commands(path, text, roots)),
            Kind::Dockerfile | Kind::Celeryd | Kind::Script => continue,
        };
        push(path, source, found);
        note(c);
    }
    for c in configs.iter().filter(|c| !used_configs.contains(&c.path)) {
        push(&c.path, Source::Celeryd, celeryd::commands(c, roots));
    }
    for (path, text, k) in &kinds {
        if matches!(k, Kind::Script) {
            push(
                path,
                Source::Shell,
                script::shell(path, text, &calls, roots),
            );
        }
    }
    out.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    let mut seen = HashSet::new();
    out.retain(|c| seen.insert(c.clone()));
    out
}

/// The command a `Found` describes, in `file`.
fn command(f: Found, file: &Path, source: Source) -> Option<Command> {
    let program = f.args.program?;
    let app = f.args.app.or(f.app_env);
    Some(Command {
        program,
        app,
        pool: f.args.pool,
        queues: f.args.queues,
        concurrency: f.args.concurrency,
        node: f.args.node,
        workdir: f.workdir,
        file: file.to_path_buf(),
        line: f.line,
        form: f.form,
        source,
    })
}
