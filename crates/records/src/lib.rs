//! The import contract for enforcement records (`shared/domain/data-contract.md`):
//! four tables, their columns in Chinese and English, and how each cell is read.
//!
//! Parsing never guesses silently: empty means unknown, and a value that is
//! not understood is reported with the row, column, value and a Chinese reason.

pub mod contract;
pub mod read;
pub mod validate;
pub mod values;

pub use contract::{Column, ColumnKind, Table};
pub use values::Value;
