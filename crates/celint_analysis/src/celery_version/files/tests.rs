use std::path::Path;

use super::*;

fn specs(form: Form, path: &str, text: &str) -> Vec<(usize, String, String)> {
    read(form, Path::new(path), text)
        .found
        .into_iter()
        .map(|f| {
            let allowed = f
                .allowed
                .map_or("unpinned".to_string(), |a| a.set.describe());
            (f.line, f.written, allowed)
        })
        .collect()
}

fn one(line: usize, written: &str, allowed: &str) -> Vec<(usize, String, String)> {
    vec![(line, written.to_string(), allowed.to_string())]
}

#[test]
fn forms_by_path() {
    assert_eq!(
        form(Path::new("/p/requirements.txt")),
        Some(Form::Requirements)
    );
    assert_eq!(
        form(Path::new("/p/requirements-dev.in")),
        Some(Form::Requirements)
    );
    assert_eq!(
        form(Path::new("/p/dev-constraints.txt")),
        Some(Form::Requirements)
    );
    assert_eq!(
        form(Path::new("/p/requirements/base.txt")),
        Some(Form::Requirements)
    );
    assert_eq!(form(Path::new("/p/docs/notes.txt")), None);
    assert_eq!(form(Path::new("/p/MANIFEST.in")), None);
    assert_eq!(form(Path::new("/p/environment.yml")), Some(Form::Conda));
    assert_eq!(form(Path::new("/p/uv.lock")), Some(Form::UvLock));
    assert!(Form::PoetryLock.tier() < Form::Requirements.tier());
    assert!(Form::Requirements.tier() < Form::Pyproject.tier());
    assert!(Form::Pyproject.tier() < Form::SetupPy.tier());
    assert!(Form::SetupCfg.tier() < Form::Conda.tier());
}

#[test]
fn pep508_names_celery_only() {
    assert_eq!(pep508("celery==5.3.6"), Some(Some("==5.3.6".into())));
    assert_eq!(
        pep508("Celery[redis,sqs] >= 5.2, <6"),
        Some(Some(">= 5.2, <6".into()))
    );
    assert_eq!(pep508("celery (>=4.0)"), Some(Some(">=4.0".into())));
    assert_eq!(
        pep508("celery>=5; python_version >= '3.8'"),
        Some(Some(">=5".into()))
    );
    assert_eq!(pep508("celery"), Some(Some(String::new())));
    assert_eq!(
        pep508("celery @ git+https://github.com/celery/celery"),
        Some(None)
    );
    assert_eq!(pep508("celery-redbeat==2.0"), None);
    assert_eq!(pep508("django-celery-beat>=2"), None);
    assert_eq!(pep508("celery_once"), None);
    assert_eq!(pep508("celery tasks"), None);
}

