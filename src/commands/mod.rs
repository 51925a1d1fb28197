//! What the command line asks for, carried out: settings from the CLI and the configuration,
//! then check, fix, diff, add-noqa or show-settings, the outputs, and the exit status
//! (0 no findings, 1 findings, 2 usage, configuration or internal error).

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{miette, Report};

use crate::cli::{CheckArgs, Cli, ColorChoice, Command, RuleFormat};
use celint_engine::config::{Config, Configs};
use celint_engine::Settings;
use celint_linter::rules::{self, Rule};
use celint_output::render::{self, OutputFormat, SummaryOptions};

mod explain;
pub mod settings;

use settings::{repository_root, settings};

pub(super) const SUCCESS: u8 = 0;
pub(super) const FINDINGS: u8 = 1;
pub(super) const FAILURE: u8 = 2;

pub(super) fn fail(report: Report) -> u8 {
    eprintln!("{report:?}");
    FAILURE
}

pub(super) fn selection(items: &[String]) -> Result<Vec<Rule>, Report> {
    let mut out = Vec::new();
    for item in items.iter().filter(|s| !s.trim().is_empty()) {
        match rules::parse_selector(item) {
            Some(rules) => out.extend(rules),
            None => {
                return Err(miette!(
                    help = "use a rule code (CEL001), a code prefix (CEL00) or a rule name (shutdown-before-ready)",
                    "unknown rule selector `{item}`"
                ))
            }
        }
    }
    Ok(out)
}

pub(super) fn print(text: &str) {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    // A closed pipe (`celint | head`) is not an error worth reporting.
    let _ = lock.write_all(text.as_bytes());
    let _ = lock.flush();
}

/// Where the main output goes and which extra outputs are written.
struct Outputs {
    main_file: Option<PathBuf>,
    extra: Vec<(OutputFormat, PathBuf)>,
}

