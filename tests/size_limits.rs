//! The size limits ARCHITECTURE.md states: no source file over 700 lines, no function over 120
//! (the two flat node matches of the lowering excepted). Functions are measured from their `fn`
//! line to the line where their braces balance, ignoring braces in strings and comments.

use std::path::{Path, PathBuf};

const MAX_FILE: usize = 700;
const MAX_FN: usize = 120;
const EXCEPTED: &[(&str, &str)] = &[("lower.rs", "stmt"), ("lower.rs", "expr_inner")];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The line without string and char literals and without a `//` comment.
fn code(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_str => {
                chars.next();
            }
            '"' => in_str = !in_str,
            '\'' if !in_str => {
                // A char literal ('{', '\n') or a lifetime ('a): skip a literal only.
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with('\\') || rest.chars().nth(1) == Some('\'') {
                    while let Some(d) = chars.next() {
                        if d == '\\' {
                            chars.next();
                        } else if d == '\'' {
                            break;
                        }
                    }
                }
            }
            '/' if !in_str && chars.peek() == Some(&'/') => break,
            _ if in_str => {}
            _ => out.push(c),
        }
    }
    out
}

/// `name` when the line starts a function definition.
fn fn_name(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let t = t
        .strip_prefix("pub(crate) ")
        .or(t.strip_prefix("pub(super) "))
        .unwrap_or(t);
    let t = t.strip_prefix("pub ").unwrap_or(t);
    let t = t.strip_prefix("const ").unwrap_or(t);
    let rest = t.strip_prefix("fn ")?;
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    Some(&rest[..end])
}

#[test]
fn no_file_over_700_lines_and_no_function_over_120() {
    let mut files = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The command line's sources and every crate's (the workspace's layers, the server).
    sources(&root.join("src"), &mut files);
    sources(&root.join("crates"), &mut files);
    let mut over = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<String> = text.lines().map(code).collect();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        if lines.len() > MAX_FILE {
            over.push(format!("{}: {} lines", path.display(), lines.len()));
        }
        for (i, line) in lines.iter().enumerate() {
            let Some(name) = fn_name(line) else { continue };
            let (mut depth, mut started, mut end) = (0i32, false, i);
            for (j, l) in lines.iter().enumerate().skip(i) {
                for c in l.chars() {
                    match c {
                        '{' => {
                            depth += 1;
                            started = true;
                        }
                        '}' => depth -= 1,
                        _ => {}
                    }
                }
                end = j;
                if (started && depth <= 0) || (!started && l.trim_end().ends_with(';')) {
                    break;
                }
            }
            let n = end - i + 1;
            if n > MAX_FN && !EXCEPTED.contains(&(file.as_str(), name)) {
                over.push(format!("{}:{} fn {name}: {n} lines", path.display(), i + 1));
            }
        }
    }
    assert!(over.is_empty(), "over the limits:\n{}", over.join("\n"));
}
