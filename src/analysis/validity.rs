//! Records for correlations, ROC and Bland–Altman analyses.

use super::{sub_seed, StatOpts};
use crate::results::Record;
use crate::stats::bland_altman::bland_altman;
use crate::stats::bootstrap::{
    bca_ci, jackknife_influence, percentile_ci, resample_clusters, resample_count_blocks, resample_counts,
};
use crate::stats::correlation::{corr_weighted, correlate, jackknife, Method};
use crate::stats::roc::{self, AucOrder, CutoffRule, Direction};
use crate::stats::Na;

/// Correlation records for one pair of variables: the analytic CI, then (if `bootstrap > 0`)
/// percentile and BCa bootstrap CIs, resampling units or, with `cluster`, whole clusters.
pub fn corr_records(
    x: &[f64],
    y: &[f64],
    methods: &[Method],
    cluster: Option<(&[usize], usize)>,
    o: &StatOpts,
    label: &str,
) -> Vec<Record> {
    let mut out = Vec::new();
    for &m in methods {
        let name = m.stat_name();
        let c = match correlate(x, y, m, o.ci_level) {
            Ok(c) => c,
            Err(na) => {
                out.push(Record::new(name, Err(na)).n(x.len()));
                continue;
            }
        };
        let mut r = Record::new(name, Ok(c.r)).n(c.n);
        if let Some((lo, hi)) = c.ci {
            r = r.ci(lo, hi, o.ci_level, c.ci_method);
        } else {
            r = r.ctx("ci_na_reason", "|r| = 1");
        }
        if let Some(p) = c.p_value {
            r = r.p(p);
        }
        out.push(r);
        if o.bootstrap == 0 {
            continue;
        }
        let seed = sub_seed(o.seed, &format!("corr/{label}/{name}"));
        // Pearson: per-cluster sufficient statistics make a replicate (and a left-out cluster)
        // O(clusters); formed once for the bootstrap and the jackknife.
        let ss = (m == Method::Pearson).then(|| PearsonSums::by_cluster(x, y, cluster));
        let reps = match (&ss, cluster) {
            (Some(ss), _) => {
                resample_count_blocks(ss.len(), o.bootstrap, seed, |w, reps| PearsonSums::r_weighted_block(ss, w, reps))
            }
            (_, Some((cl, k))) => resample_clusters(cl, k, o.bootstrap, seed, || (), |w, _| corr_weighted(x, y, w, m)),
            (_, None) => resample_counts(x.len(), o.bootstrap, seed, || (), |w, _| corr_weighted(x, y, w, m)),
        };
        let what =
            if cluster.is_some() { "cluster bootstrap (whole clusters resampled)" } else { "bootstrap over units" };
        let (n_def, se) = {
            let v: Vec<f64> = reps.iter().flatten().copied().collect();
            (v.len(), crate::stats::descriptive::sd(&v).ok())
        };
        let base = |method: String| {
            let mut r = Record::new(name, Ok(c.r)).n(c.n).ctx("bootstrap_replicates", n_def);
            if let Some(se) = se {
                r = r.se(se);
            }
            r.ctx("ci_kind", method)
        };
        if let Some((lo, hi, _)) = percentile_ci(&reps, o.ci_level) {
            out.push(base("percentile".into()).ci(lo, hi, o.ci_level, &format!("percentile, {what}")));
        }
        let loo = if let Some(ss) = &ss {
            // Leave one cluster out = weight 0 on that cluster's sums.
            let mut w = vec![1u32; ss.len()];
            (0..ss.len())
                .filter(|&c| ss[c].0[0] > 0.0)
                .filter_map(|c| {
                    w[c] = 0;
                    let r = PearsonSums::r_weighted(ss, &w);
                    w[c] = 1;
                    r
                })
                .collect()
        } else {
            jackknife(x, y, cluster, m)
        };
        let infl = jackknife_influence(&loo);
        if let Some((lo, hi)) = bca_ci(&reps, c.r, &infl, o.ci_level) {
            out.push(base("bca".into()).ci(lo, hi, o.ci_level, &format!("BCa, {what}")));
        }
    }
    out
}

/// Sums `(n, Σx, Σy, Σx², Σy², Σxy)` of one cluster (or unit).
#[derive(Debug, Clone, Copy, Default)]
pub struct PearsonSums([f64; 6]);

