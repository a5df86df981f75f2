//! Internal consistency and ICCs against R psych, lavaan and lme4
//! (fixtures from scripts/reference/reliability.R) and the published Shrout & Fleiss values.

use crate::reference_agreement::load_table;
use approx::assert_abs_diff_eq;
use checkval::stats::consistency::*;
use checkval::stats::icc::*;
use serde_json::Value;

fn refs() -> Value {
    serde_json::from_slice(&std::fs::read(crate::common::fixture("reference/reliability.json")).unwrap()).unwrap()
}

fn arr(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

#[test]
fn alpha_family_matches_psych_and_lavaan() {
    let r = &refs()["items_mixed"];
    let it = Items::listwise(&load_table("items_mixed.csv")).unwrap();
    assert_eq!(it.n as u64, r["n"].as_u64().unwrap());
    assert_eq!(it.dropped, 1);
    let a = cronbach_alpha(&it).unwrap();
    assert_abs_diff_eq!(a, r["raw_alpha"].as_f64().unwrap(), epsilon = 1e-12);
    assert_abs_diff_eq!(standardized_alpha(&it).unwrap(), r["std_alpha"].as_f64().unwrap(), epsilon = 1e-12);
    let (lo, hi) = feldt_ci(a, it.n, it.k, 0.95).unwrap();
    let f = arr(&r["feldt_psych"]);
    assert_abs_diff_eq!(lo, f[0], epsilon = 1e-9);
    assert_abs_diff_eq!(hi, f[1], epsilon = 1e-9);
    let st = item_stats(&it).unwrap();
    for (j, s) in st.iter().enumerate() {
        assert_abs_diff_eq!(s.mean, arr(&r["item_mean"])[j], epsilon = 1e-12);
        assert_abs_diff_eq!(s.sd, arr(&r["item_sd"])[j], epsilon = 1e-12);
        assert_abs_diff_eq!(*s.r_drop.as_ref().unwrap(), arr(&r["r_drop"])[j], epsilon = 1e-12);
        assert_abs_diff_eq!(*s.alpha_if_deleted.as_ref().unwrap(), arr(&r["alpha_drop"])[j], epsilon = 1e-12);
    }
    assert_abs_diff_eq!(omega_total(&it).unwrap(), r["omega_total"].as_f64().unwrap(), epsilon = 1e-6);
    let oa = ordinal_alpha(&it).unwrap();
    assert_abs_diff_eq!(oa, r["ordinal_alpha_precise"].as_f64().unwrap(), epsilon = 1e-6);
    assert_abs_diff_eq!(oa, r["ordinal_alpha_psych"].as_f64().unwrap(), epsilon = 1e-4);
}

#[test]
fn polychoric_matrix_matches_psych_objective() {
    let r = &refs()["items_mixed"];
    let it = Items::listwise(&load_table("items_mixed.csv")).unwrap();
    let data: Vec<Vec<usize>> = (0..it.n).map(|i| (0..it.k).map(|j| it.x[i * it.k + j] as usize).collect()).collect();
    let cats: Vec<usize> = (0..it.k).map(|j| if j < 5 { 2 } else { 3 }).collect();
    let m = checkval::stats::polychoric::polychoric_matrix(&data, &cats).unwrap();
    // R's upper.tri order is column-major: (1,2), (1,3), (2,3), (1,4), ...
    let want = arr(&r["polychoric_precise"]);
    let mut w = want.iter();
    for b in 1..it.k {
        for a in 0..b {
            assert_abs_diff_eq!(m[a * it.k + b], *w.next().unwrap(), epsilon = 1e-6);
        }
    }
}

fn check_icc(rows: &[Vec<Option<f64>>], r: &Value) {
    let res = icc_anova(rows, 0.95).unwrap();
    for f in &res.forms {
        let want = &r[f.name];
        for (got, key) in [
            (f.estimate, "estimate"),
            (f.f, "f"),
            (f.df1, "df1"),
            (f.df2, "df2"),
            (f.p_value, "p"),
            (f.ci_low, "ci_low"),
            (f.ci_high, "ci_high"),
        ] {
            assert_abs_diff_eq!(got, want[key].as_f64().unwrap(), epsilon = 1e-9);
        }
    }
}

#[test]
fn icc_six_forms_match_psych() {
    let sf: Vec<Vec<Option<f64>>> =
        [[9., 2., 5., 8.], [6., 1., 3., 2.], [8., 4., 6., 8.], [7., 1., 2., 6.], [10., 5., 6., 9.], [6., 2., 4., 7.]]
            .iter()
            .map(|r| r.iter().map(|v| Some(*v)).collect())
            .collect();
    check_icc(&sf, &refs()["shrout_fleiss"]);
    check_icc(&load_table("icc_random.csv"), &refs()["icc_random"]);
    // Published Shrout & Fleiss (1979) values.
    let res = icc_anova(&sf, 0.95).unwrap();
    for (f, w) in res.forms.iter().zip([0.166, 0.290, 0.715, 0.443, 0.620, 0.909]) {
        assert_abs_diff_eq!(f.estimate, w, epsilon = 5e-4);
    }
}

#[test]
fn reml_variance_components_match_lme4() {
    let r = &refs()["icc_unbalanced"];
    let rows = load_table("icc_unbalanced.csv");
    let obs: Vec<(usize, usize, f64)> =
        rows.iter().map(|x| (x[0].unwrap() as usize - 1, x[1].unwrap() as usize - 1, x[2].unwrap())).collect();
    let two = icc_reml(&obs, true).unwrap();
    assert_abs_diff_eq!(two.var_target, r["two_way"]["target"].as_f64().unwrap(), epsilon = 1e-5);
    assert_abs_diff_eq!(two.var_rater.unwrap(), r["two_way"]["rater"].as_f64().unwrap(), epsilon = 1e-5);
    assert_abs_diff_eq!(two.var_resid, r["two_way"]["resid"].as_f64().unwrap(), epsilon = 1e-5);
    let one = icc_reml(&obs, false).unwrap();
    assert_abs_diff_eq!(one.var_target, r["one_way"]["target"].as_f64().unwrap(), epsilon = 1e-5);
    assert_abs_diff_eq!(one.var_resid, r["one_way"]["resid"].as_f64().unwrap(), epsilon = 1e-5);
}
