use crate::diagnostic::Diagnostic;

pub fn render(diagnostics: &[Diagnostic], options: &super::SummaryOptions) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let p = d.start();
        out.push_str(&format!(
            "{}:{}:{}: {} {}\n",
            d.file.display,
            p.row,
            p.column,
            d.rule.code(),
            d.message
        ));
    }
    out.push_str(&super::summary(diagnostics, options));
    out.push('\n');
    out
}
