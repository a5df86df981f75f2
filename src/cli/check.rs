//! `checkval check`: high-frequency checks of the field data, for the evening routine.

use super::common::Ui;
use crate::choices::Lang;
use crate::io::atomic::{write_atomic, write_atomic_with};
use crate::io::export::{csv::text_rows_csv_to, xlsx::Book, Cell, NumFormat, Sheet};
use crate::study::checks::{run_checks, IssueRow, FAMILIES};
use crate::study::clean::{corrections_csv, CorrectionRow};
use crate::study::drafts::draft_corrections;
use crate::study::pipeline::{self, RunOptions};
use crate::study::quality::Severity;
use crate::study::spec::Study;
use anyhow::Result;
use std::io::Write;
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "\
Examples:
  checkval check study.toml --out checks
  checkval check study.toml --out checks --since 2026-03-16 --lang es
  checkval check study.toml --strict        # exit 1 when any error or warning is found

Writes checks/issues.xlsx (a summary sheet and one sheet per family: ids, values, class,
timing, observers, backcheck), checks/issues.csv and checks/issues.json. Invalid values never
stop the checks: they are reported as rows. Thresholds live in the spec's [checks] table.

When some problems have an evident fix (an ID that matches a roster or checklist ID only after
ignoring case, spaces and accents, or up to one character; the later copy of an exact
duplicate), checks/corrections-draft.csv proposes them in the format `clean --corrections`
reads: review it, then `checkval clean study.toml --corrections checks/corrections-draft.csv`.
No draft is written under --pseudonymize (corrections need the raw IDs).";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The study spec.
    pub spec: PathBuf,
    /// Output directory.
    #[arg(long, short, default_value = "checks")]
    pub out: PathBuf,
    /// Only observations dated on or after this ISO date.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Exit with code 1 when any error or warning is found.
    #[arg(long)]
    pub strict: bool,
    /// Language of the console summary.
    #[arg(long, value_enum, default_value_t = Lang::Es)]
    pub lang: Lang,
    #[command(flatten)]
    pub privacy: super::common::PrivacyArgs,
}

const HEAD: [&str; 15] = [
    "family",
    "check_id",
    "severity",
    "file",
    "row",
    "key",
    "center",
    "classroom",
    "observer",
    "date",
    "cycle",
    "column",
    "value",
    "message_es",
    "message_en",
];

fn sev(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

fn fields(r: &IssueRow) -> [String; 15] {
    [
        r.family.to_string(),
        r.check_id.to_string(),
        sev(r.severity).to_string(),
        r.file.clone(),
        r.row.map(|x| x.to_string()).unwrap_or_default(),
        r.key.clone(),
        r.center.clone(),
        r.classroom.clone(),
        r.observer.clone(),
        r.date.clone(),
        r.cycle.map(|c| c.to_string()).unwrap_or_default(),
        r.column.clone(),
        r.value.clone(),
        r.message_es.clone(),
        r.message_en.clone(),
    ]
}

pub fn write_outputs(rows: &[IssueRow], out: &Path) -> Result<()> {
    // The three files are independent: CSV + JSON on one thread, the workbook on the other. CSV
    // and JSON are streamed to their files (no second copy of the issue rows in memory).
    let (a, b) = rayon::join(
        || -> Result<()> {
            write_atomic_with(&out.join("issues.csv"), |w| {
                text_rows_csv_to(w, &HEAD, rows.iter().map(|r| fields(r).to_vec()))
            })?;
            write_atomic_with(&out.join("issues.json"), |w| {
                let issues = JsonIssues { issues: rows.iter().map(JsonIssue::from).collect() };
                serde_json::to_writer_pretty(&mut *w, &issues)?;
                w.write_all(b"\n")?;
                Ok(())
            })
        },
        || write_xlsx(rows, out),
    );
    a?;
    b
}

/// `issues.json`: `{"issues": [...]}` with each issue's keys in alphabetical order (the layout
/// the file has always had, from a `serde_json::Value`), serialised straight to the file.
#[derive(serde::Serialize)]
struct JsonIssues<'a> {
    issues: Vec<JsonIssue<'a>>,
}

#[derive(serde::Serialize)]
struct JsonIssue<'a> {
    center: &'a str,
    check_id: &'a str,
    classroom: &'a str,
    column: &'a str,
    cycle: Option<u32>,
    date: &'a str,
    family: &'a str,
    file: &'a str,
    key: &'a str,
    message_en: &'a str,
    message_es: &'a str,
    observer: &'a str,
    row: Option<u64>,
    severity: Severity,
    value: &'a str,
}

impl<'a> From<&'a IssueRow> for JsonIssue<'a> {
    fn from(r: &'a IssueRow) -> Self {
        JsonIssue {
            center: &r.center,
            check_id: r.check_id,
            classroom: &r.classroom,
            column: &r.column,
            cycle: r.cycle,
            date: &r.date,
            family: r.family,
            file: &r.file,
            key: &r.key,
            message_en: &r.message_en,
            message_es: &r.message_es,
            observer: &r.observer,
            row: r.row,
            severity: r.severity,
            value: &r.value,
        }
    }
}

