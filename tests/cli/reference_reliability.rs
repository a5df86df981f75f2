//! Internal consistency and ICCs against R psych, lavaan and lme4
//! (fixtures from scripts/reference/reliability.R) and the published Shrout & Fleiss values;
//! α with missing items (pairwise and listwise) against psych, lavaan and pingouin on psych's bfi
//! (scripts/reference/alpha_missing.R and .py).

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
            (f.estimate.clone().unwrap(), "estimate"),
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
        assert_abs_diff_eq!(f.estimate.clone().unwrap(), w, epsilon = 5e-4);
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

fn missing_refs() -> Value {
    serde_json::from_slice(&std::fs::read(crate::common::fixture("reference/alpha_missing.json")).unwrap()).unwrap()
}

/// `checkval stat alpha bfi_ac.csv --format json --bootstrap 0 [--missing listwise]`.
fn bfi_alpha(extra: &[&str]) -> Vec<Value> {
    let f = crate::common::fixture("reference/bfi_ac.csv");
    let out = crate::common::bin()
        .args(["stat", "alpha", f.to_str().unwrap(), "--format", "json", "--bootstrap", "0"])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    v["results"].as_array().unwrap().clone()
}

fn recs_of<'a>(recs: &'a [Value], stat: &str) -> Vec<&'a Value> {
    recs.iter().filter(|r| r["statistic"] == stat).collect()
}

fn est(r: &Value) -> f64 {
    r["estimate"].as_f64().unwrap()
}

