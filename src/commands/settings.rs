//! The settings of a check: the command line over the configuration, resolved.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{miette, Report};

use super::selection;
use crate::cli::CheckArgs;
use celint_analysis::celery_config::TimeoutOverride;
use celint_analysis::celery_version::{Given, Pin};
use celint_catalog::blocking::UserEntries;
use celint_engine::config::{CliSelection, Config, Configs};
use celint_engine::Settings;
use celint_project::discover::{Excludes, DEFAULT_EXCLUDES};

/// The settings for this run, from the command line over the configuration that applies to
/// the first path (or the current directory).
pub(super) fn settings(
    cli: &CheckArgs,
    configs: Arc<Configs>,
    root: Option<&Config>,
    paths: Vec<PathBuf>,
) -> Result<Settings, Report> {
    let select = selection(&cli.select)?;
    let cli_sel = CliSelection {
        select: if select.is_empty() {
            None
        } else {
            Some(select)
        },
        extend_select: selection(&cli.extend_select)?,
        ignore: selection(&cli.ignore)?,
    };
    let options = root.map(|c| c.options.clone()).unwrap_or_default();
    let base = root
        .map(|c| c.dir.clone())
        .unwrap_or_else(|| std::env::current_dir().unwrap_or_default());
    let mut patterns: Vec<String> = match &options.exclude {
        Some(e) => e.clone(),
        None => DEFAULT_EXCLUDES.iter().map(|s| s.to_string()).collect(),
    };
    patterns.extend(options.extend_exclude.clone().unwrap_or_default());
    let mut excludes = Excludes::new(&patterns, base.clone()).map_err(|e| {
        miette!(
            help = "globs are like `build`, `tests/fixtures/*` or `**/migrations/*`",
            "invalid exclude pattern: {e}"
        )
    })?;
    excludes.respect_gitignore = options.respect_gitignore.unwrap_or(true);
    excludes.force = cli.force_exclude;
    let mut names = cli.blocking_calls.clone();
    names.extend(options.extend_blocking_calls.clone().unwrap_or_default());
    let extra_blocking = celint_blocking(root, names);
    Ok(Settings {
        paths,
        selection: cli_sel,
        configs,
        proc_alive_timeout: timeout_override(cli.proc_alive_timeout, root),
        celery_version: given_celery_version(cli.celery_version.as_deref(), root)?,
        extra_blocking,
        src: options
            .src
            .clone()
            .unwrap_or_default()
            .iter()
            .map(|s| base.join(s))
            .collect(),
        excludes,
        stdin: None,
        whole_project: true,
        show_worker: false,
        prescan: !cli.no_prescan,
        // A plain check exits right after printing; --fix runs the pipeline several times.
        leak_at_exit: !(cli.fix || cli.diff),
        threads: None,
    })
}

/// The timeout given to celint, and where: the command line over the root configuration.
pub(super) fn timeout_override(cli: Option<f64>, root: Option<&Config>) -> Option<TimeoutOverride> {
    if let Some(seconds) = cli {
        return Some(TimeoutOverride {
            seconds,
            source: "`--proc-alive-timeout`".to_string(),
        });
    }
    let config = root?;
    Some(TimeoutOverride {
        seconds: config.options.proc_alive_timeout?,
        source: format!(
            "`proc-alive-timeout` in {}",
            celint_syntax::source::display_path(&config.path)
        ),
    })
}

/// The Celery versions given to celint: the command line over the root configuration.
pub(super) fn given_celery_version(
    cli: Option<&str>,
    root: Option<&Config>,
) -> Result<Option<Pin>, Report> {
    let config = root.and_then(|c| Some((c.options.celery_version.as_deref()?, c.path.as_path())));
    let Some(given) = Given::from(cli, config) else {
        return Ok(None);
    };
    given.pin().map(Some).map_err(|e| {
        miette!(
            help = "e.g. --celery-version 5.3, or a range: --celery-version '>=5.3,<5.5'",
            "{e} (given by {})",
            given.by
        )
    })
}

/// The user's blocking calls: the root configuration's entries, and names from both places.
pub(super) fn celint_blocking(root: Option<&Config>, names: Vec<String>) -> UserEntries {
    UserEntries {
        entries: root.map(|c| c.blocking_entries.clone()).unwrap_or_default(),
        names,
    }
}

/// The directory SARIF URIs are relative to: the repository holding the first path (else the
/// one holding the current directory), else the current directory.
pub(super) fn repository_root(first: Option<&Path>) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let git = |start: &Path| {
        start
            .ancestors()
            .find(|d| d.join(".git").exists())
            .map(Path::to_path_buf)
    };
    first
        .map(celint_project::project::canonical)
        .and_then(|p| git(&p))
        .or_else(|| git(&cwd))
        .unwrap_or(cwd)
}

/// The settings `celint check ROOT` would use (project mode, the configuration found above
/// `root`, nothing given on the command line), for the other front end: the language server
/// gets this function from the binary (`celint server`). Nothing is leaked at the end of a run:
/// the caller lives on.
pub fn settings_for_root(root: &Path) -> Result<Settings, String> {
    let args = [std::ffi::OsStr::new("celint"), root.as_os_str()];
    let cli = <crate::cli::Cli as clap::Parser>::try_parse_from(args).map_err(|e| e.to_string())?;
    let configs = Arc::new(Configs::new(None, false));
    let config = configs.for_file(root).map_err(|e| e.to_string())?;
    let mut settings = settings(
        &cli.check,
        configs.clone(),
        config.as_deref(),
        vec![root.into()],
    )
    .map_err(|e| e.to_string())?;
    settings.leak_at_exit = false;
    Ok(settings)
}
