//! A strict command line: a mistyped format is a usage error listing the formats, standard
//! input is read whenever `--stdin-filename` is given (as Ruff does), and `--statistics`
//! honours `--output-format json`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo")
}

fn celint_in(dir: &Path, args: &[&str], input: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_celint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("celint runs");
    let mut stdin = child.stdin.take().unwrap();
    if let Some(text) = input {
        stdin.write_all(text.as_bytes()).unwrap();
    }
    drop(stdin);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const HAZARD: &str = "from celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    exit(1)\n";
const CEL003_LINE: &str = "x.py:6:5: CEL003 `exit(1)` in `worker_process_init` stops start-up or exits forever\nFound 1 problem (0 errors, 1 warning).\nNo fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).\n";

#[test]
fn unknown_output_format_is_a_usage_error_listing_the_formats() {
    let o = celint_in(&demo(), &["--output-format", "sarf", "."], None);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "error: invalid value 'sarf' for '--output-format <OUTPUT_FORMAT>'\n  [possible values: full, concise, json, json-lines, github, sarif, gitlab, junit, pylint]\n\n  tip: a similar value exists: 'sarif'\n\nFor more information, try '--help'.\n"
    );
}

#[test]
fn unknown_output_file_format_is_a_usage_error_listing_the_formats() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("x.py"), HAZARD).unwrap();
    let o = celint_in(d.path(), &["--output-file", "sarf:x.sarif", "x.py"], None);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "  × unknown output format `sarf` in --output-file `sarf:x.sarif`\n  help: the formats are full, concise, json, json-lines, github, sarif,\n        gitlab, junit, pylint\n\n"
    );
    assert!(!d.path().join("sarf:x.sarif").exists());
    let o = celint_in(d.path(), &["--output-file", "sarif:", "x.py"], None);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "  × --output-file `sarif:` names no file\n  help: write FORMAT:PATH, e.g. --output-file sarif:celint.sarif\n\n"
    );
    // A file name with a colon in it: spelled as a path, it is one.
    let o = celint_in(
        d.path(),
        &[
            "--output-format",
            "concise",
            "--output-file",
            "./a:b",
            "x.py",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        std::fs::read_to_string(d.path().join("a:b")).unwrap(),
        CEL003_LINE
    );
}

#[test]
fn stdin_filename_reads_standard_input_with_or_without_a_dash() {
    let d = tempfile::tempdir().unwrap();
    // On disk the file is clean: what is linted is standard input.
    std::fs::write(d.path().join("x.py"), "").unwrap();
    for args in [
        vec!["--stdin-filename", "x.py", "-"],
        vec!["--stdin-filename", "x.py"],
    ] {
        let mut all = vec!["--output-format", "concise"];
        all.extend(args);
        let o = celint_in(d.path(), &all, Some(HAZARD));
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(stdout(&o), CEL003_LINE);
        assert_eq!(stderr(&o), "");
    }
    // Other paths are ignored, with a warning.
    let o = celint_in(
        d.path(),
        &[
            "--output-format",
            "concise",
            "--stdin-filename",
            "x.py",
            "other.py",
            ".",
        ],
        Some(HAZARD),
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), CEL003_LINE);
    assert_eq!(
        stderr(&o),
        "warning: Ignoring file other.py in favor of standard input.\nwarning: Ignoring file . in favor of standard input.\n"
    );
}

#[test]
fn statistics_honour_json() {
    let o = celint_in(
        &demo(),
        &["--statistics", "--output-format", "json", "."],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    let expected = serde_json::json!([
        { "code": "CEL002", "name": "exit-after-blocking-init", "count": 1, "fixable": false },
        { "code": "CEL004", "name": "slow-process-init", "count": 1, "fixable": false },
        { "code": "CEL005", "name": "unbounded-process-init", "count": 1, "fixable": false },
        { "code": "CEL006", "name": "swallowed-raise", "count": 1, "fixable": false },
        { "code": "CEL008", "name": "weak-local-receiver", "count": 1, "fixable": true },
    ]);
    let actual: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(actual, expected);
    // Ruff's field order, and the most frequent rule first.
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("x.py"),
        format!("{HAZARD}\n\n@worker_process_init.connect\ndef again(**kwargs):\n    exit(2)\n"),
    )
    .unwrap();
    let o = celint_in(
        d.path(),
        &[
            "--statistics",
            "--unsafe-fixes",
            "--output-format",
            "json",
            "x.py",
        ],
        None,
    );
    assert_eq!(
        stdout(&o),
        "[\n  {\n    \"code\": \"CEL003\",\n    \"name\": \"exit-in-process-init\",\n    \"count\": 2,\n    \"fixable\": true\n  }\n]\n"
    );
    let o = celint_in(
        d.path(),
        &["--statistics", "--output-format", "json", "-"],
        Some(""),
    );
    assert_eq!(stdout(&o), "[]\n");
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn statistics_in_another_format_is_a_usage_error() {
    let o = celint_in(
        &demo(),
        &["--statistics", "--output-format", "sarif", "."],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "  × --statistics prints a table or json, not sarif\n  help: use --output-format concise (a table) or json with --statistics\n\n"
    );
    let o = celint_in(
        &demo(),
        &["--statistics", "--output-format", "concise", "."],
        None,
    );
    assert_eq!(
        stdout(&o),
        "    1\tCEL002\texit-after-blocking-init\n    1\tCEL004\tslow-process-init\n    1\tCEL005\tunbounded-process-init\n    1\tCEL006\tswallowed-raise\n    1\tCEL008\t[*] weak-local-receiver\n"
    );
}
