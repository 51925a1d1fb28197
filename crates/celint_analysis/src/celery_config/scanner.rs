//! Reading the settings out of the project's code: every place an app's configuration is given
//! (its `conf`, `Celery(...)` keywords, `config_from_object`), the configuration modules and
//! classes it loads with their namespaces, Flask configurations handed to Celery, and the
//! values, through names, project functions and the defaults of environment lookups.

use std::sync::Arc;

use super::values::{Eval, Values};
use super::{Candidate, Found, Origin};
use celint_project::project::{ModuleData, ModuleId};
use celint_project::resolve::{ClassRef, Ctx, Resolver, Value};
use celint_syntax::ir::{Call, Expr, Scope, Span, Stmt};
use celint_syntax::visitor::{walk_body, walk_expr, walk_stmt, Visitor};

/// How deep names, function results and nested mappings are followed.
pub(super) const MAX_FOLLOW: u32 = 8;

/// How many classes of a configuration class's hierarchy are read.
const MAX_CLASSES: usize = 32;

/// `NAME = value` in a class body: the module and class, the name, the value, the statement.
type ClassName = (Arc<ModuleData>, Scope, String, Arc<Expr>, Span);

/// What the scan of the modules found, before namespaces decide what Celery reads.
#[derive(Default)]
pub(super) struct Collected {
    pub candidates: Vec<Candidate>,
    /// Configuration modules and classes an app loads.
    pub sources: Vec<Source>,
    /// `DJANGO_SETTINGS_MODULE` values, with the module that names them.
    pub django_modules: Vec<(String, ModuleId)>,
    /// The namespace of each `config_from_object("django.conf:settings", ...)`.
    pub django_loads: Vec<Option<String>>,
    /// Every namespace an app is given (`config_from_object(..., namespace=)`,
    /// `Celery(namespace=)`): the app's own `conf` is read with it.
    pub namespaces: Vec<String>,
    /// Flask configuration keys handed to Celery (`conf.update(flask_app.config["K"])`), with
    /// how Celery reads them.
    pub flask_wanted: Vec<(String, Origin)>,
    /// Modules named by a configuration call, to read before the next round.
    pub to_read: Vec<(String, ModuleId)>,
}

/// A configuration module or class an app loads, with how Celery reads its names.
pub(super) struct Source {
    pub target: Target,
    pub namespace: Option<String>,
    /// Django settings: `django.conf.settings` holds the upper-case names only.
    pub upper_only: bool,
}

pub(super) enum Target {
    /// By dotted name, as the module `from` names it.
    Named(String, ModuleId),
    /// `"module:Class"`.
    NamedClass(String, String, ModuleId),
    Module(ModuleId),
    Class(ClassRef),
}

pub(super) struct Scanner<'c, 'r, 'p> {
    pub resolver: &'r Resolver<'p>,
    pub module: Arc<ModuleData>,
    pub col: &'c mut Collected,
}

impl<'c, 'r, 'p> Scanner<'c, 'r, 'p> {
    /// Every assignment and call of the module, in every scope.
    pub fn module(&mut self) {
        let m = self.module.clone();
        for (scope, body) in m.parsed.module.scopes() {
            walk_body(
                &mut InScope {
                    scanner: self,
                    scope,
                },
                body,
            );
        }
    }

    /// The names a configuration module (`Scope::Module`) or class sets, read as `origin`
    /// says.
    pub fn names(&mut self, scope: Scope, origin: &Origin) {
        let m = self.module.clone();
        match scope {
            Scope::Module => {
                let mut names = Names { found: Vec::new() };
                walk_body(&mut names, &m.parsed.module.body);
                for (key, value, span) in names.found {
                    self.setting(&key, &value, span, scope, origin);
                }
            }
            Scope::Class(class) => {
                let class = ClassRef {
                    module: m.id,
                    class,
                };
                for (module, scope, key, value, span) in self.class_names(class) {
                    self.other(module)
                        .setting(&key, &value, span, scope, origin);
                }
            }
            Scope::Function(_) => {}
        }
    }

