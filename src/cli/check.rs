//! `checkval check`: high-frequency checks of the field data, for the evening routine.

use super::common::Ui;
use crate::choices::Lang;
use crate::io::atomic::write_atomic;
use crate::io::frame::neutralize;
use crate::study::checks::{run_checks, IssueRow, FAMILIES};
use crate::study::pipeline::{self, RunOptions};
use crate::study::quality::Severity;
use crate::study::spec::Study;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "\
Examples:
  checkval check study.toml --out checks
  checkval check study.toml --out checks --since 2026-03-16 --lang es
  checkval check study.toml --strict        # exit 1 when any error or warning is found

Writes checks/issues.xlsx (a summary sheet and one sheet per family: ids, values, class,
timing, observers, backcheck), checks/issues.csv and checks/issues.json. Invalid values never
stop the checks: they are reported as rows. Thresholds live in the spec's [checks] table.";

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

const HEAD: [&str; 13] = [
    "family",
    "check_id",
    "severity",
    "file",
    "row",
    "key",
    "center",
    "classroom",
    "observer",
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

fn fields(r: &IssueRow) -> [String; 13] {
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
        r.column.clone(),
        r.value.clone(),
        r.message_es.clone(),
        r.message_en.clone(),
    ]
}

pub fn write_outputs(rows: &[IssueRow], out: &Path) -> Result<()> {
    // The three files are independent: CSV + JSON on one thread, the workbook on the other.
    let (a, b) = rayon::join(
        || -> Result<()> {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(HEAD)?;
            for r in rows {
                w.write_record(fields(r).iter().map(|f| neutralize(f).into_owned()))?;
            }
            write_atomic(&out.join("issues.csv"), &w.into_inner().context("csv")?)?;
            let mut json = serde_json::to_vec_pretty(&serde_json::json!({ "issues": rows }))?;
            json.push(b'\n');
            write_atomic(&out.join("issues.json"), &json)
        },
        || write_xlsx(rows, out),
    );
    a?;
    b
}

fn write_xlsx(rows: &[IssueRow], out: &Path) -> Result<()> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sum = wb.add_worksheet();
    sum.set_name("summary")?;
    for (j, h) in ["family", "error", "warning", "info"].iter().enumerate() {
        sum.write_string_with_format(0, j as u16, *h, &bold)?;
    }
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
    for (i, f) in FAMILIES.iter().enumerate() {
        sum.write_string((i + 1) as u32, 0, *f)?;
        for j in 0..3 {
            sum.write_number((i + 1) as u32, (j + 1) as u16, counts[i][j] as f64)?;
        }
    }
    sum.autofit();
    for f in FAMILIES {
        let ws = wb.add_worksheet();
        ws.set_name(f)?;
        // Column widths from the header and the first rows (autofit scans every cell, which
        // costs seconds on a national export's hundreds of thousands of rows).
        let mut width: Vec<usize> = HEAD.iter().map(|h| h.chars().count()).collect();
        for (j, h) in HEAD.iter().enumerate() {
            ws.write_string_with_format(0, j as u16, *h, &bold)?;
        }
        for (i, r) in rows.iter().filter(|r| r.family == f).enumerate() {
            for (j, v) in fields(r).iter().enumerate() {
                if i < 500 {
                    width[j] = width[j].max(v.chars().count());
                }
                // Written as text cells: a value starting with '=' is never a formula.
                ws.write_string((i + 1) as u32, j as u16, v.as_str())?;
            }
        }
        for (j, w) in width.iter().enumerate() {
            ws.set_column_width(j as u16, (*w).clamp(6, 80) as f64 + 1.0)?;
        }
        ws.set_freeze_panes(1, 0)?;
    }
    write_atomic(&out.join("issues.xlsx"), &wb.save_to_buffer()?)?;
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
    let data =
        pipeline::load(&study, &RunOptions { keep_going: true, lang: None, pseudonymize: a.privacy.pseudonymizer()? })?;
    let rows = run_checks(&study, &data, since.as_deref());
    write_outputs(&rows, &a.out)?;
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
