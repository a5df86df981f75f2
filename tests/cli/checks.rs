//! `checkval check` on a simulated study, clean and with planted problems.

use crate::common::*;

fn issues(out: &std::path::Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(out.join("issues.csv")).unwrap();
    r.records().map(|x| x.unwrap()).collect()
}

#[test]
fn clean_twin_has_no_errors_and_planted_problems_are_found() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = tmp.path().join("sim");
    bin().args(["simulate", "--out", sim.to_str().unwrap(), "--centers", "25", "--seed", "4", "-q"]).assert().success();
    let clean = tmp.path().join("clean");
    bin().args(["check", sim.join("study.toml").to_str().unwrap(), "--out", clean.to_str().unwrap(), "-q"]).assert().success();
    let rows = issues(&clean);
    let errors: Vec<_> = rows.iter().filter(|r| &r[2] == "error").collect();
    assert!(errors.is_empty(), "errors on the clean twin: {errors:?}");
    // Plant: an exact duplicate submission, an unknown center, an invalid answer, a visit
    // outside the fieldwork window.
    let text = std::fs::read_to_string(sim.join("checklist.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(|s| s.to_string()).collect();
    let dup = lines[3].clone();
    lines.push(dup);
    lines[5] = lines[5].replacen(",GDR-0", ",GDR-9", 1);
    assert!(lines[5].contains(",GDR-9"));
    lines[7] = lines[7].replacen(",Sí,", ",Tal vez,", 1);
    assert!(lines[7].contains("Tal vez"));
    std::fs::write(sim.join("checklist.csv"), lines.join("\n") + "\n").unwrap();
    let spec = std::fs::read_to_string(sim.join("study.toml")).unwrap() + "\n[checks]\nfieldwork_start = \"2026-03-02\"\nfieldwork_end = \"2026-04-30\"\n";
    std::fs::write(sim.join("study.toml"), spec).unwrap();
    let dirty = tmp.path().join("dirty");
    bin().args(["check", sim.join("study.toml").to_str().unwrap(), "--out", dirty.to_str().unwrap(), "-q", "--strict"]).assert().code(1);
    let rows = issues(&dirty);
    let has = |id: &str| rows.iter().any(|r| &r[1] == id);
    for id in ["duplicate_exact", "center_not_in_roster", "invalid_value", "outside_fieldwork"] {
        assert!(has(id), "planted problem {id} not found");
    }
    let inv = rows.iter().find(|r| &r[1] == "invalid_value").unwrap();
    assert_eq!(&inv[4], "8", "invalid value reported on the file's line 8");
    assert_eq!(&inv[10], "Tal vez");
    // The workbook has a summary and one sheet per family.
    let xlsx = std::fs::read(dirty.join("issues.xlsx")).unwrap();
    assert!(xlsx.starts_with(b"PK"));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dirty.join("issues.json")).unwrap()).unwrap();
    assert_eq!(json["issues"].as_array().unwrap().len(), rows.len());
}
