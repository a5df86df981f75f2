//! The short-form search is honest about selection: its forms are cross-validated by center.

use crate::common::*;
use serde_json::Value;

fn validity(spec: &std::path::Path, out: &std::path::Path) -> Vec<Value> {
    bin().args(["validity", spec.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]).assert().success();
    let v: Value = serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["statistic"].as_str().unwrap().starts_with("short_form"))
        .cloned()
        .collect()
}

fn simulated(tmp: &std::path::Path, centers: &str) -> std::path::PathBuf {
    let sim = tmp.join("sim");
    bin()
        .args(["simulate", "--out", sim.to_str().unwrap(), "--centers", centers, "--seed", "11", "-q"])
        .assert()
        .success();
    sim.join("study.toml")
}

#[test]
fn short_forms_are_cross_validated_by_center() {
    let tmp = tempfile::tempdir().unwrap();
    let recs = validity(&simulated(tmp.path(), "60"), &tmp.path().join("out"));
    let steps: Vec<&Value> = recs.iter().filter(|r| r["statistic"] == "short_form_step").collect();
    assert!(steps.len() > 5, "{} steps", steps.len());
    // The full form involves no selection: its pooled held-out totals are the classrooms' own
    // totals, so the cross-validated r equals the in-sample r exactly.
    let full = steps[0];
    for key in ["class_EBS", "class_ESL"] {
        let (r, r_cv) = (full[format!("r_{key}")].as_f64().unwrap(), full[format!("r_cv_{key}")].as_f64().unwrap());
        assert!((r - r_cv).abs() < 1e-12, "{key}: {r} vs {r_cv}");
    }
    // Every form has its out-of-sample values.
    for s in &steps {
        for key in ["alpha_cv", "mean_r_cv", "auc_cv"] {
            let v = s[key].as_f64().unwrap_or_else(|| panic!("{key} missing in {s}"));
            assert!((0.0..=1.0).contains(&v), "{key} = {v}");
        }
    }
    // Selection capitalises on chance: the smallest form's r is lower out of sample, and the
    // optimism record says by how much.
    let last = steps.last().unwrap();
    let gap = last["mean_r"].as_f64().unwrap() - last["mean_r_cv"].as_f64().unwrap();
    assert!(gap > 0.0, "no optimism at the smallest form: {last}");
    let opt = recs.iter().find(|r| r["statistic"] == "short_form_optimism").unwrap();
    assert_eq!(opt["folds"], 5);
    let proposed = recs.iter().find(|r| r["statistic"] == "short_form_proposed").unwrap();
    if proposed["estimate"].is_number() {
        let want = proposed["mean_r"].as_f64().unwrap() - proposed["mean_r_cv"].as_f64().unwrap();
        assert!((opt["estimate"].as_f64().unwrap() - want).abs() < 1e-12);
        assert!(proposed["meets_criteria_cv"].is_boolean());
    }
}

#[test]
fn too_few_centers_for_the_folds_is_na_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = simulated(tmp.path(), "12");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, format!("{text}\n[analysis.short_form]\nfolds = 10\n")).unwrap();
    let recs = validity(&spec, &tmp.path().join("out"));
    let opt = recs.iter().find(|r| r["statistic"] == "short_form_optimism").unwrap();
    assert!(opt["estimate"].is_null());
    let why = opt["na_reason"].as_str().unwrap();
    assert!(why.contains("12 centers") && why.contains("at least 20"), "{why}");
    assert!(recs.iter().filter(|r| r["statistic"] == "short_form_step").all(|s| s.get("mean_r_cv").is_none()));
}
