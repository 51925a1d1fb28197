//! What the worker imports and what runs in its pool's children. The worker imports its app
//! module and its task modules (`include=`, `imports`, autodiscovery: each defines tasks), and
//! a module that connects a signal handler is imported too, or the handler would never be
//! connected. Each of those imports others at module level, which run at import as well.
//! The pool's children run the tasks and the handlers of the signals sent there.

use std::collections::HashSet;
use std::sync::Arc;

use crate::effects::Analyzer;
use celint_project::facts::symbols::absolute_module;
use celint_project::project::{ModuleData, ModuleId};
use celint_project::resolve::{Ctx, FuncRef, Value};
use celint_syntax::ir::{Expr, FuncIdx, Scope, Stmt};

/// Upper bound on the modules followed through imports (a guard for huge projects).
const MAX_MODULES: usize = 5_000;

use celint_catalog::celery_api::TASK_CLASSES;

/// Does the module make a Celery app, define a task or connect a signal handler?
pub fn is_root(an: &Analyzer, module: &Arc<ModuleData>, handlers: &HashSet<ModuleId>) -> bool {
    // Celery's own modules (a vendored or unpacked copy in the tree) are the library's.
    // The names are looked for in the text first: resolving every decorator and assignment of
    // every module costs more than the rest of the analysis on a large tree.
    let text = module.source.text.as_str();
    !celint_project::loader::is_library(&module.name)
        && (handlers.contains(&module.id)
            || defines_tasks(an, module)
            || (text.contains("Celery") && makes_app(an, module)))
}

/// Does the module make a Celery app at module level?
pub fn makes_app(an: &Analyzer, module: &Arc<ModuleData>) -> bool {
    let ctx = Ctx::new(module.clone(), Scope::Module);
    module.parsed.module.body.iter().any(|s| match s {
        Stmt::Assign { value, .. } => matches!(value.as_ref(), Expr::Call(_))
            && matches!(an.resolver.value(&ctx, value), Value::ExtInstance(p) if p == "celery.Celery"),
        _ => false,
    })
}

/// Does the module define a task?
pub fn defines_tasks(an: &Analyzer, module: &Arc<ModuleData>) -> bool {
    let text = module.source.text.as_str();
    (text.contains("task") || text.contains("Task")) && !tasks(an, module).is_empty()
}

/// The modules the worker imports: `roots` and, transitively, what they import at module
/// level (project modules only; loaded on demand), in module order.
pub fn imported(an: &Analyzer, roots: Vec<Arc<ModuleData>>) -> Vec<Arc<ModuleData>> {
    let mut out = imported_in_order(an, roots);
    out.sort_by_key(|m| m.id);
    out
}

/// `imported`, in the order the imports are followed: the roots, then what they import, a
/// level at a time.
pub fn imported_in_order(an: &Analyzer, roots: Vec<Arc<ModuleData>>) -> Vec<Arc<ModuleData>> {
    let project = an.project();
    let mut seen: HashSet<ModuleId> = roots.iter().map(|m| m.id).collect();
    let mut frontier = roots;
    let mut out = Vec::new();
    // Level by level: each level's imports are loaded ahead on the parse pool before any of
    // them is taken, so that the parsing of a large closure is spread over the threads.
    while !frontier.is_empty() {
        let names: Vec<Vec<String>> = frontier.iter().map(|m| module_level_imports(m)).collect();
        for (m, n) in frontier.iter().zip(&names) {
            project.prefetch(n, &m.root);
        }
        let mut next = Vec::new();
        for (m, n) in frontier.into_iter().zip(names) {
            for name in n {
                if seen.len() >= MAX_MODULES {
                    break;
                }
                if let Some(id) = project.find_module(&name, Some(m.id)) {
                    if seen.insert(id) {
                        next.extend(project.module(id));
                    }
                }
            }
            out.push(m);
        }
        frontier = next;
    }
    out
}

/// The dotted names a module imports at module level (in any block but a definition); for
/// `from p import n`, both `p` and `p.n` (which may be a submodule).
fn module_level_imports(m: &ModuleData) -> Vec<String> {
    let mut out = Vec::new();
    super::parent::visit_stmts(&m.parsed.module.body, &mut |s| import_names(m, s, &mut out));
    out
}

