//! The open documents: their text as the editor has it, and its version, kept in step with
//! incremental changes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lsp_types::{TextDocumentContentChangeEvent, Url};

use crate::convert::{self, Encoding};

pub struct Document {
    pub uri: Url,
    pub text: String,
    pub version: i32,
}

#[derive(Default)]
pub struct Documents {
    open: BTreeMap<PathBuf, Document>,
}

impl Documents {
    pub fn open(&mut self, path: PathBuf, doc: Document) {
        self.open.insert(path, doc);
    }

    pub fn close(&mut self, path: &Path) -> Option<Document> {
        self.open.remove(path)
    }

    pub fn get(&self, path: &Path) -> Option<&Document> {
        self.open.get(path)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&PathBuf, &Document)> {
        self.open.iter()
    }

    pub fn len(&self) -> usize {
        self.open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// Applies changes in order (a change without a range replaces the whole text). Returns the
    /// new text, or `None` for a document that is not open.
    pub fn change(
        &mut self,
        path: &Path,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        enc: Encoding,
    ) -> Option<&str> {
        let doc = self.open.get_mut(path)?;
        for change in changes {
            match change.range {
                None => doc.text = change.text,
                Some(range) => {
                    let start = convert::offset(&doc.text, range.start, enc);
                    let end = convert::offset(&doc.text, range.end, enc).max(start);
                    doc.text.replace_range(start..end, &change.text);
                }
            }
        }
        doc.version = version;
        Some(&doc.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    fn edit(l1: u32, c1: u32, l2: u32, c2: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l1, c1), Position::new(l2, c2))),
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn incremental_changes_apply_in_order() {
        let mut docs = Documents::default();
        let path = PathBuf::from("/p/a.py");
        let Ok(uri) = Url::parse("file:///p/a.py") else {
            panic!("a valid URI")
        };
        let text = "s = 'é'\ntime.sleep(1)\n".to_string();
        docs.open(
            path.clone(),
            Document {
                uri,
                text,
                version: 1,
            },
        );
        let changes = vec![
            // After `é` (one UTF-16 unit): `s = 'é'` is 7 units long.
            edit(0, 6, 0, 6, "x"),
            edit(1, 11, 1, 12, "10"),
            edit(2, 0, 2, 0, "pass\n"),
        ];
        let out = docs.change(&path, 2, changes, Encoding::Utf16);
        assert_eq!(out, Some("s = 'éx'\ntime.sleep(10)\npass\n"));
        assert_eq!(docs.get(&path).map(|d| d.version), Some(2));
        let whole = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "new".to_string(),
        };
        assert_eq!(
            docs.change(&path, 3, vec![whole], Encoding::Utf8),
            Some("new")
        );
        assert!(docs
            .change(Path::new("/p/b.py"), 1, vec![], Encoding::Utf8)
            .is_none());
    }
}
