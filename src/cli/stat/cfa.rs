//! `checkval stat cfa FILE --model '<lavaan syntax>' [--ordered all|A,B,...] [--estimator ml|wlsmv]
//! [--std-lv]`: confirmatory factor analysis as lavaan 0.6.

use super::{output, split_list, CommonArgs};
use crate::analysis::cfa::cfa_records;
use crate::error::{ErrorKind, InputError};
use crate::io::numeric::read_numeric;
use crate::stats::cfa::model::parse_model;
use crate::stats::cfa::{fit_cfa, CfaError, CfaOptions, Estimator};
use anyhow::Result;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  checkval stat cfa hs.csv --model 'visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9'
  checkval stat cfa hs.csv --model 'f1 =~ x1 + x2 + x3; f2 =~ x4 + x5 + x6; f1 ~~ 0*f2' --std-lv --format json
  checkval stat cfa checklist.csv --ordered all --model 'a =~ q1 + q2 + q3 + q4
      b =~ q5 + q6 + q7 + q8
      q1 ~~ q5'

Model syntax (lavaan): 'factor =~ item + item + ...' (loadings; the first is fixed to 1 unless
--std-lv), 'a ~~ b' (a residual covariance between items, or a factor covariance; factor
covariances are free by default), statements separated by ';' or newlines, '#' comments,
pre-multipliers fix a value ('0*f2', '1*x1') and 'NA*x1' frees one.
Estimators: ml (continuous items: sample covariance with N, chi-square = N*F_ML, expected-information
SEs) and wlsmv (ordered items: thresholds and polychoric correlations, DWLS with diagonal weights,
robust SEs, the scaled-and-shifted test); --ordered makes wlsmv the default and all model items
must then be ordered (integer category codes). Rows with a missing model item are dropped
(listwise, as lavaan); n is the rows used.

Records: chisq (p_value, df), df, p_value, cfi, tli, rmsea (90% CI, ML), srmr, aic, bic, loglik (ML),
chisq_scaled, cfi_scaled, tli_scaled, rmsea_scaled (WLSMV), std_loading (factor, item; std.all with
delta-method SE), factor_correlation (factor, factor2), and with ML the 10 largest
modification_index (lhs, op, rhs, epc). A fit that cannot be made (constant item,
non-positive-definite covariance matrix, no convergence) gives NA records with the reason.";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// CSV/TSV file, one row per observation, one column per item.
    pub file: PathBuf,
    /// The model in lavaan syntax (=~ and ~~; ';' or newlines between statements).
    #[arg(long)]
    pub model: String,
    /// Ordered (categorical) items: 'all' or a list naming every model item.
    #[arg(long, value_name = "all|A,B,...")]
    pub ordered: Option<String>,
    /// Estimator (default: wlsmv with --ordered, else ml).
    #[arg(long, value_enum)]
    pub estimator: Option<Estimator>,
    /// Identify factors by fixing their variances to 1 (all loadings free) instead of marker items.
    #[arg(long)]
    pub std_lv: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

fn usage(what: &str, found: impl Into<String>, expected: &str) -> anyhow::Error {
    InputError::new(ErrorKind::Usage, what).found(found).expected(expected).into()
}

/// The estimator from `--estimator` and `--ordered` (which must name every model item).
fn estimator(a: &Args, items: &[String]) -> Result<Estimator> {
    let ordered = match a.ordered.as_deref().map(str::trim) {
        None => false,
        Some("all") => true,
        Some(_) => {
            let list = split_list(&a.ordered).unwrap_or_default();
            if let Some(x) = list.iter().find(|x| !items.contains(x)) {
                return Err(usage("--ordered", x.clone(), "items of the model (or 'all')"));
            }
            if let Some(x) = items.iter().find(|x| !list.contains(x)) {
                return Err(usage(
                    "--ordered",
                    format!("'{x}' not listed"),
                    "every model item ordered, or none (mixed continuous and ordered items are not supported)",
                ));
            }
            true
        }
    };
    match (a.estimator, ordered) {
        (Some(Estimator::Ml), true) => {
            Err(usage("--estimator", "ml with --ordered", "wlsmv for ordered items (or drop --ordered)"))
        }
        (Some(e), _) => Ok(e),
        (None, true) => Ok(Estimator::Wlsmv),
        (None, false) => Ok(Estimator::Ml),
    }
}

pub fn run(a: Args) -> Result<String> {
    let o = a.common.opts()?;
    let model = parse_model(&a.model, a.std_lv, true)
        .map_err(|e| usage("--model", format!("{} in statement '{}'", e.found, e.statement), &e.expected))?;
    let est = estimator(&a, &model.observed)?;
    let t = read_numeric(&a.file, Some(&model.observed), &[])?;
    let rows: Vec<&Vec<Option<f64>>> = t.rows.iter().filter(|r| r.iter().all(|v| v.is_some())).collect();
    let columns: Vec<Vec<f64>> =
        (0..t.names.len()).map(|j| rows.iter().map(|r| r[j].unwrap_or(f64::NAN)).collect()).collect();
    if est == Estimator::Wlsmv {
        for (j, c) in columns.iter().enumerate() {
            if let Some(v) = c.iter().find(|v| v.fract() != 0.0) {
                return Err(InputError::new(ErrorKind::InvalidValue, &a.file)
                    .column(t.names[j].clone())
                    .found(v.to_string())
                    .expected("an integer category code (ordered items)")
                    .into());
            }
        }
    }
    let opts = CfaOptions { estimator: est, std_lv: a.std_lv };
    let fit = match fit_cfa(&columns, &t.names, &a.model, &opts) {
        Ok(f) => Ok(f),
        Err(CfaError::Na(na)) => Err(na),
        Err(e) => return Err(usage("--model", e.to_string(), "a model whose items are columns of the file")),
    };
    let recs = cfa_records(&fit, est, &o);
    Ok(output::render(&recs, a.common.format, a.common.lang))
}
