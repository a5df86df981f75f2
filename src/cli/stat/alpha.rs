//! `checkval stat alpha FILE [--items A,B,...]`

use super::{output, split_list, CommonArgs};
use crate::analysis::reliability::{alpha_records, coded_alpha_records};
use crate::io::numeric::{read_coded, read_numeric};
use crate::stats::consistency::Missing;
use crate::stats::item_tables::CodedItems;
use anyhow::Result;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  checkval stat alpha items.csv
  checkval stat alpha items.csv --items q1,q2,q3,q4 --format json
  checkval stat alpha items.csv --bootstrap 5000 --seed 7 --format csv > alpha.csv
  checkval stat alpha items.csv --missing listwise

Input: one row per observation, one column per item; blank/NA = missing. --missing pairwise (the
default, as R psych::alpha and pingouin): each covariance uses the rows where both items are
present; n counts rows with at least one item (the Feldt CI's n), min_pairwise_n the fewest rows
behind a covariance; KR-20 is listwise. --missing listwise: rows with any missing item are
dropped and counted in n_dropped.
Statistics: cronbach_alpha (Feldt CI; a second record with a bootstrap CI), standardized_alpha,
kr20, omega_total, ordinal_alpha; per item: item_mean, item_sd, item_total_corrected, alpha_if_deleted.";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// CSV/TSV file, one row per observation.
    pub file: PathBuf,
    /// Item columns (default: every column).
    #[arg(long, value_name = "A,B,...")]
    pub items: Option<String>,
    /// Missing item values: pairwise (each covariance on the rows where both items are present,
    /// as psych::alpha and pingouin) or listwise (complete rows only).
    #[arg(long, value_enum, default_value_t = Missing::Pairwise)]
    pub missing: Missing,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(a: Args) -> Result<String> {
    let o = a.common.opts()?;
    let cols = split_list(&a.items);
    // Items with few distinct values (the usual case) are read as one byte per cell and every
    // statistic comes from one tabulation pass; continuous items take the row-wise path.
    let recs = match read_coded(&a.file, cols.as_deref())? {
        Some(c) => {
            let items = CodedItems { n_rows: c.n_rows, codes: c.codes, values: c.values };
            coded_alpha_records(&items, &c.names, &o, "stat", a.missing)
        }
        None => {
            let t = read_numeric(&a.file, cols.as_deref(), &[])?;
            alpha_records(&t.rows, &t.names, &o, "stat", a.missing)
        }
    };
    Ok(output::render(&recs, a.common.format, a.common.lang))
}
