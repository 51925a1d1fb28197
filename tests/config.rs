//! Configuration files: discovery (nearest wins), precedence (CLI over file), per-file-ignores,
//! excludes, and errors that point at the offending key.

mod common;

use std::process::Output;

use common::{celint_in, stderr, stdout, write};

const HANDLER: &str = "import time\nfrom celery.signals import worker_process_init, worker_ready\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    time.sleep(5)\n    exit(1)\n\n\n@worker_ready.connect\ndef ready(sender):\n    pass\n";

fn codes(o: &Output) -> Vec<String> {
    stdout(o)
        .lines()
        .filter_map(|l| {
            l.split(": ")
                .nth(1)
                .and_then(|r| r.split(' ').next())
                .map(str::to_string)
        })
        .filter(|c| c.starts_with("CEL"))
        .collect()
}

#[test]
fn pyproject_select_ignore_and_cli_precedence() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "pyproject.toml", "[project]\nname = \"x\"\n\n[tool.celint]\nignore = [\"CEL004\"]\nextend-select = [\"CEL100\"]\n");
    write(d.path(), "app/w.py", HANDLER);
    let o = celint_in(d.path(), &["app"]);
    assert_eq!(codes(&o), ["CEL002", "CEL009"], "{}", stdout(&o));
    // The command line's --select starts over, over the file's ignore.
    let o = celint_in(d.path(), &["--select", "CEL004", "app"]);
    assert_eq!(codes(&o), ["CEL004"]);
    // --isolated ignores the file.
    let o = celint_in(d.path(), &["--isolated", "app"]);
    assert_eq!(codes(&o), ["CEL004", "CEL002", "CEL009"]);
}

#[test]
fn nearest_configuration_wins_and_dot_celint_toml_first() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "pyproject.toml",
        "[tool.celint]\nselect = [\"CEL009\"]\n",
    );
    write(d.path(), "a/w.py", HANDLER);
    write(d.path(), "b/celint.toml", "select = [\"CEL002\"]\n");
    write(d.path(), "b/w.py", HANDLER);
    write(d.path(), "c/.celint.toml", "select = [\"CEL004\"]\n");
    write(
        d.path(),
        "c/pyproject.toml",
        "[tool.celint]\nselect = [\"CEL009\"]\n",
    );
    write(d.path(), "c/w.py", HANDLER);
    let o = celint_in(d.path(), &["."]);
    let out = stdout(&o);
    assert!(out.contains("a/w.py:12:5: CEL009"), "{out}");
    assert!(out.contains("b/w.py:8:5: CEL002"), "{out}");
    assert!(out.contains("c/w.py:6:5: CEL004"), "{out}");
    assert_eq!(codes(&o).len(), 3, "{out}");
    // --config forces one file for all.
    let o = celint_in(d.path(), &["--config", "b/celint.toml", "."]);
    assert_eq!(codes(&o), ["CEL002", "CEL002", "CEL002"]);
}

#[test]
fn per_file_ignores_and_excludes() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "celint.toml",
        "extend-exclude = [\"generated\"]\n\n[per-file-ignores]\n\"tests/*.py\" = [\"CEL002\", \"receiver-without-kwargs\"]\n",
    );
    write(d.path(), "tests/w.py", HANDLER);
    write(d.path(), "src/w.py", HANDLER);
    write(d.path(), "generated/w.py", HANDLER);
    let o = celint_in(d.path(), &["--output-format", "concise", "."]);
    let out = stdout(&o);
    assert!(out.contains("tests/w.py:6:5: CEL004"), "{out}");
    assert!(!out.contains("tests/w.py:8"), "{out}");
    assert!(!out.contains("tests/w.py:12"), "{out}");
    assert!(out.contains("src/w.py:8:5: CEL002"), "{out}");
    assert!(!out.contains("generated"), "{out}");
    // A file given explicitly is linted even when excluded, unless --force-exclude.
    let o = celint_in(d.path(), &["generated/w.py"]);
    assert_eq!(codes(&o).len(), 3);
    let o = celint_in(d.path(), &["--force-exclude", "generated/w.py"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "All checks passed!\n");
}

