//! The engine kept between checks: after any sequence of edits (buffers set and removed, files
//! written, created and deleted on disk, a dependency file changed), a check gives exactly
//! what a fresh engine gives on the final texts.

use std::path::{Path, PathBuf};

use celint::{Engine, Report, Settings};
use proptest::prelude::*;

/// The project's files, each with the texts an edit may give it (the first is the initial one;
/// `None` stands for "absent").
const FILES: &[(&str, &[Option<&str>])] = &[
    (
        "proj/celery.py",
        &[
            Some("from celery import Celery\napp = Celery('proj')\napp.config_from_object('proj.settings')\n"),
            Some("from celery import Celery\napp = Celery('proj')\n"),
        ],
    ),
    (
        "proj/settings.py",
        &[
            Some("worker_proc_alive_timeout = 15\nbroker_url = 'redis://'\n"),
            Some("broker_url = 'redis://'\n"),
            Some("worker_proc_alive_timeout = 2\n"),
        ],
    ),
    (
        "proj/handlers.py",
        &[
            Some(HANDLERS),
            Some("from celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef init(**kwargs):\n    pass\n"),
            Some("from celery.signals import worker_ready\nfrom proj import helpers\n\n\n@worker_ready.connect\ndef ready(**kwargs):\n    helpers.setup()\n"),
            Some("def broken(:\n    from celery.signals import worker_init\n"),
        ],
    ),
    (
        "proj/helpers.py",
        &[
            Some("from proj import deep\n\n\ndef setup():\n    deep.work()\n"),
            Some("def setup():\n    pass\n"),
            Some("import time\n\n\ndef setup():\n    time.sleep(30)\n"),
        ],
    ),
    (
        "proj/deep.py",
        &[
            Some("import time\n\nfrom proj.celery import app\n\n\ndef work():\n    time.sleep(10)\n    app.control.shutdown()\n"),
            Some("def work():\n    pass\n"),
            Some("import sys\n\n\ndef work():\n    sys.exit(1)\n"),
            None,
        ],
    ),
    (
        "proj/sigs.py",
        &[
            Some("from celery.signals import worker_process_init as WPI\n"),
            Some("WPI = None\n"),
        ],
    ),
    (
        "proj/aliased.py",
        &[
            Some("import time\n\nfrom proj.sigs import WPI\n\n\n@WPI.connect\ndef slow(**kwargs):\n    time.sleep(20)\n"),
            Some("from proj.sigs import WPI\n\n\n@WPI.connect\ndef quick(**kwargs):\n    pass  # noqa: CEL004\n"),
            None,
        ],
    ),
    (
        "proj/new_handlers.py",
        &[
            None,
            Some("import requests\nfrom celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef fetch(**kwargs):\n    requests.get('http://x')\n"),
        ],
    ),
    (
        "requirements.txt",
        &[Some("celery==5.5.3\n"), Some("celery==3.1.25\n"), Some("celery>=4\n")],
    ),
    (
        "Procfile",
        &[None, Some("worker: celery -A proj worker -P threads\n")],
    ),
];

const HANDLERS: &str = "from celery.signals import worker_process_init, worker_init\nfrom proj import helpers\n\n\n@worker_process_init.connect\ndef init(**kwargs):\n    helpers.setup()\n\n\n@worker_init.connect\ndef started(sender, **kwargs):\n    body = kwargs['body']\n";

#[derive(Clone, Debug)]
enum Op {
    /// An editor's buffer for the file.
    SetText(usize, usize),
    /// The buffer closed.
    RemoveText(usize),
    /// The file written (or deleted, for an absent variant) on disk, and the engine told.
    Disk(usize, usize),
    /// A check in between (what it keeps must not leak into the next).
    Check,
}

fn op() -> impl Strategy<Value = Op> {
    let file = 0..FILES.len();
    prop_oneof![
        (file.clone(), 0usize..4).prop_map(|(f, v)| Op::SetText(f, v)),
        file.clone().prop_map(Op::RemoveText),
        (file, 0usize..4).prop_map(|(f, v)| Op::Disk(f, v)),
        Just(Op::Check),
    ]
}

