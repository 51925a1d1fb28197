//! Each kind of file and each form of command line, with every field of the `Command`s found.

use std::path::PathBuf;

use super::{from_files, is_command_file, Command, Program, Source};

/// A project at `<tmp>/proj` holding `files` (and the directories `dirs`), and the commands
/// found in it.
pub(super) struct Project {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Project {
    pub(super) fn new(files: &[(&str, &str)], dirs: &[&str]) -> (Project, Vec<Command>) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap().join("proj");
        std::fs::create_dir_all(&root).unwrap();
        for d in dirs {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let mut texts = Vec::new();
        for (rel, text) in files {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text).unwrap();
            texts.push((p, text.to_string()));
        }
        texts.sort();
        let found = from_files(&texts, std::slice::from_ref(&root));
        (Project { _tmp: tmp, root }, found)
    }

    pub(super) fn path(&self, rel: &str) -> PathBuf {
        if rel.is_empty() {
            self.root.clone()
        } else {
            self.root.join(rel)
        }
    }

    /// A command with nothing but its place, program and form; the test adds the rest.
    pub(super) fn at(
        &self,
        file: &str,
        line: usize,
        source: Source,
        program: Program,
        form: &str,
    ) -> Command {
        Command {
            program,
            app: None,
            pool: None,
            queues: Vec::new(),
            concurrency: None,
            node: None,
            workdir: None,
            file: self.path(file),
            line,
            form: form.to_string(),
            source,
        }
    }
}

pub(super) fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

#[test]
fn file_names() {
    for yes in [
        "Procfile",
        "Procfile.dev",
        "Dockerfile",
        "Dockerfile.worker",
        "worker.dockerfile",
        "Containerfile",
        "docker-compose.yml",
        "compose.yaml",
        "deployment.yaml",
        "values.yml",
        "celery.service",
        "Makefile",
        "makefile",
        "GNUmakefile",
        "rules.mk",
        "entrypoint.sh",
        "docker-entrypoint.sh",
        "docker-entrypoint",
        "entrypoint",
        "start",
        "start-worker",
        "run_celery",
        "celeryd",
        "celerybeat",
        "celery",
        "celeryd.conf",
        "worker.celeryd",
        "supervisord.conf",
        "celery.ini",
    ] {
        assert!(is_command_file(yes), "{yes}");
    }
    for no in [
        "celery.py",
        "entrypoint.py",
        "run.py",
        "start.py",
        "README.md",
        "pyproject.toml",
        "setup.cfg",
        "requirements.txt",
    ] {
        assert!(!is_command_file(no), "{no}");
    }
}

#[test]
fn procfile() {
    let (p, found) = Project::new(
        &[(
            "Procfile",
            "web: gunicorn proj.wsgi\n\
             worker: cd website && celery -A proj worker -P solo -Q a,b -c 2 -n w@%h\n\
             beat: python -m celery --app=proj beat\n\
             # old: celery worker\n",
        )],
        &["website"],
    );
    assert_eq!(
        found,
        vec![
            Command {
                app: s("proj"),
                pool: s("solo"),
                queues: vec!["a".into(), "b".into()],
                concurrency: s("2"),
                node: s("w@%h"),
                workdir: Some(p.path("website")),
                ..p.at(
                    "Procfile",
                    2,
                    Source::Procfile,
                    Program::Worker,
                    "worker: cd website && celery -A proj worker -P solo -Q a,b -c 2 -n w@%h"
                )
            },
            Command {
                app: s("proj"),
                workdir: Some(p.path("")),
                ..p.at(
                    "Procfile",
                    3,
                    Source::Procfile,
                    Program::Beat,
                    "beat: python -m celery --app=proj beat"
                )
            },
        ]
    );
}

#[test]
fn shell_script_forms() {
    let script = "#!/usr/bin/env bash\n\
        set -euo pipefail\n\
        : \"${CELERY_APP:=proj.celery:app}\"\n\
        export POOL=gevent\n\
        if [ \"$1\" = worker ]; then\n\
          exec gosu app celery -A \"$CELERY_APP\" worker --pool \"$POOL\" \\\n\
            --queues=high,low\n\
        fi\n\
        su-exec app uv run celery worker -Aproj -Peventlet\n\
        pipenv run celery --app proj worker\n\
        watchmedo auto-restart -d . -p '*.py' -- celery -A ${APP:-fallback} worker -P solo\n\
        echo \"celery -A proj worker -P threads\"\n\
        cat <<EOF > /tmp/x\n\
        celery -A nope worker\n\
        EOF\n\
        cd \"$(dirname \"$0\")/..\" && celery -A proj beat\n";
    let (p, found) = Project::new(&[("scripts/start", script)], &[]);
    let at = |line, program, form| p.at("scripts/start", line, Source::Shell, program, form);
    assert_eq!(
        found,
        vec![
            Command {
                app: s("proj.celery:app"),
                pool: s("gevent"),
                queues: vec!["high".into(), "low".into()],
                ..at(
                    6,
                    Program::Worker,
                    "exec gosu app celery -A \"$CELERY_APP\" worker --pool \"$POOL\" --queues=high,low"
                )
            },
            Command {
                app: s("proj"),
                pool: s("eventlet"),
                ..at(9, Program::Worker, "su-exec app uv run celery worker -Aproj -Peventlet")
            },
            Command {
                app: s("proj"),
                ..at(10, Program::Worker, "pipenv run celery --app proj worker")
            },
            Command {
                app: s("fallback"),
                pool: s("solo"),
                ..at(
                    11,
                    Program::Worker,
                    "watchmedo auto-restart -d . -p '*.py' -- celery -A ${APP:-fallback} worker -P solo"
                )
            },
            Command {
                app: s("proj"),
                workdir: Some(p.path("")),
                ..at(
                    16,
                    Program::Beat,
                    "cd \"$(dirname \"$0\")/..\" && celery -A proj beat"
                )
            },
        ]
    );
}

