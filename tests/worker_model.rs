//! The worker model as `--show-worker` prints it, compared in full: command lines in several
//! kinds of deployment file, the `-A` module looked for from the command's working directory,
//! each worker's pool, what is imported at each step, and each handler's process.

mod common;

use common::{celint_in, root, snapshot, stdout, write};

const APP: &str = r#"from celery import Celery

app = Celery("proj", broker="redis://localhost:6379/0", include=["proj.tasks"])
"#;

const SIGNALS: &str = r#"from celery.signals import task_prerun, worker_init, worker_process_init


@worker_init.connect
def check(**kwargs):
    pass


@worker_process_init.connect
def reset(**kwargs):
    pass


@task_prerun.connect
def before(**kwargs):
    pass
"#;

/// A project whose code lives under `backend/` and whose worker is started from a Makefile
/// (`cd backend && ...`) and from a supervisord configuration, with another pool; a module of
/// handlers that nothing the worker imports reaches.
#[test]
fn workers_from_a_makefile_and_supervisord_under_a_subdirectory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(d, "pyproject.toml", "[project]\nname = \"proj\"\n");
    write(
        d,
        "Makefile",
        "worker:\n\tcd backend && celery -A worker.celery worker -l info -Q default,mail\n",
    );
    write(
        d,
        "deploy/supervisord.conf",
        "[program:celery]\ncommand=/venv/bin/celery -A worker.celery worker -P gevent\ndirectory=/srv/app/backend\n",
    );
    write(
        d,
        "backend/worker.py",
        "from proj.app import app as celery\nfrom proj import signals  # noqa: F401\n\ncelery.conf.update(task_acks_late=True)\n",
    );
    write(d, "backend/proj/__init__.py", "");
    write(d, "backend/proj/app.py", APP);
    write(d, "backend/proj/signals.py", SIGNALS);
    // Nothing celint follows imports it: taken to be imported, and marked so.
    write(
        d,
        "backend/proj/legacy.py",
        "from celery.signals import worker_ready\n\n\n@worker_ready.connect\ndef hello(**kwargs):\n    pass\n",
    );
    write(
        d,
        "backend/proj/tasks.py",
        "from celery import shared_task\n\n\n@shared_task\ndef add(x, y):\n    return x + y\n",
    );
    let out = celint_in(d, &["--show-worker", "."]);
    assert!(out.status.success(), "{out:?}");
    snapshot("worker_model.makefile_supervisord.txt", &stdout(&out));
}

/// The bundled demo has no command line: the module that makes the app stands for the entry.
#[test]
fn the_demo_without_a_command_line() {
    let out = celint_in(root(), &["--show-worker", "examples/demo"]);
    assert!(out.status.success(), "{out:?}");
    snapshot("worker_model.demo.txt", &stdout(&out));
}
