//! The model-load heuristic, data in `blocking.toml`'s `[heuristic]` table: a call into a known
//! ML package that no catalogue entry names counts as a model load when one of its constant
//! string arguments names a weights file (by extension) or a model-hub id (`org/name`).
//! Ten of the twelve hazards missed on real repositories were such loads: this catches the
//! constructors and loaders the catalogue does not list yet, and says why it counted them.

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Heuristic {
    pub packages: Vec<String>,
    pub weights_extensions: Vec<String>,
    pub hub_ids: bool,
    /// Words in a callee's last name that make it something else than a load (`torch.save`).
    pub skip: Vec<String>,
    pub reason: String,
    pub reference: String,
}

impl Heuristic {
    /// Does a call of `path` fall under the heuristic at all (its package is listed and its
    /// name is not a save or an export)?
    pub fn covers(&self, path: &str) -> bool {
        let top = path.split('.').next().unwrap_or(path);
        let last = path.rsplit('.').next().unwrap_or(path).to_ascii_lowercase();
        self.packages.iter().any(|p| p == top) && !self.skip.iter().any(|w| last.contains(w))
    }

    /// Why a call of `path` with these constant string arguments counts as a model load, or
    /// `None` when it does not.
    pub fn model_load(&self, path: &str, strings: &[&str]) -> Option<String> {
        if !self.covers(path) {
            return None;
        }
        // A weights file anywhere among the arguments says more than a hub id does.
        let weights = strings.iter().find_map(|s| {
            let lower = s.to_ascii_lowercase();
            let ext = self
                .weights_extensions
                .iter()
                .find(|e| lower.ends_with(e.as_str()))?;
            Some(format!(
                "counted as a model load: `{path}` is given `{s}`, a weights file (`{ext}`)"
            ))
        });
        weights.or_else(|| {
            let id = strings.iter().find(|s| self.hub_ids && is_hub_id(s))?;
            Some(format!(
                "counted as a model load: `{path}` is given `{id}`, a model-hub id"
            ))
        })
    }
}

/// Files a hub id never ends in: a `configs/model.py` argument is a path, not a model.
const NOT_MODELS: &[&str] = &[
    ".py", ".yaml", ".yml", ".json", ".txt", ".cfg", ".toml", ".ini", ".csv", ".jpg", ".jpeg",
    ".png", ".wav", ".mp3", ".mp4", ".pdf",
];

/// `org/name` as the Hugging Face hub writes model ids: one slash, both sides non-empty, letters,
/// digits, `-`, `_` and `.` only, not starting with `.` (so not `./x` or `../x`).
fn is_hub_id(s: &str) -> bool {
    let Some((org, name)) = s.split_once('/') else {
        return false;
    };
    let part = |p: &str| {
        !p.is_empty()
            && !p.starts_with('.')
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    let lower = name.to_ascii_lowercase();
    part(org) && part(name) && !NOT_MODELS.iter().any(|e| lower.ends_with(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h() -> Heuristic {
        Heuristic {
            packages: vec!["torch".into(), "ultralytics".into()],
            weights_extensions: vec![".pt".into(), ".onnx".into()],
            hub_ids: true,
            skip: vec!["save".into()],
            reason: String::new(),
            reference: String::new(),
        }
    }

    #[test]
    fn weights_files_and_hub_ids() {
        let h = h();
        assert!(h
            .model_load("ultralytics.RTDETR2", &["models/rtdetr-l.pt"])
            .is_some());
        assert!(h
            .model_load("torch.hub.load", &["facebookresearch/dinov2", "x"])
            .is_some());
        assert!(h.model_load("torch.foo", &["Model.ONNX"]).is_some());
        // Not a load: another package, a save, no weights, a path with several parts.
        assert!(h.model_load("numpy.load", &["x.pt"]).is_none());
        assert!(h.model_load("torch.save", &["x.pt"]).is_none());
        assert!(h.model_load("torch.tensor", &["hello"]).is_none());
        assert!(h.model_load("torch.foo", &["a/b/c"]).is_none());
        assert!(h.model_load("torch.foo", &["./x"]).is_none());
        assert!(h.model_load("torch.foo", &["a b/c"]).is_none());
        assert!(h.model_load("torch.foo", &["configs/model.py"]).is_none());
        let why = h
            .model_load("torch.foo", &["configs/m.py", "w.pt"])
            .unwrap_or_default();
        assert!(why.ends_with("`w.pt`, a weights file (`.pt`)"), "{why}");
    }
}
