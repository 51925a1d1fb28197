//! Logical lines: the lines of a file with continued lines joined as the file's reader joins
//! them, each with the number of its first line.

/// How a file continues a line that ends in `\` (the backslash becomes a space).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Continuation {
    /// systemd (systemd.syntax(7)): comment lines inside a continuation are skipped; any
    /// other line, an empty one too, is joined and ends it unless it ends in `\` itself.
    Systemd,
    /// Docker: comment lines and empty lines inside a continuation are skipped.
    Docker,
    /// The shell and make: a line ending in `\` goes on with the next one, whatever it is; a
    /// comment line does not continue.
    Shell,
    /// A backslash does not continue a line: Procfile runners read one command per line (seen
    /// with honcho: `worker: cmd \` runs `cmd \`, the next line is dropped), and YAML
    /// (compose files) keeps it.
    Never,
}

/// The lines of `text` with continued lines joined as `style` says, each with the number of
/// its first line.
pub(crate) fn logical_lines(text: &str, style: Continuation) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut open = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        let comment =
            trimmed.starts_with('#') || style == Continuation::Systemd && trimmed.starts_with(';');
        if open {
            match style {
                Continuation::Systemd if comment => continue,
                Continuation::Docker if comment || trimmed.is_empty() => continue,
                _ => {}
            }
        }
        let (body, continues) = match line.strip_suffix('\\') {
            Some(body) if style != Continuation::Never && (open || !comment) => (body, true),
            _ => (line, false),
        };
        match out.last_mut() {
            Some((_, joined)) if open => {
                joined.push(' ');
                joined.push_str(body);
            }
            _ => out.push((i + 1, body.to_string())),
        }
        open = continues;
    }
    out
}

/// The longest form kept: a megabyte-long line is shown by its start.
const MAX_FORM: usize = 1000;

/// `form`, cut to [`MAX_FORM`] bytes (at a character boundary, with `…`) when longer.
pub(crate) fn clip(form: &str) -> String {
    if form.len() <= MAX_FORM {
        return form.to_string();
    }
    let mut end = MAX_FORM;
    while !form.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", form.get(..end).unwrap_or_default())
}

/// `text` with every run of whitespace made one space, trimmed.
pub(crate) fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::{collapse, logical_lines, Continuation};

    #[test]
    fn continued_lines_are_joined_as_each_file_reads_them() {
        use Continuation::*;
        let unit = "[Service]\nExecStart=/venv/bin/celery -A proj worker \\\n    --loglevel=INFO \\\n# the pool\n    --pool=threads\nRestart=always\n";
        let lines = logical_lines(unit, Systemd);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1].0, 2);
        assert_eq!(
            collapse(&lines[1].1),
            "ExecStart=/venv/bin/celery -A proj worker --loglevel=INFO --pool=threads"
        );
        assert_eq!(lines[2], (6, "Restart=always".to_string()));
        // An empty line ends a systemd continuation; Docker skips it.
        let gap = "X=celery -A proj worker \\\n\n  -P solo\n";
        assert_eq!(logical_lines(gap, Systemd).len(), 2);
        let docker = "CMD celery -A proj worker \\\n\n  # solo for the demo\n  -P solo \\\n";
        let joined = logical_lines(docker, Docker);
        assert_eq!(joined.len(), 1);
        assert_eq!(collapse(&joined[0].1), "CMD celery -A proj worker -P solo");
        // Procfiles and YAML do not continue lines with a backslash.
        let procfile = "worker: celery -A proj worker \\\n  --pool=gevent\n";
        assert_eq!(logical_lines(procfile, Never).len(), 2);
        // Shell scripts and Makefiles do; a comment ending in a backslash does not.
        let script = "# start \\\ncd website && \\\n  celery -A proj worker\n";
        let lines = logical_lines(script, Shell);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].0, 2);
        assert_eq!(collapse(&lines[1].1), "cd website && celery -A proj worker");
    }
}
