//! CEL009 receiver-without-kwargs: `Signal.connect` raises ValueError at import for a receiver
//! that cannot take `**kwargs`.

use crate::checker::{Checker, Handler, Holds};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::rules::cel008_weak_local_receiver::insert_argument;
use crate::rules::Rule;
use celint_catalog::versions::Fact;
use celint_syntax::Span;

pub fn check(ck: &Checker, h: &Handler, out: &mut Vec<Diagnostic>) {
    // The signature that counts is the one Celery calls: a project decorator's wrapper when
    // there is one (its fix goes there too).
    let (def, func, module) = match &h.called {
        Some(c) => match c.def() {
            Some(def) => (def, c.func, &c.module),
            None => return,
        },
        None => (h.def, h.func, &h.module),
    };
    let params = &def.params;
    if params.kwarg.is_some() {
        return;
    }
    let what = if def.is_lambda {
        "lambda".to_string()
    } else if h.called.is_some() {
        format!("decorator wrapper `{}`", def.name)
    } else {
        format!("`{}`", h.name())
    };
    // Before Celery 4.1 `connect` takes any receiver: each send then fails instead.
    let holds = ck.holds(&h.module, Fact::ConnectChecksKwargs);
    let message = if holds == Holds::Never {
        format!("{what} lacks `**kwargs`: every send calls it with keywords it cannot take")
    } else {
        format!("{what} lacks `**kwargs`: connecting it raises ValueError at import")
    };
    let mut d = Diagnostic::new(
        Rule::ReceiverWithoutKwargs,
        ck.file(func.module),
        def.name_span,
        message,
    );
    holds.mark(&mut d);
    if holds == Holds::Never {
        d.notes.push(format!(
            "Celery {} connects it unchecked; each `{}.send` passes `signal` and the signal's \
             keywords, and the call raises TypeError",
            ck.pin(&h.module).describe(),
            h.signal.name
        ));
    }
    if h.called.is_some() {
        d.notes.push(format!(
            "`{}` is the wrapper a decorator puts around `{}`: it is what is connected",
            def.name,
            h.name()
        ));
    }
    if holds != Holds::Never {
        d.notes.push(format!("`{}.connect` checks its receivers: \"ValueError: Signal receiver must accept keyword arguments.\"", h.signal.name));
    }
    let name = if params.names.iter().any(|n| n == "kwargs")
        || params.vararg.as_deref() == Some("kwargs")
    {
        "**_kwargs"
    } else {
        "**kwargs"
    };
    let text = &module.source.text;
    let edit = if def.is_lambda {
        let sp = params.span;
        if sp.start == sp.end {
            Edit {
                span: Span::new(sp.start, sp.start),
                content: format!(" {name}"),
            }
        } else {
            Edit {
                span: Span::new(sp.end, sp.end),
                content: format!(", {name}"),
            }
        }
    } else {
        insert_argument(text, params.span, name)
    };
    d.fix = Some(Fix {
        applicability: Applicability::Safe,
        message: format!("Add `{name}` to the parameters"),
        edits: vec![edit],
    });
    out.push(d);
}
