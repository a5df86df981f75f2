//! Bad input: clear errors naming file, line, column, found and expected; exit code 2.

use crate::common::*;

fn mini_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("m");
    copy_dir(&fixture("mini"), &d);
    (tmp, d)
}

fn run_score(d: &std::path::Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    let out = d.join("out");
    bin()
        .args(["score", d.join("study.toml").to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"])
        .args(extra)
        .assert()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).to_string()
}

#[test]
fn unknown_column_names_closest() {
    let (_t, d) = mini_copy();
    let spec =
        std::fs::read_to_string(d.join("study.toml")).unwrap().replace("classroom = \"sala\"", "classroom = \"salon\"");
    std::fs::write(d.join("study.toml"), spec).unwrap();
    let a = run_score(&d, &[]).code(2);
    let e = stderr(&a);
    assert!(e.contains("error[unknown-column]"), "{e}");
    assert!(e.contains("checklist.csv"), "{e}");
    assert!(e.contains("'salon'"), "{e}");
    assert!(e.contains("closest existing names: sala"), "{e}");
}

#[test]
fn invalid_item_value_stops_with_location() {
    let (_t, d) = mini_copy();
    let text = std::fs::read(d.join("checklist.csv")).unwrap();
    let text = String::from_utf8(text)
        .unwrap()
        .replace("k4;C2;S1;O2;principal;05/03/2026;si", "k4;C2;S1;O2;principal;05/03/2026;Tal vez");
    assert!(text.contains("Tal vez"));
    std::fs::write(d.join("checklist.csv"), text).unwrap();
    let a = run_score(&d, &[]).code(2);
    let e = stderr(&a);
    assert!(e.contains("error[invalid-value]"), "{e}");
    assert!(e.contains("checklist.csv, line 5, column 'g1/a': found 'Tal vez'"), "{e}");
    assert!(e.contains("expected one of Sí"), "{e}");
    assert!(!d.join("out/scores/classrooms.csv").exists(), "no partial outputs");
    // --keep-going excludes and counts it.
    let out = d.join("out2");
    let a = bin()
        .args([
            "run",
            d.join("study.toml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--keep-going",
            "--lang",
            "en",
        ])
        .assert()
        .success();
    let e = stderr(&a);
    assert!(e.contains("1 invalid value(s) excluded (--keep-going); first: "), "{e}");
    assert!(e.contains("checklist.csv line 5, column 'g1/a', found 'Tal vez'"), "{e}");
    let rooms = read_csv(&out.join("scores/classrooms.csv"));
    // a excluded → 3 of 4 answered = 75% → NA; g1: b only (1 of 2) → NA.
    assert_eq!(cell(&rooms, &["C2", "S1"], "checklist_total"), "");
}

#[test]
fn out_of_range_class_score() {
    let (_t, d) = mini_copy();
    let bytes = std::fs::read(d.join("class.csv")).unwrap();
    let text = encoding_rs::WINDOWS_1252
        .decode(&bytes)
        .0
        .replace("C2;S1;CL2;principal;04/03/2026;3;20,0;7;7", "C2;S1;CL2;principal;04/03/2026;3;20,0;7;9");
    std::fs::write(d.join("class.csv"), encoding_rs::WINDOWS_1252.encode(&text).0).unwrap();
    let e = stderr(&run_score(&d, &[]).code(2));
    assert!(e.contains("class.csv, line 13, column 'Clima negativo': found '9'"), "{e}");
    assert!(e.contains("1–7") || e.contains("1-7"), "{e}");
}

#[test]
fn forced_wrong_encoding_is_reported() {
    let (_t, d) = mini_copy();
    let spec = std::fs::read_to_string(d.join("study.toml"))
        .unwrap()
        .replace("[files.class]\npath = \"class.csv\"", "[files.class]\npath = \"class.csv\"\nencoding = \"utf-8\"");
    std::fs::write(d.join("study.toml"), spec).unwrap();
    let e = stderr(&run_score(&d, &[]).code(2));
    assert!(e.contains("error[encoding]: ") && e.contains("class.csv, line 1"), "{e}");
}

#[test]
fn single_column_file_reports_delimiters_tried() {
    let (_t, d) = mini_copy();
    std::fs::write(d.join("roster.csv"), "centro\nC1\nC2\n").unwrap();
    let e = stderr(&run_score(&d, &[]).code(2));
    assert!(e.contains("error[delimiter]"), "{e}");
    assert!(e.contains("tried:"), "{e}");
}

/// Roster problems are reported at the first offending row in file order: a repeated center
/// (the later copy), a blank ID, a ragged row, whichever comes first.
#[test]
fn roster_errors_name_the_first_offending_row() {
    let (_t, d) = mini_copy();
    let head = "centro,nombre,estado\n";
    let cases = [
        // A repeat of C1 on line 5, before a blank ID on line 6 and a repeat of C2 on line 7.
        ("C2,b,c\nC1,a,b\nC3,c,d\nC1,x,y\n,z,z\nC2,w,w\n", "line 5", "each center once"),
        ("C2,b,c\nC1,a,b\n,z,z\nC1,x,y\n", "line 4", "a blank center ID"),
        ("C2,b,c\nC1,a\nC1,x,y\n", "line 3", "3 fields"),
    ];
    for (rows, line, what) in cases {
        std::fs::write(d.join("roster.csv"), format!("{head}{rows}")).unwrap();
        let e = stderr(&run_score(&d, &[]).code(2));
        assert!(e.contains("roster.csv") && e.contains(line) && e.contains(what), "{rows:?}: {e}");
    }
}

#[test]
fn missing_file_and_bad_spec() {
    let (_t, d) = mini_copy();
    std::fs::remove_file(d.join("roster.csv")).unwrap();
    let e = stderr(&run_score(&d, &[]).code(2));
    assert!(e.contains("error[file-not-found]") && e.contains("roster.csv"), "{e}");
    std::fs::write(d.join("study.toml"), "[files.checklist]\npath = 3\n").unwrap();
    let e = stderr(&run_score(&d, &[]).code(2));
    assert!(e.contains("error[spec]") && e.contains("line"), "{e}");
}

#[test]
fn usage_errors_exit_2() {
    bin().args(["run"]).assert().code(2);
    bin().args(["frobnicate"]).assert().code(2);
    bin().args(["run", "x.toml", "--out", "o", "--lang", "fr"]).assert().code(2);
    bin().args(["--help"]).assert().success();
}

#[test]
fn init_refuses_to_overwrite() {
    let (_t, d) = mini_copy();
    let e = stderr(
        &bin()
            .args([
                "init",
                "--checklist",
                d.join("checklist.csv").to_str().unwrap(),
                "-o",
                d.join("study.toml").to_str().unwrap(),
            ])
            .assert()
            .code(2),
    );
    assert!(e.contains("--force"), "{e}");
}

#[test]
fn every_command_has_help_with_examples() {
    for cmd in [
        vec![],
        vec!["init"],
        vec!["simulate"],
        vec!["score"],
        vec!["run"],
        vec!["reliability"],
        vec!["validity"],
        vec!["plot"],
        vec!["report"],
        vec!["check"],
        vec!["clean"],
        vec!["stat"],
        vec!["stat", "alpha"],
        vec!["stat", "agree"],
        vec!["stat", "icc"],
        vec!["stat", "corr"],
        vec!["stat", "roc"],
        vec!["stat", "bland-altman"],
        vec!["stat", "efa"],
        vec!["stat", "irt"],
        vec!["stat", "dif"],
    ] {
        let out = bin().args(&cmd).arg("--help").assert().success().get_output().stdout.clone();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("Examples:"), "{cmd:?} --help has no examples");
    }
}
