//! Property tests: on generated Python built from the constructs handlers use, celint never
//! panics, and its findings are the same at 1 and 2 threads and from one run to the next.

mod common;

use proptest::prelude::*;

const SIGNALS: &[&str] = &[
    "worker_process_init",
    "worker_init",
    "worker_ready",
    "celeryd_init",
    "task_failure",
    "import_modules",
];

fn simple_stmt() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u8..6).prop_map(|n| format!("time.sleep({n})")),
        (1u8..4).prop_map(|n| format!("time.sleep(DELAY * {n})")),
        Just("time.sleep(x)".to_string()),
        Just("exit(1)".to_string()),
        Just("sys.exit(\"bad\")".to_string()),
        Just("raise SystemExit(1)".to_string()),
        Just("raise RuntimeError(\"boom\")".to_string()),
        Just("app.control.shutdown()".to_string()),
        Just("app.control.broadcast(\"shutdown\", destination=[\"w1\"])".to_string()),
        Just("requests.get(URL)".to_string()),
        (1u8..9).prop_map(|n| format!("requests.get(URL, timeout={n})")),
        Just("subprocess.run([\"true\"])".to_string()),
        (0usize..4).prop_map(|i| format!("helper{i}()")),
        (0usize..4).prop_map(|i| format!("other.helper{i}()")),
        Just("x = compute()".to_string()),
        Just("pass".to_string()),
        Just("return".to_string()),
    ]
}

/// A block of statements at `indent`, with compound statements nested up to `depth`.
fn block(depth: u32) -> BoxedStrategy<Vec<String>> {
    let leaf = prop::collection::vec(simple_stmt().prop_map(|s| vec![s]), 1..4)
        .prop_map(|v| v.concat())
        .boxed();
    if depth == 0 {
        return leaf;
    }
    let inner = block(depth - 1);
    let compound = prop_oneof![
        (0u8..5, inner.clone()).prop_map(|(n, b)| wrap(&format!("for _ in range({n}):"), &b)),
        inner.clone().prop_map(|b| wrap("while True:", &b)),
        (inner.clone(), inner.clone()).prop_map(|(a, b)| {
            let mut v = wrap("if x:", &a);
            v.extend(wrap("else:", &b));
            v
        }),
        (inner.clone(), inner.clone()).prop_map(|(a, b)| {
            let mut v = wrap("try:", &a);
            v.extend(wrap("except Exception:", &b));
            v
        }),
        inner
            .clone()
            .prop_map(|b| wrap("def nested(**kwargs):", &b)),
    ];
    prop::collection::vec(prop_oneof![leaf, compound.prop_map(|v| v)], 1..3)
        .prop_map(|v| v.concat())
        .boxed()
}

fn wrap(header: &str, body: &[String]) -> Vec<String> {
    let mut v: Vec<String> = header.lines().map(str::to_string).collect();
    v.extend(body.iter().map(|l| format!("    {l}")));
    v
}

fn function(name: String, header: String, body: Vec<String>) -> String {
    let mut s = header;
    s.push_str(&format!("def {name}:\n"));
    for l in body {
        s.push_str(&format!("    {l}\n"));
    }
    s.push('\n');
    s
}

fn module() -> impl Strategy<Value = (String, String)> {
    let handler = (0usize..SIGNALS.len(), 0u8..4, any::<bool>(), block(2));
    let helpers = prop::collection::vec(block(2), 4..=4);
    (prop::collection::vec(handler, 1..4), helpers, helpers_other()).prop_map(|(hs, hb, other)| {
        let mut s = String::from(
            "import subprocess\nimport sys\nimport time\n\nimport requests\nfrom celery import Celery\nfrom celery.signals import *\n\nfrom proj import other\n\napp = Celery(\"p\")\nDELAY = 1.5\nURL = \"http://x\"\n\n\n",
        );
        for (i, b) in hb.into_iter().enumerate() {
            s.push_str(&function(format!("helper{i}()"), String::new(), b));
        }
        for (i, (sig, form, kwargs, body)) in hs.into_iter().enumerate() {
            let signal = SIGNALS[sig];
            let params = if kwargs { "sender=None, **kwargs" } else { "sender=None" };
            let name = format!("handler{i}");
            match form {
                0 => s.push_str(&function(format!("{name}({params})"), format!("@{signal}.connect\n"), body)),
                1 => s.push_str(&function(format!("{name}({params})"), format!("@{signal}.connect(weak=False)\n"), body)),
                2 => {
                    s.push_str(&function(format!("{name}({params})"), String::new(), body));
                    s.push_str(&format!("{signal}.connect({name})\n\n"));
                }
                _ => {
                    let inner: Vec<String> = wrap(&format!("@{signal}.connect\ndef inner({params}):"), &body);
                    s.push_str(&function(format!("{name}()"), String::new(), inner));
                    s.push_str(&format!("{name}()\n\n"));
                }
            }
        }
        (s, other)
    })
}

fn helpers_other() -> impl Strategy<Value = String> {
    prop::collection::vec(block(1), 4..=4).prop_map(|bodies| {
        let mut s = String::from("import time\nimport sys\n\nfrom proj import main\n\n\n");
        for (i, b) in bodies.into_iter().enumerate() {
            s.push_str(&function(format!("helper{i}()"), String::new(), b));
        }
        s.push_str("def again():\n    main.helper0()\n");
        s
    })
}

type Finding = (String, usize, usize, String, String, Vec<String>);

fn lint(dir: &std::path::Path, threads: usize) -> Vec<Finding> {
    let mut settings = celint::Settings::new(vec![dir.to_path_buf()]);
    settings.threads = Some(threads);
    common::run(settings, |r| {
        r.diagnostics
            .iter()
            .map(|d| {
                let p = d.start();
                (
                    d.file.display.clone(),
                    p.row,
                    p.column,
                    d.rule.code().to_string(),
                    d.message.clone(),
                    d.trace.iter().map(|t| t.note.clone()).collect(),
                )
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_and_is_deterministic((main, other) in module()) {
        let dir = tempfile::tempdir().unwrap();
        common::write(dir.path(), "proj/__init__.py", "");
        common::write(dir.path(), "proj/main.py", &main);
        common::write(dir.path(), "proj/other.py", &other);
        // The generator writes valid Python: the analysis, not error recovery, is under test.
        prop_assert!(celint::syntax::parse(&main, false).errors.is_empty(), "{}", main);
        prop_assert!(celint::syntax::parse(&other, false).errors.is_empty(), "{}", other);
        let one = lint(dir.path(), 1);
        let two = lint(dir.path(), 2);
        let again = lint(dir.path(), 2);
        prop_assert_eq!(&one, &two);
        prop_assert_eq!(&two, &again);
        // The in-memory pipeline copes with the same source too.
        let _ = celint::check_source("main.py", main.as_bytes());
    }
}
