//! `checkval check` on a simulated study, clean and with planted problems.

use crate::common::*;

fn issues(out: &std::path::Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(out.join("issues.csv")).unwrap();
    r.records().map(|x| x.unwrap()).collect()
}

/// Does an issue row match a planted problem's fields?
fn matches(r: &csv::StringRecord, h: &csv::StringRecord, e: &serde_json::Value) -> bool {
    let get = |name: &str| h.iter().position(|x| x == name).map(|i| r[i].to_string()).unwrap_or_default();
    if get("check_id") != e["check_id"].as_str().unwrap() {
        return false;
    }
    ["key", "center", "classroom", "observer", "column", "value", "file"].iter().all(|k| match e[*k].as_str() {
        None => true,
        Some(v) => get(k) == v,
    })
}

fn issues_with_header(out: &std::path::Path) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_path(out.join("issues.csv")).unwrap();
    (r.headers().unwrap().clone(), r.records().map(|x| x.unwrap()).collect())
}

#[test]
fn planted_problems_are_all_found_and_the_clean_twin_has_no_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let (sim, twin) = (tmp.path().join("sim"), tmp.path().join("twin"));
    simulate_planted_and_twin(&sim, &twin);
    // Clean twin: no errors.
    let twin_out = tmp.path().join("twin-checks");
    bin()
        .args(["check", twin.join("study.toml").to_str().unwrap(), "--out", twin_out.to_str().unwrap(), "-q"])
        .assert()
        .success();
    let errors: Vec<_> = issues(&twin_out).into_iter().filter(|r| &r[2] == "error").collect();
    assert!(errors.is_empty(), "errors on the clean twin: {errors:?}");
    // Planted: every problem is reported with its check id and fields.
    let out = tmp.path().join("checks");
    bin()
        .args(["check", sim.join("study.toml").to_str().unwrap(), "--out", out.to_str().unwrap(), "-q", "--strict"])
        .assert()
        .code(1);
    let (h, rows) = issues_with_header(&out);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sim.join("planted.json")).unwrap()).unwrap();
    let planted = manifest["planted"].as_array().unwrap();
    assert_every_kind_planted_and_found(planted, &h, &rows);
    assert_class_and_roster_rows_name_their_observation(&sim, &h, &rows);
    assert_draft_drops_the_exact_duplicates(&out, planted, &h, &rows);
    assert_no_planted_error_kind_on_twin(&twin_out);
    assert_workbook_matches_csv(&out, &rows);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("issues.json")).unwrap()).unwrap();
    assert_eq!(json["issues"].as_array().unwrap().len(), rows.len());
    assert_same_outputs_on_one_thread(tmp.path(), &sim, &out);
    clean_resolves_the_fixable_problems(tmp.path(), &sim, planted, &h, &rows);
}

/// The checks run in parallel: on one thread they write the same bytes.
fn assert_same_outputs_on_one_thread(tmp: &std::path::Path, sim: &std::path::Path, out: &std::path::Path) {
    let one = tmp.join("checks-1");
    bin()
        .args(["--threads", "1", "check", sim.join("study.toml").to_str().unwrap(), "--out", one.to_str().unwrap()])
        .args(["-q", "--strict"])
        .assert()
        .code(1);
    for f in ["issues.csv", "issues.json", "issues.xlsx", "corrections-draft.csv"] {
        let (a, b) = (std::fs::read(out.join(f)).unwrap(), std::fs::read(one.join(f)).unwrap());
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
}

/// The study with planted problems in `sim` and its clean twin (same seed) in `twin`.
fn simulate_planted_and_twin(sim: &std::path::Path, twin: &std::path::Path) {
    bin()
        .args(["simulate", "--out", sim.to_str().unwrap(), "--centers", "80", "--seed", "5", "--plant-errors", "-q"])
        .assert()
        .success();
    bin()
        .args(["simulate", "--out", twin.to_str().unwrap(), "--centers", "80", "--seed", "5", "-q"])
        .assert()
        .success();
    assert!(!twin.join("planted.json").exists());
}

/// Every kind of problem is planted, and every planted problem is in the issue log.
fn assert_every_kind_planted_and_found(
    planted: &[serde_json::Value],
    h: &csv::StringRecord,
    rows: &[csv::StringRecord],
) {
    let ids: std::collections::BTreeSet<&str> = planted.iter().map(|e| e["check_id"].as_str().unwrap()).collect();
    for id in [
        "center_not_in_roster",
        "roster_center_without_data",
        "duplicate_exact",
        "duplicate_visit",
        "checklist_without_class",
        "class_without_checklist",
        "invalid_value",
        "straight_lining",
        "outlying_score",
        "item_missing_rate",
        "observer_missing_rate",
        "few_cycles",
        "cycle_gap",
        "duplicate_cycle",
        "empty_cycle",
        "duration",
        "late_submission",
        "outside_fieldwork",
        "overlapping_visits",
        "too_many_per_day",
        "observer_severity",
        "observer_drift",
        "pair_incomplete",
        "pair_discrepancy",
        "class_within_one",
    ] {
        assert!(ids.contains(id), "no planted problem of kind {id}");
    }
    for e in planted {
        assert!(rows.iter().any(|r| matches(r, h, e)), "planted problem not found: {e}");
    }
}

/// The value of column `name` of an issue row.
fn field(h: &csv::StringRecord, r: &csv::StringRecord, name: &str) -> String {
    r[h.iter().position(|x| x == name).unwrap_or_else(|| panic!("no column {name}"))].to_string()
}

/// The first issue row of `check_id` in `file`.
fn issue<'a>(
    h: &csv::StringRecord,
    rows: &'a [csv::StringRecord],
    check_id: &str,
    file: &str,
) -> &'a csv::StringRecord {
    rows.iter()
        .find(|r| field(h, r, "check_id") == check_id && field(h, r, "file") == file)
        .unwrap_or_else(|| panic!("no {check_id} row for {file}"))
}

