//! `checkval stat agree FILE [--raters A,B,...] [--level ...]`

use super::{output, split_list, CommonArgs};
use crate::analysis::reliability::agree_records;
use crate::io::numeric::read_numeric;
use crate::stats::agreement::Level;
use anyhow::Result;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  checkval stat agree pairs.csv --raters primary,reliability --level ordinal
  checkval stat agree ratings.csv --level nominal --format json
  checkval stat agree class_cycles.csv --level interval --bootstrap 5000

Input: one row per unit, one column per rater; blank/NA = not rated (every statistic handles it).
Statistics: percent_agreement, within_one_agreement (ordered levels), cohen_kappa,
weighted_kappa_linear, weighted_kappa_quadratic (exactly two raters; weights from category
values), fleiss_kappa, conger_kappa, gwet_ac1, gwet_ac2 (linear weights at ordinal level,
quadratic at interval/ratio), brennan_prediger, krippendorff_alpha (bootstrap CI).";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// CSV/TSV file, one row per unit.
    pub file: PathBuf,
    /// Rater columns (default: every column).
    #[arg(long, value_name = "A,B,...")]
    pub raters: Option<String>,
    /// Measurement level: nominal, ordinal, interval or ratio.
    #[arg(long, value_enum, default_value_t = Level::Nominal)]
    pub level: Level,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(a: Args) -> Result<String> {
    let o = a.common.opts()?;
    let cols = split_list(&a.raters);
    let t = read_numeric(&a.file, cols.as_deref(), &[])?;
    let level = a.level;
    let recs = agree_records(&t.rows, level, &o, "stat");
    Ok(output::render(&recs, a.common.format, a.common.lang))
}
