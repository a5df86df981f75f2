//! Dependability (G and D studies) in `run`: records, report section, figures, findings, and the
//! study path against `stat gstudy` on the same long data.

use crate::common::*;
use serde_json::Value;

fn results(out: &std::path::Path) -> Vec<Value> {
    let v: Value = serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    v["results"].as_array().unwrap().clone()
}

fn dep<'a>(recs: &'a [Value], gstudy: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    recs.iter().filter(move |r| r["analysis"] == "dependability" && r["gstudy"] == gstudy)
}

/// The D-study key of a coefficient record: score, design and every `n_*` size.
fn d_key(r: &Value) -> String {
    let mut k: Vec<String> = r
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("n_") || *k == "score" || *k == "design")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    k.sort();
    k.join(",")
}

fn f(r: &Value, k: &str) -> f64 {
    r[k].as_f64().unwrap_or_else(|| panic!("{k} in {r}"))
}

#[test]
fn run_reports_dependability_on_a_simulated_study() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = tmp.path().join("sim");
    bin()
        .args(["simulate", "--out", sim.to_str().unwrap(), "--centers", "40", "--seed", "11", "-q"])
        .assert()
        .success();
    let spec = sim.join("study.toml");
    for lang in ["en", "es"] {
        let out = tmp.path().join(lang);
        bin()
            .args(["run", spec.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q", "--lang", lang])
            .assert()
            .success();
    }
    let svg = tmp.path().join("center.svg");
    bin()
        .args(["plot", "d-study", spec.to_str().unwrap(), "--out", svg.to_str().unwrap(), "--variant", "center", "-q"])
        .assert()
        .success();
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    let out = tmp.path().join("en");
    let recs = results(&out);
    // Every G study ran and every estimate is finite and sane.
    for g in ["class_cycles", "checklist_items", "checklist_observers", "center_monitoring"] {
        let comps: Vec<&Value> = dep(&recs, g).filter(|r| r["statistic"] == "variance_component").collect();
        assert!(!comps.is_empty(), "{g}: no components");
        for c in &comps {
            assert!(f(c, "estimate") >= 0.0 && (0.0..=1.0).contains(&f(c, "share")), "{g}: {c}");
        }
    }
    // 0 ≤ Φ ≤ Eρ² ≤ 1 for every D study.
    let mut n_pairs = 0;
    for phi in recs.iter().filter(|r| r["analysis"] == "dependability" && r["statistic"] == "phi_coefficient") {
        let Some(p) = phi["estimate"].as_f64() else { continue };
        let g = recs
            .iter()
            .find(|r| r["statistic"] == "g_coefficient" && r["gstudy"] == phi["gstudy"] && d_key(r) == d_key(phi))
            .unwrap_or_else(|| panic!("no Eρ² for {phi}"));
        let e = f(g, "estimate");
        assert!((0.0..=1.0).contains(&p) && p <= e + 1e-12 && e <= 1.0, "Φ {p} Eρ² {e}: {phi}");
        n_pairs += 1;
    }
    assert!(n_pairs > 100, "{n_pairs} D studies");
    // Φ increases with cycles (CLASS) and with classrooms (center mean).
    let series = |g: &str, score: &str, x: &str, fixed: (&str, f64)| -> Vec<f64> {
        let mut v: Vec<(f64, f64)> = dep(&recs, g)
            .filter(|r| r["statistic"] == "phi_coefficient" && r["design"] == "d_study" && r["score"] == score)
            .filter(|r| r[fixed.0].as_f64() == Some(fixed.1))
            .map(|r| (f(r, x), f(r, "estimate")))
            .collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        v.into_iter().map(|p| p.1).collect()
    };
    for score in ["class_EBS", "class_ESL", "class_PC"] {
        for n_o in [1.0, 2.0] {
            let s = series("class_cycles", score, "n_cycle", ("n_observer", n_o));
            assert_eq!(s.len(), 6, "{score}");
            assert!(s.windows(2).all(|w| w[1] > w[0]), "{score} {n_o}: {s:?}");
        }
        // The cycles needed are the first number of cycles with Φ ≥ .80.
        let need = dep(&recs, "class_cycles")
            .find(|r| r["statistic"] == "cycles_needed" && r["score"] == score && r["n_observer"] == 1)
            .unwrap();
        assert_eq!(need["target"], 0.8);
        let s = series("class_cycles", score, "n_cycle", ("n_observer", 1.0));
        match need["estimate"].as_f64() {
            Some(k) if k <= 6.0 => {
                assert!(s[k as usize - 1] >= 0.8 && (k == 1.0 || s[k as usize - 2] < 0.8), "{need} {s:?}")
            }
            Some(_) => assert!(s[5] < 0.8),
            None => assert!(need["na_reason"].as_str().unwrap().contains("12 cycles"), "{need}"),
        }
    }
    for n_v in [1.0, 2.0] {
        let s = series("center_monitoring", "checklist_total", "n_classroom", ("n_visit", n_v));
        assert_eq!(s.len(), 6);
        assert!(s.windows(2).all(|w| w[1] > w[0]), "center {n_v}: {s:?}");
    }
    let visit = dep(&recs, "center_monitoring").next().unwrap();
    assert_eq!(visit["visit_variance"], "observer_error_lower_bound", "one visit per classroom, some double-coded");
    assert_eq!(
        dep(&recs, "center_monitoring").filter(|r| r["statistic"] == "classrooms_needed").count(),
        8,
        "two targets × four visit counts"
    );
    // The section in both languages, its tables, the figures and the key finding.
    let md_en = std::fs::read_to_string(out.join("report.md")).unwrap();
    let md_es = std::fs::read_to_string(tmp.path().join("es/report.md")).unwrap();
    assert!(md_en.contains("## Dependability (generalizability theory)"));
    assert!(md_es.contains("## Dependabilidad (teoría de la generalizabilidad)"));
    let rel = md_en.find("## Reliability").unwrap();
    let dep_at = md_en.find("## Dependability").unwrap();
    let val = md_en.find("## Concurrent validity").unwrap();
    assert!(rel < dep_at && dep_at < val, "dependability comes after reliability");
    for id in ["gstudy-class", "dstudy-class", "gstudy-checklist", "dstudy-checklist", "gstudy-center"] {
        assert!(md_en.contains(&format!("tab-{id}")), "{id} missing");
        assert!(out.join(format!("tables/{id}.csv")).exists(), "tables/{id}.csv");
    }
    for id in ["d-study-EBS", "d-study-ESL", "d-study-center"] {
        for ext in ["svg", "png"] {
            let p = out.join(format!("figures/{id}.{ext}"));
            assert!(std::fs::metadata(&p).map(|m| m.len() > 1000).unwrap_or(false), "{}", p.display());
        }
    }
    let ebs = dep(&recs, "class_cycles")
        .find(|r| {
            r["statistic"] == "phi_coefficient"
                && r["score"] == "class_EBS"
                && r["n_cycle"] == 4.0
                && r["n_observer"] == 1.0
                && r["design"] == "d_study"
        })
        .unwrap();
    let phi = checkval::format::bounded(f(ebs, "estimate"), 2);
    let findings = &md_en[..md_en.find("## Sample").unwrap()];
    assert!(
        findings.contains(&format!("with 4 cycles and one observer: CLASS EBS Φ = {phi}")),
        "{phi} not in findings: {findings}"
    );
    let findings_es = &md_es[..md_es.find("## Muestra").unwrap()];
    assert!(findings_es.contains(&format!("con 4 ciclos y un observador: CLASS EBS Φ = {phi}")), "{findings_es}");
    let methods = &md_en[md_en.find("## Methods").unwrap()..];
    assert!(methods.contains("Brennan, 2001"));
}

#[test]
fn class_gstudy_in_run_equals_stat_gstudy_and_hand_values() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = fixture("gtheory-study/study.toml");
    let out = tmp.path().join("out");
    bin().args(["run", spec.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]).assert().success();
    let recs = results(&out);
    let pc: Vec<&Value> = dep(&recs, "class_cycles").filter(|r| r["score"] == "class_PC").collect();
    let stat = bin()
        .args([
            "stat",
            "gstudy",
            fixture("gtheory-study/class_PC_long.csv").to_str().unwrap(),
            "--score",
            "score",
            "--object",
            "classroom",
            "--facets",
            "cycle,observer",
            "--d-study",
            "cycle=1,2,3,4,5,6",
            "--d-study",
            "observer=1,2",
            "--bootstrap",
            "0",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stat: Value = serde_json::from_slice(&stat).unwrap();
    let stat = stat["results"].as_array().unwrap();
    // Same components and the same D studies (the study adds only its context keys).
    let mut compared = 0;
    for s in stat {
        let find = |r: &&&Value| {
            r["statistic"] == s["statistic"]
                && r["effect"] == s["effect"]
                && r["design"] == s["design"]
                && r["n_cycle"] == s["n_cycle"]
                && r["n_observer"] == s["n_observer"]
        };
        let r = pc.iter().find(find).unwrap_or_else(|| panic!("run lacks {s}"));
        let (a, b) = (f(r, "estimate"), f(s, "estimate"));
        assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{s} vs {r}");
        assert_eq!(r["method"], s["method"]);
        compared += 1;
    }
    assert_eq!(compared, 7 + 4 * 13, "7 components, 13 D studies × 4 coefficients");
    // Hand values (Brennan's EMS on the balanced 4 × 2 × 2 design; see the fixture's study.toml).
    let comp = |e: &str| {
        f(pc.iter().find(|r| r["statistic"] == "variance_component" && r["effect"] == e).unwrap(), "estimate")
    };
    for (e, v) in [
        ("classroom", 11.0 / 6.0),
        ("cycle", 1.0 / 3.0),
        ("observer", 0.0),
        ("classroom x cycle", 0.0),
        ("classroom x observer", 1.0 / 6.0),
        ("cycle x observer", 0.0),
        ("residual", 9.0 / 16.0),
    ] {
        assert!((comp(e) - v).abs() < 1e-12, "{e}: {} vs {v}", comp(e));
    }
    let phi =
        |nc: f64, no: f64| (11.0 / 6.0) / (11.0 / 6.0 + (1.0 / 3.0) / nc + (1.0 / 6.0) / no + (9.0 / 16.0) / (nc * no));
    let d = |nc: f64, no: f64| {
        f(
            pc.iter()
                .find(|r| {
                    r["statistic"] == "phi_coefficient"
                        && r["design"] == "d_study"
                        && r["n_cycle"] == nc
                        && r["n_observer"] == no
                })
                .unwrap(),
            "estimate",
        )
    };
    for (nc, no) in [(1.0, 1.0), (4.0, 1.0), (3.0, 2.0)] {
        assert!((d(nc, no) - phi(nc, no)).abs() < 1e-12);
    }
    let need = |no: i64| {
        pc.iter().find(|r| r["statistic"] == "cycles_needed" && r["n_observer"] == no).unwrap()["estimate"].as_f64()
    };
    assert_eq!((need(1), need(2)), (Some(4.0), Some(2.0)), "Φ(3, 1) = .798 < .80 ≤ Φ(4, 1) = .824");
    // Only the four double-coded classrooms enter (the fifth was seen once); ANOVA gets a seeded CI.
    let obs = pc.iter().find(|r| r["statistic"] == "phi_coefficient" && r["design"] == "observed").unwrap();
    assert_eq!(obs["n"], 4);
    assert_eq!(obs["method"], "ANOVA (expected mean squares)");
    assert!(obs["ci_low"].as_f64().is_some(), "{obs}");
}

#[test]
fn studies_without_class_or_double_coding_still_run() {
    let tmp = tempfile::tempdir().unwrap();
    // mini: one CLASS double-coded pair and one checklist pair: the G studies are NA with reasons.
    let out = tmp.path().join("mini");
    bin()
        .args(["run", fixture("mini/study.toml").to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"])
        .assert()
        .success();
    let recs = results(&out);
    let deps: Vec<&Value> = recs.iter().filter(|r| r["analysis"] == "dependability").collect();
    assert!(!deps.is_empty());
    for r in &deps {
        match r["estimate"].as_f64() {
            Some(v) => assert!(v.is_finite()),
            None => assert!(!r["na_reason"].as_str().unwrap_or("").is_empty(), "{r}"),
        }
    }
    assert!(deps.iter().any(|r| r["gstudy"] == "class_cycles" && r["estimate"].is_null()));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("## Dependabilidad"));
    // A checklist-only study: no CLASS records, the checklist and center studies still run.
    let sim = tmp.path().join("sim");
    bin()
        .args(["simulate", "--out", sim.to_str().unwrap(), "--centers", "20", "--seed", "3", "--checklist-only", "-q"])
        .assert()
        .success();
    let out = tmp.path().join("sim-out");
    bin()
        .args(["run", sim.join("study.toml").to_str().unwrap(), "--out", out.to_str().unwrap(), "-q", "--lang", "en"])
        .assert()
        .success();
    let recs = results(&out);
    assert!(dep(&recs, "class_cycles").next().is_none());
    assert!(dep(&recs, "checklist_items").any(|r| r["statistic"] == "phi_coefficient" && r["estimate"].is_number()));
    assert!(dep(&recs, "center_monitoring").any(|r| r["statistic"] == "phi_coefficient" && r["estimate"].is_number()));
}

/// The center design follows the data: repeated visits give the visit variance; without repeated
/// visits or double coding, more visits are NA with the reason.
#[test]
fn center_design_follows_the_data() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = tmp.path().join("sim");
    bin()
        .args(["simulate", "--out", sim.to_str().unwrap(), "--centers", "30", "--seed", "5", "--checklist-only", "-q"])
        .assert()
        .success();
    let mut r = csv::Reader::from_path(sim.join("checklist.csv")).unwrap();
    let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<Vec<String>> = r.records().map(|x| x.unwrap().iter().map(String::from).collect()).collect();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let (rol, fecha, key) = (col("rol"), col("fecha_visita"), col("KEY"));
    let write = |dir: &str, rows: &[Vec<String>]| {
        let d = tmp.path().join(dir);
        copy_dir(&sim, &d);
        let mut w = csv::Writer::from_path(d.join("checklist.csv")).unwrap();
        w.write_record(&head).unwrap();
        for row in rows {
            w.write_record(row).unwrap();
        }
        w.flush().unwrap();
        let out = d.join("out");
        bin()
            .args(["run", d.join("study.toml").to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"])
            .assert()
            .success();
        results(&out)
    };
    let phi = |recs: &[Value], n_r: f64, n_v: f64| {
        dep(recs, "center_monitoring")
            .find(|r| r["statistic"] == "phi_coefficient" && r["n_classroom"] == n_r && r["n_visit"] == n_v)
            .unwrap()
            .clone()
    };
    // A second visit, a week later, to every other classroom, with some answers changed.
    let mut repeated = rows.clone();
    for (i, row) in rows.iter().enumerate().filter(|(i, r)| r[rol] == "principal" && i % 2 == 0) {
        let mut copy = row.clone();
        copy[fecha] = "2026-08-03".into();
        copy[key] = format!("{}-second", row[key]);
        for (j, cell) in copy.iter_mut().enumerate() {
            if (i + j) % 4 == 0 && (cell == "Sí" || cell == "No") {
                *cell = if cell == "Sí" { "No".into() } else { "Sí".into() };
            }
        }
        repeated.push(copy);
    }
    let recs = write("repeated", &repeated);
    assert!(dep(&recs, "center_monitoring").all(|r| r["visit_variance"] == "repeated_visits"));
    assert!(dep(&recs, "center_monitoring").any(|r| r["effect"] == "visit:classroom:center"));
    let (one, two) = (f(&phi(&recs, 3.0, 1.0), "estimate"), f(&phi(&recs, 3.0, 2.0), "estimate"));
    assert!(two > one + 1e-4, "a second visit helps when visits differ: {one} → {two}");
    // No double coding and one visit per classroom: visits beyond one are not identifiable.
    let single: Vec<Vec<String>> = rows.iter().filter(|r| r[rol] == "principal").cloned().collect();
    let recs = write("single", &single);
    assert!(dep(&recs, "center_monitoring").all(|r| r["visit_variance"] == "not_identifiable"));
    assert!(f(&phi(&recs, 3.0, 1.0), "estimate") > 0.0);
    let p2 = phi(&recs, 3.0, 2.0);
    assert!(p2["estimate"].is_null() && p2["na_reason"].as_str().unwrap().contains("not identifiable"), "{p2}");
    let need =
        dep(&recs, "center_monitoring").find(|r| r["statistic"] == "classrooms_needed" && r["n_visit"] == 2).unwrap();
    assert!(need["estimate"].is_null(), "{need}");
}