#[test]
fn scripts_need_a_shell_shebang_unless_named_sh() {
    let (p, found) = Project::new(
        &[
            ("start-web", "gunicorn x\ncelery -A proj worker -P solo\n"),
            ("run", "#!/usr/bin/python3\ncelery -A proj worker\n"),
            ("bin/worker.sh", "cd website; celery -A proj worker\n"),
        ],
        &["website"],
    );
    assert_eq!(
        found,
        vec![Command {
            app: s("proj"),
            // A relative `cd` from an unknown directory: looked for from the script's, then
            // from the project root.
            workdir: Some(p.path("website")),
            ..p.at(
                "bin/worker.sh",
                1,
                Source::Shell,
                Program::Worker,
                "cd website; celery -A proj worker"
            )
        }]
    );
}

#[test]
fn a_worker_script_without_extension_needs_its_shebang() {
    let (p, found) = Project::new(
        &[
            (
                "docker/commands/worker",
                "#!/bin/bash
set -e
exec celery -A proj.task worker -l info
",
            ),
            (
                "notes/worker-howto",
                "celery -A proj worker -P solo
",
            ),
        ],
        &[],
    );
    assert_eq!(
        found,
        vec![Command {
            app: s("proj.task"),
            ..p.at(
                "docker/commands/worker",
                3,
                Source::Shell,
                Program::Worker,
                "exec celery -A proj.task worker -l info"
            )
        }]
    );
}

#[test]
fn makefile() {
    let (p, found) = Project::new(
        &[(
            "Makefile",
            "APP := proj\nexport CELERY_APP = proj.celery\nOPTS = -P solo\n\n\
             .PHONY: worker\nworker:\n\t@cd website && celery -A $(APP) worker $(OPTS)\n\
             beat: deps\n\tcd website; \\\n\t  celery beat\n\n\
             test-worker:\n\tcelery -A proj worker -P threads\n",
        )],
        &["website"],
    );
    assert_eq!(
        found,
        vec![
            Command {
                app: s("proj"),
                pool: s("solo"),
                workdir: Some(p.path("website")),
                ..p.at(
                    "Makefile",
                    7,
                    Source::Makefile,
                    Program::Worker,
                    "cd website && celery -A $(APP) worker $(OPTS)"
                )
            },
            Command {
                app: s("proj.celery"),
                workdir: Some(p.path("website")),
                ..p.at(
                    "Makefile",
                    9,
                    Source::Makefile,
                    Program::Beat,
                    "cd website; celery beat"
                )
            },
        ]
    );
}

#[test]
fn supervisord() {
    let conf = "[supervisord]\nnodaemon=true\n\n\
        [program:celery]\n\
        command=/srv/venv/bin/celery -A proj worker -P solo -Q default\n\
        \x20   --concurrency=1\n\
        directory=/srv/proj/website\n\
        environment=DJANGO_SETTINGS_MODULE=\"proj.settings\",CELERY_APP=\"ignored\"\n\n\
        [program:beat]\n\
        command=bash -c \"cd %(here)s/../website && celery beat\"\n\
        environment=CELERY_APP=proj\n";
    let (p, found) = Project::new(&[("deploy/supervisor/celery.conf", conf)], &["website"]);
    let at = |line, program, form| {
        p.at(
            "deploy/supervisor/celery.conf",
            line,
            Source::Supervisord,
            program,
            form,
        )
    };
    assert_eq!(
        found,
        vec![
            Command {
                app: s("proj"),
                pool: s("solo"),
                queues: vec!["default".into()],
                concurrency: s("1"),
                workdir: Some(p.path("website")),
                ..at(
                    5,
                    Program::Worker,
                    "command=/srv/venv/bin/celery -A proj worker -P solo -Q default --concurrency=1"
                )
            },
            Command {
                app: s("proj"),
                workdir: Some(p.path("website")),
                ..at(
                    11,
                    Program::Beat,
                    "command=bash -c \"cd %(here)s/../website && celery beat\""
                )
            },
        ]
    );
}

