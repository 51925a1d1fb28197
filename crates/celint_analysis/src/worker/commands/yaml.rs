//! A tolerant reading of the YAML in compose files, Kubernetes manifests and Helm charts.
//!
//! Not a YAML crate: Helm templates are not YAML (`{{- if .Values.worker.enabled }}` lines,
//! `{{ .Values.image }}` values, `{{- toYaml .Values.env | nindent 12 }}`), and a parser that
//! rejects a whole file for one of them would find nothing in the charts that hold the worker's
//! command; `serde_yaml` is also unmaintained. This reads what the files use (block maps and
//! lists by indentation, flow lists and maps, quoted, plain and block scalars, anchors, aliases
//! and `<<` merge keys, several documents) line by line, keeps line numbers, drops lines that
//! are only a template directive and keeps a templated value as text. It never fails: what it
//! cannot read becomes a scalar or is skipped. Every loop takes at least one line, and nesting
//! deeper than `MAX_DEPTH` is not followed.

use std::collections::HashMap;

const MAX_DEPTH: usize = 64;

/// Lines a flow collection or a quoted scalar may span.
const MAX_SPAN: usize = 200;

/// Nodes that aliases may copy in one document: aliases of aliases grow a text exponentially
/// (a "billion laughs"), and past this an alias is empty.
const MAX_ALIASED: usize = 100_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Node {
    Scalar { text: String, line: usize },
    List { items: Vec<Node>, line: usize },
    Map { entries: Vec<Entry>, line: usize },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) value: Node,
    /// The key's line.
    pub(crate) line: usize,
    /// The key's line as written (trimmed).
    pub(crate) written: String,
}

impl Node {
    fn empty(line: usize) -> Node {
        Node::Scalar {
            text: String::new(),
            line,
        }
    }

    pub(crate) fn entries(&self) -> &[Entry] {
        match self {
            Node::Map { entries, .. } => entries,
            _ => &[],
        }
    }

    pub(crate) fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries().iter().rev().find(|e| e.key == key)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Node::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub(crate) fn items(&self) -> &[Node] {
        match self {
            Node::List { items, .. } => items,
            _ => &[],
        }
    }

    /// How many nodes this one holds, itself included.
    fn size(&self) -> usize {
        match self {
            Node::Scalar { .. } => 1,
            Node::List { items, .. } => 1 + items.iter().map(Node::size).sum::<usize>(),
            Node::Map { entries, .. } => 1 + entries.iter().map(|e| e.value.size()).sum::<usize>(),
        }
    }

    /// Every node in this one, this one first (depth-first).
    pub(crate) fn walk<'n>(&'n self, out: &mut Vec<&'n Node>) {
        out.push(self);
        match self {
            Node::List { items, .. } => items.iter().for_each(|n| n.walk(out)),
            Node::Map { entries, .. } => entries.iter().for_each(|e| e.value.walk(out)),
            Node::Scalar { .. } => {}
        }
    }
}

#[derive(Clone, Copy)]
struct Line<'t> {
    /// 1-based.
    no: usize,
    indent: usize,
    /// After the indentation, comment and trailing space removed.
    text: &'t str,
    /// After the indentation, as written.
    raw: &'t str,
}

/// The documents of a YAML text.
pub(crate) fn documents(text: &str) -> Vec<Node> {
    let mut docs = Vec::new();
    let mut current: Vec<Line> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let body = raw.trim_start_matches([' ', '\t']);
        if raw.len() == body.len() && (body.starts_with("---") || body.starts_with("...")) {
            docs.push(std::mem::take(&mut current));
            continue;
        }
        current.push(Line {
            no: i + 1,
            indent: raw.len() - body.len(),
            text: strip_comment(body).trim_end(),
            raw: body.trim_end(),
        });
    }
    docs.push(current);
    let mut out = Vec::new();
    for lines in docs {
        let mut p = Parser {
            lines,
            pos: 0,
            anchors: HashMap::new(),
            aliased: 0,
        };
        while p.next().is_some() {
            let before = p.pos;
            let node = p.block(0, 0);
            out.push(node);
            if p.pos == before {
                p.pos += 1;
            }
        }
    }
    out
}

