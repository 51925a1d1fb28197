//! Instance attributes: what `__init__` (and the methods it calls on `self`, and the base
//! classes' `__init__` it reaches through `super().__init__()`) assigns to `self.<name>`.
//! Assignments anywhere else are not followed: the attribute is then what `__init__` made it,
//! or unknown when it assigns different things.

use super::{ClassRef, Ctx, FuncRef, Resolver, Value};
use celint_syntax::ir::{Expr, Scope, Stmt};
use celint_syntax::visitor::{walk_body, walk_expr, walk_stmt, Visitor};

/// How many methods are followed from `__init__` for one attribute.
const MAX_METHODS: usize = 16;

impl Resolver<'_> {
    /// `self.<attr>` as the instance's `__init__` leaves it; `None` when `__init__` does not
    /// assign it.
    pub(super) fn instance_attribute(
        &self,
        class: ClassRef,
        attr: &str,
        depth: u32,
    ) -> Option<Value> {
        if !self.tick(depth) {
            return None;
        }
        let Some(Value::Func(init)) = self.class_member(class, "__init__", depth + 1) else {
            return None;
        };
        let mut pending = vec![init];
        let mut seen: Vec<FuncRef> = Vec::new();
        let mut result: Option<Value> = None;
        while let Some(f) = pending.pop() {
            if seen.contains(&f) || seen.len() >= MAX_METHODS {
                continue;
            }
            seen.push(f);
            let Some(module) = self.project.module(f.module) else {
                continue;
            };
            let Some(func) = module.parsed.module.function(f.func) else {
                continue;
            };
            let Some(this) = func.params.names.first() else {
                continue;
            };
            let mut scan = SelfUses {
                this,
                attr,
                values: Vec::new(),
                methods: Vec::new(),
                super_init: false,
            };
            walk_body(&mut scan, &func.body);
            let ctx = Ctx {
                module: module.clone(),
                scope: Scope::Function(f.func),
                this: Some(class),
            };
            for value in scan.values {
                let v = self.expr(&ctx, value, depth + 1);
                match &result {
                    None => result = Some(v),
                    Some(prev) if *prev == v => {}
                    Some(_) => return Some(Value::Unknown),
                }
            }
            // Methods called on `self` are looked up on the instance's class (an override in a
            // subclass wins, as at run time).
            for m in scan.methods {
                if let Some(Value::Func(g)) = self.class_member(class, m, depth + 1) {
                    pending.push(g);
                }
            }
            if scan.super_init {
                pending.extend(self.base_inits(f, depth + 1));
            }
        }
        result
    }

    /// The `__init__` of the base classes of the class that defines `method`.
    fn base_inits(&self, method: FuncRef, depth: u32) -> Vec<FuncRef> {
        let Some(module) = self.project.module(method.module) else {
            return Vec::new();
        };
        let Some(Scope::Class(c)) = module.parsed.module.function(method.func).map(|f| f.parent)
        else {
            return Vec::new();
        };
        let Some(cls) = module.parsed.module.class(c) else {
            return Vec::new();
        };
        let ctx = Ctx {
            module: module.clone(),
            scope: cls.parent,
            this: None,
        };
        cls.bases
            .iter()
            .filter_map(|b| match self.expr(&ctx, b, depth + 1) {
                Value::Class(base) => match self.class_member(base, "__init__", depth + 1) {
                    Some(Value::Func(f)) => Some(f),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }
}

/// In one method body: the values assigned to `self.<attr>`, the methods called on `self`, and
/// whether it calls `super().__init__(...)`.
struct SelfUses<'a, 'n> {
    this: &'n str,
    attr: &'n str,
    values: Vec<&'a Expr>,
    methods: Vec<&'a str>,
    super_init: bool,
}

impl<'a> Visitor<'a> for SelfUses<'a, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if let Stmt::Assign { targets, value, .. } = stmt {
            if targets.iter().any(|t| self.is_self_attr(t)) {
                self.values.push(value);
            }
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr {
            if let Expr::Attribute { value, attr, .. } = &call.func {
                match value.as_ref() {
                    Expr::Name { id, .. } if id == self.this => self.methods.push(attr),
                    Expr::Call(inner) if attr == "__init__" => {
                        self.super_init |= inner.func.as_name() == Some("super");
                    }
                    _ => {}
                }
            }
        }
        walk_expr(self, expr);
    }
}

impl SelfUses<'_, '_> {
    fn is_self_attr(&self, target: &Expr) -> bool {
        match target {
            Expr::Attribute { value, attr, .. } => {
                attr == self.attr && value.as_name() == Some(self.this)
            }
            _ => false,
        }
    }
}
