//! Proposed corrections (`check` writes them to `corrections-draft.csv`) in the format
//! `clean --corrections` reads, for the field team to review before applying:
//!
//! - a center ID not in the roster whose closest roster ID is unique (see `idmatch`): `set`
//!   the center column, in the checklist (by key, else by row) and in every CLASS row of the
//!   observation (by row);
//! - a CLASS classroom whose closest checklist classroom of the same center is unique: `set`
//!   the classroom column of its CLASS rows;
//! - the later copy of an exact duplicate submission (same key, identical answers): `drop` it
//!   (by row and key);
//! - a CLASS cycle row entered twice with identical scores: `drop` the later row.
//!
//! Every `set` carries the cell's current value as `old_value`, so `clean` applies it only while
//! the file still holds it. Values a spreadsheet would run as a formula are never proposed
//! (the draft is opened in Excel and is not neutralised, since old values must match).

use super::clean::{Action, CorrectionRow, Target};
use super::idmatch::Closest;
use super::ingest::ObsMeta;
use super::pipeline::Observations;
use super::spec::Study;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Who the draft's rows are from (the `who` column).
pub const DRAFT_WHO: &str = "checkval check";

/// Proposed corrections with the line of the row each one is about (for ordering).
type Drafts = Vec<(u64, CorrectionRow)>;

/// The proposed corrections, in file and row order. `since` keeps observations dated on or
/// after it, as in the issue log.
pub fn draft_corrections(study: &Study, d: &Observations, since: Option<&str>) -> Vec<CorrectionRow> {
    let keep = |m: &ObsMeta| since.is_none_or(|s| m.date.as_deref().is_none_or(|dt| dt >= s));
    let mut out: Drafts = Vec::new();
    checklist_center_fixes(study, d, &keep, &mut out);
    class_id_fixes(study, d, &keep, &mut out);
    exact_duplicate_drops(study, d, &keep, &mut out);
    out.retain(|(_, c)| [&c.key, &c.old, &c.new].iter().all(|v| !formula_like(v)));
    out.sort_by(|(la, a), (lb, b)| {
        (a.file, *la, &a.column, a.action.as_str()).cmp(&(b.file, *lb, &b.column, b.action.as_str()))
    });
    out.dedup();
    out.into_iter().map(|(_, c)| c).collect()
}

/// A cell a spreadsheet would run as a formula (see `io::frame::neutralize`).
fn formula_like(s: &str) -> bool {
    crate::io::frame::neutralize(s) != s
}

fn set(file: Target, row: Option<u64>, key: &str, column: &str, old: &str, new: &str, reason: String) -> CorrectionRow {
    CorrectionRow {
        file,
        row,
        key: key.to_string(),
        column: column.to_string(),
        old: old.to_string(),
        new: new.to_string(),
        reason,
        who: DRAFT_WHO.to_string(),
        date: String::new(),
        action: Action::Set,
    }
}

/// "center ID not in the roster; roster ID 'GDR-0005' is the same ignoring case, ..."
fn center_reason(how: super::idmatch::Nearness, id: &str) -> String {
    format!("center ID not in the roster; roster ID '{id}' is {}", how.describe_en())
}

/// Checklist center IDs with a unique closest roster ID: by key (robust to a re-export), or
/// by row when the spec names no key column.
fn checklist_center_fixes(study: &Study, d: &Observations, keep: &dyn Fn(&ObsMeta) -> bool, out: &mut Drafts) {
    let cols = &study.spec.checklist.columns;
    let has_key = cols.key.is_some();
    for m in d.checklist.meta.iter().filter(|m| keep(m)) {
        if let Some(Closest::One { id, how }) = d.id_matches.centers.get(&*m.center) {
            let (row, key) = if has_key { (None, m.key.as_str()) } else { (Some(m.line), "") };
            out.push((m.line, set(Target::Checklist, row, key, &cols.center, &m.center, id, center_reason(*how, id))));
        }
    }
}

