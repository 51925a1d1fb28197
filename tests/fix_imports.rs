//! The imports of fixes as Ruff wants them: every fixed file of `tests/fix/` passes Ruff's
//! `F401` (unused import) and `I001` (unsorted imports), and the placement and removal rules of
//! `crates/celint_linter/src/rules/fixes/imports.rs` on small files.
//!
//! Ruff is `$RUFF`, else `ruff` on `PATH`, else `target/ruff-venv/bin/ruff`, which this test
//! installs (`python3 -m venv`, then pip, version `RUFF_VERSION`) when it is missing. When none
//! can be had, the Ruff test fails under `CI=true` and is skipped with a note otherwise
//! (`common::missing_tool`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{celint_in, root, stderr, stdout, write};

const RUFF_VERSION: &str = "0.17.6";

fn runs(ruff: &Path) -> bool {
    Command::new(ruff)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Installs Ruff into `target/ruff-venv`: built beside it and renamed into place, so that two
/// test runs at once never see half a venv.
fn install(venv: &Path) -> Result<(), String> {
    let tmp = venv.with_file_name(format!("ruff-venv.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let step = |cmd: &mut Command| -> Result<(), String> {
        let o = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
        if o.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{cmd:?}: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ))
        }
    };
    step(Command::new("python3").args(["-m", "venv"]).arg(&tmp))?;
    step(
        Command::new(tmp.join("bin/pip"))
            .args(["install", "-q", "--disable-pip-version-check"])
            .arg(format!("ruff=={RUFF_VERSION}")),
    )?;
    if std::fs::rename(&tmp, venv).is_err() {
        // Another run was first.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    Ok(())
}

/// Ruff, or why there is none.
fn ruff() -> &'static Result<PathBuf, String> {
    static RUFF: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    RUFF.get_or_init(|| {
        if let Some(p) = std::env::var_os("RUFF") {
            let p = PathBuf::from(p);
            return if runs(&p) {
                Ok(p)
            } else {
                Err(format!("RUFF={} cannot be run", p.display()))
            };
        }
        if runs(Path::new("ruff")) {
            return Ok(PathBuf::from("ruff"));
        }
        let venv = root().join("target/ruff-venv");
        let bin = venv.join("bin/ruff");
        if !runs(&bin) {
            install(&venv).map_err(|e| format!("Ruff could not be installed: {e}"))?;
        }
        if runs(&bin) {
            Ok(bin)
        } else {
            Err(format!("{} cannot be run", bin.display()))
        }
    })
}

/// Ruff's `F401` and `I001` findings on `files` (run in `dir`, default settings), empty when
/// there are none. `None` when there is no Ruff (a failure under CI).
fn ruff_findings(test: &str, dir: &Path, files: &[PathBuf]) -> Option<String> {
    let ruff = match ruff() {
        Ok(r) => r,
        Err(e) => {
            common::missing_tool(test, &format!("Ruff ({e})"));
            return None;
        }
    };
    let o = Command::new(ruff)
        .current_dir(dir)
        .args(["check", "--isolated", "--no-cache", "--select", "F401,I001"])
        .args(["--output-format", "concise"])
        .args(files)
        .output()
        .expect("ruff runs");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(1),
        "ruff failed: {out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    Some(if o.status.success() {
        String::new()
    } else {
        out
    })
}

fn fix_inputs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fix"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .filter(|p| !p.to_string_lossy().ends_with(".fixed.py"))
        .collect();
    v.sort();
    v
}

