//! The byte-level pre-scan: a file can matter to celint only if it names a Celery signal or a
//! setting the rules read, makes a Celery app or defines a task. Only those files are parsed up front; a module that a handler's
//! calls lead into is parsed when it is reached, whatever its content.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};

use celint_catalog::signals::{app_signals, signals};

/// Settings and configuration entry points the rules read (`celery_config.rs`).
const SETTINGS: &[&str] = &[
    "proc_alive_timeout",
    "PROC_ALIVE_TIMEOUT",
    "worker_pool",
    "WORKER_POOL",
    "task_protocol",
    "CELERYD_POOL",
    "broker_url",
    "BROKER_URL",
    // `Celery(..., broker=...)`
    "broker=",
    "broker =",
    "config_from_object",
    "DJANGO_SETTINGS_MODULE",
    // `app.conf.update(make_config())`: the settings are elsewhere
    "conf.update",
];

/// What makes a module one the worker imports (`fork::worker`): a Celery app made, a task
/// defined. CEL010 and CEL011 start from these modules.
const WORKER: &[&str] = &["Celery(", "shared_task", ".task(", ".task\n", ".task\r"];

/// Short pieces of the needles, searched for instead of the needles themselves: at most 32
/// patterns let aho-corasick use its fastest SIMD searcher (Slim Teddy; with the 48 needles it
/// took the slower Fat Teddy, about 60% more time on the benchmark corpus). A needle not
/// containing any piece becomes a piece of its own, so no needle can be lost.
const PIECES: &[&str] = &[
    // Each piece is the part of its needles whose first bytes are rarest in Python source:
    // the searcher proposes a candidate wherever a piece's first bytes occur, and `import`,
    // `conf`, `process`, `user`, `event`, `setup` or `work` occur on most lines of some files.
    "rt_modules",
    "eryd_",
    "p_logg",
    "rker_",
    "ask_",
    "beat_",
    "tlet_pool",
    "r_preload",
    "c_alive",
    "C_ALIVE",
    "WORKER_POOL",
    "CELERYD_POOL",
    "roker",
    "BROKER_URL",
    "ig_from",
    "DJANGO_SETTINGS",
    "f.update",
    ".connect",
    "receiver(",
    "Celery(",
    "d_task",
    ".task",
];

/// The needles (patterns whose presence makes a file matter, then from `connect_first` on,
/// patterns that make it a candidate for alias connections), found through their pieces.
struct Needles {
    ac: AhoCorasick,
    /// What `ac` searches for (the tests check them).
    #[cfg_attr(not(test), allow(dead_code))]
    pieces: Vec<&'static str>,
    /// For each piece: the needles containing it, with the piece's offset in each.
    needles: Vec<Vec<(&'static str, usize, usize)>>,
    connect_first: usize,
}

fn needles() -> Option<&'static Needles> {
    static N: OnceLock<Option<Needles>> = OnceLock::new();
    N.get_or_init(|| {
        // The app's own signals too, as connected (`app.on_after_configure.connect`): found
        // through the `.connect` piece, as a piece of their own (`on_...`) would stop the
        // searcher at every `on_` of a file.
        let app_connects = app_signals()
            .iter()
            .map(|s| &*Box::leak(format!("{}.connect", s.name).into_boxed_str()));
        let mut all: Vec<&'static str> = signals()
            .iter()
            .map(|s| s.name)
            .chain(app_connects)
            .chain(SETTINGS.iter().copied())
            .chain(WORKER.iter().copied())
            .collect();
        let connect_first = all.len();
        all.extend([".connect", "receiver("]);
        let mut pieces: Vec<&'static str> = PIECES.to_vec();
        let mut needles: Vec<Vec<(&'static str, usize, usize)>> = vec![Vec::new(); pieces.len()];
        for (index, needle) in all.iter().enumerate() {
            let found = pieces
                .iter()
                .enumerate()
                .find_map(|(i, p)| needle.find(p).map(|offset| (i, offset)));
            let (piece, offset) = found.unwrap_or_else(|| {
                pieces.push(needle);
                needles.push(Vec::new());
                (pieces.len() - 1, 0)
            });
            if let Some(group) = needles.get_mut(piece) {
                group.push((needle, offset, index));
            }
        }
        // Leftmost-first semantics let aho-corasick use its SIMD (Teddy) prefilter.
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&pieces)
            .ok()
            .map(|ac| Needles {
                ac,
                pieces,
                needles,
                connect_first,
            })
    })
    .as_ref()
}

