//! Inputs the fuzzer (fuzz/fuzz_targets/pipeline.rs) once broke celint with, kept as tests: the
//! same invariants as the fuzz target, on each file of tests/fuzz_regressions/.

use std::path::Path;

#[test]
fn fuzz_regressions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        std::thread::Builder::new()
            .stack_size(celint::STACK_SIZE)
            .spawn(move || celint::invariants::check(&data))
            .unwrap()
            .join()
            .unwrap_or_else(|_| panic!("{} fails", path.display()));
        n += 1;
    }
    assert!(n > 0);
}
