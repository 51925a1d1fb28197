//! Writing fixed files safely: the original encoding, BOM and permissions are kept, and the new
//! content goes to a temporary file in the same directory that is then renamed over the
//! original, so an interrupted run leaves either the old file or the new one.

use std::io::Write;
use std::path::Path;

use celint_syntax::source::SourceFile;

/// Writes `text` over `path`, encoded as the file on disk is encoded now.
pub fn write_fixed(path: &Path, text: &str) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| celint_project::discover::io_message(&e))?;
    if meta.permissions().readonly() {
        return Err("permission denied (the file is read-only)".to_string());
    }
    let original = std::fs::read(path).map_err(|e| celint_project::discover::io_message(&e))?;
    let bytes = encode_like(&original, path, text)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".celint-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| {
            format!(
                "cannot create a temporary file next to it: {}",
                celint_project::discover::io_message(&e)
            )
        })?;
    tmp.write_all(&bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| celint_project::discover::io_message(&e))?;
    std::fs::set_permissions(tmp.path(), meta.permissions())
        .map_err(|e| celint_project::discover::io_message(&e))?;
    tmp.persist(path)
        .map_err(|e| celint_project::discover::io_message(&e.error))?;
    Ok(())
}

/// `text` in the encoding (and with the BOM) of `original`.
fn encode_like(original: &[u8], path: &Path, text: &str) -> Result<Vec<u8>, String> {
    let src = SourceFile::decode(String::new(), path.to_path_buf(), original)
        .map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(text.len() + 3);
    if src.bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    match src.encoding {
        None => out.extend_from_slice(text.as_bytes()),
        Some(enc) => {
            let (bytes, _, unmappable) = enc.encode(text);
            if unmappable {
                return Err(format!("the fix cannot be written in {}", enc.name()));
            }
            out.extend_from_slice(&bytes);
        }
    }
    Ok(out)
}
