//! Fingerprints that identify a finding across commits: they do not change when code moves to
//! other lines, only when the finding's rule, file or the text of its line change. The file is
//! named by its path relative to its project's root, so the same finding has the same
//! fingerprint whatever the working directory and the paths given (`celint .`, `celint shop`,
//! `celint demo` from the directory above).

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use celint_linter::diagnostic::{Diagnostic, FileRef};
use celint_project::discover::project_root;
use celint_project::project::canonical;

/// One fingerprint per diagnostic, in order. Identical findings (same rule, file and line text)
/// are told apart by their occurrence count, which moving code does not change.
pub fn fingerprints(diagnostics: &[Diagnostic]) -> Vec<String> {
    let mut seen: HashMap<(String, &'static str, String), usize> = HashMap::new();
    let mut roots = Roots::default();
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
            let path = roots.project_path(&d.file);
            let key = (path.clone(), d.rule.code(), line_text.clone());
            let n = seen.entry(key).or_insert(0);
            *n += 1;
            let mut h = Sha256::new();
            for part in [d.rule.code(), path.as_str(), line_text.as_str()] {
                h.update(part.as_bytes());
                h.update([0u8]);
            }
            h.update(n.to_string().as_bytes());
            let digest = h.finalize();
            digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
        })
        .collect()
}

/// Project roots by directory, looked up once each.
#[derive(Default)]
struct Roots(HashMap<PathBuf, Option<PathBuf>>);

impl Roots {
    /// The file's path relative to its project's root, `/`-separated; without a project,
    /// relative to its source root (the directory above its top package).
    fn project_path(&mut self, file: &FileRef) -> String {
        let abs = match &file.module {
            Some(m) => canonical(&m.source.path),
            None => canonical(Path::new(&file.display)),
        };
        let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
        let root = self
            .0
            .entry(dir.clone())
            .or_insert_with(|| project_root(&dir))
            .clone()
            .or_else(|| file.module.as_ref().map(|m| m.root.clone()))
            .unwrap_or(dir);
        let rel = abs.strip_prefix(&root).unwrap_or(&abs);
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    }
}
