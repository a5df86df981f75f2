//! Records for internal consistency, agreement and ICCs.

use super::{sub_seed, StatOpts};
use crate::results::Record;
use crate::stats::agreement::{self, Coef, Level, RatingTable, WeightKind};
use crate::stats::consistency::{self, ItemRows, ItemStat, Items, Missing};
use crate::stats::icc;
use crate::stats::labels::Interpretation;
use crate::stats::StatResult;

/// A κ-type coefficient as a record, with an interpretation label when `label` is given.
pub fn coef_record(
    name: &str,
    c: StatResult<Coef>,
    level: f64,
    label: Option<&dyn Fn(f64) -> Interpretation>,
) -> Record {
    match c {
        Ok(c) => {
            let mut r = Record::new(name, Ok(c.estimate)).n(c.n);
            if c.se.is_finite() {
                r = r.se(c.se);
            }
            r = r.ci(c.ci_low, c.ci_high, level, c.ci_method);
            if let Some(p) = c.p_value {
                r = r.p(p);
            }
            if c.pa.is_finite() {
                r = r.ctx("pa", c.pa).ctx("pe", c.pe);
            }
            if let Some(f) = label {
                r = r.ctx("interpretation", f(c.estimate).code());
            }
            r
        }
        Err(na) => Record::new(name, Err(na)),
    }
}

/// `cronbach_alpha` (Feldt CI, plus a bootstrap record when `bootstrap > 0`),
/// `standardized_alpha`, `kr20`, `omega_total`, `ordinal_alpha`, and per item `item_mean`,
/// `item_sd`, `item_total_corrected`, `alpha_if_deleted`; every record carries the rule for
/// missing item values (`missing`).
pub fn alpha_records(
    rows: &[Vec<Option<f64>>],
    names: &[String],
    o: &StatOpts,
    label: &str,
    missing: Missing,
) -> Vec<Record> {
    match missing {
        Missing::Listwise => listwise_alpha_records(rows, names, o, label),
        Missing::Pairwise => pairwise_alpha_records(rows, names, o, label),
    }
}

/// The α record with its Feldt CI (on `n` observations), then the bootstrap record.
fn alpha_ci_records(
    alpha: StatResult<f64>,
    n: usize,
    k: usize,
    o: &StatOpts,
    boot: impl FnOnce() -> StatResult<(f64, f64, usize)>,
) -> Vec<Record> {
    let mut rec = Record::new("cronbach_alpha", alpha.clone());
    if let Ok(a) = alpha {
        if let Ok((lo, hi)) = consistency::feldt_ci(a, n, k, o.ci_level) {
            rec = rec.ci(lo, hi, o.ci_level, "Feldt (F distribution)");
        }
    }
    let mut out = vec![rec];
    if let (true, Ok(a)) = (o.bootstrap > 0, alpha) {
        out.push(match boot() {
            Ok((lo, hi, b)) => Record::new("cronbach_alpha", Ok(a))
                .ci(lo, hi, o.ci_level, "percentile bootstrap over observations")
                .ctx("bootstrap_replicates", b),
            Err(na) => Record::new("cronbach_alpha", Ok(a)).ctx("ci_na_reason", na.0),
        });
    }
    out
}

/// `item_mean`, `item_sd`, `item_total_corrected`, `alpha_if_deleted` per item; `item_n[j]` is
/// the n behind item `j`'s mean and SD.
fn item_records(st: &[ItemStat], names: &[String], item_n: &[usize], with_n: &dyn Fn(Record) -> Record) -> Vec<Record> {
    let mut out = Vec::new();
    for ((s, name), &nj) in st.iter().zip(names).zip(item_n) {
        let item = |r: Record| with_n(r).ctx("item", name.as_str());
        out.push(item(Record::new("item_mean", Ok(s.mean))).n(nj));
        out.push(item(Record::new("item_sd", Ok(s.sd))).n(nj));
        out.push(item(Record::new("item_total_corrected", s.r_drop.clone())));
        out.push(item(Record::new("alpha_if_deleted", s.alpha_if_deleted.clone())));
    }
    out
}

