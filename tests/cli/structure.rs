//! `stat efa`, `stat irt`, `stat dif`: records pinned to R references (psych, published ltm
//! tables, R glm/mantelhaen.test) through `--format json`.

use crate::common::{bin, fixture};
use serde_json::Value;

fn json(args: &[&str]) -> Vec<Value> {
    let out = bin().args(args).args(["--format", "json"]).assert().success().get_output().stdout.clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    v["results"].as_array().unwrap().clone()
}

fn reference(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(fixture(&format!("structure/{name}"))).unwrap()).unwrap()
}

fn find<'a>(recs: &'a [Value], stat: &str, keys: &[(&str, &str)]) -> &'a Value {
    recs.iter()
        .find(|r| r["statistic"] == stat && keys.iter().all(|(k, v)| r[*k].as_str() == Some(*v)))
        .unwrap_or_else(|| panic!("no {stat} {keys:?}"))
}

fn est(recs: &[Value], stat: &str, keys: &[(&str, &str)]) -> f64 {
    find(recs, stat, keys)["estimate"].as_f64().unwrap_or_else(|| panic!("{stat} {keys:?} is NA"))
}

const HS_ITEMS: &str = "x1,x2,x3,x4,x5,x6,x7,x8,x9";

#[test]
fn efa_ml_oblimin_matches_psych() {
    let f = fixture("structure/HolzingerSwineford1939.csv");
    let refs = reference("efa_psych.json");
    let items: Vec<String> = (1..=9).map(|i| format!("x{i}")).collect();
    for (fm, rot) in [("ml", "oblimin"), ("minres", "promax"), ("ml", "varimax")] {
        let recs = json(&[
            "stat",
            "efa",
            f.to_str().unwrap(),
            "--items",
            HS_ITEMS,
            "--factors",
            "3",
            "--method",
            fm,
            "--rotation",
            rot,
        ]);
        let want = refs["fits"].as_array().unwrap().iter().find(|x| x["fm"] == fm && x["rotate"] == rot).unwrap();
        for (i, item) in items.iter().enumerate() {
            let u = est(&recs, "uniqueness", &[("item", item)]);
            assert!((u - want["uniquenesses"][i].as_f64().unwrap()).abs() < 1e-4, "{fm} {rot} {item}");
            for j in 0..3 {
                let l = est(&recs, "loading", &[("item", item), ("factor", &format!("F{}", j + 1))]);
                assert!((l - want["loadings"][i][j].as_f64().unwrap()).abs() < 1e-4, "{fm} {rot} {item} F{}", j + 1);
            }
        }
        let chi = find(&recs, "chisq", &[]);
        assert!((chi["estimate"].as_f64().unwrap() - want["chisq"].as_f64().unwrap()).abs() < 1e-3);
        assert_eq!(chi["df"].as_f64().unwrap(), 12.0);
        let rmsea = find(&recs, "rmsea", &[]);
        for (k, key) in ["estimate", "ci_low", "ci_high"].iter().enumerate() {
            assert!((rmsea[*key].as_f64().unwrap() - want["rmsea"][k].as_f64().unwrap()).abs() < 1e-4);
        }
        assert!((est(&recs, "tli", &[]) - want["tli"].as_f64().unwrap()).abs() < 1e-3);
        let oblique = rot != "varimax";
        assert_eq!(recs.iter().any(|r| r["statistic"] == "factor_correlation"), oblique);
        if oblique {
            let phi = est(&recs, "factor_correlation", &[("factor", "F1"), ("factor2", "F2")]);
            assert!((phi - want["phi"][0][1].as_f64().unwrap()).abs() < 1e-4);
        }
    }
}

#[test]
fn efa_auto_runs_parallel_analysis_seeded() {
    let f = fixture("structure/HolzingerSwineford1939.csv");
    let run = |threads: &str, seed: &str| {
        bin()
            .args(["--threads", threads, "stat", "efa", f.to_str().unwrap(), "--items", HS_ITEMS, "--factors", "auto"])
            .args(["--seed", seed, "--parallel-iter", "40", "--format", "json"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    assert_eq!(run("1", "5"), run("2", "5"));
    assert_ne!(run("2", "5"), run("2", "6"));
    let v: Value = serde_json::from_slice(&run("2", "5")).unwrap();
    let recs = v["results"].as_array().unwrap();
    let refs = reference("efa_psych.json");
    assert_eq!(est(recs, "parallel_analysis_factors", &[]), refs["parallel_nfact"].as_f64().unwrap());
    let real = est(recs, "eigenvalue", &[("kind", "real"), ("basis", "fa")]);
    assert!((real - refs["eigen_fa_smc"][0].as_f64().unwrap()).abs() < 1e-8);
    assert!(recs.iter().filter(|r| r["statistic"] == "eigenvalue" && r["kind"] == "simulated").count() == 18);
    assert_eq!(recs.iter().filter(|r| r["statistic"] == "loading").count(), 27);
}

#[test]
fn efa_degenerate_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("c.csv");
    std::fs::write(&p, "a,b,c,d\n1,2,5,1\n2,3,5,2\n3,1,5,4\n4,5,5,3\n5,4,5,5\n").unwrap();
    let recs = json(&["stat", "efa", p.to_str().unwrap(), "--factors", "1"]);
    assert!(recs[0]["estimate"].is_null());
    assert!(recs[0]["na_reason"].as_str().unwrap().contains("item c is constant"));
    let f = fixture("structure/HolzingerSwineford1939.csv");
    let recs = json(&["stat", "efa", f.to_str().unwrap(), "--items", HS_ITEMS, "--factors", "6"]);
    assert!(recs[0]["na_reason"].as_str().unwrap().contains("too many factors"), "{:?}", recs[0]);
    bin().args(["stat", "efa", f.to_str().unwrap(), "--factors", "many"]).assert().code(2);
}
