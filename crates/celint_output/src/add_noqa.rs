//! `--add-noqa`: a `# noqa: CODE` on the line of every finding, merged into an existing
//! `# noqa:` list there.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use celint_linter::diagnostic::{Diagnostic, Edit};
use celint_linter::noqa::{Directive, Suppressions};
use celint_project::project::ModuleData;

type CodesByLine = BTreeMap<usize, BTreeSet<&'static str>>;

/// The new text of each file that gets directives, with how many it got.
pub fn add(diagnostics: &[Diagnostic]) -> Vec<(Arc<ModuleData>, String, usize)> {
    let mut out = Vec::new();
    for (module, lines) in by_file(diagnostics) {
        let (edits, added) = file_edits(&module, lines);
        if edits.is_empty() {
            continue;
        }
        let fixes: Vec<Vec<Edit>> = edits.into_iter().map(|e| vec![e]).collect();
        let (text, _) = celint_linter::fix::apply(&module.source.text, &fixes);
        out.push((module.clone(), text, added));
    }
    out
}

/// The edits `--add-noqa` makes for `diagnostics`, by file (its path on disk), in offsets of
/// the text the findings were made from: an editor's "add noqa" action.
pub fn edits(diagnostics: &[Diagnostic]) -> Vec<(PathBuf, Vec<Edit>)> {
    by_file(diagnostics)
        .into_iter()
        .map(|(module, lines)| (module.source.path.clone(), file_edits(&module, lines).0))
        .filter(|(_, edits)| !edits.is_empty())
        .collect()
}

/// The codes to add on each line of each linted file.
fn by_file(diagnostics: &[Diagnostic]) -> Vec<(Arc<ModuleData>, CodesByLine)> {
    let mut by_file: BTreeMap<String, (Arc<ModuleData>, CodesByLine)> = BTreeMap::new();
    for d in diagnostics {
        let Some(m) = &d.file.module else { continue };
        if !m.linted {
            continue;
        }
        by_file
            .entry(d.file.display.clone())
            .or_insert_with(|| (m.clone(), BTreeMap::new()))
            .1
            .entry(d.start().row)
            .or_default()
            .insert(d.rule.code());
    }
    by_file.into_values().collect()
}

/// One file's edits, and how many codes they add.
fn file_edits(module: &ModuleData, lines: CodesByLine) -> (Vec<Edit>, usize) {
    let existing = Suppressions::of(module);
    let src = &module.source;
    let mut edits = Vec::new();
    let mut added = 0;
    for (line, codes) in lines {
        let span = src.line_span(line);
        let text = src.slice(span);
        // A comment after a line continuation would break the line.
        if text.trim_end().ends_with('\\') {
            continue;
        }
        match existing.lines.get(&line) {
            Some(n) => match &n.directive {
                Directive::All => {}
                Directive::Codes(have) => {
                    let mut all: BTreeSet<String> = have.iter().cloned().collect();
                    all.extend(codes.iter().map(|c| c.to_string()));
                    added += all.len() - have.len();
                    edits.push(Edit {
                        span: n.list,
                        content: format!(" {}", all.into_iter().collect::<Vec<_>>().join(", ")),
                    });
                }
            },
            None => {
                added += codes.len();
                let list = codes.iter().copied().collect::<Vec<_>>().join(", ");
                edits.push(Edit {
                    span: celint_syntax::Span::new(span.end, span.end),
                    content: format!("  # noqa: {list}"),
                });
            }
        }
    }
    (edits, added)
}
