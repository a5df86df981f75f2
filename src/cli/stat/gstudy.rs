//! `checkval stat gstudy FILE --score COL --object COL --facets A[,B[,C]] ...`: a G study and D
//! studies on long data (one row per score).

use super::{output, split_list, CommonArgs};
use crate::analysis::gtheory::{gstudy_records, GRequest};
use crate::error::{ErrorKind, InputError};
use crate::io::numeric::read_numeric;
use crate::stats::gtheory::{Design, FacetSpec, LongData, Method};
use anyhow::Result;
use std::collections::HashMap;
use std::path::PathBuf;

const EXAMPLES: &str = "\\
Examples:
  checkval stat gstudy scores.csv --score score --object person --facets item
  checkval stat gstudy class_long.csv --score score --object classroom --facets cycle,observer --method reml
  checkval stat gstudy ratings.csv --score score --object person --facets task,rater --nested rater:task
  checkval stat gstudy pio.csv --score score --object person --facets item,occasion \\\\
      --d-study item=4,8,12 --d-study occasion=1,2 --bootstrap 500 --format json
  checkval stat gstudy pio.csv --score score --object person --facets item,occasion --fixed occasion

Records: variance_component (effect, share, raw = the estimate before a negative ANOVA value is
set to 0, levels; ss/df/ms with ANOVA), then g_coefficient (Eρ²), phi_coefficient (Φ),
sem_relative and sem_absolute for the observed design (with a seeded bootstrap CI over objects
when --bootstrap > 0) and for every D-study combination, each with n_<facet>. --method defaults
to ANOVA for balanced data and REML otherwise (REML matches lme4). REML bootstrap replicates
refit the model: use a few hundred.";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Long data: one row per score.
    pub file: PathBuf,
    /// The score column.
    #[arg(long)]
    pub score: String,
    /// The object of measurement (classroom, person, ...).
    #[arg(long)]
    pub object: String,
    /// Facet columns (up to three), comma-separated.
    #[arg(long, value_name = "A,B,...")]
    pub facets: String,
    /// A nested facet, as INNER:OUTER (raters within tasks: rater:task). Repeatable.
    #[arg(long, value_name = "INNER:OUTER")]
    pub nested: Vec<String>,
    /// A facet averaged over (fixed) in the universe of generalization. Repeatable.
    #[arg(long, value_name = "FACET")]
    pub fixed: Vec<String>,
    /// Variance-component estimation (default: anova if balanced, else reml).
    #[arg(long, value_enum)]
    pub method: Option<Method>,
    /// D-study sample sizes of a facet, as FACET=n1,n2,... Repeatable; every combination is run.
    #[arg(long = "d-study", value_name = "FACET=N,...")]
    pub d_study: Vec<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

fn usage(what: &str, found: String, expected: &str) -> anyhow::Error {
    InputError::new(ErrorKind::Usage, what).found(found).expected(expected).into()
}

/// The design from the flags: facets in order, nesting and fixed facets resolved by name.
fn design(a: &Args) -> Result<(Vec<String>, Design, Vec<bool>)> {
    let names = split_list(&Some(a.facets.clone())).unwrap_or_default();
    if names.is_empty() || names.len() > crate::stats::gtheory::MAX_FACETS {
        return Err(usage("--facets", a.facets.clone(), "one to three facet columns, e.g. item,occasion"));
    }
    let idx = |n: &str, flag: &str| {
        names.iter().position(|x| x == n).ok_or_else(|| usage(flag, n.to_string(), "a facet named in --facets"))
    };
    let mut facets: Vec<FacetSpec> = names.iter().map(FacetSpec::crossed).collect();
    for nest in &a.nested {
        let (inner, outer) =
            nest.split_once(':').ok_or_else(|| usage("--nested", nest.clone(), "INNER:OUTER, e.g. rater:task"))?;
        let i = idx(inner.trim(), "--nested")?;
        facets[i].nested_in = Some(idx(outer.trim(), "--nested")?);
    }
    let mut fixed = vec![false; names.len()];
    for f in &a.fixed {
        fixed[idx(f, "--fixed")?] = true;
    }
    Ok((names, Design { facets }, fixed))
}

/// Every combination of the `--d-study` sizes; facets not named keep their observed size (`None`).
fn d_grid(a: &Args, names: &[String]) -> Result<Vec<Vec<Option<f64>>>> {
    let mut per: Vec<Vec<Option<f64>>> = vec![vec![None]; names.len()];
    for spec in &a.d_study {
        let bad = || usage("--d-study", spec.clone(), "FACET=n1,n2,... with positive sizes, e.g. item=4,8,12");
        let (f, ns) = spec.split_once('=').ok_or_else(bad)?;
        let j = names.iter().position(|x| x == f.trim()).ok_or_else(bad)?;
        let sizes: Vec<f64> =
            ns.split(',').map(|x| x.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| bad())?;
        if sizes.is_empty() || sizes.iter().any(|x| !(*x > 0.0)) {
            return Err(bad());
        }
        per[j] = sizes.into_iter().map(Some).collect();
    }
    let mut grid: Vec<Vec<Option<f64>>> = vec![Vec::new()];
    for sizes in per {
        grid = grid.into_iter().flat_map(|g| sizes.iter().map(move |s| [g.clone(), vec![*s]].concat())).collect();
    }
    Ok(if a.d_study.is_empty() { Vec::new() } else { grid })
}

/// Level labels → indices, in order of first appearance.
fn codes(col: &[String]) -> Vec<u32> {
    let mut map: HashMap<&str, u32> = HashMap::new();
    col.iter()
        .map(|v| {
            let k = map.len() as u32;
            *map.entry(v.as_str()).or_insert(k)
        })
        .collect()
}

pub fn run(a: Args) -> Result<String> {
    let o = a.common.opts()?;
    let (names, design, fixed) = design(&a)?;
    let mut text = vec![a.object.clone()];
    text.extend(names.iter().cloned());
    let t = read_numeric(&a.file, Some(std::slice::from_ref(&a.score)), &text)?;
    let keep: Vec<usize> = (0..t.rows.len()).filter(|&i| t.rows[i][0].is_some()).collect();
    let pick = |c: usize| keep.iter().map(|&i| t.text[c][i].clone()).collect::<Vec<_>>();
    let data = LongData {
        object: codes(&pick(0)),
        facets: (1..=names.len()).map(|c| codes(&pick(c))).collect(),
        score: keep.iter().map(|&i| t.rows[i][0].unwrap_or(0.0)).collect(),
    };
    let d_studies = d_grid(&a, &names)?;
    let req = GRequest { data: &data, design: &design, object: &a.object, method: a.method, d_studies, fixed };
    let recs = gstudy_records(&req, &o, "stat");
    Ok(output::render(&recs, a.common.format, a.common.lang))
}
