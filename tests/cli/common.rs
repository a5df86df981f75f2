use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub fn bin() -> Command {
    Command::cargo_bin("checkval").expect("binary")
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(p: &str) -> PathBuf {
    root().join("tests/fixtures").join(p)
}

/// Copy a fixture directory into a temp dir, so tests can edit files freely.
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
        }
    }
}

/// Read a CSV output into (header, rows).
pub fn read_csv(p: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(p).unwrap();
    let h = r.headers().unwrap().iter().map(|s| s.to_string()).collect();
    let rows = r.records().map(|x| x.unwrap().iter().map(|s| s.to_string()).collect()).collect();
    (h, rows)
}

/// Cell of the row whose first columns equal `keys`.
pub fn cell(table: &(Vec<String>, Vec<Vec<String>>), keys: &[&str], col: &str) -> String {
    let ci = table.0.iter().position(|h| h == col).unwrap_or_else(|| panic!("no column {col}"));
    let row = table
        .1
        .iter()
        .find(|r| keys.iter().enumerate().all(|(i, k)| r[i] == *k))
        .unwrap_or_else(|| panic!("no row {keys:?}"));
    row[ci].clone()
}

pub fn num(table: &(Vec<String>, Vec<Vec<String>>), keys: &[&str], col: &str) -> f64 {
    cell(table, keys, col).parse().unwrap()
}

pub fn sha(p: &Path) -> String {
    checkval::study::pipeline::sha256_file(p).unwrap()
}
