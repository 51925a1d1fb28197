//! Which deployment files decide the pool: a `celery worker -P solo` command line silences
//! CEL004 when celint finds it, wherever the search looks (six levels below the project,
//! excluded directories too) and not where it does not (tests, hidden directories, deeper).
//! The search uses discovery's walk; these cases pin it to what a walk of its own found.

mod common;

use common::{celint_in, stdout, write};

const APP: &str = r#"import time
from celery import Celery
from celery.signals import worker_process_init

app = Celery("proj", broker="redis://localhost:6379/0")


@worker_process_init.connect
def warm_up(**kwargs):
    time.sleep(10)
"#;

/// The concise findings of `celint ARGS` in a project whose only Dockerfile is at `dockerfile`
/// (relative), with `pyproject` as its `pyproject.toml`.
fn findings(dockerfile: &str, pyproject: &str, args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "pyproject.toml", pyproject);
    write(dir.path(), "proj/__init__.py", "");
    write(dir.path(), "proj/celery.py", APP);
    write(
        dir.path(),
        dockerfile,
        "FROM python:3.12\nCMD celery -A proj worker -P solo --loglevel=INFO\n",
    );
    let mut all = vec!["--output-format", "concise"];
    all.extend_from_slice(args);
    stdout(&celint_in(dir.path(), &all))
}

const PLAIN: &str = "[project]\nname = \"proj\"\n";

/// The Dockerfile counts (the solo pool silences CEL004) through `celint .` and `celint proj`.
fn counts(dockerfile: &str, pyproject: &str) -> bool {
    let whole = findings(dockerfile, pyproject, &["."]);
    let given = findings(dockerfile, pyproject, &["proj"]);
    assert_eq!(
        whole, given,
        "{dockerfile}: the same through `.` and `proj`"
    );
    match whole.as_str() {
        "All checks passed!\n" => true,
        "proj/celery.py:9:5: CEL004 `warm_up` blocks for about 10 s, \
         at or above `worker_proc_alive_timeout` (4 s)\n\
         Found 1 problem (1 error, 0 warnings).\n" => false,
        other => panic!("{dockerfile}: unexpected output {other:?}"),
    }
}

#[test]
fn a_dockerfile_at_the_top_or_six_levels_below_counts() {
    assert!(counts("Dockerfile", PLAIN));
    assert!(counts("deploy/docker/Dockerfile.worker", PLAIN));
    assert!(counts("a/b/c/d/e/Dockerfile", PLAIN));
    assert!(!counts("a/b/c/d/e/f/Dockerfile", PLAIN));
}

#[test]
fn a_dockerfile_in_an_excluded_directory_counts() {
    // `build` is one of the default excludes: the walk for Python files does not enter it.
    assert!(counts("build/Dockerfile", PLAIN));
    assert!(counts("build/a/b/c/d/Dockerfile", PLAIN));
    assert!(!counts("build/a/b/c/d/e/Dockerfile", PLAIN));
    let excluding = "[project]\nname = \"proj\"\n[tool.celint]\nextend-exclude = [\"ops\"]\n";
    assert!(counts("ops/Dockerfile", excluding));
    assert!(counts("x/ops/Dockerfile", excluding));
}

#[test]
fn a_dockerfile_in_tests_or_a_hidden_directory_does_not_count() {
    assert!(!counts("tests/Dockerfile", PLAIN));
    assert!(!counts("a/examples/Dockerfile", PLAIN));
    assert!(!counts(".ci/Dockerfile", PLAIN));
    assert!(!counts("node_modules/x/Dockerfile", PLAIN));
    assert!(!counts("build/tests/Dockerfile", PLAIN));
}