#[test]
fn timeout_blocking_calls_and_output_format_from_the_file() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "pyproject.toml",
        "[tool.celint]\nproc-alive-timeout = 10\nextend-blocking-calls = [\"mylib.warm\"]\noutput-format = \"pylint\"\n",
    );
    write(d.path(), "w.py", "import time\nimport mylib\nfrom celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    time.sleep(5)\n    mylib.warm()\n");
    let o = celint_in(d.path(), &["w.py"]);
    assert_eq!(
        stdout(&o),
        "w.py:9: [CEL005] Blocking call `mylib.warm` without a timeout in `worker_process_init`\n"
    );
}

#[test]
fn src_roots_resolve_imports() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "celint.toml", "src = [\"lib\"]\n");
    write(
        d.path(),
        "lib/helpers.py",
        "import sys\n\n\ndef stop():\n    sys.exit(1)\n",
    );
    write(d.path(), "app/w.py", "from celery.signals import worker_process_init\nfrom helpers import stop\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    stop()\n");
    let o = celint_in(d.path(), &["app"]);
    assert!(
        // Found in lib/helpers.py, reported at the call in the given directory.
        stdout(&o).starts_with("app/w.py:7:5: CEL003"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn unknown_key_is_an_error_pointing_into_the_file() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "pyproject.toml",
        "[tool.celint]\nselect = [\"CEL001\"]\nproc-alive-timout = 5\n",
    );
    write(d.path(), "w.py", HANDLER);
    let o = celint_in(d.path(), &["w.py"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("invalid configuration in"), "{err}");
    let flat = err
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" │ ", " ");
    assert!(flat.contains("unknown field `proc-alive-timout`"), "{err}");
    assert!(
        err.contains("3 │ proc-alive-timout = 5") || err.contains("3 | proc-alive-timout = 5"),
        "{err}"
    );
    assert!(stdout(&o).is_empty());
}

#[test]
fn wrong_type_and_unknown_rule_are_errors() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "celint.toml", "respect-gitignore = \"yes\"\n");
    write(d.path(), "w.py", HANDLER);
    let o = celint_in(d.path(), &["w.py"]);
    assert_eq!(o.status.code(), Some(2));
    let flat = stderr(&o)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" │ ", " ");
    assert!(
        flat.contains("invalid type: string \"yes\", expected a boolean"),
        "{flat}"
    );
    assert!(flat.contains("1 respect-gitignore = \"yes\""), "{flat}");
    write(d.path(), "celint.toml", "select = [\"E501\"]\n");
    let o = celint_in(d.path(), &["w.py"]);
    assert_eq!(o.status.code(), Some(2));
    let flat = stderr(&o)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" │ ", " ");
    assert!(
        flat.contains("unknown rule selector `E501` in `select`"),
        "{flat}"
    );
}

/// A comment on line 1 names the key and the selector before line 4 sets them: the caret goes to
/// line 4, where the parser found them, not to the first place the text mentions them.
#[test]
fn errors_point_at_the_key_not_at_a_comment_that_mentions_it() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "w.py", HANDLER);
    let comment =
        "# proc-alive-timeout is in seconds; \"E501\" is a Ruff code\nselect = [\"CEL001\"]\n\n";
    write(
        d.path(),
        "celint.toml",
        format!("{comment}proc-alive-timeout = 0\n"),
    );
    let o = celint_in(d.path(), &["--config", "celint.toml", "w.py"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        [
            "  × invalid configuration in `celint.toml`: `proc-alive-timeout` must be a",
            "  │ positive number of seconds",
            "   ╭─[celint.toml:4:1]",
            " 3 │ ",
            " 4 │ proc-alive-timeout = 0",
            "   · ─────────┬────────",
            "   ·          ╰── here",
            "   ╰────",
            "  help: e.g. proc-alive-timeout = 10",
            "",
            "",
        ]
        .join("\n")
    );
    write(
        d.path(),
        "celint.toml",
        format!("{comment}ignore = [\"CEL002\", \"E501\"]\n"),
    );
    let o = celint_in(d.path(), &["--config", "celint.toml", "w.py"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        [
            "  × invalid configuration in `celint.toml`: unknown rule selector `E501` in",
            "  │ `ignore`",
            "   ╭─[celint.toml:4:21]",
            " 3 │ ",
            " 4 │ ignore = [\"CEL002\", \"E501\"]",
            "   ·                     ───┬──",
            "   ·                        ╰── here",
            "   ╰────",
            "  help: use a rule code (CEL001), a code prefix (CEL00) or a rule name",
            "        (shutdown-before-ready)",
            "",
            "",
        ]
        .join("\n")
    );
    assert!(stdout(&o).is_empty());
}

#[test]
fn show_settings() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "pyproject.toml", "[tool.celint]\nselect = [\"CEL0\"]\nignore = [\"CEL000\", \"CEL002\"]\nextend-select = [\"CEL100\"]\n");
    write(d.path(), "w.py", HANDLER);
    let o = celint_in(d.path(), &["--show-settings", "w.py"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("configuration file: ") && out.contains("pyproject.toml"),
        "{out}"
    );
    assert!(
        out.contains(
            "rules: CEL001, CEL003, CEL004, CEL005, CEL006, CEL007, CEL008, CEL009, CEL010, CEL011, CEL012, CEL013, CEL014, CEL015, CEL016, CEL017, CEL018, CEL100\n"
        ),
        "{out}"
    );
}

