//! `checkval reliability`: internal consistency and inter-observer agreement for a study.

use super::common::{run_sections, ReportArgs, Ui};
use crate::app::Sections;
use anyhow::Result;

const EXAMPLES: &str = "\
Examples:
  checkval reliability study.toml --out rel
  checkval reliability study.toml --out rel --lang en

Writes results.json (sample, descriptives and reliability records), report.md, report.html,
provenance.json and scores/*.csv under --out. `checkval run` includes the same section.";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn run(a: Args, ui: &Ui) -> Result<()> {
    run_sections(a.report, ui, Sections { reliability: true, validity: false })
}
