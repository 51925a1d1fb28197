//! Helpers shared by the integration tests: running the celint binary and reading what it
//! writes, temporary projects, snapshots, and running the library on a deep stack.

// Every test file is its own crate and uses only some of these.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The checkout: fixtures, examples and snapshots are relative to it.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The celint binary, to be run in `dir`. The colour variables of the environment the tests run
/// in are cleared, so what celint writes depends only on its arguments (its standard output and
/// error are pipes here, never terminals).
pub fn command(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_celint"));
    cmd.current_dir(dir);
    for var in ["NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "NO_GRAPHICS"] {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs celint in `dir` with `args` (standard input empty) and waits for it.
pub fn celint_in(dir: &Path, args: &[&str]) -> Output {
    command(dir).args(args).output().expect("celint runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

/// Writes `text` to `dir/rel`, creating the directories on the way.
pub fn write(dir: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("a file has a parent")).expect("create dirs");
    std::fs::write(p, text).expect("write file");
}

/// Compares `actual` with `tests/snapshots/<name>` in full. With `UPDATE_SNAPSHOTS` set, writes
/// it there instead (then review the diff).
pub fn snapshot(name: &str, actual: &str) {
    let path = root().join("tests/snapshots").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing snapshot {}", path.display()));
    assert_eq!(actual, expected, "output differs from {}", path.display());
}

/// Runs `f` on a thread with celint's stack size: for what recurses over syntax trees outside
/// `celint::run` (parsing and fix checks in `celint::invariants`). `Err` when `f` panicked.
pub fn on_deep_stack<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> std::thread::Result<T> {
    std::thread::Builder::new()
        .stack_size(celint::STACK_SIZE)
        .spawn(f)
        .expect("spawn a thread")
        .join()
}

/// `celint::run` (which runs on a deep-stack thread of its own), then `f` on its report.
pub fn run<T>(settings: celint::Settings, f: impl FnOnce(&celint::Report) -> T) -> T {
    f(&celint::run(&settings))
}

/// Whether this is a CI run (`CI=true` or `CI=1`, as GitHub, GitLab and `.ci/run` set it).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// An external tool a test needs is missing: a failure in CI, where it must be installed; a
/// visible skip locally. The message is written to the process's standard error directly, past
/// the test harness's capture, so that `cargo test` shows it even when the test passes.
pub fn missing_tool(test: &str, what: &str) {
    assert!(!in_ci(), "{test}: {what} is missing, and CI must have it");
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED {test}: {what} is missing (in CI, with CI=true, this fails)"
    );
}
