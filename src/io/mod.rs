//! Every file-format quirk lives here: encodings, delimiters, decimal marks, platform group
//! prefixes, date formats, atomic writes and CSV output.

pub mod atomic;
pub mod dialect;
pub mod encoding;
pub mod export;
pub mod formats;
pub mod frame;
pub mod numeric;
pub mod table;
pub mod text;
pub mod values;

pub use table::{ReadOptions, TextTable};
