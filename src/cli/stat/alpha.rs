//! `checkval stat alpha FILE [--items A,B,...]`

use super::{output, split_list, CommonArgs};
use crate::analysis::reliability::alpha_records;
use crate::io::numeric::read_numeric;
use anyhow::Result;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  checkval stat alpha items.csv
  checkval stat alpha items.csv --items q1,q2,q3,q4 --format json
  checkval stat alpha items.csv --bootstrap 5000 --seed 7 --format csv > alpha.csv

Input: one row per observation, one column per item; blank/NA = missing (rows with any missing
item are dropped listwise and counted in n_dropped).
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
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(a: Args) -> Result<String> {
    let o = a.common.opts()?;
    let cols = split_list(&a.items);
    let t = read_numeric(&a.file, cols.as_deref(), &[])?;
    let recs = alpha_records(&t.rows, &t.names, &o, "stat");
    Ok(output::render(&recs, a.common.format, a.common.lang))
}
