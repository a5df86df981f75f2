//! `checkval monitor` on `simulate --rounds` data with planted changes (issue 15).

use super::common::{bin, read_csv, sha};
use std::collections::HashMap;
use std::path::Path;

fn simulate(dir: &Path, centers: usize, seed: u64) {
    bin()
        .args(["simulate", "--rounds", "4", "--centers", &centers.to_string(), "--seed", &seed.to_string(), "--out"])
        .arg(dir)
        .assert()
        .success();
}

fn monitor(spec: &Path, out: &Path, extra: &[&str]) {
    bin().arg("monitor").arg(spec).arg("--out").arg(out).args(extra).assert().success();
}

/// Rows of centers.csv keyed by (center, round): the named columns.
fn rows(out: &Path, cols: &[&str]) -> HashMap<(String, String), Vec<String>> {
    let (h, rows) = read_csv(&out.join("centers.csv"));
    let ix: Vec<usize> = cols.iter().map(|c| h.iter().position(|x| x == c).expect(c)).collect();
    let (c, r) = (h.iter().position(|x| x == "center").unwrap(), h.iter().position(|x| x == "round").unwrap());
    rows.into_iter()
        .map(|row| ((row[c].clone(), row[r].clone()), ix.iter().map(|&i| row[i].clone()).collect()))
        .collect()
}

#[test]
fn planted_changes_are_recalled_and_stable_centers_rarely_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("sim");
    simulate(&d, 600, 1);
    let out = tmp.path().join("out");
    monitor(&d.join("study.toml"), &out, &["--cards", "none"]);
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(d.join("truth.json")).unwrap()).unwrap();
    let rows = rows(&out, &["trend", "change", "score", "ci_low", "ci_high", "level", "profile"]);
    let planted = truth["planted"].as_array().unwrap();
    assert!(planted.len() > 80, "{} planted", planted.len());
    let mut hits = 0;
    let mut planted_ids = std::collections::HashSet::new();
    for p in planted {
        let key = (p["center"].as_str().unwrap().to_string(), p["round"].as_str().unwrap().to_string());
        planted_ids.insert(key.0.clone());
        if rows[&key][0] == p["direction"].as_str().unwrap() {
            hits += 1;
        }
    }
    let recall = hits as f64 / planted.len() as f64;
    assert!(recall >= 0.80, "recall {recall:.3} of {} planted changes", planted.len());
    let stable: Vec<&Vec<String>> =
        rows.iter().filter(|(k, v)| !planted_ids.contains(&k.0) && !v[0].is_empty()).map(|(_, v)| v).collect();
    assert!(stable.len() > 1000);
    let flagged = stable.iter().filter(|v| v[0] != "stable").count() as f64 / stable.len() as f64;
    assert!(flagged <= 0.05, "{flagged:.3} of {} stable center-rounds flagged", stable.len());
    // First rounds have no change; every scored row has an interval around its score and a
    // profile that crosses its level with its trend (stable in the first round).
    for ((_, round), v) in &rows {
        let (s, lo, hi): (f64, f64, f64) = (v[2].parse().unwrap(), v[3].parse().unwrap(), v[4].parse().unwrap());
        assert!(lo < s && s < hi);
        assert_eq!(round == "1", v[1].is_empty());
        let trend = if v[0].is_empty() { "stable" } else { &v[0] };
        assert_eq!(v[6], format!("{}_{}", v[5], trend));
    }
    // Tertiles of the first round: a third of centers in each level.
    let low = rows.iter().filter(|(k, v)| k.1 == "1" && v[5] == "low").count();
    assert!((190..=210).contains(&low), "{low} low centers in round 1");
    // The drifting observer is found by check's drift test, downward (stricter over rounds).
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("monitor.json")).unwrap()).unwrap();
    assert_eq!(json["observer_adjusted"], true);
    let obs01 = json["observers"]["observers"].as_array().unwrap().iter().find(|o| o["observer"] == "OBS01").unwrap();
    assert_eq!(obs01["drift"]["flagged"], true, "{obs01}");
    assert!(obs01["drift"]["change"].as_f64().unwrap() < 0.0);
    assert_eq!(json["centers"].as_array().unwrap().len(), rows.len());
    // groups.csv: the network row of round 1 counts every center.
    let (gh, g) = read_csv(&out.join("groups.csv"));
    let n = gh.iter().position(|x| x == "n_centers").unwrap();
    let net = g.iter().find(|r| r[0] == "network" && r[2] == "1").unwrap();
    assert_eq!(net[n], "600");
    assert!(g.iter().any(|r| r[0] == "delegacion"));
}

