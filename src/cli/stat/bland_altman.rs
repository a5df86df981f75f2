//! `checkval stat bland-altman FILE --a COL --b COL`

use super::{output, CommonArgs};
use crate::analysis::validity::bland_altman_records;
use crate::io::numeric::read_numeric;
use anyhow::Result;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  checkval stat bland-altman pairs.csv --a primary_total --b reliability_total
  checkval stat bland-altman visits.csv --a visit1 --b visit2 --format json

Statistics: bias (t CI), sd_difference, loa_low and loa_high (bias ∓ 1.96 SD, with CIs),
proportional_bias_slope (OLS of the difference on the mean, t CI and p).";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    pub file: PathBuf,
    #[arg(long)]
    pub a: String,
    #[arg(long)]
    pub b: String,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub fn run(a: Args) -> Result<String> {
    let o = a.common.opts()?;
    let t = read_numeric(&a.file, Some(&[a.a.clone(), a.b.clone()]), &[])?;
    let (x, y): (Vec<f64>, Vec<f64>) = t.rows.iter().filter_map(|r| Some((r[0]?, r[1]?))).unzip();
    let recs = bland_altman_records(&x, &y, &o);
    Ok(output::render(&recs, a.common.format, a.common.lang))
}
