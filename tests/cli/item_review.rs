//! Items to review: planted weak items are flagged with the right reasons, in results.json and
//! in the report.

use crate::common::*;
use serde_json::Value;

/// Rewrites one item column of the checklist export with `f(row index)`.
fn rewrite_column(path: &std::path::Path, column: &str, f: impl Fn(usize) -> &'static str) {
    let mut rd = csv::Reader::from_path(path).unwrap();
    let headers = rd.headers().unwrap().clone();
    let col = headers.iter().position(|h| h == column).unwrap_or_else(|| panic!("no column {column}"));
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    let mut wr = csv::Writer::from_path(path).unwrap();
    wr.write_record(&headers).unwrap();
    for (i, r) in rows.iter().enumerate() {
        let mut v: Vec<&str> = r.iter().collect();
        v[col] = f(i);
        wr.write_record(&v).unwrap();
    }
    wr.flush().unwrap();
}

fn review<'a>(results: &'a [Value], item: &str) -> &'a Value {
    results.iter().find(|r| r["statistic"] == "item_review" && r["item"] == item).unwrap()
}

fn flags(r: &Value) -> Vec<&str> {
    r["flags"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect()
}

#[test]
fn planted_weak_items_are_flagged_with_their_reasons() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = tmp.path().join("sim");
    bin().args(["simulate", "--out", sim.to_str().unwrap(), "--centers", "40", "--seed", "5", "-q"]).assert().success();
    let checklist = sim.join("checklist.csv");
    // cl01 always met: a ceiling. cl02 a coin toss (a fixed pseudo-random pattern): it carries
    // no signal, so it neither correlates with the total nor with CLASS, and observers disagree.
    rewrite_column(&checklist, "clima-cl01", |_| "Sí");
    rewrite_column(&checklist, "clima-cl02", |i| if (i * 7919 + 13) % 17 < 8 { "Sí" } else { "No" });
    let out = tmp.path().join("out");
    bin()
        .args(["run", sim.join("study.toml").to_str().unwrap(), "--out", out.to_str().unwrap(), "-q", "--lang", "en"])
        .assert()
        .success();
    let v: Value = serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let results = v["results"].as_array().unwrap();
    let cl01 = review(results, "cl01");
    assert!(flags(cl01).contains(&"ceiling"), "{cl01}");
    assert!((cl01["p"].as_f64().unwrap() - 1.0).abs() < 1e-12, "{cl01}");
    let cl02 = review(results, "cl02");
    for f in ["low_discrimination", "no_class_validity", "low_agreement"] {
        assert!(flags(cl02).contains(&f), "cl02 lacks {f}: {cl02}");
    }
    assert_eq!(cl02["estimate"].as_f64().unwrap() as usize, flags(cl02).len());
    // An untouched item of the simulated checklist works.
    let cl03 = review(results, "cl03");
    assert!(!flags(cl03).iter().any(|f| ["ceiling", "floor", "low_discrimination"].contains(f)), "{cl03}");
    // The report lists the flagged items with the reasons in words, and the key findings count them.
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let table = &md[md.find("**Items to review**").expect("table")..];
    assert!(table.contains("| cl02 |") && table.contains("unrelated to CLASS"), "{table}");
    assert!(table.contains("| cl01 |") && table.contains("almost always met (ceiling)"));
    let n = results.iter().filter(|r| r["statistic"] == "item_review" && r["estimate"].as_f64().unwrap() > 0.0).count();
    assert!(md.contains(&format!("Items to review: {n} of 40 (")), "key finding");
}