fn variant(f: usize, v: usize) -> Option<&'static str> {
    let variants = FILES[f].1;
    variants[v % variants.len()]
}

fn write_disk(root: &Path, f: usize, v: usize) {
    let path = root.join(FILES[f].0);
    match variant(f, v) {
        Some(text) => {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
        }
        None => {
            let _ = std::fs::remove_file(&path);
        }
    }
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[project]\nname = \"p\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("proj")).unwrap();
    std::fs::write(dir.path().join("proj/__init__.py"), "").unwrap();
    for f in 0..FILES.len() {
        write_disk(dir.path(), f, 0);
    }
    dir
}

fn settings(root: &Path) -> Settings {
    let mut s = Settings::new(vec![root.to_path_buf()]);
    s.whole_project = true;
    s.threads = Some(2);
    s
}

/// Everything a report says, as text (the modules behind the findings aside).
fn described(report: &Report) -> Vec<String> {
    let mut out: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| {
            let trace: Vec<String> = d
                .trace
                .iter()
                .map(|t| format!("{}@{:?}: {}", t.file.display, t.span, t.note))
                .collect();
            format!(
                "{} {}@{:?} {} | {:?} | {:?} | fix: {:?}",
                d.rule.code(),
                d.file.display,
                d.span,
                d.message,
                d.notes,
                trace,
                d.fix.as_ref().map(|f| (&f.edits, f.applicability))
            )
        })
        .collect();
    out.extend(
        report
            .errors
            .iter()
            .map(|e| format!("error {}: {}", e.path, e.message)),
    );
    out.push(format!("files: {}", report.files));
    out.sort();
    out
}

/// A fresh engine on the same disk, with the same buffers.
fn cold(root: &Path, buffers: &[(PathBuf, String)]) -> Vec<String> {
    let mut engine = Engine::new(settings(root));
    for (path, text) in buffers {
        engine.set_text(path, text.clone());
    }
    described(&engine.check())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn edits_then_check_is_a_cold_check(ops in prop::collection::vec(op(), 1..10)) {
        let dir = project();
        let root = dir.path();
        let mut engine = Engine::new(settings(root));
        engine.check();
        for op in &ops {
            match *op {
                Op::SetText(f, v) => {
                    if let Some(text) = variant(f, v) {
                        engine.set_text(&root.join(FILES[f].0), text.to_string());
                    }
                }
                Op::RemoveText(f) => engine.remove_text(&root.join(FILES[f].0)),
                Op::Disk(f, v) => {
                    write_disk(root, f, v);
                    engine.changed_on_disk(&root.join(FILES[f].0));
                }
                Op::Check => {
                    engine.check();
                }
            }
        }
        let warm = described(&engine.check());
        let buffers: Vec<(PathBuf, String)> = engine
            .overlay()
            .iter()
            .map(|(p, t)| (p.clone(), t.clone()))
            .collect();
        prop_assert_eq!(warm, cold(root, &buffers), "after {:?}", ops);
    }
}

/// The starting project has findings, so that the property compares something.
#[test]
fn the_project_has_findings_that_edits_change() {
    let dir = project();
    let root = dir.path();
    let mut engine = Engine::new(settings(root));
    let first = described(&engine.check());
    assert!(first.iter().any(|d| d.starts_with("CEL001")), "{first:#?}");
    // Through the signal alias of a deferred file.
    assert!(
        first
            .iter()
            .any(|d| d.starts_with("CEL004") && d.contains("aliased.py")),
        "{first:#?}"
    );
    // A helper two calls deep loses its shutdown: the handler's findings change.
    engine.set_text(&root.join("proj/deep.py"), "def work():\n    pass\n".into());
    let second = described(&engine.check());
    assert!(
        !second.iter().any(|d| d.starts_with("CEL001")),
        "{second:#?}"
    );
    assert_eq!(
        second,
        cold(
            root,
            &[(root.join("proj/deep.py"), "def work():\n    pass\n".into())]
        )
    );
}