/// CLASS center and classroom IDs with a unique closest ID, one correction per CLASS row.
fn class_id_fixes(study: &Study, d: &Observations, keep: &dyn Fn(&ObsMeta) -> bool, out: &mut Drafts) {
    let (Some(c), Some(cspec)) = (&d.class, &study.spec.class) else { return };
    let cols = &cspec.columns;
    let mut lines: BTreeMap<usize, BTreeSet<u64>> = BTreeMap::new();
    for cy in &c.cycles {
        lines.entry(cy.obs).or_default().insert(cy.line);
    }
    for (i, m) in c.obs.iter().enumerate().filter(|(_, m)| keep(m)) {
        let key = if cols.key.is_some() { m.key.as_str() } else { "" };
        let rows = lines.get(&i).cloned().unwrap_or_else(|| BTreeSet::from([m.line]));
        if let Some(Closest::One { id, how }) = d.id_matches.centers.get(&*m.center) {
            for &r in &rows {
                out.push((r, set(Target::Class, Some(r), key, &cols.center, &m.center, id, center_reason(*how, id))));
            }
        }
        let room = (m.center.to_string(), m.classroom.to_string());
        if let Some(Closest::One { id, how }) = d.id_matches.classrooms.get(&room) {
            let reason = format!(
                "classroom with no checklist observation in its center; checklist classroom '{id}' is {}",
                how.describe_en()
            );
            for &r in &rows {
                out.push((r, set(Target::Class, Some(r), key, &cols.classroom, &m.classroom, id, reason.clone())));
            }
        }
    }
}

/// The later copy of each exact duplicate: checklist submissions with the same key and
/// identical answers and IDs, and CLASS cycle rows entered twice with identical scores.
fn exact_duplicate_drops(study: &Study, d: &Observations, keep: &dyn Fn(&ObsMeta) -> bool, out: &mut Drafts) {
    let cl = &d.checklist;
    if study.spec.checklist.columns.key.is_some() {
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (i, m) in cl.meta.iter().enumerate().filter(|(_, m)| keep(m)) {
            match first.get(m.key.as_str()) {
                Some(&f) if cl.row(f) == cl.row(i) && same_ids(&cl.meta[f], m) => out.push((
                    m.line,
                    CorrectionRow {
                        reason: format!("exact copy of the submission on row {}", cl.meta[f].line),
                        action: Action::Drop,
                        ..set(Target::Checklist, Some(m.line), &m.key, "", "", "", String::new())
                    },
                )),
                Some(_) => {}
                None => {
                    first.insert(&m.key, i);
                }
            }
        }
    }
    let Some(c) = &d.class else { return };
    let key_col = study.spec.class.as_ref().is_some_and(|s| s.columns.key.is_some());
    let mut seen: HashMap<(usize, u32), usize> = HashMap::new();
    for (j, cy) in c.cycles.iter().enumerate() {
        let m = &c.obs[cy.obs];
        if !keep(m) {
            continue;
        }
        match seen.get(&(cy.obs, cy.cycle)) {
            Some(&f) if c.cycles[f].values == cy.values && c.cycles[f].line != cy.line => {
                let key = if key_col { m.key.as_str() } else { "" };
                out.push((
                    cy.line,
                    CorrectionRow {
                        reason: format!(
                            "cycle {} entered twice with the same scores (first on row {})",
                            cy.cycle, c.cycles[f].line
                        ),
                        action: Action::Drop,
                        ..set(Target::Class, Some(cy.line), key, "", "", "", String::new())
                    },
                ));
            }
            Some(_) => {}
            None => {
                seen.insert((cy.obs, cy.cycle), j);
            }
        }
    }
}

fn same_ids(a: &ObsMeta, b: &ObsMeta) -> bool {
    (&a.center, &a.classroom, &a.observer, &a.date, a.role) == (&b.center, &b.classroom, &b.observer, &b.date, b.role)
}
