//! `checkval clean`: apply corrections with an audit trail.

use super::common::Ui;
use anyhow::Result;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  checkval clean study.toml --corrections corrections.csv --out cleaned
  checkval check cleaned/study.toml --out checks-after   # see which issues were resolved

The corrections file (CSV, XLSX or ODS) has columns key, column, old_value, new_value, reason,
who, date, and optionally action (set, drop, mark_reliability), file (checklist or class) and
row (the row number from check's issue log: drops one copy of an exact duplicate, addresses
CLASS rows). A correction applies only if the cell still holds old_value. Writes the cleaned
exports (UTF-8 CSV), audit.csv (one row per correction, with before, after and status) and a
study.toml that reads them. Checklist columns the spec neither uses nor lists in
checklist.carry (free text) are dropped. Raw files are not modified.";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The study spec.
    pub spec: PathBuf,
    /// Corrections file (CSV, XLSX or ODS).
    #[arg(long, value_name = "FILE")]
    pub corrections: PathBuf,
    /// Output directory.
    #[arg(long, short)]
    pub out: PathBuf,
    #[command(flatten)]
    pub privacy: super::common::PrivacyArgs,
}

pub fn run(a: Args, ui: &Ui) -> Result<()> {
    let study = crate::study::spec::Study::load(&a.spec)?;
    let raw = study.resolve_path(&study.spec.files.checklist.path);
    crate::io::atomic::ensure_not_input(&a.out.join(raw.file_name().unwrap_or_default()), &[&raw])?;
    let r = crate::study::clean::clean(&study, &a.corrections, &a.out, a.privacy.pseudonymizer()?.as_ref())?;
    let applied = r.audit.iter().filter(|x| x.status == crate::study::clean::AuditStatus::Applied).count();
    ui.info(format!(
        "{applied} correction(s) applied, {} skipped; {} of {} submissions kept; wrote {}",
        r.audit.len() - applied,
        r.rows_out,
        r.rows_in,
        a.out.display()
    ));
    if !r.dropped_columns.is_empty() {
        ui.info(format!(
            "  {} column(s) not in the spec and not in checklist.carry were left out: {}",
            r.dropped_columns.len(),
            r.dropped_columns.join(", ")
        ));
    }
    for x in r.audit.iter().filter(|x| x.status == crate::study::clean::AuditStatus::Skipped) {
        ui.info(format!("  skipped {} {}: {}", x.key, x.column, x.message));
    }
    Ok(())
}
