//! Dockerfiles, compose files, Kubernetes manifests and Helm charts, and inputs that must not
//! make the reading panic or hang.

use std::path::PathBuf;

use super::tests::{s, Project};
use super::{from_files, Command, Program, Source};

const DOCKERFILE: &str = "FROM python:3.12 AS base\n\
    ENV CELERY_APP=proj \\\n    PYTHONUNBUFFERED=1\n\
    WORKDIR /app\n\
    COPY requirements.txt .\n\
    COPY . .\n\
    \n\
    FROM base AS worker\n\
    WORKDIR /app/website\n\
    CMD celery worker -P ${POOL:-solo} -c 1\n\
    \n\
    FROM base AS beat\n\
    CMD [\"celery\", \"beat\"]\n";

#[test]
fn dockerfile_stages() {
    let (p, found) = Project::new(
        &[("Dockerfile", DOCKERFILE), ("requirements.txt", "celery\n")],
        &["website"],
    );
    assert_eq!(
        found,
        vec![
            Command {
                app: s("proj"),
                pool: s("solo"),
                concurrency: s("1"),
                workdir: Some(p.path("website")),
                ..p.at(
                    "Dockerfile",
                    10,
                    Source::Dockerfile,
                    Program::Worker,
                    "CMD celery worker -P ${POOL:-solo} -c 1"
                )
            },
            Command {
                app: s("proj"),
                workdir: Some(p.path("")),
                ..p.at(
                    "Dockerfile",
                    13,
                    Source::Dockerfile,
                    Program::Beat,
                    "CMD [\"celery\", \"beat\"]"
                )
            },
        ]
    );
}

#[test]
fn dockerfile_in_a_subdirectory_built_from_the_root() {
    // The sources of `COPY` are not beside the Dockerfile: the context is the project root.
    let dockerfile = "FROM python\nWORKDIR /code\nCOPY website /code\n\
        ENTRYPOINT [\"celery\", \"-A\", \"proj\"]\nCMD [\"worker\", \"--pool=threads\"]\n";
    let (p, found) = Project::new(&[("docker/worker/Dockerfile", dockerfile)], &["website"]);
    assert_eq!(
        found,
        vec![Command {
            app: s("proj"),
            pool: s("threads"),
            workdir: Some(p.path("website")),
            ..p.at(
                "docker/worker/Dockerfile",
                4,
                Source::Dockerfile,
                Program::Worker,
                "ENTRYPOINT [\"celery\", \"-A\", \"proj\"]; CMD [\"worker\", \"--pool=threads\"]"
            )
        }]
    );
}

#[test]
fn entrypoint_script_gets_the_images_directory_and_environment() {
    let dockerfile = "FROM python\nENV CELERY_APP=proj\nWORKDIR /app\nCOPY . .\n\
        COPY docker-entrypoint.sh /docker-entrypoint.sh\n\
        ENTRYPOINT [\"/docker-entrypoint.sh\"]\n";
    let script = "#!/bin/sh\nset -e\ncd website\nexec celery worker -P solo \"$@\"\n";
    let (p, found) = Project::new(
        &[("Dockerfile", dockerfile), ("docker-entrypoint.sh", script)],
        &["website"],
    );
    assert_eq!(
        found,
        vec![Command {
            app: s("proj"),
            pool: s("solo"),
            workdir: Some(p.path("website")),
            ..p.at(
                "docker-entrypoint.sh",
                4,
                Source::Shell,
                Program::Worker,
                "exec celery worker -P solo \"$@\""
            )
        }]
    );
}

