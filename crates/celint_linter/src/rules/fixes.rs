//! Building blocks for fixes: statement replacement that keeps indentation and line endings,
//! and the imports a fix needs or leaves unused (`imports.rs`).

pub mod imports;

use crate::diagnostic::Edit;
use celint_project::facts::symbols::Binding;
use celint_project::project::ModuleData;
use celint_project::resolve::parent_scope;
use celint_syntax::ir::{FuncIdx, Scope, Span};

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

/// The import edits of a fix that replaces `stmt` by `replacement` and needs the modules in
/// `needs`: those not visible at `stmt` yet are imported where isort puts them, and the imports
/// whose last use goes with `stmt` are removed (`imports.rs`). `None` when a needed name is
/// bound to something else there.
pub fn imports(
    module: &ModuleData,
    stmt: Span,
    replacement: &str,
    needs: &[&str],
) -> Option<Vec<Edit>> {
    let mut missing = Vec::new();
    for name in needs {
        match module_name_at(module, stmt, name) {
            ModuleName::Imported => {}
            ModuleName::Free => missing.push(*name),
            ModuleName::Taken => return None,
        }
    }
    let keep = module.is_package || module.source.is_stub() || !module.parsed.errors.is_empty();
    let file = imports::File::new(&module.source, &module.parsed.module, keep);
    let change = imports::Change {
        replaced: &[stmt],
        added: replacement,
        needs: &missing,
    };
    Some(imports::edits(&file, &change, &|name| {
        file.uses(name, &[], None) > 0
    }))
}

/// A fix's main edit and its import edits (`imports`), or `None` when either cannot be made.
pub fn with_imports(module: &ModuleData, main: Edit, needs: &[&str]) -> Option<Vec<Edit>> {
    let mut edits = imports(module, main.span, &main.content, needs)?;
    edits.push(main);
    Some(edits)
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
