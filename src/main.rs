use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use miette::miette;

use celint::cli::Cli;
use celint::render::{self, OutputFormat, SummaryOptions};
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

fn print(text: &str) {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    // A closed pipe (`celint | head`) is not an error worth reporting.
    let _ = lock.write_all(text.as_bytes());
    let _ = lock.flush();
}

fn error(path: &str, message: &str, help: &str) {
    eprintln!(
        "{:?}",
        miette!(help = help.to_string(), "cannot read `{path}`: {message}")
    );
}

fn run(cli: Cli) -> ExitCode {
    if let Some(rule) = &cli.explain {
        return match Rule::from_code_or_name(rule) {
            Some(r) => {
                print(r.doc());
                ExitCode::SUCCESS
            }
            None => usage_error(miette!(
                help = "rules are CEL000 to CEL009 and CEL100; names such as shutdown-before-ready work too",
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
    let mut selected = match selection(&cli.select) {
        Ok(s) if s.is_empty() => Rule::defaults().collect(),
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    match selection(&cli.extend_select) {
        Ok(s) => selected.extend(s),
        Err(e) => return usage_error(e),
    }
    let ignored = match selection(&cli.ignore) {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    let mut rules: Vec<Rule> = selected
        .into_iter()
        .filter(|r| !ignored.contains(r))
        .collect();
    rules.sort();
    rules.dedup();
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
    let terminal = std::io::stdout().is_terminal();
    let format = cli.output_format.unwrap_or(if terminal {
        OutputFormat::Full
    } else {
        OutputFormat::Concise
    });
    let color = terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut failed = false;

    if cli.add_noqa {
        let report = celint::run(&settings);
        let mut added = 0;
        for (module, text, n) in celint::add_noqa::add(&report.diagnostics) {
            match celint::write::write_fixed(&module.source.path, &text) {
                Ok(()) => added += n,
                Err(e) => {
                    failed = true;
                    error(&module.source.display, &e, "the file was left as it was");
                }
            }
        }
        for e in &report.errors {
            failed = true;
            error(
                &e.path,
                &e.message,
                "check that the path exists and is readable; the other files were linted",
            );
        }
        eprintln!(
            "Added {added} noqa directive{}.",
            if added == 1 { "" } else { "s" }
        );
        return if failed {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }

    let (report, outcome) = if cli.fix || cli.diff {
        let (report, outcome) = celint::fix::fix_all(&settings, cli.unsafe_fixes);
        (report, Some(outcome))
    } else {
        (celint::run(&settings), None)
    };

    if cli.diff {
        let outcome = outcome.unwrap_or_default();
        let mut text = String::new();
        for (path, (display, new_text)) in &outcome.fixed {
            let old = std::fs::read(path)
                .ok()
                .and_then(|b| {
                    celint::source::SourceFile::decode(String::new(), path.clone(), &b).ok()
                })
                .map(|s| s.text)
                .unwrap_or_default();
            text.push_str(
                &similar::TextDiff::from_lines(&old, new_text)
                    .unified_diff()
                    .header(display, display)
                    .to_string(),
            );
        }
        print(&text);
        for b in &outcome.broken {
            failed = true;
            eprintln!(
                "{:?}",
                miette!(
                    help = "this is a bug in celint's fix for this file: please report it",
                    "fix introduced a syntax error in `{b}`; the file was left as it was"
                )
            );
        }
        let n = outcome.total();
        eprintln!("Would fix {n} problem{}.", if n == 1 { "" } else { "s" });
        return if failed {
            ExitCode::from(2)
        } else if outcome.fixed.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }

    let mut fixed_count = 0;
    if let Some(outcome) = &outcome {
        for (path, (display, new_text)) in &outcome.fixed {
            match celint::write::write_fixed(path, new_text) {
                Ok(()) => fixed_count += outcome.counts.get(display).map_or(0, Vec::len),
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
        for b in &outcome.broken {
            failed = true;
            eprintln!(
                "{:?}",
                miette!(
                    help = "this is a bug in celint's fix for this file: please report it",
                    "fix introduced a syntax error in `{b}`; the file was left as it was"
                )
            );
        }
    }

    let options = SummaryOptions {
        unsafe_fixes: cli.unsafe_fixes,
        fixed: outcome.as_ref().map(|_| fixed_count),
    };
    let mut text = render::render(format, &report.diagnostics, color, &options);
    if cli.show_fixes {
        if let Some(outcome) = &outcome {
            text.push_str(&render::fixes_list(outcome));
        }
    }
    print(&text);
    for e in &report.errors {
        failed = true;
        error(
            &e.path,
            &e.message,
            "check that the path exists and is readable; the other files were linted",
        );
    }
    if failed {
        ExitCode::from(2)
    } else if !report.diagnostics.is_empty() && !cli.exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