#[test]
fn fixed_files_pass_ruff_f401_and_i001() {
    const TEST: &str = "fixed_files_pass_ruff_f401_and_i001";
    // Ruff does report both: the fix output of before (an import left unused, imports added
    // after the third-party ones) is not clean.
    let bad = tempfile::tempdir().unwrap();
    write(
        bad.path(),
        "bad.py",
        "import sys\n\nfrom celery.signals import worker_process_init\nimport os\n\nworker_process_init, os\n",
    );
    let Some(found) = ruff_findings(TEST, bad.path(), &[PathBuf::from("bad.py")]) else {
        return;
    };
    assert!(found.contains("F401") && found.contains("I001"), "{found}");

    // The expected results in tests/fix/ ...
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for input in fix_inputs() {
        let name = input.file_stem().unwrap().to_str().unwrap().to_string();
        let fixed = format!("{name}.fixed.py");
        std::fs::copy(
            root().join("tests/fix").join(&fixed),
            dir.path().join(&fixed),
        )
        .unwrap();
        files.push(PathBuf::from(fixed));
        // ... and what `--fix --unsafe-fixes` makes of each input.
        let out = format!("{name}.py");
        std::fs::copy(&input, dir.path().join(&out)).unwrap();
        let o = celint_in(dir.path(), &["--fix", "--unsafe-fixes", &out]);
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{out}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        files.push(PathBuf::from(out));
    }
    assert!(files.len() >= 14, "{files:?}");
    let found = ruff_findings(TEST, dir.path(), &files).unwrap_or_default();
    assert_eq!(found, "", "Ruff finds problems in fixed files");
}

/// `files` (path, text) written to a fresh directory, `celint --fix --unsafe-fixes` run on
/// `args`; the directory.
fn fixed(files: &[(&str, &str)], args: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        write(dir.path(), path, text);
    }
    let mut all = vec!["--fix", "--unsafe-fixes"];
    all.extend_from_slice(args);
    let o = celint_in(dir.path(), &all);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
    dir
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap()
}

const WORKER: &str = "from celery.signals import worker_process_init\n\nimport helpers\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    helpers.verify()\n";
const FIXED_VERIFY: &str = "def verify():\n    os.kill(os.getppid(), signal.SIGTERM)\n    return\n";

#[test]
fn a_module_without_imports_gets_them_after_its_docstring_or_before_its_code() {
    let dir = fixed(
        &[
            ("worker.py", WORKER),
            (
                "helpers.py",
                "\"\"\"Helpers.\"\"\"\n\n\ndef verify():\n    exit(1)\n",
            ),
        ],
        &["."],
    );
    assert_eq!(
        read(dir.path(), "helpers.py"),
        format!("\"\"\"Helpers.\"\"\"\nimport os\nimport signal\n\n\n{FIXED_VERIFY}")
    );
    // No docstring: before the first statement, after the comments above it, with the two
    // blank lines a `def` wants; one before other code.
    let dir = fixed(
        &[
            ("worker.py", WORKER),
            ("helpers.py", "# Helpers.\n\ndef verify():\n    exit(1)\n"),
        ],
        &["."],
    );
    assert_eq!(
        read(dir.path(), "helpers.py"),
        format!("# Helpers.\n\nimport os\nimport signal\n\n\n{FIXED_VERIFY}")
    );
    let dir = fixed(
        &[
            ("worker.py", WORKER),
            (
                "helpers.py",
                "\"\"\"Helpers.\"\"\"\nLIMIT = 1\n\n\ndef verify():\n    exit(LIMIT)\n",
            ),
        ],
        &["."],
    );
    assert_eq!(
        read(dir.path(), "helpers.py"),
        "\"\"\"Helpers.\"\"\"\nimport os\nimport signal\n\nLIMIT = 1\n\n\ndef verify():\n    os.kill(os.getppid(), signal.SIGTERM)\n    return\n"
    );
}

const HANDLER: &str = "\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    sys.exit(1)\n";

#[test]
fn an_unsorted_block_gets_each_import_before_the_first_that_sorts_after_it() {
    let head = "import time\nimport sys\nimport logging\n\nfrom celery.signals import worker_process_init\n";
    let tail = "\n\ndef other():\n    return time, logging\n";
    let dir = fixed(&[("w.py", &format!("{head}{HANDLER}{tail}"))], &["w.py"]);
    // `sys` has no use left and goes; `os` and `signal` sort before `time`, the first standard
    // library import in the file, and go there. Ruff's own fix sorts the rest.
    assert_eq!(
        read(dir.path(), "w.py"),
        "import os\nimport signal\nimport time\nimport logging\n\nfrom celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    os.kill(os.getppid(), signal.SIGTERM)\n    return\n\n\ndef other():\n    return time, logging\n"
    );
}

