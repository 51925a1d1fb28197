//! What must hold for any input, checked by the fuzz target (`fuzz/`) and by the regression
//! test of what the fuzzer once found (`tests/fuzz_regressions.rs`): the whole pipeline runs,
//! every output format renders, every message is short, and no fix leaves the file parsing
//! worse than before.

use clap::ValueEnum;

use celint_linter::diagnostic::Edit;
use celint_output::render::{self, OutputFormat, SummaryOptions};

/// Panics (the fuzzer's signal) when an invariant is broken.
pub fn check(data: &[u8]) {
    let diagnostics = crate::check_source("fuzz.py", data);
    for d in &diagnostics {
        // One short sentence on the first line of every output (Ruff's habit).
        assert!(
            d.message.chars().count() < celint_linter::rules::text::MAX_MESSAGE,
            "a message of {} characters: {}",
            d.message.chars().count(),
            d.message
        );
    }
    let options = SummaryOptions::default();
    // Every format `--output-format` accepts, so a new one is covered without a change here;
    // the full format with colour too, which styles the same snippets differently.
    for &format in OutputFormat::value_variants() {
        let _ = render::render(format, &diagnostics, false, &options);
    }
    let _ = render::render(OutputFormat::Full, &diagnostics, true, &options);
    let Ok(source) =
        celint_syntax::source::SourceFile::decode(String::new(), "fuzz.py".into(), data)
    else {
        return;
    };
    let before = celint_syntax::parse(&source.text, false).errors.len();
    let fixes: Vec<Vec<Edit>> = diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .filter(|f| !f.edits.is_empty())
        .map(|f| f.edits.clone())
        .collect();
    for fix in &fixes {
        let (fixed, _) = celint_linter::fix::apply(&source.text, std::slice::from_ref(fix));
        let after = celint_syntax::parse(&fixed, false).errors.len();
        assert!(after <= before, "a fix introduced a syntax error:\n{fixed}");
    }
    let (all, _) = celint_linter::fix::apply(&source.text, &fixes);
    let after = celint_syntax::parse(&all, false).errors.len();
    assert!(
        after <= before,
        "the fixes together introduced a syntax error:\n{all}"
    );
}