#[test]
fn stdin_with_a_filename() {
    use std::io::Write;
    let d = tempfile::tempdir().unwrap();
    let mut child = common::command(d.path())
        .args(["--stdin-filename", "pkg/w.py", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(HANDLER.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(codes(&o), ["CEL004", "CEL002", "CEL009"]);
    assert!(
        stdout(&o).starts_with("pkg/w.py:6:5: CEL004"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn statistics() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "w.py", HANDLER);
    write(d.path(), "v.py", HANDLER);
    let o = celint_in(d.path(), &["--statistics", "."]);
    assert_eq!(
        stdout(&o),
        "    2\tCEL002\texit-after-blocking-init\n    2\tCEL004\tslow-process-init\n    2\tCEL009\t[*] receiver-without-kwargs\n"
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "w.py", HANDLER);
    let plain = celint_in(d.path(), &["--output-format", "full", "w.py"]);
    assert!(!stdout(&plain).contains('\u{1b}'));
    let coloured = celint_in(
        d.path(),
        &["--output-format", "full", "--color", "always", "w.py"],
    );
    assert!(stdout(&coloured).contains('\u{1b}'));
}

/// `--force-exclude` (how pre-commit calls celint) judges a given file as the walk would: a
/// pattern matching any of its directories excludes it.
#[test]
fn force_exclude_applies_excludes_at_any_depth() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "pyproject.toml",
        "[tool.celint]\nextend-exclude = [\"generated\"]\n",
    );
    let hazard = "from celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    exit(1)\n";
    let files = [
        "src/generated/w.py",
        "src/generated/deeper/w.py",
        "a/.venv/lib/x.py",
        "pkg/build/y.py",
        "env/lib/z.py",
        "ok.py",
    ];
    for f in files {
        write(d.path(), f, hazard);
    }
    // A virtualenv under any name.
    write(d.path(), "env/pyvenv.cfg", "home = /usr\n");
    let expected = "ok.py:6:5: CEL003 `exit(1)` in `worker_process_init` stops start-up or exits forever\nFound 1 problem (0 errors, 1 warning).\nNo fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).\n";
    let mut args = vec!["--force-exclude", "--output-format", "concise"];
    args.extend(files);
    let o = celint_in(d.path(), &args);
    assert_eq!(stdout(&o), expected);
    // Without it, files given explicitly are linted whatever the excludes.
    let o = celint_in(d.path(), &args[1..]);
    assert_eq!(stdout(&o).matches(": CEL003 ").count(), files.len());
    // The walk excludes the same ones.
    let o = celint_in(d.path(), &["--output-format", "concise", "."]);
    assert_eq!(stdout(&o), expected);
}

const LOADS: &str = "import mylib\nimport redis\nfrom celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    mylib.load_model(\"m\", wait=3)\n    mylib.Client(\"x\").fetch()\n    redis.Redis().ping()\n";

#[test]
fn blocking_call_entries_from_the_file() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "celint.toml",
        "output-format = \"pylint\"\n\n[[blocking-calls]]\nname = \"mylib.load_model\"\nkind = \"model-load\"\ntimeout = { keyword = \"wait\", position = 1 }\nreason = \"loads weights\"\n\n[[blocking-calls]]\nname = \"mylib.Client.*\"\nkind = \"network\"\n\n# The user's entries come first: this one corrects the catalogue.\n[[blocking-calls]]\nname = \"redis.Redis.*\"\nkind = \"network\"\ntimeout = { default = 2 }\n",
    );
    write(d.path(), "w.py", LOADS);
    let o = celint_in(
        d.path(),
        &[
            "--select",
            "CEL004,CEL005",
            "--proc-alive-timeout",
            "4",
            "w.py",
        ],
    );
    // `wait=3` bounds the load, the corrected redis entry gives 2 s: 5 s in all.
    assert_eq!(
        stdout(&o),
        "w.py:7: [CEL004] `boot` blocks for about 5 s, at or above `worker_proc_alive_timeout` (4 s)\n\
w.py:9: [CEL005] Network call `mylib.Client(\"x\").fetch` of unknown duration in `worker_process_init`\n"
    );
}

