//! The engine's re-check after one edit, on the benchmark corpus opened as one project (as
//! `celint CORPUS` lints it, in project mode): a cold check, then 20 edits of three kinds, each
//! followed by a check of the whole project, timed (the edit and the check). Prints the cold
//! time, every edit's time, the median, and the process's peak memory.
//!
//! `cargo bench --bench recheck -- [CORPUS]` (default target/bench-corpus; `bench/corpus.sh`
//! builds it). `bench/bench.py` runs it and prints the figures beside ripgrep's and Ruff's.
//! The edits (the corpus is pinned, so their anchors are stable; a missing anchor stops it):
//! - a handler's body: `crons_task_success`, a `task_success` receiver of Sentry's Celery
//!   integration;
//! - a helper two calls deep, in another module: `_create_check_in_event`, which the handler
//!   reaches through `capture_checkin`;
//! - a settings module: Celery's test-app configuration, `DEFAULT_TEST_CONFIG`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use celint::{Engine, Settings};

/// The allocator of the `celint` binary (`src/main.rs`), whose server keeps a project warm:
/// the memory figure is the one it would show.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Edit {
    kind: &'static str,
    file: &'static str,
    anchor: &'static str,
    /// What replaces the anchor, from the edit's number.
    with: fn(usize) -> String,
}

const EDITS: &[Edit] = &[
    Edit {
        kind: "handler body",
        file: "sentry_sdk/sentry_sdk/integrations/celery/beat.py",
        anchor: "    logger.debug(\"celery_task_success %s\", sender)\n",
        with: |i| {
            format!("    logger.debug(\"celery_task_success %s\", sender)\n    bench_edit = {i}\n")
        },
    },
    Edit {
        kind: "helper two calls deep",
        file: "sentry_sdk/sentry_sdk/crons/api.py",
        anchor: "    options = sentry_sdk.get_client().options\n",
        with: |i| format!("    options = sentry_sdk.get_client().options\n    bench_edit = {i}\n"),
    },
    Edit {
        kind: "settings module",
        file: "celery/celery/contrib/testing/app.py",
        anchor: "    'broker_heartbeat': 0,\n",
        with: |i| format!("    'broker_heartbeat': 0,\n    'worker_proc_alive_timeout': {i},\n"),
    },
];

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// The process's peak resident memory, in MiB (`VmHWM`).
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    // `cargo bench` passes `--bench`; the corpus is the first other argument.
    let corpus: PathBuf = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-corpus"));
    let corpus = std::path::absolute(&corpus).expect("an absolute path");
    let texts: Vec<String> = EDITS
        .iter()
        .map(|e| {
            let text = std::fs::read_to_string(corpus.join(e.file))
                .unwrap_or_else(|err| panic!("{}: {err} (run bench/corpus.sh)", e.file));
            assert!(text.contains(e.anchor), "{}: the anchor is gone", e.file);
            text
        })
        .collect();
    let mut settings = Settings::new(vec![corpus.clone()]);
    settings.whole_project = true;
    let mut engine = Engine::new(settings);
    let start = Instant::now();
    let cold = engine.check();
    let cold_time = start.elapsed();
    println!(
        "cold check: {:.1} ms ({} files, {} findings, {} files parsed)",
        cold_time.as_secs_f64() * 1000.0,
        cold.files,
        cold.diagnostics.len(),
        engine.parsed_files()
    );
    let mut times = Vec::new();
    for i in 0..20 {
        let edit = &EDITS[i % EDITS.len()];
        let text = texts[i % EDITS.len()].replacen(edit.anchor, &(edit.with)(i + 1), 1);
        let start = Instant::now();
        engine.set_text(&corpus.join(edit.file), text);
        let report = engine.check();
        let t = start.elapsed();
        println!(
            "edit {:2} ({}): {:.2} ms, {} findings",
            i + 1,
            edit.kind,
            t.as_secs_f64() * 1000.0,
            report.diagnostics.len()
        );
        times.push(t);
    }
    println!(
        "re-check median: {:.2} ms over {} edits",
        median(times.clone()).as_secs_f64() * 1000.0,
        times.len()
    );
    println!("peak memory: {:.1} MiB", peak_mib());
}