/// Issue rows about the CLASS file carry the center, classroom, observer, date and cycle of
/// the row they name (read back from class.csv); the roster row of a center without data is
/// named too.
fn assert_class_and_roster_rows_name_their_observation(
    sim: &std::path::Path,
    h: &csv::StringRecord,
    rows: &[csv::StringRecord],
) {
    use checkval::io::{values::parse_datetime, ReadOptions, TextTable};
    let class = TextTable::open(&sim.join("class.csv"), &ReadOptions::default()).unwrap();
    let records: Vec<(u64, csv::StringRecord)> = class.records().map(|x| x.unwrap()).collect();
    // The out-of-range score (invalid_value), and the rows about one cycle.
    for id in ["invalid_value", "duplicate_cycle", "empty_cycle"] {
        let r = issue(h, rows, id, "class.csv");
        let line: u64 = field(h, r, "row").parse().unwrap();
        let (_, rec) = records.iter().find(|(l, _)| *l == line).unwrap_or_else(|| panic!("{id}: no line {line}"));
        let col = |name: &str| rec[class.resolve(name, "").unwrap()].to_string();
        assert!(!field(h, r, "classroom").is_empty(), "{id}: {r:?}");
        assert_eq!(field(h, r, "center"), col("Centro"), "{id}");
        assert_eq!(field(h, r, "classroom"), col("Sala"), "{id}");
        assert_eq!(field(h, r, "observer"), col("Observador"), "{id}");
        assert_eq!(field(h, r, "cycle"), col("Ciclo"), "{id}");
        assert_eq!(field(h, r, "date"), parse_datetime(&col("Fecha")).unwrap().date_iso(), "{id}");
    }
    let r = issue(h, rows, "roster_center_without_data", "roster.csv");
    let roster = TextTable::open(&sim.join("roster.csv"), &ReadOptions::default()).unwrap();
    let line: u64 = field(h, r, "row").parse().unwrap();
    let (_, rec) = roster.records().map(|x| x.unwrap()).find(|(l, _)| *l == line).unwrap();
    assert_eq!(rec[roster.resolve("clave_centro", "").unwrap()].to_string(), field(h, r, "center"));
}

