//! Agreement statistics against irrCAC, statsmodels, scikit-learn and krippendorff
//! (fixtures from scripts/reference/agreement.py) and the published data in shared/reference-data.

use approx::assert_abs_diff_eq;
use checkval::stats::agreement::*;
use serde_json::Value;

pub fn load_table(name: &str) -> Vec<Vec<Option<f64>>> {
    let p = crate::common::fixture(&format!("reference/{name}"));
    let mut r = csv::Reader::from_path(p).unwrap();
    r.records()
        .map(|rec| {
            rec.unwrap().iter().map(|s| if s.trim().is_empty() { None } else { Some(s.parse().unwrap()) }).collect()
        })
        .collect()
}

fn refs() -> Value {
    serde_json::from_slice(&std::fs::read(crate::common::fixture("reference/agreement.json")).unwrap()).unwrap()
}

fn check(c: &Coef, r: &Value, what: &str) {
    let tol = 1e-9;
    assert!(
        (c.estimate - r["estimate"].as_f64().unwrap()).abs() < tol,
        "{what} estimate {} vs {}",
        c.estimate,
        r["estimate"]
    );
    assert!((c.se - r["se"].as_f64().unwrap()).abs() < tol, "{what} se {} vs {}", c.se, r["se"]);
    assert!((c.ci_low - r["ci_low"].as_f64().unwrap()).abs() < tol, "{what} ci_low {} vs {}", c.ci_low, r["ci_low"]);
    assert!(
        (c.ci_high - r["ci_high"].as_f64().unwrap()).abs() < tol,
        "{what} ci_high {} vs {}",
        c.ci_high,
        r["ci_high"]
    );
    assert!((c.pe - r["pe"].as_f64().unwrap()).abs() < tol, "{what} pe");
    assert!((c.pa - r["pa"].as_f64().unwrap()).abs() < tol, "{what} pa");
}

fn check_family(data: &str, key: &str, weights: &str, kind: WeightKind) {
    let t = RatingTable::new(&load_table(data), None).unwrap();
    let r = &refs()[key][weights];
    check(&fleiss_kappa(&t, kind, 0.95).unwrap(), &r["fleiss_kappa"], &format!("{data} {weights} fleiss"));
    check(&gwet_ac(&t, kind, 0.95).unwrap(), &r["gwet_ac"], &format!("{data} {weights} gwet"));
    check(&brennan_prediger(&t, kind, 0.95).unwrap(), &r["brennan_prediger"], &format!("{data} {weights} bp"));
    check(&conger_kappa(&t, kind, 0.95).unwrap(), &r["conger_kappa"], &format!("{data} {weights} conger"));
}

#[test]
fn fleiss1971_published_and_irrcac() {
    let t = RatingTable::new(&load_table("fleiss1971_diagnoses.csv"), None).unwrap();
    // Published / shared expected values.
    let k = fleiss_kappa(&t, WeightKind::Identity, 0.95).unwrap();
    assert_abs_diff_eq!(k.estimate, 0.43024452006014074, epsilon = 1e-12);
    assert_abs_diff_eq!(k.se, 0.0542, epsilon = 5e-5);
    assert_abs_diff_eq!(gwet_ac(&t, WeightKind::Identity, 0.95).unwrap().estimate, 0.44788, epsilon = 5e-6);
    assert_abs_diff_eq!(percent_agreement(&t, WeightKind::Identity).unwrap().0, 0.55556, epsilon = 5e-6);
    let ka = krippendorff_alpha(&t, Level::Nominal, 0.95, 0, 1).unwrap();
    assert_abs_diff_eq!(ka.estimate, 0.4334098282820289, epsilon = 1e-12);
    check_family("fleiss1971_diagnoses.csv", "fleiss1971", "identity", WeightKind::Identity);
}

#[test]
fn missing_ratings_match_irrcac_all_weights() {
    check_family("agree_missing.csv", "agree_missing", "identity", WeightKind::Identity);
    check_family("agree_missing.csv", "agree_missing", "linear", WeightKind::Linear);
    check_family("agree_missing.csv", "agree_missing", "quadratic", WeightKind::Quadratic);
}

