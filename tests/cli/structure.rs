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

#[test]
fn irt_lsat6_matches_reference() {
    let f = fixture("structure/lsat6_persons.csv");
    let refs = reference("irt_lsat6.json");
    for model in ["rasch", "1pl", "2pl"] {
        let recs = json(&["stat", "irt", f.to_str().unwrap(), "--model", model]);
        let want = &refs["fits"][model];
        for (k, item) in ["Q1", "Q2", "Q3", "Q4", "Q5"].iter().enumerate() {
            let d = find(&recs, "difficulty", &[("item", item)]);
            assert!((d["estimate"].as_f64().unwrap() - want["difficulty"][k].as_f64().unwrap()).abs() < 1e-4);
            assert!((d["se"].as_f64().unwrap() - want["se_difficulty"][k].as_f64().unwrap()).abs() < 1e-4);
            let a = find(&recs, "discrimination", &[("item", item)]);
            assert!((a["estimate"].as_f64().unwrap() - want["discrimination"][k].as_f64().unwrap()).abs() < 1e-4);
            assert_eq!(a["se"].is_null(), model == "rasch");
            let info = recs
                .iter()
                .find(|r| r["statistic"] == "item_information" && r["item"] == *item && r["theta"] == 0.0)
                .unwrap();
            assert!(
                (info["estimate"].as_f64().unwrap() - want["item_information"][8][k].as_f64().unwrap()).abs() < 1e-5
            );
        }
        assert!((est(&recs, "loglik", &[]) - want["loglik"].as_f64().unwrap()).abs() < 1e-4);
        assert!((est(&recs, "bic", &[]) - want["bic"].as_f64().unwrap()).abs() < 1e-4);
        assert!(
            (est(&recs, "marginal_reliability", &[]) - want["marginal_reliability"].as_f64().unwrap()).abs() < 1e-5
        );
        assert!((est(&recs, "infit", &[("item", "Q3")]) - want["infit"][2].as_f64().unwrap()).abs() < 1e-4);
        assert_eq!(recs.iter().filter(|r| r["statistic"] == "test_information").count(), 17);
    }
    // ltm's published 2PL (Rizopoulos 2006): difficulties and discriminations to 3 decimals.
    let recs = json(&["stat", "irt", f.to_str().unwrap(), "--model", "2pl"]);
    let published = &refs["published"]["twopl"];
    let b = est(&recs, "difficulty", &[("item", "Q1")]);
    assert!((b - published["difficulty"][0].as_f64().unwrap()).abs() < 2e-3);
}

#[test]
fn irt_degenerate_and_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("c.csv");
    std::fs::write(&p, "a,b,c\n1,1,0\n0,1,1\n1,1,0\n0,1,1\n1,1,1\n").unwrap();
    let recs = json(&["stat", "irt", p.to_str().unwrap(), "--model", "rasch"]);
    assert!(recs[0]["estimate"].is_null());
    assert!(recs[0]["na_reason"].as_str().unwrap().contains("no variation"), "{:?}", recs[0]);
    std::fs::write(&p, "a,b,c\n1,1,0\n0,2,1\n").unwrap();
    let e = bin().args(["stat", "irt", p.to_str().unwrap()]).assert().code(2).get_output().stderr.clone();
    let e = String::from_utf8(e).unwrap();
    assert!(e.contains("'b'") && e.contains("data row 2") && e.contains("0 or 1"), "{e}");
}

const DIF_BIN: &str = "i1,i2,i3,i4,i5,i6,i7,i8,i9,i10";

