//! The `celery` command lines of a project's deployment files, one project per kind of file:
//! what `celint::worker::commands` finds in them (entry module, pool, queues, directory), and
//! what the pool they choose does to the findings (a `-P solo` silences CEL004) through the
//! command line's own search, which skips tests, docs and examples.

mod common;

use std::path::{Path, PathBuf};

use celint::worker::commands::{from_files, Command, Program, Source};
use common::{celint_in, stdout, write};

const APP: &str = r#"import time
from celery import Celery
from celery.signals import worker_process_init

app = Celery("proj", broker="redis://localhost:6379/0")


@worker_process_init.connect
def warm_up(**kwargs):
    time.sleep(10)
"#;

/// A project at `<tmp>/site` (the app in `website/proj/`) with `files`, and the commands found
/// in those files.
fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf, Vec<Command>) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().canonicalize().expect("canonical").join("site");
    write(&root, "pyproject.toml", "[project]\nname = \"site\"\n");
    write(&root, "website/proj/__init__.py", "");
    write(&root, "website/proj/celery.py", APP);
    let mut texts = Vec::new();
    for (rel, text) in files {
        write(&root, rel, text);
        texts.push((root.join(rel), text.to_string()));
    }
    let found = from_files(&texts, std::slice::from_ref(&root));
    (tmp, root, found)
}

/// The one command found, with its program, app, pool, directory and kind of file.
fn only(found: &[Command]) -> (Program, Option<&str>, Option<&str>, Option<&Path>, Source) {
    assert_eq!(found.len(), 1, "{found:#?}");
    let c = &found[0];
    (
        c.program,
        c.app.as_deref(),
        c.pool.as_deref(),
        c.workdir.as_deref(),
        c.source,
    )
}

const SUPERVISORD: &str = "[program:worker]\n\
    command=/srv/venv/bin/celery -A proj worker -P solo -Q mail,sms\n\
    directory=/srv/site/website\n\
    environment=DJANGO_SETTINGS_MODULE=\"proj.settings\"\n";

