use std::path::{Path, PathBuf};

use super::*;

fn files(list: &[(&str, &str)]) -> Vec<(PathBuf, String)> {
    list.iter()
        .map(|(p, t)| (PathBuf::from(p), t.to_string()))
        .collect()
}

fn versions_at(pv: &ProjectVersions, path: &str) -> String {
    pv.for_path(Path::new(path)).versions.describe()
}

#[test]
fn lock_files_come_before_requirements_and_pyproject() {
    let pv = from_files(
        files(&[
            (
                "/p/pyproject.toml",
                "[project]\ndependencies = [\"celery>=4\"]\n",
            ),
            ("/p/requirements.txt", "celery>=5.0\n"),
            (
                "/p/poetry.lock",
                "[[package]]\nname = \"celery\"\nversion = \"5.3.6\"\n",
            ),
        ]),
        &[],
        None,
    );
    assert_eq!(versions_at(&pv, "/p/app/tasks.py"), "5.3");
    let pv = from_files(
        files(&[
            (
                "/p/pyproject.toml",
                "[project]\ndependencies = [\"celery>=4\"]\n",
            ),
            ("/p/requirements.txt", "celery>=5.0\n"),
        ]),
        &[],
        None,
    );
    assert_eq!(versions_at(&pv, "/p/app/tasks.py"), "5.0 to 5.7");
    let pin = pv.for_path(Path::new("/p/x.py"));
    assert_eq!(
        pin.describe(),
        "5.0 to 5.7 (/p/requirements.txt:1: `celery>=5.0`)"
    );
}

#[test]
fn sub_projects_are_kept_apart() {
    let pv = from_files(
        files(&[
            ("/r/legacy/requirements.txt", "celery==3.1.25\n"),
            (
                "/r/new/pyproject.toml",
                "[project]\ndependencies = [\"celery>=5.3\"]\n",
            ),
            ("/r/new/deep/requirements/base.txt", "celery==5.5.3\n"),
            ("/r/docs/notes.txt", "celery==2.0\n"),
        ]),
        &[],
        None,
    );
    assert_eq!(versions_at(&pv, "/r/legacy/signals.py"), "3.1");
    assert_eq!(versions_at(&pv, "/r/new/worker/signals.py"), "5.3 to 5.7");
    // `requirements/base.txt` speaks for the directory above it.
    assert_eq!(versions_at(&pv, "/r/new/deep/signals.py"), "5.5");
    // Under none of them: none speaks for it.
    assert_eq!(versions_at(&pv, "/r/shared/util.py"), "5.7");
    assert_eq!(
        pv.for_path(Path::new("/r/shared/util.py")).source,
        Source::NoneAbove
    );
    assert_eq!(pv.pins().len(), 3);
}

#[test]
fn includes_and_constraints_are_followed() {
    let pv = from_files(
        files(&[
            ("/p/requirements/base.txt", "celery[redis]\n"),
            (
                "/p/requirements/prod.txt",
                "-r base.txt\n-c ../constraints.txt\n",
            ),
            ("/p/constraints.txt", "celery>=5.2,<5.4\n"),
        ]),
        &[],
        None,
    );
    // base.txt is unversioned; the constraints file (included by prod.txt, and read on its own
    // as well) decides.
    assert_eq!(versions_at(&pv, "/p/app.py"), "5.2, 5.3");
}

#[test]
fn a_given_version_wins() {
    let given = Given {
        spec: "5.5".to_string(),
        by: "`--celery-version`".to_string(),
    }
    .pin()
    .expect("a version");
    let pv = from_files(
        files(&[("/p/requirements.txt", "celery==3.1.25\n")]),
        &[],
        Some(&given),
    );
    assert_eq!(versions_at(&pv, "/p/x.py"), "5.5");
    assert_eq!(
        pv.for_path(Path::new("/p/x.py")).source_text(),
        "`5.5` given by `--celery-version`"
    );
    let range = Given {
        spec: ">=5.3,<5.5".to_string(),
        by: "x".to_string(),
    };
    assert_eq!(
        range.pin().expect("a range").versions.describe(),
        "5.3, 5.4"
    );
    let bad = Given {
        spec: "five".to_string(),
        by: "x".to_string(),
    };
    assert!(bad.pin().is_err());
}

#[test]
fn versions_beyond_the_known_ones_use_the_nearest() {
    let pv = from_files(files(&[("/p/requirements.txt", "celery>=6\n")]), &[], None);
    let pin = pv.for_path(Path::new("/p/x.py"));
    assert_eq!(pin.versions.describe(), "5.7");
    assert!(pin.beyond);
    let none = from_files(Vec::new(), &[], None);
    assert_eq!(
        none.for_path(Path::new("/p/x.py")).describe(),
        "5.7 (no Celery requirement found: the newest celint describes, 5.7)"
    );
}

#[test]
fn only_on_names_the_versions_left_out() {
    let pv = from_files(
        files(&[("/p/requirements.txt", "celery>=3.1,<5\n")]),
        &[],
        None,
    );
    let pin = pv.for_path(Path::new("/p/x.py"));
    let protocol_2 = VersionSet::all().filter(|v| v >= (4, 0));
    assert_eq!(
        pin.only_on(protocol_2).as_deref(),
        Some(
            "this holds on Celery 4.0 to 4.4 only; the project's requirement also allows 3.1 \
             (/p/requirements.txt:1: `celery>=3.1,<5`)"
        )
    );
    assert_eq!(pin.only_on(VersionSet::all()), None);
}

#[test]
fn the_directories_above_a_root_count_up_to_the_project_top() {
    let base = std::env::temp_dir().join(format!("celint-above-{}", std::process::id()));
    let project = base.join("proj");
    let root = project.join("src/app");
    std::fs::create_dir_all(&root).expect("mkdir");
    std::fs::write(project.join("requirements.txt"), "celery==4.4.7\n").expect("write");
    // Above the project's top (its `setup.cfg`): not read.
    std::fs::write(base.join("requirements.txt"), "celery==3.1.25\n").expect("write");
    let file = root.join("signals.py");
    let pv = from_files(Vec::new(), std::slice::from_ref(&root), None);
    assert_eq!(
        pv.for_path(&file).versions.describe(),
        "5.7",
        "no marker yet"
    );
    std::fs::write(project.join("setup.cfg"), "[metadata]\nname = proj\n").expect("write");
    let pv = from_files(Vec::new(), std::slice::from_ref(&root), None);
    assert_eq!(pv.for_path(&file).versions.describe(), "4.4");
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn compiled_requirements_are_locks_and_test_files_yield() {
    let pv = from_files(
        files(&[
            ("/p/requirements.in", "celery>=5.3.5\n"),
            (
                "/p/requirements.txt",
                "#\n# This file is autogenerated by pip-compile with Python 3.11\n#\ncelery==5.6.2\n    # via -r requirements.in\n",
            ),
        ]),
        &[],
        None,
    );
    assert_eq!(versions_at(&pv, "/p/x.py"), "5.6");
    let pv = from_files(
        files(&[
            ("/q/test-requirements.txt", "celery==5.3.6\n"),
            ("/q/requirements/dev.txt", "celery==5.3.6\n"),
            ("/q/requirements/base.txt", "celery>=4.4,<5\n"),
        ]),
        &[],
        None,
    );
    assert_eq!(versions_at(&pv, "/q/x.py"), "4.4");
    // Only files for tests: they are what there is.
    let pv = from_files(
        files(&[("/r/requirements-test.txt", "celery==5.3.6\n")]),
        &[],
        None,
    );
    assert_eq!(versions_at(&pv, "/r/x.py"), "5.3");
}