/// The text before a ` #` comment outside quotes.
fn strip_comment(s: &str) -> &str {
    if s.starts_with('#') {
        return "";
    }
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' && (prev == ' ' || prev == '[' || prev == ',') => {
                quote = Some(c)
            }
            None if c == '#' && (prev == ' ' || prev == '\t') => return s.get(..i).unwrap_or(s),
            None => {}
        }
        prev = c;
    }
    s
}

/// A line that is only a template directive (`{{- if .Values.x }}`, `{{- end }}`).
fn template_only(text: &str) -> bool {
    text.starts_with("{{") && text.ends_with("}}")
}

fn is_dash(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// `key: rest` (the key unquoted), when the line starts a map entry.
fn key_split(text: &str) -> Option<(String, &str)> {
    if text.starts_with(['[', '{', '|', '>', '*', '&', '!', '%', '@', '`']) || is_dash(text) {
        return None;
    }
    let mut quote: Option<char> = None;
    let mut braces = 0usize;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'') && k == 0 => quote = Some(c),
            None if c == '{' => braces += 1,
            None if c == '}' => braces = braces.saturating_sub(1),
            None if c == ':' && braces == 0 => {
                let next = chars.get(k + 1).map(|&(_, n)| n);
                if next.is_none() || next == Some(' ') || next == Some('\t') {
                    let key = unquote(text.get(..i)?.trim());
                    let rest = text.get(i + 1..)?.trim();
                    return (!key.is_empty()).then_some((key, rest));
                }
            }
            None => {}
        }
    }
    None
}

/// A scalar as written: quotes removed (with their escapes), or trimmed.
pub(crate) fn unquote(s: &str) -> String {
    let s = s.trim();
    if let Some(inner) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        }
        return out;
    }
    if let Some(inner) = s.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return inner.replace("''", "'");
    }
    s.to_string()
}

/// The items of a flow collection's inside, split at top-level commas.
pub(crate) fn split_flow(inner: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for c in inner.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' && cur.trim().is_empty() => quote = Some(c),
            None if matches!(c, '[' | '{' | '(') => depth += 1,
            None if matches!(c, ']' | '}' | ')') => depth = depth.saturating_sub(1),
            None if c == ',' && depth == 0 => {
                out.push(std::mem::take(&mut cur).trim().to_string());
                continue;
            }
            None => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

struct Parser<'t> {
    lines: Vec<Line<'t>>,
    pos: usize,
    anchors: HashMap<String, Node>,
    /// Nodes copied by aliases so far (see `MAX_ALIASED`).
    aliased: usize,
}

