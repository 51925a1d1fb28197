//! The files celint reads besides the open buffers, watched through the client
//! (`workspace/didChangeWatchedFiles`): Python files, configuration, the dependency files the
//! Celery version is read from, the deployment files the worker model is read from, and the
//! ignore files the walk honours.

use std::path::Path;

use lsp_types::{
    DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher, GlobPattern, Registration,
    RegistrationParams,
};

/// Configuration files: a change reloads the configuration.
const CONFIG: &[&str] = &["pyproject.toml", "celint.toml", ".celint.toml"];

/// What is watched, as globs relative to each workspace folder.
pub const GLOBS: &[&str] = &[
    // Python, and configuration.
    "**/*.py",
    "**/*.pyi",
    "**/pyproject.toml",
    "**/celint.toml",
    "**/.celint.toml",
    // Where the Celery version comes from.
    "**/setup.cfg",
    "**/*.lock",
    "**/Pipfile",
    "**/*.txt",
    "**/*.in",
    "**/environment*.yml",
    "**/environment*.yaml",
    "**/conda*.yml",
    "**/conda*.yaml",
    // Where the workers' command lines come from.
    "**/Procfile*",
    "**/Dockerfile*",
    "**/Containerfile*",
    "**/*.dockerfile",
    "**/*.yml",
    "**/*.yaml",
    "**/*.service",
    "**/Makefile",
    "**/makefile",
    "**/GNUmakefile",
    "**/*.mk",
    "**/*.sh",
    "**/*.bash",
    "**/*.conf",
    "**/*.ini",
    "**/*.cfg",
    "**/celeryd*",
    "**/celerybeat*",
    "**/entrypoint*",
    "**/docker-entrypoint*",
    "**/start*",
    "**/run*",
    "**/*worker*",
    // What the walk skips.
    "**/.gitignore",
    "**/.ignore",
];

pub const REGISTRATION_ID: &str = "celint-watched-files";

/// The `client/registerCapability` parameters for the watchers.
pub fn registration() -> RegistrationParams {
    let options = DidChangeWatchedFilesRegistrationOptions {
        watchers: GLOBS
            .iter()
            .map(|g| FileSystemWatcher {
                glob_pattern: GlobPattern::String(g.to_string()),
                kind: None,
            })
            .collect(),
    };
    RegistrationParams {
        registrations: vec![Registration {
            id: REGISTRATION_ID.to_string(),
            method: "workspace/didChangeWatchedFiles".to_string(),
            register_options: serde_json::to_value(options).ok(),
        }],
    }
}

pub fn is_config(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| CONFIG.contains(&n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_files_are_known_by_name() {
        assert!(is_config(Path::new("/p/pyproject.toml")));
        assert!(is_config(Path::new("/p/sub/.celint.toml")));
        assert!(!is_config(Path::new("/p/setup.cfg")));
        assert!(!is_config(Path::new("/p/pyproject.toml.bak")));
    }

    #[test]
    fn registration_watches_every_glob() {
        let params = registration();
        let Some(reg) = params.registrations.first() else {
            panic!("one registration")
        };
        let watchers = reg
            .register_options
            .as_ref()
            .and_then(|o| o.get("watchers"))
            .and_then(|w| w.as_array())
            .map_or(0, Vec::len);
        assert_eq!(watchers, GLOBS.len());
    }
}