#[test]
fn blocking_call_entry_errors_name_the_entry_and_the_key() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "w.py", LOADS);
    let entry = "[tool.celint]\n\n[[tool.celint.blocking-calls]]\nname = \"mylib.load_model\"\n";
    let cases = [
        format!("{entry}kind = \"model-load\"\ntimout = 5\n"),
        format!("{entry}kind = \"model\"\n"),
        "[tool.celint]\n\n[[tool.celint.blocking-calls]]\nname = \"mylib.*.load\"\n".to_string(),
        format!("{entry}timeout = {{ keyword = \"wait\", default = -1 }}\n"),
    ];
    let mut got = Vec::new();
    for text in cases {
        write(d.path(), "pyproject.toml", text);
        let o = celint_in(d.path(), &["--config", "pyproject.toml", "w.py"]);
        assert_eq!(o.status.code(), Some(2));
        got.push(stderr(&o));
    }
    let expected: [&str; 4] = [
        "  × invalid configuration in `pyproject.toml`: `blocking-calls` entry 1\n  │ (`mylib.load_model`), key `timout`: unknown field `timout`, expected one\n  │ of `name`, `kind`, `timeout`, `duration`, `nonblocking-when-false`, `only-\n  │ when`, `local-when-argument-calls`, `opens-connection`, `checks-out-of`,\n  │ `except`, `reason`, `reference`\n   ╭─[pyproject.toml:6:1]\n 5 │ kind = \"model-load\"\n 6 │ timout = 5\n   · ───┬──\n   ·    ╰── here\n   ╰────\n  help: see the README for the keys of a `blocking-calls` entry\n\n",
        "  × invalid configuration in `pyproject.toml`: `blocking-calls` entry 1\n  │ (`mylib.load_model`), key `kind`: unknown variant `model`, expected one of\n  │ `sleep`, `network`, `database`, `subprocess`, `model-load`, `download`,\n  │ `wait`, `disk`, `input`, `event-loop`, `blocking`\n   ╭─[pyproject.toml:5:8]\n 4 │ name = \"mylib.load_model\"\n 5 │ kind = \"model\"\n   ·        ───┬───\n   ·           ╰── here\n   ╰────\n  help: see the README for the keys of a `blocking-calls` entry\n\n",
        "  × invalid configuration in `pyproject.toml`: `blocking-calls` entry 1\n  │ (`mylib.*.load`), key `name`: `mylib.*.load` is not a dotted name\n  │ (`mylib.load`), `module.Class.*` or `*.method`\n   ╭─[pyproject.toml:4:1]\n 3 │ [[tool.celint.blocking-calls]]\n 4 │ name = \"mylib.*.load\"\n   · ──┬─\n   ·   ╰── here\n   ╰────\n  help: see the README for the keys of a `blocking-calls` entry\n\n",
        "  × invalid configuration in `pyproject.toml`: `blocking-calls` entry 1\n  │ (`mylib.load_model`), key `timeout`: `default` must be a positive number\n  │ of seconds\n   ╭─[pyproject.toml:5:1]\n 4 │ name = \"mylib.load_model\"\n 5 │ timeout = { keyword = \"wait\", default = -1 }\n   · ───┬───\n   ·    ╰── here\n   ╰────\n  help: see the README for the keys of a `blocking-calls` entry\n\n",
    ];
    assert_eq!(got, expected, "{}", got.join("\n=====\n"));
}
