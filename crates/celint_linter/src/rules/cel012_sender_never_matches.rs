//! CEL012 sender-never-matches: `connect(..., sender=X)` keeps a receiver only for sends whose
//! sender is X (`Signal._make_id`: a `str` by value, a proxy by what it stands for, anything
//! else by identity). Where X is of a kind the signal never sends, the handler never runs.

use crate::checker::{Checker, Handler};
use crate::diagnostic::{Applicability, Diagnostic, Edit, FileRef, Fix};
use crate::rules::Rule;
use celint_analysis::handlers::sender::Given;
use celint_catalog::signals::Sender;
use celint_syntax::Span;

pub fn check(ck: &Checker, h: &Handler, out: &mut Vec<Diagnostic>) {
    let c = h.connection;
    let Some(arg) = &c.sender else {
        return;
    };
    // The versions of the project's Celery on which the sender is never of that kind
    // (`worker_process_init`'s is None before 5.7).
    let versions = ck.pin(&c.module).versions;
    let never_on = versions.filter(|v| c.signal.sender_at(v).is_some_and(|k| never(&arg.given, k)));
    let Some(sent) = never_on.newest().and_then(|v| c.signal.sender_at(v)) else {
        return;
    };
    let holds = ck.holds_on(&c.module, never_on);
    let text = &c.module.source.text;
    let written = slice(text, arg.span).unwrap_or("...");
    let message = format!(
        "`sender={written}` never matches: `{}` is sent with {}",
        c.signal.name,
        sent_as(sent)
    );
    let mut d = Diagnostic::new(
        Rule::SenderNeverMatches,
        FileRef {
            display: c.module.source.display.clone(),
            module: Some(c.module.clone()),
        },
        arg.span,
        message,
    );
    d.notes.push(format!(
        "`{written}` is {}; Celery keeps a receiver only for sends whose sender is that object \
         (a str compared by value, anything else by identity), so `{}` is never called",
        given_as(&arg.given, sent),
        h.name()
    ));
    holds.mark(&mut d);
    let task = match (&arg.given, sent) {
        (Given::Text { .. }, Sender::TaskInstance) => task_named(ck, h, written),
        _ => None,
    };
    d.fix = Some(fix(&arg.given, sent, written, arg.span, task));
    out.push(d);
}

/// Can a sender of kind `given` never equal what the signal sends as `sent`?
fn never(given: &Given, sent: Sender) -> bool {
    use Given as G;
    match (given, sent) {
        (G::None | G::Other, _) => false,
        // The registered task is an instance: the class is never it.
        (G::TaskClass(_), _) => true,
        (G::Task { .. }, Sender::TaskInstance) => false,
        (G::Text { .. }, Sender::TaskName) => false,
        (G::App, Sender::App) => false,
        // Node names always hold an `@` (`-n w1` is `w1@<host>`).
        (G::Text { at }, Sender::Nodename) => *at == Some(false),
        (G::Text { .. } | G::Task { .. } | G::App, _) => true,
    }
}

fn sent_as(s: Sender) -> &'static str {
    match s {
        Sender::TaskInstance => "the task object",
        Sender::TaskName => "the task's name, a str",
        Sender::Nodename => "the node name, `name@host`",
        Sender::Consumer => "the worker's Consumer",
        Sender::WorkController => "the worker's WorkController",
        Sender::App => "the app",
        Sender::None => "sender=None",
        Sender::Heart => "the worker's Heart",
        Sender::BeatService => "beat's Service",
        Sender::Pool => "the prefork pool",
        Sender::TaskPool => "eventlet's TaskPool",
        Sender::ClickCommand => "the command's function",
    }
}

fn given_as(g: &Given, sent: Sender) -> &'static str {
    match g {
        Given::Text { at: Some(false) } if sent == Sender::Nodename => "a str without `@`",
        Given::Text { .. } => "a str",
        Given::Task { .. } => "a task object",
        Given::TaskClass(_) => "a Task class, not the task instance Celery registered",
        Given::App => "the Celery app",
        Given::None | Given::Other => "unknown",
    }
}

fn fix(given: &Given, sent: Sender, written: &str, span: Span, task: Option<String>) -> Fix {
    let edit = |content: String| Edit { span, content };
    let (message, edits) = match (given, sent) {
        (Given::Task { .. }, Sender::TaskName) => (
            format!("Filter on the task's name: `sender={written}.name`"),
            vec![edit(format!("{written}.name"))],
        ),
        (Given::Text { .. }, Sender::TaskInstance) => match task {
            Some(task) => (
                format!("Filter on the task object: `sender={task}`"),
                vec![edit(task)],
            ),
            None => (
                "Filter on the task object (`sender=<task>`), not its name".to_string(),
                Vec::new(),
            ),
        },
        (Given::Text { .. }, Sender::Nodename) => (
            "Node names are `name@host`: connect without `sender=` and test `sender` in the \
             handler"
                .to_string(),
            Vec::new(),
        ),
        (_, Sender::None) => ("Connect without `sender=`".to_string(), Vec::new()),
        _ => (
            "Connect without `sender=` and test `sender` in the handler".to_string(),
            Vec::new(),
        ),
    };
    Fix {
        applicability: Applicability::DisplayOnly,
        message,
        edits,
    }
}

/// The task the str names, by a name bound in the connection's module: `add` for `add.name`,
/// or for `"proj.tasks.add"` the module's task whose name that is (`name=` given to its
/// decorator, else `<module>.<function>`, as Celery names it).
fn task_named(ck: &Checker, h: &Handler, written: &str) -> Option<String> {
    if let Some(base) = written.strip_suffix(".name") {
        let plain = base
            .chars()
            .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '.');
        return plain.then(|| base.to_string());
    }
    let wanted = written
        .strip_prefix('"')
        .or_else(|| written.strip_prefix('\''))?;
    let wanted = &wanted.get(..wanted.len().checked_sub(1)?)?;
    let c = h.connection;
    let resolver = &ck.analyzer.resolver;
    let ctx = celint_project::resolve::Ctx::new(c.module.clone(), celint_syntax::ir::Scope::Module);
    let mut names: Vec<&String> = c.module.symbols.module.names.keys().collect();
    names.sort();
    names
        .into_iter()
        .find(|name| {
            let expr = celint_syntax::ir::Expr::Name {
                id: (*name).clone(),
                span: Span::new(0, 0),
            };
            let celint_project::resolve::Value::Func(f) = resolver.value(&ctx, &expr) else {
                return false;
            };
            resolver.task_decorator(f).is_some() && task_name(ck, f).as_deref() == Some(wanted)
        })
        .cloned()
}

/// The name Celery gives a decorated task: `name=` when it is a literal, else the module's
/// dotted name and the function's.
fn task_name(ck: &Checker, f: celint_project::resolve::FuncRef) -> Option<String> {
    use celint_syntax::ir::Expr;
    let module = ck.analyzer.project().module(f.module)?;
    let def = module.parsed.module.function(f.func)?;
    let given = def.decorators.iter().find_map(|d| match d {
        Expr::Call(call) => match call.keyword("name") {
            Some(Expr::Str { value, .. }) => Some(value.clone()),
            _ => None,
        },
        _ => None,
    });
    Some(given.unwrap_or_else(|| format!("{}.{}", module.name, def.name)))
}

fn slice(text: &str, span: Span) -> Option<&str> {
    text.get(span.start as usize..span.end as usize)
}
