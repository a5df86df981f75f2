//! The `stat` command contract: names, record keys, formats, exit codes.

use crate::common::*;
use serde_json::Value;

fn json(args: &[&str]) -> Vec<Value> {
    let out = bin().args(args).args(["--format", "json"]).assert().success().get_output().stdout.clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    v["results"].as_array().unwrap().clone()
}

fn names(recs: &[Value]) -> Vec<String> {
    recs.iter().map(|r| r["statistic"].as_str().unwrap().to_string()).collect()
}

#[test]
fn agree_contract_and_values() {
    let f = fixture("reference/stuart1953_vision.csv");
    let recs = json(&["stat", "agree", f.to_str().unwrap(), "--level", "ordinal", "--bootstrap", "200"]);
    let n = names(&recs);
    for s in [
        "percent_agreement",
        "within_one_agreement",
        "cohen_kappa",
        "weighted_kappa_linear",
        "weighted_kappa_quadratic",
        "fleiss_kappa",
        "conger_kappa",
        "gwet_ac1",
        "gwet_ac2",
        "brennan_prediger",
        "krippendorff_alpha",
    ] {
        assert!(n.contains(&s.to_string()), "missing {s}");
    }
    let get = |s: &str| recs.iter().find(|r| r["statistic"] == s).unwrap().clone();
    let k = get("weighted_kappa_quadratic");
    assert!((k["estimate"].as_f64().unwrap() - 0.7023342524900977).abs() < 1e-12);
    for key in ["se", "ci_low", "ci_high", "ci_level", "ci_method", "p_value", "n"] {
        assert!(k.get(key).is_some(), "missing {key}");
    }
    assert_eq!(k["n"], 7477);
    let ka = get("krippendorff_alpha");
    assert!(ka["ci_low"].as_f64().unwrap() < ka["estimate"].as_f64().unwrap());
}

#[test]
fn agree_nominal_weighted_is_na_with_reason_and_three_raters_no_cohen() {
    let f = fixture("reference/agree_missing.csv");
    let recs = json(&["stat", "agree", f.to_str().unwrap(), "--bootstrap", "0"]);
    let c = recs.iter().find(|r| r["statistic"] == "cohen_kappa").unwrap();
    assert!(c["estimate"].is_null());
    assert!(c["na_reason"].as_str().unwrap().contains("exactly two raters"));
    let w = recs.iter().find(|r| r["statistic"] == "within_one_agreement").unwrap();
    assert!(w["na_reason"].as_str().unwrap().contains("ordered scale"));
    let fk = recs.iter().find(|r| r["statistic"] == "fleiss_kappa").unwrap();
    assert!(fk["estimate"].as_f64().is_some());
}

#[test]
fn icc_contract_and_psych_values() {
    let f = fixture("reference/icc_random.csv");
    let recs = json(&["stat", "icc", f.to_str().unwrap()]);
    let n = names(&recs);
    for s in ["icc1", "icc2", "icc3", "icc1k", "icc2k", "icc3k", "icc_reml_agreement"] {
        assert!(n.contains(&s.to_string()), "missing {s}");
    }
    let refs: Value = serde_json::from_slice(&std::fs::read(fixture("reference/reliability.json")).unwrap()).unwrap();
    let r = recs.iter().find(|r| r["statistic"] == "icc2").unwrap();
    assert!((r["estimate"].as_f64().unwrap() - refs["icc_random"]["icc2"]["estimate"].as_f64().unwrap()).abs() < 1e-9);
    assert!((r["ci_low"].as_f64().unwrap() - refs["icc_random"]["icc2"]["ci_low"].as_f64().unwrap()).abs() < 1e-9);
    assert_eq!(r["interpretation"].as_str().map(|s| s.chars().all(|c| c.is_ascii_lowercase() || c == '_')), Some(true));
}