#[test]
fn monitor_is_thread_independent_and_rounds_come_from_dates_without_a_column() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("sim");
    simulate(&d, 40, 3);
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    bin().args(["--threads", "1", "monitor"]).arg(d.join("study.toml")).arg("--out").arg(&a).assert().success();
    bin().args(["--threads", "2", "monitor"]).arg(d.join("study.toml")).arg("--out").arg(&b).assert().success();
    for f in ["centers.csv", "groups.csv", "monitor.json", "centers.xlsx"] {
        assert_eq!(sha(&a.join(f)), sha(&b.join(f)), "{f}");
    }
    // Without the round column the quarter of the visit date is the round (round r of the
    // simulation is quarter r of 2026–2027).
    let spec = std::fs::read_to_string(d.join("study.toml")).unwrap().replace("round = \"ronda\"\n", "");
    std::fs::write(d.join("by_date.toml"), spec).unwrap();
    let c = tmp.path().join("c");
    monitor(&d.join("by_date.toml"), &c, &["--cards", "none"]);
    let by_col = rows(&a, &["score"]);
    let by_date = rows(&c, &["score"]);
    let quarter = |r: &str| ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"][r.parse::<usize>().unwrap() - 1].to_string();
    assert_eq!(by_col.len(), by_date.len());
    for ((center, round), v) in &by_col {
        assert_eq!(&by_date[&(center.clone(), quarter(round))], v);
    }
}

#[test]
fn bad_monitor_spec_names_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("sim");
    simulate(&d, 10, 2);
    let spec = std::fs::read_to_string(d.join("study.toml")).unwrap().replace("confidence = 0.95", "confidence = 95");
    std::fs::write(d.join("bad.toml"), spec).unwrap();
    let o = bin().arg("monitor").arg(d.join("bad.toml")).arg("--out").arg(tmp.path().join("o")).assert().code(2);
    let err = String::from_utf8_lossy(&o.get_output().stderr).to_string();
    assert!(err.contains("monitor.confidence = 95"), "{err}");
    let spec = std::fs::read_to_string(d.join("study.toml"))
        .unwrap()
        .replace("[monitor.profiles.low_declining]", "[monitor.profiles.low_falling]");
    std::fs::write(d.join("bad2.toml"), spec).unwrap();
    let o = bin().arg("monitor").arg(d.join("bad2.toml")).arg("--out").arg(tmp.path().join("o")).assert().code(2);
    assert!(String::from_utf8_lossy(&o.get_output().stderr).contains("low_falling"));
}

#[test]
fn init_recognises_a_round_column_with_or_without_a_group_prefix() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = super::common::root().join("data-samples/monitor-300");
    for (header, expect) in [("ronda", "ronda"), ("datos-periodo", "datos-periodo"), ("wave", "wave")] {
        let text = std::fs::read_to_string(sample.join("checklist.csv")).unwrap();
        let text = text.replacen(",ronda,", &format!(",{header},"), 1);
        let cl = tmp.path().join(format!("{expect}.csv"));
        std::fs::write(&cl, text).unwrap();
        let draft = tmp.path().join(format!("{expect}.toml"));
        bin()
            .args(["init", "--checklist"])
            .arg(&cl)
            .arg("--roster")
            .arg(sample.join("roster.csv"))
            .arg("-o")
            .arg(&draft)
            .assert()
            .success();
        let spec = std::fs::read_to_string(&draft).unwrap();
        assert!(spec.contains(&format!("round = \"{expect}\"")), "{header}: {spec}");
    }
}

