//! Hostile inputs (issue 5): every file in tests/fixtures/bad/ (written by
//! scripts/fixtures/bad.py and listed in its expected.csv) replaces one file of the mini study;
//! `score` must stop with exit code 2, the exact error kind, the line and column where they
//! apply, and no partial output.

use crate::common::*;
use std::path::Path;

/// Copy the mini study and point `role` at `file` (copied from `src`).
fn study_with(dir: &Path, role: &str, src: &Path) -> std::path::PathBuf {
    copy_dir(&fixture("mini"), dir);
    let name = src.file_name().unwrap().to_str().unwrap();
    std::fs::copy(src, dir.join(name)).unwrap();
    let spec = std::fs::read_to_string(dir.join("study.toml")).unwrap();
    let section = format!("[files.{role}]\npath = \"");
    let start = spec.find(&section).unwrap_or_else(|| panic!("no {section}")) + section.len();
    let end = start + spec[start..].find('"').unwrap();
    let spec = format!("{}{}{}", &spec[..start], name, &spec[end..]);
    std::fs::write(dir.join("study.toml"), spec).unwrap();
    dir.join("study.toml")
}

fn expect_error(spec: &Path, out: &Path, kind: &str, line: &str, column: &str, what: &str) {
    let a = bin().args(["score"]).arg(spec).arg("--out").arg(out).assert().code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains(&format!("error[{kind}]")), "{what}: expected error[{kind}], got:\n{err}");
    if !line.is_empty() {
        assert!(err.contains(&format!(", line {line}")), "{what}: expected line {line}:\n{err}");
    }
    if !column.is_empty() {
        assert!(err.contains(&format!("column '{column}'")), "{what}: expected column '{column}':\n{err}");
    }
    assert!(!out.exists(), "{what}: partial output written");
}

#[test]
fn every_hostile_fixture_gives_its_exact_error() {
    let dir = fixture("bad");
    let (h, rows) = read_csv(&dir.join("expected.csv"));
    assert_eq!(h, ["file", "role", "kind", "line", "column"]);
    assert!(rows.len() >= 40, "only {} hostile fixtures", rows.len());
    let on_disk = std::fs::read_dir(&dir).unwrap().count() - 1;
    assert_eq!(on_disk, rows.len(), "every fixture is listed in expected.csv");
    let kinds: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    for k in [
        "empty-file",
        "header-only",
        "ragged-row",
        "duplicate-header",
        "mixed-encoding",
        "binary-file",
        "all-missing",
        "invalid-value",
        "invalid-number",
    ] {
        assert!(kinds.contains(k), "no fixture for {k}");
    }
    for r in &rows {
        let tmp = tempfile::tempdir().unwrap();
        let spec = study_with(tmp.path(), &r[1], &dir.join(&r[0]));
        expect_error(&spec, &tmp.path().join("out"), &r[2], &r[3], &r[4], &r[0]);
    }
}

#[test]
fn a_10_mb_single_field_is_refused() {
    // Generated here rather than committed: a 10 MB checklist cell (an unclosed quote that
    // swallowed the rest of an export looks like this).
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    let mut text = String::from("KEY;centro;sala;observador;rol;fecha;g1/a;g1/b;g2/c;g2/d\nk1;C1;S1;O1;principal;2026-03-04;Sí;No;2;1\nk2;C1;S1;O2;confiabilidad;2026-03-04;Sí;Sí;1;\"");
    text.push_str(&"x".repeat(10 << 20));
    text.push_str("\"\n");
    let f = src.join("field_10mb.csv");
    std::fs::write(&f, text).unwrap();
    let spec = study_with(&tmp.path().join("study"), "checklist", &f);
    expect_error(&spec, &tmp.path().join("out"), "field-too-large", "3", "g2/d", "field_10mb.csv");
}
