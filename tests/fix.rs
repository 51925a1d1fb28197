//! `--fix`, `--unsafe-fixes`, `--diff`, `--add-noqa`: each compared in full, and the file-safety
//! promises: line endings, BOM, encoding, tabs, permissions, atomic writes, untouched files,
//! idempotence.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{celint_in, stderr, stdout};

fn fixture(name: &str) -> PathBuf {
    common::root().join("tests/fix").join(name)
}

/// Copies `tests/fix/<name>.py` into a fresh directory.
fn copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.py"));
    std::fs::copy(fixture(&format!("{name}.py")), &path).unwrap();
    (dir, path)
}

fn codes(dir: &Path, file: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["--output-format", "json"];
    args.extend_from_slice(extra);
    args.push(file);
    let v: serde_json::Value = serde_json::from_str(&stdout(&celint_in(dir, &args))).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// CPython's parser accepts the file (read as bytes, so a BOM or coding cookie counts). Where
/// python3 cannot be run the check is skipped with a note, except on CI, which has python3.
fn assert_cpython_parses(path: &Path) {
    let parse = "import ast, sys; ast.parse(open(sys.argv[1], 'rb').read(), sys.argv[1])";
    let o = match Command::new("python3")
        .args(["-c", parse])
        .arg(path)
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "python3 cannot be run: {e}"
            );
            eprintln!("not checked with CPython: python3 cannot be run: {e}");
            return;
        }
    };
    assert!(
        o.status.success(),
        "CPython does not parse {}:\n{}",
        path.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn check_snapshot(name: &str, args: &[&str], fixed_rules: &[&str]) {
    let (dir, path) = copy(name);
    let file = path.file_name().unwrap().to_str().unwrap().to_string();
    let mut full_args = args.to_vec();
    full_args.push(&file);
    let o = celint_in(dir.path(), &full_args);
    let after = std::fs::read_to_string(&path).unwrap();
    let expected = std::fs::read_to_string(fixture(&format!("{name}.fixed.py"))).unwrap();
    assert_eq!(
        after,
        expected,
        "{name}: fixed file differs\n{}",
        stderr(&o)
    );
    // The fixed file parses, with celint's parser and with CPython's own ...
    assert!(celint::syntax::parse(&after, false).errors.is_empty());
    assert_cpython_parses(&path);
    // ... and none of the fixed rules fires on it any more.
    let select: Vec<&str> = args
        .windows(2)
        .filter(|w| w[0] == "--select")
        .map(|w| w[1])
        .collect();
    let left = codes(
        dir.path(),
        &file,
        &select
            .iter()
            .flat_map(|s| ["--select", s])
            .collect::<Vec<_>>(),
    );
    for r in fixed_rules {
        assert!(
            !left.iter().any(|c| c == r),
            "{name}: {r} left after the fix: {left:?}"
        );
    }
    // Idempotent: a second run changes nothing.
    let o = celint_in(dir.path(), &full_args);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        expected,
        "{name}: second run changed the file"
    );
    assert!(
        !stdout(&o).contains("fixed"),
        "{name}: second run fixed again: {}",
        stdout(&o)
    );
}

#[test]
fn cel001_unsafe_fix() {
    check_snapshot("cel001", &["--fix", "--unsafe-fixes"], &["CEL001"]);
}

#[test]
fn cel002_cel003_unsafe_fix() {
    check_snapshot(
        "cel002_cel003",
        &["--fix", "--unsafe-fixes"],
        &["CEL002", "CEL003"],
    );
}

#[test]
fn cel001_fix_removes_the_import_it_leaves_unused() {
    check_snapshot("cel001_imports", &["--fix", "--unsafe-fixes"], &["CEL001"]);
}

#[test]
fn exit_fixes_remove_the_imports_they_leave_unused() {
    // One fix each for `_exit` and `WorkerShutdown`; `sys` loses its last use to two fixes of
    // the same pass, together.
    check_snapshot(
        "imports_unused",
        &["--fix", "--unsafe-fixes"],
        &["CEL002", "CEL003"],
    );
}