#[test]
fn cards_for_named_centers_and_an_unknown_center_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = super::common::root().join("data-samples/monitor-300/study.toml");
    let out = tmp.path().join("o");
    monitor(&spec, &out, &["--cards", "GDR-000002,GDR-000010", "--lang", "en"]);
    let mut cards: Vec<String> =
        std::fs::read_dir(out.join("cards")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    cards.sort();
    assert_eq!(cards, ["GDR-000002.html", "GDR-000010.html"]);
    let card = std::fs::read_to_string(out.join("cards/GDR-000002.html")).unwrap();
    assert!(card.contains("<html lang='en'>") && card.contains("Three priority items"));
    let dash = std::fs::read_to_string(out.join("dashboard.html")).unwrap();
    assert!(!dash.contains("http://") && !dash.contains("https://"), "no external references");
    let o = bin()
        .arg("monitor")
        .arg(&spec)
        .arg("--out")
        .arg(tmp.path().join("x"))
        .args(["--cards", "NOPE"])
        .assert()
        .failure();
    assert!(String::from_utf8_lossy(&o.get_output().stderr).contains("NOPE"));
}

#[test]
fn levels_default_to_the_validated_roc_cutoff_with_a_validation_study() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("val");
    // A validation study (checklist, CLASS, thresholds) without a [monitor] table: rounds come
    // from the visit dates by quarter, levels from the ROC cut-off by default.
    bin().args(["simulate", "--centers", "80", "--seed", "11", "--out"]).arg(&d).assert().success();
    let v = tmp.path().join("v");
    bin().arg("validity").arg(d.join("study.toml")).arg("--out").arg(&v).assert().success();
    let results: serde_json::Value = serde_json::from_slice(&std::fs::read(v.join("results.json")).unwrap()).unwrap();
    let spec = std::fs::read_to_string(d.join("study.toml")).unwrap();
    let first = spec.split("[[analysis.thresholds]]").nth(1).unwrap();
    let name = first.lines().find_map(|l| l.strip_prefix("name = ")).unwrap().trim_matches('"').to_string();
    let reported = results["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["statistic"] == "youden_threshold"
                && r["threshold"] == name.as_str()
                && r["score"] == "checklist_total"
                && r["level"] == "classroom"
        })
        .expect("run's cut-off")["estimate"]
        .as_f64()
        .unwrap();
    let out = tmp.path().join("m");
    monitor(&d.join("study.toml"), &out, &["--cards", "none"]);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("monitor.json")).unwrap()).unwrap();
    assert_eq!(json["level_rule"], "roc");
    assert_eq!(json["roc_cutoff"]["threshold"], name.as_str());
    assert_eq!(json["roc_cutoff"]["rule"], "youden");
    assert_eq!(json["roc_cutoff"]["cutoff"].as_f64().unwrap(), reported);
    let (lo, hi) = (json["cutoffs"][0].as_f64().unwrap(), json["cutoffs"][1].as_f64().unwrap());
    assert_eq!(lo, reported);
    // A `below` threshold: low is what the screen flags (total ≤ cut-off); medium and high split
    // at the median of the other centers' first-round scores.
    assert_eq!(json["low_at_cutoff"], true);
    let rows = rows(&out, &["score", "level"]);
    let first_round = json["rounds"][0].as_str().unwrap();
    let mut rest: Vec<f64> = rows
        .iter()
        .filter(|(k, _)| k.1 == first_round)
        .map(|(_, v)| v[0].parse::<f64>().unwrap())
        .filter(|&s| s > lo)
        .collect();
    rest.sort_by(f64::total_cmp);
    let median = if rest.len() % 2 == 1 {
        rest[rest.len() / 2]
    } else {
        (rest[rest.len() / 2 - 1] + rest[rest.len() / 2]) / 2.0
    };
    assert!((hi - median).abs() < 1e-12, "{hi} vs {median}");
    let mut seen = std::collections::HashSet::new();
    for v in rows.values() {
        let s: f64 = v[0].parse().unwrap();
        let expect = if s <= lo {
            "low"
        } else if s >= hi {
            "high"
        } else {
            "medium"
        };
        assert_eq!(v[1], expect, "score {s}");
        seen.insert(v[1].clone());
    }
    assert!(seen.contains("medium") && seen.contains("high"), "{seen:?}");
    // Explicit tertiles still win; without CLASS data the default is tertiles and "roc" is a
    // spec error that names the key.
    let t = spec.replace("[analysis]", "[monitor]\nlevels = \"tertiles\"\n\n[analysis]");
    std::fs::write(d.join("tertiles.toml"), t).unwrap();
    let out_t = tmp.path().join("t");
    monitor(&d.join("tertiles.toml"), &out_t, &["--cards", "none"]);
    let jt: serde_json::Value = serde_json::from_slice(&std::fs::read(out_t.join("monitor.json")).unwrap()).unwrap();
    assert_eq!(jt["level_rule"], "tertiles");
    assert!(jt["roc_cutoff"].is_null());
    let sim = tmp.path().join("sim");
    simulate(&sim, 10, 2);
    let s = std::fs::read_to_string(sim.join("study.toml")).unwrap();
    std::fs::write(sim.join("default.toml"), s.replace("levels = \"tertiles\"\n", "")).unwrap();
    let out_d = tmp.path().join("d");
    monitor(&sim.join("default.toml"), &out_d, &["--cards", "none"]);
    let jd: serde_json::Value = serde_json::from_slice(&std::fs::read(out_d.join("monitor.json")).unwrap()).unwrap();
    assert_eq!(jd["level_rule"], "tertiles");
    std::fs::write(sim.join("roc.toml"), s.replace("levels = \"tertiles\"", "levels = \"roc\"")).unwrap();
    let o = bin().arg("monitor").arg(sim.join("roc.toml")).arg("--out").arg(tmp.path().join("r")).assert().code(2);
    assert!(String::from_utf8_lossy(&o.get_output().stderr).contains("monitor.levels = \"roc\""));
}

