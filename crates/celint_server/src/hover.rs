//! Hover: a rule's document, on a code of a `# noqa:` comment or on a finding's range.

use celint_linter::rules::Rule;
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position, Range};

use crate::convert::{self, Encoding};

/// The code of a `# noqa: A, B` list under byte `column` of `line`, with its byte range. The
/// comment is read as suppression reads it (`noqa::parse`).
pub fn noqa_code_at(line: &str, column: usize) -> Option<(Rule, usize, usize)> {
    let noqa = celint_linter::noqa::parse(line)?;
    let start = noqa.list.start as usize;
    let list = line.get(start..noqa.list.end as usize)?;
    let mut pos = start;
    for item in list.split(',') {
        let word = item.trim();
        let from = pos + (item.len() - item.trim_start().len());
        let to = from + word.len();
        if !word.is_empty() && (from..=to).contains(&column) {
            return Rule::from_code_or_name(word).map(|r| (r, from, to));
        }
        pos += item.len() + 1;
    }
    None
}

/// The rule's document, as markdown.
pub fn document(rules: &[Rule], range: Option<Range>) -> Option<Hover> {
    if rules.is_empty() {
        return None;
    }
    let value = rules
        .iter()
        .map(|r| r.doc().trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n\n---\n\n");
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range,
    })
}

/// A `# noqa` code under `pos` in `text`: its rule and range.
pub fn on_noqa(text: &str, pos: Position, enc: Encoding) -> Option<(Rule, Range)> {
    let at = convert::offset(text, pos, enc);
    let line_start = convert::offset(text, Position::new(pos.line, 0), enc);
    let line_end = convert::offset(text, Position::new(pos.line, u32::MAX), enc);
    let line = text.get(line_start..line_end)?;
    let (rule, start, end) = noqa_code_at(line, at - line_start)?;
    let range = convert::range(text, line_start + start, line_start + end, enc);
    Some((rule, range))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_of_a_noqa_list() {
        let line = "    time.sleep(10)  # noqa: CEL004, slow-process-init  # why";
        let at = |s: &str| line.find(s).unwrap_or(0);
        assert_eq!(
            noqa_code_at(line, at("CEL004") + 2).map(|(r, ..)| r),
            Some(Rule::SlowProcessInit)
        );
        let name = at("slow-process");
        assert_eq!(
            noqa_code_at(line, name),
            Some((
                Rule::SlowProcessInit,
                name,
                name + "slow-process-init".len()
            ))
        );
        assert_eq!(noqa_code_at(line, at("why")), None);
        assert_eq!(noqa_code_at(line, at("sleep")), None);
        assert_eq!(
            noqa_code_at("x  # NOQA:CEL001", 12),
            Some((Rule::ShutdownBeforeReady, 10, 16))
        );
        assert_eq!(noqa_code_at("x = 'noqa: CEL001'", 12), None);
    }

    #[test]
    fn hover_range_counts_in_the_encoding() {
        let text = "s = 'é'  # noqa: CEL009\n";
        let Some((rule, range)) = on_noqa(text, Position::new(0, 19), Encoding::Utf16) else {
            panic!("a code under the cursor")
        };
        assert_eq!(rule, Rule::ReceiverWithoutKwargs);
        assert_eq!(
            range,
            Range::new(Position::new(0, 17), Position::new(0, 23))
        );
        let Some(hover) = document(&[rule], Some(range)) else {
            panic!("a document")
        };
        let HoverContents::Markup(m) = hover.contents else {
            panic!("markdown")
        };
        assert!(m.value.starts_with("# CEL009 receiver-without-kwargs\n"));
    }
}
