//! `checkval stat cfa`: pinned to lavaan 0.6.14 (`scripts/reference/cfa.R`, `tests/fixtures/cfa/`).

use crate::common::*;
use serde_json::Value;

const HS: &str = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9";
const BIN: &str = "f1 =~ y1 + y2 + y3 + y4\nf2 =~ y5 + y6 + y7 + y8\nf3 =~ y9 + y10 + y11 + y12";

fn json(args: &[&str]) -> Vec<Value> {
    let out = bin().args(args).args(["--format", "json"]).assert().success().get_output().stdout.clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    v["results"].as_array().unwrap().clone()
}

fn lavaan(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(fixture(&format!("cfa/{name}"))).unwrap()).unwrap()
}

fn stat<'a>(recs: &'a [Value], s: &str) -> &'a Value {
    recs.iter().find(|r| r["statistic"] == s).unwrap_or_else(|| panic!("no {s}"))
}

fn close(ours: &Value, theirs: &Value, tol: f64, what: &str) {
    let (a, b) = (ours.as_f64().unwrap(), theirs.as_f64().unwrap());
    assert!((a - b).abs() < tol * b.abs().max(1.0), "{what}: checkval {a}, lavaan {b}");
}

#[test]
fn holzinger_swineford_ml_matches_lavaan() {
    let f = fixture("cfa/hs.csv");
    let recs = json(&["stat", "cfa", f.to_str().unwrap(), "--model", HS]);
    let r = lavaan("hs_ml.json");
    for (ours, theirs) in [
        ("chisq", "chisq"),
        ("df", "df"),
        ("p_value", "pvalue"),
        ("cfi", "cfi"),
        ("tli", "tli"),
        ("rmsea", "rmsea"),
        ("srmr", "srmr"),
        ("aic", "aic"),
        ("bic", "bic"),
        ("loglik", "logl"),
    ] {
        close(&stat(&recs, ours)["estimate"], &r["fit"][theirs][0], 1e-4, ours);
    }
    let rm = stat(&recs, "rmsea");
    close(&rm["ci_low"], &r["fit"]["rmsea.ci.lower"][0], 1e-4, "rmsea ci_low");
    close(&rm["ci_high"], &r["fit"]["rmsea.ci.upper"][0], 1e-4, "rmsea ci_high");
    assert_eq!(stat(&recs, "chisq")["n"], 301);
    assert_eq!(stat(&recs, "chisq")["estimator"], "ML");
    // The published values (lavaan tutorial): chi-square 85.306 on 24 df, CFI .931, TLI .896,
    // RMSEA .092 [.071, .114], SRMR .065.
    assert!((stat(&recs, "chisq")["estimate"].as_f64().unwrap() - 85.306).abs() < 5e-4);
    for e in r["std_all"].as_array().unwrap() {
        let rec = if e["op"] == "=~" {
            recs.iter().find(|x| x["statistic"] == "std_loading" && x["factor"] == e["lhs"] && x["item"] == e["rhs"])
        } else if e["op"] == "~~" && e["lhs"] != e["rhs"] && e["lhs"].as_str().unwrap().len() > 2 {
            recs.iter()
                .find(|x| x["statistic"] == "factor_correlation" && x["factor"] == e["lhs"] && x["factor2"] == e["rhs"])
        } else {
            continue;
        };
        let rec = rec.unwrap_or_else(|| panic!("no record for {e}"));
        close(&rec["estimate"], &e["est"], 1e-4, "std.all");
        close(&rec["se"], &e["se"], 1e-4, "std.all se");
    }
    let mi: Vec<&Value> = recs.iter().filter(|x| x["statistic"] == "modification_index").collect();
    let refs = r["modindices"].as_array().unwrap();
    assert_eq!(mi.len(), 10);
    for (o, e) in mi.iter().zip(refs) {
        assert_eq!((&o["lhs"], &o["op"], &o["rhs"]), (&e["lhs"], &e["op"], &e["rhs"]));
        close(&o["estimate"], &e["mi"], 1e-4, "mi");
        close(&o["epc"], &e["epc"], 1e-4, "epc");
    }
}

