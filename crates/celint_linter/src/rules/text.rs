//! Finding messages are one short sentence (Ruff's habit): what is wrong, under
//! `MAX_MESSAGE` characters, with the reason, the timeout's source and the trace in notes.
//! Code quoted from the user's file can be any length, so it is shortened here, in one place.

/// A message is shorter than this, in characters.
pub const MAX_MESSAGE: usize = 120;

/// Code quoted in backticks longer than this is shortened.
const MAX_CODE: usize = 40;

/// The message with each backticked piece of code over `MAX_CODE` characters shortened to
/// its callee (`sys.exit(...)`) or its first characters (`very_long_na...`).
pub fn shorten_code(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut parts = message.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    // Odd pieces are inside backticks; an unpaired last backtick leaves its text as it is.
    let rest: Vec<&str> = parts.collect();
    let paired = rest.len() - rest.len() % 2;
    for (i, piece) in rest.iter().enumerate() {
        out.push('`');
        if i % 2 == 0 && i < paired {
            out.push_str(&shorten(piece));
        } else {
            out.push_str(piece);
        }
    }
    out
}

/// The message for the first line, and the whole text for a note when it had to change. A
/// message that fits is kept as it is; one that does not has its quoted code shortened, and
/// one still too long (a parser's message quoting a long token) is cut at a word, so that
/// every output's first line stays short and the note keeps every name.
pub fn first_line(message: &str) -> (String, Option<String>) {
    if message.chars().count() < MAX_MESSAGE && !message.contains('\n') {
        return (message.to_string(), None);
    }
    let short = shorten_code(message);
    if short.chars().count() < MAX_MESSAGE {
        return (short, Some(message.to_string()));
    }
    let limit = MAX_MESSAGE - 4;
    let head: String = short.chars().take(limit).collect();
    let cut = head
        .rfind(' ')
        .filter(|i| *i > limit / 2)
        .unwrap_or(head.len());
    let kept = head.get(..cut).unwrap_or(&head).trim_end();
    (format!("{kept} ..."), Some(message.to_string()))
}

fn shorten(code: &str) -> String {
    let first_line = code.lines().next().unwrap_or("");
    if code.chars().count() <= MAX_CODE && first_line.len() == code.len() {
        return code.to_string();
    }
    if let Some((callee, _)) = first_line.split_once('(') {
        if !callee.is_empty() && callee.chars().count() + 5 <= MAX_CODE {
            return format!("{callee}(...)");
        }
    }
    // A long dotted name keeps its last parts, whole: `...from_pretrained`.
    if !first_line.contains('(') && first_line.contains('.') {
        let mut tail = String::new();
        for part in first_line.rsplit('.') {
            let next = if tail.is_empty() {
                part.to_string()
            } else {
                format!("{part}.{tail}")
            };
            if next.chars().count() + 3 > MAX_CODE {
                break;
            }
            tail = next;
        }
        if !tail.is_empty() {
            return format!("...{tail}");
        }
    }
    let head: String = first_line.chars().take(MAX_CODE - 3).collect();
    format!("{head}...")
}

/// The text with its first letter upper-cased (a catalogue's "network call ..." opening a
/// message).
pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overlong_message_is_cut_at_a_word_and_kept_whole_in_a_note() {
        let long = format!("SyntaxError: {}", "word ".repeat(40));
        let (first, note) = first_line(&long);
        assert!(first.chars().count() < MAX_MESSAGE, "{first}");
        assert!(first.ends_with("word ..."), "{first}");
        assert_eq!(note.as_deref(), Some(long.as_str()));
        assert_eq!(first_line("short"), ("short".to_string(), None));
        // Code is shortened only when the message would be too long, and the note keeps it.
        let name = "BlipForConditionalGeneration.from_pretrained";
        let fits = format!("Model loading `{name}` of unknown duration");
        assert_eq!(first_line(&fits), (fits.clone(), None));
        let long = format!("{fits} {}", "and more words ".repeat(5));
        let (first, note) = first_line(&long);
        assert!(
            first.starts_with("Model loading `...from_pretrained` of"),
            "{first}"
        );
        assert_eq!(note, Some(long));
    }

    #[test]
    fn long_code_is_shortened_short_code_kept() {
        assert_eq!(
            shorten_code("`sys.exit(\"x\")` in `worker_process_init`"),
            "`sys.exit(\"x\")` in `worker_process_init`"
        );
        assert_eq!(
            shorten_code("`sys.exit(\"not enough disk space on the volume, sorry\")` stops"),
            "`sys.exit(...)` stops"
        );
        assert_eq!(
            shorten_code("`raise RuntimeError(\n  \"a\")` x"),
            "`raise RuntimeError(...)` x"
        );
        let long_name = "a".repeat(60);
        assert_eq!(
            shorten_code(&format!("`{long_name}` and an unpaired ` tick")),
            format!("`{}...` and an unpaired ` tick", "a".repeat(37))
        );
    }
}