    /// The `NAME = value` a class body gives, and those it inherits from project base classes,
    /// each with its module and class scope: Celery (and Flask) read a configuration class's
    /// attributes through `getattr`, so inherited ones count, and a class's own assignment
    /// hides its bases' (seen on 5.7.0).
    fn class_names(&self, class: ClassRef) -> Vec<ClassName> {
        let mut out = Vec::new();
        let mut given: std::collections::HashSet<String> = std::collections::HashSet::new();
        for c in self.lineage(class) {
            let Some(module) = self.resolver.project.module(c.module) else {
                continue;
            };
            let Some(def) = module.parsed.module.class(c.class) else {
                continue;
            };
            let mut names = Names { found: Vec::new() };
            walk_body(&mut names, &def.body);
            let own: Vec<String> = names.found.iter().map(|(k, ..)| k.clone()).collect();
            for (key, value, span) in names.found {
                if !given.contains(&key) {
                    out.push((module.clone(), Scope::Class(c.class), key, value, span));
                }
            }
            given.extend(own);
        }
        out
    }

    /// A class and the project classes it derives from, in the order attributes are looked up:
    /// depth first, left to right, a class shared by several bases at its last place (Python's
    /// MRO for the usual hierarchies, diamonds included). Bounded in depth and length.
    fn lineage(&self, class: ClassRef) -> Vec<ClassRef> {
        let mut order = Vec::new();
        self.bases_into(class, 0, &mut order);
        order
            .iter()
            .enumerate()
            .filter(|(i, c)| !order.iter().skip(i + 1).any(|later| later == *c))
            .map(|(_, c)| *c)
            .collect()
    }

    fn bases_into(&self, class: ClassRef, depth: u32, order: &mut Vec<ClassRef>) {
        if depth > MAX_FOLLOW || order.len() >= MAX_CLASSES {
            return;
        }
        order.push(class);
        let Some(module) = self.resolver.project.module(class.module) else {
            return;
        };
        let Some(def) = module.parsed.module.class(class.class) else {
            return;
        };
        let ctx = Ctx {
            module: module.clone(),
            scope: def.parent,
            this: None,
        };
        for base in &def.bases {
            if let Value::Class(b) = self.resolver.value(&ctx, base) {
                self.bases_into(b, depth + 1, order);
            }
        }
    }

