//! `checkval report`: the full report (every section, figure and table format).

use super::common::{run_sections, ReportArgs, Ui};
use crate::app::Sections;
use anyhow::Result;

const EXAMPLES: &str = "\
Examples:
  checkval report study.toml --out report --lang es
  checkval report study.toml --out report-en --lang en

Writes report.html (self-contained, inline SVG figures), report.md, report.tex (booktabs),
tables.xlsx and tables/*.csv, figures/*.svg and figures/*.png (2x), results.json,
provenance.json and scores/*.csv under --out. `checkval run` writes the same.";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn run(a: Args, ui: &Ui) -> Result<()> {
    run_sections(a.report, ui, Sections::all())
}