#[test]
fn binary_items_wlsmv_match_lavaan() {
    let f = fixture("cfa/binary3x4.csv");
    let recs = json(&["stat", "cfa", f.to_str().unwrap(), "--model", BIN, "--ordered", "all"]);
    let r = lavaan("binary3x4_wlsmv.json");
    for (ours, theirs) in [
        ("chisq", "chisq"),
        ("chisq_scaled", "chisq.scaled"),
        ("cfi_scaled", "cfi.scaled"),
        ("tli_scaled", "tli.scaled"),
        ("rmsea_scaled", "rmsea.scaled"),
        ("cfi", "cfi"),
        ("tli", "tli"),
        ("rmsea", "rmsea"),
        ("srmr", "srmr"),
    ] {
        close(&stat(&recs, ours)["estimate"], &r["fit"][theirs][0], 2e-3, ours);
    }
    close(&stat(&recs, "chisq_scaled")["p_value"], &r["fit"]["pvalue.scaled"][0], 2e-3, "p scaled");
    assert_eq!(stat(&recs, "df")["estimate"], 51.0);
    assert_eq!(stat(&recs, "chisq")["estimator"], "WLSMV");
    for e in r["std_all"].as_array().unwrap().iter().filter(|e| e["op"] == "=~") {
        let rec = recs
            .iter()
            .find(|x| x["statistic"] == "std_loading" && x["factor"] == e["lhs"] && x["item"] == e["rhs"])
            .unwrap();
        close(&rec["estimate"], &e["est"], 2e-3, "std.all");
        close(&rec["se"], &e["se"], 2e-3, "std.all se");
    }
    // The same fit with explicit --estimator and the items listed.
    let items: Vec<String> = (1..=12).map(|i| format!("y{i}")).collect();
    let recs2 = json(&[
        "stat",
        "cfa",
        f.to_str().unwrap(),
        "--model",
        BIN,
        "--ordered",
        &items.join(","),
        "--estimator",
        "wlsmv",
        "--std-lv",
    ]);
    close(&stat(&recs2, "chisq_scaled")["estimate"], &r["std_lv"]["fit"]["chisq.scaled"][0], 2e-3, "std-lv");
}

#[test]
fn syntax_error_names_the_statement() {
    let f = fixture("cfa/hs.csv");
    let out = bin().args(["stat", "cfa", f.to_str().unwrap(), "--model", "visual =~ x1 + x2; textual ~ x4"]).assert();
    let err = String::from_utf8(out.code(2).get_output().stderr.clone()).unwrap();
    assert!(err.contains("textual ~ x4") && err.contains("'=~'"), "{err}");
    let out = bin()
        .args(["stat", "cfa", f.to_str().unwrap(), "--model", "visual =~ x1 + x2 + x3", "--ordered", "x1"])
        .assert();
    let err = String::from_utf8(out.code(2).get_output().stderr.clone()).unwrap();
    assert!(err.contains("--ordered") && err.contains("'x2' not listed"), "{err}");
}

#[test]
fn constant_item_gives_na_records_with_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("const.csv");
    let mut s = String::from("a,b,c,d\n");
    for i in 0..60 {
        s.push_str(&format!("{},{},{},1\n", i % 2, (i / 2) % 2, (i / 3) % 2));
    }
    std::fs::write(&p, s).unwrap();
    let recs = json(&["stat", "cfa", p.to_str().unwrap(), "--model", "f =~ a + b + c + d", "--ordered", "all"]);
    for s in ["chisq", "chisq_scaled", "cfi_scaled", "std_loading"] {
        let r = stat(&recs, s);
        assert!(r["estimate"].is_null(), "{s}");
        assert!(r["na_reason"].as_str().unwrap().contains("'d' is constant"), "{s}: {r}");
    }
    // Non-integer codes for ordered items are an input error naming the column.
    std::fs::write(&p, "a,b,c\n0,1,0.5\n1,0,1\n0,0,1\n1,1,0\n").unwrap();
    let out =
        bin().args(["stat", "cfa", p.to_str().unwrap(), "--model", "f =~ a + b + c", "--ordered", "all"]).assert();
    let err = String::from_utf8(out.code(2).get_output().stderr.clone()).unwrap();
    assert!(err.contains("'c'") && err.contains("integer category"), "{err}");
}