#[test]
fn an_import_with_a_use_left_stays() {
    let signals = "from celery.signals import worker_process_init\n";
    let cases = [
        // Named in `__all__`: a re-export.
        ("all.py", "__all__ = [\"sys\"]\n", true),
        // Used in an f-string, or in another function.
        (
            "fstring.py",
            "\n\ndef name():\n    return f\"{sys.argv[0]}\"\n",
            true,
        ),
        ("other.py", "\n\ndef name():\n    return sys.argv\n", true),
        // A forward reference.
        (
            "annotation.py",
            "\n\ndef flags() -> \"sys.flags\":\n    pass\n",
            true,
        ),
        // Mentioned only in a comment, a docstring or as an attribute: no use.
        (
            "mentions.py",
            "# sys\n\n\ndef name(x):\n    \"\"\"Calls sys.\"\"\"\n    return x.sys\n",
            false,
        ),
    ];
    for (file, extra, kept) in cases {
        let text = format!("import sys\n\n{signals}{extra}{HANDLER}");
        let dir = fixed(&[(file, &text)], &[file]);
        let after = read(dir.path(), file);
        assert!(after.contains("os.kill("), "{file}: not fixed:\n{after}");
        assert_eq!(after.contains("import sys\n"), kept, "{file}:\n{after}");
    }
    // A package's `__init__.py` may re-export what it imports: nothing is removed there.
    let text = format!("import sys\n\n{signals}{HANDLER}");
    let dir = fixed(&[("pkg/__init__.py", &text)], &["pkg/__init__.py"]);
    let after = read(dir.path(), "pkg/__init__.py");
    assert!(
        after.contains("os.kill(") && after.contains("import sys\n"),
        "{after}"
    );
}

#[test]
fn a_name_goes_from_a_statement_that_imports_several() {
    let text = "import sys, time\nfrom os import (\n    _exit,\n    getpid,\n)\n\nfrom celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    if getpid() == 1:\n        _exit(1)\n    time.sleep(1)\n    sys.exit(2)\n";
    let dir = fixed(&[("w.py", text)], &["w.py"]);
    assert_eq!(
        read(dir.path(), "w.py"),
        "import os\nimport signal\nimport time\nfrom os import (\n    getpid,\n)\n\nfrom celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    if getpid() == 1:\n        os.kill(os.getppid(), signal.SIGTERM)\n        return\n    time.sleep(1)\n    os.kill(os.getppid(), signal.SIGTERM)\n    return\n"
    );
}

#[test]
fn a_single_fix_carries_the_removal_of_the_import_it_leaves_unused() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "w.py",
        "import sys\nimport time\n\nfrom celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    time.sleep(1)\n    sys.exit(1)\n",
    );
    let o = celint_in(dir.path(), &["--output-format", "json", "w.py"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let edits = &v[0]["fix"]["edits"];
    let rows = |e: &serde_json::Value| {
        (
            e["location"]["row"].as_u64().unwrap(),
            e["location"]["column"].as_u64().unwrap(),
            e["end_location"]["row"].as_u64().unwrap(),
            e["end_location"]["column"].as_u64().unwrap(),
            e["content"].as_str().unwrap().to_string(),
        )
    };
    let edits: Vec<_> = edits.as_array().unwrap().iter().map(rows).collect();
    // `import sys` (line 1) removed, `import os` and `import signal` before `import time`.
    assert_eq!(
        edits[..2],
        [
            (1, 1, 2, 1, String::new()),
            (2, 1, 2, 1, "import os\nimport signal\n".to_string()),
        ],
        "{edits:?}"
    );
}
