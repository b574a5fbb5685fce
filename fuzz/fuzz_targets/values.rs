//! The cell parsers (dates, date-times, money, integers, plates, lists) on any
//! text: no panic, and what they accept is sane.
#![no_main]
use libfuzzer_sys::fuzz_target;
use xingjian_records::values;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = values::parse_date(s) {
        // What is accepted prints back as a date the parser accepts again.
        assert_eq!(values::parse_date(&d.to_string()), Ok(d));
    }
    let _ = values::parse_datetime(s);
    if let Ok(fen) = values::parse_money(s) {
        assert!(fen >= 0, "money is never negative: {s:?} → {fen}");
    }
    let _ = values::parse_integer(s);
    let _ = values::parse_bool(s);
    let _ = values::normalize_plate(s);
    let _ = values::parse_list(s);
    let _ = values::half_width(s);
});
