//! The whole pipeline on arbitrary bytes: decode, parse, lower, resolve, summarise, every rule,
//! every output format; and every fix must leave the file parsing as well as it did before
//! (`celint::invariants`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let data = data.to_vec();
    // celint parses on deep-stack threads; do the same here.
    let worker = std::thread::Builder::new()
        .stack_size(celint::STACK_SIZE)
        .spawn(move || celint::invariants::check(&data))
        .expect("thread");
    if let Err(panic) = worker.join() {
        std::panic::resume_unwind(panic);
    }
});
