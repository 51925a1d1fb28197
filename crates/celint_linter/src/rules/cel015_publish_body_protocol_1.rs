//! CEL015 publish-body-protocol-1: a publish handler reads `body` as message protocol 1's dict
//! (`body['id']`, `body['kwargs']`, `body.get('task')`). Under protocol 2, Celery's default since
//! 4.0, `body` is the tuple `(args, kwargs, embed)`: the handler raises TypeError or
//! AttributeError, which `Signal.send` swallows, in a producer where nobody sees the log line.

use std::collections::HashSet;

use crate::checker::{Checker, Handler, Holds};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::rules::arguments::{passed_on, Argument, MAX_DEPTH};
use crate::rules::Rule;
use celint_analysis::effects::{Hop, Loc};
use celint_catalog::versions::Fact;
use celint_project::project::ModuleData;
use celint_project::resolve::{Ctx, FuncRef};
use celint_syntax::ir::{Call, Expr, OtherKind, Scope, Span, Stmt};
use celint_syntax::visitor::{walk_body, walk_expr, walk_stmt, Visitor};

/// The signals whose receivers get the message `body` (`task_sent` never passes it).
const PUBLISH: &[&str] = &["before_task_publish", "after_task_publish"];

/// A dict's methods a tuple does not have: each call raises AttributeError.
const DICT_METHODS: &[&str] = &[
    "get",
    "setdefault",
    "pop",
    "update",
    "keys",
    "values",
    "items",
];

/// Protocol 1's body fields that protocol 2 keeps in the message headers.
const HEADER_FIELDS: &[&str] = &[
    "id",
    "task",
    "eta",
    "expires",
    "retries",
    "timelimit",
    "group",
    "group_index",
    "root_id",
    "parent_id",
    "shadow",
    "lang",
    "argsrepr",
    "kwargsrepr",
    "origin",
    "ignore_result",
];

/// Protocol 1's body fields that protocol 2 keeps in `body[2]` (`embed`).
const EMBED_FIELDS: &[&str] = &["callbacks", "errbacks", "chain", "chord"];

pub fn check(ck: &Checker, h: &Handler, out: &mut Vec<Diagnostic>) {
    if !PUBLISH.contains(&h.signal.name) || sets_protocol_1(ck, h) {
        return;
    }
    // Celery 3.x publishes with protocol 1 only: there `body` is the dict these reads expect.
    let holds = ck.holds(&h.module, Fact::MessageProtocol2);
    if holds == Holds::Never {
        return;
    }
    let start = out.len();
    scan(ck, h, h.func, "body", &mut Vec::new(), out);
    for d in out.iter_mut().skip(start) {
        holds.mark(d);
    }
}

/// The dict reads of the argument `param` of `func` (the handler's `body`, or the parameter of
/// a function it is passed on to), and of the functions it is passed on to in turn.
fn scan(
    ck: &Checker,
    h: &Handler,
    func: FuncRef,
    param: &str,
    hops: &mut Vec<Hop>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(module) = ck.analyzer.project().module(func.module) else {
        return;
    };
    let Some(def) = module.parsed.module.function(func.func) else {
        return;
    };
    let Some(body) = Argument::of(def, param) else {
        return;
    };
    // The message's headers are the handler's own argument; a helper gets what it is given.
    let headers = if hops.is_empty() {
        Argument::of(def, "headers")
    } else {
        None
    };
    let mut uses = Uses {
        body: &body,
        headers: headers.as_ref(),
        guarded: false,
        in_try: 0,
        found: Vec::new(),
        calls: Vec::new(),
        header_keys: HashSet::new(),
    };
    walk_body(&mut uses, &def.body);
    if uses.guarded {
        return;
    }
    // `headers.get('id') or body.get('id')`: the handler reads the field from the headers
    // first, where protocol 2 always puts it; the body is protocol 1's fallback.
    let fallback = |u: &&Use| u.key.is_some_and(|k| uses.header_keys.contains(k));
    for u in uses.found.iter().filter(|u| !fallback(u)) {
        out.push(diagnostic(ck, h, &module, u, headers.as_ref(), hops));
    }
    if hops.len() >= MAX_DEPTH {
        return;
    }
    let ctx = Ctx::new(module.clone(), Scope::Function(func.func));
    for (callee, name, hop) in passed_on(ck, &ctx, func, &uses.calls, &body) {
        hops.push(hop);
        scan(ck, h, callee, &name, hops, out);
        hops.pop();
    }
}

