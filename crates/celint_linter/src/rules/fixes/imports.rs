//! The imports of a fix, left as isort and Ruff (`I001`, `F401`) want them: the modules a fix
//! needs are added in sorted place in the standard-library section, and the imports whose last
//! use a fix removes are removed.
//!
//! Placement follows Ruff's isort defaults (sections future, standard library, the rest;
//! `force-sort-within-sections = false`, so within a section every `import x` comes before the
//! `from x import y`; names compared case-insensitively, then as written; `import x` before
//! `import x as y`). The block used is the first run of top-level imports holding a
//! standard-library import, else the first run. A new `import x` goes right before the first
//! standard-library `import` of that block, in source order, that sorts after it, else right
//! after the last one. In a sorted block that is its sorted place; in an unsorted one it is still
//! next to a neighbour it sorts against, predictably, and Ruff's own fix sorts the rest. With no
//! standard-library `import` left, it goes before the block's first standard-library `from`
//! import; with none either, it opens the section before the block's first import after the
//! `__future__` ones (a blank line after it), else after the `__future__` imports (a blank line
//! before it); in place of the block when the fix removes all of it. With no import at all, after
//! the docstring or before the first line of code, followed by the blank lines Ruff wants (two
//! before a `def` or `class`, else one).
//!
//! An import is removed only when all of this holds; else it stays. The file is not an
//! `__init__.py` or a stub (their imports may be re-exports) and parses. The name had a use before
//! and has none after: every identifier of the text counts, in any scope and inside f-strings,
//! except attributes (`x.sys`) and the parts of import statements that bind nothing; so does a
//! string equal to the name (`__all__`) or a dotted path starting with it (a forward reference).
//! No other import binds the name. It is not a `__future__` import, `*` or an explicit re-export
//! (`import x as x`). The statement is a direct child of the module or of a function body; when it
//! loses all its names it goes whole, and only if it is alone on its lines and the function body
//! keeps a statement. When the only statements of a section go, so does the blank line after
//! them, so that sections stay one blank line apart.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use crate::diagnostic::Edit;
use celint_catalog::stdlib::is_stdlib;
use celint_syntax::ir::{Expr, FuncIdx, ImportAlias, Module, Span, Stmt};
use celint_syntax::source::SourceFile;
use celint_syntax::visitor::{walk_body, walk_stmt, Visitor};
use celint_syntax::{Word, WordKind};

use super::line_ending;

/// A file as the import edits see it.
pub struct File<'a> {
    pub source: &'a SourceFile,
    pub module: &'a Module,
    /// The words that may refer to a binding (names and strings), by the name they may mean.
    words: HashMap<String, Vec<Word>>,
    /// Every import statement, anywhere: its span and its aliases' spans.
    imports: Vec<(Span, Vec<Span>)>,
    /// `__init__.py` or a stub, whose imports may be re-exports; a file with syntax errors. No
    /// import is removed from them.
    keep_imports: bool,
}

impl<'a> File<'a> {
    pub fn new(source: &'a SourceFile, module: &'a Module, keep_imports: bool) -> Self {
        let mut v = ImportSpans(Vec::new());
        for (_, body) in module.scopes() {
            walk_body(&mut v, body);
        }
        let mut words: HashMap<String, Vec<Word>> = HashMap::new();
        for w in celint_syntax::words(&source.text) {
            let name = match w.kind {
                WordKind::Name => w.text.clone(),
                WordKind::Str => w.text.split('.').next().unwrap_or("").to_string(),
                WordKind::Attribute => continue,
            };
            words.entry(name).or_default().push(w);
        }
        File {
            source,
            module,
            words,
            imports: v.0,
            keep_imports,
        }
    }

