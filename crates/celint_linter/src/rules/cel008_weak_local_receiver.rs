//! CEL008 weak-local-receiver: a nested function or lambda connected weakly is garbage-collected
//! as soon as the enclosing function returns, and never called.

use crate::checker::{Checker, Handler};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::rules::Rule;
use celint_analysis::handlers::{Form, Weak};
use celint_syntax::ir::Scope;
use celint_syntax::Span;

/// Is the receiver of this connection garbage-collected before the signal is sent?
pub fn never_called(h: &Handler) -> bool {
    let c = h.connection;
    if c.weak == Weak::False || c.sent_while_alive {
        return false;
    }
    let nested = matches!(h.def.parent, Scope::Function(_)) && !c.escapes;
    c.temporary || nested
}

pub fn check(ck: &Checker, h: &Handler, out: &mut Vec<Diagnostic>) {
    let c = h.connection;
    if !never_called(h) {
        return;
    }
    let what = if h.def.is_lambda {
        "lambda".to_string()
    } else if c.temporary {
        format!("`functools.partial({}, ...)` object", h.name())
    } else {
        format!("nested function `{}`", h.name())
    };
    let message = format!("{what} is connected weakly: it is garbage-collected, never called");
    let mut d = Diagnostic::new(
        Rule::WeakLocalReceiver,
        crate::diagnostic::FileRef {
            display: c.module.source.display.clone(),
            module: Some(c.module.clone()),
        },
        c.site,
        message,
    );
    d.notes.push(format!(
        "`{}.connect` holds receivers weakly unless `weak=False` (`weak=True` is the default), and nothing else refers to it",
        c.signal.name
    ));
    d.fix = fix(c).map(|edit| Fix {
        applicability: Applicability::Safe,
        message: "Connect with `weak=False`".to_string(),
        edits: vec![edit],
    });
    let _ = ck;
    out.push(d);
}

fn fix(c: &celint_analysis::handlers::Connection) -> Option<Edit> {
    match (c.weak, c.form, c.args_span) {
        (Weak::Given(span), _, _) => Some(Edit {
            span,
            content: "False".to_string(),
        }),
        (_, Form::BareDecorator, _) => Some(Edit {
            span: Span::new(c.site.end, c.site.end),
            content: "(weak=False)".to_string(),
        }),
        (_, _, Some(args)) => Some(insert_argument(&c.module.source.text, args, "weak=False")),
        _ => None,
    }
}

/// Inserts `arg` as the last argument of the parenthesised `args`.
pub fn insert_argument(text: &str, args: Span, arg: &str) -> Edit {
    let close = args.end.saturating_sub(1);
    let inner = text
        .get(args.start as usize..close as usize)
        .unwrap_or("")
        .trim_end();
    let content = if inner.ends_with('(') {
        arg.to_string()
    } else if inner.ends_with(',') {
        format!(" {arg}")
    } else {
        format!(", {arg}")
    };
    // Insert right after the last non-blank character, before any newline and the `)`.
    let at = args.start + inner.len() as u32;
    Edit {
        span: Span::new(at, at),
        content,
    }
}