    /// A scanner for another module, adding to the same findings.
    fn other<'s>(&'s mut self, module: Arc<ModuleData>) -> Scanner<'s, 'r, 'p> {
        Scanner {
            resolver: self.resolver,
            module,
            col: &mut *self.col,
        }
    }

    fn ctx(&self, scope: Scope) -> Ctx {
        Ctx {
            module: self.module.clone(),
            scope,
            this: None,
        }
    }

    fn at(&self, span: Span) -> String {
        format!(
            "{}:{}",
            self.module.source.display,
            self.module.source.line_of(span.start)
        )
    }

    fn form(&self, span: Span) -> String {
        let text = self.module.source.slice(span);
        let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() > 80 {
            let cut: String = one_line.chars().take(77).collect();
            format!("{cut}...")
        } else {
            one_line
        }
    }

    fn assignment(&mut self, target: &Expr, value: &Expr, span: Span, scope: Scope) {
        let key = match target {
            // `app.conf.worker_proc_alive_timeout = N`. (`asynpool.PROC_ALIVE_TIMEOUT = N` is not
            // a setting: the prefork pool always passes `app.conf.worker_proc_alive_timeout` to
            // the pool, which uses the module constant only when given none; seen on 5.7.0.)
            Expr::Attribute {
                attr, value: base, ..
            } if is_attr(base, "conf") => attr.as_str(),
            Expr::Attribute { .. } => return,
            Expr::Subscript {
                value: base, index, ..
            } => {
                let Some(k) = self.values().string(index, scope).value else {
                    return;
                };
                if is_attr(base, "conf") {
                    // `app.conf["worker_proc_alive_timeout"] = N`
                    self.setting(&k, value, span, scope, &Origin::App);
                } else if is_attr(base, "config") {
                    // `flask_app.config["CELERY_CONFIG"] = {...}`
                    self.mapping(value, span, scope, &Origin::Flask(k), 0);
                } else if k == "DJANGO_SETTINGS_MODULE" && self.is_environ(base, scope) {
                    // `os.environ["DJANGO_SETTINGS_MODULE"] = "proj.settings"`
                    self.django_module(value, scope);
                }
                return;
            }
            _ => return,
        };
        // `broker` is a setting only as a `Celery(broker=...)` keyword.
        if key != "broker" {
            self.setting(key, value, span, scope, &Origin::App);
        }
    }

    /// One `key = value` as Celery would read it under `origin`.
    fn setting(&mut self, key: &str, value: &Expr, span: Span, scope: Scope, origin: &Origin) {
        let Some(kind) = super::kind_of(key) else {
            return;
        };
        let form = self.form(span);
        let at = self.at(span);
        let found = match kind {
            super::Kind::Timeout => {
                let e = self.number(value, scope);
                Found::Timeout(super::Setting {
                    value: e.value,
                    at,
                    form,
                    env_default: e.env,
                })
            }
            super::Kind::Broker => {
                let e = self.string(value, scope);
                Found::Broker(super::Setting {
                    value: e.value.map(|s| super::broker_of(&s)),
                    at,
                    form,
                    env_default: e.env,
                })
            }
            super::Kind::Pool => {
                let e = self.string(value, scope);
                Found::Pool(super::Setting {
                    value: e.value.and_then(|s| super::pool_of(&s)),
                    at,
                    form,
                    env_default: e.env,
                })
            }
            super::Kind::Protocol => {
                let e = self.number(value, scope);
                Found::Protocol(
                    super::Setting {
                        value: e.value,
                        at,
                        form,
                        env_default: e.env,
                    },
                    self.module.root.clone(),
                )
            }
            super::Kind::StartMethod => {
                let e = self.string(value, scope);
                Found::StartMethod(super::Setting {
                    value: e.value.and_then(|s| super::start_method_of(&s)),
                    at,
                    form,
                    env_default: e.env,
                })
            }
        };
        self.col.candidates.push(Candidate {
            key: key.to_string(),
            origin: origin.clone(),
            found,
        });
    }

    fn call(&mut self, call: &Call, scope: Scope) {
        let span = call.span;
        if let Expr::Attribute {
            value: base, attr, ..
        } = &call.func
        {
            match attr.as_str() {
                // `app.conf.update(worker_proc_alive_timeout=N)` / `update({...})`
                "update" if is_attr(base, "conf") => {
                    self.keywords(call, span, scope, &Origin::App);
                    if let Some(arg) = call.args.first() {
                        self.mapping(arg, span, scope, &Origin::App, 0);
                    }
                    return;
                }
                // `flask_app.config.update(CELERY_CONFIG={...})`, `.from_mapping(...)`
                "update" | "from_mapping" if is_attr(base, "config") => {
                    self.flask_keys(call, scope);
                    return;
                }
                "from_object" if is_attr(base, "config") => {
                    if let Some(arg) = call.args.first() {
                        self.flask_class(arg, scope);
                    }
                    return;
                }
                "config_from_object" => {
                    self.config_from_object(call, scope);
                    return;
                }
                "setdefault" if self.is_environ(base, scope) => {
                    // `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")`
                    if let [key, value, ..] = call.args.as_slice() {
                        if key.as_str() == Some("DJANGO_SETTINGS_MODULE") {
                            self.django_module(value, scope);
                        }
                    }
                    return;
                }
                _ => {}
            }
        }
        // Only a call written `Celery(...)` / `x.Celery(...)` can be the constructor: resolving
        // every call would read modules for nothing.
        let written = match &call.func {
            Expr::Name { id, .. } => id.as_str(),
            Expr::Attribute { attr, .. } => attr.as_str(),
            _ => "",
        };
        if written != "Celery" {
            return;
        }
        let callee = self.resolver.value(&self.ctx(scope), &call.func);
        if callee.path() == Some("celery.Celery") {
            // Constructor keywords are settings; `broker=` is `broker_url`.
            for k in &call.keywords {
                match k.arg.as_deref() {
                    Some("broker") => {
                        self.setting("broker_url", &k.value, span, scope, &Origin::App)
                    }
                    Some("namespace") => {
                        if let Some(ns) = self.string(&k.value, scope).value {
                            self.col.namespaces.push(ns);
                        }
                    }
                    // Read with the constructor's own `namespace=`.
                    Some("config_source") => {
                        let ns = call
                            .keyword("namespace")
                            .and_then(|n| self.string(n, scope).value);
                        self.load(&k.value, ns, span, scope);
                    }
                    Some(name) => self.setting(name, &k.value, span, scope, &Origin::App),
                    None => self.mapping(&k.value, span, scope, &Origin::App, 0),
                }
            }
        }
    }

    fn keywords(&mut self, call: &Call, span: Span, scope: Scope, origin: &Origin) {
        for k in &call.keywords {
            match &k.arg {
                Some(name) => self.setting(name, &k.value, span, scope, origin),
                // `update(**settings)`
                None => self.mapping(&k.value, span, scope, origin, 0),
            }
        }
    }

    /// `app.config_from_object(obj, namespace=...)`.
    fn config_from_object(&mut self, call: &Call, scope: Scope) {
        let Some(arg) = call.args.first().or_else(|| call.keyword("obj")) else {
            return;
        };
        let namespace = call
            .keyword("namespace")
            .and_then(|n| self.string(n, scope).value);
        if let Some(ns) = &namespace {
            self.col.namespaces.push(ns.clone());
        }
        self.load(arg, namespace, call.span, scope);
    }

    /// A configuration object an app loads (`config_from_object`, `Celery(config_source=)`): a
    /// module by name or object, a class, Django's settings, or a mapping.
    fn load(&mut self, arg: &Expr, namespace: Option<String>, span: Span, scope: Scope) {
        let from = self.module.id;
        let target = match self.resolver.value(&self.ctx(scope), arg) {
            Value::Str(s) => {
                let (module, attr) = s.split_once(':').unwrap_or((&s, ""));
                if module == "django.conf" {
                    self.col.django_loads.push(namespace);
                    return;
                }
                self.col.to_read.push((module.to_string(), from));
                if !attr.is_empty() {
                    Target::NamedClass(module.to_string(), attr.to_string(), from)
                } else if let Some((module, class)) = self.class_by_dotted_name(module) {
                    self.col.to_read.push((module.clone(), from));
                    Target::NamedClass(module, class, from)
                } else {
                    Target::Named(module.to_string(), from)
                }
            }
            Value::External(p) if p == "django.conf.settings" => {
                self.col.django_loads.push(namespace);
                return;
            }
            Value::Module(id) => Target::Module(id),
            Value::Class(c) | Value::Instance(c) => Target::Class(c),
            // `config_from_object(__name__)`: this module.
            _ if matches!(arg, Expr::Name { id, .. } if id == "__name__") => Target::Module(from),
            _ => {
                let origin = Origin::Read {
                    namespace,
                    upper_only: false,
                };
                self.mapping(arg, span, scope, &origin, 0);
                return;
            }
        };
        self.col.sources.push(Source {
            target,
            namespace,
            upper_only: false,
        });
    }

    /// `"settings.ProductionConfig"` without a colon: Celery imports it as a module, and when
    /// there is no such module takes the last part for an attribute of the module before it
    /// (`celery.loaders.base.BaseLoader._smart_import`). `None` when it names a module.
    fn class_by_dotted_name(&self, name: &str) -> Option<(String, String)> {
        let (module, class) = name.rsplit_once('.')?;
        let project = self.resolver.project;
        if project.find_module(name, Some(self.module.id)).is_some() {
            return None;
        }
        project.find_module(module, Some(self.module.id))?;
        Some((module.to_string(), class.to_string()))
    }

    fn django_module(&mut self, value: &Expr, scope: Scope) {
        if let Some(v) = self.string(value, scope).value {
            self.col.django_modules.push((v.clone(), self.module.id));
            self.col.to_read.push((v, self.module.id));
        }
    }

    /// `flask_app.config.update(CELERY_CONFIG={...})` / `.from_mapping({"CELERY": {...}})`:
    /// each key's mapping, kept until Celery is seen to read that key.
    fn flask_keys(&mut self, call: &Call, scope: Scope) {
        for k in &call.keywords {
            if let Some(name) = &k.arg {
                let origin = Origin::Flask(name.clone());
                self.mapping(&k.value, k.value.span(), scope, &origin, 0);
            }
        }
        if let Some(Expr::Dict { items, .. }) = call.args.first() {
            for (k, v) in items {
                if let Some(key) = k.as_ref().and_then(Expr::as_str) {
                    self.mapping(v, v.span(), scope, &Origin::Flask(key.to_string()), 0);
                }
            }
        }
    }

    /// `flask_app.config.from_object(Config)`: the class's upper-case attributes are Flask keys.
    fn flask_class(&mut self, arg: &Expr, scope: Scope) {
        let Value::Class(c) = self.resolver.value(&self.ctx(scope), arg) else {
            return;
        };
        for (module, scope, key, value, _) in self.class_names(c) {
            let span = value.span();
            self.other(module)
                .mapping(&value, span, scope, &Origin::Flask(key), 0);
        }
    }

    /// The settings in a mapping: a dict literal, `dict(...)`, a name or module attribute bound
    /// to one, what a project function returns, or a Flask configuration entry.
    fn mapping(&mut self, expr: &Expr, span: Span, scope: Scope, origin: &Origin, depth: u32) {
        if depth > MAX_FOLLOW {
            return;
        }
        match expr {
            Expr::Dict { items, .. } => {
                for (k, v) in items {
                    match k {
                        Some(k) => {
                            if let Some(key) = k.as_str() {
                                self.setting(key, v, span, scope, origin);
                            }
                        }
                        // `{**base, ...}`
                        None => self.mapping(v, span, scope, origin, depth + 1),
                    }
                }
            }
            // `flask_app.config["CELERY_CONFIG"]`, `flask_app.config.get("CELERY")`
            Expr::Subscript {
                value: base, index, ..
            } if is_attr(base, "config") => {
                if let Some(k) = self.string(index, scope).value {
                    self.col.flask_wanted.push((k, origin.clone()));
                }
            }
            Expr::Call(call) => self.call_mapping(call, span, scope, origin, depth),
            Expr::Name { .. } | Expr::Attribute { .. } => {
                if let Some((module, scope, value)) = self.follow(expr, scope) {
                    let same = module.id == self.module.id;
                    let span = if same { span } else { value.span() };
                    self.other(module)
                        .mapping(&value, span, scope, origin, depth + 1);
                }
            }
            _ => {}
        }
    }

    fn call_mapping(&mut self, call: &Call, span: Span, scope: Scope, origin: &Origin, depth: u32) {
        if let Expr::Attribute {
            value: base, attr, ..
        } = &call.func
        {
            if attr == "get" && is_attr(base, "config") {
                if let Some(k) = call.args.first().and_then(|a| self.string(a, scope).value) {
                    self.col.flask_wanted.push((k, origin.clone()));
                }
                return;
            }
        }
        let callee = self.resolver.value(&self.ctx(scope), &call.func);
        let is_dict = callee.path() == Some("builtins.dict")
            || matches!(&call.func, Expr::Name { id, .. } if id == "dict"
                && callee == Value::Unknown && self.values().unbound(id, scope));
        if is_dict {
            self.keywords(call, span, scope, origin);
            if let Some(arg) = call.args.first() {
                self.mapping(arg, span, scope, origin, depth + 1);
            }
            return;
        }
        // A project function: whatever its `return` statements give.
        let Value::Func(f) = callee else {
            return;
        };
        let Some(module) = self.resolver.project.module(f.module) else {
            return;
        };
        let Some(def) = module.parsed.module.function(f.func) else {
            return;
        };
        let mut returns = Returns { found: Vec::new() };
        walk_body(&mut returns, &def.body);
        let mut sub = self.other(module.clone());
        for value in returns.found {
            let span = value.span();
            sub.mapping(value, span, Scope::Function(f.func), origin, depth + 1);
        }
    }

    fn values(&self) -> Values<'r, 'p> {
        Values {
            resolver: self.resolver,
            module: self.module.clone(),
        }
    }

    fn follow(&self, expr: &Expr, scope: Scope) -> Option<(Arc<ModuleData>, Scope, Arc<Expr>)> {
        self.values().follow(expr, scope)
    }

    fn string(&self, expr: &Expr, scope: Scope) -> Eval<String> {
        self.values().string(expr, scope)
    }

    fn number(&self, expr: &Expr, scope: Scope) -> Eval<f64> {
        self.values().number(expr, scope, 0)
    }

    /// `os.environ`
    fn is_environ(&self, expr: &Expr, scope: Scope) -> bool {
        self.resolver.value(&self.ctx(scope), expr).path() == Some("os.environ")
    }
}