/// The dotted names an import statement of module `m` names, each after the packages on its
/// way (`import a.b.c` runs `a/__init__.py` and `a/b/__init__.py` first).
pub fn import_names(m: &ModuleData, s: &Stmt, out: &mut Vec<String>) {
    let mut named = Vec::new();
    direct_import_names(m, s, &mut named);
    for name in named {
        let mut at = 0;
        while let Some(dot) = name.get(at..).and_then(|rest| rest.find('.')) {
            let package = name.get(..at + dot).unwrap_or_default().to_string();
            if !out.contains(&package) {
                out.push(package);
            }
            at += dot + 1;
        }
        out.push(name);
    }
}

fn direct_import_names(m: &ModuleData, s: &Stmt, out: &mut Vec<String>) {
    match s {
        Stmt::Import { names, .. } => out.extend(names.iter().map(|a| a.name.clone())),
        Stmt::ImportFrom {
            module,
            level,
            names,
            ..
        } => {
            let Some(base) = absolute_module(&m.name, m.is_package, *level, module.as_deref())
            else {
                return;
            };
            for a in names.iter().filter(|a| a.name != "*") {
                out.push(format!("{base}.{}", a.name));
            }
            out.push(base);
        }
        _ => {}
    }
}

/// The modules first imported by `names` (asked from `from`), and what they import at module
/// level, that are not in `seen` yet.
pub fn more(
    an: &Analyzer,
    names: &[(String, ModuleId)],
    seen: &HashSet<ModuleId>,
) -> Vec<Arc<ModuleData>> {
    let project = an.project();
    let roots: Vec<Arc<ModuleData>> = names
        .iter()
        .filter_map(|(n, from)| project.find_module(n, Some(*from)))
        .filter(|id| !seen.contains(id))
        .collect::<HashSet<_>>()
        .into_iter()
        .filter_map(|id| project.module(id))
        .collect();
    imported(an, roots)
        .into_iter()
        .filter(|m| !seen.contains(&m.id))
        .collect()
}

/// The module's tasks: functions under a task decorator, and the methods of classes derived
/// from Celery's `Task`.
pub fn tasks(an: &Analyzer, module: &Arc<ModuleData>) -> Vec<FuncRef> {
    let ir = &module.parsed.module;
    let mut out = Vec::new();
    for (i, f) in ir.functions.iter().enumerate() {
        // Only a decorator whose written name ends in `task` is resolved (`@app.task`,
        // `@shared_task(bind=True)`): most decorators are something else.
        let named_task = |d: &Expr| {
            let func = match d {
                Expr::Call(c) => &c.func,
                other => other,
            };
            func.dotted()
                .is_some_and(|n| n.rsplit('.').next().is_some_and(|l| l.ends_with("task")))
        };
        let ctx = Ctx::new(module.clone(), f.parent);
        if f.decorators
            .iter()
            .any(|d| named_task(d) && is_task_decorator(an, &ctx, d))
        {
            out.push(FuncRef {
                module: module.id,
                func: FuncIdx(i as u32),
            });
        }
    }
    for (i, f) in ir.functions.iter().enumerate() {
        let Scope::Class(c) = f.parent else {
            continue;
        };
        let Some(class) = ir.class(c) else {
            continue;
        };
        let ctx = Ctx::new(module.clone(), class.parent);
        let task_class = class.bases.iter().filter(|b| b.dotted().is_some_and(|d| d.ends_with("Task"))).any(|b| {
            matches!(an.resolver.value(&ctx, b), Value::External(p) if TASK_CLASSES.contains(&p.as_str()))
                || b.dotted().is_some_and(|d| d == "Task" || d.ends_with(".Task"))
        });
        if task_class {
            out.push(FuncRef {
                module: module.id,
                func: FuncIdx(i as u32),
            });
        }
    }
    out
}

pub(super) fn is_task_decorator(an: &Analyzer, ctx: &Ctx, d: &Expr) -> bool {
    an.resolver.task_decorator_written(ctx, d).is_some()
}
