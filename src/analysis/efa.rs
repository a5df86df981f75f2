//! Exploratory factor analysis records (`checkval stat efa`): loadings, factor correlations,
//! communalities, uniquenesses, fit statistics and parallel analysis (see `stats::efa`).

use crate::results::Record;
use crate::stats::efa::{fit_efa, parallel_analysis, EfaFit, FitMethod, Parallel, Rotation};
use crate::stats::polychoric::polychoric_matrix;
use crate::stats::{Na, StatResult};

/// Which correlation matrix is factored (`--cor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CorKind {
    /// Pearson product-moment correlations.
    Pearson,
    /// Polychoric correlations (ordinal items; the values of each item are its ordered categories).
    Polychoric,
}

/// How many factors (`--factors K|auto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factors {
    Fixed(usize),
    /// Parallel analysis on the factor eigenvalues (`stats::efa::parallel_analysis`).
    Auto,
}

/// One EFA request.
#[derive(Debug, Clone, Copy)]
pub struct EfaRequest {
    pub factors: Factors,
    pub method: FitMethod,
    pub rotation: Rotation,
    pub cor: CorKind,
    pub seed: u64,
    /// Parallel-analysis replicates.
    pub n_iter: usize,
}

/// Complete rows (listwise deletion) of the item matrix.
pub fn complete_rows(rows: &[Vec<Option<f64>>]) -> Vec<Vec<f64>> {
    rows.iter()
        .filter(|r| r.iter().all(|v| v.is_some()))
        .map(|r| r.iter().map(|v| v.unwrap_or(0.0)).collect())
        .collect()
}

/// The correlation matrix (`p × p`, row-major) of complete rows; NA for a constant item.
pub fn correlation_matrix(x: &[Vec<f64>], names: &[String], cor: CorKind) -> StatResult<Vec<f64>> {
    let p = names.len();
    let n = x.len();
    for j in 0..p {
        let first = x.first().map(|r| r[j]);
        if x.iter().all(|r| Some(r[j]) == first) {
            return Err(Na::new(format!("item {} is constant", names[j])));
        }
    }
    match cor {
        CorKind::Pearson => {
            let mean: Vec<f64> = (0..p).map(|j| x.iter().map(|r| r[j]).sum::<f64>() / n as f64).collect();
            let mut c = vec![0.0; p * p];
            for r in x {
                for a in 0..p {
                    for b in 0..=a {
                        c[a * p + b] += (r[a] - mean[a]) * (r[b] - mean[b]);
                    }
                }
            }
            let mut out = vec![0.0; p * p];
            for a in 0..p {
                for b in 0..=a {
                    let v = c[a * p + b] / (c[a * p + a] * c[b * p + b]).sqrt();
                    out[a * p + b] = v;
                    out[b * p + a] = v;
                }
            }
            Ok(out)
        }
        CorKind::Polychoric => {
            let mut levels: Vec<Vec<f64>> = Vec::with_capacity(p);
            for j in 0..p {
                let mut v: Vec<f64> = x.iter().map(|r| r[j]).collect();
                v.sort_by(|a, b| a.total_cmp(b));
                v.dedup();
                if v.len() > 20 {
                    return Err(Na::new(format!("item {} has {} values: too many for polychoric", names[j], v.len())));
                }
                levels.push(v);
            }
            let data: Vec<Vec<usize>> = x
                .iter()
                .map(|r| (0..p).map(|j| levels[j].iter().position(|l| *l == r[j]).unwrap_or(0)).collect())
                .collect();
            polychoric_matrix(&data, &levels.iter().map(|l| l.len()).collect::<Vec<_>>())
        }
    }
}

fn factor_name(j: usize) -> String {
    format!("F{}", j + 1)
}