const MAKEFILE: &str = "worker:\n\tcd website && celery -A proj worker -P solo\n";

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n\
    \x20     containers:\n\
    \x20       - name: worker\n\
    \x20         image: site:latest\n\
    \x20         command: [\"celery\"]\n\
    \x20         args:\n\
    \x20           - --app=proj\n\
    \x20           - worker\n\
    \x20           - --pool=solo\n\
    \x20         workingDir: /code/website\n";

const DOCKERFILE: &str = "FROM python:3.12\nWORKDIR /code\nCOPY . .\n";

const CELERYD: &str = "CELERYD_NODES=\"w1\"\nCELERY_APP=\"proj\"\n\
    CELERYD_CHDIR=\"/var/www/site/website\"\nCELERYD_OPTS=\"-P solo --concurrency=1\"\n";

const ENTRYPOINT: &str =
    "#!/bin/bash\nset -e\ncd /code/website\nexec celery -A proj worker -P solo\n";

const ENTRYPOINT_DOCKERFILE: &str = "FROM python:3.12\nWORKDIR /code\nCOPY . .\n\
    ENTRYPOINT [\"./docker-entrypoint.sh\"]\n";

const COMPOSE: &str = "services:\n  worker:\n    build: .\n    working_dir: /code/website\n\
    \x20   command: celery -A proj worker -P solo\n";

#[test]
fn supervisord_program() {
    let (_t, root, found) = project(&[("deploy/supervisor/worker.conf", SUPERVISORD)]);
    let website = root.join("website");
    assert_eq!(
        only(&found),
        (
            Program::Worker,
            Some("proj"),
            Some("solo"),
            Some(website.as_path()),
            Source::Supervisord
        )
    );
    assert_eq!(found[0].queues, vec!["mail", "sms"]);
    assert_eq!(found[0].line, 2);
}

#[test]
fn makefile_recipe_with_cd() {
    let (_t, root, found) = project(&[("Makefile", MAKEFILE)]);
    let website = root.join("website");
    assert_eq!(
        only(&found),
        (
            Program::Worker,
            Some("proj"),
            Some("solo"),
            Some(website.as_path()),
            Source::Makefile
        )
    );
    assert_eq!(found[0].form, "cd website && celery -A proj worker -P solo");
}

#[test]
fn kubernetes_deployment_with_an_args_list() {
    let (_t, root, found) = project(&[("k8s/worker.yaml", DEPLOYMENT), ("Dockerfile", DOCKERFILE)]);
    let website = root.join("website");
    assert_eq!(
        only(&found),
        (
            Program::Worker,
            Some("proj"),
            Some("solo"),
            Some(website.as_path()),
            Source::Kubernetes
        )
    );
    assert_eq!(found[0].line, 9);
}

#[test]
fn celeryd_configuration_with_chdir() {
    let (_t, root, found) = project(&[("deploy/default/celeryd", CELERYD)]);
    let website = root.join("website");
    assert_eq!(
        only(&found),
        (
            Program::Multi,
            Some("proj"),
            Some("solo"),
            Some(website.as_path()),
            Source::Celeryd
        )
    );
    assert_eq!(found[0].node.as_deref(), Some("w1"));
    assert_eq!(found[0].concurrency.as_deref(), Some("1"));
}

#[test]
fn docker_entrypoint_script() {
    let (_t, root, found) = project(&[
        ("docker-entrypoint.sh", ENTRYPOINT),
        ("Dockerfile", ENTRYPOINT_DOCKERFILE),
    ]);
    let website = root.join("website");
    assert_eq!(
        only(&found),
        (
            Program::Worker,
            Some("proj"),
            Some("solo"),
            Some(website.as_path()),
            Source::Shell
        )
    );
    assert_eq!(found[0].line, 4);
}

#[test]
fn compose_service_with_working_dir() {
    let (_t, root, found) = project(&[("docker-compose.yml", COMPOSE), ("Dockerfile", DOCKERFILE)]);
    let website = root.join("website");
    assert_eq!(
        only(&found),
        (
            Program::Worker,
            Some("proj"),
            Some("solo"),
            Some(website.as_path()),
            Source::Compose
        )
    );
}

/// `celint .` in a project whose app sleeps 10 s in `worker_process_init`, with `files`: does a
/// solo pool silence CEL004?
fn solo_counts(files: &[(&str, &str)]) -> bool {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "pyproject.toml", "[project]\nname = \"site\"\n");
    write(dir.path(), "website/proj/__init__.py", "");
    write(dir.path(), "website/proj/celery.py", APP);
    for (rel, text) in files {
        write(dir.path(), rel, text);
    }
    let out = stdout(&celint_in(dir.path(), &["--output-format", "concise", "."]));
    match out.as_str() {
        "All checks passed!\n" => true,
        o if o.contains("CEL004") => false,
        other => panic!("unexpected output {other:?}"),
    }
}

#[test]
fn the_pool_of_each_kind_of_file_decides_cel004() {
    assert!(!solo_counts(&[]));
    assert!(solo_counts(&[(
        "deploy/supervisor/worker.conf",
        SUPERVISORD
    )]));
    assert!(solo_counts(&[("Makefile", MAKEFILE)]));
    assert!(solo_counts(&[("k8s/worker.yaml", DEPLOYMENT)]));
    assert!(solo_counts(&[("deploy/default/celeryd", CELERYD)]));
    assert!(solo_counts(&[
        ("docker-entrypoint.sh", ENTRYPOINT),
        ("Dockerfile", ENTRYPOINT_DOCKERFILE)
    ]));
    assert!(solo_counts(&[("docker-compose.yml", COMPOSE)]));
}

#[test]
fn dev_only_command_lines_in_skipped_places_do_not_count() {
    assert!(!solo_counts(&[("tests/Makefile", MAKEFILE)]));
    assert!(!solo_counts(&[("docs/deploy/worker.conf", SUPERVISORD)]));
    assert!(!solo_counts(&[("examples/k8s/worker.yaml", DEPLOYMENT)]));
    assert!(!solo_counts(&[("tests/docker-entrypoint.sh", ENTRYPOINT)]));
    // A Makefile's test target starts a worker for the tests, not the deployment.
    assert!(!solo_counts(&[(
        "Makefile",
        "test:\n\tcelery -A proj worker -P solo &\n\tpytest\n"
    )]));
    // Beat has no pool; a script without a shell's shebang is not a script.
    assert!(!solo_counts(&[(
        "Procfile",
        "beat: celery -A proj beat -P solo\n"
    )]));
    assert!(!solo_counts(&[(
        "start",
        "celery -A proj worker -P solo\n"
    )]));
}