/// The handler's project sets `task_protocol` to 1, or to something celint cannot read.
fn sets_protocol_1(ck: &Checker, h: &Handler) -> bool {
    ck.config
        .protocols
        .iter()
        .any(|(s, root)| *root == h.module.root && s.value != Some(2.0))
}

/// One read of `body` as a dict.
struct Use<'a> {
    /// The whole expression: `body['id']`, `body.get('task')`.
    expr: &'a Expr,
    /// `body` as written in it.
    body: &'a Expr,
    /// The key, when it is a string literal.
    key: Option<&'a str>,
    /// The method, for a call.
    method: Option<&'a str>,
    /// The call has exactly one argument (the key).
    key_only: bool,
}

struct Uses<'a, 'b> {
    body: &'b Argument<'a>,
    headers: Option<&'b Argument<'a>>,
    /// The handler tells the protocols apart (`isinstance(body, dict)`, `'task' in headers`).
    guarded: bool,
    /// Inside a `try` whose handlers catch TypeError or AttributeError.
    in_try: usize,
    found: Vec<Use<'a>>,
    /// Calls outside such a `try`, which may pass `body` on.
    calls: Vec<&'a Call>,
    /// The keys read from `headers` (`headers['id']`, `headers.get('id')`).
    header_keys: HashSet<&'a str>,
}

impl<'a> Visitor<'a> for Uses<'a, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if let Stmt::Try {
            body,
            handlers,
            orelse,
            finalbody,
        } = stmt
        {
            let catches = handlers
                .iter()
                .any(|h| h.type_.as_ref().is_none_or(catches_type_error));
            self.in_try += usize::from(catches);
            walk_body(self, body);
            self.in_try -= usize::from(catches);
            for h in handlers {
                if let Some(t) = &h.type_ {
                    self.visit_expr(t);
                }
                walk_body(self, &h.body);
            }
            walk_body(self, orelse);
            walk_body(self, finalbody);
            return;
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, e: &'a Expr) {
        match e {
            Expr::Other {
                children,
                kind: OtherKind::Membership,
                ..
            } if children
                .iter()
                .any(|c| self.body.is(c) || self.headers.is_some_and(|h| h.is(c))) =>
            {
                self.guarded = true;
            }
            Expr::Call(call) => {
                if self.in_try == 0 {
                    self.calls.push(call);
                }
                if let Expr::Name { id, .. } = &call.func {
                    if matches!(id.as_str(), "isinstance" | "type" | "hasattr" | "len")
                        && call.args.first().is_some_and(|a| self.body.is(a))
                    {
                        self.guarded = true;
                    }
                }
                if let Expr::Attribute { value, attr, .. } = &call.func {
                    if attr == "get" && self.is_headers(value) {
                        self.header_keys.extend(call.args.first().and_then(str_of));
                    }
                    if DICT_METHODS.contains(&attr.as_str()) && self.body.is(value) {
                        self.push(Use {
                            expr: e,
                            body: value,
                            key: call.args.first().and_then(str_of),
                            method: Some(attr),
                            key_only: call.args.len() == 1 && call.keywords.is_empty(),
                        });
                    }
                }
            }
            Expr::Subscript { value, index, .. } if self.is_headers(value) => {
                self.header_keys.extend(str_of(index));
            }
            Expr::Subscript { value, index, .. } if self.body.is(value) => {
                if let Some(key) = str_of(index) {
                    self.push(Use {
                        expr: e,
                        body: value,
                        key: Some(key),
                        method: None,
                        key_only: true,
                    });
                }
            }
            _ => {}
        }
        walk_expr(self, e);
    }
}