/// What the pre-scan makes of a file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relevance {
    /// Names a Celery signal or a setting celint reads: parse it.
    Matters,
    /// Calls `.connect` or `receiver(`: parse it if it names a signal alias.
    MayConnect,
    /// Cannot matter.
    No,
}

pub fn classify(bytes: &[u8]) -> Relevance {
    // Without an automaton (it cannot fail to build from fixed plain strings), parse everything.
    let Some(n) = needles() else {
        return Relevance::Matters;
    };
    let mut found = Relevance::No;
    let mut from = 0;
    // Pieces may overlap their needles' other pieces: search on from just after each piece.
    while let Some(m) = n.ac.find(aho_corasick::Input::new(bytes).range(from..)) {
        let group = n
            .needles
            .get(m.pattern().as_usize())
            .map_or(&[][..], Vec::as_slice);
        for &(needle, offset, index) in group {
            let at = m.start().checked_sub(offset);
            let rest = at.and_then(|at| bytes.get(at..)).unwrap_or_default();
            if rest.starts_with(needle.as_bytes()) {
                if index < n.connect_first {
                    return Relevance::Matters;
                }
                found = Relevance::MayConnect;
            }
        }
        from = m.start() + 1;
    }
    found
}

/// Does this file's content mention anything that can make it matter?
pub fn may_matter(bytes: &[u8]) -> bool {
    classify(bytes) == Relevance::Matters
}

/// Does the content name any of `aliases`?
pub struct Aliases(Option<AhoCorasick>);

impl Aliases {
    pub fn new(aliases: &[String]) -> Self {
        if aliases.is_empty() {
            return Aliases(None);
        }
        Aliases(
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(aliases)
                .ok(),
        )
    }

    pub fn named_in(&self, bytes: &[u8]) -> bool {
        self.0.as_ref().is_some_and(|ac| ac.is_match(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::{classify, may_matter, Relevance};

    /// The needles, searched for one by one.
    fn naive(bytes: &[u8]) -> Relevance {
        let n = super::needles().expect("automaton");
        let mut all: Vec<(&str, usize)> = n
            .needles
            .iter()
            .flatten()
            .map(|&(s, _, i)| (s, i))
            .collect();
        all.sort_by_key(|&(_, i)| i);
        let has = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
        if all.iter().any(|&(s, i)| i < n.connect_first && has(s)) {
            Relevance::Matters
        } else if all.iter().any(|&(s, _)| has(s)) {
            Relevance::MayConnect
        } else {
            Relevance::No
        }
    }

    #[test]
    fn pieces_find_exactly_the_needles() {
        let n = super::needles().expect("automaton");
        assert!(n.ac.patterns_len() <= 32, "more than Slim Teddy takes");
        // No piece is a prefix of another: a leftmost-first match never hides a piece that
        // starts at the same place.
        for a in &n.pieces {
            for b in &n.pieces {
                assert!(a == b || !b.starts_with(a), "{a} is a prefix of {b}");
            }
        }
        let mut texts: Vec<String> = Vec::new();
        for (piece, group) in n.pieces.iter().zip(&n.needles) {
            // The piece alone counts only where it is a whole needle.
            texts.push(format!("zz {piece} zz"));
            for &(needle, _, _) in group {
                texts.push(format!("x = 1\n{needle}\n"));
                texts.push(needle[..needle.len() - 1].to_string());
                texts.push(format!("task_worker_{needle}beat_"));
            }
        }
        texts.push("self.task_id = worker_id; broker_x; db.connect()".to_string());
        texts.push("after_setup_task_logge and task_resul".to_string());
        for t in &texts {
            assert_eq!(classify(t.as_bytes()), naive(t.as_bytes()), "{t:?}");
        }
    }

    #[test]
    fn needles() {
        assert!(may_matter(
            b"from celery.signals import worker_process_init\n"
        ));
        assert!(may_matter(b"app = Celery('x', broker='amqp://')"));
        assert!(may_matter(b"CELERYD_PROC_ALIVE_TIMEOUT = 10"));
        assert!(!may_matter(b"import os\nprint(os.getpid())\n"));
        assert_eq!(
            super::classify(b"db.connect()\n"),
            super::Relevance::MayConnect
        );
        assert_eq!(
            super::classify(b"db.connect()\nworker_ready"),
            super::Relevance::Matters
        );
    }
}
