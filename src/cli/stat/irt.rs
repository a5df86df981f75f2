//! `checkval stat irt FILE --items ... --model rasch|1pl|2pl`: IRT for binary items.

use super::{output, split_list, CommonArgs};
use crate::analysis::irt::irt_records;
use crate::error::{ErrorKind, InputError};
use crate::io::numeric::read_numeric;
use crate::stats::irt::IrtModel;
use anyhow::Result;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  checkval stat irt answers.csv --items q1,q2,q3,q4,q5 --model 2pl
  checkval stat irt answers.csv --model rasch --format json
  checkval stat irt answers.csv --model 1pl --quadrature 41 --format csv > irt.csv

Input: one row per person, one column per item, answers 0/1 (blank/NA = missing, skipped in the
likelihood). Marginal ML with a N(0,1) trait and Gauss-Hermite quadrature (21 points, as ltm):
rasch fixes every discrimination at 1 (ltm rasch(X, constraint = cbind(p + 1, 1))), 1pl estimates
one common discrimination (ltm rasch(X)), 2pl one per item (ltm ltm(X ~ z1)).
Records: difficulty and discrimination (item; SEs from the observed information), loglik, aic,
bic, infit and outfit mean squares (item; at each person's EAP theta), item_information (item,
theta) and test_information (theta) on theta = -4..4 by 0.5, marginal_reliability (mirt's
marginal_rxx).";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// CSV/TSV file, one row per person, answers 0/1.
    pub file: PathBuf,
    /// Item columns (default: every column).
    #[arg(long, value_name = "A,B,...")]
    pub items: Option<String>,
    /// IRT model.
    #[arg(long, value_enum, default_value_t = IrtModel::TwoPl)]
    pub model: IrtModel,
    /// Gauss-Hermite quadrature points.
    #[arg(long, default_value_t = 21, value_name = "N")]
    pub quadrature: usize,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// 0/1 answers, or an error naming the column and the data row of the first other value.
pub fn binary_rows(
    file: &std::path::Path,
    rows: &[Vec<Option<f64>>],
    names: &[String],
) -> Result<Vec<Vec<Option<u8>>>> {
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let mut v = Vec::with_capacity(r.len());
        for (j, x) in r.iter().enumerate() {
            v.push(match x {
                None => None,
                Some(x) if *x == 0.0 => Some(0),
                Some(x) if *x == 1.0 => Some(1),
                Some(x) => {
                    return Err(InputError::new(ErrorKind::InvalidValue, file)
                        .column(names[j].clone())
                        .found(format!("{x} in data row {}", i + 1))
                        .expected("binary answers 0 or 1 (blank or NA for missing)")
                        .into())
                }
            });
        }
        out.push(v);
    }
    Ok(out)
}

pub fn run(a: Args) -> Result<String> {
    a.common.opts()?;
    if !(5..=201).contains(&a.quadrature) {
        return Err(InputError::new(ErrorKind::Usage, "--quadrature")
            .found(a.quadrature.to_string())
            .expected("between 5 and 201 points")
            .into());
    }
    let cols = split_list(&a.items);
    let t = read_numeric(&a.file, cols.as_deref(), &[])?;
    let rows = binary_rows(&a.file, &t.rows, &t.names)?;
    let recs = irt_records(&rows, &t.names, a.model, a.quadrature);
    Ok(output::render(&recs, a.common.format, a.common.lang))
}
