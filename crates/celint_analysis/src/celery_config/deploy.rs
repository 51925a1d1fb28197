//! The pool that `celery worker` command lines in the project's deployment files choose, which
//! decides which rules apply. The command lines themselves are `worker::commands`' to find (one
//! reading of the files for everything celint takes from them).

use super::{pool_of, Pool, Setting};
use crate::worker::commands::{Command, Program};

/// `-P solo`, `--pool=threads`, `--pool gevent` of a worker or `celery multi start` (beat runs
/// no pool; a worker without `-P` says nothing here). A pool celint cannot read (`$POOL`, a
/// Helm template) is an unknown setting.
pub fn command_pool(c: &Command) -> Option<Setting<Pool>> {
    if c.program == Program::Beat {
        return None;
    }
    let pool = c.pool.as_deref()?;
    Some(Setting {
        value: pool_of(pool),
        at: format!(
            "{}:{}",
            celint_syntax::source::display_path(&c.file),
            c.line
        ),
        form: format!("-P {pool}"),
        env_default: None,
    })
}

#[cfg(test)]
mod tests {
    use super::command_pool;
    use crate::celery_config::Pool;
    use crate::worker::commands::from_files;
    use std::path::PathBuf;

    fn pools(name: &str, text: &str) -> Vec<Option<Pool>> {
        let dir = PathBuf::from("/nonexistent/proj");
        let files = vec![(dir.join(name), text.to_string())];
        from_files(&files, &[dir])
            .iter()
            .filter_map(command_pool)
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
