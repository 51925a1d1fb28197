//! CEL018 no-request-context: a handler of a signal the worker's main process sends reads the
//! task's request context (`sender.request`, `current_task`, `<task>.request`). The main process
//! runs no task: the context is empty (ids are None), `current_task` is None, and the Consumer
//! that sends `task_received` has no `request` at all.

use crate::checker::{Checker, Handler, Holds};
use crate::diagnostic::Diagnostic;
use crate::rules::arguments::{passed_on, Argument, MAX_DEPTH};
use crate::rules::Rule;
use celint_analysis::effects::{Hop, Loc};
use celint_catalog::versions::Fact;
use celint_project::project::ModuleData;
use celint_project::resolve::{Ctx, FuncRef, Value};
use celint_syntax::ir::{Call, Expr, Scope, Span};
use celint_syntax::visitor::{walk_body, walk_expr, Visitor};

fn is_request(e: &Expr) -> bool {
    matches!(e, Expr::Attribute { attr, .. } if attr == "request")
}

/// Who sends the signal from the main process, which decides what `sender.request` is there.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sent {
    /// By the Consumer (`task_received`, `task_rejected`, `task_unknown`): `sender` is the
    /// Consumer, which has no `request`.
    ByConsumer,
    /// With the task as sender, always from the main process (`task_revoked`).
    Always,
    /// From the main process on some paths only (`task_failure`: hard time limit, worker
    /// lost, `Reject(requeue=False)`); from the pool child otherwise.
    SomePaths,
}

fn sent(signal: &str) -> Option<Sent> {
    match signal {
        "task_received" | "task_rejected" | "task_unknown" => Some(Sent::ByConsumer),
        "task_revoked" => Some(Sent::Always),
        "task_failure" => Some(Sent::SomePaths),
        _ => None,
    }
}

/// The dotted paths `current_task` resolves to.
const CURRENT_TASK: &[&str] = &["celery.current_task", "celery._state.current_task"];

pub fn check(ck: &Checker, h: &Handler, out: &mut Vec<Diagnostic>) {
    let Some(sent) = sent(h.signal.name) else {
        return;
    };
    // Before Celery 5.2 only the pool child sends `task_failure`, with the request set.
    let holds = match sent {
        Sent::SomePaths => ck.holds(&h.module, Fact::TaskFailureFromMainProcess),
        _ => Holds::Always,
    };
    if holds == Holds::Never {
        return;
    }
    let start = out.len();
    scan(ck, h, sent, h.func, "sender", &mut Vec::new(), out);
    for d in out.iter_mut().skip(start) {
        holds.mark(d);
    }
}