impl PearsonSums {
    /// One entry per cluster (clusters in index order) or per unit.
    pub fn by_cluster(x: &[f64], y: &[f64], cluster: Option<(&[usize], usize)>) -> Vec<PearsonSums> {
        let k = cluster.map_or(x.len(), |c| c.1);
        let mut v = vec![PearsonSums::default(); k];
        for i in 0..x.len() {
            let c = cluster.map_or(i, |(cl, _)| cl[i]);
            let s = &mut v[c].0;
            s[0] += 1.0;
            s[1] += x[i];
            s[2] += y[i];
            s[3] += x[i] * x[i];
            s[4] += y[i] * y[i];
            s[5] += x[i] * y[i];
        }
        v
    }

    /// Pearson r of the sample in which cluster `c` appears `w[c]` times (`w` has one count per
    /// cluster), from the weighted totals ([`Self::totals`]).
    pub fn r_weighted(ss: &[PearsonSums], w: &[u32]) -> Option<f64> {
        Self::r_of_totals(&Self::totals(ss, [w])[0])
    }

    /// [`Self::r_weighted`] for the `reps` replicates of a bootstrap block, replicate `r`'s counts
    /// at `w[r n..(r + 1) n]` (`n = ss.len()`), as [`resample_count_blocks`] hands them over.
    /// Four replicates are summed in one pass over the clusters ([`Self::totals`]): their running
    /// sums are independent, so the processor overlaps them instead of waiting on one chain of
    /// additions. Each replicate's sums are formed in the same order as in [`Self::r_weighted`],
    /// so the results are equal bit for bit (test `pearson_block_equals_single`).
    pub fn r_weighted_block(ss: &[PearsonSums], w: &[u32], reps: usize) -> Vec<Option<f64>> {
        const LANES: usize = 4;
        let n = ss.len();
        let counts = |q: usize| &w[q * n..(q + 1) * n];
        let mut out = Vec::with_capacity(reps);
        let mut r = 0;
        while r + LANES <= reps {
            out.extend(Self::totals::<LANES>(ss, std::array::from_fn(|q| counts(r + q))).iter().map(Self::r_of_totals));
            r += LANES;
        }
        out.extend((r..reps).map(|q| Self::r_weighted(ss, counts(q))));
        out
    }

    /// The weighted totals `(n, Σx, Σy, Σx², Σy², Σxy)` of `L` replicates in one pass over the
    /// clusters, cluster `c` weighted by `ws[q][c]` in replicate `q`; each total is summed in
    /// cluster order. Without a branch on a zero weight: a cluster drawn 0 times adds
    /// `0 · s = ±0`, which leaves every sum unchanged (a sum starts at +0 and is never −0 in
    /// round-to-nearest), so the result is that of skipping it, bit for bit; the sums are finite.
    fn totals<const L: usize>(ss: &[PearsonSums], ws: [&[u32]; L]) -> [[f64; 6]; L] {
        let mut t = [[0.0f64; 6]; L];
        for (c, s) in ss.iter().enumerate() {
            for q in 0..L {
                let f = ws[q][c] as f64;
                for k in 0..6 {
                    t[q][k] += f * s.0[k];
                }
            }
        }
        t
    }

