//! A `celery` command's words: which program, and the options celint reads.

use super::shell::is_unresolved;
use super::Program;

/// What a `celery` command line gives, as written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Args {
    pub(crate) program: Option<Program>,
    pub(crate) app: Option<String>,
    pub(crate) pool: Option<String>,
    pub(crate) queues: Vec<String>,
    pub(crate) concurrency: Option<String>,
    pub(crate) node: Option<String>,
    pub(crate) workdir: Option<String>,
}

/// Commands whose words are data, not a command to run (`echo celery worker`, `pip install
/// celery`, `pkill -f "celery worker"`).
const NOT_RUNNERS: &[&str] = &[
    "echo", "printf", "pip", "pip3", "pipx", "apt-get", "apt", "apk", "yum", "dnf", "which",
    "command", "type", "hash", "kill", "pkill", "pgrep", "killall", "grep", "ps", "cat", "test",
    "[", "[[", "log", "info", "say", "conda", "brew", "npm",
];

/// The last path component, without a Windows `.exe`.
fn base(word: &str) -> &str {
    let b = word.rsplit('/').next().unwrap_or(word);
    b.strip_suffix(".exe").unwrap_or(b)
}

/// A variable standing for the celery program when the file that sets it is not at hand:
/// `${CELERY_BIN}` in Celery's systemd unit, `$CELERY`.
fn celery_variable(word: &str) -> bool {
    let name = word
        .trim_start_matches('$')
        .trim_start_matches('{')
        .trim_end_matches('}');
    word.starts_with('$') && (name == "CELERY_BIN" || name == "CELERY" || name == "CELERYD")
}

fn is_python(word: &str) -> bool {
    let b = base(word);
    b.strip_prefix("python")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// Where the celery program is among `words`, and the program it implies by its name alone
/// (`celeryd` is a worker, `celerybeat` beat; `celery` waits for its subcommand).
pub(crate) fn program_at(words: &[String]) -> Option<(usize, Option<Program>)> {
    if words
        .first()
        .is_some_and(|w| NOT_RUNNERS.contains(&base(w)))
    {
        return None;
    }
    for (i, w) in words.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| words.get(p));
        let b = base(w);
        let module = prev.is_some_and(|p| p == "-m");
        let before_m = i
            .checked_sub(2)
            .and_then(|p| words.get(p))
            .is_some_and(|p| is_python(p));
        if module && !before_m {
            continue;
        }
        // `exec -a celery celery -A proj worker`: the name bash's `exec -a` gives the process.
        let exec_name = prev.is_some_and(|p| p == "-a")
            && i.checked_sub(2)
                .and_then(|p| words.get(p))
                .is_some_and(|p| p == "exec");
        if exec_name {
            continue;
        }
        match b {
            "celery" => return Some((i, None)),
            "celeryd" => return Some((i, Some(Program::Worker))),
            "celerybeat" => return Some((i, Some(Program::Beat))),
            "celeryd-multi" => return Some((i, Some(Program::Multi))),
            _ if celery_variable(w) => return Some((i, None)),
            _ => {}
        }
    }
    None
}

/// The value of option `long`/`short` at `words[*i]` (`-A x`, `-Ax`, `-A=x`, `--app x`,
/// `--app=x`), moving `*i` past what it takes.
fn value_of(words: &[String], i: &mut usize, short: &str, long: &str) -> Option<String> {
    let w = words.get(*i)?;
    if (!short.is_empty() && w == short) || w == long {
        *i += 1;
        return words.get(*i).cloned();
    }
    if let Some(v) = w.strip_prefix(long).and_then(|r| r.strip_prefix('=')) {
        return Some(v.to_string());
    }
    if !short.is_empty() && !w.starts_with("--") {
        if let Some(v) = w.strip_prefix(short).filter(|v| !v.is_empty()) {
            return Some(v.trim_start_matches('=').to_string());
        }
    }
    None
}

/// `-A`/`--app`, `-b`, `--workdir` and the other options `celery` takes before its subcommand
/// and every subcommand accepts (`celery worker -A proj`, Celery 4's order).
const GLOBAL_WITH_VALUE: &[(&str, &str)] = &[
    ("-b", "--broker"),
    ("", "--result-backend"),
    ("", "--loader"),
    ("", "--config"),
];

/// Options `celery multi` takes for some nodes only (`-c:1-3 10`, `--pool:w1=solo`).
const NODE_OPTIONS: &[&str] = &[
    "-c",
    "-P",
    "-Q",
    "-n",
    "--concurrency",
    "--pool",
    "--queues",
    "--hostname",
];

/// `-c:1-3`: an option for some of `celery multi`'s nodes, not for all.
fn for_some_nodes(word: &str) -> bool {
    let name = word.split('=').next().unwrap_or(word);
    name.split_once(':')
        .is_some_and(|(opt, _)| NODE_OPTIONS.contains(&opt))
}

