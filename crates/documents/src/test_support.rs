//! Reading DOCX parts back in tests.

use std::io::Read;

pub fn part(docx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a zip");
    let mut s = String::new();
    zip.by_name(name)
        .expect("part present")
        .read_to_string(&mut s)
        .expect("utf-8");
    s
}

pub fn text_of(xml: &str) -> String {
    // The visible text: the content of every <w:t> element, in order.
    let mut out = String::new();
    let mut rest = xml;
    while let Some(i) = rest.find("<w:t") {
        rest = &rest[i..];
        let Some(open_end) = rest.find('>') else {
            break;
        };
        if rest[..open_end].ends_with('/') {
            rest = &rest[open_end..];
            continue;
        }
        let after = &rest[open_end + 1..];
        let Some(close) = after.find("</w:t>") else {
            break;
        };
        out.push_str(&after[..close]);
        rest = &after[close..];
    }
    out
}