#[test]
fn dif_matches_r_references() {
    let f = fixture("structure/dif_data.csv");
    let refs = reference("dif_reference.json");
    let recs = json(&["stat", "dif", f.to_str().unwrap(), "--items", DIF_BIN, "--group", "group", "--reference", "R"]);
    for k in 0..10 {
        let item = format!("i{}", k + 1);
        let d = find(&recs, "mh_d_dif", &[("item", &item)]);
        let w = &refs["mh"][k];
        assert!((d["estimate"].as_f64().unwrap() - w["delta"].as_f64().unwrap()).abs() < 1e-8);
        assert!((d["se"].as_f64().unwrap() - w["se_delta"].as_f64().unwrap()).abs() < 1e-6);
        assert!((est(&recs, "mh_chisq", &[("item", &item)]) - w["chisq"].as_f64().unwrap()).abs() < 1e-8);
        let lr = find(&recs, "lr_dif_chisq", &[("item", &item), ("test", "both")]);
        assert!((lr["estimate"].as_f64().unwrap() - refs["logistic"][k]["chisq"][2].as_f64().unwrap()).abs() < 1e-5);
        let r2 = est(&recs, "nagelkerke_delta_r2", &[("item", &item), ("test", "uniform")]);
        assert!((r2 - refs["logistic"][k]["delta_r2"][0].as_f64().unwrap()).abs() < 1e-6);
    }
    // The planted DIF: item 3 (uniform, against the focal group) is ETS class C; item 7 (non-uniform) is
    // flagged by the non-uniform test after the BH adjustment.
    assert_eq!(find(&recs, "mh_d_dif", &[("item", "i3")])["ets_class"], "C");
    let nu = find(&recs, "lr_dif_chisq", &[("item", "i7"), ("test", "nonuniform")]);
    assert!(
        nu["p_adjusted"].as_f64().unwrap() < 0.05
            && nu["p_adjusted"].as_f64().unwrap() >= nu["p_value"].as_f64().unwrap()
    );
    // Purification (difR's iteration) flags the same items as the R loop.
    let pur = json(&[
        "stat",
        "dif",
        f.to_str().unwrap(),
        "--items",
        DIF_BIN,
        "--group",
        "group",
        "--reference",
        "R",
        "--purify",
    ]);
    let it = find(&pur, "dif_purification_iterations", &[("method", "mantel-haenszel")]);
    assert_eq!(it["flagged"], "i3,i5,i7");
    let w = &refs["mh_purified"]["results"][0];
    assert!((est(&pur, "mh_chisq", &[("item", "i1")]) - w["chisq"].as_f64().unwrap()).abs() < 1e-8);
    // Ordinal items: cumulative-logit models; MH is NA with the reason.
    let ord =
        json(&["stat", "dif", f.to_str().unwrap(), "--items", "o1,o2,o3,o4", "--group", "group", "--reference", "R"]);
    assert!(ord[0]["na_reason"].as_str().unwrap().contains("binary"));
    let u = find(&ord, "lr_dif_chisq", &[("item", "o2"), ("test", "uniform")]);
    assert_eq!(u["model"], "cumulative logit");
    assert!((u["estimate"].as_f64().unwrap() - refs["ordinal"][1]["chisq"][0].as_f64().unwrap()).abs() < 1e-5);
}

#[test]
fn dif_bad_groups() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("g.csv");
    std::fs::write(&p, "g,a,b\nR,1,0\nR,0,1\nR,1,1\n").unwrap();
    let e = bin()
        .args(["stat", "dif", p.to_str().unwrap(), "--items", "a,b", "--group", "g", "--reference", "R"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let e = String::from_utf8(e).unwrap();
    assert!(e.contains("'g'") && e.contains("levels R") && e.contains("two groups"), "{e}");
    std::fs::write(&p, "g,a,b\nR,1,0\nF,0.5,1\n").unwrap();
    bin()
        .args(["stat", "dif", p.to_str().unwrap(), "--items", "a,b", "--group", "g", "--reference", "R"])
        .assert()
        .code(2);
}

#[test]
fn efa_polychoric_matches_psych() {
    let f = fixture("structure/dif_data.csv");
    let want = &reference("efa_psych.json")["polychoric"];
    let recs =
        json(&["stat", "efa", f.to_str().unwrap(), "--items", "o1,o2,o3,o4", "--factors", "1", "--cor", "polychoric"]);
    for k in 0..4 {
        let item = format!("o{}", k + 1);
        let l = est(&recs, "loading", &[("item", &item), ("factor", "F1")]);
        assert!((l - want["loadings"][k].as_f64().unwrap()).abs() < 1e-4, "{item}: {l} vs {}", want["loadings"][k]);
        let u = est(&recs, "uniqueness", &[("item", &item)]);
        assert!((u - want["uniquenesses"][k].as_f64().unwrap()).abs() < 1e-4);
    }
    assert!((est(&recs, "chisq", &[]) - want["chisq"].as_f64().unwrap()).abs() < 1e-2);
}