/// corrections-draft.csv proposes dropping the later copy of the exact duplicate submission
/// and of the CLASS cycle entered twice, and nothing for the center ID far from every roster ID.
fn assert_draft_drops_the_exact_duplicates(
    out: &std::path::Path,
    planted: &[serde_json::Value],
    h: &csv::StringRecord,
    rows: &[csv::StringRecord],
) {
    let draft = read_csv(&out.join("corrections-draft.csv"));
    assert_eq!(draft.0, ["file", "row", "key", "column", "old_value", "new_value", "reason", "who", "date", "action"]);
    let dup = planted.iter().find(|e| e["check_id"] == "duplicate_exact").unwrap();
    let dup_row = rows.iter().find(|r| matches(r, h, dup)).map(|r| field(h, r, "row")).unwrap();
    let has = |file: &str, row: &str, key: &str, action: &str| {
        draft.1.iter().any(|d| d[0] == file && d[1] == row && d[2] == key && d[9] == action)
    };
    assert!(has("checklist", &dup_row, dup["key"].as_str().unwrap(), "drop"), "{:?}", draft.1);
    let cyc_row = field(h, issue(h, rows, "duplicate_cycle", "class.csv"), "row");
    assert!(has("class", &cyc_row, "", "drop"), "{:?}", draft.1);
    assert!(!draft.1.iter().any(|d| d[4] == "GDR-9999"), "GDR-9999 has no close roster ID");
}

/// None of the planted error-severity kinds shows up on the twin.
fn assert_no_planted_error_kind_on_twin(twin_out: &std::path::Path) {
    let twin_rows = issues(twin_out);
    for id in [
        "duplicate_exact",
        "center_not_in_roster",
        "invalid_value",
        "duplicate_cycle",
        "outside_fieldwork",
        "overlapping_visits",
        "pair_incomplete",
    ] {
        assert!(!twin_rows.iter().any(|r| &r[1] == id), "{id} on the clean twin");
    }
}

/// The workbook, read back with a second reader (calamine; it was written by
/// rust_xlsxwriter): a summary sheet plus one sheet per family, with the CSV's rows.
fn assert_workbook_matches_csv(out: &std::path::Path, rows: &[csv::StringRecord]) {
    use calamine::{open_workbook, Reader, Xlsx};
    let mut wb: Xlsx<_> = open_workbook(out.join("issues.xlsx")).unwrap();
    let names = wb.sheet_names();
    for f in ["ids", "values", "class", "timing", "observers", "backcheck"] {
        assert!(names.iter().any(|n| n == f), "sheet {f} missing: {names:?}");
    }
    assert!(names.len() >= 7, "summary sheet missing: {names:?}");
    let mut n_total = 0;
    for f in ["ids", "values", "class", "timing", "observers", "backcheck"] {
        let range = wb.worksheet_range(f).unwrap();
        let mut it = range.rows();
        let head: Vec<String> = it.next().unwrap().iter().map(|c| c.to_string()).collect();
        let ci = |n: &str| head.iter().position(|x| x == n).unwrap_or_else(|| panic!("{f}: no column {n} in {head:?}"));
        let family_rows: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[0] == f).collect();
        let sheet_rows: Vec<Vec<String>> = it.map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
        assert_eq!(sheet_rows.len(), family_rows.len(), "{f}: rows in the sheet vs the CSV");
        for (a, b) in sheet_rows.iter().zip(&family_rows) {
            assert_eq!(a[ci("check_id")], b[1].to_string());
            assert_eq!(a[ci("key")], b[5].to_string());
            assert_eq!(a[ci("message_es")], b[13].to_string());
            assert_eq!(a[ci("cycle")], b[10].to_string());
        }
        n_total += sheet_rows.len();
    }
    assert_eq!(n_total, rows.len());
}

