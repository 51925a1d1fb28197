//! Directories named in deployment files, mapped onto the project.
//!
//! A deployment file names directories on the machine it deploys to: `/srv/proj/website` in a
//! systemd unit, `/app` in a container. celint needs the project's directory for each.
//!
//! - A server's path (systemd, supervisord, init.d, Makefiles, scripts): an existing directory
//!   inside a project root is itself; otherwise the longest tail of it that is a directory below
//!   the deployment file's own directory or one of its ancestors up to the root (a checkout at
//!   `/srv/proj` with `website/` in it: `/srv/proj/website` is the project's `website/`); a tail
//!   that starts with the root's own name counts from the root (`/home/me/proj` is the root
//!   `proj`). No such tail: unknown.
//! - A container's path: through what is copied or mounted there (`COPY . /app`, a compose
//!   volume `.:/app`), the longest such directory that holds it; nothing holds it: unknown.

use std::path::{Component, Path, PathBuf};

use super::shell::normalize;

/// How many trailing parts of a server's path are tried.
const MAX_PARTS: usize = 12;

/// A directory of the project copied or mounted at a container path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Mount {
    /// The container path, absolute and normalised.
    pub(crate) at: String,
    pub(crate) host: PathBuf,
}

/// The project directory a container path is, through `mounts` (later mounts over earlier
/// ones at the same depth).
pub(crate) fn map_container(path: &str, mounts: &[Mount]) -> Option<PathBuf> {
    let path = normalize(Path::new(path));
    let mut best: Option<(usize, PathBuf)> = None;
    for m in mounts {
        let Ok(rest) = path.strip_prefix(&m.at) else {
            continue;
        };
        let depth = Path::new(&m.at).components().count();
        if best.as_ref().is_none_or(|(d, _)| depth >= *d) {
            best = Some((depth, normalize(&m.host.join(rest))));
        }
    }
    best.map(|(_, p)| p)
}

/// `dir` joined onto the container directory `base` (when `dir` is relative), normalised.
pub(crate) fn container_join(base: &str, dir: &str) -> String {
    let joined = if dir.starts_with('/') {
        PathBuf::from(dir)
    } else {
        Path::new(if base.is_empty() { "/" } else { base }).join(dir)
    };
    normalize(&joined).to_string_lossy().into_owned()
}

/// The project directory a server's absolute path stands for (see the module's notes).
pub(crate) fn map_server(path: &str, file_dir: &Path, roots: &[PathBuf]) -> Option<PathBuf> {
    let path = normalize(Path::new(path));
    if roots.iter().any(|r| path.starts_with(r)) && path.is_dir() {
        return Some(path);
    }
    let parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let anchors = anchors(file_dir, roots);
    // Only the last few parts can match a project's directories.
    for k in parts.len().saturating_sub(MAX_PARTS)..parts.len() {
        let tail = parts.get(k..).unwrap_or_default();
        for a in &anchors {
            let name = a.file_name().map(|n| n.to_string_lossy().into_owned());
            let tails = [
                Some(tail),
                tail.get(1..).filter(|_| tail.first() == name.as_ref()),
            ];
            for t in tails.into_iter().flatten() {
                let candidate = t.iter().fold(a.clone(), |p, c| p.join(c));
                if candidate.is_dir() {
                    return Some(candidate);
                }
            }
        }
    }
    None
}

/// The deployment file's directory and its ancestors up to the root holding it (the roots
/// themselves when none does), nearest first.
fn anchors(file_dir: &Path, roots: &[PathBuf]) -> Vec<PathBuf> {
    let root = roots
        .iter()
        .filter(|r| file_dir.starts_with(r))
        .min_by_key(|r| r.components().count());
    match root {
        Some(root) => file_dir
            .ancestors()
            .take_while(|a| a.starts_with(root))
            .map(Path::to_path_buf)
            .collect(),
        None => std::iter::once(file_dir.to_path_buf())
            .chain(roots.iter().cloned())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_paths_by_their_tails() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        std::fs::create_dir_all(root.join("website/conf")).unwrap();
        std::fs::create_dir_all(root.join("deploy")).unwrap();
        let roots = vec![root.clone()];
        let deploy = root.join("deploy");
        let m = |p: &str| map_server(p, &deploy, &roots);
        assert_eq!(m("/srv/proj/website"), Some(root.join("website")));
        assert_eq!(m("/srv/x/website/conf/"), Some(root.join("website/conf")));
        assert_eq!(m("/home/me/proj"), Some(root.clone()));
        assert_eq!(m("/opt/elsewhere"), None);
        assert_eq!(m("/"), None);
        let inside = root.join("website");
        assert_eq!(m(&inside.to_string_lossy()), Some(inside));
    }

    #[test]
    fn container_paths_through_mounts() {
        let mounts = vec![
            Mount {
                at: "/app".into(),
                host: PathBuf::from("/p"),
            },
            Mount {
                at: "/app/static".into(),
                host: PathBuf::from("/p/assets"),
            },
        ];
        assert_eq!(
            map_container("/app/website/", &mounts),
            Some(PathBuf::from("/p/website"))
        );
        assert_eq!(map_container("/app", &mounts), Some(PathBuf::from("/p")));
        assert_eq!(
            map_container("/app/static/x", &mounts),
            Some(PathBuf::from("/p/assets/x"))
        );
        assert_eq!(map_container("/srv", &mounts), None);
        assert_eq!(map_container("/application", &mounts), None);
        assert_eq!(container_join("/app", "website"), "/app/website");
        assert_eq!(container_join("/app", "/code"), "/code");
        assert_eq!(container_join("", "src"), "/src");
    }
}