#[test]
fn requirements_files() {
    let text = "# the worker\n-r base.txt\n--constraint=constraints.txt\ncelery[redis]==5.3.6 \\\n    --hash=sha256:abc\nredis>=4  # celery's broker\n-e git+https://github.com/celery/celery.git#egg=celery\n";
    let r = read(
        Form::Requirements,
        Path::new("/p/requirements/dev.txt"),
        text,
    );
    assert_eq!(r.includes, vec![Path::new("/p/requirements/base.txt")]);
    assert_eq!(
        r.constraints,
        vec![Path::new("/p/requirements/constraints.txt")]
    );
    let found: Vec<_> = r
        .found
        .iter()
        .map(|f| (f.line, f.written.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![
            (4, "celery[redis]==5.3.6"),
            (7, "-e git+https://github.com/celery/celery.git#egg=celery")
        ]
    );
    assert_eq!(
        r.found[0].allowed.map(|a| a.set.describe()),
        Some("5.3".into())
    );
    assert_eq!(r.found[1].allowed, None);
}

#[test]
fn lock_files() {
    let poetry = "[[package]]\nname = \"celery-redbeat\"\nversion = \"2.0.0\"\n\n[[package]]\nname = \"celery\"\nversion = \"5.3.6\"\ndescription = \"x\"\n";
    assert_eq!(
        specs(Form::PoetryLock, "/p/poetry.lock", poetry),
        one(6, "celery 5.3.6", "5.3")
    );
    let uv = "version = 1\n[[package]]\nname = \"celery\"\nversion = \"4.4.7\"\nsource = { registry = \"https://pypi.org/simple\" }\n";
    assert_eq!(
        specs(Form::UvLock, "/p/uv.lock", uv),
        one(3, "celery 4.4.7", "4.4")
    );
    let pipfile = "{\n  \"default\": {\n    \"celery\": {\n      \"version\": \"==3.1.25\"\n    }\n  },\n  \"develop\": {}\n}\n";
    assert_eq!(
        specs(Form::PipfileLock, "/p/Pipfile.lock", pipfile),
        one(3, "\"celery\": ==3.1.25", "3.1")
    );
}

#[test]
fn setup_files() {
    let cfg = "[metadata]\nname = x\n\n[options]\ninstall_requires =\n    django>=4\n    celery>=5.2,<5.4\npackages = find:\n\n[options.extras_require]\nold = celery==4.4.7\n\n[isort]\nknown_third_party = celery\n";
    assert_eq!(
        specs(Form::SetupCfg, "/p/setup.cfg", cfg),
        vec![
            (7, "celery>=5.2,<5.4".to_string(), "5.2, 5.3".to_string()),
            (11, "celery==4.4.7".to_string(), "4.4".to_string())
        ]
    );
    let py = "from setuptools import setup\nsetup(\n    name='x',\n    keywords='celery',\n    install_requires=['celery>=4.4,<5', \"redis\"],\n)\n";
    assert_eq!(
        specs(Form::SetupPy, "/p/setup.py", py),
        one(5, "celery>=4.4,<5", "4.4")
    );
}

#[test]
fn conda_environments() {
    let env = "name: x\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - conda-forge::celery=5.3.6=pyhd8ed1ab_0\n  - pip\n  - pip:\n      - celery[redis]>=5.2\n  - redis\n";
    assert_eq!(
        specs(Form::Conda, "/p/environment.yml", env),
        vec![
            (
                6,
                "conda-forge::celery=5.3.6=pyhd8ed1ab_0".to_string(),
                "5.3".to_string()
            ),
            (
                9,
                "celery[redis]>=5.2".to_string(),
                "5.2 to 5.7".to_string()
            )
        ]
    );
}

#[test]
fn pyproject_forms() {
    let pep621 = "[project]\nname = \"x\"\ndependencies = [\n  \"django>=4\",\n  \"celery[redis]>=5.3,<6\",\n]\n[project.optional-dependencies]\nold = [\"celery==4.4.7\"]\n[tool.isort]\nknown_third_party = [\"celery\"]\n";
    assert_eq!(
        specs(Form::Pyproject, "/p/pyproject.toml", pep621),
        vec![
            (
                5,
                "celery[redis]>=5.3,<6".to_string(),
                "5.3 to 5.7".to_string()
            ),
            (8, "celery==4.4.7".to_string(), "4.4".to_string())
        ]
    );
    let poetry = "[tool.poetry]\nname = \"x\"\n[tool.poetry.dependencies]\npython = \"^3.10\"\ncelery = { version = \"^5.2\", extras = [\"redis\"] }\n";
    assert_eq!(
        specs(Form::Pyproject, "/p/pyproject.toml", poetry),
        one(5, "celery = \"^5.2\"", "5.2 to 5.7")
    );
    let groups = "[tool.poetry.group.worker.dependencies]\nCelery = \"~5.3\"\n";
    assert_eq!(
        specs(Form::Pyproject, "/p/pyproject.toml", groups),
        one(2, "Celery = \"~5.3\"", "5.3")
    );
    let pdm = "[tool.pdm.dev-dependencies]\ntest = [\"celery>=5.5\"]\n";
    assert_eq!(
        specs(Form::Pyproject, "/p/pyproject.toml", pdm),
        one(2, "celery>=5.5", "5.5 to 5.7")
    );
    let pipfile = "[packages]\ncelery = \"*\"\n";
    assert_eq!(
        specs(Form::Pipfile, "/p/Pipfile", pipfile),
        one(2, "celery = \"*\"", "unpinned")
    );
}

#[test]
fn compiled_and_auxiliary_files() {
    let compiled = "#\n# This file is autogenerated by pip-compile with Python 3.11\n# by the following command:\n";
    assert_eq!(
        refine(Form::Requirements, compiled),
        Form::CompiledRequirements
    );
    assert_eq!(
        refine(Form::Requirements, "celery==5\n"),
        Form::Requirements
    );
    assert_eq!(refine(Form::Pyproject, compiled), Form::Pyproject);
    for aux in [
        "test-requirements-0.txt",
        "requirements_dev.txt",
        "requirements/docs.txt",
        "requirements/local.txt",
        "requirements/functests.txt",
    ] {
        assert!(is_auxiliary(Path::new(aux)), "{aux}");
    }
    for main in [
        "requirements.txt",
        "requirements/base.txt",
        "requirements/production.txt",
        "constraints.txt",
        "requirements-latest.txt",
    ] {
        assert!(!is_auxiliary(Path::new(main)), "{main}");
    }
}
