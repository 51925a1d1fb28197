//! The commands that describe celint rather than lint: `celint rule`, `--explain`,
//! `--explain-call` and `--show-files`.

use miette::miette;

use super::{fail, print, FAILURE, FINDINGS, SUCCESS};
use celint_catalog::blocking::UserEntries;
use celint_linter::rules::{listing, Rule};

/// `celint rule CODE` and `--explain CODE`: the rule's document (or JSON object).
pub(super) fn rule(name: &str, as_json: bool) -> u8 {
    match Rule::from_code_or_name(name) {
        Some(r) => {
            print(&listing::one(r, as_json));
            SUCCESS
        }
        None => fail(miette!(
            help = listing::unknown_rule_help(),
            "unknown rule `{name}`"
        )),
    }
}

/// `--explain-call NAME`, with the user's blocking calls as the run would have them. Unknown
/// is an answer, not an error: exit 1, as a check that finds something.
pub(super) fn call(name: &str, user: &UserEntries) -> u8 {
    match celint_catalog::explain::explain(name, user) {
        Some(text) => {
            print(&text);
            SUCCESS
        }
        None => {
            print(&format!(
                "`{name}`: not in the catalogue; celint does not treat it as blocking (add it with `--blocking-call` or a `blocking-calls` entry)\n"
            ));
            FINDINGS
        }
    }
}

/// `--show-worker`: the worker model of the project around the given paths, as the analysis
/// builds it.
pub(super) fn show_worker(settings: &mut celint_engine::Settings) -> u8 {
    settings.show_worker = true;
    let report = celint_engine::run(settings);
    print(report.worker.as_deref().unwrap_or(""));
    for e in &report.errors {
        eprintln!("{:?}", miette!("cannot read `{}`: {}", e.path, e.message));
    }
    SUCCESS
}

/// `--show-files`: the Python files the given paths hold, as the walk finds them (excludes,
/// ignore files), sorted, one per line, in the one path form of every output.
pub(super) fn show_files(settings: &celint_engine::Settings) -> u8 {
    let paths: Vec<std::path::PathBuf> = settings
        .paths
        .iter()
        .map(|p| celint_project::project::canonical(p))
        .collect();
    let walked = celint_project::discover::discover_each(
        &paths,
        &settings.excludes,
        settings.threads,
        |_| false,
        &|_, _| (),
    );
    let mut files: Vec<String> = walked
        .files
        .iter()
        .map(|(p, ())| celint_syntax::source::display_path(p))
        .collect();
    files.sort();
    let mut text = files.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    print(&text);
    for e in &walked.errors {
        eprintln!(
            "{:?}",
            miette!(
                "cannot read `{}`: {}",
                celint_syntax::source::display_path(&e.path),
                e.message
            )
        );
    }
    if walked.errors.is_empty() {
        SUCCESS
    } else {
        FAILURE
    }
}