impl<'t> Parser<'t> {
    /// The next line that holds something, skipping empty, comment and template lines.
    fn next(&mut self) -> Option<Line<'t>> {
        while let Some(l) = self.lines.get(self.pos) {
            if l.text.is_empty() || template_only(l.text) {
                self.pos += 1;
                continue;
            }
            return Some(*l);
        }
        None
    }

    /// The node that starts at the next line, if it is indented at least `min`.
    fn block(&mut self, min: usize, depth: usize) -> Node {
        let Some(l) = self.next() else {
            return Node::empty(0);
        };
        if l.indent < min {
            return Node::empty(l.no);
        }
        if depth > MAX_DEPTH {
            self.pos += 1;
            return Node::empty(l.no);
        }
        if is_dash(l.text) {
            self.list(l.indent, depth)
        } else if key_split(l.text).is_some() {
            self.map(l.indent, depth)
        } else {
            self.pos += 1;
            self.value(l.text, l.no, l.indent)
        }
    }

    fn list(&mut self, indent: usize, depth: usize) -> Node {
        let mut items = Vec::new();
        let line = self.next().map(|l| l.no).unwrap_or(0);
        while let Some(l) = self.next() {
            if l.indent != indent || !is_dash(l.text) {
                break;
            }
            let rest = l.text.get(1..).unwrap_or_default().trim_start();
            if rest.is_empty() {
                self.pos += 1;
                items.push(self.block(indent + 1, depth + 1));
            } else if is_dash(rest) || key_split(rest).is_some() {
                // `- key: value` opens a map whose keys line up with `key`.
                let col = indent + (l.text.len() - rest.len());
                if let Some(slot) = self.lines.get_mut(self.pos) {
                    slot.indent = col;
                    slot.text = rest;
                    let raw_rest = slot.raw.get(1..).unwrap_or_default().trim_start();
                    slot.raw = raw_rest;
                }
                items.push(self.block(col, depth + 1));
            } else {
                self.pos += 1;
                items.push(self.value(rest, l.no, indent));
            }
        }
        Node::List { items, line }
    }

    fn map(&mut self, indent: usize, depth: usize) -> Node {
        let mut entries: Vec<Entry> = Vec::new();
        let line = self.next().map(|l| l.no).unwrap_or(0);
        while let Some(l) = self.next() {
            if l.indent < indent || l.indent == indent && is_dash(l.text) {
                break;
            }
            self.pos += 1;
            if l.indent > indent {
                continue;
            }
            let Some((key, rest)) = key_split(l.text) else {
                continue;
            };
            let value = if rest.is_empty() || rest.starts_with('&') && !rest.contains(' ') {
                let anchor = rest.strip_prefix('&').map(str::to_string);
                let node = match self.next() {
                    Some(n) if n.indent > indent => self.block(indent + 1, depth + 1),
                    Some(n) if n.indent == indent && is_dash(n.text) => {
                        self.list(indent, depth + 1)
                    }
                    _ => Node::empty(l.no),
                };
                if let Some(a) = anchor {
                    self.anchors.insert(a, node.clone());
                }
                node
            } else {
                self.value(rest, l.no, indent)
            };
            if key == "<<" {
                let value = self.resolve_aliases(value);
                merge(&mut entries, &value);
                continue;
            }
            entries.push(Entry {
                key,
                value,
                line: l.no,
                written: l.raw.to_string(),
            });
        }
        Node::Map { entries, line }
    }

    /// A value written after `key:` or `- ` on line `no` (of a node indented `indent`).
    fn value(&mut self, rest: &'t str, no: usize, indent: usize) -> Node {
        if let Some(alias) = rest.strip_prefix('*') {
            return self.alias(alias.trim()).unwrap_or_else(|| Node::empty(no));
        }
        if let Some(r) = rest.strip_prefix('&') {
            let (name, tail) = r.split_once(' ').unwrap_or((r, ""));
            let node = self.value(tail.trim_start(), no, indent);
            self.anchors.insert(name.to_string(), node.clone());
            return node;
        }
        if rest.starts_with('|') || rest.starts_with('>') {
            return self.block_scalar(rest.starts_with('>'), no, indent);
        }
        if rest.starts_with('[') || rest.starts_with('{') {
            let text = self.spanning(rest, balanced);
            return flow(&text, no);
        }
        if rest.starts_with('"') || rest.starts_with('\'') {
            let q = rest.chars().next().unwrap_or('"');
            let text = self.spanning(rest, |t| t.len() > 1 && t.ends_with(q));
            return Node::Scalar {
                text: unquote(&text),
                line: no,
            };
        }
        // A plain scalar goes on over more-indented lines.
        let mut text = rest.to_string();
        while let Some(l) = self.lines.get(self.pos) {
            if l.indent <= indent || l.text.is_empty() || key_split(l.text).is_some() {
                break;
            }
            text.push(' ');
            text.push_str(l.text);
            self.pos += 1;
        }
        Node::Scalar { text, line: no }
    }

    /// A copy of the node anchored `name`, within the budget of `MAX_ALIASED`.
    fn alias(&mut self, name: &str) -> Option<Node> {
        let node = self.anchors.get(name)?;
        let size = node.size();
        if self.aliased + size > MAX_ALIASED {
            return None;
        }
        self.aliased += size;
        Some(node.clone())
    }

    /// `[*a, *b]`: the anchored nodes.
    fn resolve_aliases(&mut self, value: Node) -> Node {
        match value {
            Node::List { items, line } => Node::List {
                items: items
                    .into_iter()
                    .map(|i| match i.text().and_then(|t| t.strip_prefix('*')) {
                        Some(a) => self.alias(a).unwrap_or(i),
                        None => i,
                    })
                    .collect(),
                line,
            },
            other => other,
        }
    }

    /// `first` and the lines after it joined with spaces, until `done` says the text is whole.
    fn spanning(&mut self, first: &str, done: impl Fn(&str) -> bool) -> String {
        let mut text = first.to_string();
        let mut taken = 0;
        while !done(&text) && taken < MAX_SPAN {
            let Some(l) = self.lines.get(self.pos) else {
                break;
            };
            text.push(' ');
            text.push_str(l.raw);
            self.pos += 1;
            taken += 1;
        }
        text
    }

    /// `|` or `>`: the more-indented lines that follow (blank ones kept, deeper indentation
    /// kept), the first of them on the line after the indicator.
    fn block_scalar(&mut self, folded: bool, no: usize, indent: usize) -> Node {
        let mut lines: Vec<String> = Vec::new();
        let mut block_indent: Option<usize> = None;
        while let Some(l) = self.lines.get(self.pos) {
            if l.raw.is_empty() {
                lines.push(String::new());
                self.pos += 1;
                continue;
            }
            if l.indent <= indent {
                break;
            }
            let bi = *block_indent.get_or_insert(l.indent);
            lines.push(format!(
                "{}{}",
                " ".repeat(l.indent.saturating_sub(bi)),
                l.raw
            ));
            self.pos += 1;
        }
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        let text = if folded {
            lines
                .iter()
                .map(|l| if l.is_empty() { "\n" } else { l.as_str() })
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            lines.join("\n")
        };
        Node::Scalar { text, line: no + 1 }
    }
}

