//! Documents Xingjian writes: lists as XLSX, and official documents as DOCX in the layout of 党政机关公文
//! (GB/T 9704-2012): A4, 版心 156 × 225 mm (天头 37 mm, 订口 28 mm), titles in
//! 方正小标宋简体 二号, body in 仿宋_GB2312 三号 on a fixed 28-point line, level-one
//! headings in 黑体, page numbers "— n —" in 宋体 四号 at the foot.
//!
//! Each document is a plain struct filled by the caller; this crate knows
//! nothing of the database.

mod bulletin;
mod letter;
mod minutes;
mod official;
mod table;
#[cfg(test)]
mod test_support;

pub use bulletin::{BulletinDoc, bulletin_docx};
pub use letter::{LetterDoc, ReceiptDoc, letter_docx, receipt_docx};
pub use minutes::{MinutesAttendee, MinutesDoc, MinutesFollowUp, chinese_date, minutes_docx};
pub use table::{Cell, safe_cell, table_xlsx};

/// Why a document could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("DOCX 打包失败：{0}")]
    Pack(String),
}
