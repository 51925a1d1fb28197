//! Command-line definitions (clap) only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use celint_output::render::OutputFormat;

/// celint: find the Celery worker life-cycle hazards in your signal handlers.
///
/// celint finds every function connected to a Celery signal, follows what it calls across the
/// project, and reports what takes workers down: remote-control shutdowns lost before the worker
/// is ready, exits and slow work in worker_process_init, connections inherited across the fork,
/// exceptions Celery swallows, and handlers that never run: garbage-collected, rejected at
/// import, filtered on a sender never sent, connected after the signal, or dead on every call.
#[derive(Debug, Parser)]
#[command(name = "celint", version, about, long_about, max_term_width = 100)]
#[command(args_conflicts_with_subcommands = true, after_help = celint_linter::rules::listing::after_help())]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `celint [OPTIONS] [PATHS]`: the same as `celint check [OPTIONS] [PATHS]`.
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint paths (what `celint [PATHS]` does; a directory named `check` is `./check`)
    #[command(after_help = celint_linter::rules::listing::after_help())]
    Check(Box<CheckArgs>),
    /// Print a rule's document, or every rule with --all
    Rule(RuleArgs),
    /// Run the language server on standard input and output (for editors: README, "Editors"; a
    /// directory named `server` is `./server`)
    Server,
}

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// The rule, by code (CEL001) or name (shutdown-before-ready)
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub rule: Option<String>,

    /// Every rule
    #[arg(long)]
    pub all: bool,

    /// text: the rule documents; json: an object per rule (code, name, summary, severity,
    /// fix, default, explanation)
    #[arg(long, value_enum, default_value = "text")]
    pub output_format: RuleFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RuleFormat {
    Text,
    Json,
}

/// What a lint run is given: paths and options.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to lint [default: .]
    pub paths: Vec<PathBuf>,

    /// How to print findings [default: full on a terminal, concise otherwise]
    #[arg(long, value_enum)]
    pub output_format: Option<OutputFormat>,

    /// Rules to check: codes, prefixes (CEL00) or names, comma-separated [default: all but CEL100]
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,

    /// Rules to check in addition to the selected ones (e.g. CEL100)
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub extend_select: Vec<String>,

    /// Rules not to check: codes, prefixes or names, comma-separated
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,

    /// Apply safe fixes (and unsafe ones with --unsafe-fixes), then report what remains
    #[arg(long)]
    pub fix: bool,

    /// Also apply unsafe fixes (with --fix or --diff), and count them as fixable
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Print the fixes as a unified diff instead of writing them; exit 1 if there is one
    #[arg(long, conflicts_with = "fix")]
    pub diff: bool,

    /// With --fix: list what was fixed
    #[arg(long)]
    pub show_fixes: bool,

    /// Add `# noqa: CODE` to the line of every finding (merged with an existing noqa)
    #[arg(long, conflicts_with_all = ["fix", "diff"])]
    pub add_noqa: bool,

    /// Exit with status 0 even when there are findings
    #[arg(long)]
    pub exit_zero: bool,

    /// Print a rule's document (by code or name) and exit
    #[arg(long, value_name = "RULE")]
    pub explain: Option<String>,

    /// Print what the blocking-call catalogue knows about a call (e.g. torch.load) and exit
    #[arg(long, value_name = "NAME")]
    pub explain_call: Option<String>,

    /// The Celery version the project runs (5.3, 5.3.6, or a range such as '>=5.3,<5.5'),
    /// instead of the one read from its dependency files
    #[arg(long, value_name = "VERSION")]
    pub celery_version: Option<String>,

    /// Use this worker_proc_alive_timeout instead of the one found in the project
    #[arg(long, value_name = "SECONDS")]
    pub proc_alive_timeout: Option<f64>,

    /// Treat calls of this dotted name as blocking (repeatable), e.g. mylib.slow_setup
    #[arg(long = "blocking-call", value_name = "NAME")]
    pub blocking_calls: Vec<String>,

    /// Use this configuration file (pyproject.toml, celint.toml) and no other
    #[arg(long, value_name = "PATH", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,

    /// Ignore all configuration files
    #[arg(long)]
    pub isolated: bool,

    /// Print the settings that apply to a path and exit
    #[arg(long)]
    pub show_settings: bool,

    /// Apply excludes to files given explicitly too (for pre-commit)
    #[arg(long)]
    pub force_exclude: bool,

    /// Read the source from standard input, as this file (with or without `-`; other paths
    /// are ignored)
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,

    /// Print how many findings each rule has, instead of the findings
    #[arg(long)]
    pub statistics: bool,

    /// Print the findings only: no summary line, no counts of fixes on standard error
    #[arg(short, long)]
    pub quiet: bool,

    /// Print the files that would be linted, one per line, and exit
    #[arg(long)]
    pub show_files: bool,

    /// Print what celint believes about each worker (its command line, the module it loads
    /// first, its pool, what it imports before the fork, each handler's step and process)
    /// and exit
    #[arg(long)]
    pub show_worker: bool,

    /// When to use colour: auto (a terminal, and NO_COLOR unset), always, never
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,

    /// Also write the findings in FORMAT to PATH (repeatable): `sarif:celint.sarif`; a PATH
    /// alone receives the main output instead of standard output (`./a:b` for a name with `:`)
    #[arg(long, value_name = "FORMAT:PATH")]
    pub output_file: Vec<String>,

    /// Parse every file, not only those the pre-scan finds relevant (for testing the pre-scan)
    #[arg(long, hide = true)]
    pub no_prescan: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
