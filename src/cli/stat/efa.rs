//! `checkval stat efa FILE --items ... --factors K|auto`: exploratory factor analysis.

use super::{output, split_list, CommonArgs};
use crate::analysis::efa::{efa_records, CorKind, EfaRequest, Factors};
use crate::error::{ErrorKind, InputError};
use crate::io::numeric::read_numeric;
use crate::stats::efa::{FitMethod, Rotation};
use anyhow::Result;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  checkval stat efa items.csv --items x1,x2,x3,x4,x5,x6,x7,x8,x9 --factors 3
  checkval stat efa items.csv --factors auto --seed 7 --format json
  checkval stat efa items.csv --factors 2 --method minres --rotation promax
  checkval stat efa checklist.csv --factors 1 --cor polychoric --format csv > efa.csv

Input: one row per observation, one column per item; rows with a missing item are dropped
(listwise). Matches psych::fa: --method ml (default) or minres, --rotation oblimin (GPArotation,
gamma 0; default), promax (m = 4, Kaiser-normalised varimax first), varimax or none.
Columns are signed to a positive sum and ordered by decreasing variance accounted for (psych).
Records: loading (item, factor), factor_correlation (factor, factor2; oblique rotations),
communality and uniqueness (item), chisq (Bartlett-corrected, with p and df), df, rmsea (90% CI),
tli. --factors auto runs parallel analysis first (--parallel-iter simulated normal data sets,
seeded; factor eigenvalues with squared multiple correlations on the diagonal, as
psych::fa.parallel(fa = \"fa\", SMC = TRUE)) and writes parallel_analysis_factors,
parallel_analysis_components and eigenvalue (kind real|simulated, basis fa|pc, index).";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// CSV/TSV file, one row per observation.
    pub file: PathBuf,
    /// Item columns (default: every column).
    #[arg(long, value_name = "A,B,...")]
    pub items: Option<String>,
    /// Number of factors, or `auto` for parallel analysis.
    #[arg(long, default_value = "1", value_name = "K|auto")]
    pub factors: String,
    /// Extraction method.
    #[arg(long, value_enum, default_value_t = FitMethod::Ml)]
    pub method: FitMethod,
    /// Rotation.
    #[arg(long, value_enum, default_value_t = Rotation::Oblimin)]
    pub rotation: Rotation,
    /// Correlation matrix to factor.
    #[arg(long, value_enum, default_value_t = CorKind::Pearson)]
    pub cor: CorKind,
    /// Simulated data sets for parallel analysis (--factors auto).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub parallel_iter: usize,
    #[command(flatten)]
    pub common: CommonArgs,
}

fn factors(s: &str) -> Result<Factors> {
    if s.trim().eq_ignore_ascii_case("auto") {
        return Ok(Factors::Auto);
    }
    match s.trim().parse::<usize>() {
        Ok(k) if k >= 1 => Ok(Factors::Fixed(k)),
        _ => Err(InputError::new(ErrorKind::Usage, "--factors")
            .found(s.to_string())
            .expected("a number of factors ≥ 1, or auto")
            .into()),
    }
}

pub fn run(a: Args) -> Result<String> {
    let o = a.common.opts()?;
    let req = EfaRequest {
        factors: factors(&a.factors)?,
        method: a.method,
        rotation: a.rotation,
        cor: a.cor,
        seed: o.seed,
        n_iter: a.parallel_iter,
    };
    let cols = split_list(&a.items);
    let t = read_numeric(&a.file, cols.as_deref(), &[])?;
    let recs = efa_records(&t.rows, &t.names, &req);
    Ok(output::render(&recs, a.common.format, a.common.lang))
}
