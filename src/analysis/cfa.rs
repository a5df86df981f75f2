//! Records of a confirmatory factor analysis (`stat cfa`; later the study's structure section).
//!
//! Fit: `chisq` (p_value, df), `df`, `p_value`, `cfi`, `tli`, `rmsea` (90% CI in
//! `ci_low`/`ci_high`, ML), `srmr`, and with ML `aic`, `bic`, `loglik`; with WLSMV also
//! `chisq_scaled` (p_value, `scaling_factor` = 1/a, `shift`), `cfi_scaled`, `tli_scaled`,
//! `rmsea_scaled`. Parameters: `std_loading` {`factor`, `item`} and `factor_correlation`
//! {`factor`, `factor2`}, std.all with delta-method SEs and Wald CIs; with ML the 10 largest
//! `modification_index` {`lhs`, `op`, `rhs`, `epc`}. Every record carries `estimator` and n.
//! Formulas and references: [`crate::stats::cfa`].

use super::StatOpts;
use crate::results::Record;
use crate::stats::cfa::{CfaFit, Estimator, StdValue};
use crate::stats::Na;
use statrs::distribution::{ContinuousCDF, Normal};

/// The fit statistics reported for an estimator (also the NA records of a failed fit).
pub fn fit_statistics(est: Estimator) -> &'static [&'static str] {
    match est {
        Estimator::Ml => &["chisq", "df", "p_value", "cfi", "tli", "rmsea", "srmr", "aic", "bic", "loglik"],
        Estimator::Wlsmv => &[
            "chisq",
            "chisq_scaled",
            "df",
            "p_value",
            "cfi",
            "tli",
            "rmsea",
            "cfi_scaled",
            "tli_scaled",
            "rmsea_scaled",
            "srmr",
        ],
    }
}

/// Records of a CFA fit, or NA records (one per fit statistic and `std_loading`) with the reason.
pub fn cfa_records(fit: &Result<CfaFit, Na>, est: Estimator, o: &StatOpts) -> Vec<Record> {
    match fit {
        Ok(f) => fitted_records(f, o),
        Err(na) => fit_statistics(est)
            .iter()
            .chain(std::iter::once(&"std_loading"))
            .map(|s| Record::new(*s, Err(na.clone())).ctx("estimator", est.name()))
            .collect(),
    }
}

fn std_record(name: &str, v: &StdValue, keys: (&str, &str), z: f64, o: &StatOpts) -> Record {
    let mut r = Record::new(name, Ok(v.est)).ctx(keys.0, v.lhs.as_str()).ctx(keys.1, v.rhs.as_str());
    if let Some(se) = v.se {
        r = r.se(se).ci(v.est - z * se, v.est + z * se, o.ci_level, "Wald (delta method)");
    }
    r
}

fn fitted_records(f: &CfaFit, o: &StatOpts) -> Vec<Record> {
    let fi = &f.fit;
    let df = fi.df as f64;
    let mut recs = vec![
        Record::new("chisq", Ok(fi.chisq)).p(fi.p_value).ctx("df", df),
        Record::new("df", Ok(df)),
        Record::new("p_value", Ok(fi.p_value)),
    ];
    if let Some(s) = &fi.scaled {
        recs.push(
            Record::new("chisq_scaled", Ok(s.chisq))
                .p(s.p_value)
                .ctx("df", df)
                .ctx("scaling_factor", 1.0 / s.a)
                .ctx("shift", s.shift)
                .ctx("test", "scaled.shifted"),
        );
    }
    recs.push(
        Record::new("cfi", Ok(fi.cfi)).ctx("baseline_chisq", fi.baseline_chisq).ctx("baseline_df", fi.baseline_df),
    );
    recs.push(Record::new("tli", Ok(fi.tli)));
    let mut rmsea = Record::new("rmsea", Ok(fi.rmsea));
    if let Some((lo, hi)) = fi.rmsea_ci {
        rmsea = rmsea.ci(lo, hi, 0.90, "noncentral chi-square inversion");
    }
    recs.push(rmsea);
    if let Some(s) = &fi.scaled {
        recs.push(Record::new("cfi_scaled", Ok(s.cfi)).ctx("baseline_chisq", s.baseline_chisq));
        recs.push(Record::new("tli_scaled", Ok(s.tli)));
        recs.push(Record::new("rmsea_scaled", Ok(s.rmsea)));
    }
    recs.push(Record::new("srmr", Ok(fi.srmr)));
    for (name, v) in [("aic", fi.aic), ("bic", fi.bic), ("loglik", fi.loglik)] {
        if let Some(v) = v {
            recs.push(Record::new(name, Ok(v)).ctx("npar", fi.npar));
        }
    }
    let z = Normal::new(0.0, 1.0).expect("normal").inverse_cdf(0.5 + o.ci_level / 2.0);
    recs.extend(f.std_loadings.iter().map(|v| std_record("std_loading", v, ("factor", "item"), z, o)));
    recs.extend(f.factor_correlations.iter().map(|v| std_record("factor_correlation", v, ("factor", "factor2"), z, o)));
    for m in &f.modindices {
        recs.push(
            Record::new("modification_index", Ok(m.mi))
                .ctx("lhs", m.lhs.as_str())
                .ctx("op", m.op)
                .ctx("rhs", m.rhs.as_str())
                .ctx("epc", m.epc),
        );
    }
    recs.into_iter().map(|r| r.n(f.n).ctx("estimator", f.estimator.name())).collect()
}
