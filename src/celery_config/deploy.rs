//! The pool that `celery worker` command lines in the project's deployment files choose, which
//! decides which rules apply. The command lines themselves are `worker::commands`' to find (one
//! reading of the files for everything celint takes from them).

use super::{pool_of, Pool, Setting};
use crate::worker::commands::{Command, Program};

/// `-P solo`, `--pool=threads`, `--pool gevent` of every worker and `celery multi start` the
/// project's deployment files run (beat runs no pool; a worker without `-P` says nothing
/// here). A pool celint cannot read (`$POOL`, a Helm template) is an unknown setting.
pub(super) fn command_line_pools(commands: &[Command]) -> Vec<Setting<Pool>> {
    commands
        .iter()
        .filter(|c| c.program != Program::Beat)
        .filter_map(|c| {
            let pool = c.pool.as_deref()?;
            Some(Setting {
                value: pool_of(pool),
                at: format!("{}:{}", crate::source::display_path(&c.file), c.line),
                form: c.form.clone(),
                env_default: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::command_line_pools;
    use crate::celery_config::Pool;
    use crate::worker::commands::from_files;
    use std::path::PathBuf;

    fn pools(name: &str, text: &str) -> Vec<Option<Pool>> {
        let dir = PathBuf::from("/nonexistent/proj");
        let files = vec![(dir.join(name), text.to_string())];
        command_line_pools(&from_files(&files, &[dir]))
            .into_iter()
            .map(|s| s.value)
            .collect()
    }

    #[test]
    fn pools_on_command_lines() {
        use Pool::*;
        assert_eq!(
            pools(
                "Procfile",
                "worker: celery -A proj worker -P solo --loglevel=INFO"
            ),
            vec![Some(Solo)]
        );
        assert_eq!(
            pools(
                "docker-compose.yml",
                "services:\n  w:\n    command: celery -A proj worker --pool=threads\n"
            ),
            vec![Some(Threads)]
        );
        assert_eq!(
            pools(
                "Dockerfile",
                "FROM python\nCMD [\"celery\", \"-A\", \"proj\", \"worker\", \"--pool\", \"gevent\"]\n"
            ),
            vec![Some(Gevent)]
        );
        assert_eq!(
            pools(
                "celery.service",
                "[Service]\nExecStart=/venv/bin/celery -A proj worker -Peventlet\n"
            ),
            vec![Some(Eventlet)]
        );
        assert_eq!(
            pools("Procfile", "beat: celery -A proj beat -P solo"),
            vec![]
        );
        assert_eq!(
            pools("Procfile", "w: celery -A proj worker --loglevel=INFO"),
            vec![]
        );
        assert_eq!(
            pools("Procfile", "w: celery -A proj worker -P $POOL"),
            vec![None]
        );
        assert_eq!(
            pools("Procfile", "w: celery -A proj multi start w1 -P solo"),
            vec![Some(Solo)]
        );
    }
}