    /// Uses of `name` outside `skip`. With `own` (the span of an alias binding it), another
    /// import binding the name counts as a use; without, no part of an import statement does.
    pub fn uses(&self, name: &str, skip: &[Span], own: Option<Span>) -> usize {
        self.words
            .get(name)
            .into_iter()
            .flatten()
            .filter(|w| refers_to(w, name))
            .filter(|w| !skip.iter().any(|s| s.contains(w.span)))
            .filter(
                |w| match self.imports.iter().find(|(s, _)| s.contains(w.span)) {
                    None => true,
                    Some((_, aliases)) => own.is_some_and(|own| {
                        !own.contains(w.span) && aliases.iter().any(|a| a.contains(w.span))
                    }),
                },
            )
            .count()
    }
}

struct ImportSpans(Vec<(Span, Vec<Span>)>);

impl<'a> Visitor<'a> for ImportSpans {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import { names, span } | Stmt::ImportFrom { names, span, .. } => {
                self.0.push((*span, names.iter().map(|a| a.span).collect()));
            }
            _ => walk_stmt(self, stmt),
        }
    }
}

/// Does `w` name `name`: the identifier itself, a string equal to it (`__all__`), or a string
/// holding a dotted path that starts with it (a forward reference such as `"sys.Foo"`)?
fn refers_to(w: &Word, name: &str) -> bool {
    match w.kind {
        WordKind::Name => w.text == name,
        WordKind::Attribute => false,
        WordKind::Str => {
            w.text == name
                || (w
                    .text
                    .strip_prefix(name)
                    .is_some_and(|r| r.starts_with('.'))
                    && w.text
                        .chars()
                        .all(|c| c == '.' || c == '_' || c.is_alphanumeric()))
        }
    }
}

/// One name an import statement binds, where it could be removed from.
struct Site<'a> {
    name: String,
    stmt: Span,
    aliases: &'a [ImportAlias],
    index: usize,
    /// The body the statement is in: `None` for the module's.
    body: Option<FuncIdx>,
}

fn sites(module: &Module) -> Vec<Site<'_>> {
    let bodies = std::iter::once((None, module.body.as_slice())).chain(
        module
            .functions
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.is_lambda)
            .map(|(i, f)| (Some(FuncIdx(i as u32)), f.body.as_slice())),
    );
    let mut out = Vec::new();
    for (body, stmts) in bodies {
        for stmt in stmts {
            let (aliases, span, from) = match stmt {
                Stmt::Import { names, span } => (names, *span, false),
                Stmt::ImportFrom {
                    module,
                    names,
                    span,
                    ..
                } => {
                    if module.as_deref() == Some("__future__") {
                        continue;
                    }
                    (names, *span, true)
                }
                _ => continue,
            };
            for (index, a) in aliases.iter().enumerate() {
                if a.name == "*" || a.asname.as_deref() == Some(a.name.as_str()) {
                    continue;
                }
                let name = match (&a.asname, from) {
                    (Some(asname), _) => asname.clone(),
                    (None, true) => a.name.clone(),
                    (None, false) => a.name.split('.').next().unwrap_or("").to_string(),
                };
                out.push(Site {
                    name,
                    stmt: span,
                    aliases,
                    index,
                    body,
                });
            }
        }
    }
    out
}

/// What a fix does to a file: the text it replaces, what it puts there, the modules it needs.
pub struct Change<'a> {
    pub replaced: &'a [Span],
    pub added: &'a str,
    pub needs: &'a [&'a str],
}

/// The import edits of `change` in `file`. `used_before` says whether a name had a use before
/// the change (for a fix: in `file` itself; after a pass of fixes: in the text before it).
pub fn edits(file: &File, change: &Change, used_before: &dyn Fn(&str) -> bool) -> Vec<Edit> {
    let added: Vec<Word> = celint_syntax::words(change.added);
    let mut removed: BTreeMap<Span, (&[ImportAlias], BTreeSet<usize>)> = BTreeMap::new();
    let all = sites(file.module);
    if !file.keep_imports {
        for s in &all {
            let own = s.aliases.get(s.index).map(|a| a.span);
            let left = file.uses(&s.name, change.replaced, own)
                + added.iter().filter(|w| refers_to(w, &s.name)).count();
            if left == 0 && used_before(&s.name) {
                removed
                    .entry(s.stmt)
                    .or_insert_with(|| (s.aliases, BTreeSet::new()))
                    .1
                    .insert(s.index);
            }
        }
    }
    let plan = Plan::new(file, &all, removed);
    let with_removals = plan.edits(file, change.needs);
    if consistent(&with_removals) {
        return with_removals;
    }
    // Never expected; if the removals and the additions ever touched, the additions alone.
    Plan::new(file, &all, BTreeMap::new()).edits(file, change.needs)
}