#[test]
fn alpha_contract_items_and_formats() {
    let f = fixture("reference/items_mixed.csv");
    let recs = json(&[
        "stat",
        "alpha",
        f.to_str().unwrap(),
        "--items",
        "i1,i2,i3,i4,i5",
        "--bootstrap",
        "300",
        "--missing",
        "listwise",
    ]);
    let n = names(&recs);
    for s in [
        "cronbach_alpha",
        "standardized_alpha",
        "kr20",
        "omega_total",
        "ordinal_alpha",
        "alpha_if_deleted",
        "item_total_corrected",
        "item_mean",
    ] {
        assert!(n.contains(&s.to_string()), "missing {s}");
    }
    // Binary items only → KR-20 defined and equal to α.
    let a = recs.iter().find(|r| r["statistic"] == "cronbach_alpha").unwrap()["estimate"].as_f64().unwrap();
    let k = recs.iter().find(|r| r["statistic"] == "kr20").unwrap()["estimate"].as_f64().unwrap();
    assert!((a - k).abs() < 1e-12);
    assert!(recs.iter().filter(|r| r["statistic"] == "alpha_if_deleted").all(|r| r["item"].is_string()));
    assert!(recs.iter().all(|r| r["missing"] == "listwise"));
    // Pairwise (the default): every record says so, except KR-20, which needs complete rows.
    let pw = json(&["stat", "alpha", f.to_str().unwrap(), "--items", "i1,i2,i3,i4,i5", "--bootstrap", "300"]);
    assert_eq!(names(&pw), n);
    for r in &pw {
        let rule = if r["statistic"] == "kr20" { "listwise" } else { "pairwise" };
        assert_eq!(r["missing"], rule, "{r}");
    }
    let a = pw.iter().find(|r| r["statistic"] == "cronbach_alpha").unwrap();
    assert_eq!(
        (a["n"].as_u64(), a["n_complete"].as_u64(), a["min_pairwise_n"].as_u64()),
        (Some(150), Some(149), Some(149))
    );
    bin().args(["stat", "alpha", f.to_str().unwrap(), "--missing", "casewise"]).assert().code(2);
    // CSV and table render too.
    let csv = bin()
        .args(["stat", "alpha", f.to_str().unwrap(), "--format", "csv", "--bootstrap", "0"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("statistic,estimate,se,ci_low,ci_high,ci_level,ci_method,p_value,n,na_reason"));
    bin().args(["stat", "alpha", f.to_str().unwrap()]).assert().success();
}

#[test]
fn bootstrap_is_seeded_and_thread_independent() {
    let f = fixture("reference/items_mixed.csv");
    let run = |threads: &str, seed: &str| {
        bin()
            .args(["--threads", threads, "stat", "alpha", f.to_str().unwrap(), "--format", "json", "--seed", seed])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    assert_eq!(run("1", "5"), run("2", "5"));
    assert_ne!(run("2", "5"), run("2", "6"));
}

#[test]
fn stat_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("x.csv");
    std::fs::write(&p, "a,b\n1,2\n3,NaN\n").unwrap();
    let e = bin().args(["stat", "alpha", p.to_str().unwrap()]).assert().code(2).get_output().stderr.clone();
    let e = String::from_utf8(e).unwrap();
    assert!(
        e.contains("error[invalid-number]") && e.contains("line 3") && e.contains("'b'") && e.contains("NaN"),
        "{e}"
    );
    std::fs::write(&p, "a,b\n1,\n3,\n").unwrap();
    let e = bin().args(["stat", "alpha", p.to_str().unwrap()]).assert().code(2).get_output().stderr.clone();
    assert!(String::from_utf8(e).unwrap().contains("error[all-missing]"));
    bin().args(["stat", "agree", p.to_str().unwrap(), "--level", "fuzzy"]).assert().code(2);
    bin().args(["stat", "icc", p.to_str().unwrap(), "--ci-level", "2"]).assert().code(2);
}

#[test]
fn corr_contract_with_cluster_bootstrap() {
    let f = fixture("reference/corr_data.csv");
    let recs = json(&[
        "stat",
        "corr",
        f.to_str().unwrap(),
        "--x",
        "x",
        "--y",
        "y",
        "--method",
        "all",
        "--cluster",
        "cluster",
        "--bootstrap",
        "500",
    ]);
    for s in ["pearson_r", "spearman_rho", "kendall_tau_b"] {
        let rs: Vec<&Value> = recs.iter().filter(|r| r["statistic"] == s).collect();
        assert_eq!(rs.len(), 3, "{s}: analytic, percentile and BCa records");
        assert!(rs.iter().all(|r| r["n"] == 60 && r["ci_low"].is_number()));
        assert!(rs.iter().any(|r| r["ci_method"].as_str().unwrap().contains("cluster")));
    }
    let p = recs.iter().find(|r| r["statistic"] == "pearson_r").unwrap();
    let refs: Value = serde_json::from_slice(&std::fs::read(fixture("reference/validity_r.json")).unwrap()).unwrap();
    assert!((p["estimate"].as_f64().unwrap() - refs["pearson"]["r"].as_f64().unwrap()).abs() < 1e-12);
}

#[test]
fn roc_contract_direction_and_cutoffs() {
    let f = fixture("reference/asah.csv");
    let recs = json(&[
        "stat",
        "roc",
        f.to_str().unwrap(),
        "--score",
        "s100b",
        "--truth",
        "outcome",
        "--positive",
        "1",
        "--direction",
        "higher",
        "--bootstrap",
        "300",
    ]);
    let auc = recs.iter().find(|r| r["statistic"] == "auc").unwrap();
    assert!((auc["estimate"].as_f64().unwrap() - 0.7314).abs() < 5e-5);
    assert_eq!(auc["direction"], "higher");
    for s in ["youden_threshold", "sensitivity", "specificity"] {
        assert!(recs.iter().any(|r| r["statistic"] == s), "missing {s}");
    }
    assert!(recs.iter().filter(|r| r["statistic"] == "cutoff").count() > 20);
    // The opposite direction is honoured, not silently flipped.
    let low = json(&[
        "stat",
        "roc",
        f.to_str().unwrap(),
        "--score",
        "s100b",
        "--truth",
        "outcome",
        "--positive",
        "1",
        "--direction",
        "lower",
        "--bootstrap",
        "0",
    ]);
    let a = low.iter().find(|r| r["statistic"] == "auc").unwrap()["estimate"].as_f64().unwrap();
    assert!((a - (1.0 - 0.731368563685637)).abs() < 1e-9);
}

#[test]
fn bland_altman_contract() {
    let f = fixture("reference/bland_altman_1986.csv");
    let recs = json(&["stat", "bland-altman", f.to_str().unwrap(), "--a", "wright", "--b", "mini"]);
    let n = names(&recs);
    for s in ["bias", "loa_low", "loa_high", "proportional_bias_slope"] {
        assert!(n.contains(&s.to_string()), "missing {s}");
    }
    let bias = recs.iter().find(|r| r["statistic"] == "bias").unwrap();
    assert!((bias["estimate"].as_f64().unwrap() + 2.1176470588).abs() < 1e-8);
}

fn find<'a>(recs: &'a [Value], stat: &str, f: impl Fn(&Value) -> bool) -> &'a Value {
    recs.iter().find(|r| r["statistic"] == stat && f(r)).unwrap_or_else(|| panic!("no {stat}"))
}