    /// Pearson r from the weighted totals `(n, Σx, Σy, Σx², Σy², Σxy)`.
    fn r_of_totals(t: &[f64; 6]) -> Option<f64> {
        let n = t[0];
        if n < 3.0 {
            return None;
        }
        let sxx = t[3] - t[1] * t[1] / n;
        let syy = t[4] - t[2] * t[2] / n;
        let sxy = t[5] - t[1] * t[2] / n;
        if !(sxx > 1e-12 * t[3].abs().max(1.0) && syy > 1e-12 * t[4].abs().max(1.0)) {
            return None;
        }
        Some((sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
    }
}

/// Screening benchmark for a ROC result.
#[derive(Debug, Clone, Copy)]
pub struct Benchmark {
    pub min_auc_lower: f64,
    pub min_sensitivity: f64,
    pub min_specificity: f64,
}

impl Default for Benchmark {
    fn default() -> Self {
        Benchmark { min_auc_lower: 0.75, min_sensitivity: 0.70, min_specificity: 0.70 }
    }
}

/// The name of a cut-off rule in records (`rule`): `youden`, `closest_to_01`,
/// `min_sensitivity_NN`.
pub fn rule_name(rule: CutoffRule) -> String {
    match rule {
        CutoffRule::Youden => "youden".to_string(),
        CutoffRule::Closest => "closest_to_01".to_string(),
        CutoffRule::MinSensitivity(p) => format!("min_sensitivity_{p}"),
    }
}

/// ROC records: `auc` (DeLong CI; then bootstrap CI, stratified or by cluster), the chosen
/// cut-off (`youden_threshold` or `chosen_threshold`), `sensitivity`, `specificity`, `ppv`, `npv`
/// with Wilson CIs, the benchmark verdict, and one `cutoff` record per threshold.
#[allow(clippy::too_many_arguments)]
pub fn roc_records(
    score: &[f64],
    truth: &[bool],
    dir: Direction,
    rule: CutoffRule,
    bench: Benchmark,
    cluster: Option<(&[usize], usize)>,
    o: &StatOpts,
    label: &str,
    with_cutoffs: bool,
) -> Vec<Record> {
    let mut out = Vec::new();
    let dname = dir.name();
    let a = match roc::auc_delong(score, truth, dir, o.ci_level) {
        Ok(a) => a,
        Err(na) => return vec![Record::new("auc", Err(na)).n(score.len()).ctx("direction", dname)],
    };
    let common = |r: Record| r.ctx("direction", dname).ctx("n_positive", a.n_pos).ctx("n_negative", a.n_neg);
    out.push(common(Record::new("auc", Ok(a.auc)).n(score.len()).se(a.se).ci(a.ci.0, a.ci.1, o.ci_level, "DeLong")));
    if o.bootstrap > 0 {
        let seed = sub_seed(o.seed, &format!("roc/{label}"));
        let boot = match cluster {
            Some((cl, k)) => {
                let ord = AucOrder::new(score, truth, dir);
                let reps = if AucOrder::cluster_weights_exact(cl, k) {
                    // The AUC takes the cluster counts directly (the same draws and, exact, the
                    // same value as spreading them over the units).
                    let ord = ord.by_cluster(cl);
                    resample_counts(k, o.bootstrap, seed, || (), |cc, _| ord.auc(cc))
                } else {
                    resample_clusters(cl, k, o.bootstrap, seed, || (), |w, _| ord.auc(w))
                };
                percentile_ci(&reps, o.ci_level)
                    .map(|(l, h, _)| (l, h, "percentile, cluster bootstrap (whole clusters resampled)"))
            }
            None => roc::auc_bootstrap(score, truth, dir, o.bootstrap, seed, o.ci_level)
                .ok()
                .map(|(l, h)| (l, h, "percentile, stratified bootstrap")),
        };
        if let Some((l, h, m)) = boot {
            out.push(
                common(Record::new("auc", Ok(a.auc)).n(score.len()).ci(l, h, o.ci_level, m))
                    .ctx("bootstrap_replicates", o.bootstrap),
            );
        }
    }
    let cuts = roc::cutoffs(score, truth, dir);
    let rule_name = rule_name(rule);
    let flag = if dir == Direction::Higher { "score >= threshold" } else { "score <= threshold" };
    match roc::choose(&cuts, rule) {
        Some(i) => {
            let c = &cuts[i];
            let thr_name = if rule == CutoffRule::Youden { "youden_threshold" } else { "chosen_threshold" };
            out.push(
                common(Record::new(thr_name, Ok(c.threshold)))
                    .ctx("rule", rule_name.as_str())
                    .ctx("flag", flag)
                    .ctx("youden_j", c.youden),
            );
            let prop = |name: &str, k: usize, n: usize| {
                let est = if n > 0 { Ok(k as f64 / n as f64) } else { Err(Na::new("empty denominator")) };
                let mut r = Record::new(name, est).n(n).ctx("threshold", c.threshold).ctx("rule", rule_name.as_str());
                if let Some((l, h)) = roc::wilson(k, n, o.ci_level) {
                    r = r.ci(l, h, o.ci_level, "Wilson");
                }
                r
            };
            let se = prop("sensitivity", c.tp, c.tp + c.fn_);
            let sp = prop("specificity", c.tn, c.tn + c.fp);
            let meets = a.ci.0 >= bench.min_auc_lower
                && c.sensitivity >= bench.min_sensitivity
                && c.specificity >= bench.min_specificity;
            out.push(se);
            out.push(sp);
            out.push(prop("ppv", c.tp, c.tp + c.fp));
            out.push(prop("npv", c.tn, c.tn + c.fn_));
            out.push(
                Record::new("screening_benchmark_met", Ok(if meets { 1.0 } else { 0.0 }))
                    .ctx(
                        "criterion",
                        format!(
                            "AUC CI lower >= {}, sensitivity >= {}, specificity >= {}",
                            bench.min_auc_lower, bench.min_sensitivity, bench.min_specificity
                        ),
                    )
                    .ctx("meets_criterion", meets)
                    .ctx("auc_ci_low", a.ci.0),
            );
        }
        None => {
            out.push(Record::na("youden_threshold", "no cut-off satisfies the rule").ctx("rule", rule_name.as_str()))
        }
    }
    if with_cutoffs && o.bootstrap > 0 {
        let grid: Vec<f64> = (0..=50).map(|i| i as f64 / 50.0).collect();
        let seed = sub_seed(o.seed, &format!("roc-envelope/{label}"));
        if let Some(env) = roc::roc_envelope(score, truth, dir, cluster, o.bootstrap, seed, o.ci_level, &grid) {
            let method = if cluster.is_some() {
                "percentile, cluster bootstrap (vertical averaging)"
            } else {
                "percentile, bootstrap (vertical averaging)"
            };
            for (fpr, lo, hi) in env {
                out.push(Record::new("roc_envelope", Ok(fpr)).ci(lo, hi, o.ci_level, method).ctx("fpr", fpr));
            }
        }
    }
    if with_cutoffs {
        for c in &cuts {
            let mut r = Record::new("cutoff", Ok(c.youden))
                .n(score.len())
                .ctx("threshold", c.threshold)
                .ctx("flag", flag)
                .ctx("sensitivity", c.sensitivity)
                .ctx("specificity", c.specificity)
                .ctx("tp", c.tp)
                .ctx("fp", c.fp)
                .ctx("tn", c.tn)
                .ctx("fn", c.fn_);
            if let Some(v) = c.ppv() {
                r = r.ctx("ppv", v);
            }
            if let Some(v) = c.npv() {
                r = r.ctx("npv", v);
            }
            if let Some((l, h)) = roc::wilson(c.tp, c.tp + c.fn_, o.ci_level) {
                r = r.ctx("sensitivity_ci_low", l).ctx("sensitivity_ci_high", h);
            }
            if let Some((l, h)) = roc::wilson(c.tn, c.tn + c.fp, o.ci_level) {
                r = r.ctx("specificity_ci_low", l).ctx("specificity_ci_high", h);
            }
            out.push(r);
        }
    }
    out
}

/// Bland–Altman records: `bias`, `sd_difference`, `loa_low`, `loa_high`, `proportional_bias_slope`.
pub fn bland_altman_records(a: &[f64], b: &[f64], o: &StatOpts) -> Vec<Record> {
    match bland_altman(a, b, o.ci_level) {
        Ok(r) => {
            let mut v = vec![
                Record::new("bias", Ok(r.bias)).n(r.n).ci(r.bias_ci.0, r.bias_ci.1, o.ci_level, "t"),
                Record::new("sd_difference", Ok(r.sd)).n(r.n),
                Record::new("loa_low", Ok(r.loa_low)).n(r.n).ci(
                    r.loa_low_ci.0,
                    r.loa_low_ci.1,
                    o.ci_level,
                    "t, SE = √(3s²/n) (Bland & Altman 1986)",
                ),
                Record::new("loa_high", Ok(r.loa_high)).n(r.n).ci(
                    r.loa_high_ci.0,
                    r.loa_high_ci.1,
                    o.ci_level,
                    "t, SE = √(3s²/n) (Bland & Altman 1986)",
                ),
            ];
            v.push(match r.slope {
                Ok((s, l, h, p)) => Record::new("proportional_bias_slope", Ok(s))
                    .n(r.n)
                    .ci(l, h, o.ci_level, "t (OLS of difference on mean)")
                    .p(p),
                Err(na) => Record::new("proportional_bias_slope", Err(na)),
            });
            v
        }
        Err(na) => vec![Record::new("bias", Err(na))],
    }
}

#[cfg(test)]
mod tests {
    use super::PearsonSums;

    /// The four-at-a-time block sums give every replicate exactly the value of the one-at-a-time
    /// sums, including a block whose size is not a multiple of four and zero counts.
    #[test]
    fn pearson_block_equals_single() {
        let n = 37;
        let x: Vec<f64> = (0..n * 3).map(|i| ((i * 7919) % 101) as f64 / 13.0).collect();
        let y: Vec<f64> = x.iter().enumerate().map(|(i, v)| v * 0.6 + ((i * 31) % 17) as f64 / 7.0).collect();
        let cl: Vec<usize> = (0..x.len()).map(|i| i % n).collect();
        let ss = PearsonSums::by_cluster(&x, &y, Some((&cl, n)));
        let reps = 11;
        let w: Vec<u32> = (0..reps * n).map(|i| ((i * 2654435761usize) >> 7) as u32 % 4).collect();
        let block = PearsonSums::r_weighted_block(&ss, &w, reps);
        assert_eq!(block.len(), reps);
        for (q, b) in block.iter().enumerate() {
            let one = PearsonSums::r_weighted(&ss, &w[q * n..(q + 1) * n]);
            assert_eq!(b.map(f64::to_bits), one.map(f64::to_bits), "replicate {q}");
            assert!(one.is_some(), "replicate {q} should be defined");
        }
    }
}