/// The brackets and braces of `text` are closed (outside quotes).
pub(crate) fn balanced(text: &str) -> bool {
    let mut depth = 0i64;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' => quote = Some(c),
            None if c == '[' || c == '{' => depth += 1,
            None if c == ']' || c == '}' => depth -= 1,
            None => {}
        }
    }
    depth <= 0
}

/// A flow list or map (nested ones kept as text).
fn flow(text: &str, line: usize) -> Node {
    let t = text.trim();
    if let Some(inner) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        let items = split_flow(inner)
            .iter()
            .map(|i| Node::Scalar {
                text: unquote(i),
                line,
            })
            .collect();
        return Node::List { items, line };
    }
    if let Some(inner) = t.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        // `{{ .Values.x }}` is a template, not a map.
        if !inner.starts_with('{') {
            let entries = split_flow(inner)
                .iter()
                .map(|i| {
                    let (k, v) = match key_split(i) {
                        Some((k, v)) => (k, v.to_string()),
                        None => (unquote(i), String::new()),
                    };
                    Entry {
                        key: k,
                        value: Node::Scalar {
                            text: unquote(&v),
                            line,
                        },
                        line,
                        written: i.clone(),
                    }
                })
                .collect();
            return Node::Map { entries, line };
        }
    }
    Node::Scalar {
        text: t.to_string(),
        line,
    }
}

/// `<<: *base` (or a list of them): the base's entries that the map does not give itself.
fn merge(entries: &mut Vec<Entry>, value: &Node) {
    let bases: Vec<&Node> = match value {
        Node::List { items, .. } => items.iter().collect(),
        other => vec![other],
    };
    let mut keys: std::collections::HashSet<String> =
        entries.iter().map(|e| e.key.clone()).collect();
    for base in bases {
        for e in base.entries() {
            if keys.insert(e.key.clone()) {
                entries.push(e.clone());
            }
        }
    }
}
