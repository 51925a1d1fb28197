use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use miette::miette;

use celint::cli::Cli;
use celint::render::{self, OutputFormat};
use celint::rules::{self, Rule};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Analysis recurses over syntax trees and call chains: run it on a thread with a deep stack.
    let worker = std::thread::Builder::new()
        .name("celint".into())
        .stack_size(celint::STACK_SIZE)
        .spawn(move || run(cli));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => {
            eprintln!(
                "{:?}",
                miette!(
                    help = "this is a bug in celint: please report it with the file that caused it",
                    "celint stopped unexpectedly"
                )
            );
            ExitCode::from(2)
        }
    }
}

fn usage_error(report: miette::Report) -> ExitCode {
    eprintln!("{report:?}");
    ExitCode::from(2)
}

fn selection(items: &[String]) -> Result<Vec<Rule>, miette::Report> {
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

fn run(cli: Cli) -> ExitCode {
    if let Some(rule) = &cli.explain {
        return match Rule::from_code_or_name(rule) {
            Some(r) => {
                print!("{}", r.doc());
                ExitCode::SUCCESS
            }
            None => usage_error(miette!(
                help = "rules are CEL000 to CEL009; names such as shutdown-before-ready work too",
                "unknown rule `{rule}`"
            )),
        };
    }
    if let Some(t) = cli.proc_alive_timeout {
        if !(t.is_finite() && t > 0.0) {
            return usage_error(miette!(
                help = "give the timeout in seconds, e.g. --proc-alive-timeout 10",
                "--proc-alive-timeout must be a positive number of seconds, not {t}"
            ));
        }
    }
    let selected = match selection(&cli.select) {
        Ok(s) if s.is_empty() => Rule::all().collect(),
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    let ignored = match selection(&cli.ignore) {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    let rules: Vec<Rule> = selected
        .into_iter()
        .filter(|r| !ignored.contains(r))
        .collect();
    let paths = if cli.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        cli.paths.clone()
    };
    let settings = celint::Settings {
        paths,
        rules,
        proc_alive_timeout: cli.proc_alive_timeout,
        extra_blocking: cli.blocking_calls.clone(),
    };
    let report = celint::run(&settings);
    let stdout = std::io::stdout();
    let terminal = stdout.is_terminal();
    let format = cli.output_format.unwrap_or(if terminal {
        OutputFormat::Full
    } else {
        OutputFormat::Concise
    });
    let color = terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let text = render::render(format, &report.diagnostics, color);
    let mut lock = stdout.lock();
    // A closed pipe (`celint | head`) is not an error worth reporting.
    let _ = lock.write_all(text.as_bytes());
    let _ = lock.flush();
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
    if !report.errors.is_empty() {
        ExitCode::from(2)
    } else if !report.diagnostics.is_empty() && !cli.exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
