//! Inputs the fuzzer (fuzz/fuzz_targets/pipeline.rs) once broke celint with, kept as tests: the
//! same invariants as the fuzz target, on each file of tests/fuzz_regressions/.

mod common;

#[test]
fn fuzz_regressions() {
    let dir = common::root().join("tests/fuzz_regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        common::on_deep_stack(move || celint::invariants::check(&data))
            .unwrap_or_else(|_| panic!("{} fails", path.display()));
        n += 1;
    }
    assert!(n > 0);
}