#[test]
fn gstudy_brennan_published_values() {
    // Brennan (2001) synthetic data sets through the CLI: components, Eρ² and Φ as published.
    let shared = |f: &str| fixture(&format!("gtheory/{f}")).to_str().unwrap().to_string();
    let ds3 = shared("brennan_ds3_pxixo.csv");
    let recs = json(&[
        "stat",
        "gstudy",
        &ds3,
        "--score",
        "score",
        "--object",
        "person",
        "--facets",
        "item,occasion",
        "--d-study",
        "item=8",
        "--d-study",
        "occasion=1,2",
        "--bootstrap",
        "0",
    ]);
    let vc = |e: &str| find(&recs, "variance_component", |r| r["effect"] == e)["estimate"].as_f64().unwrap();
    for (e, v) in [("person", 0.5528), ("item", 0.4417), ("person x item", 0.5750), ("residual", 0.9352)] {
        assert!((vc(e) - v).abs() < 5e-4, "{e}: {}", vc(e));
    }
    let obs = |s: &str| find(&recs, s, |r| r["design"] == "observed")["estimate"].as_f64().unwrap();
    assert!((obs("g_coefficient") - 0.640).abs() < 5e-4 && (obs("phi_coefficient") - 0.554).abs() < 5e-4);
    // D study n_i = 8, n_o = 1, from the published components (Brennan's formulas).
    let d = find(&recs, "g_coefficient", |r| r["design"] == "d_study" && r["n_occasion"] == 1.0);
    assert_eq!(d["n_item"], 8.0);
    let (p, pi, po, pio) = (vc("person"), vc("person x item"), vc("person x occasion"), vc("residual"));
    let g = p / (p + pi / 8.0 + po + pio / 8.0);
    assert!((d["estimate"].as_f64().unwrap() - g).abs() < 1e-9);
    assert_eq!(recs.iter().filter(|r| r["design"] == "d_study").count(), 8, "2 combinations × 4 records");
    // p × (r:t): raters nested in tasks.
    let recs = json(&[
        "stat",
        "gstudy",
        &shared("brennan_ds4_px_r_in_t.csv"),
        "--score",
        "score",
        "--object",
        "person",
        "--facets",
        "task,rater",
        "--nested",
        "rater:task",
        "--bootstrap",
        "0",
    ]);
    let vc = |e: &str| find(&recs, "variance_component", |r| r["effect"] == e)["estimate"].as_f64().unwrap();
    assert!((vc("rater:task") - 0.6475).abs() < 5e-4 && (vc("person x task") - 0.5596).abs() < 5e-4);
    let obs = |s: &str| find(&recs, s, |r| r["design"] == "observed")["estimate"].as_f64().unwrap();
    assert!((obs("g_coefficient") - 0.551).abs() < 5e-4 && (obs("phi_coefficient") - 0.464).abs() < 5e-4);
}

