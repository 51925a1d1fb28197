//! What the main process leaves to the children once every module ran: what is built from a
//! held connection holds it too (a session factory, a model class), and what is re-created in
//! each child anyway is not left to them (an after-fork hook, an object that re-creates its
//! connection in a new process, `hooks`).

use std::collections::HashSet;
use std::rc::Rc;
use std::sync::Arc;

use super::children;
use super::hooks::{self, Hook};
use super::keys::Key;
use super::parent::{visit_stmts, Held, Opening, Parent};
use celint_project::project::ModuleData;
use celint_project::resolve::{Ctx, Value};
use celint_syntax::ir::{Class, ClassIdx, Expr, Scope, Stmt};

impl Parent<'_, '_> {
    /// What is built at import from a held connection or pool holds it too, whatever the
    /// order: `SessionLocal = sessionmaker(bind=engine)` before `metadata.create_all(engine)`,
    /// the model classes of a held Flask-SQLAlchemy extension or peewee database. Then what
    /// the after-fork hooks and fork-aware objects re-create in each child is let go of.
    pub fn spread(&mut self, modules: &[Arc<ModuleData>]) {
        loop {
            let before = self.held.len();
            for m in modules {
                let ctx = Ctx::new(m.clone(), Scope::Module);
                for class in m
                    .parsed
                    .module
                    .classes
                    .iter()
                    .filter(|c| c.parent == Scope::Module)
                {
                    if let Some(from) = self.model_of(&ctx, m, class) {
                        let key = Key {
                            module: m.id,
                            path: class.name.clone(),
                        };
                        if !self.held.iter().any(|h| h.key == key) {
                            self.held.push(Held {
                                key,
                                opening: from,
                                built: true,
                            });
                        }
                    }
                }
                visit_stmts(&m.parsed.module.body, &mut |stmt| {
                    let Stmt::Assign { targets, value, .. } = stmt else {
                        return;
                    };
                    let Some(from) = self.built_from(&ctx, value) else {
                        return;
                    };
                    let keys: Vec<Key> =
                        targets.iter().flat_map(|t| self.target(&ctx, t)).collect();
                    for key in keys {
                        let known = self
                            .held
                            .iter()
                            .any(|h| h.key == key && Rc::ptr_eq(&h.opening, &from));
                        if !known {
                            self.held.push(Held {
                                key,
                                opening: from.clone(),
                                built: true,
                            });
                        }
                    }
                });
            }
            if self.held.len() == before {
                break;
            }
        }
        self.settle();
    }

    /// The held connection a model class queries through: a base that holds one (the
    /// extension's `db.Model`, a project base model already held), or a held database named in
    /// its `class Meta:` (`database = db`, peewee's).
    fn model_of(&self, ctx: &Ctx, m: &ModuleData, class: &Class) -> Option<Rc<Opening>> {
        let held = |k: &Key| {
            self.held
                .iter()
                .find(|h| k.reads(&h.key))
                .map(|h| h.opening.clone())
        };
        let from_base = class.bases.iter().find_map(|b| {
            let k = match self.an.resolver.value(ctx, b) {
                Value::Class(c) => {
                    let module = self.an.project().module(c.module)?;
                    let name = module.parsed.module.class(c.class)?.name.clone();
                    Key {
                        module: c.module,
                        path: name,
                    }
                }
                _ => self.keys.of(ctx, b)?,
            };
            held(&k)
        });
        if from_base.is_some() {
            return from_base;
        }
        let index = m
            .parsed
            .module
            .classes
            .iter()
            .position(|c| std::ptr::eq(c, class))?;
        let outer = Scope::Class(ClassIdx(index as u32));
        let (meta, def) = m
            .parsed
            .module
            .classes
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == "Meta" && c.parent == outer)?;
        let meta_ctx = Ctx::new(ctx.module.clone(), Scope::Class(ClassIdx(meta as u32)));
        def.body.iter().find_map(|s| match s {
            Stmt::Assign { value, .. } => held(&self.keys.of(&meta_ctx, value)?),
            _ => None,
        })
    }

    /// The held connection a call is given as an argument (`sessionmaker(bind=engine)`,
    /// `scoped_session(sessionmaker(bind=engine))`).
    fn built_from(&self, ctx: &Ctx, value: &Expr) -> Option<Rc<Opening>> {
        let Expr::Call(call) = value else {
            return None;
        };
        call.args
            .iter()
            .chain(call.keywords.iter().map(|k| &k.value))
            .find_map(|a| match a {
                Expr::Call(_) => self.built_from(ctx, a),
                Expr::Name { .. } | Expr::Attribute { .. } => {
                    let k = self.keys.of(ctx, a)?;
                    self.held
                        .iter()
                        .find(|h| k.reads(&h.key))
                        .map(|h| h.opening.clone())
                }
                _ => None,
            })
    }

    /// Lets go of the connections each child re-creates anyway: what the after-fork hooks
    /// re-create, and those of objects that re-create theirs in a new process. (A thread a hook
    /// starts again in each child is still reported: the child's copy of a queue the main
    /// process's thread waited on still lists that thread as its waiter, and the first `put`
    /// wakes no one; seen on a live worker.)
    fn settle(&mut self) {
        let mut reset: HashSet<Key> = HashSet::new();
        for hook in std::mem::take(&mut self.hooks) {
            match hook {
                Hook::Resets(k) => {
                    reset.insert(k);
                }
                Hook::Runs { func, arg } => {
                    reset.extend(children::walk_hook(self.an, func, arg).reset);
                }
            }
        }
        let ran = children::Children {
            reset,
            ..Default::default()
        };
        let an = self.an;
        let reset = |k: &Key| ran.resets(k) || hooks::fork_aware_key(an, k);
        let gone: Vec<bool> = self
            .held
            .iter()
            .map(|h| h.reset_by(&self.held, &reset))
            .collect();
        let mut gone = gone.into_iter();
        self.held.retain(|_| !gone.next().unwrap_or(false));
    }
}
