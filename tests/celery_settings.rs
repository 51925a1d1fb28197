//! Where celint says a Celery setting came from: the CEL004 note names the place, and says when
//! the value is the default of an environment lookup (the worker's environment may set another).

use std::process::Command;

/// Copies a file or directory of the repository to the same relative place under `to`.
fn copy(rel: &std::path::Path, to: &std::path::Path) {
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let dest = to.join(rel);
    if from.is_dir() {
        for entry in std::fs::read_dir(&from).unwrap() {
            let name = entry.unwrap().file_name();
            copy(&rel.join(name), to);
        }
    } else {
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&from, &dest).unwrap();
    }
}

/// The full output for one fixture, linted on its own: a copy outside the repository, so that
/// project mode does not take the other fixtures (and their settings) as its project.
fn full(path: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    copy(std::path::Path::new(path), dir.path());
    let o = Command::new(env!("CARGO_BIN_EXE_celint"))
        .args([
            "--isolated",
            "--output-format",
            "full",
            "--color",
            "never",
            path,
        ])
        .current_dir(dir.path())
        .output()
        .expect("celint runs");
    assert_eq!(o.status.code(), Some(1), "{path}: one finding expected");
    String::from_utf8(o.stdout).expect("utf-8 output")
}

#[test]
fn an_environment_default_is_named_as_such() {
    let out = full("fixtures/deep/timeout_env_default_via_name_at_boundary.py");
    assert!(
        out.contains(
            "`worker_proc_alive_timeout` is 6 s: set by `app.conf.worker_proc_alive_timeout = TIMEOUT` \
             (fixtures/deep/timeout_env_default_via_name_at_boundary.py:11), the default used when \
             the environment variable `PROC_TIMEOUT` is not set"
        ),
        "{out}"
    );
    let out = full("fixtures/deep/timeout_env_default_django_at_boundary");
    assert!(
        out.contains("proj/settings.py:7), the default used when the environment variable `CELERY_PROC_TIMEOUT` is not set"),
        "{out}"
    );
}

#[test]
fn a_value_from_a_flask_configuration_or_a_function_points_at_the_mapping() {
    let out = full("fixtures/deep/timeout_flask_config_at_boundary");
    assert!(
        out.contains(
            "`worker_proc_alive_timeout` is 6 s: set by `flask_app.config[\"CELERY_CONFIG\"] = {"
        ),
        "{out}"
    );
    assert!(!out.contains("environment variable"), "{out}");
    let out = full("fixtures/deep/timeout_function_dict_at_boundary.py");
    assert!(out.contains("(the largest of 2 values set)"), "{out}");
    assert!(out.contains("set by `dict(broker_url="), "{out}");
}

#[test]
fn settings_celery_does_not_read_leave_the_default() {
    for path in [
        "fixtures/CEL004/django_settings_without_namespace",
        "fixtures/CEL004/settings_never_loaded",
        "fixtures/CEL004/namespaced_key_without_namespace.py",
        "fixtures/CEL004/flask_config_not_handed",
    ] {
        let out = full(path);
        assert!(
            out.contains(
                "`worker_proc_alive_timeout` is 4 s: Celery's default, not set in the project"
            ),
            "{path}: {out}"
        );
    }
}