/// psych::alpha on bfi A1–A5 + C1–C5 (A1, C4, C5 reversed) with its NAs: α, standardized α, the
/// Feldt CI and the item statistics to 1e-9 (psych defines each the same way: raw α from the
/// pairwise covariance matrix, std.alpha from its cov2cor, alpha.drop and r.drop from the same
/// matrix, item means and SDs over each item's answered values); ω vs lavaan on the same matrix
/// (1e-6); ordinal α vs psych's polychoric objective optimised to 1e-12 (1e-6) and psych (1e-4).
fn check_bfi(recs: &[Value], r: &Value, rule: &str) {
    let alpha = recs_of(recs, "cronbach_alpha")[0];
    assert_eq!(alpha["missing"], rule);
    assert_eq!(alpha["n"].as_u64(), r["n_obs"].as_u64());
    assert_abs_diff_eq!(est(alpha), r["raw_alpha"].as_f64().unwrap(), epsilon = 1e-9);
    let feldt = arr(&r["feldt"]);
    assert_abs_diff_eq!(alpha["ci_low"].as_f64().unwrap(), feldt[0], epsilon = 1e-9);
    assert_abs_diff_eq!(alpha["ci_high"].as_f64().unwrap(), feldt[1], epsilon = 1e-9);
    let std = recs_of(recs, "standardized_alpha")[0];
    assert_abs_diff_eq!(est(std), r["std_alpha"].as_f64().unwrap(), epsilon = 1e-9);
    for (stat, key) in [
        ("alpha_if_deleted", "alpha_drop"),
        ("item_total_corrected", "r_drop"),
        ("item_mean", "item_mean"),
        ("item_sd", "item_sd"),
    ] {
        let got = recs_of(recs, stat);
        let want = arr(&r[key]);
        assert_eq!(got.len(), want.len(), "{stat}");
        for (g, w) in got.iter().zip(&want) {
            assert_abs_diff_eq!(est(g), *w, epsilon = 1e-9);
        }
    }
    let item_n: Vec<u64> = recs_of(recs, "item_mean").iter().map(|g| g["n"].as_u64().unwrap()).collect();
    let want_n: Vec<u64> = r["item_n"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    assert_eq!(item_n, want_n);
    let omega = recs_of(recs, "omega_total")[0];
    assert_eq!(omega["missing"], rule);
    assert_abs_diff_eq!(est(omega), r["omega_total"].as_f64().unwrap(), epsilon = 1e-6);
    let ord = est(recs_of(recs, "ordinal_alpha")[0]);
    assert_abs_diff_eq!(ord, r["ordinal_alpha_precise"].as_f64().unwrap(), epsilon = 1e-6);
    assert_abs_diff_eq!(ord, r["ordinal_alpha_psych"].as_f64().unwrap(), epsilon = 1e-4);
    // KR-20 is always listwise (its total-score variance needs complete rows).
    let kr = recs_of(recs, "kr20")[0];
    assert_eq!(kr["missing"], "listwise");
    assert_eq!(kr["n"].as_u64(), r["n_complete"].as_u64());
}

#[test]
fn alpha_with_missing_items_matches_psych_pairwise_and_listwise() {
    let refs = missing_refs();
    // Pairwise is the default, as psych::alpha (use = "pairwise") and pingouin.
    let pw = bfi_alpha(&[]);
    assert_eq!(pw, bfi_alpha(&["--missing", "pairwise"]));
    let r = &refs["pairwise"];
    check_bfi(&pw, r, "pairwise");
    let a = recs_of(&pw, "cronbach_alpha")[0];
    assert_eq!(a["min_pairwise_n"].as_u64(), r["min_pairwise_n"].as_u64());
    assert_eq!(a["n_complete"].as_u64(), r["n_complete"].as_u64());
    assert_abs_diff_eq!(est(a), 0.733409, epsilon = 5e-7); // the figure
    let lw = bfi_alpha(&["--missing", "listwise"]);
    check_bfi(&lw, &refs["listwise"], "listwise");
    assert_abs_diff_eq!(est(recs_of(&lw, "cronbach_alpha")[0]), 0.736627, epsilon = 5e-7);
    // pingouin: the same α both ways; its CI (rounded to 3 decimals) matches pairwise. Its
    // listwise CI keeps n = all rows; ours (as psych) uses the complete rows.
    let pg = &refs["pingouin"];
    assert_abs_diff_eq!(est(a), pg["pairwise"]["alpha"].as_f64().unwrap(), epsilon = 1e-9);
    assert_abs_diff_eq!(
        est(recs_of(&lw, "cronbach_alpha")[0]),
        pg["listwise"]["alpha"].as_f64().unwrap(),
        epsilon = 1e-9
    );
    let ci = arr(&pg["pairwise"]["ci_rounded"]);
    assert_abs_diff_eq!(a["ci_low"].as_f64().unwrap(), ci[0], epsilon = 5e-4);
    assert_abs_diff_eq!(a["ci_high"].as_f64().unwrap(), ci[1], epsilon = 5e-4);
}

#[test]
fn pairwise_equals_listwise_on_complete_rows() {
    let rows: Vec<Vec<Option<f64>>> =
        load_table("items_mixed.csv").into_iter().filter(|r| r.iter().all(|v| v.is_some())).collect();
    let it = Items::listwise(&rows).unwrap();
    let d = ItemRows::new(&rows).unwrap();
    let pc = pairwise_cov(&d).unwrap();
    assert_eq!(pc.min_pair_n(), it.n);
    assert_abs_diff_eq!(alpha_from_cov(&pc.c, d.k).unwrap(), cronbach_alpha(&it).unwrap(), epsilon = 1e-12);
    assert_abs_diff_eq!(
        standardized_alpha_from_cov(&pc.c, d.k).unwrap(),
        standardized_alpha(&it).unwrap(),
        epsilon = 1e-12
    );
    assert_abs_diff_eq!(omega_from_cov(&pc.c, d.k).unwrap(), omega_total(&it).unwrap(), epsilon = 1e-9);
    assert_abs_diff_eq!(ordinal_alpha_pairwise(&d).unwrap(), ordinal_alpha(&it).unwrap(), epsilon = 1e-12);
    for (p, l) in item_stats_from_cov(&pc.c, d.k, &pc.means).iter().zip(item_stats(&it).unwrap()) {
        assert_abs_diff_eq!(p.mean, l.mean, epsilon = 1e-12);
        assert_abs_diff_eq!(p.sd, l.sd, epsilon = 1e-12);
        assert_abs_diff_eq!(*p.r_drop.as_ref().unwrap(), l.r_drop.unwrap(), epsilon = 1e-12);
        assert_abs_diff_eq!(*p.alpha_if_deleted.as_ref().unwrap(), l.alpha_if_deleted.unwrap(), epsilon = 1e-12);
    }
    // Same rows, same seed: the same replicates, so the same bootstrap CI.
    let (a, b) = (alpha_bootstrap(&it, 500, 7, 0.95).unwrap(), alpha_bootstrap_pairwise(&d, 500, 7, 0.95).unwrap());
    assert_abs_diff_eq!(a.0, b.0, epsilon = 1e-9);
    assert_abs_diff_eq!(a.1, b.1, epsilon = 1e-9);
    assert_eq!(a.2, b.2);
}

/// The study pipeline (`checkval reliability`, `analysis.alpha_missing`) on the demo: the
/// checklist total's α matches psych::alpha on the same coded items, pairwise (the default) and
/// listwise, and the report's note names the rule.
#[test]
fn study_alpha_follows_the_spec_rule_and_matches_psych_on_the_demo() {
    let r = &missing_refs()["demo_total"];
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    crate::common::copy_dir(&crate::common::root().join("data-samples/demo-150"), &dir);
    let spec = dir.join("study.toml");
    let toml = std::fs::read_to_string(&spec).unwrap();
    assert!(toml.contains("\nbootstrap = 2000\n"));
    for (rule, line, note) in [
        ("pairwise", "", "Pairwise deletion"),
        ("pairwise", "alpha_missing = \"pairwise\"\n", "Pairwise deletion"),
        ("listwise", "alpha_missing = \"listwise\"\n", "Listwise deletion"),
    ] {
        std::fs::write(&spec, toml.replace("\nbootstrap = 2000\n", &format!("\nbootstrap = 0\n{line}"))).unwrap();
        let out = tmp.path().join(format!("out-{rule}-{}", line.len()));
        crate::common::bin()
            .args(["reliability", spec.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q", "--lang", "en"])
            .assert()
            .success();
        let v: Value = serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
        let a = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["statistic"] == "cronbach_alpha" && x["scale"] == "checklist_total")
            .unwrap();
        assert_eq!(a["missing"], rule);
        let n = if rule == "pairwise" { &r["n_obs"] } else { &r["n_complete"] };
        assert_eq!(a["n"].as_u64(), n.as_u64());
        assert_abs_diff_eq!(est(a), r[rule].as_f64().unwrap(), epsilon = 1e-9);
        let md = std::fs::read_to_string(out.join("report.md")).unwrap();
        assert!(md.contains(note), "{rule}: no '{note}' note");
    }
    std::fs::write(&spec, toml.replace("\nbootstrap = 2000\n", "\nalpha_missing = \"casewise\"\n")).unwrap();
    crate::common::bin()
        .args(["reliability", spec.to_str().unwrap(), "--out", tmp.path().join("bad").to_str().unwrap(), "-q"])
        .assert()
        .code(2);
}
