//! Positions: byte offsets in a text to LSP positions and back, in the negotiated encoding
//! (UTF-8 or UTF-16 code units), with the line breaks Python and the LSP both count (`\n`,
//! `\r\n`, `\r`).

use lsp_types::{Position, PositionEncodingKind, Range};

/// How a position's `character` counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it (no conversion at all), else UTF-16, the protocol's
    /// default that every client supports.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }

    fn width(self, c: char) -> u32 {
        match self {
            Encoding::Utf8 => c.len_utf8() as u32,
            Encoding::Utf16 => c.len_utf16() as u32,
        }
    }
}

/// Byte offsets where each line starts: 0, then after every line break.
fn line_starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    std::iter::once(0).chain(bytes.iter().enumerate().filter_map(move |(i, b)| match b {
        b'\n' => Some(i + 1),
        // `\r\n` is one break, counted at its `\n`.
        b'\r' if bytes.get(i + 1) != Some(&b'\n') => Some(i + 1),
        _ => None,
    }))
}

/// Clamps `offset` into `text`, back to a character boundary.
fn clamp(text: &str, offset: usize) -> usize {
    let mut o = offset.min(text.len());
    while o > 0 && !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}

/// The position of byte `offset` in `text`.
pub fn position(text: &str, offset: usize, enc: Encoding) -> Position {
    let offset = clamp(text, offset);
    let (line, start) = line_starts(text)
        .take_while(|s| *s <= offset)
        .enumerate()
        .last()
        .unwrap_or((0, 0));
    let character = text
        .get(start..offset)
        .unwrap_or("")
        .chars()
        .map(|c| enc.width(c))
        .sum();
    Position::new(line as u32, character)
}

pub fn range(text: &str, start: usize, end: usize, enc: Encoding) -> Range {
    Range::new(position(text, start, enc), position(text, end, enc))
}

/// The byte offset of `pos` in `text`. A character past the end of its line means the line's
/// end (before its break), a line past the last means the end of the text, as the protocol
/// asks; a position inside a character's units means the character's start.
pub fn offset(text: &str, pos: Position, enc: Encoding) -> usize {
    let Some(start) = line_starts(text).nth(pos.line as usize) else {
        return text.len();
    };
    let line = text.get(start..).unwrap_or("");
    let mut units = 0u32;
    for (i, c) in line.char_indices() {
        if c == '\n' || c == '\r' {
            return start + i;
        }
        let w = enc.width(c);
        if units + w > pos.character {
            return start + i;
        }
        units += w;
    }
    text.len()
}

/// The range covering all of `text`.
pub fn whole(text: &str, enc: Encoding) -> Range {
    range(text, 0, text.len(), enc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_positions_and_back() {
        let text = "ab\ncd\r\nef\rgh";
        for (offset, line, ch) in [(0, 0, 0), (2, 0, 2), (3, 1, 0), (5, 1, 2), (7, 2, 0)] {
            for enc in [Encoding::Utf8, Encoding::Utf16] {
                assert_eq!(position(text, offset, enc), Position::new(line, ch));
                assert_eq!(offset_of(text, line, ch, enc), offset);
            }
        }
        assert_eq!(position(text, 10, Encoding::Utf8), Position::new(3, 0));
        assert_eq!(position(text, 12, Encoding::Utf8), Position::new(3, 2));
    }

    fn offset_of(text: &str, line: u32, ch: u32, enc: Encoding) -> usize {
        offset(text, Position::new(line, ch), enc)
    }

    #[test]
    fn non_ascii_lines_count_units_of_the_encoding() {
        // `é` is 2 bytes, 1 UTF-16 unit; `𝄞` is 4 bytes, 2 UTF-16 units.
        let text = "x = 'é𝄞'; time.sleep(10)\n";
        let at = text.find("time").unwrap_or(0);
        assert_eq!(at, 14);
        assert_eq!(position(text, at, Encoding::Utf8), Position::new(0, 14));
        assert_eq!(position(text, at, Encoding::Utf16), Position::new(0, 11));
        assert_eq!(offset_of(text, 0, 11, Encoding::Utf16), at);
        assert_eq!(offset_of(text, 0, 14, Encoding::Utf8), at);
        // Inside the surrogate pair: the character's start.
        assert_eq!(offset_of(text, 0, 7, Encoding::Utf16), 7);
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let text = "ab\ncd";
        assert_eq!(offset_of(text, 0, 99, Encoding::Utf16), 2);
        assert_eq!(offset_of(text, 7, 0, Encoding::Utf16), 5);
        assert_eq!(position(text, 99, Encoding::Utf16), Position::new(1, 2));
        assert_eq!(
            whole(text, Encoding::Utf8),
            Range::new(Position::new(0, 0), Position::new(1, 2))
        );
    }

    #[test]
    fn negotiation_prefers_utf8_only_when_offered() {
        let both = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&both)), Encoding::Utf8);
        let utf16 = [PositionEncodingKind::UTF16];
        assert_eq!(Encoding::negotiate(Some(&utf16)), Encoding::Utf16);
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
    }
}
