//! Validity statistics against R (cor.test, boot, pROC, psych r.test, lm) and Python (scipy,
//! pingouin); fixtures from scripts/reference/validity.R and validity.py.

use crate::reference_agreement::load_table;
use approx::assert_abs_diff_eq;
use checkval::stats::bootstrap::{bca_ci, percentile_ci};
use checkval::stats::correlation::*;
use checkval::stats::roc::*;
use serde_json::Value;

fn r_refs() -> Value {
    serde_json::from_slice(&std::fs::read(crate::common::fixture("reference/validity_r.json")).unwrap()).unwrap()
}
fn py_refs() -> Value {
    serde_json::from_slice(&std::fs::read(crate::common::fixture("reference/validity_py.json")).unwrap()).unwrap()
}
fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

fn corr_data() -> (Vec<f64>, Vec<f64>, Vec<Vec<f64>>) {
    let rows = load_table("corr_data.csv");
    let col = |j: usize| rows.iter().map(|r| r[j].unwrap()).collect::<Vec<f64>>();
    (col(0), col(1), vec![col(2), col(3)])
}

#[test]
fn pearson_matches_cor_test() {
    let (x, y, _) = corr_data();
    let r = &r_refs()["pearson"];
    let c = correlate(&x, &y, Method::Pearson, 0.95).unwrap();
    assert_abs_diff_eq!(c.r, f(&r["r"]), epsilon = 1e-12);
    assert_abs_diff_eq!(c.ci.unwrap().0, f(&r["ci"][0]), epsilon = 1e-12);
    assert_abs_diff_eq!(c.ci.unwrap().1, f(&r["ci"][1]), epsilon = 1e-12);
    assert_abs_diff_eq!(c.p_value.unwrap(), f(&r["p"]), epsilon = 1e-12);
}

#[test]
fn rank_correlations_match_scipy() {
    let (x, y, _) = corr_data();
    let p = py_refs();
    let s = correlate(&x, &y, Method::Spearman, 0.95).unwrap();
    assert_abs_diff_eq!(s.r, f(&p["spearman"]["rho"]), epsilon = 1e-12);
    assert_abs_diff_eq!(s.p_value.unwrap(), f(&p["spearman"]["p"]), epsilon = 1e-10);
    assert_abs_diff_eq!(s.ci.unwrap().0, f(&p["spearman"]["ci_bonett_wright"][0]), epsilon = 1e-12);
    let k = correlate(&x, &y, Method::Kendall, 0.95).unwrap();
    assert_abs_diff_eq!(k.r, f(&p["kendall"]["tau"]), epsilon = 1e-12);
    assert_abs_diff_eq!(k.p_value.unwrap(), f(&p["kendall"]["p"]), epsilon = 1e-10);
    assert_abs_diff_eq!(k.ci.unwrap().1, f(&p["kendall"]["ci_fieller"][1]), epsilon = 1e-12);
}

#[test]
fn partial_correlation_matches_pingouin() {
    let (x, y, z) = corr_data();
    let p = &py_refs()["partial"];
    let c = partial_corr(&x, &y, &z, 0.95).unwrap();
    assert_abs_diff_eq!(c.r, f(&p["r"]), epsilon = 1e-12);
    assert_abs_diff_eq!(c.p_value.unwrap(), f(&p["p"]), epsilon = 1e-10);
    // pingouin prints the CI to two decimals.
    assert_abs_diff_eq!(c.ci.unwrap().0, f(&p["ci"][0]), epsilon = 0.005);
    assert_abs_diff_eq!(c.ci.unwrap().1, f(&p["ci"][1]), epsilon = 0.005);
}

#[test]
fn bootstrap_intervals_match_boot_ci() {
    let r = &r_refs()["boot"];
    let text = std::fs::read_to_string(crate::common::fixture("reference/boot_replicates.txt")).unwrap();
    let reps: Vec<Option<f64>> = text.lines().map(|l| Some(l.trim().parse().unwrap())).collect();
    assert_eq!(reps.len(), 999);
    let (lo, hi, _) = percentile_ci(&reps, 0.95).unwrap();
    assert_abs_diff_eq!(lo, f(&r["perc"][0]), epsilon = 1e-12);
    assert_abs_diff_eq!(hi, f(&r["perc"][1]), epsilon = 1e-12);
    let l: Vec<f64> = r["L"].as_array().unwrap().iter().map(f).collect();
    let (blo, bhi) = bca_ci(&reps, f(&r["t0"]), &l, 0.95).unwrap();
    assert_abs_diff_eq!(blo, f(&r["bca"][0]), epsilon = 1e-10);
    assert_abs_diff_eq!(bhi, f(&r["bca"][1]), epsilon = 1e-10);
    // Our jackknife influence values reproduce the L passed to boot.
    let (x, y, _) = corr_data();
    let loo = jackknife(&x, &y, None, Method::Pearson);
    let ours = checkval::stats::bootstrap::jackknife_influence(&loo);
    for (a, b) in ours.iter().zip(&l) {
        assert_abs_diff_eq!(a, b, epsilon = 1e-10);
    }
}

fn asah() -> (Vec<bool>, Vec<f64>, Vec<f64>) {
    let rows = load_table("asah.csv");
    (
        rows.iter().map(|r| r[0] == Some(1.0)).collect(),
        rows.iter().map(|r| r[1].unwrap()).collect(),
        rows.iter().map(|r| r[2].unwrap()).collect(),
    )
}

