//! Inputs the fuzzer (fuzz/fuzz_targets/pipeline.rs) once broke celint with, kept as tests: the
//! same checks as the fuzz target, on each file of tests/fuzz_regressions/.

use std::path::Path;

fn check(data: &[u8]) {
    let diagnostics = celint::check_source("fuzz.py", data);
    let options = celint::render::SummaryOptions::default();
    for format in [
        celint::render::OutputFormat::Full,
        celint::render::OutputFormat::Json,
        celint::render::OutputFormat::Sarif,
    ] {
        let _ = celint::render::render(format, &diagnostics, false, &options);
    }
    let Ok(source) = celint::source::SourceFile::decode(String::new(), "fuzz.py".into(), data)
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
    let (all, _) = celint::fix::apply(&source.text, &fixes);
    assert!(
        celint::syntax::parse(&all, false).errors.len() <= before,
        "{all}"
    );
}

#[test]
fn fuzz_regressions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        std::thread::Builder::new()
            .stack_size(celint::STACK_SIZE)
            .spawn(move || check(&data))
            .unwrap()
            .join()
            .unwrap_or_else(|_| panic!("{} fails", path.display()));
        n += 1;
    }
    assert!(n > 0);
}
