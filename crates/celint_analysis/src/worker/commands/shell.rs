//! Shell words: a small POSIX-shell tokenizer and the expansions a command line's reader does.
//!
//! Not the `shlex` crate (already in the lock file, through `cc`): it splits words only, so
//! `cd website;celery` stays one word and `cd x && celery` needs a second pass over the words;
//! it drops the quoting a `$VAR` expansion depends on (`"$OPTS"` is one word, `$OPTS` several);
//! and it gives up on a whole line for one unbalanced quote, where a tolerant reading (Helm
//! templates, a line cut by a continuation) still finds the command. Here control operators
//! (`&&`, `||`, `;`, `|`, `&`, parentheses) and redirections are tokens of their own, and a word
//! keeps its parts (literal text, parameter expansions, command substitutions) until it is
//! expanded with what the file assigns.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Variables a file gives a command: shell assignments, `ENV`, `environment:`, `Environment=`.
pub type Env = BTreeMap<String, String>;

/// One part of a word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// Literal text, quoted or not: never split.
    Lit(String),
    /// `$X`, `${X}`, `${X:-default}`: `body` is what the braces hold; `quoted` inside double
    /// quotes (not split into several words).
    Param {
        body: String,
        written: String,
        quoted: bool,
    },
    /// `$(...)` or a backquoted command, as written: unknown.
    Subst(String),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Word {
    pub(crate) parts: Vec<Part>,
    /// Some of it was quoted: an empty expansion still makes a word.
    pub(crate) quoted: bool,
}

impl Word {
    fn lit(&mut self, c: char) {
        match self.parts.last_mut() {
            Some(Part::Lit(s)) => s.push(c),
            _ => self.parts.push(Part::Lit(c.to_string())),
        }
    }

    /// The literal text before any expansion, when the word starts with one.
    fn leading_literal(&self) -> &str {
        match self.parts.first() {
            Some(Part::Lit(s)) => s,
            _ => "",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    Word(Word),
    /// A command separator or grouping: `;`, `&&`, `||`, `|`, `&`, `(`, `)`, a newline.
    Sep,
    /// A redirection operator: the next word is its target.
    Redirect,
}

/// Characters of the text with a cursor; every access is bounds-checked.
struct Cursor {
    chars: Vec<char>,
    i: usize,
}

impl Cursor {
    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0);
        self.i += 1;
        c
    }

    /// The text up to the `close` that balances `open` (the opening one already taken), the
    /// closing one consumed; to the end when it never closes.
    fn balanced(&mut self, open: char, close: char) -> String {
        let mut depth = 1usize;
        let mut out = String::new();
        let mut quote: Option<char> = None;
        while let Some(c) = self.bump() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '\'' || c == '"' => quote = Some(c),
                None if c == open => depth += 1,
                None if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        return out;
                    }
                }
                None => {}
            }
            out.push(c);
        }
        out
    }
}