/// No two edits that `fix::apply` would take for overlapping.
fn consistent(edits: &[Edit]) -> bool {
    edits.iter().enumerate().all(|(i, e)| {
        edits.iter().skip(i + 1).all(|c| {
            !((e.span.start < c.span.end && c.span.start < e.span.end)
                || (e.span.start == c.span.start && e.span.end == c.span.end)
                || (e.span.start == e.span.end && e.span.start == c.span.start)
                || (c.span.start == c.span.end && c.span.start == e.span.start))
        })
    })
}

/// `new` (the text after a pass of fixes over `old`) without the imports the pass left unused:
/// those used in `old` and unused in `new`. `None` when there are none.
pub fn drop_unused(old: &str, new: &str, keep_imports: bool) -> Option<String> {
    let old_parsed = celint_syntax::parse(old, false);
    let new_parsed = celint_syntax::parse(new, false);
    if keep_imports || !new_parsed.errors.is_empty() {
        return None;
    }
    let old_source = SourceFile::new(String::new(), PathBuf::new(), old.to_string());
    let old_file = File::new(&old_source, &old_parsed.module, false);
    let new_source = SourceFile::new(String::new(), PathBuf::new(), new.to_string());
    let new_file = File::new(&new_source, &new_parsed.module, false);
    let change = Change {
        replaced: &[],
        added: "",
        needs: &[],
    };
    let edits = edits(&new_file, &change, &|name| {
        old_file.uses(name, &[], None) > 0
    });
    if edits.is_empty() {
        return None;
    }
    let (text, _) = crate::fix::apply(new, &[edits]);
    (text != new).then_some(text)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Future,
    Stdlib,
    Other,
}

/// A top-level import statement as the plan sees it.
struct Item {
    span: Span,
    /// Removed whole.
    gone: bool,
    section: Section,
    /// `import x` (not `from`), and the sort key of its first alias left.
    plain: Option<Key>,
}

type Key = (String, String, Option<String>);

fn key(name: &str, asname: Option<&str>) -> Key {
    (
        name.to_lowercase(),
        name.to_string(),
        asname.map(str::to_string),
    )
}

/// Where new imports go.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Anchor {
    /// At the start of this statement's first line.
    Before(u32),
    /// At the end of this statement's last line (before its line ending).
    After(u32),
    /// After the `__future__` imports, a blank line between.
    AfterFuture(u32),
    /// Before this statement, opening a section: a blank line after.
    OpenSection(u32),
    /// In place of this statement, removed: the block's only one.
    Instead(u32),
    /// After the docstring (no import in the module).
    AfterDocstring,
    /// Before the first line of code (no import, no docstring).
    Top,
}

struct Plan<'a> {
    /// The blocks of consecutive top-level imports.
    blocks: Vec<Vec<Item>>,
    /// Removed aliases of statements removed in part, by statement.
    partial: Vec<(&'a [ImportAlias], BTreeSet<usize>)>,
    /// Statements in function bodies removed whole.
    local: Vec<Span>,
}