#[test]
fn gstudy_reml_matches_lme4_and_bootstrap_is_seeded() {
    // Sparse classroom × cycle × observer design (2 of 12 observers per classroom, missing cells):
    // REML components against lme4 (scripts/reference/gstudy.R).
    let refs: Value = serde_json::from_slice(&std::fs::read(fixture("gtheory/gstudy_lme4.json")).unwrap()).unwrap();
    let want = &refs["datasets"]["class_sparse"]["components"];
    let file = fixture("gtheory/gtheory_class_sparse.csv");
    let args = [
        "stat",
        "gstudy",
        file.to_str().unwrap(),
        "--score",
        "score",
        "--object",
        "classroom",
        "--facets",
        "cycle,observer",
        "--bootstrap",
        "50",
        "--seed",
        "9",
    ];
    let recs = json(&args);
    for (effect, v) in want.as_object().unwrap() {
        let got = find(&recs, "variance_component", |r| r["effect"] == effect.as_str())["estimate"].as_f64().unwrap();
        let v = v.as_f64().unwrap();
        assert!((got - v).abs() <= 1e-4 * v.abs().max(1e-2), "{effect}: {got} vs lme4 {v}");
    }
    let g = find(&recs, "g_coefficient", |r| r["design"] == "observed");
    assert!(g["ci_low"].as_f64().unwrap() < g["estimate"].as_f64().unwrap());
    assert_eq!(g["method"], "REML");
    assert_eq!(json(&args), recs, "same seed, same output");
}