/// `clean` resolves the fixable ones, with an audit row per change; the rest stay reported.
fn clean_resolves_the_fixable_problems(
    dir: &std::path::Path,
    sim: &std::path::Path,
    planted: &[serde_json::Value],
    h: &csv::StringRecord,
    rows: &[csv::StringRecord],
) {
    let find = |id: &str| planted.iter().find(|e| e["check_id"] == id).unwrap().clone();
    let (dup, dvisit, center) = (find("duplicate_exact"), find("duplicate_visit"), find("center_not_in_roster"));
    let inv: Vec<serde_json::Value> = planted.iter().filter(|e| e["check_id"] == "invalid_value").cloned().collect();
    let cpath = dir.join("corrections.csv");
    std::fs::write(&cpath, corrections(&dup, &dvisit, &center, &inv, h, rows)).unwrap();
    let raw_before = (sha(&sim.join("checklist.csv")), sha(&sim.join("class.csv")));
    let cleaned = dir.join("cleaned");
    bin()
        .args([
            "clean",
            sim.join("study.toml").to_str().unwrap(),
            "--corrections",
            cpath.to_str().unwrap(),
            "--out",
            cleaned.to_str().unwrap(),
            "-q",
        ])
        .assert()
        .success();
    assert_eq!((sha(&sim.join("checklist.csv")), sha(&sim.join("class.csv"))), raw_before, "raw exports modified");
    let audit = read_csv(&cleaned.join("audit.csv"));
    let st = audit.0.iter().position(|c| c == "status").unwrap();
    let applied = audit.1.iter().filter(|r| r[st] == "applied").count();
    assert_eq!(applied, 3 + inv.len(), "audit: {:?}", audit.1);
    assert_eq!(audit.1.len(), applied + 1, "one stale correction skipped");
    let (bi, ai) =
        (audit.0.iter().position(|c| c == "before").unwrap(), audit.0.iter().position(|c| c == "after").unwrap());
    assert!(audit.1.iter().any(|r| r[bi] == "GDR-9999" && r[ai] == center["original"].as_str().unwrap()));
    // Free text is carried (comentarios), unused metadata columns are not.
    let cl = read_csv(&cleaned.join("checklist.csv"));
    assert!(cl.0.iter().any(|c| c == "comentarios"));
    assert!(!cl.0.iter().any(|c| c == "deviceid" || c == "username"));
    let after = dir.join("after");
    bin()
        .args(["check", cleaned.join("study.toml").to_str().unwrap(), "--out", after.to_str().unwrap(), "-q"])
        .assert()
        .success();
    let (h2, rows2) = issues_with_header(&after);
    for e in [&dup, &dvisit, &center].into_iter().chain(inv.iter()) {
        assert!(!rows2.iter().any(|r| matches(r, &h2, e)), "still reported after clean: {e}");
    }
    // Problems that were not corrected are still there.
    let late = find("late_submission");
    assert!(rows2.iter().any(|r| matches(r, &h2, &late)));
}

/// The corrections file for the planted duplicates, wrong center and invalid values, plus
/// one stale correction (the cell no longer holds the old value).
fn corrections(
    dup: &serde_json::Value,
    dvisit: &serde_json::Value,
    center: &serde_json::Value,
    inv: &[serde_json::Value],
    h: &csv::StringRecord,
    rows: &[csv::StringRecord],
) -> String {
    let issue_row = |e: &serde_json::Value| -> String {
        let r = rows.iter().find(|r| matches(r, h, e)).unwrap();
        r[4].to_string()
    };
    let s = |v: &serde_json::Value| v.as_str().unwrap().to_string();
    let mut corr = String::from("file,row,key,column,old_value,new_value,reason,who,date,action\n");
    // The later copy of the exact duplicate (the issue log names its row).
    corr += &format!("checklist,{},{},,,,exported twice,coord,2026-04-01,drop\n", issue_row(dup), s(&dup["key"]));
    corr += &format!("checklist,,{},,,,second form for the same visit,coord,2026-04-01,drop\n", s(&dvisit["key"]));
    corr += &format!(
        "checklist,,{},clave_centro,GDR-9999,{},typo in center ID,coord,2026-04-01,set\n",
        s(&center["key"]),
        s(&center["original"])
    );
    for e in inv {
        if e["file"].as_str() == Some("class.csv") {
            corr += &format!(
                "class,{},,{},9,{},transcription error,coord,2026-04-01,set\n",
                issue_row(e),
                s(&e["column"]),
                s(&e["original"])
            );
        } else {
            corr += &format!(
                "checklist,,{},{},{},{},typo,coord,2026-04-01,set\n",
                s(&e["row_key"]),
                s(&e["column"]),
                s(&e["value"]),
                s(&e["original"])
            );
        }
    }
    // A stale correction: the cell no longer holds the old value.
    corr += &format!("checklist,,{},clave_centro,GDR-7777,GDR-0001,stale,coord,2026-04-01,set\n", s(&center["key"]));
    corr
}

