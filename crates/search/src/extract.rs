//! Text of uploaded documents for the index: DOCX (the paragraphs of
//! `word/document.xml`), XLSX (every sheet's cells), PDF (its text layer;
//! a scanned page without one yields nothing), plain text and CSV.
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
    } else if name.ends_with(".pdf") || content_type == "application/pdf" {
        pdf(bytes)
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

/// A malformed PDF must not take the indexer down: the parser's panics are
/// caught and the file indexed by name only.
fn pdf(bytes: &[u8]) -> String {
    match std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes)) {
        Ok(Ok(text)) => text,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "PDF text not extracted");
            String::new()
        }
        Err(_) => {
            tracing::warn!("PDF parser failed on a malformed file");
            String::new()
        }
    }
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
        assert_eq!(text("a.pdf", "application/pdf", b"%PDF-1.4 broken"), "");
    }

    /// A one-page PDF with a text layer, made with lopdf.
    fn sample_pdf(line: &str) -> Vec<u8> {
        use lopdf::content::{Content, Operation};
        use lopdf::{Document, Object, Stream, dictionary};
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font_id = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => "Courier",
        });
        let resources_id = doc.add_object(dictionary! {
            "Font" => dictionary! { "F1" => font_id },
        });
        let content = Content {
            operations: vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 12.into()]),
                Operation::new("Td", vec![72.into(), 720.into()]),
                Operation::new("Tj", vec![Object::string_literal(line)]),
                Operation::new("ET", vec![]),
            ],
        };
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        });
        let pages = dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        };
        doc.objects.insert(pages_id, Object::Dictionary(pages));
        let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog_id);
        let mut buf = Vec::new();
        doc.save_to(&mut buf).unwrap();
        buf
    }

    #[test]
    fn pdf_text_layer() {
        let pdf = sample_pdf("JT-2023-0201 XQZ-24-DECISION");
        let t = text("scan.pdf", "application/pdf", &pdf);
        assert!(
            t.contains("JT-2023-0201") && t.contains("XQZ-24-DECISION"),
            "{t:?}"
        );
    }
}
