//! The whole pipeline on arbitrary bytes: decode, parse, lower, resolve, summarise, every rule,
//! every output format; and every fix must leave the file parsing as well as it did before.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let data = data.to_vec();
    // celint parses on deep-stack threads; do the same here.
    let worker = std::thread::Builder::new()
        .stack_size(celint::STACK_SIZE)
        .spawn(move || run(&data))
        .expect("thread");
    if let Err(panic) = worker.join() {
        std::panic::resume_unwind(panic);
    }
});

fn run(data: &[u8]) {
    let diagnostics = celint::check_source("fuzz.py", data);
    let options = celint::render::SummaryOptions::default();
    for format in [
        celint::render::OutputFormat::Full,
        celint::render::OutputFormat::Concise,
        celint::render::OutputFormat::Json,
        celint::render::OutputFormat::Sarif,
        celint::render::OutputFormat::Github,
        celint::render::OutputFormat::Junit,
    ] {
        let _ = celint::render::render(format, &diagnostics, false, &options);
    }
    let Ok(source) =
        celint::source::SourceFile::decode(String::new(), "fuzz.py".into(), data)
    else {
        return;
    };
    let before = celint::syntax::parse(&source.text, false).errors.len();
    let fixes: Vec<Vec<celint::diagnostic::Edit>> = diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .filter(|f| !f.edits.is_empty())
        .map(|f| f.edits.clone())
        .collect();
    for fix in &fixes {
        let (fixed, _) = celint::fix::apply(&source.text, std::slice::from_ref(fix));
        let after = celint::syntax::parse(&fixed, false).errors.len();
        assert!(after <= before, "a fix introduced a syntax error:\n{fixed}");
    }
    let (all, _) = celint::fix::apply(&source.text, &fixes);
    let after = celint::syntax::parse(&all, false).errors.len();
    assert!(after <= before, "the fixes together introduced a syntax error:\n{all}");
}
