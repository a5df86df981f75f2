//! `checkval stat roc FILE --score COL --truth COL --positive VALUE [--direction higher|lower]`

use super::{output, CommonArgs};
use crate::analysis::validity::{roc_records, Benchmark};
use crate::io::numeric::read_numeric;
use crate::stats::roc::{CutoffRule, Direction};
use anyhow::Result;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  checkval stat roc classrooms.csv --score checklist_total --truth low_quality --positive 1 --direction lower
  checkval stat roc asah.csv --score s100b --truth outcome --positive Poor --direction higher --format json
  checkval stat roc data.csv --score s --truth y --positive Sí --rule min-sensitivity --min-sensitivity 80

--direction says which scores indicate the positive class; it is never flipped, even when the
AUC comes out below .5. Statistics: auc (DeLong CI and a stratified bootstrap CI),
youden_threshold (or chosen_threshold), sensitivity, specificity, ppv, npv (Wilson CIs),
screening_benchmark_met, and a cutoff record per threshold.";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    pub file: PathBuf,
    #[arg(long)]
    pub score: String,
    #[arg(long)]
    pub truth: String,
    /// Value of the truth column that marks a positive unit.
    #[arg(long)]
    pub positive: String,
    /// higher: higher scores indicate positives; lower: lower scores do.
    #[arg(long, value_enum, default_value_t = Direction::Higher)]
    pub direction: Direction,
    /// Cut-off rule: youden, closest or min-sensitivity.
    #[arg(long, value_enum, default_value_t = RuleArg::Youden)]
    pub rule: RuleArg,
    /// Minimum sensitivity (percent) for --rule min-sensitivity.
    #[arg(long, default_value_t = 80)]
    pub min_sensitivity: u32,
    /// Benchmark: lower CI bound of the AUC at least this.
    #[arg(long, default_value_t = 0.75)]
    pub bench_auc: f64,
    /// Benchmark: sensitivity and specificity at least this at the chosen cut-off.
    #[arg(long, default_value_t = 0.70)]
    pub bench_se_sp: f64,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `--rule` (the percentage of `min-sensitivity` comes from `--min-sensitivity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RuleArg {
    Youden,
    Closest,
    MinSensitivity,
}

pub fn run(a: Args) -> Result<String> {
    let o = a.common.opts()?;
    let t = read_numeric(&a.file, Some(std::slice::from_ref(&a.score)), std::slice::from_ref(&a.truth))?;
    let pos = crate::io::table::fold_code(&a.positive);
    let mut score = Vec::new();
    let mut truth = Vec::new();
    for (i, r) in t.rows.iter().enumerate() {
        let tv = &t.text[0][i];
        if let Some(s) = r[0] {
            if !crate::io::numeric::MISSING.contains(&tv.as_str()) {
                score.push(s);
                truth.push(crate::io::table::fold_code(tv) == pos);
            }
        }
    }
    let dir = a.direction;
    let rule = match a.rule {
        RuleArg::Youden => CutoffRule::Youden,
        RuleArg::Closest => CutoffRule::Closest,
        RuleArg::MinSensitivity => CutoffRule::MinSensitivity(a.min_sensitivity),
    };
    let bench =
        Benchmark { min_auc_lower: a.bench_auc, min_sensitivity: a.bench_se_sp, min_specificity: a.bench_se_sp };
    let mut recs = roc_records(&score, &truth, dir, rule, bench, None, &o, "stat", true);
    for r in &mut recs {
        r.context.insert("score".into(), a.score.clone().into());
    }
    Ok(output::render(&recs, a.common.format, a.common.lang))
}