#[test]
fn pseudonymize_hides_ids_everywhere_and_never_writes_the_salt() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = tmp.path().join("sim");
    bin()
        .args(["simulate", "--out", sim.to_str().unwrap(), "--centers", "40", "--seed", "6", "--plant-errors", "-q"])
        .assert()
        .success();
    let salt = "sal-secreta-2026";
    let run = |out: &str| {
        let o = tmp.path().join(out);
        bin()
            .env("CHECKVAL_SALT", salt)
            .args([
                "check",
                sim.join("study.toml").to_str().unwrap(),
                "--out",
                o.to_str().unwrap(),
                "-q",
                "--pseudonymize",
            ])
            .assert()
            .success();
        o
    };
    let (a, b) = (run("a"), run("b"));
    assert!(!a.join("corrections-draft.csv").exists(), "no draft of raw IDs under --pseudonymize");
    assert_eq!(
        std::fs::read(a.join("issues.csv")).unwrap(),
        std::fs::read(b.join("issues.csv")).unwrap(),
        "same salt, same pseudonyms"
    );
    let (h, rows) = issues_with_header(&a);
    let (ci, oi) = (h.iter().position(|x| x == "center").unwrap(), h.iter().position(|x| x == "observer").unwrap());
    assert!(rows.iter().any(|r| !r[ci].is_empty()) && rows.iter().any(|r| !r[oi].is_empty()));
    for r in &rows {
        assert!(r[ci].is_empty() || r[ci].starts_with("C-"), "raw center in {r:?}");
        assert!(r[oi].is_empty() || r[oi].starts_with("O-"), "raw observer in {r:?}");
    }
    // Also the report outputs (run), and no raw ID or the salt in any file written.
    let rep = tmp.path().join("rep");
    bin()
        .env("CHECKVAL_SALT", salt)
        .args([
            "score",
            sim.join("study.toml").to_str().unwrap(),
            "--out",
            rep.to_str().unwrap(),
            "-q",
            "--keep-going",
            "--pseudonymize",
        ])
        .assert()
        .success();
    for dir in [&a, &rep] {
        for f in walk(dir) {
            let bytes = std::fs::read(&f).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(salt), "salt written to {}", f.display());
            if f.extension().is_some_and(|e| e == "csv" || e == "json") {
                assert!(
                    !text.contains("GDR-00") && !text.contains("OBS0") && !text.contains("CL0"),
                    "raw ID in {}",
                    f.display()
                );
            }
        }
    }
    // A different salt gives different pseudonyms; no salt is a usage error.
    let c = tmp.path().join("c");
    bin()
        .env("CHECKVAL_SALT", "otra-sal-distinta")
        .args(["check", sim.join("study.toml").to_str().unwrap(), "--out", c.to_str().unwrap(), "-q", "--pseudonymize"])
        .assert()
        .success();
    assert_ne!(std::fs::read(a.join("issues.csv")).unwrap(), std::fs::read(c.join("issues.csv")).unwrap());
    bin()
        .env_remove("CHECKVAL_SALT")
        .args([
            "check",
            sim.join("study.toml").to_str().unwrap(),
            "--out",
            tmp.path().join("d").to_str().unwrap(),
            "-q",
            "--pseudonymize",
        ])
        .assert()
        .code(2);
    bin()
        .env("CHECKVAL_SALT", "corta")
        .args([
            "check",
            sim.join("study.toml").to_str().unwrap(),
            "--out",
            tmp.path().join("e").to_str().unwrap(),
            "-q",
            "--pseudonymize",
        ])
        .assert()
        .code(2);
}