/// Splits shell text into words, separators and redirections. Never fails: an unclosed quote
/// runs to the end of the text.
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let mut cur = Cursor {
        chars: text.chars().collect(),
        i: 0,
    };
    let mut out = Vec::new();
    let mut word: Option<Word> = None;
    let end = |word: &mut Option<Word>, out: &mut Vec<Token>| {
        if let Some(w) = word.take() {
            out.push(Token::Word(w));
        }
    };
    while let Some(c) = cur.bump() {
        match c {
            ' ' | '\t' | '\r' => end(&mut word, &mut out),
            '\n' => {
                end(&mut word, &mut out);
                out.push(Token::Sep);
            }
            '#' if word.is_none() => {
                while cur.peek(0).is_some_and(|c| c != '\n') {
                    cur.bump();
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(Word::default);
                w.quoted = true;
                let mut s = String::new();
                while let Some(c) = cur.bump() {
                    if c == '\'' {
                        break;
                    }
                    s.push(c);
                }
                w.parts.push(Part::Lit(s));
            }
            '"' => double_quoted(&mut cur, word.get_or_insert_with(Word::default)),
            '\\' => match cur.bump() {
                Some('\n') | None => {}
                Some(c) => word.get_or_insert_with(Word::default).lit(c),
            },
            '$' => dollar(&mut cur, word.get_or_insert_with(Word::default), false),
            '`' => {
                let s = format!("`{}`", cur.balanced('\u{0}', '`'));
                word.get_or_insert_with(Word::default)
                    .parts
                    .push(Part::Subst(s));
            }
            ';' | '&' | '|' | '(' | ')' => {
                end(&mut word, &mut out);
                if c == '&' && cur.peek(0) == Some('>') {
                    cur.bump();
                    if cur.peek(0) == Some('>') {
                        cur.bump();
                    }
                    out.push(Token::Redirect);
                    continue;
                }
                if matches!(c, ';' | '&' | '|')
                    && matches!(cur.peek(0), Some(n) if n == c || n == '&')
                {
                    cur.bump();
                }
                out.push(Token::Sep);
            }
            '<' | '>' => {
                // `2>&1`: the descriptor before the operator is no word.
                if word
                    .as_ref()
                    .is_some_and(|w| w.parts.len() == 1 && is_digits(w.leading_literal()))
                {
                    word = None;
                }
                end(&mut word, &mut out);
                while matches!(cur.peek(0), Some('>' | '<' | '&' | '|')) {
                    cur.bump();
                }
                // `>&2`: the target is glued to the operator.
                if cur.peek(0).is_some_and(|c| c.is_ascii_digit() || c == '-') {
                    while cur.peek(0).is_some_and(|c| c.is_ascii_digit() || c == '-') {
                        cur.bump();
                    }
                    continue;
                }
                out.push(Token::Redirect);
            }
            _ => word.get_or_insert_with(Word::default).lit(c),
        }
    }
    end(&mut word, &mut out);
    out
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

/// The inside of `"..."` (the opening quote taken).
fn double_quoted(cur: &mut Cursor, w: &mut Word) {
    w.quoted = true;
    if !matches!(w.parts.last(), Some(Part::Lit(_))) {
        w.parts.push(Part::Lit(String::new()));
    }
    while let Some(c) = cur.bump() {
        match c {
            '"' => return,
            '\\' => match cur.peek(0) {
                Some(n @ ('$' | '`' | '"' | '\\')) => {
                    cur.bump();
                    w.lit(n);
                }
                Some('\n') => {
                    cur.bump();
                }
                _ => w.lit('\\'),
            },
            '$' => dollar(cur, w, true),
            '`' => {
                let s = format!("`{}`", cur.balanced('\u{0}', '`'));
                w.parts.push(Part::Subst(s));
            }
            _ => w.lit(c),
        }
    }
}

/// What follows a `$` (taken).
fn dollar(cur: &mut Cursor, w: &mut Word, quoted: bool) {
    match cur.peek(0) {
        Some('{') => {
            cur.bump();
            let body = cur.balanced('{', '}');
            let written = format!("${{{body}}}");
            w.parts.push(Part::Param {
                body,
                written,
                quoted,
            });
        }
        Some('(') => {
            cur.bump();
            let inner = cur.balanced('(', ')');
            w.parts.push(Part::Subst(format!("$({inner})")));
        }
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {
            let mut name = String::new();
            while let Some(c) = cur
                .peek(0)
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            {
                cur.bump();
                name.push(c);
            }
            let written = format!("${name}");
            w.parts.push(Part::Param {
                body: name,
                written,
                quoted,
            });
        }
        Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => {
            cur.bump();
            w.parts.push(Part::Param {
                body: c.to_string(),
                written: format!("${c}"),
                quoted,
            });
        }
        _ => w.lit('$'),
    }
}

/// How deep defaults may name other variables (`${A:-$B}`).
const MAX_DEPTH: usize = 4;

/// A longer value is unknown: `A=$A$A` repeated would double it each time.
const MAX_VALUE: usize = 16 * 1024;

/// How many bytes expansions may produce in one reading of the files (`reset_budget`): a
/// megabyte of `$A $A $A ...` must not become gigabytes. Past it, values are unknown.
const BUDGET: usize = 64 * 1024 * 1024;

thread_local! {
    static LEFT: std::cell::Cell<usize> = const { std::cell::Cell::new(BUDGET) };
}

/// A new reading of the files: the whole budget of expansions again.
pub(crate) fn reset_budget() {
    LEFT.with(|l| l.set(BUDGET));
}

/// Takes `n` bytes from the budget; `false` (and nothing taken) when too few are left.
pub(crate) fn spend(n: usize) -> bool {
    LEFT.with(|l| {
        let left = l.get();
        let ok = n <= left;
        if ok {
            l.set(left - n);
        }
        ok
    })
}

/// The value of `${body}`, `None` when it is unknown. `${X:=default}` assigns.
fn param_value(body: &str, env: &mut Env, depth: usize) -> Option<String> {
    let name_end = body
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map(|(i, _)| i)
        .unwrap_or(body.len());
    let (name, rest) = body.split_at(name_end);
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let value = env
        .get(name)
        .filter(|v| v.len() <= MAX_VALUE && spend(v.len()))
        .cloned();
    if rest.is_empty() {
        return value;
    }
    let (colon, rest) = match rest.strip_prefix(':') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let mut ops = rest.chars();
    let op = ops.next()?;
    let word = ops.as_str();
    let set = value.as_ref().is_some_and(|v| !(colon && v.is_empty()));
    let mut default = || (depth < MAX_DEPTH).then(|| expand_text(word, env, depth + 1));
    match op {
        '-' if set => value,
        '-' => default()?,
        '=' if set => value,
        '=' => {
            let d = default()??;
            env.insert(name.to_string(), d.clone());
            Some(d)
        }
        '?' if set => value,
        '+' if set => default()?,
        '+' if value.is_some() || colon => Some(String::new()),
        _ => None,
    }
}

/// `text` read as the inside of double quotes and expanded: `None` when any part is unknown.
pub(crate) fn expand_text(text: &str, env: &mut Env, depth: usize) -> Option<String> {
    let mut cur = Cursor {
        chars: text.chars().collect(),
        i: 0,
    };
    let mut w = Word::default();
    // Unlike real double quotes, quotes inside a default (`${X:-"a b"}`) are removed.
    while let Some(c) = cur.bump() {
        match c {
            '$' => dollar(&mut cur, &mut w, true),
            '"' => double_quoted(&mut cur, &mut w),
            '\'' => {
                while let Some(c) = cur.bump().filter(|c| *c != '\'') {
                    w.lit(c);
                }
            }
            _ => w.lit(c),
        }
    }
    let mut out = String::new();
    for part in &w.parts {
        match part {
            Part::Lit(s) => out.push_str(s),
            Part::Param { body, .. } => out.push_str(&param_value(body, env, depth)?),
            Part::Subst(_) => return None,
        }
    }
    Some(out)
}

/// Compose's interpolation: `${X}`, `${X:-default}` and `$X` replaced where known (kept as
/// written where not), `$$` a literal `$`; quotes are text.
pub(crate) fn interpolate(text: &str, env: &mut Env) -> String {
    let mut cur = Cursor {
        chars: text.chars().collect(),
        i: 0,
    };
    let mut out = String::new();
    while let Some(c) = cur.bump() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match cur.peek(0) {
            Some('$') => {
                cur.bump();
                out.push('$');
            }
            Some('{' | 'a'..='z' | 'A'..='Z' | '_') => {
                let mut w = Word::default();
                dollar(&mut cur, &mut w, true);
                for part in &w.parts {
                    match part {
                        Part::Param { body, written, .. } => out.push_str(
                            &param_value(body, env, 0).unwrap_or_else(|| written.clone()),
                        ),
                        Part::Lit(s) | Part::Subst(s) => out.push_str(s),
                    }
                }
            }
            _ => out.push('$'),
        }
    }
    out
}