#[test]
fn exit_fixes_keep_sections_one_blank_line_apart() {
    // `import sys`, alone in its section, goes with the blank line after it; the section the
    // fix opens for `os` and `signal` gets one. The second fix (a local import removed) waits
    // for the next pass: its additions would have touched the first fix's removal.
    check_snapshot("imports_section", &["--fix", "--unsafe-fixes"], &["CEL003"]);
    check_snapshot(
        "imports_new_section",
        &["--fix", "--unsafe-fixes"],
        &["CEL003"],
    );
}

#[test]
fn cel008_cel009_safe_fix() {
    check_snapshot("cel008_cel009", &["--fix"], &["CEL008", "CEL009"]);
}

#[test]
fn cel100_safe_fix() {
    check_snapshot("cel100", &["--fix", "--select", "CEL100"], &["CEL100"]);
}

#[test]
fn unsafe_fixes_need_the_flag() {
    let (dir, path) = copy("cel001");
    let before = std::fs::read(&path).unwrap();
    let o = celint_in(dir.path(), &["--fix", "cel001.py"]);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains(
            "No fixes available (2 hidden fixes can be enabled with the `--unsafe-fixes` option)."
        ),
        "{}",
        stdout(&o)
    );
}

#[test]
fn show_fixes_lists_what_was_fixed() {
    let (dir, _) = copy("cel008_cel009");
    let o = celint_in(dir.path(), &["--fix", "--show-fixes", "cel008_cel009.py"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(
        stdout(&o),
        "Found 6 problems (6 fixed, 0 remaining).\n\nFixed 6 problems:\n- cel008_cel009.py:\n    3 x CEL008 (weak-local-receiver)\n    3 x CEL009 (receiver-without-kwargs)\n"
    );
}

#[test]
fn diff_prints_and_changes_nothing() {
    let (dir, path) = copy("cel008_cel009");
    let before = std::fs::read(&path).unwrap();
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    let o = celint_in(dir.path(), &["--diff", "cel008_cel009.py"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), mtime);
    let expected = "--- cel008_cel009.py
+++ cel008_cel009.py
@@ -5,24 +5,24 @@
 
 
 def create_app():
-    @worker_process_init.connect
+    @worker_process_init.connect(weak=False)
     def init(**kwargs):
         pass
 
-    @worker_ready.connect(sender=None)
+    @worker_ready.connect(sender=None, weak=False)
     def ready(sender=None, **kwargs):
         pass
 
-    task_failure.connect(lambda sender: None)
+    task_failure.connect(lambda sender, **kwargs: None, weak=False)
     return app
 
 
 @worker_ready.connect
-def announce(sender):
+def announce(sender, **kwargs):
     pass
 
 
 @task_failure.connect
-def on_failure(sender, *args,
+def on_failure(sender, *args, **kwargs
                ):
     pass
";
    assert_eq!(stdout(&o), expected);
    assert_eq!(stderr(&o), "Would fix 6 problems.\n");
    // Nothing to fix: exit 0, no output.
    let clean = celint_in(
        dir.path(),
        &["--diff", "--select", "CEL004", "cel008_cel009.py"],
    );
    assert_eq!(clean.status.code(), Some(0));
    assert_eq!(stdout(&clean), "");
}

const EXIT_HANDLER: &str = "import sys\nfrom celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n\tsys.exit(1)\n";

#[test]
fn crlf_bom_and_tabs_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.py");
    let source = format!("\u{feff}{}", EXIT_HANDLER.replace('\n', "\r\n"));
    std::fs::write(&path, &source).unwrap();
    let o = celint_in(dir.path(), &["--fix", "--unsafe-fixes", "w.py"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let after = std::fs::read_to_string(&path).unwrap();
    // `import sys` has no use left and goes; the standard-library section opened for `os` and
    // `signal` ends with a blank line, in the file's line ending.
    let expected = "\u{feff}import os\r\nimport signal\r\n\r\nfrom celery.signals import worker_process_init\r\n\r\n\r\n@worker_process_init.connect\r\ndef boot(**kwargs):\r\n\tos.kill(os.getppid(), signal.SIGTERM)\r\n\treturn\r\n";
    assert_eq!(after, expected);
}

#[test]
fn latin1_file_is_written_back_in_latin1() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.py");
    let mut bytes = b"# -*- coding: latin-1 -*-\n".to_vec();
    bytes.extend_from_slice(b"NAME = \"caf\xe9\"\n");
    bytes.extend_from_slice(EXIT_HANDLER.as_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let o = celint_in(dir.path(), &["--fix", "--unsafe-fixes", "w.py"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let after = std::fs::read(&path).unwrap();
    assert!(
        after.windows(5).any(|w| w == b"caf\xe9\""),
        "latin-1 byte kept"
    );
    assert!(after.windows(7).any(|w| w == b"os.kill"));
}

#[test]
fn read_only_file_is_an_error_and_others_are_still_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro.py");
    let rw = dir.path().join("rw.py");
    let src = "from celery.signals import worker_ready\n\n\n@worker_ready.connect\ndef announce(sender):\n    pass\n";
    std::fs::write(&ro, src).unwrap();
    std::fs::write(&rw, src).unwrap();
    let mut perms = std::fs::metadata(&ro).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&ro, perms).unwrap();
    let o = celint_in(dir.path(), &["--fix", "ro.py", "rw.py"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot fix `ro.py`: permission denied (the file is read-only)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(&ro).unwrap(), src);
    assert!(std::fs::read_to_string(&rw)
        .unwrap()
        .contains("def announce(sender, **kwargs):"));
}

#[test]
fn permissions_are_kept_and_unfixed_files_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let fixed = dir.path().join("fixed.py");
    let clean = dir.path().join("clean.py");
    std::fs::write(&fixed, "from celery.signals import worker_ready\n\n\n@worker_ready.connect\ndef announce(sender):\n    pass\n").unwrap();
    std::fs::write(&clean, "x = 1\n").unwrap();
    std::fs::set_permissions(&fixed, std::fs::Permissions::from_mode(0o750)).unwrap();
    let clean_mtime = std::fs::metadata(&clean).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let o = celint_in(dir.path(), &["--fix", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(
        std::fs::metadata(&fixed).unwrap().permissions().mode() & 0o777,
        0o750
    );
    assert_eq!(
        std::fs::metadata(&clean).unwrap().modified().unwrap(),
        clean_mtime
    );
    // No temporary file left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn one_pass_applies_the_first_of_overlapping_fixes_and_identical_edits_once() {
    use celint::diagnostic::Edit;
    use celint::syntax::Span;
    let text = "abcdef";
    let e = |s, t, c: &str| Edit {
        span: Span::new(s, t),
        content: c.to_string(),
    };
    let (out, applied) = celint::fix::apply(
        text,
        &[vec![e(1, 3, "X")], vec![e(2, 4, "Y")], vec![e(5, 5, "Z")]],
    );
    assert_eq!(out, "aXdeZf");
    assert_eq!(applied, vec![0, 2]);
    // The same edit in two fixes is made once.
    let (out, applied) = celint::fix::apply(
        text,
        &[
            vec![e(0, 0, "I"), e(1, 2, "B")],
            vec![e(0, 0, "I"), e(3, 4, "D")],
        ],
    );
    assert_eq!(out, "IaBcDef");
    assert_eq!(applied, vec![0, 1]);
}

#[test]
fn add_noqa_merges_with_existing_comments() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.py");
    std::fs::write(
        &path,
        "from celery import Celery\nfrom celery.signals import worker_process_init\n\napp = Celery()\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    app.control.shutdown()  # noqa: E501\n    exit(1)\n",
    )
    .unwrap();
    let o = celint_in(dir.path(), &["--add-noqa", "w.py"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stderr(&o), "Added 3 noqa directives.\n");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "from celery import Celery\nfrom celery.signals import worker_process_init\n\napp = Celery()\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    app.control.shutdown()  # noqa: CEL001, CEL007, E501\n    exit(1)  # noqa: CEL003\n"
    );
    let o = celint_in(dir.path(), &["w.py"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}
