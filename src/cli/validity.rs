//! `checkval validity`: checklist vs CLASS for a study.

use super::common::{run_sections, ReportArgs, Ui};
use crate::app::Sections;
use anyhow::Result;

const EXAMPLES: &str = "\
Examples:
  checkval validity study.toml --out val
  checkval validity study.toml --out val --lang en

Writes results.json (sample, descriptives and validity records: MTMM at classroom and center
level, disattenuated and partial r, dependent-correlation tests, ROC per quality threshold,
item validity, short-form search, clustering), report.md, report.html,
provenance.json and scores/*.csv under --out. `checkval run` includes the same section.";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn run(a: Args, ui: &Ui) -> Result<()> {
    run_sections(a.report, ui, Sections { reliability: false, validity: true })
}
