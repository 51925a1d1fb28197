//! Building blocks for fixes: statement replacement that keeps indentation and line endings,
//! and imports added once at the top of the module.

use crate::diagnostic::Edit;
use crate::facts::symbols::Binding;
use crate::project::ModuleData;
use crate::resolve::parent_scope;
use crate::syntax::ir::{Expr, FuncIdx, Scope, Span, Stmt};

pub fn line_ending(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes().get(i - 1) == Some(&b'\r') => "\r\n",
        Some(_) => "\n",
        None if text.contains('\r') => "\r",
        None => "\n",
    }
}

/// The indentation of a statement that stands alone on its line(s), or `None` when something
/// else shares them (`x = 1; sys.exit(1)`) and a replacement would be unsafe.
pub fn statement_indent(module: &ModuleData, stmt: Span) -> Option<String> {
    let src = &module.source;
    let first_line = src.line_span(src.line_of(stmt.start));
    let before = src.slice(Span::new(first_line.start, stmt.start));
    if !before.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    let last_line = src.line_span(src.line_of(stmt.end));
    let after = src.slice(Span::new(stmt.end, last_line.end)).trim();
    if !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    Some(before.to_string())
}

/// The innermost function (not lambda) whose body holds `span`.
pub fn enclosing_function(module: &ModuleData, span: Span) -> Option<FuncIdx> {
    module
        .parsed
        .module
        .functions
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.is_lambda && f.span.contains(span))
        .min_by_key(|(_, f)| f.span.end - f.span.start)
        .map(|(i, _)| FuncIdx(i as u32))
}

/// How `name` can be used at `span` to mean module `name` (`os`, `signal`).
pub enum ModuleName {
    /// Already imported and visible.
    Imported,
    /// Free: an `import` at the top makes it available.
    Free,
    /// Bound to something else there (a `signal=None` parameter, say): no fix.
    Taken,
}

pub fn module_name_at(module: &ModuleData, span: Span, name: &str) -> ModuleName {
    let mut scope = enclosing_function(module, span).map(Scope::Function);
    let mut first = true;
    let mut cur = scope.unwrap_or(Scope::Module);
    loop {
        let skip = matches!(cur, Scope::Class(_)) && !first;
        if !skip {
            if let Some(bindings) = module.symbols.table(cur).and_then(|t| t.names.get(name)) {
                let ok = bindings
                    .iter()
                    .all(|b| matches!(b, Binding::Module(m) if m == name));
                return if ok {
                    ModuleName::Imported
                } else {
                    ModuleName::Taken
                };
            }
        }
        first = false;
        match parent_scope(module, cur) {
            Some(p) => cur = p,
            None => break,
        }
        scope = Some(cur);
    }
    let _ = scope;
    ModuleName::Free
}

/// Edits importing each module in `names` that is not imported yet, after the module's last
/// top-level import (or its docstring). `None` when a name is taken by something else.
pub fn imports(module: &ModuleData, at: Span, names: &[&str]) -> Option<Vec<Edit>> {
    let mut missing = Vec::new();
    for name in names {
        match module_name_at(module, at, name) {
            ModuleName::Imported => {}
            ModuleName::Free => missing.push(*name),
            ModuleName::Taken => return None,
        }
    }
    if missing.is_empty() {
        return Some(Vec::new());
    }
    let src = &module.source;
    let nl = line_ending(&src.text);
    let body = &module.parsed.module.body;
    let last_import = body
        .iter()
        .filter_map(|s| match s {
            Stmt::Import { span, .. } | Stmt::ImportFrom { span, .. } => Some(*span),
            _ => None,
        })
        .next_back();
    let after = last_import.or_else(|| match body.first() {
        Some(Stmt::Expr(e @ Expr::Str { .. })) => Some(e.span()),
        _ => None,
    });
    let content: String = missing
        .iter()
        .map(|n| format!("import {n}"))
        .collect::<Vec<_>>()
        .join(nl);
    Some(vec![match after {
        Some(span) => {
            let end = src.line_span(src.line_of(span.end)).end;
            Edit {
                span: Span::new(end, end),
                content: format!("{nl}{content}"),
            }
        }
        None => Edit {
            span: Span::new(0, 0),
            content: format!("{content}{nl}"),
        },
    }])
}

/// Replaces a whole statement by `lines` (one statement a line), at its indentation.
pub fn replace_statement(module: &ModuleData, stmt: Span, lines: &[&str]) -> Option<Edit> {
    let indent = statement_indent(module, stmt)?;
    let nl = line_ending(&module.source.text);
    let content = lines.join(&format!("{nl}{indent}"));
    Some(Edit {
        span: stmt,
        content,
    })
}
