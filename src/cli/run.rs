//! `checkval run`: the main job.

use super::common::{run_sections, ReportArgs, Ui};
use crate::app::Sections;
use anyhow::Result;

const EXAMPLES: &str = "\
Examples:
  checkval run data-samples/demo-150/study.toml --out report
  checkval run study.toml --out report --lang en --strict

Writes report.md, report.html, results.json, provenance.json and scores/*.csv under --out.";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn run(a: Args, ui: &Ui) -> Result<()> {
    run_sections(a.report, ui, Sections::all())
}
