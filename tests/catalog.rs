//! Every entry of the built-in blocking catalogue is used: a call of it, generated in memory
//! in a `worker_process_init` handler, is reported (CEL004 for a bounded call whose bound
//! reaches Celery's default 4 s, CEL005 otherwise), and it is that entry that matches the call
//! (no entry is shadowed by an earlier one).

use celint::catalog::blocking::{self, Bound, Entry};

/// The dotted path a generated call resolves to: a pattern's `*` becomes a name.
fn path_for(entry: &Entry) -> String {
    let p = &entry.pattern;
    if let Some(suffix) = p.strip_prefix("*.") {
        format!("mylib.Model.{suffix}")
    } else if let Some(prefix) = p.strip_suffix(".*") {
        format!("{prefix}.do_work")
    } else {
        p.clone()
    }
}

/// Arguments that make the entry block: its `only-when` argument, a 10 s duration.
fn args_for(entry: &Entry) -> String {
    let mut args = Vec::new();
    if let Bound::Duration(_) = entry.bound {
        args.push("10".to_string());
    }
    if let Some(kw) = entry.only_when.iter().find_map(|a| a.keyword.clone()) {
        args.push(format!("{kw}=True"));
    }
    args.join(", ")
}

#[test]
fn every_entry_parses_matches_itself_and_is_reported() {
    let entries = &blocking::catalogue().entries;
    assert!(entries.len() > 100, "the built-in catalogue did not parse");
    let mut failures = Vec::new();
    for entry in entries {
        let path = path_for(entry);
        if blocking::lookup(&path).map(|e| &e.pattern) != Some(&entry.pattern) {
            failures.push(format!(
                "{}: `{path}` is matched by another entry",
                entry.pattern
            ));
            continue;
        }
        let root = path.split('.').next().unwrap_or_default();
        let src = format!(
            "import {root}\nfrom celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    {path}({})\n",
            args_for(entry)
        );
        let found: Vec<_> = celint::check_source("w.py", src.as_bytes())
            .into_iter()
            .map(|d| d.rule.code())
            .collect();
        let expected = match &entry.bound {
            Bound::Duration(_) => "CEL004",
            Bound::Timeout(t) if t.default.is_some() => "CEL004",
            _ => "CEL005",
        };
        if found != [expected] {
            failures.push(format!(
                "{}: {found:?}, expected {expected}\n{src}",
                entry.pattern
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn only_when_local_and_except_entries_are_not_reported_otherwise() {
    let src = "import timm\nimport torchvision\nimport socket\nimport redis\nfrom celery.signals import worker_process_init\n\n\n@worker_process_init.connect\ndef boot(**kwargs):\n    timm.create_model(\"resnet50\")\n    timm.create_model(\"resnet50\", pretrained=False)\n    torchvision.models.resnet50(weights=None)\n    socket.gethostbyname(socket.gethostname())\n    redis.Redis.from_url(\"redis://r\")\n    redis.Redis().pipeline()\n";
    assert!(celint::check_source("w.py", src.as_bytes()).is_empty());
}
