//! The hit export of the contract: CSV (UTF-8 with BOM) or JSON Lines, one hit
//! per line, columns `rule_id, outcome, table, agency, record_key,
//! rule_version, explanation`, then `officers, source_file, source_row`.

use crate::engine::Hit;
use serde::Serialize;
use xingjian_datasets::safe_cell as safe;

pub const COLUMNS: [&str; 10] = [
    "rule_id",
    "outcome",
    "table",
    "agency",
    "record_key",
    "rule_version",
    "explanation",
    "officers",
    "source_file",
    "source_row",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

impl Format {
    /// From a file name: `.jsonl` / `.json` → JSON Lines, otherwise CSV.
    pub fn from_path(path: &std::path::Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("jsonl" | "json" | "ndjson") => Format::Jsonl,
            _ => Format::Csv,
        }
    }
}

#[derive(Serialize)]
struct Line<'a> {
    rule_id: &'a str,
    outcome: &'a str,
    table: &'a str,
    agency: &'a str,
    record_key: &'a str,
    rule_version: u32,
    explanation: &'a str,
    officers: &'a str,
    source_file: &'a str,
    source_row: i64,
}

fn line(h: &Hit) -> Line<'_> {
    Line {
        rule_id: &h.rule_id,
        outcome: h.outcome.code(),
        table: &h.table,
        agency: &h.agency,
        record_key: &h.record_key,
        rule_version: h.rule_version,
        explanation: &h.explanation,
        officers: h.officers.as_deref().unwrap_or(""),
        source_file: &h.source_file,
        source_row: h.source_row,
    }
}

pub fn write(hits: &[Hit], format: Format, out: &mut impl std::io::Write) -> std::io::Result<()> {
    match format {
        Format::Jsonl => {
            for h in hits {
                serde_json::to_writer(&mut *out, &line(h))?;
                out.write_all(b"\n")?;
            }
        }
        Format::Csv => {
            out.write_all("\u{feff}".as_bytes())?;
            let mut w = csv::Writer::from_writer(&mut *out);
            w.write_record(COLUMNS)?;
            for h in hits {
                let l = line(h);
                w.write_record([
                    l.rule_id.to_owned(),
                    l.outcome.to_owned(),
                    l.table.to_owned(),
                    safe(l.agency),
                    safe(l.record_key),
                    l.rule_version.to_string(),
                    safe(l.explanation),
                    safe(l.officers),
                    l.source_file.to_owned(),
                    l.source_row.to_string(),
                ])?;
            }
            w.flush()?;
        }
    }
    Ok(())
}
