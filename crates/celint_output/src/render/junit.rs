//! `--output-format junit`: one test suite per file, one failing test case per finding.
//! Written by hand: the format is a handful of elements, and XML escaping is five characters.

use std::collections::BTreeMap;

use celint_linter::diagnostic::Diagnostic;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

pub fn render(diagnostics: &[Diagnostic]) -> String {
    let mut by_file: BTreeMap<&str, Vec<&Diagnostic>> = BTreeMap::new();
    for d in diagnostics {
        by_file.entry(&d.file.display).or_default().push(d);
    }
    let n = diagnostics.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"celint\" tests=\"{}\" failures=\"{n}\" errors=\"0\">\n",
        n.max(1)
    ));
    if diagnostics.is_empty() {
        out.push_str("    <testsuite name=\"celint\" tests=\"1\" failures=\"0\" errors=\"0\">\n        <testcase name=\"celint\" classname=\"celint\"/>\n    </testsuite>\n");
    }
    for (file, ds) in by_file {
        out.push_str(&format!(
            "    <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n",
            escape(file),
            ds.len(),
            ds.len()
        ));
        for d in ds {
            let p = d.start();
            out.push_str(&format!(
                "        <testcase name=\"org.celint.{}\" classname=\"{}\" line=\"{}\" column=\"{}\">\n            <failure message=\"{}\">line {}, col {}, {}</failure>\n        </testcase>\n",
                d.rule.code(),
                escape(file),
                p.row,
                p.column,
                escape(&d.message),
                p.row,
                p.column,
                escape(&d.message)
            ));
        }
        out.push_str("    </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