/// What an expansion reads besides the variables.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Context<'a> {
    /// The script's own directory: `$(dirname "$0")` and the like.
    pub(crate) script_dir: Option<&'a Path>,
}

/// The fields a word expands to: unquoted expansions are split at whitespace; an unknown
/// expansion stays as written (see `is_unresolved`).
pub(crate) fn expand_word(w: &Word, env: &mut Env, ctx: Context) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut keep = w.quoted;
    for part in &w.parts {
        match part {
            Part::Lit(s) => cur.push_str(s),
            Part::Param {
                body,
                written,
                quoted,
            } => match param_value(body, env, 0) {
                Some(v) if !quoted => {
                    let starts = v.starts_with(char::is_whitespace);
                    if starts && !cur.is_empty() {
                        fields.push(std::mem::take(&mut cur));
                        keep = false;
                    }
                    let pieces: Vec<&str> = v.split_whitespace().collect();
                    for (k, piece) in pieces.iter().enumerate() {
                        if k > 0 {
                            fields.push(std::mem::take(&mut cur));
                            keep = false;
                        }
                        cur.push_str(piece);
                    }
                    if v.ends_with(char::is_whitespace) && !pieces.is_empty() {
                        fields.push(std::mem::take(&mut cur));
                        keep = false;
                    }
                }
                Some(v) => cur.push_str(&v),
                None => cur.push_str(written),
            },
            Part::Subst(s) => match ctx.script_dir.filter(|_| names_script_dir(s)) {
                Some(dir) => cur.push_str(&dir.to_string_lossy()),
                None => cur.push_str(s),
            },
        }
    }
    if keep || !cur.is_empty() {
        fields.push(cur);
    }
    fields
}

/// `$(dirname "$0")`, `` `dirname $0` ``, `$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)`: the
/// script's directory.
fn names_script_dir(subst: &str) -> bool {
    subst.contains("dirname") && (subst.contains("$0") || subst.contains("BASH_SOURCE"))
}

