//! A Python source file as celint sees it: its path, its text decoded to UTF-8 (PEP 263 coding
//! cookie and BOM honoured), and the mapping from byte offsets to lines and columns.

use std::path::{Path, PathBuf};

use ruff_source_file::LineIndex;
use ruff_text_size::TextSize;

use crate::Span;

/// 1-based line and character column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub row: usize,
    pub column: usize,
}

#[derive(Debug)]
pub struct SourceFile {
    /// The path as shown to the user (`display_path`: relative to the current directory).
    pub display: String,
    /// The path on disk.
    pub path: PathBuf,
    /// Decoded text, without the BOM.
    pub text: String,
    /// The file started with a UTF-8 BOM.
    pub bom: bool,
    /// The encoding named by a coding cookie, when it is not UTF-8.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    index: LineIndex,
}

/// Why a file could not be turned into text.
#[derive(Debug)]
pub enum DecodeError {
    /// Bytes that are not valid in the file's encoding, at this byte offset of the file.
    InvalidBytes {
        offset: usize,
        encoding: String,
        /// 1-based line and byte column of the offset.
        line: usize,
        column: usize,
    },
    /// The coding cookie names an encoding we do not know.
    UnknownEncoding(String),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::InvalidBytes {
                offset, encoding, ..
            } => {
                write!(
                    f,
                    "file is not valid {encoding}: invalid byte at offset {offset}"
                )
            }
            DecodeError::UnknownEncoding(name) => {
                write!(f, "unknown encoding `{name}` in coding declaration")
            }
        }
    }
}

impl DecodeError {
    /// Where the problem is: the first undecodable byte, or the start of the file.
    pub fn position(&self) -> Position {
        match self {
            DecodeError::InvalidBytes { line, column, .. } => Position {
                row: *line,
                column: *column,
            },
            DecodeError::UnknownEncoding(_) => Position { row: 1, column: 1 },
        }
    }
}

impl SourceFile {
    pub fn new(display: String, path: PathBuf, text: String) -> Self {
        let index = LineIndex::from_source_text(&text);
        SourceFile {
            display,
            path,
            text,
            bom: false,
            encoding: None,
            index,
        }
    }

    /// Decodes raw bytes as CPython would: UTF-8 by default, a BOM forces UTF-8, a PEP 263
    /// cookie in the first two lines names another encoding.
    pub fn decode(display: String, path: PathBuf, bytes: &[u8]) -> Result<Self, DecodeError> {
        let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => (true, rest),
            None => (false, bytes),
        };
        let cookie = if bom { None } else { coding_cookie(body) };
        let encoding = match cookie.as_deref() {
            None => None,
            Some(name) => {
                let enc = encoding_for(name)
                    .ok_or_else(|| DecodeError::UnknownEncoding(name.to_string()))?;
                if enc == encoding_rs::UTF_8 {
                    None
                } else {
                    Some(enc)
                }
            }
        };
        let text = match encoding {
            None => match std::str::from_utf8(body) {
                Ok(s) => s.to_string(),
                Err(e) => {
                    let offset = e.valid_up_to() + if bom { 3 } else { 0 };
                    let (line, column) = line_column(bytes, offset);
                    return Err(DecodeError::InvalidBytes {
                        offset,
                        encoding: "UTF-8".to_string(),
                        line,
                        column,
                    });
                }
            },
            Some(enc) => match enc.decode_without_bom_handling_and_without_replacement(body) {
                Some(s) => s.into_owned(),
                None => {
                    let offset = first_invalid(enc, body);
                    let (line, column) = line_column(bytes, offset);
                    return Err(DecodeError::InvalidBytes {
                        offset,
                        encoding: enc.name().to_string(),
                        line,
                        column,
                    });
                }
            },
        };
        let mut file = SourceFile::new(display, path, text);
        file.bom = bom;
        file.encoding = encoding;
        Ok(file)
    }

    pub fn is_stub(&self) -> bool {
        self.path.extension().is_some_and(|e| e == "pyi")
    }

    /// Clamps an offset into the text, on a character boundary.
    fn clamp(&self, offset: u32) -> TextSize {
        let mut o = (offset as usize).min(self.text.len());
        while o > 0 && !self.text.is_char_boundary(o) {
            o -= 1;
        }
        TextSize::new(o as u32)
    }

    pub fn position(&self, offset: u32) -> Position {
        let lc = self.index.line_column(self.clamp(offset), &self.text);
        Position {
            row: lc.line.get(),
            column: lc.column.get(),
        }
    }

    /// 1-based line number of an offset.
    pub fn line_of(&self, offset: u32) -> usize {
        self.index.line_index(self.clamp(offset)).get()
    }

    /// Byte range of a 1-based line, without its line ending.
    pub fn line_span(&self, line: usize) -> Span {
        let Some(one) = ruff_source_file::OneIndexed::new(line) else {
            return Span::default();
        };
        if line > self.index.line_count() {
            let end = self.text.len() as u32;
            return Span::new(end, end);
        }
        let range = self.index.line_range(one, &self.text);
        // `line_range` includes the line ending; callers want the line's text alone.
        let text = self
            .text
            .get(range.start().to_usize()..range.end().to_usize())
            .unwrap_or("");
        let content = text.trim_end_matches(['\n', '\r']);
        Span::new(
            range.start().to_u32(),
            range.start().to_u32() + content.len() as u32,
        )
    }

    pub fn line_count(&self) -> usize {
        self.index.line_count()
    }

    pub fn slice(&self, span: Span) -> &str {
        let start = self.clamp(span.start).to_usize();
        let end = self.clamp(span.end).to_usize().max(start);
        self.text.get(start..end).unwrap_or("")
    }
}

