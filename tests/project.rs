//! Project mode: any paths are linted with the whole project behind them (a helper given alone
//! is reported through the handler that reaches it), paths printed in one form, and
//! fingerprints that do not depend on where celint runs from.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn celint_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_celint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("celint runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo")
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const CEL002: &str = "CEL002 `sys.exit(\"not enough disk space\")` after blocking work in `worker_process_init`: an endless exit loop";
const UNSAFE_HIDDEN: &str =
    "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).\n";

/// A project whose handler (`app/signals.py`) calls a helper (`app/warmup.py`) that does
/// nothing slow yet.
fn warmup_project() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "pyproject.toml", "[project]\nname = \"app\"\n");
    write(d.path(), "app/__init__.py", "");
    write(
        d.path(),
        "app/signals.py",
        "from celery.signals import worker_process_init\n\nfrom app import warmup\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    warmup.prime()\n",
    );
    write(d.path(), "app/warmup.py", "def prime():\n    pass\n");
    d
}

#[test]
fn the_demo_helper_given_alone_reports_its_cel002() {
    let o = celint_in(&demo(), &["--output-format", "concise", "shop/checks.py"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        format!(
            "shop/checks.py:8:9: {CEL002}\nFound 1 problem (1 error, 0 warnings).\n{UNSAFE_HIDDEN}"
        )
    );
}

#[test]
fn a_sleep_added_to_a_helper_is_reported_through_the_helper() {
    let d = warmup_project();
    let o = celint_in(d.path(), &["--output-format", "full", "app/warmup.py"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "All checks passed!\n");
    write(
        d.path(),
        "app/warmup.py",
        "import time\n\n\ndef prime():\n    time.sleep(10)\n",
    );
    let o = celint_in(d.path(), &["--output-format", "full", "app/warmup.py"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        "error[CEL004]: `boot` blocks for about 10 s, at or above `worker_proc_alive_timeout` (4 s)
 --> app/warmup.py:5:5
  |
5 |     time.sleep(10)
  |     ^^^^^^^^^^^^^^
  |
  = note: a `worker_process_init` handler this slow works at start-up, then every child started after the first recycle is SIGKILLed (\"Timed out waiting for UP message\")
  = note: `time.sleep(10)`: 10 s (app/warmup.py:5) via `prime()`
  = note: estimated total: 10 s (worst path)
  = note: `worker_proc_alive_timeout` is 4 s: Celery's default, not set in the project
  = note: reported in app/warmup.py because its trace passes through it; linting the whole project reports it at app/signals.py:7, where a `# noqa` goes
note: where the finding is (app/signals.py:7)
 --> app/signals.py:7:5
  |
7 | def boot(**kwargs):
  |     ----
help: Initialise lazily on first use in the child, move the work to `worker_init`, or raise `worker_proc_alive_timeout` above the worst case

Found 1 problem (1 error, 0 warnings).
"
    );
    // The GitHub annotation is on the helper's line too: that is the file the pull request
    // changed.
    let o = celint_in(d.path(), &["--output-format", "github", "app/warmup.py"]);
    assert!(
        stdout(&o).starts_with(
            "::error title=celint (CEL004%3A slow-process-init),file=app/warmup.py,line=5,endLine=5,col=5,endColumn=19::CEL004 `boot` blocks"
        ),
        "{}",
        stdout(&o)
    );
    // A file the finding neither lies in nor passes through: nothing to report.
    write(
        d.path(),
        "app/other.py",
        "from celery.signals import worker_ready\n",
    );
    let o = celint_in(d.path(), &["app/other.py"]);
    assert_eq!(stdout(&o), "All checks passed!\n");
}

#[test]
fn a_finding_elsewhere_names_the_given_file_its_trace_passes_through() {
    let o = celint_in(
        &demo(),
        &["--output-format", "json", "shop/worker_signals.py"],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let found: Vec<(String, String, Option<String>)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["filename"].as_str().unwrap().to_string(),
                d["notes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|n| n.as_str())
                    .find(|n| n.starts_with("reported in"))
                    .map(str::to_string),
            )
        })
        .collect();
    // Moved to the given file, at the call that leads to them; the note says where they are.
    let at = |place: &str| {
        Some(format!("reported in shop/worker_signals.py because its trace passes through it; linting the whole project reports it at {place}, where a `# noqa` goes"))
    };
    assert_eq!(
        found,
        [
            (
                "CEL002".into(),
                "shop/worker_signals.py".into(),
                at("shop/checks.py:8")
            ),
            (
                "CEL005".into(),
                "shop/worker_signals.py".into(),
                at("shop/ml.py:19")
            ),
            ("CEL006".into(), "shop/worker_signals.py".into(), None),
            ("CEL004".into(), "shop/worker_signals.py".into(), None),
            ("CEL008".into(), "shop/worker_signals.py".into(), None),
        ]
    );
}

#[test]
fn syntax_errors_and_unused_noqa_only_for_the_given_files() {
    let d = warmup_project();
    write(
        d.path(),
        "app/broken.py",
        "from celery.signals import worker_ready\ndef (\n",
    );
    write(
        d.path(),
        "app/stale.py",
        "from celery.signals import worker_ready  # noqa: CEL001\n",
    );
    let args = ["--extend-select", "CEL100", "--output-format", "concise"];
    let o = celint_in(d.path(), &[&args[..], &["app/warmup.py"]].concat());
    assert_eq!(stdout(&o), "All checks passed!\n");
    assert_eq!(o.status.code(), Some(0));
    let o = celint_in(d.path(), &[&args[..], &["."]].concat());
    assert_eq!(
        stdout(&o),
        "app/broken.py:2:5: CEL000 SyntaxError: Expected an identifier\napp/stale.py:1:42: CEL100 Unused `noqa` directive (suppresses nothing: `CEL001`)\nFound 2 problems (1 error, 1 warning).\n[*] 1 fixable with the `--fix` option.\n"
    );
}

#[test]
fn fix_edits_only_the_given_files() {
    let d = warmup_project();
    // The handler file has a safe fix of its own (CEL009: a receiver without **kwargs).
    let signals = "from celery.signals import worker_process_init, worker_ready\n\nfrom app import warmup\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    warmup.prime()\n\n\n@worker_ready.connect\ndef ready(sender):\n    pass\n";
    write(d.path(), "app/signals.py", signals);
    write(d.path(), "app/warmup.py", "def prime():\n    exit(1)\n");
    let o = celint_in(
        d.path(),
        &[
            "--fix",
            "--unsafe-fixes",
            "--output-format",
            "concise",
            "app/warmup.py",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(stdout(&o), "Found 1 problem (1 fixed, 0 remaining).\n");
    assert_eq!(
        std::fs::read_to_string(d.path().join("app/warmup.py")).unwrap(),
        "import os\nimport signal\n\n\ndef prime():\n    os.kill(os.getppid(), signal.SIGTERM)\n    return\n"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("app/signals.py")).unwrap(),
        signals
    );
}

#[test]
fn standard_input_gets_the_project_too() {
    let text = std::fs::read_to_string(demo().join("shop/checks.py")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_celint"))
        .args([
            "--output-format",
            "concise",
            "--stdin-filename",
            "shop/checks.py",
            "-",
        ])
        .current_dir(demo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        format!(
            "shop/checks.py:8:9: {CEL002}\nFound 1 problem (1 error, 0 warnings).\n{UNSAFE_HIDDEN}"
        )
    );
}

#[test]
fn configuration_isolated_and_per_file_ignores_still_apply() {
    let d = warmup_project();
    write(
        d.path(),
        "app/warmup.py",
        "import time\n\n\ndef prime():\n    time.sleep(10)\n",
    );
    // The finding lies in app/signals.py: that file's per-file-ignores decide, wherever it is
    // reported.
    write(
        d.path(),
        "pyproject.toml",
        "[project]\nname = \"app\"\n\n[tool.celint.per-file-ignores]\n\"app/signals.py\" = [\"CEL004\"]\n",
    );
    let o = celint_in(d.path(), &["--output-format", "concise", "app/warmup.py"]);
    assert_eq!(stdout(&o), "All checks passed!\n");
    let o = celint_in(
        d.path(),
        &["--isolated", "--output-format", "concise", "app/warmup.py"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with("app/warmup.py:5:5: CEL004 "),
        "{}",
        stdout(&o)
    );
}

#[test]
fn paths_have_one_form_in_every_format() {
    for format in [
        "full",
        "concise",
        "json",
        "json-lines",
        "github",
        "gitlab",
        "sarif",
        "junit",
        "pylint",
    ] {
        for (dir, arg, prefix) in [
            (demo(), ".", ""),
            (demo(), "./shop/../shop", ""),
            (demo().parent().unwrap().to_path_buf(), "demo", "demo/"),
        ] {
            let out = stdout(&celint_in(&dir, &["--output-format", format, arg]));
            // A module the walk found and one read because a handler's call leads into it.
            for file in ["shop/worker_signals.py", "shop/checks.py"] {
                assert!(out.contains(file), "{format} {arg}: {out}");
            }
            assert!(!out.contains("./"), "{format} {arg}: {out}");
            if !matches!(format, "sarif") {
                assert!(
                    out.contains(&format!("{prefix}shop/checks.py")),
                    "{format} {arg}: {out}"
                );
            }
        }
    }
}

/// (fingerprint, file) of each finding, in order.
fn fingerprints(dir: &Path, format: &str, arg: &str) -> Vec<String> {
    let o = celint_in(dir, &["--output-format", format, arg]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let items = match format {
        "sarif" => v["runs"][0]["results"].as_array().unwrap().clone(),
        _ => v.as_array().unwrap().clone(),
    };
    items
        .iter()
        .map(|r| {
            let f = match format {
                "sarif" => &r["partialFingerprints"]["celintFingerprint/v2"],
                _ => &r["fingerprint"],
            };
            f.as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn fingerprints_do_not_depend_on_the_working_directory_or_the_paths() {
    let parent = demo().parent().unwrap().to_path_buf();
    for format in ["gitlab", "sarif"] {
        let dot = fingerprints(&demo(), format, ".");
        assert_eq!(dot.len(), 5);
        assert_eq!(fingerprints(&demo(), format, "shop"), dot, "{format}");
        assert_eq!(fingerprints(&parent, format, "demo"), dot, "{format}");
    }
}

/// The repository's own pyproject.toml (the wheel's) marks the repository as a project but
/// must not configure celint: the fixtures and examples in it lint with the defaults.
#[test]
fn the_repository_pyproject_builds_the_wheel_and_leaves_linting_alone() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("pyproject.toml")).unwrap();
    let v: toml::Value = toml::from_str(&text).unwrap();
    assert_eq!(v["build-system"]["build-backend"].as_str(), Some("maturin"));
    assert_eq!(v["tool"]["maturin"]["bindings"].as_str(), Some("bin"));
    assert!(v["tool"].get("celint").is_none());
    let o = celint_in(root, &["--show-settings", "examples/demo/shop/checks.py"]);
    let out = stdout(&o);
    assert!(
        out.starts_with(&format!(
            "Settings for examples/demo/shop/checks.py\nconfiguration file: (none)\nproject root: {}\nroot configuration: (none)\n",
            root.join("examples/demo").display()
        )),
        "{out}"
    );
}

#[test]
fn a_trace_names_the_class_a_constructor_call_builds() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "pyproject.toml", "");
    write(
        d.path(),
        "pipeline.py",
        "import time\n\n\nclass AIPipeline:\n    def __init__(self, cfg):\n        time.sleep(10)\n",
    );
    write(
        d.path(),
        "w.py",
        "from celery.signals import worker_process_init\n\nfrom pipeline import AIPipeline\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    AIPipeline({})\n",
    );
    let o = celint_in(d.path(), &["--output-format", "full", "w.py"]);
    assert!(
        stdout(&o).contains("= note: `time.sleep(10)`: 10 s (pipeline.py:6) via `AIPipeline()`\n"),
        "{}",
        stdout(&o)
    );
}