/// centers.xlsx read back with calamine: every row of centers.csv by default (under
/// `monitor.xlsx_all_rounds_up_to` centers); `--xlsx latest` (the default above it) each
/// center's latest round, with the CSV's values; `--xlsx none` no workbook, and an earlier one
/// is removed.
#[test]
fn workbook_rows_follow_xlsx() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("sim");
    simulate(&d, 30, 5);
    let spec = d.join("study.toml");
    let sheet_rows = |out: &Path| -> Vec<Vec<String>> {
        let mut wb: Xlsx<_> = open_workbook(out.join("centers.xlsx")).unwrap();
        let range = wb.worksheet_range("centers").unwrap();
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(|c| if let Data::Float(v) = c { format!("{v}") } else { c.to_string() }).collect())
            .collect();
        let head = rows.iter().position(|r| r.first().is_some_and(|c| c == "center")).expect("header row");
        rows[head + 1..].to_vec()
    };
    let all = tmp.path().join("all");
    monitor(&spec, &all, &["--cards", "none"]);
    let (h, csv_rows) = read_csv(&all.join("centers.csv"));
    let col = |c: &str| h.iter().position(|x| x == c).unwrap();
    let (ci, ri, si) = (col("center"), col("round"), col("score"));
    let book = sheet_rows(&all);
    assert_eq!(book.len(), csv_rows.len());
    assert_eq!(book.len(), 30 * 4);
    // The same simulation above the threshold: each center's latest round, the CSV's values.
    let small =
        std::fs::read_to_string(&spec).unwrap().replace("[monitor]\n", "[monitor]\nxlsx_all_rounds_up_to = 10\n");
    std::fs::write(d.join("small.toml"), small).unwrap();
    let latest = tmp.path().join("latest");
    monitor(&d.join("small.toml"), &latest, &["--cards", "none"]);
    let book = sheet_rows(&latest);
    assert_eq!(book.len(), 30);
    let mut last: HashMap<String, (u32, String)> = HashMap::new();
    for r in &csv_rows {
        let round: u32 = r[ri].parse().unwrap();
        let e = last.entry(r[ci].clone()).or_insert((0, String::new()));
        if round >= e.0 {
            *e = (round, r[si].clone());
        }
    }
    for r in &book {
        let (round, score) = &last[&r[ci]];
        assert_eq!(r[ri], round.to_string(), "{}", r[ci]);
        let (a, b): (f64, f64) = (r[si].parse().unwrap(), score.parse().unwrap());
        assert!((a - b).abs() <= 1e-12 * b.abs(), "{}: {a} vs {b}", r[ci]);
    }
    // --xlsx none: no workbook, and the earlier one is gone.
    bin()
        .arg("monitor")
        .arg(&spec)
        .arg("--out")
        .arg(&all)
        .args(["--cards", "none", "--xlsx", "none"])
        .assert()
        .success();
    assert!(!all.join("centers.xlsx").exists());
    assert!(all.join("centers.csv").exists());
}