/// The reads of a request context in `func`, whose parameter `param` holds the signal's
/// sender (the handler's `sender`, or the parameter of a function it is passed on to), and in
/// the functions the sender is passed on to in turn.
fn scan(
    ck: &Checker,
    h: &Handler,
    sent: Sent,
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
    let ctx = Ctx::new(module.clone(), Scope::Function(func.func));
    let sender = Argument::of(def, param);
    let mut reads = Reads {
        ck,
        ctx: &ctx,
        sender: sender.as_ref(),
        found: Vec::new(),
        calls: Vec::new(),
        current_task_tested: false,
        request_tested: false,
    };
    walk_body(&mut reads, &def.body);
    let tested = reads.current_task_tested;
    for (span, read) in &reads.found {
        if (*read == Read::CurrentTask && tested)
            || (*read != Read::CurrentTask && reads.request_tested)
        {
            continue;
        }
        let loc = Loc {
            module: module.id,
            span: *span,
        };
        out.push(diagnostic(ck, h, &module, loc, hops, *read, sent));
    }
    let Some(sender) = sender.as_ref() else {
        return;
    };
    if hops.len() >= MAX_DEPTH {
        return;
    }
    for (callee, name, hop) in passed_on(ck, &ctx, func, &reads.calls, sender) {
        hops.push(hop);
        scan(ck, h, sent, callee, &name, hops, out);
        hops.pop();
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Read {
    /// `sender.request`.
    SenderRequest,
    /// `my_task.request` for a task of the project.
    TaskRequest,
    /// `current_task.<attr>`.
    CurrentTask,
}

struct Reads<'a, 'c, 'k, 'p> {
    ck: &'c Checker<'k, 'p>,
    ctx: &'c Ctx,
    sender: Option<&'c Argument<'c>>,
    found: Vec<(Span, Read)>,
    /// Every call, which may pass the sender on.
    calls: Vec<&'a Call>,
    /// `current_task` is used otherwise than for an attribute (`if current_task:`,
    /// `current_task is None`): the handler expects it to be None sometimes.
    current_task_tested: bool,
    /// A request is probed (`hasattr(task.request, 'x')`, `getattr(sender.request, 'x', None)`,
    /// `task.request.get('x')`): the function expects an empty one.
    request_tested: bool,
}

impl<'a> Visitor<'a> for Reads<'a, '_, '_, '_> {
    fn visit_expr(&mut self, e: &'a Expr) {
        if let Expr::Call(call) = e {
            self.calls.push(call);
            let probe = match &call.func {
                Expr::Name { id, .. } => {
                    id == "hasattr" || (id == "getattr" && call.args.len() == 3)
                }
                _ => false,
            };
            // `task.request.get("headers")`: a Context's `get` takes a default.
            let get = matches!(&call.func, Expr::Attribute { value, attr, .. }
                if attr == "get" && is_request(value));
            if get || (probe && call.args.first().is_some_and(is_request)) {
                self.request_tested = true;
            }
        }
        if let Expr::Attribute {
            value, attr, span, ..
        } = e
        {
            if self.is_current_task(value) {
                self.found.push((*span, Read::CurrentTask));
                // Not the bare use below: `value` is read for its attribute.
                if let Expr::Attribute { value: inner, .. } = &**value {
                    walk_expr(self, inner);
                }
                return;
            }
            if attr == "request" {
                if self.sender.is_some_and(|s| s.is(value)) {
                    self.found.push((*span, Read::SenderRequest));
                } else if self.is_task(value) {
                    self.found.push((*span, Read::TaskRequest));
                }
            }
        } else if self.is_current_task(e) {
            self.current_task_tested = true;
        }
        walk_expr(self, e);
    }
}

impl Reads<'_, '_, '_, '_> {
    fn is_current_task(&self, e: &Expr) -> bool {
        if !matches!(e, Expr::Name { id, .. } | Expr::Attribute { attr: id, .. } if id == "current_task")
        {
            return false;
        }
        let resolver = &self.ck.analyzer.resolver;
        if let Expr::Attribute { value, .. } = e {
            if resolver.is_app(&resolver.value(self.ctx, value)) {
                return true;
            }
        }
        matches!(resolver.value(self.ctx, e), Value::External(p) if CURRENT_TASK.contains(&p.as_str()))
    }

    fn is_task(&self, e: &Expr) -> bool {
        let resolver = &self.ck.analyzer.resolver;
        match resolver.value(self.ctx, e) {
            Value::Func(f) => resolver.task_decorator(f).is_some(),
            _ => false,
        }
    }
}

fn diagnostic(
    ck: &Checker,
    h: &Handler,
    module: &ModuleData,
    loc: Loc,
    hops: &[Hop],
    read: Read,
    sent: Sent,
) -> Diagnostic {
    let signal = h.signal.name;
    let written = module.source.slice(loc.span).to_string();
    let message = match (read, sent) {
        (Read::SenderRequest, Sent::ByConsumer) => format!(
            "`{written}` in a `{signal}` handler: the sender is the worker's Consumer, which has \
             no `request`"
        ),
        (Read::CurrentTask, Sent::SomePaths) => format!(
            "`{written}` in a `{signal}` handler: `current_task` is None when the main process \
             sends it"
        ),
        (Read::CurrentTask, _) => format!(
            "`{written}` in a `{signal}` handler: `current_task` is None in the worker's main process"
        ),
        (_, Sent::SomePaths) => format!(
            "`{written}` in a `{signal}` handler: no request context when the main process sends it"
        ),
        _ => format!(
            "`{written}` in a `{signal}` handler: the worker's main process has no request context"
        ),
    };
    let mut d = ck.at(Rule::NoRequestContext, h, loc, hops, message);
    d.notes.push(match sent {
        Sent::SomePaths => format!(
            "`{signal}` is sent from the pool child when the task raises, and from the worker's \
             main process on a hard time limit, a lost worker process or `Reject(requeue=False)`: \
             there the task's request is empty (`request.id` is None) and `current_task` is None"
        ),
        _ => format!(
            "`{signal}` is sent from the worker's main process, which runs no task: a task's \
             `request` there is empty (`request.id` is None) and `current_task` is None"
        ),
    });
    if matches!(read, Read::CurrentTask) || sent == Sent::ByConsumer {
        d.notes.push(
            "the AttributeError is caught by `Signal.send` and logged at most: the handler stops \
             there"
                .to_string(),
        );
    }
    d.notes.push(advice(signal).to_string());
    d
}

/// What the signal passes that holds what the handler wanted.
fn advice(signal: &str) -> &'static str {
    match signal {
        "task_received" => "use the `request` argument (`request.id`, `request.task_name`)",
        "task_revoked" => "use the `request` argument (`request.id`, `request.task_name`)",
        "task_rejected" => "use the `message` argument (`message.headers['id']`)",
        "task_unknown" => "use the `id` and `name` arguments",
        _ => "use the `task_id`, `args` and `kwargs` arguments",
    }
}