/// An encoding by its Python codec name: encoding_rs knows the WHATWG labels, Python also
/// writes `latin-1`, `utf_8`, `iso_8859_15`.
fn encoding_for(name: &str) -> Option<&'static encoding_rs::Encoding> {
    let lower = name.to_ascii_lowercase();
    let candidates = [
        lower.clone(),
        lower.replace('_', "-"),
        lower.replace(['_', '-'], ""),
    ];
    candidates
        .iter()
        .find_map(|c| encoding_rs::Encoding::for_label(c.as_bytes()))
}

/// The encoding named in a PEP 263 cookie on line 1 or 2 (`# -*- coding: latin-1 -*-`,
/// `# vim: set fileencoding=utf-8 :`). Line 2 counts only when line 1 is a comment or blank.
fn coding_cookie(bytes: &[u8]) -> Option<String> {
    let mut lines = bytes.split(|&b| b == b'\n' || b == b'\r');
    let first = lines.next()?;
    if let Some(name) = cookie_in_line(first) {
        return Some(name);
    }
    let first_trim = trim_ascii(first);
    if !first_trim.is_empty() && !first_trim.starts_with(b"#") {
        return None;
    }
    // Skip the empty piece between `\r` and `\n` of a CRLF.
    let second = lines.find(|l| !l.is_empty() || bytes.contains(&b'\n'))?;
    cookie_in_line(second)
}

fn trim_ascii(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if first.is_ascii_whitespace() || *first == b'\x0c' {
            s = rest;
        } else {
            break;
        }
    }
    s
}

fn cookie_in_line(line: &[u8]) -> Option<String> {
    let line = trim_ascii(line);
    if !line.starts_with(b"#") {
        return None;
    }
    let text = String::from_utf8_lossy(line);
    let pos = text.find("coding")?;
    let rest = text.get(pos + "coding".len()..)?;
    let rest = rest.strip_prefix([':', '='])?;
    let name: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    if name.is_empty() {
        None
    } else {
        Some(name)
    }
}

/// 1-based line and byte column of a byte offset.
fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = bytes.get(..offset).unwrap_or(bytes);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, offset - line_start + 1)
}

fn first_invalid(enc: &'static encoding_rs::Encoding, bytes: &[u8]) -> usize {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(bytes.len() * 3 + 16);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        encoding_rs::DecoderResult::Malformed(bad, _) => read.saturating_sub(bad as usize),
        _ => read,
    }
}

/// How every path is shown: relative to the current directory when it lies below it (no
/// `./`), else absolute; `.` and `..` folded away. Whatever the spelling on the command line.
pub fn display_path(path: &Path) -> String {
    let abs = canonical(path);
    if let Ok(cwd) = std::env::current_dir() {
        if let Ok(rel) = abs.strip_prefix(&cwd) {
            if rel.as_os_str().is_empty() {
                return ".".to_string();
            }
            return rel.to_string_lossy().into_owned();
        }
    }
    abs.to_string_lossy().into_owned()
}

/// The absolute path with `.` and `..` folded away, without asking the file system: this is
/// called for every module lookup, and `canonicalize` costs a `readlink` per component.
pub fn canonical(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
