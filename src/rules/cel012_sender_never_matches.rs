//! CEL012 sender-never-matches: `connect(..., sender=X)` keeps a receiver only for sends whose
//! sender is X (`Signal._make_id`: a `str` by value, a proxy by what it stands for, anything
//! else by identity). Where X is of a kind the signal never sends, the handler never runs.

use crate::catalog::signals::Sender;
use crate::checker::{Checker, Handler};
use crate::diagnostic::{Applicability, Diagnostic, Edit, FileRef, Fix};
use crate::handlers::sender::Given;
use crate::rules::Rule;
use crate::syntax::Span;

pub fn check(_ck: &Checker, h: &Handler, out: &mut Vec<Diagnostic>) {
    let c = h.connection;
    let Some(arg) = &c.sender else {
        return;
    };
    // Never on any Celery version the signal table describes.
    let kinds = c.signal.sender.values();
    if kinds.is_empty() || kinds.iter().any(|k| !never(&arg.given, **k)) {
        return;
    }
    let Some(sent) = c.signal.sender() else {
        return;
    };
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
        given_as(&arg.given),
        h.name()
    ));
    if kinds.len() > 1 {
        d.notes
            .push("this holds on every Celery version the signal table describes".to_string());
    }
    d.fix = Some(fix(&arg.given, sent, written, arg.span, text));
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

fn given_as(g: &Given) -> &'static str {
    match g {
        Given::Text { at: Some(false) } => "a str without `@`",
        Given::Text { .. } => "a str",
        Given::Task { .. } => "a task object",
        Given::TaskClass(_) => "a Task class, not the task instance Celery registered",
        Given::App => "the Celery app",
        Given::None | Given::Other => "unknown",
    }
}

fn fix(given: &Given, sent: Sender, written: &str, span: Span, text: &str) -> Fix {
    let edit = |content: String| Edit { span, content };
    let (message, edits) = match (given, sent) {
        (Given::Task { .. }, Sender::TaskName) => (
            format!("Filter on the task's name: `sender={written}.name`"),
            vec![edit(format!("{written}.name"))],
        ),
        (Given::Text { .. }, Sender::TaskInstance) => match task_of_name(written, text) {
            Some(task) => (
                format!("Filter on the task object: `sender={task}`"),
                vec![edit(task.to_string())],
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

/// For `<task>.name`, the task: `add.name` -> `add`.
fn task_of_name<'t>(written: &'t str, _text: &str) -> Option<&'t str> {
    written.strip_suffix(".name").filter(|base| {
        base.chars()
            .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '.')
    })
}

fn slice(text: &str, span: Span) -> Option<&str> {
    text.get(span.start as usize..span.end as usize)
}