fn parallel_records(pa: &Parallel, n: usize) -> Vec<Record> {
    let method = format!("parallel analysis, {} simulated normal data sets, 95th percentile", pa.n_iter);
    let mut out = vec![
        Record::new("parallel_analysis_factors", Ok(pa.n_factors as f64))
            .n(n)
            .ctx("basis", "fa")
            .ctx("method", method.clone()),
        Record::new("parallel_analysis_components", Ok(pa.n_components as f64))
            .n(n)
            .ctx("basis", "pc")
            .ctx("method", method),
    ];
    for (basis, real, sim) in [("fa", &pa.real_fa, &pa.sim_fa), ("pc", &pa.real_pc, &pa.sim_pc)] {
        for (i, (r, s)) in real.iter().zip(sim.iter()).enumerate() {
            out.push(Record::new("eigenvalue", Ok(*r)).ctx("kind", "real").ctx("basis", basis).ctx("index", i + 1));
            out.push(
                Record::new("eigenvalue", Ok(*s))
                    .ctx("kind", "simulated")
                    .ctx("basis", basis)
                    .ctx("index", i + 1)
                    .ctx("quantile", 0.95),
            );
        }
    }
    out
}

fn fit_records(f: &EfaFit, items: &[String], n: usize, req: &EfaRequest) -> Vec<Record> {
    let tag = |r: Record| {
        let r = r.ctx("method", format!("{:?}", req.method).to_lowercase()).ctx("rotation", req.rotation.name());
        if f.converged {
            r
        } else {
            r.ctx("warning", "the optimiser or the rotation did not reach its tolerance")
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        for j in 0..f.k {
            out.push(tag(Record::new("loading", Ok(f.loadings[i * f.k + j]))
                .ctx("item", item.as_str())
                .ctx("factor", factor_name(j))));
        }
    }
    if let Some(phi) = &f.phi {
        for a in 0..f.k {
            for b in a + 1..f.k {
                let r = Record::new("factor_correlation", Ok(phi[a * f.k + b]));
                out.push(tag(r.ctx("factor", factor_name(a)).ctx("factor2", factor_name(b))));
            }
        }
    }
    for (i, item) in items.iter().enumerate() {
        out.push(tag(Record::new("communality", Ok(f.communality[i])).ctx("item", item.as_str())));
        out.push(tag(Record::new("uniqueness", Ok(f.uniqueness[i])).ctx("item", item.as_str())));
    }
    let mut chi = Record::new("chisq", Ok(f.chisq)).n(n).ctx("df", f.df).ctx("factors", f.k);
    if let Some(p) = f.p_value {
        chi = chi.p(p);
    }
    out.push(tag(chi));
    out.push(tag(Record::new("df", Ok(f.df)).n(n).ctx("factors", f.k)));
    out.push(tag(match f.rmsea {
        Some((r, lo, hi)) => Record::new("rmsea", Ok(r)).n(n).ci(lo, hi, 0.90, "noncentral chi-square (psych)"),
        None => Record::na("rmsea", "0 degrees of freedom"),
    }));
    out.push(tag(Record::new("tli", Ok(f.tli)).n(n)));
    out
}

/// EFA records for the item matrix `rows` (listwise deletion of incomplete rows): parallel
/// analysis when `--factors auto`, then the fitted model. Degenerate input (a constant item,
/// fewer than 3 complete rows, too many factors) gives NA records with the reason.
pub fn efa_records(rows: &[Vec<Option<f64>>], items: &[String], req: &EfaRequest) -> Vec<Record> {
    let x = complete_rows(rows);
    let n = x.len();
    let p = items.len();
    let na = |reason: String| vec![Record::na("loading", reason).n(n)];
    if n < 3 || p < 3 {
        return na(format!("EFA needs ≥ 3 complete rows and ≥ 3 items (found {n} rows, {p} items)"));
    }
    let r = match correlation_matrix(&x, items, req.cor) {
        Ok(r) => r,
        Err(e) => return na(e.0),
    };
    let mut out = Vec::new();
    let k = match req.factors {
        Factors::Fixed(k) => k,
        Factors::Auto => match parallel_analysis(&r, p, n, req.n_iter, req.seed) {
            Ok(pa) => {
                out.extend(parallel_records(&pa, n));
                if pa.n_factors == 0 {
                    out.extend(na("parallel analysis retained no factor".into()));
                    return out;
                }
                pa.n_factors
            }
            Err(e) => return na(e.0),
        },
    };
    match fit_efa(&r, p, n, k, req.method, req.rotation) {
        Ok(f) => out.extend(fit_records(&f, items, n, req)),
        Err(e) => out.extend(na(e.0)),
    }
    out
}