/// The options of a `celery` command, from the program word at `at`; `None` when it is not a
/// worker, beat or `multi start`.
pub(crate) fn parse(words: &[String], at: usize, implied: Option<Program>) -> Option<Args> {
    let mut args = Args {
        program: implied,
        ..Args::default()
    };
    let mut i = at + 1;
    // `multi` waits for `start`, then the node names, up to the first option.
    let mut multi_action = implied == Some(Program::Multi);
    let mut collecting = false;
    let mut nodes: Vec<String> = Vec::new();
    while let Some(w) = words.get(i) {
        if w.starts_with('-') {
            collecting = false;
        }
        if args.program == Some(Program::Multi) && for_some_nodes(w) {
            i += if w.contains('=') { 1 } else { 2 };
            continue;
        }
        if let Some(v) = value_of(words, &mut i, "-A", "--app") {
            args.app = Some(v);
        } else if let Some(v) = value_of(words, &mut i, "", "--workdir") {
            args.workdir = Some(v);
        } else if GLOBAL_WITH_VALUE
            .iter()
            .any(|(s, l)| value_of(words, &mut i, s, l).is_some())
        {
        } else if args.program.is_none() {
            if !w.starts_with('-') {
                match w.as_str() {
                    "worker" => args.program = Some(Program::Worker),
                    "beat" => args.program = Some(Program::Beat),
                    "multi" => {
                        args.program = Some(Program::Multi);
                        multi_action = true;
                    }
                    _ => return None,
                }
            }
        } else if multi_action {
            if !matches!(w.as_str(), "start" | "restart") {
                return None;
            }
            multi_action = false;
            collecting = true;
        } else if let Some(v) = value_of(words, &mut i, "-P", "--pool") {
            args.pool = Some(v);
        } else if let Some(v) = value_of(words, &mut i, "-Q", "--queues") {
            // A template's commas (`{{ join "," . }}`) are not the list's.
            if is_unresolved(&v) {
                args.queues.push(v);
            } else {
                args.queues.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|q| !q.is_empty())
                        .map(str::to_string),
                );
            }
        } else if let Some(v) = value_of(words, &mut i, "-c", "--concurrency") {
            args.concurrency = Some(v);
        } else if let Some(v) = value_of(words, &mut i, "-n", "--hostname") {
            args.node = Some(v);
        } else if collecting {
            nodes.push(w.clone());
        }
        i += 1;
    }
    if multi_action {
        return None;
    }
    if args.program == Some(Program::Multi) && args.node.is_none() && !nodes.is_empty() {
        args.node = Some(nodes.join(" "));
    }
    args.program.is_some().then_some(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn args(s: &str) -> Option<Args> {
        let w = words(s);
        let (at, implied) = program_at(&w)?;
        parse(&w, at, implied)
    }

    #[test]
    fn options_in_every_spelling() {
        let a = args("celery -A proj worker -P solo -Q a,b -Q c -c 4 -n w1@%h").unwrap();
        assert_eq!(a.program, Some(Program::Worker));
        assert_eq!(a.app.as_deref(), Some("proj"));
        assert_eq!(a.pool.as_deref(), Some("solo"));
        assert_eq!(a.queues, vec!["a", "b", "c"]);
        assert_eq!(a.concurrency.as_deref(), Some("4"));
        assert_eq!(a.node.as_deref(), Some("w1@%h"));
        let a = args("celery --app=proj.celery:app worker --pool=threads --queues=x --concurrency=8 --hostname=n").unwrap();
        assert_eq!(a.app.as_deref(), Some("proj.celery:app"));
        assert_eq!(a.pool.as_deref(), Some("threads"));
        assert_eq!(a.queues, vec!["x"]);
        assert_eq!(a.concurrency.as_deref(), Some("8"));
        assert_eq!(a.node.as_deref(), Some("n"));
        let a = args("celery worker -Aproj -Peventlet -c4 --workdir website").unwrap();
        assert_eq!(a.app.as_deref(), Some("proj"));
        assert_eq!(a.pool.as_deref(), Some("eventlet"));
        assert_eq!(a.concurrency.as_deref(), Some("4"));
        assert_eq!(a.workdir.as_deref(), Some("website"));
        let a = args("/venv/bin/python3.12 -m celery --app proj beat -l info").unwrap();
        assert_eq!(a.program, Some(Program::Beat));
        assert_eq!(a.app.as_deref(), Some("proj"));
        assert_eq!(a.pool, None);
    }

    #[test]
    fn programs_and_prefixes() {
        let a = args("exec gosu app poetry run celery -A proj worker").unwrap();
        assert_eq!(a.program, Some(Program::Worker));
        // bash's `exec -a NAME`: the process's name, not the program.
        let a = args("exec -a celery celery -A pycroft.task worker -B").unwrap();
        assert_eq!(a.program, Some(Program::Worker));
        assert_eq!(a.app.as_deref(), Some("pycroft.task"));
        let a = args("watchmedo auto-restart --directory=./ --pattern=*.py --recursive -- celery -A proj worker -P solo").unwrap();
        assert_eq!(a.pool.as_deref(), Some("solo"));
        let a = args("celery multi start w1 w2 -A proj -c:1 3 -P gevent").unwrap();
        assert_eq!(a.program, Some(Program::Multi));
        assert_eq!(a.node.as_deref(), Some("w1 w2"));
        assert_eq!(a.pool.as_deref(), Some("gevent"));
        assert_eq!(a.concurrency, None);
        assert_eq!(args("celery multi stopwait w1 -A proj"), None);
        assert_eq!(args("celery -A proj inspect ping"), None);
        assert_eq!(args("celery -A proj flower"), None);
        assert_eq!(args("echo celery -A proj worker -P solo"), None);
        assert_eq!(args("pip install celery"), None);
        assert_eq!(args("python -m pytest celery"), None);
        let a = args("${CELERY_BIN} -A $CELERY_APP multi start $CELERYD_NODES").unwrap();
        assert_eq!(a.program, Some(Program::Multi));
        assert_eq!(a.app.as_deref(), Some("$CELERY_APP"));
        let a = args("python manage.py celeryd -P solo").unwrap();
        assert_eq!(a.program, Some(Program::Worker));
        assert_eq!(a.pool.as_deref(), Some("solo"));
    }
}
