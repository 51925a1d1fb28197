//! Receivers bound to `self` in a base class's method (`worker_process_init.connect(self.on_init)`
//! in `Base.__init__`): the handler runs with `self` an instance of whichever class the project
//! made, so it is analysed once per project subclass that is instantiated (`Sub()`), and
//! `self.setup()` in it runs that subclass's override. Only the modules the analysis has are
//! searched; when no instantiation is found there, the receiver is analysed as its own class's.

use std::collections::HashMap;
use std::sync::Arc;

use super::Connection;
use celint_project::project::ModuleData;
use celint_project::resolve::{ClassRef, Ctx, Resolver, Value};
use celint_syntax::ir::{Expr, Scope};
use celint_syntax::visitor::{walk_body, walk_expr, Visitor};

/// How deep a class's project bases are followed.
const MAX_DEPTH: u32 = 16;
/// How many classes' receivers are analysed per connection.
const MAX_CLASSES: usize = 16;

/// Each connection of a receiver bound to `self`, once per class the project instantiates that
/// is, or derives from, the method's class; the others as they are. The method's own class is
/// kept when it is instantiated itself, or when nothing is found.
pub fn expand(resolver: &Resolver, connections: Vec<Connection>) -> Vec<Connection> {
    let mut made: HashMap<ClassRef, Vec<ClassRef>> = HashMap::new();
    let mut out = Vec::with_capacity(connections.len());
    for c in connections {
        let Some(base) = c.self_class else {
            out.push(c);
            continue;
        };
        let classes = made
            .entry(base)
            .or_insert_with(|| instantiated(resolver, base));
        let subclasses: Vec<ClassRef> = classes.iter().copied().filter(|k| *k != base).collect();
        if subclasses.is_empty() || classes.contains(&base) {
            out.push(c.clone());
        }
        for class in subclasses.into_iter().take(MAX_CLASSES) {
            out.push(Connection {
                this: Some(class),
                ..c.clone()
            });
        }
    }
    out
}

/// The classes of the project's modules that are `base` or derive from it and are called
/// somewhere (`Sub()`, `mod.Sub(...)`), in module and source order.
fn instantiated(resolver: &Resolver, base: ClassRef) -> Vec<ClassRef> {
    let modules = resolver.project.modules();
    let Some(base_name) = resolver
        .project
        .module(base.module)
        .and_then(|m| m.parsed.module.class(base.class).map(|c| c.name.clone()))
    else {
        return Vec::new();
    };
    // Only a class whose bases are written with a family member's name can derive from the
    // base: resolving every base of every class of a large project costs more than the rest
    // of the analysis. The family grows a generation at a time (`Sub(Mid)`, `Mid(Base)`).
    let mut family: Vec<(ClassRef, String)> = vec![(base, base_name)];
    for _ in 0..=MAX_DEPTH {
        let before = family.len();
        for m in &modules {
            for (i, class) in m.parsed.module.classes.iter().enumerate() {
                let c = ClassRef {
                    module: m.id,
                    class: celint_syntax::ir::ClassIdx(i as u32),
                };
                let written = class.bases.iter().any(|b| {
                    b.dotted().is_some_and(|d| {
                        let last = d.rsplit('.').next().unwrap_or(d.as_str());
                        family.iter().any(|(_, n)| n == last)
                    })
                });
                if written && !family.iter().any(|(k, _)| *k == c) && derives(resolver, c, base, 0)
                {
                    family.push((c, class.name.clone()));
                }
            }
        }
        if family.len() == before {
            break;
        }
    }
    let mut found: Vec<ClassRef> = Vec::new();
    // A module can call a family class only if its text names one.
    let names_one = |m: &Arc<ModuleData>| {
        family
            .iter()
            .any(|(_, n)| m.source.text.contains(n.as_str()))
    };
    for m in modules.iter().filter(|m| names_one(m)) {
        for (scope, body) in m.parsed.module.scopes() {
            let mut calls = Calls {
                resolver,
                module: m,
                scope,
                family: &family,
                found: &mut found,
            };
            walk_body(&mut calls, body);
        }
    }
    found
}

/// Is `class` `base`, or a project class derived from it?
fn derives(resolver: &Resolver, class: ClassRef, base: ClassRef, depth: u32) -> bool {
    if class == base {
        return true;
    }
    if depth > MAX_DEPTH {
        return false;
    }
    let Some(module) = resolver.project.module(class.module) else {
        return false;
    };
    let Some(def) = module.parsed.module.class(class.class) else {
        return false;
    };
    let ctx = Ctx::new(module.clone(), def.parent);
    def.bases.iter().any(|b| match resolver.value(&ctx, b) {
        Value::Class(parent) => derives(resolver, parent, base, depth + 1),
        _ => false,
    })
}

/// Calls written with a family class's name, resolved to that class.
struct Calls<'a, 'r, 'p> {
    resolver: &'r Resolver<'p>,
    module: &'a Arc<ModuleData>,
    scope: Scope,
    family: &'a [(ClassRef, String)],
    found: &'a mut Vec<ClassRef>,
}

impl<'x> Visitor<'x> for Calls<'_, '_, '_> {
    fn visit_expr(&mut self, expr: &'x Expr) {
        if let Expr::Call(call) = expr {
            let written = match &call.func {
                Expr::Name { id, .. } => Some(id.as_str()),
                Expr::Attribute { attr, .. } => Some(attr.as_str()),
                _ => None,
            };
            if self
                .family
                .iter()
                .any(|(_, name)| Some(name.as_str()) == written)
            {
                let ctx = Ctx::new(self.module.clone(), self.scope);
                if let Value::Class(c) = self.resolver.value(&ctx, &call.func) {
                    if self.family.iter().any(|(k, _)| *k == c) && !self.found.contains(&c) {
                        self.found.push(c);
                    }
                }
            }
        }
        walk_expr(self, expr);
    }
}
