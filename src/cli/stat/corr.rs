//! `checkval stat corr FILE --x COL --y COL [--method ...] [--cluster COL]`

use super::{output, CommonArgs};
use crate::analysis::validity::corr_records;
use crate::io::numeric::read_numeric;
use crate::stats::correlation::Method;
use anyhow::Result;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  checkval stat corr classrooms.csv --x checklist_total --y class_EBS
  checkval stat corr classrooms.csv --x checklist_total --y class_ESL --method all --cluster center
  checkval stat corr data.csv --x a --y b --method spearman --bootstrap 0 --format json

Pairs with a missing value are dropped. Statistics: pearson_r (Fisher z CI), spearman_rho
(Bonett–Wright CI), kendall_tau_b (Fieller CI); with --bootstrap N > 0, extra records with
percentile and BCa bootstrap CIs, resampling rows or, with --cluster, whole clusters.";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    pub file: PathBuf,
    #[arg(long)]
    pub x: String,
    #[arg(long)]
    pub y: String,
    /// pearson, spearman, kendall or all.
    #[arg(long, value_enum, default_value_t = CorrMethod::Pearson)]
    pub method: CorrMethod,
    /// Cluster column (e.g. center): the bootstrap resamples whole clusters.
    #[arg(long, value_name = "COL")]
    pub cluster: Option<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `--method`: one coefficient, or all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CorrMethod {
    Pearson,
    Spearman,
    Kendall,
    All,
}

pub fn run(a: Args) -> Result<String> {
    let o = a.common.opts()?;
    let text: Vec<String> = a.cluster.iter().cloned().collect();
    let t = read_numeric(&a.file, Some(&[a.x.clone(), a.y.clone()]), &text)?;
    let mut x = Vec::new();
    let mut y = Vec::new();
    let mut cl_names = Vec::new();
    for (i, r) in t.rows.iter().enumerate() {
        if let (Some(u), Some(v)) = (r[0], r[1]) {
            x.push(u);
            y.push(v);
            if !t.text.is_empty() {
                cl_names.push(t.text[0][i].clone());
            }
        }
    }
    let mut uniq = cl_names.clone();
    uniq.sort();
    uniq.dedup();
    let cl: Vec<usize> = cl_names.iter().map(|c| uniq.binary_search(c).expect("cluster")).collect();
    let methods = match a.method {
        CorrMethod::Pearson => vec![Method::Pearson],
        CorrMethod::Spearman => vec![Method::Spearman],
        CorrMethod::Kendall => vec![Method::Kendall],
        CorrMethod::All => vec![Method::Pearson, Method::Spearman, Method::Kendall],
    };
    let cluster = if a.cluster.is_some() { Some((cl.as_slice(), uniq.len())) } else { None };
    let mut recs = corr_records(&x, &y, &methods, cluster, &o, "stat");
    for r in &mut recs {
        r.context.insert("x".into(), a.x.clone().into());
        r.context.insert("y".into(), a.y.clone().into());
        if let Some((_, k)) = cluster {
            r.context.insert("n_clusters".into(), k.into());
        }
    }
    Ok(output::render(&recs, a.common.format, a.common.lang))
}
