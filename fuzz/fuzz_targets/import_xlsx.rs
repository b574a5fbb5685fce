//! Any bytes offered as an XLSX workbook: read and checked without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(raw) = xingjian_records::read::read_xlsx(data, None) {
        let _ = xingjian_records::validate::check(&raw, None);
    }
});
