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

#[test]
fn clean_applies_matching_corrections_with_an_audit_log() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = tmp.path().join("sim");
    bin().args(["simulate", "--out", sim.to_str().unwrap(), "--centers", "10", "--seed", "8", "-q"]).assert().success();
    // Plant an invalid answer on the first submission.
    let text = std::fs::read_to_string(sim.join("checklist.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(|s| s.to_string()).collect();
    lines[1] = lines[1].replacen(",Sí,", ",Tal vez,", 1);
    assert!(lines[1].contains("Tal vez"));
    std::fs::write(sim.join("checklist.csv"), lines.join("\n") + "\n").unwrap();
    let before = sha(&sim.join("checklist.csv"));
    let mut r = csv::Reader::from_path(sim.join("checklist.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let recs: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    let key = |i: usize| recs[i][h.iter().position(|c| c == "KEY").unwrap()].to_string();
    let col = recs[0].iter().position(|v| v == "Tal vez").unwrap();
    let colname = h[col].to_string();
    let corr = tmp.path().join("corrections.csv");
    std::fs::write(
        &corr,
        format!(
            "key,column,old_value,new_value,reason,who,date,action\n{k0},{colname},Tal vez,Sí,typo on the tablet,coordinadora,2026-03-20,set\n{k1},{colname},Nunca,No,wrong old value,coordinadora,2026-03-20,set\n{k2},,,,duplicate visit,coordinadora,2026-03-20,drop\nuuid:nope,{colname},No,Sí,unknown key,coordinadora,2026-03-20,set\n",
            k0 = key(0),
            k1 = key(1),
            k2 = key(2)
        ),
    )
    .unwrap();
    let out = tmp.path().join("cleaned");
    bin().args(["clean", sim.join("study.toml").to_str().unwrap(), "--corrections", corr.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]).assert().success();
    assert_eq!(sha(&sim.join("checklist.csv")), before, "raw export modified");
    let audit = read_csv(&out.join("audit.csv"));
    let status = |k: &str| audit.1.iter().find(|r| r[0] == k).map(|r| r[8].clone()).unwrap();
    assert_eq!(status(&key(0)), "applied");
    assert_eq!(status(&key(1)), "skipped");
    assert_eq!(status(&key(2)), "applied");
    assert_eq!(status("uuid:nope"), "skipped");
    let row0 = audit.1.iter().find(|r| r[0] == key(0)).unwrap();
    assert_eq!((row0[3].as_str(), row0[4].as_str()), ("Tal vez", "Sí"));
    let cleaned = read_csv(&out.join("checklist.csv"));
    assert_eq!(cleaned.1.len(), recs.len() - 1, "one submission dropped");
    // Re-running check on the cleaned data: the planted invalid value is resolved.
    let chk = tmp.path().join("chk");
    bin().args(["check", out.join("study.toml").to_str().unwrap(), "--out", chk.to_str().unwrap(), "-q"]).assert().success();
    let mut r = csv::Reader::from_path(chk.join("issues.csv")).unwrap();
    assert!(!r.records().any(|x| &x.unwrap()[1] == "invalid_value"));
}
