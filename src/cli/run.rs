//! `checkval run`: the main job.

use super::common::{parse_lang, StudyArgs, Ui};
use crate::study::run::{run_study, Sections};
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
    pub study: StudyArgs,
    /// Report language (default: the spec's analysis.language).
    #[arg(long, value_parser = parse_lang)]
    pub lang: Option<String>,
}

pub fn run(a: Args, ui: &Ui) -> Result<()> {
    let (study, mut opts) = a.study.load()?;
    opts.lang = a.lang.clone();
    let summary = run_study(&study, &opts, &a.study.out, Sections::all())?;
    for l in &summary.quality_lines {
        ui.info(format!("  {l}"));
    }
    ui.info(format!("wrote {} ({} statistics)", a.study.out.display(), summary.n_records));
    if a.study.strict && summary.problems > 0 {
        return Err(crate::error::StrictFailure { problems: summary.problems }.into());
    }
    Ok(())
}
