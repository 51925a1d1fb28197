//! CEL100 unused-noqa: `# noqa: CELnnn` codes that suppress nothing.

use crate::diagnostic::{Applicability, Diagnostic, Edit, FileRef, Fix};
use crate::noqa::{Directive, Noqa};
use crate::rules::Rule;
use celint_project::project::ModuleData;
use celint_syntax::Span;
use std::sync::Arc;

pub fn diagnostic(module: &Arc<ModuleData>, n: &Noqa, stale: &[String]) -> Diagnostic {
    let list = stale
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let message = format!("Unused `noqa` directive (suppresses nothing: {list})");
    let file = FileRef {
        display: module.source.display.clone(),
        module: Some(module.clone()),
    };
    let mut d = Diagnostic::new(Rule::UnusedNoqa, file, n.span, message);
    d.fix = Some(Fix {
        applicability: Applicability::Safe,
        message: "Remove the unused code".to_string(),
        edits: vec![edit(module, n, stale)],
    });
    d
}

fn edit(module: &ModuleData, n: &Noqa, stale: &[String]) -> Edit {
    let Directive::Codes(codes) = &n.directive else {
        return Edit {
            span: Span::new(n.list.start, n.list.start),
            content: String::new(),
        };
    };
    let remaining: Vec<&String> = codes.iter().filter(|c| !stale.contains(c)).collect();
    if !remaining.is_empty() {
        let joined = remaining
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        return Edit {
            span: n.list,
            content: format!(" {joined}"),
        };
    }
    // The whole directive goes, with the blanks before it; a comment that was nothing but the
    // directive (and perhaps an explanation) goes entirely.
    let text = &module.source.text;
    let from = if n.starts_comment {
        n.comment.start
    } else {
        n.span.start
    };
    let end = if n.starts_comment {
        n.comment.end
    } else {
        n.span.end
    };
    let mut start = from as usize;
    while start > 0 && matches!(text.as_bytes().get(start - 1), Some(b' ' | b'\t')) {
        start -= 1;
    }
    // Keep the line's indentation when the comment is alone on it.
    let line_start = module.source.line_span(module.source.line_of(from)).start as usize;
    if start == line_start {
        start = from as usize;
    }
    Edit {
        span: Span::new(start as u32, end),
        content: String::new(),
    }
}
