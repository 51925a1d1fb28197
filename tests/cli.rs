//! The command line as users run it: exit statuses, and each output format compared in full
//! with a snapshot in tests/snapshots/ (regenerate with `UPDATE_SNAPSHOTS=1 cargo test`, then
//! review the diff).

mod common;

use std::process::Output;

use common::{snapshot, stderr, stdout};

/// celint run from the checkout, where the paths of these tests are.
fn celint(args: &[&str]) -> Output {
    common::celint_in(common::root(), args)
}

#[test]
fn full_output() {
    let o = celint(&["--output-format", "full", "examples/demo"]);
    assert_eq!(o.status.code(), Some(1));
    snapshot("demo.full.txt", &stdout(&o));
}

#[test]
fn concise_output() {
    let o = celint(&["--output-format", "concise", "examples/demo"]);
    assert_eq!(o.status.code(), Some(1));
    snapshot("demo.concise.txt", &stdout(&o));
}

#[test]
fn json_output() {
    let o = celint(&["--output-format", "json", "examples/demo"]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    snapshot("demo.json", &text);
    // And it is what it claims to be: a JSON array with Ruff's field names.
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let first = &v.as_array().unwrap()[0];
    for field in [
        "code",
        "name",
        "message",
        "severity",
        "filename",
        "location",
        "end_location",
        "fix",
        "url",
        "trace",
    ] {
        assert!(first.get(field).is_some(), "missing {field}");
    }
}

#[test]
fn default_format_off_a_terminal_is_concise() {
    let o = celint(&["examples/demo"]);
    assert_eq!(
        stdout(&o),
        stdout(&celint(&["--output-format", "concise", "examples/demo"]))
    );
}

#[test]
fn clean_code_exits_zero() {
    let o = celint(&["fixtures/clean"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "All checks passed!\n");
}

#[test]
fn exit_zero_keeps_zero_for_findings() {
    let o = celint(&["--exit-zero", "examples/demo"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("Found 5 problems"));
}

#[test]
fn select_and_ignore_take_codes_prefixes_and_names() {
    let o = celint(&[
        "--select",
        "CEL00",
        "--ignore",
        "CEL005,slow-process-init",
        "examples/demo",
    ]);
    let out = stdout(&o);
    assert!(!out.contains("CEL005") && !out.contains("CEL004"), "{out}");
    assert!(
        out.contains("CEL002") && out.contains("CEL006") && out.contains("CEL008"),
        "{out}"
    );
    let o = celint(&["--select", "exit-after-blocking-init", "examples/demo"]);
    assert_eq!(
        stdout(&o).lines().filter(|l| l.contains(": CEL")).count(),
        1
    );
}

#[test]
fn unknown_selector_is_a_usage_error() {
    let o = celint(&["--select", "E501", "examples/demo"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown rule selector `E501`"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty());
}

#[test]
fn bad_flag_is_a_usage_error() {
    let o = celint(&["--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn missing_path_is_reported_and_the_rest_is_linted() {
    let o = celint(&["no/such/dir", "fixtures/seed/case2_exit.py"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read `no/such/dir`: no such file or directory"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("fixtures/seed/case2_exit.py:16:5: CEL003"));
}

#[test]
fn explain_prints_the_rule_document() {
    let o = celint(&["--explain", "shutdown-before-ready"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), celint::rules::Rule::ShutdownBeforeReady.doc());
    let o = celint(&["--explain", "CEL999"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn version() {
    let o = celint(&["--version"]);
    assert_eq!(
        stdout(&o),
        format!("celint {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn proc_alive_timeout_override() {
    // 4.5 s of warm-up: under a 10 s timeout it is no longer CEL004.
    let o = celint(&[
        "--proc-alive-timeout",
        "10",
        "--select",
        "CEL004",
        "examples/demo",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = celint(&["--proc-alive-timeout", "-1", "examples/demo"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn blocking_call_flag_adds_to_the_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("w.py");
    std::fs::write(
        &file,
        "import mylib\nfrom celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    mylib.slow_setup()\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    assert_eq!(celint(&[f]).status.code(), Some(0));
    let o = celint(&["--blocking-call", "mylib.slow_setup", f]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains(":7:5: CEL005 Blocking call `mylib.slow_setup` without a timeout"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_file_given_from_inside_its_package_still_follows_its_imports() {
    let dir = common::root().join("fixtures/CEL002/helper_chain/proj");
    let o = common::celint_in(&dir, &["worker.py"]);
    let out = stdout(&o);
    // Found in checks.py and ml.py, reported at the calls in the given file that lead there.
    assert!(out.starts_with("worker.py:11:5: CEL002 "), "{out}");
    assert!(out.contains("worker.py:10:14: CEL005 "), "{out}");
}

#[test]
fn explain_call_prints_the_catalogue_entry_or_says_it_knows_nothing() {
    let o = celint(&["--explain-call", "psycopg2.connect"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "`psycopg2.connect`: catalogue entry `psycopg2.connect`\nkind: database connection\ntimeout: bounded by `connect_timeout=` or `connect_timeout=` in the connection string; unbounded without it\nopens a connection: yes\nreason: libpq waits for the server indefinitely unless `connect_timeout` is set\nreference: https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNECT-CONNECT-TIMEOUT\n");
    let o = celint(&["--explain-call", "transformers.AutoModel.from_pretrained"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "`transformers.AutoModel.from_pretrained`: catalogue entry `*.from_pretrained`\nkind: model loading\ntimeout: none: its duration is unknown\nopens a connection: no\nreason: Hugging Face style loaders (transformers, diffusers, peft, ...): download when not cached, then load\nreference: https://huggingface.co/docs/transformers/main_classes/model#transformers.PreTrainedModel.from_pretrained\n");
    let o = celint(&["--explain-call", "ultralytics.YOLOWorld"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "`ultralytics.YOLOWorld`: no catalogue entry; the model-load heuristic applies\nkind: model loading, when an argument is a constant string naming a weights file (.pt, .pth, .onnx, .safetensors, .ckpt, .bin, .h5) or a model-hub id (`org/name`); otherwise not counted\ntimeout: none: its duration is unknown\nopens a connection: no\nreason: a call into an ML library that names a weights file or a model-hub id loads (and may first download) a model\nreference: the [heuristic] table of celint's blocking-call catalogue (crates/celint_catalog/src/blocking.toml)\n");
    // A save in a listed package is outside the heuristic.
    let o = celint(&["--explain-call", "torch.save"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "`torch.save`: not in the catalogue; celint does not treat it as blocking (add it with `--blocking-call` or a `blocking-calls` entry)\n");
    let o = celint(&["--explain-call", "redis.Redis.from_url"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "`redis.Redis.from_url`: not in the catalogue; celint does not treat it as blocking (add it with `--blocking-call` or a `blocking-calls` entry)\n");
}

/// CEL010 and CEL011 in full, from fixtures linted alone as a user's project: the message
/// (what opens, when the main process runs it, which global the children read and where), the
/// trace from a main-process handler, and the fix's advice.
#[test]
fn fork_safety_output() {
    for (fixture, name) in [
        (
            "fixtures/CEL010/worker_init_handlers.py",
            "fork.cel010.full.txt",
        ),
        (
            "fixtures/CEL011/thread_subclass_in_worker_init.py",
            "fork.cel011.full.txt",
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = std::path::Path::new(fixture)
            .file_name()
            .expect("a file name");
        std::fs::copy(common::root().join(fixture), dir.path().join(file)).expect("copy");
        let o = common::celint_in(dir.path(), &["--isolated", "--output-format", "full", "."]);
        assert_eq!(o.status.code(), Some(1), "{fixture}");
        snapshot(name, &stdout(&o));
    }
}

/// CEL012 to CEL014 in full, from fixtures linted alone as a user's project: the message, the
/// notes (what Celery sends, the start-up order, the worker's entry) and the fixes shown.
#[test]
fn never_running_handlers_output() {
    full_output_snapshots(&[
        ("fixtures/CEL012/task_signal_senders.py", "cel012.full.txt"),
        (
            "fixtures/CEL012/publish_senders.py",
            "cel012.publish.full.txt",
        ),
        (
            "fixtures/CEL013/periodic_in_tasks_module",
            "cel013.full.txt",
        ),
        (
            "fixtures/CEL013/unreached_module",
            "cel013.unreached.full.txt",
        ),
        (
            "fixtures/CEL013/heartbeat_late.py",
            "cel013.heartbeat.full.txt",
        ),
        ("fixtures/CEL014/required_parameters.py", "cel014.full.txt"),
        (
            "fixtures/CEL014/task_as_receiver.py",
            "cel014.task.full.txt",
        ),
    ]);
}

/// CEL015-CEL018's full output: messages, notes, traces and fixes, compared in full.
#[test]
fn silently_failing_handlers_output() {
    full_output_snapshots(&[
        ("fixtures/CEL015/publish_handlers.py", "cel015.full.txt"),
        ("fixtures/CEL016/takeover", "cel016.full.txt"),
        ("fixtures/CEL016/options_ignored", "cel016.options.full.txt"),
        (
            "fixtures/CEL017/main_process_handlers.py",
            "cel017.full.txt",
        ),
        ("fixtures/CEL018/main_process_request.py", "cel018.full.txt"),
    ]);
}

/// The findings whose truth depends on the Celery version: the same handlers under five pins,
/// and a range that straddles a change (reported, saying on which versions it holds).
#[test]
fn version_dependent_findings_output() {
    full_output_snapshots(&[
        ("fixtures/versions/facts_3_1", "versions.facts-3.1.txt"),
        ("fixtures/versions/facts_4_0", "versions.facts-4.0.txt"),
        ("fixtures/versions/facts_4_3", "versions.facts-4.3.txt"),
        ("fixtures/versions/facts_5_5", "versions.facts-5.5.txt"),
        ("fixtures/versions/facts_5_7", "versions.facts-5.7.txt"),
        ("fixtures/versions/straddle", "versions.straddle.txt"),
    ]);
}

/// `--show-worker` names each worker's Celery and where it came from, and lists the
/// sub-projects that declare different ones.
#[test]
fn show_worker_names_the_celery_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write(dir.path(), "legacy/requirements.txt", "celery==3.1.25\n");
    common::write(
        dir.path(),
        "legacy/proj/celery.py",
        "from celery import Celery\n\napp = Celery('legacy')\n",
    );
    common::write(
        dir.path(),
        "legacy/Procfile",
        "worker: celery -A proj worker\n",
    );
    common::write(
        dir.path(),
        "new/pyproject.toml",
        "[tool.poetry.dependencies]\ncelery = { version = \"^5.3\", extras = [\"redis\"] }\n",
    );
    common::write(
        dir.path(),
        "new/shop/celery.py",
        "from celery import Celery\n\napp = Celery('shop')\n",
    );
    common::write(
        dir.path(),
        "new/Procfile",
        "worker: celery -A shop worker\n",
    );
    let o = common::celint_in(dir.path(), &["--isolated", "--show-worker", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let celery: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.contains("celery:")
                || l.starts_with("Celery")
                || l.starts_with("  legacy:")
                || l.starts_with("  new:")
        })
        .collect();
    assert_eq!(
        celery,
        [
            "  celery: 3.1 (legacy/requirements.txt:1: `celery==3.1.25`)",
            "  celery: 5.3 to 5.7 (new/pyproject.toml:2: `celery = \"^5.3\"`)",
            "Celery, by the directory that declares it:",
            "  legacy: 3.1 (legacy/requirements.txt:1: `celery==3.1.25`)",
            "  new: 5.3 to 5.7 (new/pyproject.toml:2: `celery = \"^5.3\"`)",
        ],
        "{text}"
    );
}

/// `--celery-version` and `celery-version` in the configuration stand in for the dependency
/// files; a value that is no version is refused with exit status 2.
#[test]
fn celery_version_given_to_celint() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write(dir.path(), "requirements.txt", "celery==3.1.25\n");
    common::write(
        dir.path(),
        "signals.py",
        "from celery.signals import before_task_publish\n\n\n@before_task_publish.connect\ndef record(body=None, **kwargs):\n    print(body['id'])\n",
    );
    let run = |args: &[&str]| {
        let mut all = vec!["--isolated", "--output-format", "concise"];
        all.extend_from_slice(args);
        all.push(".");
        common::celint_in(dir.path(), &all)
    };
    // Celery 3.1 publishes with protocol 1: nothing to report.
    assert_eq!(run(&[]).status.code(), Some(0));
    let o = run(&["--celery-version", "5.5"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("signals.py:6:11: CEL015"),
        "{}",
        stdout(&o)
    );
    let o = run(&["--celery-version", ">=3.1,<5"]);
    assert!(
        stdout(&o).contains("under message protocol 2 (on Celery 4.0 to 4.4 only)"),
        "{}",
        stdout(&o)
    );
    let o = run(&["--celery-version", "latest"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`latest` is not a Celery version or version specifier"),
        "{}",
        stderr(&o)
    );
    // The configuration's key, without --isolated.
    common::write(dir.path(), "celint.toml", "celery-version = \"5.7\"\n");
    let o = common::celint_in(dir.path(), &["--output-format", "concise", "."]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    common::write(dir.path(), "celint.toml", "celery-version = \"five\"\n");
    let o = common::celint_in(dir.path(), &["--output-format", "concise", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("celery-version"), "{}", stderr(&o));
}

/// Each fixture copied alone into a directory of its own, linted there with the full output,
/// and the output compared with its snapshot.
fn full_output_snapshots(cases: &[(&str, &str)]) {
    fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
        if from.is_dir() {
            std::fs::create_dir_all(to).expect("mkdir");
            for e in std::fs::read_dir(from).expect("read_dir").flatten() {
                copy_tree(&e.path(), &to.join(e.file_name()));
            }
        } else {
            std::fs::copy(from, to).expect("copy");
        }
    }
    for (fixture, name) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let from = common::root().join(fixture);
        let file = from.file_name().expect("a file name");
        copy_tree(&from, &dir.path().join(file));
        let o = common::celint_in(dir.path(), &["--isolated", "--output-format", "full", "."]);
        assert_eq!(o.status.code(), Some(1), "{fixture}");
        snapshot(name, &stdout(&o));
    }
}

/// CEL005's advice fits the call: a timeout for a call that takes one, lazy initialisation
/// for a model load, which takes none.
#[test]
fn unbounded_work_advice_fits_the_call() {
    let d = tempfile::tempdir().unwrap();
    common::write(
        d.path(),
        "w.py",
        "import requests\nimport torch\nfrom celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    requests.get(\"http://model-store/m\")\n    torch.load(\"model.pt\")\n",
    );
    let o = common::celint_in(d.path(), &["--output-format", "json", "w.py"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let advice: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fix"]["message"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        advice,
        [
            "Bound it with `timeout=` well under 4 s, or initialise lazily on first use",
            "Initialise lazily on first use in the child: this call takes no timeout",
        ]
    );
}
