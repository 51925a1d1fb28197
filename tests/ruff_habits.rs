//! The command line where Ruff has a habit users expect: `celint check`, `celint rule`, `-q`,
//! `--show-files`, coloured concise output, configuration errors in TOML's words; and texts
//! that must come from the registry and the settings' real source.

mod common;

use common::{celint_in, root, stderr, stdout, write};

fn celint(args: &[&str]) -> std::process::Output {
    celint_in(root(), args)
}

#[test]
fn check_subcommand_is_the_default_command() {
    let plain = celint(&["--output-format", "concise", "examples/demo"]);
    let check = celint(&["check", "--output-format", "concise", "examples/demo"]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert_eq!(stdout(&check), stdout(&plain));
    assert!(stdout(&check).contains("examples/demo/shop/checks.py:8:9: CEL002 "));
}

#[test]
fn rule_prints_a_document_or_every_rule() {
    let o = celint(&["rule", "CEL004"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), celint::rules::Rule::SlowProcessInit.doc());
    let by_name = celint(&["rule", "slow-process-init"]);
    assert_eq!(stdout(&by_name), stdout(&o));

    let all = celint(&["rule", "--all"]);
    assert_eq!(all.status.code(), Some(0));
    for rule in celint::rules::Rule::all() {
        assert!(
            stdout(&all).contains(rule.doc().trim_end()),
            "{}",
            rule.code()
        );
    }

    let json = celint(&["rule", "--all", "--output-format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    let rules = v.as_array().unwrap();
    assert_eq!(rules.len(), celint::rules::Rule::ALL.len());
    let cel100 = rules.iter().find(|r| r["code"] == "CEL100").unwrap();
    assert_eq!(cel100["name"], "unused-noqa");
    assert_eq!(cel100["default"], false);
    assert_eq!(cel100["fix"], "safe");
    assert_eq!(cel100["linter"], "celint");
    let cel001 = celint(&["rule", "CEL001", "--output-format", "json"]);
    let one: serde_json::Value = serde_json::from_str(&stdout(&cel001)).unwrap();
    assert_eq!(one["code"], "CEL001");
    assert_eq!(one["severity"], "error");
    assert_eq!(one["default"], true);
    assert_eq!(
        one["explanation"],
        celint::rules::Rule::ShutdownBeforeReady.doc()
    );
    // No URL while the project has no public home (Cargo.toml `repository` unset).
    assert_eq!(one["url"], serde_json::Value::Null);
}

#[test]
fn an_unknown_rule_names_the_registry_s_codes() {
    for args in [&["rule", "CEL999"][..], &["--explain", "CEL999"][..]] {
        let o = celint(args);
        assert_eq!(o.status.code(), Some(2));
        let flat = stderr(&o).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("rules are CEL000 to CEL018 and CEL100;"),
            "{flat}"
        );
    }
    let help = celint(&["--help"]);
    assert!(stdout(&help).contains("Rules: CEL000 to CEL018 and CEL100;"));
}

#[test]
fn quiet_prints_the_findings_only() {
    let o = celint(&["-q", "--output-format", "concise", "examples/demo"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 5, "{out}");
    assert!(
        out.lines().all(|l| l.starts_with("examples/demo/shop/")),
        "{out}"
    );
    let full = celint(&["--quiet", "--output-format", "full", "examples/demo"]);
    assert!(!stdout(&full).contains("Found 5 problems"));
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.py", "x = 1\n");
    let clean = celint_in(d.path(), &["-q", "--output-format", "concise", "a.py"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    assert_eq!(stdout(&clean), "");
    let loud = celint_in(d.path(), &["--output-format", "concise", "a.py"]);
    assert_eq!(stdout(&loud), "All checks passed!\n");
}

#[test]
fn show_files_lists_what_would_be_linted() {
    let o = celint(&["--show-files", "examples/demo"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "examples/demo/shop/__init__.py\nexamples/demo/shop/celery_app.py\n\
         examples/demo/shop/checks.py\nexamples/demo/shop/ml.py\nexamples/demo/shop/tasks.py\n\
         examples/demo/shop/worker_signals.py\n"
    );
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "pyproject.toml",
        "[tool.celint]\nextend-exclude = [\"gen\"]\n",
    );
    write(d.path(), "a.py", "");
    write(d.path(), "gen/b.py", "");
    write(d.path(), ".venv/pyvenv.cfg", "");
    write(d.path(), ".venv/lib/c.py", "");
    let o = celint_in(d.path(), &["--show-files"]);
    assert_eq!(stdout(&o), "a.py\n");
}

#[test]
fn concise_output_is_coloured_like_ruff_s() {
    let o = celint(&[
        "--color",
        "always",
        "--output-format",
        "concise",
        "examples/demo",
    ]);
    let first = stdout(&o).lines().next().unwrap_or_default().to_string();
    assert_eq!(
        first,
        "\x1b[1mexamples/demo/shop/checks.py\x1b[0m\x1b[36m:\x1b[0m8\x1b[36m:\x1b[0m9\x1b[36m:\x1b[0m \
         \x1b[1m\x1b[31mCEL002\x1b[0m `sys.exit(\"not enough disk space\")` after blocking work in \
         `worker_process_init`: an endless exit loop"
    );
    let plain = celint(&["--output-format", "concise", "examples/demo"]);
    assert!(!stdout(&plain).contains('\x1b'));
}

#[test]
fn a_type_error_in_the_configuration_speaks_toml() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "pyproject.toml",
        "[tool.celint]\nproc-alive-timeout = \"ten\"\n",
    );
    write(d.path(), "a.py", "");
    let o = celint_in(d.path(), &["."]);
    assert_eq!(o.status.code(), Some(2));
    let flat = stderr(&o).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("expected a number"), "{flat}");
    assert!(!flat.contains("f64"), "{flat}");
    write(d.path(), "pyproject.toml", "[tool.celint]\nselect = 3\n");
    let o = celint_in(d.path(), &["."]);
    let flat = stderr(&o).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("expected a list"), "{flat}");
}

const SLOW: &str = "import time\n\nfrom celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    time.sleep(3)\n";

#[test]
fn the_timeout_s_note_names_where_it_was_set() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "pyproject.toml",
        "[tool.celint]\nproc-alive-timeout = 2\n",
    );
    write(d.path(), "w.py", SLOW);
    let o = celint_in(d.path(), &["--output-format", "full", "w.py"]);
    assert!(
        stdout(&o).contains("= note: `worker_proc_alive_timeout` is 2 s: from `proc-alive-timeout` in pyproject.toml\n"),
        "{}",
        stdout(&o)
    );
    let o = celint_in(
        d.path(),
        &[
            "--output-format",
            "full",
            "--proc-alive-timeout",
            "1",
            "w.py",
        ],
    );
    assert!(
        stdout(&o)
            .contains("= note: `worker_proc_alive_timeout` is 1 s: from `--proc-alive-timeout`\n"),
        "{}",
        stdout(&o)
    );
    let o = celint_in(d.path(), &["--show-settings", "w.py"]);
    assert!(
        stdout(&o)
            .contains("proc-alive-timeout: 2 s (from `proc-alive-timeout` in pyproject.toml)\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn explain_call_knows_what_the_run_knows() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "pyproject.toml",
        "[tool.celint]\nextend-blocking-calls = [\"mylib.warm\"]\n\n[[tool.celint.blocking-calls]]\nname = \"mylib.load_model\"\nkind = \"model-load\"\nreason = \"loads weights\"\n",
    );
    write(
        d.path(),
        "w.py",
        "import mylib\nfrom celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    mylib.warm()\n    mylib.load_model()\n    mylib.cli_only()\n",
    );
    let lint = celint_in(
        d.path(),
        &[
            "--output-format",
            "concise",
            "--blocking-call",
            "mylib.cli_only",
            "w.py",
        ],
    );
    for line in ["w.py:7:5: CEL005", "w.py:8:5: CEL005", "w.py:9:5: CEL005"] {
        assert!(stdout(&lint).contains(line), "{line}\n{}", stdout(&lint));
    }
    let o = celint_in(d.path(), &["--explain-call", "mylib.warm"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        "`mylib.warm`: named by you (`--blocking-call` or `extend-blocking-calls`)\nkind: blocking call\ntimeout: bounded by `timeout=`; unbounded without it\nopens a connection: no\n"
    );
    let o = celint_in(d.path(), &["--explain-call", "mylib.load_model"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        "`mylib.load_model`: your `blocking-calls` entry `mylib.load_model`\nkind: model loading\ntimeout: none: its duration is unknown\nopens a connection: no\nreason: loads weights\n"
    );
    let o = celint_in(
        d.path(),
        &[
            "--blocking-call",
            "mylib.cli_only",
            "--explain-call",
            "mylib.cli_only",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    let o = celint_in(d.path(), &["--isolated", "--explain-call", "mylib.warm"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn a_vendored_copy_of_a_catalogued_package_is_still_the_package() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "pyproject.toml", "");
    write(d.path(), "requests/__init__.py", "from .api import get\n");
    write(
        d.path(),
        "requests/api.py",
        "def get(url, **kwargs):\n    return url\n",
    );
    write(
        d.path(),
        "w.py",
        "import requests\nfrom celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    requests.get(\"http://example.com/model\")\n",
    );
    let o = celint_in(d.path(), &["--output-format", "concise", "w.py"]);
    assert_eq!(
        stdout(&o).lines().next().unwrap_or_default(),
        "w.py:7:5: CEL005 Network call `requests.get` without a timeout in `worker_process_init`"
    );
}

#[test]
fn a_star_import_provides_what_the_catalogue_and_the_user_name() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "pyproject.toml",
        "[tool.celint]\nextend-blocking-calls = [\"mylib.slow_setup\"]\n",
    );
    write(
        d.path(),
        "w.py",
        "from requests import *\nfrom mylib import *\nfrom celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    get(\"http://model-store/m\")\n    slow_setup()\n    unknown_helper()\n",
    );
    let o = celint_in(d.path(), &["--output-format", "concise", "-q", "w.py"]);
    assert_eq!(
        stdout(&o),
        "w.py:8:5: CEL005 Network call `get` without a timeout in `worker_process_init`\n\
         w.py:9:5: CEL005 Blocking call `slow_setup` without a timeout in `worker_process_init`\n"
    );
}