/// Every statistic on the observations with all items present.
fn listwise_alpha_records(rows: &[Vec<Option<f64>>], names: &[String], o: &StatOpts, label: &str) -> Vec<Record> {
    let listwise = Missing::Listwise.name();
    let it = match Items::listwise(rows) {
        Ok(it) => it,
        Err(na) => return vec![Record::new("cronbach_alpha", Err(na)).ctx("missing", listwise)],
    };
    let n = it.n;
    let with_n = |r: Record| r.n(n).ctx("n_dropped", it.dropped).ctx("k", it.k).ctx("missing", listwise);
    let alpha = consistency::cronbach_alpha(&it);
    let seed = sub_seed(o.seed, &format!("alpha/{label}"));
    let mut out: Vec<Record> =
        alpha_ci_records(alpha, it.n, it.k, o, || consistency::alpha_bootstrap(&it, o.bootstrap, seed, o.ci_level))
            .into_iter()
            .map(with_n)
            .collect();
    out.push(with_n(Record::new("standardized_alpha", consistency::standardized_alpha(&it))));
    out.push(with_n(Record::new("kr20", consistency::kr20(&it))));
    out.push(with_n(Record::new("omega_total", consistency::omega_total(&it)).ctx("model", "one-factor ML")));
    out.push(with_n(Record::new("ordinal_alpha", consistency::ordinal_alpha(&it)).ctx("correlations", "polychoric")));
    match consistency::item_stats(&it) {
        Ok(st) => out.extend(item_records(&st, names, &vec![n; it.k], &with_n)),
        Err(na) => out.push(with_n(Record::new("item_mean", Err(na)))),
    }
    out
}

/// Every statistic from the pairwise-complete covariance matrix (psych `alpha`'s default), except
/// KR-20, whose total-score variance needs complete rows (it is computed listwise and says so).
/// `n` counts the observations with at least one item present (psych's and pingouin's n when no
/// row is entirely missing); it is the n of the Feldt CI. `min_pairwise_n` is the smallest number
/// of observations behind a covariance, `n_complete` the listwise n.
fn pairwise_alpha_records(rows: &[Vec<Option<f64>>], names: &[String], o: &StatOpts, label: &str) -> Vec<Record> {
    let pairwise = Missing::Pairwise.name();
    let d = match ItemRows::new(rows) {
        Ok(d) => d,
        Err(na) => return vec![Record::new("cronbach_alpha", Err(na)).ctx("missing", pairwise)],
    };
    let n_complete = d.n_complete();
    let pc = consistency::pairwise_cov(&d);
    let min_pair = pc.as_ref().map_or(0, |pc| pc.min_pair_n());
    let with_n = |r: Record| {
        r.n(d.n)
            .ctx("n_dropped", d.empty)
            .ctx("k", d.k)
            .ctx("missing", pairwise)
            .ctx("min_pairwise_n", min_pair)
            .ctx("n_complete", n_complete)
    };
    let pc = match pc {
        Ok(pc) => pc,
        Err(na) => return vec![with_n(Record::new("cronbach_alpha", Err(na)))],
    };
    let k = d.k;
    let alpha = consistency::alpha_from_cov(&pc.c, k);
    let seed = sub_seed(o.seed, &format!("alpha/{label}"));
    let mut out: Vec<Record> =
        alpha_ci_records(alpha, d.n, k, o, || consistency::alpha_bootstrap_pairwise(&d, o.bootstrap, seed, o.ci_level))
            .into_iter()
            .map(with_n)
            .collect();
    out.push(with_n(Record::new("standardized_alpha", consistency::standardized_alpha_from_cov(&pc.c, k))));
    let listwise = Missing::Listwise.name();
    out.push(match Items::listwise(rows) {
        Ok(it) => Record::new("kr20", consistency::kr20(&it))
            .n(it.n)
            .ctx("n_dropped", it.dropped)
            .ctx("k", it.k)
            .ctx("missing", listwise),
        Err(na) => Record::new("kr20", Err(na)).ctx("missing", listwise),
    });
    out.push(with_n(Record::new("omega_total", consistency::omega_from_cov(&pc.c, k)).ctx("model", "one-factor ML")));
    out.push(with_n(
        Record::new("ordinal_alpha", consistency::ordinal_alpha_pairwise(&d)).ctx("correlations", "polychoric"),
    ));
    let st = consistency::item_stats_from_cov(&pc.c, k, &pc.means);
    let item_n: Vec<usize> = (0..k).map(|j| pc.pair_n[j * k + j]).collect();
    out.extend(item_records(&st, names, &item_n, &with_n));
    out
}