#[test]
fn krippendorff_matches_python_package() {
    let r = refs();
    for (data, key) in [("agree_missing.csv", "agree_missing"), ("fleiss1971_diagnoses.csv", "fleiss1971")] {
        let t = RatingTable::new(&load_table(data), None).unwrap();
        for (lvl, name) in [
            (Level::Nominal, "nominal"),
            (Level::Ordinal, "ordinal"),
            (Level::Interval, "interval"),
            (Level::Ratio, "ratio"),
        ] {
            let a = krippendorff_alpha(&t, lvl, 0.95, 0, 1).unwrap().estimate;
            assert_abs_diff_eq!(a, r[key]["krippendorff"][name].as_f64().unwrap(), epsilon = 1e-9);
        }
    }
}

fn cohen_check(data: &str, key: &str) {
    let r = refs();
    let rows = load_table(data);
    let a: Vec<Option<f64>> = rows.iter().map(|r| r[0]).collect();
    let b: Vec<Option<f64>> = rows.iter().map(|r| r[1]).collect();
    for (kind, name) in [
        (WeightKind::Identity, "cohen_kappa"),
        (WeightKind::Linear, "weighted_kappa_linear"),
        (WeightKind::Quadratic, "weighted_kappa_quadratic"),
    ] {
        let c = cohen_kappa(&a, &b, kind, 0.95).unwrap();
        let want = &r[key][name];
        assert_abs_diff_eq!(c.estimate, want["estimate"].as_f64().unwrap(), epsilon = 1e-10);
        assert_abs_diff_eq!(c.se, want["se"].as_f64().unwrap(), epsilon = 1e-10);
        let z = 1.959963984540054;
        assert_abs_diff_eq!(c.ci_low, c.estimate - z * c.se, epsilon = 1e-9);
    }
}

#[test]
fn stuart1953_cohen_and_weighted_kappa() {
    cohen_check("stuart1953_vision.csv", "stuart1953");
    let rows = load_table("stuart1953_vision.csv");
    let a: Vec<Option<f64>> = rows.iter().map(|r| r[0]).collect();
    let b: Vec<Option<f64>> = rows.iter().map(|r| r[1]).collect();
    // Published (shared) values.
    assert_abs_diff_eq!(
        cohen_kappa(&a, &b, WeightKind::Identity, 0.95).unwrap().estimate,
        0.5953888280894342,
        epsilon = 1e-12
    );
    assert_abs_diff_eq!(
        cohen_kappa(&a, &b, WeightKind::Linear, 0.95).unwrap().estimate,
        0.6523804295005982,
        epsilon = 1e-12
    );
    assert_abs_diff_eq!(
        cohen_kappa(&a, &b, WeightKind::Quadratic, 0.95).unwrap().estimate,
        0.7023342524900977,
        epsilon = 1e-12
    );
    let t = RatingTable::new(&rows, None).unwrap();
    assert_abs_diff_eq!(percent_agreement(&t, WeightKind::Identity).unwrap().0, 0.7083054701083322, epsilon = 1e-12);
}

#[test]
fn weighted_kappa_unequal_spacing_matches_statsmodels_with_values() {
    cohen_check("agree_pairs.csv", "agree_pairs");
    let r = refs();
    let rows = load_table("agree_pairs.csv");
    let a: Vec<Option<f64>> = rows.iter().map(|r| r[0]).collect();
    let b: Vec<Option<f64>> = rows.iter().map(|r| r[1]).collect();
    assert_abs_diff_eq!(
        cohen_kappa(&a, &b, WeightKind::Identity, 0.95).unwrap().estimate,
        r["agree_pairs"]["sklearn_unweighted"].as_f64().unwrap(),
        epsilon = 1e-12
    );
}

#[test]
fn within_one_agreement_matches_irrcac_custom_weights() {
    let t = RatingTable::new(&load_table("agree_missing.csv"), None).unwrap();
    let (w1, _) = percent_agreement(&t, WeightKind::WithinOne).unwrap();
    assert_abs_diff_eq!(w1, refs()["agree_missing"]["within_one_pa"].as_f64().unwrap(), epsilon = 1e-12);
}