impl<'a> Plan<'a> {
    fn new(
        file: &File,
        all: &[Site<'a>],
        mut removed: BTreeMap<Span, (&'a [ImportAlias], BTreeSet<usize>)>,
    ) -> Self {
        let src = file.source;
        let mut local = Vec::new();
        let mut whole: BTreeSet<Span> = BTreeSet::new();
        // Statements losing every alias go whole, when they can.
        let mut per_body: BTreeMap<FuncIdx, usize> = BTreeMap::new();
        for (span, (aliases, gone)) in &removed {
            if gone.len() < aliases.len() {
                continue;
            }
            if !alone_on_lines(src, *span) {
                continue;
            }
            match all.iter().find(|s| s.stmt == *span).and_then(|s| s.body) {
                None => {
                    whole.insert(*span);
                }
                Some(f) => {
                    let n = per_body.entry(f).or_default();
                    let len = file.module.function(f).map_or(0, |f| f.body.len());
                    // A body keeps one statement at least.
                    if *n + 1 < len {
                        *n += 1;
                        local.push(*span);
                        whole.insert(*span);
                    }
                }
            }
        }
        removed.retain(|span, (aliases, gone)| !whole.contains(span) && gone.len() < aliases.len());
        let mut blocks: Vec<Vec<Item>> = Vec::new();
        let mut run: Vec<Item> = Vec::new();
        for stmt in &file.module.body {
            match item(stmt, &whole, &removed) {
                Some(it) => run.push(it),
                None if !run.is_empty() => blocks.push(std::mem::take(&mut run)),
                None => {}
            }
        }
        if !run.is_empty() {
            blocks.push(run);
        }
        Plan {
            blocks,
            partial: removed.into_values().collect(),
            local,
        }
    }

    /// The block that takes standard-library imports.
    fn block(&self) -> Option<&[Item]> {
        self.blocks
            .iter()
            .find(|b| b.iter().any(|it| it.section == Section::Stdlib))
            .or_else(|| self.blocks.first())
            .map(Vec::as_slice)
    }

    fn anchor(&self, file: &File, name: &str) -> Anchor {
        let Some(block) = self.block() else {
            return match file.module.body.first() {
                Some(Stmt::Expr(Expr::Str { .. })) => Anchor::AfterDocstring,
                _ => Anchor::Top,
            };
        };
        let left: Vec<&Item> = block.iter().filter(|it| !it.gone).collect();
        let new = key(name, None);
        let plain: Vec<&&Item> = left
            .iter()
            .filter(|it| it.section == Section::Stdlib && it.plain.is_some())
            .collect();
        if let Some(last) = plain.last() {
            return match plain.iter().find(|it| it.plain.as_ref() > Some(&new)) {
                Some(next) => Anchor::Before(next.span.start),
                None => Anchor::After(last.span.start),
            };
        }
        if let Some(from) = left.iter().find(|it| it.section == Section::Stdlib) {
            return Anchor::Before(from.span.start);
        }
        if let Some(first) = left.iter().find(|it| it.section != Section::Future) {
            return Anchor::OpenSection(first.span.start);
        }
        match (left.last(), block.first()) {
            (Some(future), _) => Anchor::AfterFuture(future.span.start),
            (None, Some(first)) => Anchor::Instead(first.span.start),
            (None, None) => Anchor::Top,
        }
    }

    fn edits(&self, file: &File, needs: &[&str]) -> Vec<Edit> {
        let src = file.source;
        let nl = line_ending(&src.text);
        let mut groups: BTreeMap<Anchor, Vec<&str>> = BTreeMap::new();
        let mut needs: Vec<&str> = needs.to_vec();
        needs.sort_by_key(|n| key(n, None));
        needs.dedup();
        for n in needs {
            groups.entry(self.anchor(file, n)).or_default().push(n);
        }
        let mut out = Vec::new();
        let mut instead: Option<(u32, String)> = None;
        for (anchor, names) in &groups {
            let lines: Vec<String> = names.iter().map(|n| format!("import {n}")).collect();
            match insertion(file, *anchor, &lines, nl) {
                Insertion::Edit(e) => out.push(e),
                Insertion::Instead(at, content) => instead = Some((at, content)),
            }
        }
        for block in &self.blocks {
            let all_gone = block.iter().all(|it| it.gone);
            // Whether the run of removed statements ending here has a blank line or the start of
            // the block above it.
            let mut run_open = false;
            let mut prev_end = 0;
            for (i, it) in block.iter().enumerate() {
                let line = src.line_of(it.span.start);
                let open = i == 0 || is_blank(src, line - 1) || (run_open && prev_end + 1 == line);
                run_open = it.gone && open;
                prev_end = src.line_of(it.span.end);
                if !it.gone {
                    continue;
                }
                let content = match &instead {
                    Some((at, c)) if *at == it.span.start => c.clone(),
                    _ => String::new(),
                };
                // The only statements of their section: the blank line after them goes too.
                let consume = run_open && !all_gone && content.is_empty();
                out.push(delete_lines(src, it.span, consume, content));
            }
        }
        for span in &self.local {
            out.push(delete_lines(src, *span, false, String::new()));
        }
        for (aliases, gone) in &self.partial {
            out.extend(remove_aliases(aliases, gone));
        }
        out.sort_by_key(|e| (e.span.start, e.span.end));
        out
    }
}

fn item<'a>(
    stmt: &'a Stmt,
    whole: &BTreeSet<Span>,
    removed: &BTreeMap<Span, (&'a [ImportAlias], BTreeSet<usize>)>,
) -> Option<Item> {
    let (span, aliases) = match stmt {
        Stmt::Import { names, span } | Stmt::ImportFrom { names, span, .. } => (*span, names),
        _ => return None,
    };
    let gone_aliases = removed.get(&span).map(|(_, g)| g);
    let first = aliases
        .iter()
        .enumerate()
        .find(|(i, _)| !gone_aliases.is_some_and(|g| g.contains(i)))
        .map(|(_, a)| a);
    let (section, plain) = match stmt {
        Stmt::ImportFrom { module, level, .. } => {
            let m = module.as_deref().unwrap_or("");
            let section = if m == "__future__" {
                Section::Future
            } else if *level == 0 && is_stdlib(m.split('.').next().unwrap_or("")) {
                Section::Stdlib
            } else {
                Section::Other
            };
            (section, None)
        }
        _ => {
            let name = first.map_or("", |a| a.name.as_str());
            let section = if is_stdlib(name.split('.').next().unwrap_or("")) {
                Section::Stdlib
            } else {
                Section::Other
            };
            (
                section,
                Some(key(name, first.and_then(|a| a.asname.as_deref()))),
            )
        }
    };
    Some(Item {
        span,
        gone: whole.contains(&span),
        section,
        plain,
    })
}

enum Insertion {
    Edit(Edit),
    /// Content for the removal of the statement starting there.
    Instead(u32, String),
}

fn insertion(file: &File, anchor: Anchor, lines: &[String], nl: &str) -> Insertion {
    let src = file.source;
    let each: String = lines.iter().map(|l| format!("{l}{nl}")).collect();
    let after: String = lines.iter().map(|l| format!("{nl}{l}")).collect();
    let at = |offset: u32, content: String| {
        Insertion::Edit(Edit {
            span: Span::new(offset, offset),
            content,
        })
    };
    let line_start = |offset: u32| src.line_span(src.line_of(offset)).start;
    let stmt_end = |start: u32| {
        file.module
            .body
            .iter()
            .find_map(|s| match s {
                Stmt::Import { span, .. } | Stmt::ImportFrom { span, .. }
                    if span.start == start =>
                {
                    Some(span.end)
                }
                _ => None,
            })
            .unwrap_or(start)
    };
    let line_end = |offset: u32| src.line_span(src.line_of(offset)).end;
    match anchor {
        Anchor::Before(s) => at(line_start(s), each),
        Anchor::After(s) => at(line_end(stmt_end(s)), after),
        Anchor::AfterFuture(s) => at(line_end(stmt_end(s)), format!("{nl}{after}")),
        Anchor::OpenSection(s) => at(line_start(s), format!("{each}{nl}")),
        Anchor::Instead(s) => Insertion::Instead(s, each),
        Anchor::AfterDocstring => {
            let doc_end = match file.module.body.first() {
                Some(Stmt::Expr(e)) => e.span().end,
                _ => 0,
            };
            let line = src.line_of(doc_end);
            let blank = (line + 1..=src.line_count())
                .take_while(|l| is_blank(src, *l))
                .count();
            let want: usize = match file.module.body.get(1) {
                Some(Stmt::Def(_) | Stmt::Class(_)) => 2,
                Some(_) => 1,
                None => 0,
            };
            let pad = nl.repeat(want.saturating_sub(blank));
            at(src.line_span(line).end, format!("{after}{pad}"))
        }
        Anchor::Top => {
            // The first line that is neither blank nor a comment: the first statement's.
            let line = (1..=src.line_count())
                .find(|l| {
                    let t = src.slice(src.line_span(*l)).trim();
                    !t.is_empty() && !t.starts_with('#')
                })
                .unwrap_or(1);
            let text = src.slice(src.line_span(line)).trim_start();
            let def = ["def ", "async ", "class ", "@"]
                .iter()
                .any(|p| text.starts_with(p));
            let pad = nl.repeat(if def { 2 } else { 1 });
            at(src.line_span(line).start, format!("{each}{pad}"))
        }
    }
}

/// The statement at `span` is alone on its lines (nothing before it but indentation, nothing
/// after it but a comment).
fn alone_on_lines(src: &SourceFile, span: Span) -> bool {
    let first = src.line_span(src.line_of(span.start));
    let before = src.slice(Span::new(first.start, span.start));
    let last = src.line_span(src.line_of(span.end));
    let after = src.slice(Span::new(span.end, last.end)).trim();
    before.chars().all(|c| c == ' ' || c == '\t') && (after.is_empty() || after.starts_with('#'))
}

/// Where the line after `line` starts (the end of the text after the last line).
fn next_line_start(src: &SourceFile, line: usize) -> u32 {
    if line < src.line_count() {
        src.line_span(line + 1).start
    } else {
        src.text.len() as u32
    }
}

/// A line holding only whitespace, with a line ending.
fn is_blank(src: &SourceFile, line: usize) -> bool {
    if line == 0 || line > src.line_count() {
        return false;
    }
    let span = src.line_span(line);
    src.slice(span).trim().is_empty() && next_line_start(src, line) > span.end
}

/// Removes the lines of the statement at `span` (and the blank line after them with `blank`),
/// putting `content` there.
fn delete_lines(src: &SourceFile, span: Span, blank: bool, content: String) -> Edit {
    let start = src.line_span(src.line_of(span.start)).start;
    let last = src.line_of(span.end);
    let end = if blank && is_blank(src, last + 1) {
        next_line_start(src, last + 1)
    } else {
        next_line_start(src, last)
    };
    Edit {
        span: Span::new(start, end),
        content,
    }
}

/// Removes the aliases `gone` (not all of them) from an import statement, with their commas.
fn remove_aliases(aliases: &[ImportAlias], gone: &BTreeSet<usize>) -> Vec<Edit> {
    let Some(last_kept) = (0..aliases.len()).rev().find(|i| !gone.contains(i)) else {
        return Vec::new();
    };
    let mut out: Vec<Edit> = Vec::new();
    let mut push = |span: Span| match out.last_mut() {
        Some(prev) if prev.span.end == span.start => prev.span.end = span.end,
        _ => out.push(Edit {
            span,
            content: String::new(),
        }),
    };
    for i in gone.iter().copied().filter(|i| *i < last_kept) {
        if let (Some(a), Some(next)) = (aliases.get(i), aliases.get(i + 1)) {
            push(Span::new(a.span.start, next.span.start));
        }
    }
    if let (Some(kept), Some(last)) = (aliases.get(last_kept), aliases.last()) {
        if gone.iter().any(|i| *i > last_kept) {
            push(Span::new(kept.span.end, last.span.end));
        }
    }
    out
}
