//! The modules `celery -A <app>` imports first, as Celery finds the app
//! (`celery/app/utils.py` `find_app`, kombu's `symbol_by_name`): `proj.celery:app` imports
//! `proj`, then `proj.celery`; `proj.celery.app` is the attribute `app` of `proj.celery` when
//! no module has that name; `proj`, a package that binds neither `app` nor `celery`, is
//! looked for in `proj.celery`. Python imports each package on the way first.
//!
//! The module is looked for in the directory the command runs in, as Python finds it there
//! (the current directory is first on `sys.path`), namespace packages (no `__init__.py`)
//! included: not through the project's source roots, where another module may have the name.

use std::path::{Path, PathBuf};

use celint_project::project::{ModuleId, Project};

/// The module part of an `-A` value: before `:`, without quotes or spaces.
fn module_part(app: &str) -> Option<&str> {
    let app = app.trim().trim_matches(|c| c == '"' || c == '\'');
    let module = app.split(':').next()?.trim();
    let valid = !module.is_empty()
        && module
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'));
    valid.then_some(module)
}

/// The project modules `-A app` imports, in the order Python runs them (packages first),
/// looked for from `workdir` first, then the project's source roots. Empty when the module
/// is not the project's.
pub fn modules(project: &Project, app: &str, workdir: &Path) -> Vec<ModuleId> {
    let Some(module) = module_part(app) else {
        return Vec::new();
    };
    let attribute_form = !app.contains(':');
    let find = |name: &str| file_in(workdir, name).and_then(|p| project.module_at(&p));
    // `a.b.c` names a module, or the attribute `c` of module `a.b`.
    let (found, name) = match find(module) {
        Some(id) => (id, module.to_string()),
        None => match module.rsplit_once('.') {
            Some((parent, _)) if attribute_form => match find(parent) {
                Some(id) => (id, parent.to_string()),
                None => return Vec::new(),
            },
            _ => return Vec::new(),
        },
    };
    let mut out: Vec<ModuleId> = Vec::new();
    let parts: Vec<&str> = name.split('.').collect();
    for i in 1..parts.len() {
        if let Some(id) = parts.get(..i).and_then(|p| find(&p.join("."))) {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    if !out.contains(&found) {
        out.push(found);
    }
    // `-A proj` for a package whose `__init__` binds no app: Celery imports `proj.celery`.
    let package_without_app = name == module
        && attribute_form
        && project.module(found).is_some_and(|m| {
            m.is_package
                && !["app", "celery"]
                    .iter()
                    .any(|n| m.symbols.module.names.contains_key(*n))
        });
    if package_without_app {
        if let Some(id) = find(&format!("{name}.celery")) {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    out
}

/// The file of module `name` under `dir`: `a/b.py` or `a/b/__init__.py`.
fn file_in(dir: &Path, name: &str) -> Option<PathBuf> {
    let mut base = dir.to_path_buf();
    base.extend(name.split('.'));
    [base.with_extension("py"), base.join("__init__.py")]
        .into_iter()
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::module_part;

    #[test]
    fn module_part_of_app_values() {
        assert_eq!(module_part("proj"), Some("proj"));
        assert_eq!(module_part("proj.celery:app"), Some("proj.celery"));
        assert_eq!(module_part("'proj.worker'"), Some("proj.worker"));
        assert_eq!(module_part("$CELERY_APP"), None);
        assert_eq!(module_part("{{ .Values.app }}"), None);
        assert_eq!(module_part("proj..x"), None);
        assert_eq!(module_part(""), None);
    }
}
