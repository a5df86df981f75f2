//! Issue 2: spec → ingest → scores → run, against hand computations.

use crate::common::*;
use approx::assert_abs_diff_eq;

fn score_mini(out: &std::path::Path) {
    bin()
        .args(["score", fixture("mini/study.toml").to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"])
        .assert()
        .success();
}

#[test]
fn checklist_proration_by_hand() {
    let tmp = tempfile::tempdir().unwrap();
    score_mini(tmp.path());
    let rooms = read_csv(&tmp.path().join("scores/classrooms.csv"));
    // C1/S1 primary: a=Sí → 1, b=No reversed → 1, c=2 → 1, d=1 → .5
    assert_abs_diff_eq!(num(&rooms, &["C1", "S1"], "checklist_total"), 3.5 / 4.0, epsilon = 1e-12);
    assert_abs_diff_eq!(num(&rooms, &["C1", "S1"], "checklist_g2"), 0.75, epsilon = 1e-12);
    // C1/S2: b blank → 3 of 4 answered = 75% < 80% → total NA; g1 1 of 2 → NA; g2 = (0 + 1)/2
    assert_eq!(cell(&rooms, &["C1", "S2"], "checklist_total"), "");
    assert_eq!(cell(&rooms, &["C1", "S2"], "checklist_total_n"), "0");
    assert_eq!(cell(&rooms, &["C1", "S2"], "checklist_g1"), "");
    assert_abs_diff_eq!(num(&rooms, &["C1", "S2"], "checklist_g2"), 0.5, epsilon = 1e-12);
    // C2/S1: 'si' and 'NO' match Sí/No ignoring case and accents → all met
    assert_abs_diff_eq!(num(&rooms, &["C2", "S1"], "checklist_total"), 1.0, epsilon = 1e-12);
    // The reliability copy (k2) is scored at observation level but never enters classrooms.
    let obs = read_csv(&tmp.path().join("scores/observations.csv"));
    assert_abs_diff_eq!(num(&obs, &["checklist", "k2"], "checklist_total"), 1.5 / 3.0, epsilon = 1e-12);
    assert_eq!(cell(&obs, &["checklist", "k2"], "n_items_not_applicable"), "1");
    assert_eq!(cell(&obs, &["checklist", "k2"], "role"), "reliability");
    assert!(cell(&obs, &["checklist", "k3"], "notes").contains("3/4 applicable items answered (75%) < 80%"));
    // Day-first date parsed to ISO.
    assert_eq!(cell(&obs, &["checklist", "k4"], "date"), "2026-03-05");
}

#[test]
fn class_domains_by_hand() {
    let tmp = tempfile::tempdir().unwrap();
    score_mini(tmp.path());
    let rooms = read_csv(&tmp.path().join("scores/classrooms.csv"));
    // C1/S1, 3 cycles: PC (5+6+4)/3 = 5, NC (1+2+3)/3 = 2, TS 4, RCP 4, BG 16/3
    assert_abs_diff_eq!(num(&rooms, &["C1", "S1"], "class_NC"), 2.0, epsilon = 1e-12);
    assert_abs_diff_eq!(num(&rooms, &["C1", "S1"], "class_BG"), 16.0 / 3.0, epsilon = 1e-12);
    // EBS = mean(5, 8 − 2, 4, 4, 16/3); ESL = mean(3, 7/3, 2)
    assert_abs_diff_eq!(
        num(&rooms, &["C1", "S1"], "class_EBS"),
        (5.0 + 6.0 + 4.0 + 4.0 + 16.0 / 3.0) / 5.0,
        epsilon = 1e-12
    );
    assert_abs_diff_eq!(num(&rooms, &["C1", "S1"], "class_ESL"), (3.0 + 7.0 / 3.0 + 2.0) / 3.0, epsilon = 1e-12);
    assert_eq!(cell(&rooms, &["C1", "S1"], "n_class_cycles"), "3");
    // C1/S2: QF blank in cycle 2 → mean of the 3 others; NC = 1 → 7 inside EBS
    assert_abs_diff_eq!(num(&rooms, &["C1", "S2"], "class_QF"), 4.0, epsilon = 1e-12);
    assert_abs_diff_eq!(num(&rooms, &["C1", "S2"], "class_EBS"), 23.0 / 5.0, epsilon = 1e-12);
    // C2/S1: all 7 with NC = 7 → EBS = (7+1+7+7+7)/5; class_NC stays raw
    assert_abs_diff_eq!(num(&rooms, &["C2", "S1"], "class_EBS"), 5.8, epsilon = 1e-12);
    assert_abs_diff_eq!(num(&rooms, &["C2", "S1"], "class_NC"), 7.0, epsilon = 1e-12);
    // Centers average classrooms; roster center without data appears with NA and zero counts.
    let centers = read_csv(&tmp.path().join("scores/centers.csv"));
    let ebs_c1 = ((5.0 + 6.0 + 4.0 + 4.0 + 16.0 / 3.0) / 5.0 + 23.0 / 5.0) / 2.0;
    assert_abs_diff_eq!(num(&centers, &["C1"], "class_EBS"), ebs_c1, epsilon = 1e-12);
    assert_eq!(cell(&centers, &["C1"], "class_EBS_n"), "2");
    assert_eq!(cell(&centers, &["C1"], "n_class_cycles"), "7");
    assert_eq!(cell(&centers, &["C2"], "estado"), "Yucatán");
    assert_eq!(cell(&centers, &["C3"], "n_classrooms"), "0");
    assert_eq!(cell(&centers, &["C3"], "class_EBS"), "");
    // Center checklist_total: only C1/S1 has one (n = 1).
    assert_abs_diff_eq!(num(&centers, &["C1"], "checklist_total"), 0.875, epsilon = 1e-12);
    assert_eq!(cell(&centers, &["C1"], "checklist_total_n"), "1");
}

#[test]
fn class_wide_layout_matches_long() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("wide");
    copy_dir(&fixture("mini"), &d);
    // One row per observation, columns PC_1..PC_4 etc (C2/S1 only, all 7).
    let codes = ["PC", "NC", "TS", "RCP", "BG", "FLD", "QF", "LM"];
    let mut header = vec!["Centro".to_string(), "Sala".into(), "Rol".into()];
    for c in codes {
        for cy in 1..=4 {
            header.push(format!("{c}_{cy}"));
        }
    }
    let mut row = vec!["C2".to_string(), "S1".into(), "principal".into()];
    for c in codes {
        for cy in 1..=4 {
            row.push(if c == "NC" { cy.to_string() } else { "6".into() });
        }
    }
    std::fs::write(d.join("class.csv"), format!("{}\n{}\n", header.join(","), row.join(","))).unwrap();
    let spec = std::fs::read_to_string(d.join("study.toml")).unwrap();
    let spec = spec
        .replace("cycles = 4", "cycles = 4\nlayout = \"wide\"\nwide_pattern = \"{code}_{cycle}\"")
        .replace("observer = \"Observador\"\n", "")
        .replace("date = \"Fecha\"\ncycle = \"Ciclo\"\n", "");
    std::fs::write(d.join("study.toml"), spec).unwrap();
    let out = tmp.path().join("out");
    bin()
        .args(["score", d.join("study.toml").to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"])
        .assert()
        .success();
    let rooms = read_csv(&out.join("scores/classrooms.csv"));
    // NC = mean(1,2,3,4) = 2.5; EBS = (6 + 5.5 + 6 + 6 + 6)/5
    assert_abs_diff_eq!(num(&rooms, &["C2", "S1"], "class_NC"), 2.5, epsilon = 1e-12);
    assert_abs_diff_eq!(num(&rooms, &["C2", "S1"], "class_EBS"), 29.5 / 5.0, epsilon = 1e-12);
    assert_eq!(cell(&rooms, &["C2", "S1"], "n_class_cycles"), "4");
}

#[test]
fn simulate_init_run_and_determinism() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = tmp.path().join("sim");
    bin().args(["simulate", "--out", sim.to_str().unwrap(), "--centers", "20", "--seed", "5", "-q"]).assert().success();
    // Simulation is reproducible.
    let sim2 = tmp.path().join("sim2");
    bin()
        .args(["simulate", "--out", sim2.to_str().unwrap(), "--centers", "20", "--seed", "5", "-q"])
        .assert()
        .success();
    for f in ["checklist.csv", "class.csv", "roster.csv", "study.toml", "truth.json"] {
        assert_eq!(sha(&sim.join(f)), sha(&sim2.join(f)), "{f}");
    }
    // init drafts a spec that runs without edits.
    let draft = sim.join("draft.toml");
    bin()
        .args(["init", "--checklist", sim.join("checklist.csv").to_str().unwrap()])
        .args(["--class", sim.join("class.csv").to_str().unwrap()])
        .args(["--roster", sim.join("roster.csv").to_str().unwrap()])
        .args(["-o", draft.to_str().unwrap(), "-q"])
        .assert()
        .success();
    let text = std::fs::read_to_string(&draft).unwrap();
    assert!(text.contains("version = \"toddler\""));
    assert!(text.contains("center = \"clave_centro\""));
    // A roster attribute with 2-6 levels is proposed for DIF, and the draft runs with it.
    assert!(text.contains("dif_groups = ["), "no DIF grouping proposed");
    let before: Vec<String> = ["checklist.csv", "class.csv", "roster.csv"].iter().map(|f| sha(&sim.join(f))).collect();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    bin()
        .args(["run", draft.to_str().unwrap(), "--out", a.to_str().unwrap(), "-q", "--threads", "1"])
        .assert()
        .success();
    bin()
        .args(["run", draft.to_str().unwrap(), "--out", b.to_str().unwrap(), "-q", "--threads", "2"])
        .assert()
        .success();
    for f in [
        "results.json",
        "provenance.json",
        "report.md",
        "report.html",
        "scores/observations.csv",
        "scores/classrooms.csv",
        "scores/centers.csv",
    ] {
        let same = std::fs::read(a.join(f)).unwrap() == std::fs::read(b.join(f)).unwrap();
        assert!(same, "{f} differs between runs with 1 and 2 threads");
    }
    // No threshold in a draft: the report names the skipped ROC section and the spec key; the
    // draft's commented example, uncommented, turns it on.
    let md = std::fs::read_to_string(a.join("report.md")).unwrap();
    assert!(md.contains("[[analysis.thresholds]]") && !md.contains("tab-roc-"), "skipped ROC not named");
    let on: String = text
        .lines()
        .map(|l| {
            let t = l.trim_start_matches("# ");
            let key = ["[[analysis", "name =", "score =", "below =", "label_"].iter().any(|k| t.starts_with(k));
            if l.starts_with("# ") && key {
                t.to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let draft_on = sim.join("draft-thresholds.toml");
    std::fs::write(&draft_on, on).unwrap();
    let d = tmp.path().join("d");
    bin().args(["run", draft_on.to_str().unwrap(), "--out", d.to_str().unwrap(), "-q"]).assert().success();
    assert!(std::fs::read_to_string(d.join("report.md")).unwrap().contains("tab-roc-low_EBS"));
    // Inputs untouched.
    let after: Vec<String> = ["checklist.csv", "class.csv", "roster.csv"].iter().map(|f| sha(&sim.join(f))).collect();
    assert_eq!(before, after);
    // The drafted spec and the simulated spec give the same CLASS classroom scores (checklist
    // scores may differ: a draft cannot know which items are reverse-worded).
    let c = tmp.path().join("c");
    bin()
        .args(["score", sim.join("study.toml").to_str().unwrap(), "--out", c.to_str().unwrap(), "-q"])
        .assert()
        .success();
    let ra = read_csv(&a.join("scores/classrooms.csv"));
    let rc = read_csv(&c.join("scores/classrooms.csv"));
    assert_eq!(ra.1.len(), rc.1.len());
    for col in ["class_EBS", "class_ESL", "class_NC"] {
        let ia = ra.0.iter().position(|h| h == col).unwrap();
        let ic = rc.0.iter().position(|h| h == col).unwrap();
        for (x, y) in ra.1.iter().zip(&rc.1) {
            assert_eq!(x[ia], y[ic], "{col}");
        }
    }
}

#[test]
fn results_json_follows_the_record_contract() {
    let tmp = tempfile::tempdir().unwrap();
    bin()
        .args([
            "run",
            fixture("mini/study.toml").to_str().unwrap(),
            "--out",
            tmp.path().to_str().unwrap(),
            "-q",
            "--lang",
            "en",
        ])
        .assert()
        .success();
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("results.json")).unwrap()).unwrap();
    let recs = v["results"].as_array().unwrap();
    assert!(!recs.is_empty());
    for r in recs {
        assert!(r["statistic"].is_string());
        assert!(r.get("estimate").is_some());
        if r["estimate"].is_null() {
            assert!(r["na_reason"].is_string(), "NA without reason: {r}");
        }
    }
    let m =
        recs.iter().find(|r| r["statistic"] == "mean" && r["level"] == "center" && r["score"] == "class_EBS").unwrap();
    assert_eq!(m["n"], 2);
    assert_eq!(m["ci_method"], "t");
    let prov: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("provenance.json")).unwrap()).unwrap();
    assert_eq!(prov["inputs"].as_array().unwrap().len(), 3);
    assert_eq!(prov["inputs"][0]["sha256"].as_str().unwrap(), sha(&fixture("mini/checklist.csv")));
    let md = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
    assert!(md.contains("## Data quality"));
    assert!(md.contains("1 of 3 roster centers have no checklist data yet: C3"));
    let html = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
    assert!(html.contains("<nav class=\"toc\">"));
    for pat in ["src=\"http", "href=\"http", "url(http", "src='http", "@import"] {
        assert!(!html.contains(pat), "report must make no external requests ({pat})");
    }
}

#[test]
fn report_language_switches() {
    let tmp = tempfile::tempdir().unwrap();
    let es = tmp.path().join("es");
    bin()
        .args([
            "run",
            fixture("mini/study.toml").to_str().unwrap(),
            "--out",
            es.to_str().unwrap(),
            "-q",
            "--lang",
            "es",
        ])
        .assert()
        .success();
    let md = std::fs::read_to_string(es.join("report.md")).unwrap();
    assert!(md.contains("## Calidad de los datos"));
    assert!(md.contains("Salas"));
    assert!(!md.contains("## Data quality"));
}

#[test]
fn strict_exits_1_with_outputs_written() {
    let tmp = tempfile::tempdir().unwrap();
    // The mini fixture has short CLASS observations and an unscorable checklist total.
    bin()
        .args([
            "run",
            fixture("mini/study.toml").to_str().unwrap(),
            "--out",
            tmp.path().to_str().unwrap(),
            "-q",
            "--strict",
        ])
        .assert()
        .code(1);
    assert!(tmp.path().join("results.json").exists());
}

#[test]
fn demo_spec_runs() {
    let tmp = tempfile::tempdir().unwrap();
    bin()
        .args([
            "run",
            root().join("data-samples/demo-150/study.toml").to_str().unwrap(),
            "--out",
            tmp.path().to_str().unwrap(),
            "-q",
        ])
        .assert()
        .success();
    let rooms = read_csv(&tmp.path().join("scores/classrooms.csv"));
    assert!(rooms.1.len() > 300);
}

#[test]
fn custom_instrument_from_the_spec() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("c");
    copy_dir(&fixture("mini"), &d);
    // A two-dimension custom instrument read from the same CLASS file: PC and NC (reversed)
    // in one domain "EM".
    let spec = std::fs::read_to_string(d.join("study.toml")).unwrap().replace(
        "version = \"toddler\"",
        "version = \"custom\"\n[class.instrument]\nname = \"local\"\ndimensions = [\n  { code = \"PC\", name_en = \"Positive Climate\", name_es = \"Clima positivo\", domain = \"EM\" },\n  { code = \"NC\", name_en = \"Negative Climate\", name_es = \"Clima negativo\", domain = \"EM\", reversed = true },\n]\ndomains = [{ code = \"EM\", name_en = \"Emotional\", name_es = \"Emocional\" }]\n[class.more]",
    ).replace("[class.more]\ncycles = 4\n", "");
    let spec = spec.replace("[class]\n", "[class]\ncycles = 4\n");
    std::fs::write(d.join("study.toml"), &spec).unwrap();
    let out = tmp.path().join("out");
    bin()
        .args(["score", d.join("study.toml").to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"])
        .assert()
        .success();
    let rooms = read_csv(&out.join("scores/classrooms.csv"));
    assert!(rooms.0.contains(&"class_EM".to_string()));
    assert!(!rooms.0.contains(&"class_TS".to_string()));
    // C1/S1: PC 5, NC 2 → EM = (5 + 8 − 2)/2
    assert_abs_diff_eq!(num(&rooms, &["C1", "S1"], "class_EM"), 5.5, epsilon = 1e-12);
}