fn issue_cells(r: &IssueRow) -> Vec<Cell> {
    fields(r).into_iter().map(Cell::Text).collect()
}

fn write_xlsx(rows: &[IssueRow], out: &Path) -> Result<()> {
    let mut book = Book::new();
    let mut counts = [[0usize; 3]; FAMILIES.len()];
    for r in rows {
        if let Some(i) = FAMILIES.iter().position(|f| *f == r.family) {
            counts[i][match r.severity {
                Severity::Error => 0,
                Severity::Warning => 1,
                Severity::Info => 2,
            }] += 1;
        }
    }
    let summary = Sheet {
        name: "summary".into(),
        headers: ["family", "error", "warning", "info"].iter().map(|h| h.to_string()).collect(),
        rows: FAMILIES
            .iter()
            .zip(counts)
            .map(|(f, c)| {
                let mut row = vec![Cell::from(*f)];
                row.extend(c.iter().map(|n| Cell::Number(*n as f64, NumFormat::Integer)));
                row
            })
            .collect(),
        ..Default::default()
    };
    book.add(&summary)?;
    let head: Vec<String> = HEAD.iter().map(|h| h.to_string()).collect();
    for f in FAMILIES {
        let sheet = Sheet { name: f.to_string(), headers: head.clone(), ..Default::default() };
        // Streamed: each row's cells are built as it is written (never all held), and text goes
        // in as inline strings (no shared-strings table to hash 1.7 M cells into).
        book.add_rows_streamed(&sheet, rows.iter().filter(|r| r.family == f).map(issue_cells))?;
    }
    write_atomic(&out.join("issues.xlsx"), &book.finish()?)?;
    Ok(())
}

/// `corrections-draft.csv` when there are corrections to propose (a stale one is removed
/// otherwise, so the directory never holds a draft from an earlier run).
fn write_draft(draft: &[CorrectionRow], pseudonymized: bool, out: &Path, ui: &Ui) -> Result<()> {
    let path = out.join("corrections-draft.csv");
    if draft.is_empty() {
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
        if pseudonymized {
            ui.info("no corrections-draft.csv under --pseudonymize (corrections need the raw IDs)");
        }
        return Ok(());
    }
    write_atomic(&path, &corrections_csv(draft)?)?;
    ui.info(format!("wrote {} ({} proposed correction(s) to review)", path.display(), draft.len()));
    Ok(())
}

pub fn run(a: Args, ui: &Ui) -> Result<()> {
    let study = Study::load(&a.spec)?;
    if let Some(s) = &a.since {
        if crate::io::values::parse_datetime(s).is_none() {
            return Err(crate::error::InputError::new(crate::error::ErrorKind::Usage, "--since")
                .found(s.clone())
                .expected("an ISO date such as 2026-03-16")
                .into());
        }
    }
    let since = a.since.as_deref().and_then(crate::io::values::parse_datetime).map(|d| d.date_iso());
    let pseudonymize = a.privacy.pseudonymizer()?;
    let progress = ui.progress();
    progress.stage("ingest");
    let t0 = std::time::Instant::now();
    let data = pipeline::load_observations(&study, &RunOptions { keep_going: true, lang: None, pseudonymize })?;
    progress.stage("checks");
    let rows = run_checks(&study, &data, since.as_deref());
    pipeline::phase_time(t0, "checks");
    let pseudonymized = data.pseudonymized;
    progress.stage("writing issues.xlsx, .csv, .json");
    // The corrections draft reads the study data, the issue files only the issue rows: the draft
    // is worked out beside the writing (the workbook, the longest of the three files, takes a
    // core of its own), and the study data is freed as soon as the draft is done.
    let (draft, written) = rayon::join(
        || {
            let draft = if pseudonymized { Vec::new() } else { draft_corrections(&study, &data, since.as_deref()) };
            pipeline::phase_time(t0, "corrections draft");
            drop(data);
            draft
        },
        || write_outputs(&rows, &a.out),
    );
    written?;
    pipeline::phase_time(t0, "writing");
    drop(progress);
    write_draft(&draft, pseudonymized, &a.out, ui)?;
    let es = a.lang.is_es();
    ui.info(if es { "Revisión de datos de campo:" } else { "Field-data checks:" });
    for f in FAMILIES {
        let c = |s| rows.iter().filter(|r| r.family == f && r.severity == s).count();
        ui.info(
            format!(
                "  {f:<10} {} error(es), {} advertencia(s), {} info",
                c(Severity::Error),
                c(Severity::Warning),
                c(Severity::Info)
            )
            .replace(if es { "\u{0}" } else { "error(es)" }, if es { "error(es)" } else { "error(s)" })
            .replace(if es { "\u{0}" } else { "advertencia(s)" }, if es { "advertencia(s)" } else { "warning(s)" }),
        );
    }
    ui.info(format!("wrote {}", a.out.join("issues.xlsx").display()));
    let problems = rows.iter().filter(|r| r.severity >= Severity::Warning).count();
    if a.strict && problems > 0 {
        return Err(crate::error::StrictFailure { problems }.into());
    }
    Ok(())
}