#[test]
fn celeryd_configuration() {
    let conf = "# Names of nodes to start\n\
        CELERYD_NODES=\"w1 w2\"\n\
        CELERY_BIN=\"/srv/venv/bin/celery\"\n\
        CELERY_APP=\"proj\"\n\
        CELERYD_CHDIR=\"/srv/proj/website/\"\n\
        CELERYD_OPTS=\"--time-limit=300 --concurrency=8 -P solo\"\n\
        CELERYBEAT_OPTS=\"--schedule=/var/run/celery/celerybeat-schedule\"\n\
        CELERY_CREATE_DIRS=1\n";
    let (p, found) = Project::new(&[("deploy/default/celeryd", conf)], &["website"]);
    let form = "CELERYD_NODES=\"w1 w2\"; CELERY_BIN=\"/srv/venv/bin/celery\"; \
        CELERY_APP=\"proj\"; CELERYD_CHDIR=\"/srv/proj/website/\"; \
        CELERYD_OPTS=\"--time-limit=300 --concurrency=8 -P solo\"";
    let beat_form = "CELERY_BIN=\"/srv/venv/bin/celery\"; CELERY_APP=\"proj\"; \
        CELERYBEAT_OPTS=\"--schedule=/var/run/celery/celerybeat-schedule\"";
    let file = "deploy/default/celeryd";
    assert_eq!(
        found,
        vec![
            Command {
                app: s("proj"),
                pool: s("solo"),
                concurrency: s("8"),
                node: s("w1 w2"),
                workdir: Some(p.path("website")),
                ..p.at(file, 2, Source::Celeryd, Program::Multi, form)
            },
            Command {
                app: s("proj"),
                workdir: Some(p.path("website")),
                ..p.at(file, 3, Source::Celeryd, Program::Beat, beat_form)
            },
        ]
    );
}

#[test]
fn systemd_with_celerys_environment_file() {
    let unit = "[Unit]\nDescription=Celery Service\n\n[Service]\nType=forking\n\
        EnvironmentFile=/etc/conf.d/celery\n\
        WorkingDirectory=/opt/proj\n\
        ExecStart=/bin/sh -c '${CELERY_BIN} -A $CELERY_APP multi start $CELERYD_NODES \\\n\
        \x20   --pidfile=${CELERYD_PID_FILE} --logfile=${CELERYD_LOG_FILE} \\\n\
        \x20   --loglevel=\"${CELERYD_LOG_LEVEL}\" $CELERYD_OPTS'\n\
        ExecStop=/bin/sh -c '${CELERY_BIN} multi stopwait $CELERYD_NODES'\n";
    let conf = "CELERYD_NODES=\"w1\"\nCELERY_BIN=\"/usr/local/bin/celery\"\nCELERY_APP=\"proj\"\n\
        CELERYD_MULTI=\"multi\"\nCELERYD_OPTS=\"--time-limit=300 --concurrency=8\"\n";
    let (p, found) = Project::new(
        &[
            ("deploy/systemd/celery.service", unit),
            ("deploy/conf.d/celery", conf),
        ],
        &[],
    );
    assert_eq!(
        found,
        vec![Command {
            app: s("proj"),
            concurrency: s("8"),
            node: s("w1"),
            workdir: Some(p.path("")),
            ..p.at(
                "deploy/systemd/celery.service",
                8,
                Source::Systemd,
                Program::Multi,
                "ExecStart=/bin/sh -c '${CELERY_BIN} -A $CELERY_APP multi start $CELERYD_NODES \
                 --pidfile=${CELERYD_PID_FILE} --logfile=${CELERYD_LOG_FILE} \
                 --loglevel=\"${CELERYD_LOG_LEVEL}\" $CELERYD_OPTS'"
            )
        }]
    );
}

#[test]
fn systemd_environment_and_workdir() {
    let unit = "[Service]\nEnvironment=\"CELERY_APP=proj\" POOL=threads\n\
        WorkingDirectory=/home/deploy/proj/website\n\
        ExecStart=/srv/venv/bin/celery worker --pool=${POOL} -Q q1\n";
    let (p, found) = Project::new(&[("celery-worker.service", unit)], &["website"]);
    assert_eq!(
        found,
        vec![Command {
            app: s("proj"),
            pool: s("threads"),
            queues: vec!["q1".into()],
            workdir: Some(p.path("website")),
            ..p.at(
                "celery-worker.service",
                4,
                Source::Systemd,
                Program::Worker,
                "ExecStart=/srv/venv/bin/celery worker --pool=${POOL} -Q q1"
            )
        }]
    );
}