/// A format's name as written on the command line (`json-lines`).
fn format_name(format: OutputFormat) -> String {
    clap::ValueEnum::to_possible_value(&format)
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

/// The output formats' names, for messages.
fn format_names() -> String {
    <OutputFormat as clap::ValueEnum>::value_variants()
        .iter()
        .map(|f| format_name(*f))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `--output-file` items: `FORMAT:PATH`, or one PATH alone for the main output. Text before
/// the first `:` that could be a format's name must be one (`sarf:x.sarif` is a typo, not a
/// file name); `./a:b` writes a file named `a:b`.
fn outputs(items: &[String]) -> Result<Outputs, Report> {
    let mut out = Outputs {
        main_file: None,
        extra: Vec::new(),
    };
    for item in items {
        let named = item.split_once(':').filter(|(f, _)| {
            f.len() > 1
                && f.starts_with(|c: char| c.is_ascii_alphabetic())
                && f.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
        match named {
            Some((name, path)) => {
                let Some(format) = OutputFormat::parse(name) else {
                    return Err(miette!(
                        help = format!("the formats are {}", format_names()),
                        "unknown output format `{name}` in --output-file `{item}`"
                    ));
                };
                if path.is_empty() {
                    return Err(miette!(
                        help = "write FORMAT:PATH, e.g. --output-file sarif:celint.sarif",
                        "--output-file `{item}` names no file"
                    ));
                }
                out.extra.push((format, PathBuf::from(path)))
            }
            None if out.main_file.is_none() => out.main_file = Some(PathBuf::from(item)),
            None => {
                return Err(miette!(
                    help = "write FORMAT:PATH, e.g. --output-file sarif:celint.sarif",
                    "--output-file `{item}` names no output format, and the main output already goes to `{}`",
                    out.main_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default()
                ))
            }
        }
    }
    Ok(out)
}

fn show_settings(
    settings: &Settings,
    path: &Path,
    root: Option<&Config>,
    format: OutputFormat,
) -> u8 {
    let config = match settings.configs.for_file(path) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let rules = settings.rules_for(path);
    let mut out = format!("Settings for {}\n", path.display());
    out.push_str(&format!(
        "configuration file: {}\n",
        config
            .as_ref()
            .map(|c| c.path.display().to_string())
            .unwrap_or_else(|| "(none)".to_string())
    ));
    out.push_str(&format!(
        "project root: {}\n",
        celint_engine::scope::project_root(path)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "(none: the path is linted alone)".to_string())
    ));
    out.push_str(&format!(
        "root configuration: {}\n",
        root.map(|c| c.path.display().to_string())
            .unwrap_or_else(|| "(none)".to_string())
    ));
    out.push_str(&format!(
        "rules: {}\n",
        rules
            .iter()
            .map(|r| r.code())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    out.push_str(&format!(
        "proc-alive-timeout: {}\n",
        settings
            .proc_alive_timeout
            .as_ref()
            .map(|t| format!("{} s (from {})", t.seconds, t.source))
            .unwrap_or_else(|| "(found in the project, else Celery's default of 4 s)".to_string())
    ));
    out.push_str(&format!(
        "celery-version: {}\n",
        settings
            .celery_version
            .as_ref()
            .map(|p| p.describe())
            .unwrap_or_else(|| {
                "(read from the project's dependency files; `--show-worker` shows it)".to_string()
            })
    ));
    out.push_str(&format!(
        "extend-blocking-calls: {:?}\n",
        settings.extra_blocking.names
    ));
    out.push_str(&format!(
        "src: {:?}\n",
        settings
            .src
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
    ));
    out.push_str(&format!(
        "respect-gitignore: {}\n",
        settings.excludes.respect_gitignore
    ));
    out.push_str(&format!(
        "excluded: {}\n",
        settings.excludes.excludes_path(path)
    ));
    out.push_str(&format!("output-format: {}\n", format_name(format)));
    print(&out);
    SUCCESS
}

/// The command line carried out: a subcommand, or `celint [PATHS]` as `celint check [PATHS]`.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Some(Command::Check(args)) => check(*args),
        Some(Command::Rule(args)) => match (&args.rule, args.all) {
            (Some(rule), _) => explain::rule(rule, args.output_format == RuleFormat::Json),
            (None, _) => {
                print(&rules::listing::all(args.output_format == RuleFormat::Json));
                SUCCESS
            }
        },
        Some(Command::Server) => {
            let status = celint_server::run(settings::settings_for_root);
            u8::try_from(status).unwrap_or(1)
        }
        None => check(cli.check),
    }
}

fn check(cli: CheckArgs) -> u8 {
    if let Some(rule) = &cli.explain {
        return explain::rule(rule, false);
    }
    if let Some(t) = cli.proc_alive_timeout {
        if !(t.is_finite() && t > 0.0) {
            return fail(miette!(
                help = "give the timeout in seconds, e.g. --proc-alive-timeout 10",
                "--proc-alive-timeout must be a positive number of seconds, not {t}"
            ));
        }
    }
    let forced = match &cli.config {
        Some(path) => match Config::load(path) {
            Ok(Some(c)) => Some(c),
            Ok(None) => {
                return fail(miette!(
                    help = "add a [tool.celint] table, or use a celint.toml",
                    "`{}` has no [tool.celint] table",
                    path.display()
                ))
            }
            Err(e) => return fail(e),
        },
        None => None,
    };
    let configs = Arc::new(Configs::new(forced, cli.isolated));
    let (paths, reads_stdin) = inputs(&cli);
    let first = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let root = match configs.for_file(&first) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let mut settings = match settings(&cli, configs.clone(), root.as_deref(), paths) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    if let Some(name) = &cli.explain_call {
        return explain::call(name, &settings.extra_blocking);
    }
    // Standard input without a file name has no place in a project.
    settings.whole_project = !reads_stdin || cli.stdin_filename.is_some();
    let terminal = std::io::stdout().is_terminal();
    let format = cli
        .output_format
        .or(root.as_ref().and_then(|c| c.options.output_format))
        .unwrap_or(if terminal {
            OutputFormat::Full
        } else {
            OutputFormat::Concise
        });
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && !no_color,
    };
    if cli.show_settings {
        return show_settings(&settings, &first, root.as_deref(), format);
    }
    if cli.show_files {
        return explain::show_files(&settings);
    }
    if cli.show_worker {
        return explain::show_worker(&mut settings);
    }
    if cli.statistics
        && !matches!(
            format,
            OutputFormat::Full | OutputFormat::Concise | OutputFormat::Json
        )
    {
        return fail(miette!(
            help = "use --output-format concise (a table) or json with --statistics",
            "--statistics prints a table or json, not {}",
            format_name(format)
        ));
    }
    let outputs = match outputs(&cli.output_file) {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    if reads_stdin {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            return fail(miette!("cannot read standard input: {e}"));
        }
        let name = settings.paths.first().cloned().unwrap_or_default();
        settings.stdin = Some((name, text));
    }
    let code = if cli.add_noqa {
        add_noqa(&settings, cli.quiet)
    } else {
        check_or_fix(&cli, &settings, format, color, &outputs)
    };
    // A configuration file found while linting that could not be read makes the run fail.
    let config_errors = configs_errors(&configs);
    if !config_errors.is_empty() {
        for e in config_errors {
            eprintln!("{e}");
        }
        return FAILURE;
    }
    code
}

/// The paths to lint, and whether standard input stands in for the one file. As in Ruff,
/// `--stdin-filename` reads standard input with or without `-`, and other paths are ignored.
fn inputs(cli: &CheckArgs) -> (Vec<PathBuf>, bool) {
    let dash = cli.paths.iter().any(|p| p.as_os_str() == "-");
    if let Some(name) = &cli.stdin_filename {
        for p in cli.paths.iter().filter(|p| p.as_os_str() != "-") {
            eprintln!(
                "warning: Ignoring file {} in favor of standard input.",
                p.display()
            );
        }
        return (vec![name.clone()], true);
    }
    if dash {
        return (vec![PathBuf::from("stdin.py")], true);
    }
    if cli.paths.is_empty() {
        return (vec![PathBuf::from(".")], false);
    }
    (cli.paths.clone(), false)
}

/// Writes an output file; false (and a message) when it cannot.
fn write_output(path: &Path, body: &str) -> bool {
    match std::fs::write(path, body) {
        Ok(()) => true,
        Err(e) => {
            let message = celint_project::discover::io_message(&e);
            eprintln!(
                "{:?}",
                miette!("cannot write `{}`: {message}", path.display())
            );
            false
        }
    }
}

fn configs_errors(configs: &Configs) -> Vec<String> {
    configs.take_errors()
}

fn add_noqa(settings: &Settings, quiet: bool) -> u8 {
    let report = celint_engine::run(settings);
    let mut failed = false;
    let mut added = 0;
    for (module, text, n) in celint_output::add_noqa::add(&report.diagnostics) {
        match celint_output::write::write_fixed(&module.source.path, &text) {
            Ok(()) => added += n,
            Err(e) => {
                failed = true;
                eprintln!(
                    "{:?}",
                    miette!(
                        help = "the file was left as it was",
                        "cannot add noqa to `{}`: {e}",
                        module.source.display
                    )
                );
            }
        }
    }
    failed |= report_errors(&report);
    if !quiet {
        eprintln!(
            "Added {added} noqa directive{}.",
            if added == 1 { "" } else { "s" }
        );
    }
    if failed {
        FAILURE
    } else {
        SUCCESS
    }
}

fn report_errors(report: &celint_engine::Report) -> bool {
    for e in &report.errors {
        eprintln!(
            "{:?}",
            miette!(
                help = "check that the path exists and is readable; the other files were linted",
                "cannot read `{}`: {}",
                e.path,
                e.message
            )
        );
    }
    !report.errors.is_empty()
}

/// Reports the fixes that made a file worse (they were not applied); true when there are any.
fn broken(outcome: &celint_linter::fix::FixOutcome) -> bool {
    for b in &outcome.broken {
        eprintln!(
            "{:?}",
            miette!(
                help = "this is a bug in celint's fix for this file: please report it",
                "fix introduced a syntax error in `{b}`; the file was left as it was"
            )
        );
    }
    !outcome.broken.is_empty()
}

/// `--diff`: the fixes as a unified diff; nothing is written.
fn print_diff(
    settings: &Settings,
    report: &celint_engine::Report,
    outcome: celint_linter::fix::FixOutcome,
    quiet: bool,
) -> u8 {
    let mut failed = false;
    let mut text = String::new();
    for (path, (display, new_text)) in &outcome.fixed {
        let old = match &settings.stdin {
            Some((_, t)) => t.clone(),
            None => std::fs::read(path)
                .ok()
                .and_then(|b| {
                    celint_syntax::source::SourceFile::decode(String::new(), path.clone(), &b).ok()
                })
                .map(|s| s.text)
                .unwrap_or_default(),
        };
        text.push_str(
            &similar::TextDiff::from_lines(&old, new_text)
                .unified_diff()
                .header(display, display)
                .to_string(),
        );
    }
    print(&text);
    failed |= broken(&outcome);
    failed |= report_errors(report);
    let n = outcome.total();
    if !quiet {
        eprintln!("Would fix {n} problem{}.", if n == 1 { "" } else { "s" });
    }
    if failed {
        FAILURE
    } else if outcome.fixed.is_empty() {
        SUCCESS
    } else {
        FINDINGS
    }
}

/// Writes the fixed files; returns how many findings were fixed and whether a write failed.
fn write_fixes(outcome: &celint_linter::fix::FixOutcome) -> (usize, bool) {
    let mut fixed = 0;
    let mut failed = false;
    for (path, (display, new_text)) in &outcome.fixed {
        match celint_output::write::write_fixed(path, new_text) {
            Ok(()) => fixed += outcome.counts.get(display).map_or(0, Vec::len),
            Err(e) => {
                failed = true;
                eprintln!(
                    "{:?}",
                    miette!(
                        help = "the other files were fixed",
                        "cannot fix `{display}`: {e}"
                    )
                );
            }
        }
    }
    (fixed, failed)
}

fn check_or_fix(
    cli: &CheckArgs,
    settings: &Settings,
    format: OutputFormat,
    color: bool,
    outputs: &Outputs,
) -> u8 {
    let mut failed = false;
    let (report, outcome) = if cli.fix || cli.diff {
        let (report, outcome) = celint_engine::fix_all::fix_all(settings, cli.unsafe_fixes);
        (report, Some(outcome))
    } else {
        (celint_engine::run(settings), None)
    };
    if cli.diff {
        return print_diff(settings, &report, outcome.unwrap_or_default(), cli.quiet);
    }

    let mut fixed_count = 0;
    if let Some(outcome) = &outcome {
        if let Some((_, _)) = &settings.stdin {
            // With standard input the fixed source goes to standard output, like Ruff.
            if let Some((_, (_, text))) = outcome.fixed.iter().next() {
                print(text);
            } else if let Some((_, t)) = &settings.stdin {
                print(t);
            }
            failed |= broken(outcome);
            return if failed {
                FAILURE
            } else if report.diagnostics.is_empty() || cli.exit_zero {
                SUCCESS
            } else {
                FINDINGS
            };
        }
        let (count, write_failed) = write_fixes(outcome);
        fixed_count = count;
        failed |= write_failed;
        failed |= broken(outcome);
    }

    let options = SummaryOptions {
        unsafe_fixes: cli.unsafe_fixes,
        fixed: outcome.as_ref().map(|_| fixed_count),
        root: repository_root(settings.paths.first().map(PathBuf::as_path)),
        unreadable: report.errors.len(),
        quiet: cli.quiet,
    };
    let mut text = if cli.statistics {
        render::statistics(format, &report.diagnostics, cli.unsafe_fixes)
    } else {
        render::render(format, &report.diagnostics, color, &options)
    };
    if cli.show_fixes {
        if let Some(outcome) = &outcome {
            text.push_str(&render::fixes_list(outcome));
        }
    }
    match &outputs.main_file {
        // The main output, written to a file as it would have been printed (without colour).
        Some(path) => {
            let plain = if cli.statistics {
                render::statistics(format, &report.diagnostics, cli.unsafe_fixes)
            } else {
                render::render(format, &report.diagnostics, false, &options)
            };
            failed |= !write_output(path, &plain);
        }
        None => print(&text),
    }
    for (extra_format, path) in &outputs.extra {
        let body = render::render(*extra_format, &report.diagnostics, false, &options);
        failed |= !write_output(path, &body);
    }
    failed |= report_errors(&report);
    if failed {
        FAILURE
    } else if !report.diagnostics.is_empty() && !cli.exit_zero {
        FINDINGS
    } else {
        SUCCESS
    }
}
