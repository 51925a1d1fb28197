//! Version specifiers, as the dependency files write them, turned into the set of Celery minor
//! versions they allow: PEP 440 (`>=5.3,<6`, `~=5.3.0`, `==5.3.*`), Poetry (`^5.3`, `~5.3`,
//! `>=5.3 <6`, `||`) and conda match specs (`=5.3`, `5.3.*`, `|`).
//!
//! Written here rather than taken from a crate: celint needs only "which of the minors it
//! describes does this allow", over three dialects; the PEP 440 crates cover one dialect each
//! and far more of it (pre-releases, local versions) than a minor-level answer can use.

use super::{VersionSet, KNOWN};

/// A release, as numbers (`5.3.6` is `[5, 3, 6]`); compared zero-padded, as PEP 440 does.
type Release = Vec<u32>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// `==`, `===`, a bare version; with `prefix`, `==X.Y.*`.
    Eq,
    Ne,
    Ge,
    Gt,
    Le,
    Lt,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Clause {
    op: Op,
    release: Release,
    /// `==5.3.*`: every release that starts with `release`.
    prefix: bool,
}

/// Clauses that must all hold.
type All = Vec<Clause>;

/// The highest patch number tried for each minor: Celery's patch releases stay well below it.
const MAX_PATCH: u32 = 40;

/// Which dialect a specifier is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Pep440,
    Poetry,
    Conda,
}

/// What a specifier allows: the minors celint describes, and whether it allows anything newer
/// or older than those (a range that allows only those says so).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allowed {
    pub set: VersionSet,
    pub newer: bool,
    pub older: bool,
}

/// The minors `text` allows, or `None` when it cannot be read. An empty specifier allows every
/// version.
pub fn allowed(text: &str, dialect: Dialect) -> Option<Allowed> {
    let alternatives = parse(text, dialect)?;
    let holds = |release: &[u32]| alternatives.iter().any(|all| all_hold(all, release));
    let mut set = VersionSet::EMPTY;
    for (i, &(major, minor)) in KNOWN.iter().enumerate() {
        if (0..=MAX_PATCH).any(|p| holds(&[major, minor, p])) {
            set = set.with(i);
        }
    }
    // Versions before and after those celint describes, each minor through its patches
    // (`==2.5.3` is older, `>=5.8.1` newer).
    let some_release = |majors: std::ops::RangeInclusive<u32>,
                        minors: std::ops::RangeInclusive<u32>| {
        majors.into_iter().any(|major| {
            minors
                .clone()
                .any(|minor| (0..=MAX_PATCH).any(|p| holds(&[major, minor, p])))
        })
    };
    let newer = some_release(5..=5, 8..=20) || some_release(6..=9, 0..=20);
    let older = some_release(0..=2, 0..=20);
    Some(Allowed { set, newer, older })
}

fn all_hold(all: &All, release: &[u32]) -> bool {
    all.iter().all(|c| c.holds(release))
}

impl Clause {
    fn holds(&self, release: &[u32]) -> bool {
        if self.prefix {
            let starts = self
                .release
                .iter()
                .enumerate()
                .all(|(i, n)| release.get(i).copied().unwrap_or(0) == *n);
            return match self.op {
                Op::Ne => !starts,
                _ => starts,
            };
        }
        let ord = compare(release, &self.release);
        use std::cmp::Ordering::*;
        match self.op {
            Op::Eq => ord == Equal,
            Op::Ne => ord != Equal,
            Op::Ge => ord != Less,
            Op::Gt => ord == Greater,
            Op::Le => ord != Greater,
            Op::Lt => ord == Less,
        }
    }
}

fn compare(a: &[u32], b: &[u32]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| {
            a.get(i)
                .copied()
                .unwrap_or(0)
                .cmp(&b.get(i).copied().unwrap_or(0))
        })
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// Alternatives (`||`, conda's `|`), each a list of clauses that must all hold.
fn parse(text: &str, dialect: Dialect) -> Option<Vec<All>> {
    let text = text.trim();
    let split: Vec<&str> = match dialect {
        Dialect::Pep440 => vec![text],
        Dialect::Poetry => text.split("||").collect(),
        Dialect::Conda => text.split('|').collect(),
    };
    split
        .into_iter()
        .map(|alt| alternative(alt.trim(), dialect))
        .collect()
}

