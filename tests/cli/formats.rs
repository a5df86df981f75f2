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

/// A copy of the mini study; its spec.
fn mini_study(dir: &Path) -> std::path::PathBuf {
    copy_dir(&fixture("mini"), dir);
    dir.join("study.toml")
}

/// The mini study with `class.csv` replaced by `title` + the original bytes, and `extra` keys in
/// `[files.class]`.
fn class_with_title(dir: &Path, title: &[u8], extra: &str) -> std::path::PathBuf {
    copy_dir(&fixture("mini"), dir);
    let mut bytes = title.to_vec();
    bytes.extend(std::fs::read(fixture("mini/class.csv")).unwrap());
    std::fs::write(dir.join("class.csv"), bytes).unwrap();
    let spec = std::fs::read_to_string(fixture("mini/study.toml")).unwrap();
    let spec = spec.replace("path = \"class.csv\"", &format!("path = \"class.csv\"\n{extra}"));
    std::fs::write(dir.join("study.toml"), spec).unwrap();
    dir.join("study.toml")
}

/// Observations equal but for the physical line (and the CLASS key, which is `file:line`
/// without a key column): the CLASS rows' lines are shifted by `shift`.
fn assert_same_scores(
    got: &(Vec<String>, Vec<Vec<String>>),
    base: &(Vec<String>, Vec<Vec<String>>),
    shift: u64,
    what: &str,
) {
    assert_eq!(got.0, base.0, "{what}: header");
    assert_eq!(got.1.len(), base.1.len(), "{what}: rows");
    let (li, ki) = (base.0.iter().position(|h| h == "line").unwrap(), base.0.iter().position(|h| h == "key").unwrap());
    for (a, b) in got.1.iter().zip(&base.1) {
        for (j, (x, y)) in a.iter().zip(b).enumerate() {
            if j != li && j != ki {
                assert_eq!(x, y, "{what}: column {} of {:?}", base.0[j], b);
            }
        }
        if a[0] == "class" {
            assert_eq!(a[li].parse::<u64>().unwrap(), b[li].parse::<u64>().unwrap() + shift, "{what}: line of {b:?}");
        }
    }
}

/// A CLASS export saved from Excel with a title row and a blank row above the header (padded
/// with delimiters, or bare with a comma in the title, which defeats delimiter detection on
/// the whole file) is read like the clean file, with a note in the ingest log.
#[test]
fn class_title_rows_above_the_header_are_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let base = observations(&mini_study(&tmp.path().join("base")), &tmp.path().join("out-base"));
    for (i, title) in [
        b"Reporte CLASS;;;;;;;;;;;;;;\r\n;;;;;;;;;;;;;;\r\n".as_slice(),
        b"Observaci\xf3n CLASS, ciclo 1 (exportado 2026-05-01)\r\n\r\n".as_slice(),
    ]
    .into_iter()
    .enumerate()
    {
        let spec = class_with_title(&tmp.path().join(format!("t{i}")), title, "");
        let out = tmp.path().join(format!("out-{i}"));
        let a = bin().args(["score"]).arg(&spec).arg("--out").arg(&out).assert().success();
        let said = String::from_utf8_lossy(&a.get_output().stderr).to_string();
        assert!(said.contains("class.csv: header on line 3; the 2 line(s) above it"), "{said}");
        assert_same_scores(&read_csv(&out.join("scores/observations.csv")), &base, 2, &format!("title {i}"));
    }
}

/// `header_row` settles what detection cannot: a filled-in notes row above the header.
#[test]
fn header_row_names_the_header_line() {
    let tmp = tempfile::tempdir().unwrap();
    let base = observations(&mini_study(&tmp.path().join("base")), &tmp.path().join("out-base"));
    let notes = b"Programa;IMSS;Regi\xf3n;Centro-Occidente;Ciclo;2026;Versi\xf3n;Toddler;Captura;Excel\r\n";
    // Detection leaves a row this full in place, and the file does not read: the error points
    // at `header_row`.
    let spec = class_with_title(&tmp.path().join("d"), notes, "");
    let a = bin().args(["score"]).arg(&spec).arg("--out").arg(tmp.path().join("o1")).assert().code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("class.csv") && err.contains("error[delimiter]") && err.contains("header_row"), "{err}");
    let spec = class_with_title(&tmp.path().join("h"), notes, "header_row = 2");
    let got = observations(&spec, &tmp.path().join("o2"));
    assert_same_scores(&got, &base, 1, "header_row = 2");
    // A header_row on a blank line is a spec error naming the key.
    let spec = class_with_title(&tmp.path().join("b"), b"Reporte\r\n\r\n", "header_row = 2");
    let a = bin().args(["score"]).arg(&spec).arg("--out").arg(tmp.path().join("o3")).assert().code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("header_row") && err.contains("blank"), "{err}");
}

/// A workbook with a title row and a blank row above the header is read through the same
/// detection (rows keep their spreadsheet numbers), and `header_row` counts spreadsheet rows.
#[test]
fn workbook_title_rows_above_the_header_are_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let base = observations(&study_with(tmp.path(), "checklist.csv", ""), &tmp.path().join("out-csv"));
    // The mini checklist as a workbook: title in A1, row 2 empty, header on row 3.
    let text = std::fs::read_to_string(fixture("mini/checklist.csv")).unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "Lista de cotejo: exportación del 2026-03-06").unwrap();
    for (i, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        for (j, v) in line.split(';').enumerate() {
            ws.write_string(2 + i as u32, j as u16, v).unwrap();
        }
    }
    wb.save(tmp.path().join("titled.xlsx")).unwrap();
    for (k, extra) in ["", "header_row = 3"].into_iter().enumerate() {
        let got = observations(&study_with(tmp.path(), "titled.xlsx", extra), &tmp.path().join(format!("out-x{k}")));
        let li = base.0.iter().position(|h| h == "line").unwrap();
        let cl: Vec<_> = got.1.iter().filter(|r| r[0] == "checklist").collect();
        let cl_base: Vec<_> = base.1.iter().filter(|r| r[0] == "checklist").collect();
        assert_eq!(cl.len(), cl_base.len());
        for (a, b) in cl.iter().zip(&cl_base) {
            for (j, (x, y)) in a.iter().zip(b.iter()).enumerate() {
                if j != li {
                    assert_eq!(x, y, "{extra}: column {}", base.0[j]);
                }
            }
            // Spreadsheet rows: the data start on row 4 (the CSV's on line 2).
            assert_eq!(a[li].parse::<u64>().unwrap(), b[li].parse::<u64>().unwrap() + 2, "{extra}");
        }
    }
}
