//! The adapter over celint's library: buffers stand in for files (also where the file on disk
//! names no signal), closing a buffer gives the disk back, "fix all" and "add noqa" as the
//! command line makes them, configuration reloaded.

use std::fs;
use std::path::Path;

use celint_server::engine::{self, Engine};

/// A folder opened as `celint server` opens it: with the command line's settings.
fn open(root: &Path) -> (Engine, Option<String>) {
    engine::use_settings(celint::commands::settings::settings_for_root);
    Engine::open(root)
}

fn project(dir: &Path) {
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(path, text).unwrap();
    };
    write(
        "pyproject.toml",
        "[project]\nname = \"p\"\nversion = \"0\"\n",
    );
    write("p/__init__.py", "");
    write("p/plain.py", "def nothing():\n    return 1\n");
    write(
        "p/hooks.py",
        "from celery.signals import worker_ready\n\n\n@worker_ready.connect\ndef ready(sender):\n    pass\n",
    );
}

fn codes(engine: &mut Engine, file: &Path) -> Vec<&'static str> {
    let checked = engine.check();
    checked
        .files
        .get(file)
        .map(|ds| ds.iter().map(|d| d.rule.code()).collect())
        .unwrap_or_default()
}

#[test]
fn buffers_stand_in_for_files_and_closing_gives_the_disk_back() {
    let tmp = tempfile::tempdir().unwrap();
    let root = engine::normalize(tmp.path());
    project(&root);
    let (mut engine, problem) = open(&root);
    assert_eq!(problem, None);
    let hooks = root.join("p/hooks.py");
    let plain = root.join("p/plain.py");
    assert_eq!(codes(&mut engine, &hooks), ["CEL009"]);
    assert!(codes(&mut engine, &plain).is_empty());

    // On disk `plain.py` names no signal (the pre-scan skips it); its buffer connects one.
    let text = "from celery.signals import worker_ready\n\n\n@worker_ready.connect\ndef on(x):\n    pass\n";
    engine.set_text(&plain, text.to_string());
    assert_eq!(codes(&mut engine, &plain), ["CEL009"]);
    engine.remove_text(&plain);
    assert!(codes(&mut engine, &plain).is_empty());

    // "Fix all" over the buffers, as `celint --fix` makes it.
    engine.set_text(&plain, text.to_string());
    assert_eq!(
        engine.fix_all(&plain).as_deref(),
        Some(text.replace("def on(x):", "def on(x, **kwargs):").as_str())
    );
    // The file on disk is not touched.
    assert_eq!(
        fs::read_to_string(&plain).unwrap(),
        "def nothing():\n    return 1\n"
    );

    // `--add-noqa`'s edit for one finding.
    let checked = engine.check();
    let finding = &checked.files[&plain][0];
    let edits = engine::noqa_edits(finding);
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].content, "  # noqa: CEL009");
    let line_end = text.find("def on(x):").unwrap() + "def on(x):".len();
    assert_eq!(edits[0].span.start as usize, line_end);
}

#[test]
fn configuration_is_read_again_on_reload() {
    let tmp = tempfile::tempdir().unwrap();
    let root = engine::normalize(tmp.path());
    project(&root);
    let hooks = root.join("p/hooks.py");
    let (mut engine, _) = open(&root);
    assert_eq!(codes(&mut engine, &hooks), ["CEL009"]);
    let config = root.join("pyproject.toml");
    let original = fs::read_to_string(&config).unwrap();
    fs::write(
        &config,
        format!("{original}\n[tool.celint]\nignore = [\"CEL009\"]\n"),
    )
    .unwrap();
    engine.reload_config().unwrap();
    assert!(codes(&mut engine, &hooks).is_empty());
    fs::write(
        &config,
        format!("{original}\n[tool.celint]\nignore = [\"NOPE\"]\n"),
    )
    .unwrap();
    let error = engine.reload_config().unwrap_err();
    assert!(error.contains("unknown rule selector `NOPE`"), "{error}");
    // The settings in force stay.
    assert!(codes(&mut engine, &hooks).is_empty());
}
