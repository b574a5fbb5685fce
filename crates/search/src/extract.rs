//! Text of uploaded documents for the index: DOCX (the paragraphs of
//! `word/document.xml`), XLSX (every sheet's cells), plain text and CSV.
//! Anything else is indexed by its file name only.

use std::io::Read;

/// At most this much text per document goes into the index.
const MAX_CHARS: usize = 200_000;

pub fn text(file_name: &str, content_type: &str, bytes: &[u8]) -> String {
    let name = file_name.to_ascii_lowercase();
    let t = if name.ends_with(".docx") || content_type.contains("wordprocessingml") {
        docx(bytes)
    } else if name.ends_with(".xlsx") || content_type.contains("spreadsheetml") {
        xlsx(bytes)
    } else if name.ends_with(".txt") || name.ends_with(".csv") || content_type.starts_with("text/")
    {
        String::from_utf8_lossy(bytes).into_owned()
    } else {
        String::new()
    };
    t.chars().take(MAX_CHARS).collect()
}

fn docx(bytes: &[u8]) -> String {
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return String::new();
    };
    let mut xml = String::new();
    match zip.by_name("word/document.xml") {
        Ok(mut f) => {
            if f.read_to_string(&mut xml).is_err() {
                return String::new();
            }
        }
        Err(_) => return String::new(),
    }
    let mut out = String::new();
    let mut tag = String::new();
    let mut in_tag = false;
    for c in xml.chars() {
        match c {
            '<' => {
                in_tag = true;
                tag.clear();
            }
            '>' => {
                in_tag = false;
                if tag.starts_with("/w:p") || tag.starts_with("w:br") || tag.starts_with("w:tab") {
                    out.push('\n');
                }
            }
            c if in_tag => tag.push(c),
            c => out.push(c),
        }
    }
    unescape(&out)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn xlsx(bytes: &[u8]) -> String {
    use calamine::Reader;
    let Ok(mut book) = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())) else {
        return String::new();
    };
    let mut out = String::new();
    for name in book.sheet_names() {
        if let Ok(range) = book.worksheet_range(&name) {
            for row in range.rows() {
                let cells: Vec<String> = row.iter().map(ToString::to_string).collect();
                out.push_str(cells.join(" ").trim());
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn plain_text_and_unknown_types() {
        assert_eq!(
            text("a.txt", "text/plain", "现场笔录".as_bytes()),
            "现场笔录"
        );
        assert_eq!(text("a.bin", "application/octet-stream", b"\x00\x01"), "");
        assert_eq!(text("a.docx", "", b"not a zip"), "");
    }
}