/// Agreement records for a units × raters table at a measurement `level`.
pub fn agree_records(units: &[Vec<Option<f64>>], level: Level, o: &StatOpts, label: &str) -> Vec<Record> {
    let ks = o.kappa_scale;
    let lab = move |k: f64| ks.label(k);
    let t = match RatingTable::new(units, None) {
        Ok(t) => t,
        Err(na) => return vec![Record::new("percent_agreement", Err(na))],
    };
    let lv = level.name();
    let mut out = Vec::new();
    let pa = agreement::percent_agreement(&t, WeightKind::Identity);
    out.push(match pa {
        Ok((v, n)) => Record::new("percent_agreement", Ok(v)).n(n),
        Err(na) => Record::new("percent_agreement", Err(na)),
    });
    let ordered = level != Level::Nominal;
    out.push(if ordered {
        match agreement::percent_agreement(&t, WeightKind::WithinOne) {
            Ok((v, n)) => Record::new("within_one_agreement", Ok(v)).n(n),
            Err(na) => Record::new("within_one_agreement", Err(na)),
        }
    } else {
        Record::na("within_one_agreement", "needs an ordered scale (--level ordinal, interval or ratio)")
    });
    let raters_used = (0..t.n_raters).filter(|&g| t.idx.iter().any(|u| u[g].is_some())).count();
    let two = raters_used == 2 && t.n_raters == 2;
    let col = |g: usize| -> Vec<Option<f64>> { units.iter().map(|u| u.get(g).copied().flatten()).collect() };
    for (name, kind, needs_order) in [
        ("cohen_kappa", WeightKind::Identity, false),
        ("weighted_kappa_linear", WeightKind::Linear, true),
        ("weighted_kappa_quadratic", WeightKind::Quadratic, true),
    ] {
        let r = if !two {
            Record::na(name, format!("needs exactly two raters ({} given)", t.n_raters))
        } else if needs_order && !ordered {
            Record::na(name, "needs an ordered scale (--level ordinal, interval or ratio)")
        } else {
            coef_record(name, agreement::cohen_kappa(&col(0), &col(1), kind, o.ci_level), o.ci_level, Some(&lab))
        };
        out.push(r.ctx("weights", kind.name()));
        if two && o.bootstrap > 0 && (!needs_order || ordered) {
            let seed = sub_seed(o.seed, &format!("kappa/{label}/{name}"));
            if let (Some(est), Ok((lo, hi, b))) = (
                out.last().and_then(|r| r.estimate),
                agreement::cohen_kappa_bootstrap(&col(0), &col(1), kind, o.bootstrap, seed, o.ci_level),
            ) {
                out.push(
                    Record::new(name, Ok(est))
                        .n(t.n())
                        .ci(lo, hi, o.ci_level, "percentile bootstrap over units")
                        .ctx("weights", kind.name())
                        .ctx("bootstrap_replicates", b),
                );
            }
        }
    }
    out.push(coef_record(
        "fleiss_kappa",
        agreement::fleiss_kappa(&t, WeightKind::Identity, o.ci_level),
        o.ci_level,
        Some(&lab),
    ));
    out.push(coef_record(
        "conger_kappa",
        agreement::conger_kappa(&t, WeightKind::Identity, o.ci_level),
        o.ci_level,
        Some(&lab),
    ));
    out.push(coef_record("gwet_ac1", agreement::gwet_ac(&t, WeightKind::Identity, o.ci_level), o.ci_level, Some(&lab)));
    let ac2_w = match level {
        Level::Nominal => None,
        Level::Ordinal => Some(WeightKind::Linear),
        Level::Interval | Level::Ratio => Some(WeightKind::Quadratic),
    };
    out.push(match ac2_w {
        Some(w) => coef_record("gwet_ac2", agreement::gwet_ac(&t, w, o.ci_level), o.ci_level, Some(&lab))
            .ctx("weights", w.name()),
        None => Record::na("gwet_ac2", "needs an ordered scale (--level ordinal, interval or ratio)"),
    });
    out.push(coef_record(
        "brennan_prediger",
        agreement::brennan_prediger(&t, WeightKind::Identity, o.ci_level),
        o.ci_level,
        Some(&lab),
    ));
    let ka =
        agreement::krippendorff_alpha(&t, level, o.ci_level, o.bootstrap, sub_seed(o.seed, &format!("kripp/{label}")));
    let mut r = coef_record("krippendorff_alpha", ka, o.ci_level, None).ctx("level", lv);
    if o.bootstrap > 0 && r.estimate.is_some() {
        r = r.ctx("bootstrap_replicates", o.bootstrap);
    }
    out.push(r);
    out
}