#[test]
fn roc_matches_proc_on_asah() {
    let r = &r_refs()["roc"];
    let (truth, s100b, ndka) = asah();
    let a = auc_delong(&s100b, &truth, Direction::Higher, 0.95).unwrap();
    assert_abs_diff_eq!(a.auc, f(&r["auc"]), epsilon = 1e-12);
    assert_abs_diff_eq!(a.auc, 0.7314, epsilon = 5e-5);
    assert_abs_diff_eq!(a.ci.0, f(&r["delong_ci"][0]), epsilon = 1e-10);
    assert_abs_diff_eq!(a.ci.1, f(&r["delong_ci"][1]), epsilon = 1e-10);
    assert_abs_diff_eq!(a.se * a.se, f(&r["var"]), epsilon = 1e-12);
    // The stated direction is honoured, never flipped.
    let low = auc_delong(&s100b, &truth, Direction::Lower, 0.95).unwrap();
    assert_abs_diff_eq!(low.auc, f(&r["auc_lower_direction"]), epsilon = 1e-12);
    let (a1, a2, z, p) = delong_paired(&s100b, Direction::Higher, &ndka, Direction::Higher, &truth).unwrap();
    assert_abs_diff_eq!(a1, f(&r["auc"]), epsilon = 1e-12);
    assert_abs_diff_eq!(a2, f(&r["auc_ndka"]), epsilon = 1e-12);
    assert_abs_diff_eq!(z, f(&r["paired_z"]), epsilon = 1e-9);
    assert_abs_diff_eq!(p, f(&r["paired_p"]), epsilon = 1e-9);
    // Every (Se, Sp) pair of pROC's thresholds appears in our cut-off table, and the Youden
    // optimum has the same sensitivity and specificity.
    let cuts = cutoffs(&s100b, &truth, Direction::Higher);
    let sens = r["sens"].as_array().unwrap();
    let spec = r["spec"].as_array().unwrap();
    for (se, sp) in sens.iter().zip(spec) {
        let (se, sp) = (f(se), f(sp));
        if se == 0.0 || sp == 0.0 {
            continue; // pROC's ±Inf thresholds
        }
        assert!(
            cuts.iter().any(|c| (c.sensitivity - se).abs() < 1e-12 && (c.specificity - sp).abs() < 1e-12),
            "({se}, {sp}) missing"
        );
    }
    let i = choose(&cuts, CutoffRule::Youden).unwrap();
    assert_abs_diff_eq!(cuts[i].sensitivity, f(&r["youden_sens"]), epsilon = 1e-12);
    assert_abs_diff_eq!(cuts[i].specificity, f(&r["youden_spec"]), epsilon = 1e-12);
    let b = auc_bootstrap(&s100b, &truth, Direction::Higher, 2000, 1, 0.95).unwrap();
    assert!(b.0 < a.auc && a.auc < b.1 && (b.0 - a.ci.0).abs() < 0.04 && (b.1 - a.ci.1).abs() < 0.04, "{b:?}");
}

#[test]
fn dependent_correlation_tests_match_psych() {
    let r = r_refs();
    let (t, p) = williams_t(0.5, 0.3, 0.4, 100).unwrap();
    assert_abs_diff_eq!(t, f(&r["williams"]["t"]), epsilon = 1e-10);
    assert_abs_diff_eq!(p, f(&r["williams"]["p"]), epsilon = 1e-10);
    let (z, p) = steiger_nonoverlapping(0.5, 0.3, 0.2, 0.25, 0.15, 0.35, 100).unwrap();
    assert_abs_diff_eq!(z, f(&r["steiger_nonoverlap"]["z"]), epsilon = 1e-10);
    assert_abs_diff_eq!(p, f(&r["steiger_nonoverlap"]["p"]), epsilon = 1e-10);
}

#[test]
fn bland_altman_1986_published_and_lm() {
    let r = &r_refs()["bland_altman"];
    let rows = load_table("bland_altman_1986.csv");
    let a: Vec<f64> = rows.iter().map(|x| x[0].unwrap()).collect();
    let b: Vec<f64> = rows.iter().map(|x| x[1].unwrap()).collect();
    let ba = checkval::stats::bland_altman::bland_altman(&a, &b, 0.95).unwrap();
    assert_abs_diff_eq!(ba.bias, -2.1, epsilon = 0.05);
    assert_abs_diff_eq!(ba.sd, 38.8, epsilon = 0.05);
    assert_abs_diff_eq!(ba.bias, f(&r["bias"]), epsilon = 1e-12);
    assert_abs_diff_eq!(ba.sd, f(&r["sd"]), epsilon = 1e-12);
    assert_abs_diff_eq!(ba.loa_low, ba.bias - 1.96 * ba.sd, epsilon = 1e-12);
    let (slope, lo, _, p) = ba.slope.clone().unwrap();
    assert_abs_diff_eq!(slope, f(&r["slope"]), epsilon = 1e-12);
    assert_abs_diff_eq!(p, f(&r["slope_p"]), epsilon = 1e-10);
    let t16 = 2.131449545559323; // qt(.975, 15)
    assert_abs_diff_eq!(lo, slope - t16 * f(&r["slope_se"]), epsilon = 1e-9);
}
