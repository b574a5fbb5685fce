//! Any bytes offered as a CSV file: decoded (UTF-8 / GBK / GB18030), read and
//! checked against the contract without panicking; every rejected cell names
//! a row and a reason.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(raw) = xingjian_records::read::read_csv(data) {
        if let Ok(checked) = xingjian_records::validate::check(&raw, None) {
            assert!(checked.rejected_rows() <= raw.rows.len());
        }
    }
});
