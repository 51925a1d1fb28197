//! `--output-format full`: rustc-style snippets rendered by annotate-snippets.

use annotate_snippets::renderer::DecorStyle;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use celint_linter::diagnostic::{Applicability, Diagnostic, FileRef, Severity};
use celint_syntax::Span;

/// At most this many lines of a long span are shown.
const MAX_LINES: usize = 6;

/// The source lines around `span` and the span relative to them.
struct Excerpt {
    text: String,
    line_start: usize,
    range: std::ops::Range<usize>,
}

fn excerpt(file: &FileRef, span: Span) -> Option<Excerpt> {
    let module = file.module.as_ref()?;
    let src = &module.source;
    let first = src.line_of(span.start);
    let last = src
        .line_of(span.end.max(span.start))
        .min(first + MAX_LINES - 1);
    let start = src.line_span(first).start;
    let end = src.line_span(last).end;
    let text = src.slice(Span::new(start, end)).to_string();
    let rel_start = (span.start.saturating_sub(start) as usize).min(text.len());
    let rel_end = (span.end.saturating_sub(start) as usize).clamp(rel_start, text.len());
    Some(Excerpt {
        text,
        line_start: first,
        range: rel_start..rel_end,
    })
}

pub fn render(diagnostics: &[Diagnostic], color: bool, options: &super::SummaryOptions) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
    .decor_style(DecorStyle::Ascii);
    let mut out = String::new();
    for d in diagnostics {
        let level = match d.severity() {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let title = level.primary_title(d.message.as_str()).id(d.rule.code());
        let ex = excerpt(&d.file, d.span);
        let mut primary = match &ex {
            Some(ex) => title.element(
                Snippet::source(ex.text.as_str())
                    .line_start(ex.line_start)
                    .path(d.file.display.as_str())
                    .annotation(AnnotationKind::Primary.span(ex.range.clone())),
            ),
            None => title.element(
                Snippet::<annotate_snippets::Annotation>::source("").path(d.file.display.as_str()),
            ),
        };
        for n in &d.notes {
            primary = primary.element(Level::NOTE.message(n.as_str()));
        }
        let mut groups = vec![primary];
        let trace_excerpts: Vec<(String, Option<Excerpt>, String)> = d
            .trace
            .iter()
            .map(|t| {
                let row = t.file.position(t.span.start).row;
                (
                    format!("{} ({}:{row})", t.note, t.file.display),
                    excerpt(&t.file, t.span),
                    t.file.display.clone(),
                )
            })
            .collect();
        for (note, ex, path) in &trace_excerpts {
            let title = Level::NOTE.secondary_title(note.as_str());
            let group = match ex {
                Some(ex) => Group::with_title(title).element(
                    Snippet::source(ex.text.as_str())
                        .line_start(ex.line_start)
                        .path(path.as_str())
                        .annotation(AnnotationKind::Context.span(ex.range.clone())),
                ),
                None => Group::with_title(title),
            };
            groups.push(group);
        }
        let help;
        let mut diff = None;
        if let Some(fix) = &d.fix {
            let tag = match fix.applicability {
                Applicability::Safe => "",
                Applicability::Unsafe => " (unsafe fix)",
                Applicability::DisplayOnly => "",
            };
            help = format!("{}{tag}", fix.message);
            let title = Level::HELP.secondary_title(help.as_str());
            groups.push(Group::with_title(title));
            // The edits as a diff, when there are any and the file's text is at hand.
            if let Some(m) = &d.file.module {
                diff = super::fix_diff::render(&m.source.text, &fix.edits, color);
            }
        }
        out.push_str(&renderer.render(&groups));
        out.push('\n');
        if let Some(diff) = diff {
            out.push_str(&diff);
        }
        out.push('\n');
    }
    if !options.quiet {
        out.push_str(&super::summary(diagnostics, options));
        out.push('\n');
    }
    out
}
