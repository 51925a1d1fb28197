//! Fingerprints that identify a finding across commits: they do not change when code moves to
//! other lines, only when the finding's rule, file or the text of its line change.

use sha2::{Digest, Sha256};
use std::collections::HashMap;

use crate::diagnostic::Diagnostic;

/// One fingerprint per diagnostic, in order. Identical findings (same rule, file and line text)
/// are told apart by their occurrence count, which moving code does not change.
pub fn fingerprints(diagnostics: &[Diagnostic]) -> Vec<String> {
    let mut seen: HashMap<(String, &'static str, String), usize> = HashMap::new();
    diagnostics
        .iter()
        .map(|d| {
            let line_text = match &d.file.module {
                Some(m) => {
                    let src = &m.source;
                    src.slice(src.line_span(src.line_of(d.span.start)))
                        .trim()
                        .to_string()
                }
                None => String::new(),
            };
            let key = (d.file.display.clone(), d.rule.code(), line_text.clone());
            let n = seen.entry(key).or_insert(0);
            *n += 1;
            let mut h = Sha256::new();
            for part in [d.rule.code(), d.file.display.as_str(), line_text.as_str()] {
                h.update(part.as_bytes());
                h.update([0u8]);
            }
            h.update(n.to_string().as_bytes());
            let digest = h.finalize();
            digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
        })
        .collect()
}