#[test]
fn compose_services() {
    let compose = "x-app: &app\n\
        \x20 build: .\n\
        \x20 environment:\n\
        \x20   - CELERY_APP=proj\n\
        \x20   - POOL=${POOL:-threads}\n\
        services:\n\
        \x20 worker:\n\
        \x20   <<: *app\n\
        \x20   working_dir: /app/website\n\
        \x20   command: [\"celery\", \"worker\", \"-P\", \"${POOL:-threads}\", \"-Q\", \"a,b\"]\n\
        \x20 beat:\n\
        \x20   <<: *app\n\
        \x20   command: >\n\
        \x20     sh -c \"cd website &&\n\
        \x20     celery -A proj beat\"\n\
        \x20 flower:\n\
        \x20   image: mher/flower\n\
        \x20   working_dir: /data\n\
        \x20   entrypoint: celery\n\
        \x20   command:\n\
        \x20     - -A\n\
        \x20     - proj\n\
        \x20     - worker\n\
        \x20 dev:\n\
        \x20   image: python\n\
        \x20   volumes:\n\
        \x20     - ./website:/src\n\
        \x20   working_dir: /src\n\
        \x20   environment:\n\
        \x20     CELERY_APP: proj.celery:app\n\
        \x20   command: celery worker --pool solo\n";
    let dockerfile = "FROM python\nWORKDIR /app\nCOPY . .\n";
    let (p, found) = Project::new(
        &[("docker-compose.yml", compose), ("Dockerfile", dockerfile)],
        &["website"],
    );
    let at = |line, program, form| p.at("docker-compose.yml", line, Source::Compose, program, form);
    assert_eq!(
        found,
        vec![
            Command {
                app: s("proj"),
                pool: s("threads"),
                queues: vec!["a".into(), "b".into()],
                workdir: Some(p.path("website")),
                ..at(
                    10,
                    Program::Worker,
                    "command: [\"celery\", \"worker\", \"-P\", \"${POOL:-threads}\", \"-Q\", \"a,b\"]"
                )
            },
            Command {
                app: s("proj"),
                workdir: Some(p.path("website")),
                ..at(
                    13,
                    Program::Beat,
                    "command: sh -c \"cd website && celery -A proj beat\""
                )
            },
            Command {
                app: s("proj"),
                ..at(19, Program::Worker, "entrypoint: celery")
            },
            Command {
                app: s("proj.celery:app"),
                pool: s("solo"),
                workdir: Some(p.path("website")),
                ..at(31, Program::Worker, "command: celery worker --pool solo")
            },
        ]
    );
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\n\
    kind: Deployment\n\
    metadata:\n\
    \x20 name: worker\n\
    spec:\n\
    \x20 template:\n\
    \x20   spec:\n\
    \x20     initContainers:\n\
    \x20       - name: migrate\n\
    \x20         command: [\"python\", \"manage.py\", \"migrate\"]\n\
    \x20     containers:\n\
    \x20       - name: worker\n\
    \x20         image: \"{{ .Values.image }}\"\n\
    \x20         command: [\"celery\"]\n\
    \x20         args: [\"-A\", \"$(APP)\", \"worker\", \"-P\", \"gevent\", \"-c\", \"100\"]\n\
    \x20         workingDir: /app/website\n\
    \x20         env:\n\
    \x20           - name: APP\n\
    \x20             value: proj\n\
    \x20           - name: SECRET\n\
    \x20             valueFrom:\n\
    \x20               secretKeyRef: {name: s, key: k}\n\
    ---\n\
    apiVersion: batch/v1\n\
    kind: CronJob\n\
    spec:\n\
    \x20 jobTemplate:\n\
    \x20   spec:\n\
    \x20     template:\n\
    \x20       spec:\n\
    \x20         containers:\n\
    \x20         - name: beat\n\
    \x20           command:\n\
    \x20           - /bin/sh\n\
    \x20           - -c\n\
    \x20           - |\n\
    \x20             cd /app\n\
    \x20             exec celery --app proj beat\n";

#[test]
fn kubernetes_manifests() {
    let dockerfile = "FROM python\nWORKDIR /app\nCOPY . .\n";
    let (p, found) = Project::new(
        &[("k8s/worker.yaml", DEPLOYMENT), ("Dockerfile", dockerfile)],
        &["website"],
    );
    let at = |line, program, form| p.at("k8s/worker.yaml", line, Source::Kubernetes, program, form);
    assert_eq!(
        found,
        vec![
            Command {
                app: s("proj"),
                pool: s("gevent"),
                concurrency: s("100"),
                workdir: Some(p.path("website")),
                ..at(14, Program::Worker, "command: [\"celery\"]")
            },
            Command {
                app: s("proj"),
                workdir: Some(p.path("")),
                ..at(
                    33,
                    Program::Beat,
                    "command: [/bin/sh, -c, cd /app exec celery --app proj beat]"
                )
            },
        ]
    );
}

const CHART: &str = "{{- if .Values.worker.enabled }}\n\
    apiVersion: apps/v1\n\
    kind: Deployment\n\
    metadata:\n\
    \x20 name: {{ include \"chart.fullname\" . }}-worker\n\
    \x20 labels:\n\
    \x20   {{- include \"chart.labels\" . | nindent 4 }}\n\
    spec:\n\
    \x20 template:\n\
    \x20   spec:\n\
    \x20     containers:\n\
    \x20       - name: worker\n\
    \x20         args:\n\
    \x20           - celery\n\
    \x20           - --app={{ .Values.app }}\n\
    \x20           - worker\n\
    \x20           - --pool={{ .Values.worker.pool | default \"prefork\" }}\n\
    \x20           {{- with .Values.worker.queues }}\n\
    \x20           - -Q\n\
    \x20           - {{ join \",\" . }}\n\
    \x20           {{- end }}\n\
    \x20         env:\n\
    \x20           {{- toYaml .Values.env | nindent 12 }}\n\
    {{- end }}\n";

const HELM_FORM: &str = "args: [celery, --app={{ .Values.app }}, worker, --pool={{ .Values.worker.pool | default \"prefork\" }}, -Q, {{ join \",\" . }}]";

#[test]
fn helm_templates_are_read_around_their_directives() {
    let (p, found) = Project::new(&[("charts/proj/templates/worker.yaml", CHART)], &[]);
    assert_eq!(
        found,
        vec![Command {
            app: s("{{ .Values.app }}"),
            pool: s("{{ .Values.worker.pool | default \"prefork\" }}"),
            queues: vec!["{{ join \",\" . }}".into()],
            ..p.at(
                "charts/proj/templates/worker.yaml",
                13,
                Source::Kubernetes,
                Program::Worker,
                HELM_FORM
            )
        }]
    );
    assert!(super::is_unresolved(found[0].app.as_deref().unwrap()));
}

#[test]
fn helm_values_give_a_workers_command() {
    let values = "worker:\n  replicas: 2\n  command: celery -A proj worker -P solo\n  env:\n    CELERY_APP: ignored\n";
    let (p, found) = Project::new(&[("charts/proj/values.yaml", values)], &[]);
    assert_eq!(
        found,
        vec![Command {
            app: s("proj"),
            pool: s("solo"),
            ..p.at(
                "charts/proj/values.yaml",
                3,
                Source::Kubernetes,
                Program::Worker,
                "command: celery -A proj worker -P solo"
            )
        }]
    );
}

/// Text that breaks every reader's expectations: none may panic or hang.
#[test]
fn no_input_breaks_the_reading() {
    let nasty = [
        "",
        "\\",
        "'",
        "\"",
        "$",
        "${",
        "$(",
        "`",
        "celery",
        "celery -A",
        "celery worker -P",
        "celery multi",
        "celery multi start",
        "celery multi start w1 -c:1",
        "sh -c",
        "sh -c 'sh -c \"sh -c \\'sh -c celery worker\\'\"'",
        "- - - - -",
        "a: [",
        "a: {",
        "a: \"",
        "a: |",
        "command: [[[[",
        "  - \n- :\n:",
        "<<: *nope",
        "x: &a\n  <<: *a\n",
        "[program:",
        "[program:x]\ncommand=",
        "%(ENV_%(ENV_X)s",
        "FROM\nCMD\nENTRYPOINT [\nCOPY\nWORKDIR\nENV\nARG",
        "FROM a AS a\nFROM a AS a\nCMD celery worker",
        "\tcelery worker $(",
        "X=$(X)\n\tcelery $(X)",
        "cat <<",
        "${X:=${X:=${X:=${X:=${X:=${X}}}}}}",
        "\u{0}\u{feff}\r\n\t",
    ];
    let names = [
        "Procfile",
        "Dockerfile",
        "docker-compose.yml",
        "k8s.yaml",
        "celery.service",
        "start.sh",
        "celeryd",
        "supervisord.conf",
        "Makefile",
    ];
    let deep = format!("{}celery worker", "a:\n ".repeat(500));
    let long = format!("celery worker {}", "-Q x ".repeat(20_000));
    let mut inputs: Vec<String> = nasty.iter().map(|s| s.to_string()).collect();
    inputs.push(deep);
    inputs.push(long);
    inputs.push(nasty.join("\n"));
    let root = PathBuf::from("/nonexistent/proj");
    for name in names {
        for text in &inputs {
            let files = vec![(root.join(name), text.clone())];
            let _ = from_files(&files, std::slice::from_ref(&root));
        }
    }
}

/// Inputs that grow when read (aliases of aliases, doubling variables, many stages): bounded.
#[test]
fn growing_inputs_stay_bounded() {
    let mut laughs = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        laughs.push_str(&format!("a{i}: &a{i}\n"));
        for _ in 0..10 {
            laughs.push_str(&format!("  - *a{}\n", i - 1));
        }
    }
    laughs.push_str("command: celery worker\n");
    let mut doubling = String::from("#!/bin/sh\nA=celery\n");
    let mut make = String::from("A := x\n");
    for _ in 0..60 {
        doubling.push_str("A=\"$A $A\"\n");
        make.push_str("A := $(A)$(A)\n");
    }
    doubling.push_str(&"$A worker -P $A\n".repeat(2000));
    make.push_str(&"w:\n\tcelery worker -P $(A)\n".repeat(2000));
    let big = "x".repeat(60_000);
    let mut wide = format!("#!/bin/sh\nexport BIG={big}\n");
    wide.push_str(&"X=1 celery worker & sh -c 'celery beat'\n".repeat(20_000));
    let mut stages = String::from("FROM python AS s0\n");
    for i in 0..2000 {
        stages.push_str(&format!(
            "ENV V{i}={big}\nFROM s0 AS s{}\nCMD celery worker\n",
            i + 1
        ));
    }
    let root = PathBuf::from("/nonexistent/proj");
    let start = std::time::Instant::now();
    for (name, text) in [
        ("k8s.yaml", laughs),
        ("start.sh", doubling),
        ("Makefile", make),
        ("run.sh", wide),
        ("Dockerfile", stages),
    ] {
        let files = vec![(root.join(name), text)];
        let found = from_files(&files, std::slice::from_ref(&root));
        assert!(found.iter().all(|c| c.form.len() <= 1004), "{name}");
    }
    assert!(start.elapsed().as_secs() < 60, "{:?}", start.elapsed());
}