/// The scan of one scope's own block (nested definitions are scopes of their own): every
/// assignment and every call, wherever it is written.
struct InScope<'s, 'c, 'r, 'p> {
    scanner: &'s mut Scanner<'c, 'r, 'p>,
    scope: Scope,
}

impl<'x> Visitor<'x> for InScope<'_, '_, '_, '_> {
    fn visit_stmt(&mut self, stmt: &'x Stmt) {
        // A setting needs its target and value together, which only the statement has.
        if let Stmt::Assign {
            targets,
            value,
            span,
        } = stmt
        {
            for t in targets {
                self.scanner.assignment(t, value, *span, self.scope);
            }
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'x Expr) {
        if let Expr::Call(call) = expr {
            self.scanner.call(call, self.scope);
        }
        walk_expr(self, expr);
    }
}

/// `NAME = value` statements of one scope's own block (in `if`, `try`... too): the names a
/// configuration module or class sets.
struct Names {
    found: Vec<(String, Arc<Expr>, Span)>,
}

impl<'x> Visitor<'x> for Names {
    fn visit_stmt(&mut self, stmt: &'x Stmt) {
        if let Stmt::Assign {
            targets,
            value,
            span,
        } = stmt
        {
            for t in targets {
                if let Expr::Name { id, .. } = t {
                    self.found.push((id.clone(), value.clone(), *span));
                }
            }
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, _: &'x Expr) {}
}

/// The values a function's own `return` statements give.
struct Returns<'x> {
    found: Vec<&'x Expr>,
}

impl<'x> Visitor<'x> for Returns<'x> {
    fn visit_stmt(&mut self, stmt: &'x Stmt) {
        if let Stmt::Return { value: Some(v) } = stmt {
            self.found.push(v);
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, _: &'x Expr) {}
}

/// `<x>.<attr>`
fn is_attr(expr: &Expr, attr: &str) -> bool {
    matches!(expr, Expr::Attribute { attr: a, .. } if a == attr)
}
