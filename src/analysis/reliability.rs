//! Records for internal consistency, agreement and ICCs.

use super::{sub_seed, StatOpts};
use crate::results::Record;
use crate::stats::agreement::{self, Coef, Level, RatingTable, WeightKind};
use crate::stats::consistency::{self, ItemRows, ItemStat, Items, Missing};
use crate::stats::icc;
use crate::stats::item_tables::{self, CodedItems, PairTables};
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
/// The pairwise path's records from the pairwise covariances (both the row-wise and the coded
/// path): ω total, ordinal α (computed by the caller from its own tables) and the item statistics.
fn covariance_records(
    pc: &consistency::PairwiseCov,
    ordinal_alpha: crate::stats::StatResult<f64>,
    names: &[String],
    with_n: &dyn Fn(Record) -> Record,
) -> Vec<Record> {
    let k = pc.k;
    let mut out = vec![
        with_n(Record::new("omega_total", consistency::omega_from_cov(&pc.c, k)).ctx("model", "one-factor ML")),
        with_n(Record::new("ordinal_alpha", ordinal_alpha).ctx("correlations", "polychoric")),
    ];
    let st = consistency::item_stats_from_cov(&pc.c, k, &pc.means);
    let item_n: Vec<usize> = (0..k).map(|j| pc.pair_n[j * k + j]).collect();
    out.extend(item_records(&st, names, &item_n, with_n));
    out
}

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
    out.extend(covariance_records(&pc, consistency::ordinal_alpha_pairwise(&d), names, &with_n));
    out
}

/// [`alpha_records`] on coded items (`stat alpha` on large tables): every statistic from the
/// pairwise contingency tables ([`item_tables::tabulate`], one pass over the data) instead of
/// row-wise passes; the same records, equal up to rounding in the last digits (pinned in
/// `tests::coded_records_match_rows`). The bootstrap, when asked for, resamples the rows.
pub fn coded_alpha_records(
    items: &CodedItems,
    names: &[String],
    o: &StatOpts,
    label: &str,
    missing: Missing,
) -> Vec<Record> {
    let (k, n_rows) = (items.k(), items.n_rows);
    let complete = items.rows_with(false);
    let n_complete = item_tables::count(&complete);
    // The listwise tables are the full ones when no value is missing.
    let listwise_tables = || {
        if n_complete == n_rows {
            item_tables::tabulate(items, None)
        } else {
            item_tables::tabulate(items, Some(&complete))
        }
    };
    let seed = sub_seed(o.seed, &format!("alpha/{label}"));
    match missing {
        Missing::Listwise => {
            let listwise = Missing::Listwise.name();
            let t = listwise_tables();
            let n = n_complete;
            let with_n = |r: Record| r.n(n).ctx("n_dropped", n_rows - n).ctx("k", k).ctx("missing", listwise);
            let checked = consistency::check_sizes(k, n, "complete rows");
            let pc = checked.clone().and_then(|_| consistency::pairwise_cov_from_tables(&t, &items.values));
            let alpha = pc.as_ref().map_err(Clone::clone).and_then(|pc| consistency::alpha_from_cov(&pc.c, k));
            let boot = || {
                let x: Vec<f64> = (0..n_rows)
                    .filter(|&i| complete[i / 64] >> (i % 64) & 1 == 1)
                    .flat_map(|i| items.row(i).into_iter().map(|v| v.expect("complete row")))
                    .collect();
                let it = Items { x, n, k, dropped: n_rows - n };
                consistency::alpha_bootstrap(&it, o.bootstrap, seed, o.ci_level)
            };
            let mut out: Vec<Record> = alpha_ci_records(alpha, n, k, o, boot).into_iter().map(with_n).collect();
            out.extend(coded_family(&pc, &t, items, n, k, listwise, &checked, &with_n));
            match &pc {
                Ok(pc) => {
                    let st = consistency::item_stats_from_cov(&pc.c, k, &pc.means);
                    out.extend(item_records(&st, names, &vec![n; k], &with_n));
                }
                Err(na) => out.push(with_n(Record::new("item_mean", Err(na.clone())))),
            }
            out
        }
        Missing::Pairwise => coded_pairwise_records(items, names, o, seed, n_complete, listwise_tables),
    }
}