fn alternative(text: &str, dialect: Dialect) -> Option<All> {
    if text.is_empty() || text == "*" {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    for word in clauses(text, dialect) {
        out.extend(clause(&word, dialect)?);
    }
    Some(out)
}

/// The clauses of one alternative: separated by commas, and in Poetry and conda also by
/// spaces (`>=5.3 <6`), where an operator and its version may be apart (`>= 5.3`).
fn clauses(text: &str, dialect: Dialect) -> Vec<String> {
    if dialect == Dialect::Pep440 {
        return text
            .split(',')
            .map(|c| c.split_whitespace().collect::<String>())
            .filter(|c| !c.is_empty())
            .collect();
    }
    let mut out: Vec<String> = Vec::new();
    let mut pending_op = String::new();
    for word in text.split([',', ' ', '\t']).filter(|w| !w.is_empty()) {
        let is_op_only = word.chars().all(|c| "<>=!~^".contains(c));
        if is_op_only {
            pending_op.push_str(word);
        } else {
            out.push(format!("{pending_op}{word}"));
            pending_op.clear();
        }
    }
    out
}

fn clause(word: &str, dialect: Dialect) -> Option<Vec<Clause>> {
    let ops: [(&str, &str); 10] = [
        ("===", "=="),
        ("~=", "~="),
        ("==", "=="),
        ("!=", "!="),
        (">=", ">="),
        ("<=", "<="),
        (">", ">"),
        ("<", "<"),
        ("^", "^"),
        ("~", "~"),
    ];
    let (op, rest) = ops
        .iter()
        .find_map(|(p, op)| word.strip_prefix(p).map(|r| (*op, r)))
        .or_else(|| word.strip_prefix('=').map(|r| ("=", r)))
        .unwrap_or(("", word));
    let (release, prefix) = release(rest)?;
    let single = |op: Op, prefix: bool| {
        Some(vec![Clause {
            op,
            release: release.clone(),
            prefix,
        }])
    };
    match op {
        "==" => single(Op::Eq, prefix),
        "!=" => single(Op::Ne, prefix),
        ">=" => single(Op::Ge, false),
        "<=" => single(Op::Le, false),
        ">" => single(Op::Gt, false),
        "<" => single(Op::Lt, false),
        // `~=5.3.1`: >=5.3.1 and ==5.3.*; `~=5.3`: >=5.3 and ==5.*.
        "~=" if release.len() >= 2 => Some(vec![
            ge(&release),
            Clause {
                op: Op::Eq,
                release: release.iter().take(release.len() - 1).copied().collect(),
                prefix: true,
            },
        ]),
        // Poetry's caret: up to the next change of the first non-zero number.
        "^" => {
            let first = release.iter().position(|n| *n != 0).unwrap_or(0);
            Some(vec![
                ge(&release),
                below(&release, first.min(release.len() - 1)),
            ])
        }
        // Poetry's tilde: `~5.3` and `~5.3.1` up to the next minor, `~5` up to the next major.
        "~" => Some(vec![
            ge(&release),
            below(&release, release.len().min(2) - 1),
        ]),
        // conda's `=5.3` is a prefix (`5.3.*`); so is a bare conda version.
        "=" => single(Op::Eq, true),
        "" if dialect == Dialect::Conda => single(Op::Eq, true),
        "" => single(Op::Eq, prefix),
        _ => None,
    }
}

fn ge(release: &[u32]) -> Clause {
    Clause {
        op: Op::Ge,
        release: release.to_vec(),
        prefix: false,
    }
}

/// `<` the release with number `at` raised by one and the rest dropped (`5.3` at 0: `<6`).
fn below(release: &[u32], at: usize) -> Clause {
    let mut bound: Release = release.iter().take(at + 1).copied().collect();
    if let Some(n) = bound.last_mut() {
        *n += 1;
    }
    Clause {
        op: Op::Lt,
        release: bound,
        prefix: false,
    }
}

/// `5.3.6`, `5.3.*`, `5.3.0rc1`, `v5.3`: the numbers (pre-release and local parts dropped: a
/// minor-level answer does not need them), and whether it ends in `.*`.
fn release(text: &str) -> Option<(Release, bool)> {
    let text = text.trim().trim_start_matches(['v', 'V']);
    let (text, prefix) = match text.strip_suffix(".*") {
        Some(t) => (t, true),
        None => (text, false),
    };
    let text = text.split('+').next().unwrap_or(text);
    let mut out = Vec::new();
    for part in text.split('.') {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            break;
        }
        out.push(digits.parse().ok()?);
        if digits.len() < part.len() {
            // `0rc1`: what follows the number is a pre-release tag.
            break;
        }
    }
    (!out.is_empty()).then_some((out, prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minors(text: &str, dialect: Dialect) -> String {
        let a = allowed(text, dialect).expect(text);
        let mut s = a.set.describe();
        if a.newer {
            s.push_str(" +newer");
        }
        if a.older {
            s.push_str(" +older");
        }
        s
    }

    #[test]
    fn pep440() {
        let p = Dialect::Pep440;
        assert_eq!(minors("==3.1.25", p), "3.1");
        assert_eq!(minors(">=4", p), "4.0 to 5.7 +newer");
        assert_eq!(minors(">=5.2,<6", p), "5.2 to 5.7 +newer");
        assert_eq!(minors(">= 5.2 , < 6.0", p), "5.2 to 5.7 +newer");
        assert_eq!(minors(">=5.2,<5.8", p), "5.2 to 5.7");
        assert_eq!(minors("~=4.4", p), "4.4");
        assert_eq!(minors("~=5.3", p), "5.3 to 5.7 +newer");
        assert_eq!(minors("~=5.3.1", p), "5.3");
        assert_eq!(minors("==5.3.*", p), "5.3");
        assert_eq!(minors("==5.*", p), "5.0 to 5.7 +newer");
        assert_eq!(minors("<5", p), "3.0 to 4.4 +older");
        assert_eq!(minors("<5.3", p), "3.0 to 5.2 +older");
        assert_eq!(minors(">5.3", p), "5.3 to 5.7 +newer");
        assert_eq!(minors("<=5.3", p), "3.0 to 5.3 +older");
        assert_eq!(minors(">=5.3,!=5.5.*", p), "5.3, 5.4, 5.6, 5.7 +newer");
        assert_eq!(minors(">=5.3,!=5.5.0", p), "5.3 to 5.7 +newer");
        assert_eq!(minors("==5.5.0rc1", p), "5.5");
        assert_eq!(minors("", p), "3.0 to 5.7 +newer +older");
        assert_eq!(minors("==6.0", p), "(none) +newer");
        assert_eq!(minors("==2.5.3", p), "(none) +older");
        assert_eq!(minors(">=5.8.1", p), "(none) +newer");
        assert!(allowed("=>5", p).is_none());
    }

    #[test]
    fn poetry() {
        let p = Dialect::Poetry;
        assert_eq!(minors("^5.2", p), "5.2 to 5.7 +newer");
        assert_eq!(minors("^4.4.7", p), "4.4");
        assert_eq!(minors("~5.3", p), "5.3");
        assert_eq!(minors("~5", p), "5.0 to 5.7 +newer");
        assert_eq!(minors("5.3.6", p), "5.3");
        assert_eq!(minors("5.3.*", p), "5.3");
        assert_eq!(minors("*", p), "3.0 to 5.7 +newer +older");
        assert_eq!(minors(">=5.3 <5.5", p), "5.3, 5.4");
        assert_eq!(minors(">= 5.3, < 5.5", p), "5.3, 5.4");
        assert_eq!(minors("^4.4 || ^5.3", p), "4.4, 5.3 to 5.7 +newer");
    }

    #[test]
    fn conda() {
        let c = Dialect::Conda;
        assert_eq!(minors("=5.3", c), "5.3");
        assert_eq!(minors("=5", c), "5.0 to 5.7 +newer");
        assert_eq!(minors("5.3.6", c), "5.3");
        assert_eq!(minors("==5.3.6", c), "5.3");
        assert_eq!(minors(">=5.3,<5.5", c), "5.3, 5.4");
        assert_eq!(minors("4.4.*|5.3.*", c), "4.4, 5.3");
    }
}
