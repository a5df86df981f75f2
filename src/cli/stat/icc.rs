//! `checkval stat icc FILE [--raters ...]`

use super::{output, split_list, CommonArgs};
use crate::analysis::reliability::icc_records;
use crate::io::numeric::read_numeric;
use anyhow::Result;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  checkval stat icc scores.csv --raters obs1,obs2,obs3
  checkval stat icc scores.csv --format json

Input: one row per target, one column per rater; blank/NA = not rated.
Statistics: icc1, icc2, icc3, icc1k, icc2k, icc3k (targets with complete ratings; F test and the
CIs of R psych) and icc_reml_agreement, icc_reml_consistency, icc_reml_oneway (REML variance
components on every rating, for missing ratings and unbalanced designs).";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// CSV/TSV file, one row per target.
    pub file: PathBuf,
    /// Rater columns (default: every column).
    #[arg(long, value_name = "A,B,...")]
    pub raters: Option<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(a: Args) -> Result<String> {
    let o = a.common.opts()?;
    let cols = split_list(&a.raters);
    let t = read_numeric(&a.file, cols.as_deref(), &[])?;
    let recs = icc_records(&t.rows, &o);
    Ok(output::render(&recs, a.common.format, a.common.lang))
}