fn walk(d: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn clean_applies_matching_corrections_from_a_workbook_with_an_audit_log() {
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
    // The same corrections as a workbook (field coordinators keep them in Excel).
    let xlsx = tmp.path().join("correcciones.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (i, line) in std::fs::read_to_string(&corr).unwrap().lines().enumerate() {
        for (j, v) in line.split(',').enumerate() {
            ws.write_string(i as u32, j as u16, v).unwrap();
        }
    }
    wb.save(&xlsx).unwrap();
    let corr = xlsx;
    let out = tmp.path().join("cleaned");
    bin()
        .args([
            "clean",
            sim.join("study.toml").to_str().unwrap(),
            "--corrections",
            corr.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ])
        .assert()
        .success();
    assert_eq!(sha(&sim.join("checklist.csv")), before, "raw export modified");
    let audit = read_csv(&out.join("audit.csv"));
    let c = |n: &str| audit.0.iter().position(|h| h == n).unwrap();
    let (kc, sc, bc, ac) = (c("key"), c("status"), c("before"), c("after"));
    let status = |k: &str| audit.1.iter().find(|r| r[kc] == k).map(|r| r[sc].clone()).unwrap();
    assert_eq!(status(&key(0)), "applied");
    assert_eq!(status(&key(1)), "skipped");
    assert_eq!(status(&key(2)), "applied");
    assert_eq!(status("uuid:nope"), "skipped");
    let row0 = audit.1.iter().find(|r| r[kc] == key(0)).unwrap();
    assert_eq!((row0[bc].as_str(), row0[ac].as_str()), ("Tal vez", "Sí"));
    let cleaned = read_csv(&out.join("checklist.csv"));
    assert_eq!(cleaned.1.len(), recs.len() - 1, "one submission dropped");
    // Re-running check on the cleaned data: the planted invalid value is resolved.
    let chk = tmp.path().join("chk");
    bin()
        .args(["check", out.join("study.toml").to_str().unwrap(), "--out", chk.to_str().unwrap(), "-q"])
        .assert()
        .success();
    let mut r = csv::Reader::from_path(chk.join("issues.csv")).unwrap();
    assert!(!r.records().any(|x| &x.unwrap()[1] == "invalid_value"));
}

/// Rewrite a simulated export's rows: `edit(i, fields)` on every data row (comma-separated
/// UTF-8 checklist, or the `;`-separated Windows-1252 CLASS file, edited as bytes).
fn edit_rows(path: &std::path::Path, delim: u8, mut edit: impl FnMut(usize, &mut Vec<Vec<u8>>)) {
    let mut r = csv::ReaderBuilder::new().delimiter(delim).has_headers(false).from_path(path).unwrap();
    let mut w = csv::WriterBuilder::new().delimiter(delim).from_writer(Vec::new());
    for (i, rec) in r.byte_records().enumerate() {
        let mut f: Vec<Vec<u8>> = rec.unwrap().iter().map(|x| x.to_vec()).collect();
        if i > 0 {
            edit(i - 1, &mut f);
        }
        w.write_record(&f).unwrap();
    }
    std::fs::write(path, w.into_inner().unwrap()).unwrap();
}

/// IDs that match a reference ID only nearly: a lower-cased center ID in every 13th checklist
/// row, a CLASS center ID with one character too many, a lower-cased CLASS classroom. `check`
/// names the closest ID (Spanish and English), drafts the corrections, `clean` applies them
/// (the problems are gone on re-check), and `run` warns.
#[test]
fn near_match_ids_are_named_drafted_applied_by_clean_and_warned_by_run() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = tmp.path().join("sim");
    bin()
        .args(["simulate", "--out", sim.to_str().unwrap(), "--centers", "40", "--seed", "12", "-q"])
        .assert()
        .success();
    let (ci, ri) = (6, 7); // clave_centro, sala in the simulated checklist
    let mut lowered: Vec<(String, String)> = Vec::new();
    let mut rooms: Vec<(Vec<u8>, Vec<u8>, usize)> = Vec::new();
    edit_rows(&sim.join("checklist.csv"), b',', |i, f| {
        rooms.push((f[ci].clone(), f[ri].clone(), i));
        if i % 13 == 0 {
            let c = String::from_utf8(f[ci].clone()).unwrap();
            f[ci] = c.to_lowercase().into_bytes();
            lowered.push((c.to_lowercase(), c));
        }
    });
    assert!(lowered.len() >= 5);
    // A classroom none of whose checklist rows was touched, in a center other than GDR-0007.
    let untouched = |c: &[u8], r: &[u8]| rooms.iter().all(|(c2, r2, i)| !(c2 == c && r2 == r && i % 13 == 0));
    let (room_c, room_r) = rooms
        .iter()
        .find(|(c, r, _)| c != b"GDR-0007" && untouched(c, r))
        .map(|(c, r, _)| (c.clone(), r.clone()))
        .unwrap();
    let (mut n_typo, mut n_room) = (0, 0);
    edit_rows(&sim.join("class.csv"), b';', |_, f| {
        if f[0] == b"GDR-0007" {
            f[0] = b"GDR-00077".to_vec();
            n_typo += 1;
        } else if f[0] == room_c && f[1] == room_r {
            f[1] = f[1].to_ascii_lowercase();
            n_room += 1;
        }
    });
    assert!(n_typo > 0 && n_room > 0);
    let (room_c, room_r) = (String::from_utf8(room_c).unwrap(), String::from_utf8(room_r).unwrap());
    let out = tmp.path().join("checks");
    let spec = sim.join("study.toml");
    bin().args(["check", spec.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"]).assert().success();
    let (h, rows) = issues_with_header(&out);
    let of = |id: &str, file: &str| -> Vec<&csv::StringRecord> {
        rows.iter().filter(|r| field(&h, r, "check_id") == id && field(&h, r, "file") == file).collect()
    };
    // Every lower-cased center: the roster ID is named, in both languages.
    let missing = of("center_not_in_roster", "checklist.csv");
    assert_eq!(missing.len(), lowered.len());
    for r in &missing {
        let upper = field(&h, r, "value").to_uppercase();
        assert!(field(&h, r, "message_en").contains(&format!("closest roster ID: '{upper}' (the same ignoring case")));
        assert!(field(&h, r, "message_es").contains(&format!("ID más cercano del marco muestral: '{upper}'")));
    }
    // The CLASS center one character off, and the CLASS classroom in lower case.
    let typo = of("center_not_in_roster", "class.csv");
    assert!(!typo.is_empty() && typo.iter().all(|r| field(&h, r, "center") == "GDR-00077"));
    assert!(field(&h, typo[0], "message_en").contains("'GDR-0007' (one character different)"), "{:?}", typo[0]);
    let room = of("class_without_checklist", "class.csv");
    let room = room.iter().find(|r| field(&h, r, "center") == room_c).expect("lower-cased CLASS classroom");
    assert!(field(&h, room, "message_en").contains(&format!("closest classroom ID in the checklist: '{room_r}'")));
    assert!(
        field(&h, room, "message_es").contains(&format!("ID de sala más cercano en la lista de cotejo: '{room_r}'"))
    );
    // The draft: one `set` per lower-cased checklist row and per edited CLASS row.
    let draft = read_csv(&out.join("corrections-draft.csv"));
    let sets = |file: &str, col: &str| draft.1.iter().filter(|d| d[0] == file && d[3] == col && d[9] == "set").count();
    assert_eq!(sets("checklist", "clave_centro"), lowered.len(), "{:?}", draft.1);
    assert_eq!(sets("class", "Centro"), n_typo);
    assert_eq!(sets("class", "Sala"), n_room);
    for (low, orig) in &lowered {
        assert!(draft.1.iter().any(|d| d[0] == "checklist" && d[4] == *low && d[5] == *orig));
    }
    // `clean` applies every proposed correction; the problems are gone on re-check.
    let cleaned = tmp.path().join("cleaned");
    bin()
        .args(["clean", spec.to_str().unwrap(), "--corrections"])
        .arg(out.join("corrections-draft.csv"))
        .args(["--out", cleaned.to_str().unwrap(), "-q"])
        .assert()
        .success();
    let audit = read_csv(&cleaned.join("audit.csv"));
    let st = audit.0.iter().position(|c| c == "status").unwrap();
    assert_eq!(audit.1.len(), draft.1.len());
    assert!(audit.1.iter().all(|r| r[st] == "applied"), "{:?}", audit.1);
    let after = tmp.path().join("after");
    bin()
        .args(["check", cleaned.join("study.toml").to_str().unwrap(), "--out", after.to_str().unwrap(), "-q"])
        .assert()
        .success();
    let (h2, rows2) = issues_with_header(&after);
    for id in ["center_not_in_roster", "class_without_checklist", "checklist_without_class"] {
        assert!(!rows2.iter().any(|r| field(&h2, r, "check_id") == id), "{id} after clean");
    }
    assert!(!after.join("corrections-draft.csv").exists(), "nothing left to propose");
    // `run` warns about the near-matches instead of silently matching less.
    let text = std::fs::read_to_string(&spec).unwrap().replace("bootstrap = 2000", "bootstrap = 100");
    std::fs::write(&spec, text).unwrap();
    let rep = tmp.path().join("report");
    let a =
        bin().args(["run", spec.to_str().unwrap(), "--out", rep.to_str().unwrap(), "--lang", "en"]).assert().success();
    let said =
        String::from_utf8_lossy(&a.get_output().stderr).to_string() + &String::from_utf8_lossy(&a.get_output().stdout);
    let n_rooms = rooms
        .iter()
        .filter(|(_, _, i)| i % 13 == 0)
        .map(|(c, r, _)| (c.to_ascii_lowercase(), r.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let warning = format!("{n_rooms} classroom(s) have a center ID that matches a roster ID only after ignoring case");
    assert!(said.contains(&warning), "{warning}: {said}");
    assert!(said.contains("only up to one character"), "{said}");
    let md = std::fs::read_to_string(rep.join("report.md")).unwrap();
    assert!(md.contains("[warning]") && md.contains("matches a roster ID only after ignoring case"), "{md}");
}
