//! Non-text inputs (issue 5): XLSX, ODS, SPSS .sav, Stata .dta (114 and 118) and Parquet copies
//! of the mini checklist, written by pandas/pyreadstat/pyarrow (scripts/fixtures/formats.py),
//! must give exactly the scores of the CSV original.

use crate::common::*;
use std::path::Path;

/// A study directory with the mini study whose checklist is `file` (plus optional extra
/// `[files.checklist]` keys).
fn study_with(dir: &Path, file: &str, extra: &str) -> std::path::PathBuf {
    copy_dir(&fixture("mini"), dir);
    copy_dir(&fixture("formats"), dir);
    let spec = std::fs::read_to_string(fixture("mini/study.toml")).unwrap();
    let spec = spec.replace("path = \"checklist.csv\"", &format!("path = \"{file}\"\n{extra}"));
    assert!(spec.contains(file));
    let p = dir.join(format!("{file}.toml"));
    std::fs::write(&p, spec).unwrap();
    p
}

fn observations(spec: &Path, out: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    bin().args(["score"]).arg(spec).arg("--out").arg(out).assert().success();
    read_csv(&out.join("scores/observations.csv"))
}

#[test]
fn every_format_scores_like_the_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let base = observations(&study_with(tmp.path(), "checklist.csv", ""), &tmp.path().join("out-csv"));
    assert_eq!(base.1.iter().filter(|r| r[0] == "checklist").count(), 4);
    for f in [
        "checklist.xlsx",
        "checklist.ods",
        "checklist.sav",
        "checklist_114.dta",
        "checklist_118.dta",
        "checklist.parquet",
    ] {
        let got = observations(&study_with(tmp.path(), f, ""), &tmp.path().join(format!("out-{f}")));
        assert_eq!(got.0, base.0, "{f}: header");
        // Every column but the line number must match (rows are in the same order).
        let li = base.0.iter().position(|h| h == "line").unwrap();
        for (a, b) in got.1.iter().zip(&base.1) {
            for (j, (x, y)) in a.iter().zip(b).enumerate() {
                if j != li {
                    assert_eq!(x, y, "{f}: column {} of {:?}", base.0[j], b);
                }
            }
        }
        // Dates came from real date cells / DATE formats, not text.
        assert_eq!(cell(&got, &["checklist", "k4"], "date"), "2026-03-05", "{f}");
    }
}

#[test]
fn spss_user_missing_without_label_is_missing_not_na() {
    let tmp = tempfile::tempdir().unwrap();
    let t = observations(&study_with(tmp.path(), "user_missing.sav", ""), &tmp.path().join("out"));
    // k2: d = 98 (user-missing, unlabelled) → not answered, not N/A.
    assert_eq!(cell(&t, &["checklist", "k2"], "n_items_answered"), "3");
    assert_eq!(cell(&t, &["checklist", "k2"], "n_items_not_applicable"), "0");
    // k1 is untouched: 4 answered.
    assert_eq!(cell(&t, &["checklist", "k1"], "n_items_answered"), "4");
}

#[test]
fn value_labels_off_reads_codes() {
    let tmp = tempfile::tempdir().unwrap();
    // With codes, yes/no items read as 1/0, which the binary coder accepts: same scores.
    let on = observations(&study_with(tmp.path(), "checklist.sav", ""), &tmp.path().join("on"));
    let off = observations(&study_with(tmp.path(), "checklist.sav", "value_labels = false"), &tmp.path().join("off"));
    assert_eq!(on.1, off.1);
}

#[test]
fn workbook_sheet_is_chosen_by_name_and_a_wrong_name_lists_the_sheets() {
    let tmp = tempfile::tempdir().unwrap();
    let ok = study_with(tmp.path(), "checklist.xlsx", "sheet = \"Respuestas\"");
    bin().args(["score"]).arg(&ok).arg("--out").arg(tmp.path().join("o1")).assert().success();
    let bad = study_with(tmp.path(), "checklist.xlsx", "sheet = \"datos\"");
    let out = bin().args(["score"]).arg(&bad).arg("--out").arg(tmp.path().join("o2")).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("respuestas") && err.contains("datos"), "{err}");
    assert!(!tmp.path().join("o2").exists(), "no partial output");
}

#[test]
fn format_can_be_forced_whatever_the_extension() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = study_with(tmp.path(), "checklist.sav", "");
    std::fs::copy(tmp.path().join("checklist.sav"), tmp.path().join("export.bin")).unwrap();
    let text = std::fs::read_to_string(&spec).unwrap().replace("\"checklist.sav\"", "\"export.bin\"\nformat = \"sav\"");
    std::fs::write(&spec, text).unwrap();
    let t = observations(&spec, &tmp.path().join("out"));
    assert_eq!(t.1.iter().filter(|r| r[0] == "checklist").count(), 4);
}