/// Standardized α, KR-20, ω and ordinal α of coded items (listwise: `t` over the complete rows).
fn coded_family(
    pc: &StatResult<consistency::PairwiseCov>,
    t: &PairTables,
    items: &CodedItems,
    n: usize,
    k: usize,
    listwise: &str,
    checked: &StatResult<()>,
    with_n: &dyn Fn(Record) -> Record,
) -> Vec<Record> {
    let pc = pc.as_ref().map_err(Clone::clone);
    vec![
        with_n(Record::new(
            "standardized_alpha",
            pc.clone().and_then(|pc| consistency::standardized_alpha_from_cov(&pc.c, k)),
        )),
        Record::new("kr20", consistency::kr20_from_tables(t, &items.values, n))
            .n(n)
            .ctx("n_dropped", items.n_rows - n)
            .ctx("k", k)
            .ctx("missing", listwise),
        with_n(
            Record::new("omega_total", pc.and_then(|pc| consistency::omega_from_cov(&pc.c, k)))
                .ctx("model", "one-factor ML"),
        ),
        with_n(
            Record::new("ordinal_alpha", checked.clone().and_then(|_| consistency::ordinal_alpha_from_tables(t)))
                .ctx("correlations", "polychoric"),
        ),
    ]
}

/// The pairwise records of [`coded_alpha_records`] (as [`pairwise_alpha_records`]).
fn coded_pairwise_records(
    items: &CodedItems,
    names: &[String],
    o: &StatOpts,
    seed: u64,
    n_complete: usize,
    listwise_tables: impl FnOnce() -> PairTables,
) -> Vec<Record> {
    let pairwise = Missing::Pairwise.name();
    let (k, n_rows) = (items.k(), items.n_rows);
    let any = items.rows_with(true);
    let n = item_tables::count(&any);
    let t = item_tables::tabulate(items, None);
    let checked = consistency::check_sizes(k, n, "observations with an item");
    let pc = checked.clone().and_then(|_| consistency::pairwise_cov_from_tables(&t, &items.values));
    let min_pair = pc.as_ref().map_or(0, |pc| pc.min_pair_n());
    let with_n = |r: Record| {
        r.n(n)
            .ctx("n_dropped", n_rows - n)
            .ctx("k", k)
            .ctx("missing", pairwise)
            .ctx("min_pairwise_n", min_pair)
            .ctx("n_complete", n_complete)
    };
    let pc = match pc {
        Ok(pc) => pc,
        Err(na) => return vec![with_n(Record::new("cronbach_alpha", Err(na)))],
    };
    let alpha = consistency::alpha_from_cov(&pc.c, k);
    let boot = || {
        let kept: Vec<usize> = (0..n_rows).filter(|&i| any[i / 64] >> (i % 64) & 1 == 1).collect();
        let rows: Vec<Vec<Option<f64>>> = kept.iter().map(|&i| items.row(i)).collect();
        let d = ItemRows::new(&rows)?;
        consistency::alpha_bootstrap_pairwise(&d, o.bootstrap, seed, o.ci_level)
    };
    let mut out: Vec<Record> = alpha_ci_records(alpha, n, k, o, boot).into_iter().map(with_n).collect();
    out.push(with_n(Record::new("standardized_alpha", consistency::standardized_alpha_from_cov(&pc.c, k))));
    let listwise = Missing::Listwise.name();
    // With no value missing the listwise tables are the ones already counted.
    let tl_masked;
    let tl = if n_complete == n_rows {
        &t
    } else {
        tl_masked = listwise_tables();
        &tl_masked
    };
    out.push(
        Record::new("kr20", consistency::kr20_from_tables(tl, &items.values, n_complete))
            .n(n_complete)
            .ctx("n_dropped", n_rows - n_complete)
            .ctx("k", k)
            .ctx("missing", listwise),
    );
    out.extend(covariance_records(&pc, consistency::ordinal_alpha_from_tables(&t), names, &with_n));
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
                let r = Record::new(f.name, f.estimate.clone())
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
                    .ctx("n_dropped", a.dropped);
                out.push(match f.estimate {
                    Ok(e) => r.ctx("interpretation", scale.label(e).code()),
                    Err(_) => r,
                });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::item_tables::MISSING;

    fn coded(rows: &[Vec<Option<f64>>]) -> CodedItems {
        let k = rows[0].len();
        let values: Vec<Vec<f64>> = (0..k)
            .map(|j| {
                let mut v: Vec<f64> = rows.iter().filter_map(|r| r[j]).collect();
                v.sort_by(|a, b| a.total_cmp(b));
                v.dedup();
                v
            })
            .collect();
        let codes = (0..k)
            .map(|j| {
                let code = |x: f64| values[j].iter().position(|&v| v == x).expect("value") as u8;
                rows.iter().map(|r| r[j].map_or(MISSING, code)).collect()
            })
            .collect();
        CodedItems { n_rows: rows.len(), codes, values }
    }

    fn close(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-10 * a.abs().max(1.0),
            (a, b) => a == b,
        }
    }

    /// Pseudo-random ordinal items (xorshift), `miss` in 1000 missing, one item binary.
    fn rows(n: usize, k: usize, miss: u64, seed: u64) -> Vec<Vec<Option<f64>>> {
        let mut s = seed;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        (0..n)
            .map(|_| {
                let latent = (next() % 5) as f64;
                (0..k)
                    .map(|j| {
                        let r = next();
                        let v = if j == 0 {
                            (latent >= 2.0) as u8 as f64
                        } else {
                            ((latent + (r % 3) as f64) / 2.0).floor() + 1.0
                        };
                        ((r >> 20) % 1000 >= miss).then_some(v)
                    })
                    .collect()
            })
            .collect()
    }

    /// The one-pass tabulated records equal the row-wise ones (estimates and CIs to 1e-10,
    /// everything else exactly): with and without missing values, both missing rules, with a
    /// bootstrap, and for degenerate inputs (NA reasons).
    #[test]
    fn coded_records_match_rows() {
        let o = StatOpts { bootstrap: 300, ..StatOpts::default() };
        let mut cases = vec![rows(400, 6, 0, 7), rows(400, 6, 100, 8), rows(5, 3, 300, 9), rows(60, 1, 0, 10)];
        // A row with nothing, and a constant item.
        let mut c = rows(50, 4, 50, 11);
        c.push(vec![None; 4]);
        c.iter_mut().for_each(|r| r[2] = Some(3.0));
        cases.push(c);
        for (i, r) in cases.iter().enumerate() {
            let names: Vec<String> = (0..r[0].len()).map(|j| format!("q{j}")).collect();
            for m in [Missing::Pairwise, Missing::Listwise] {
                let want = alpha_records(r, &names, &o, "t", m);
                let got = coded_alpha_records(&coded(r), &names, &o, "t", m);
                assert_eq!(want.len(), got.len(), "case {i} {m:?}");
                for (w, g) in want.iter().zip(&got) {
                    let same = |x: &Record| {
                        (x.statistic.clone(), x.n, x.na_reason.clone(), x.context.clone(), x.ci_method.clone())
                    };
                    assert_eq!(same(w), same(g), "case {i} {m:?}");
                    for (a, b) in [(w.estimate, g.estimate), (w.ci_low, g.ci_low), (w.ci_high, g.ci_high)] {
                        assert!(close(a, b), "case {i} {m:?} {}: {a:?} vs {b:?}", w.statistic);
                    }
                }
            }
        }
    }
}