/// ICC records: the six ANOVA forms (complete targets) and the REML forms (all ratings, the
/// columns as raters).
pub fn icc_records(rows: &[Vec<Option<f64>>], o: &StatOpts) -> Vec<Record> {
    let mut out = icc_anova_records(rows, o);
    let obs: Vec<(usize, usize, f64)> = rows
        .iter()
        .enumerate()
        .flat_map(|(i, r)| r.iter().enumerate().filter_map(move |(j, v)| v.map(|v| (i, j, v))))
        .collect();
    out.extend(reml_records(&obs, o));
    out
}

/// The six ANOVA-based ICC forms as records.
pub fn icc_anova_records(rows: &[Vec<Option<f64>>], o: &StatOpts) -> Vec<Record> {
    let mut out = Vec::new();
    let scale = o.icc_scale;
    match icc::icc_anova(rows, o.ci_level) {
        Ok(a) => {
            for f in &a.forms {
                out.push(
                    Record::new(f.name, Ok(f.estimate))
                        .n(a.n)
                        .ci(
                            f.ci_low,
                            f.ci_high,
                            o.ci_level,
                            if f.name.starts_with("icc2") {
                                "F (Satterthwaite df), as R psych"
                            } else {
                                "exact F, as R psych"
                            },
                        )
                        .p(f.p_value)
                        .ctx("f", f.f)
                        .ctx("df1", f.df1)
                        .ctx("df2", f.df2)
                        .ctx("k", a.k)
                        .ctx("n_dropped", a.dropped)
                        .ctx("interpretation", scale.label(f.estimate).code()),
                );
            }
        }
        Err(na) => {
            for name in ["icc1", "icc2", "icc3", "icc1k", "icc2k", "icc3k"] {
                out.push(Record::new(name, Err(na.clone())));
            }
        }
    }
    out
}

/// REML ICC records from long-format ratings (target, rater, value).
pub fn reml_records(obs: &[(usize, usize, f64)], o: &StatOpts) -> Vec<Record> {
    let scale = o.icc_scale;
    let mut out = Vec::new();
    let two = icc::icc_reml(obs, true);
    let one = icc::icc_reml(obs, false);
    let with = |r: Record, m: &icc::IccReml| {
        let mut r = r
            .n(m.n_targets)
            .ctx("n_ratings", m.n_obs)
            .ctx("var_target", m.var_target)
            .ctx("var_residual", m.var_resid)
            .ctx("method", "REML variance components");
        if let Some(v) = m.var_rater {
            r = r.ctx("var_rater", v);
        }
        if let Some(e) = r.estimate {
            r = r.ctx("interpretation", scale.label(e).code());
        }
        r
    };
    match &two {
        Ok(m) => {
            out.push(with(Record::new("icc_reml_agreement", Ok(m.agreement())), m));
            out.push(with(Record::new("icc_reml_consistency", Ok(m.consistency())), m));
        }
        Err(na) => {
            out.push(Record::new("icc_reml_agreement", Err(na.clone())));
            out.push(Record::new("icc_reml_consistency", Err(na.clone())));
        }
    }
    out.push(match &one {
        Ok(m) => with(Record::new("icc_reml_oneway", Ok(m.consistency())), m),
        Err(na) => Record::new("icc_reml_oneway", Err(na.clone())),
    });
    out
}