/// A value that could not be resolved: an unset variable, a command substitution, a template.
pub fn is_unresolved(value: &str) -> bool {
    value.contains('$') || value.contains("{{") || value.contains('`')
}

/// `NAME=value` as written at the start of a word: the name and the value's word.
pub(crate) fn assignment(w: &Word) -> Option<(String, Word)> {
    let lead = w.leading_literal();
    let eq = lead.find('=')?;
    let name = lead.get(..eq)?;
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return None;
    }
    let mut value = w.clone();
    if let Some(Part::Lit(s)) = value.parts.first_mut() {
        *s = s.get(eq + 1..).unwrap_or_default().to_string();
    }
    Some((name.to_string(), value))
}

/// The simple commands of a token list: words between separators, redirections and their
/// targets left out.
pub(crate) fn simple_commands(tokens: Vec<Token>) -> Vec<Vec<Word>> {
    let mut out = vec![Vec::new()];
    let mut skip_next = false;
    for t in tokens {
        match t {
            Token::Sep => out.push(Vec::new()),
            Token::Redirect => skip_next = true,
            Token::Word(_) if skip_next => skip_next = false,
            Token::Word(w) => {
                if let Some(last) = out.last_mut() {
                    last.push(w);
                }
            }
        }
    }
    out.retain(|c| !c.is_empty());
    out
}

/// `a/b/../c` -> `a/c`, `./x` -> `x`, without asking the file system.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str, env: &mut Env) -> Vec<Vec<String>> {
        simple_commands(tokenize(text))
            .iter()
            .map(|c| {
                c.iter()
                    .flat_map(|w| expand_word(w, env, Context::default()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn words_separators_and_quotes() {
        let mut env = Env::new();
        assert_eq!(
            fields(
                "cd website;celery -A 'my proj' worker \"-P\" solo 2>&1 >/dev/null # c",
                &mut env
            ),
            vec![
                vec!["cd", "website"],
                vec!["celery", "-A", "my proj", "worker", "-P", "solo"]
            ]
        );
        assert_eq!(
            fields("a && b || c | d & e", &mut env),
            vec![vec!["a"], vec!["b"], vec!["c"], vec!["d"], vec!["e"]]
        );
        // An unclosed quote runs to the end instead of failing.
        assert_eq!(
            fields("celery -A 'proj worker", &mut env),
            vec![vec!["celery", "-A", "proj worker"]]
        );
    }

    #[test]
    fn expansions() {
        let mut env = Env::new();
        env.insert("OPTS".into(), "-P solo  -c 2".into());
        env.insert("APP".into(), "proj".into());
        env.insert("EMPTY".into(), String::new());
        let got = fields(
            "celery -A $APP worker $OPTS \"$OPTS\" --app=${APP}.celery ${EMPTY:-dflt} ${NONE:-x} $NONE ${APP:+set} $EMPTY",
            &mut env,
        );
        assert_eq!(
            got,
            vec![vec![
                "celery",
                "-A",
                "proj",
                "worker",
                "-P",
                "solo",
                "-c",
                "2",
                "-P solo  -c 2",
                "--app=proj.celery",
                "dflt",
                "x",
                "$NONE",
                "set"
            ]]
        );
        assert_eq!(fields(": ${NEW:=made}", &mut env), vec![vec![":", "made"]]);
        assert_eq!(env.get("NEW").map(String::as_str), Some("made"));
        assert_eq!(
            expand_text("${X:-${APP}}", &mut env, 0).as_deref(),
            Some("proj")
        );
        assert_eq!(expand_text("$(cmd)", &mut env, 0), None);
        let script = Path::new("/p/scripts");
        let toks = simple_commands(tokenize("cd \"$(dirname \"$0\")\"/.."));
        let ctx = Context {
            script_dir: Some(script),
        };
        let f: Vec<String> = toks[0]
            .iter()
            .flat_map(|w| expand_word(w, &mut env, ctx))
            .collect();
        assert_eq!(f, vec!["cd", "/p/scripts/.."]);
        assert_eq!(normalize(Path::new(&f[1])), PathBuf::from("/p"));
    }

    #[test]
    fn assignments() {
        let toks = simple_commands(tokenize("CELERY_APP=\"proj\" X=1 celery worker"));
        let (name, value) = assignment(&toks[0][0]).unwrap();
        assert_eq!(name, "CELERY_APP");
        assert_eq!(
            expand_word(&value, &mut Env::new(), Context::default()),
            vec!["proj"]
        );
        assert!(assignment(&toks[0][2]).is_none());
        assert!(is_unresolved("$X") && is_unresolved("{{ .Values.app }}"));
        assert!(!is_unresolved("proj.celery:app"));
    }
}