impl<'a> Uses<'a, '_> {
    fn is_headers(&self, e: &Expr) -> bool {
        self.headers.is_some_and(|h| h.is(e))
    }

    fn push(&mut self, u: Use<'a>) {
        if self.in_try == 0 {
            self.found.push(u);
        }
    }
}

fn str_of(e: &Expr) -> Option<&str> {
    match e {
        Expr::Str { value, .. } => Some(value),
        _ => None,
    }
}

/// `except TypeError`, `except (TypeError, KeyError)`, `except AttributeError`: the handler
/// expects the other protocol's shape.
fn catches_type_error(t: &Expr) -> bool {
    match t {
        Expr::Name { id, .. } | Expr::Attribute { attr: id, .. } => {
            matches!(id.as_str(), "TypeError" | "AttributeError")
        }
        Expr::Seq { elts, .. } => elts.iter().any(catches_type_error),
        _ => false,
    }
}

fn diagnostic(
    ck: &Checker,
    h: &Handler,
    module: &ModuleData,
    u: &Use,
    headers: Option<&Argument>,
    hops: &[Hop],
) -> Diagnostic {
    let src = &module.source;
    let written = src.slice(u.expr.span());
    let raises = match u.method {
        Some(m) => format!("a tuple has no `.{m}()`: AttributeError"),
        None => "tuple indices must be integers: TypeError".to_string(),
    };
    let message = format!(
        "`{written}` fails: a publish handler's `body` is a tuple under message protocol 2"
    );
    let loc = Loc {
        module: module.id,
        span: u.expr.span(),
    };
    let mut d = ck.at(Rule::PublishBodyProtocol1, h, loc, hops, message);
    d.notes.push(format!(
        "{raises}. Since Celery 4.0 (`task_protocol = 2`, the default) `body` is \
         `(args, kwargs, embed)` and the message's fields (`id`, `task`, `eta`...) are in `headers`"
    ));
    d.notes.push(format!(
        "`{}` handlers run in the producer; `{}.send` catches the exception: there nothing is logged (Celery's loggers have \
         only a NullHandler), so the handler fails silently on every message",
        h.signal.name, h.signal.name
    ));
    let advice =
        "read message fields from `headers` and arguments with `args, kwargs, embed = body`";
    match edit(src, u, headers) {
        Some(edit) => {
            d.fix = Some(Fix {
                applicability: Applicability::Unsafe,
                message: format!("Replace with `{}`", edit.content),
                edits: vec![edit],
            })
        }
        None => d.notes.push(advice.to_string()),
    }
    d
}

/// The protocol-2 spelling of one use, where there is one the handler can reach.
fn edit(
    src: &celint_syntax::source::SourceFile,
    u: &Use,
    headers: Option<&Argument>,
) -> Option<Edit> {
    let key = u.key?;
    let body = src.slice(u.body.span());
    let index = match key {
        "args" => Some(0),
        "kwargs" => Some(1),
        _ => None,
    };
    let content = match (u.method, index) {
        (None | Some("get"), Some(i)) if u.key_only => format!("{body}[{i}]"),
        (None, None) if EMBED_FIELDS.contains(&key) => format!("{body}[2]['{key}']"),
        (None | Some("get"), None) if HEADER_FIELDS.contains(&key) => {
            let quote = if src.slice(u.expr.span()).contains('"') {
                '"'
            } else {
                '\''
            };
            // Keeps what follows `body` as written (`['id']`, `.get("task", None)`).
            let rest = src.slice(Span::new(u.body.span().end, u.expr.span().end));
            format!("{}{rest}", headers?.spelling(quote)?)
        }
        _ => return None,
    };
    Some(Edit {
        span: u.expr.span(),
        content,
    })
}
