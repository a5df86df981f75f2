//! `checkval reliability`: internal consistency and inter-observer agreement for a study.

use super::common::{parse_lang, StudyArgs, Ui};
use crate::study::run::{run_study, Sections};
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
    pub study: StudyArgs,
    /// Report language (default: the spec's analysis.language).
    #[arg(long, value_parser = parse_lang)]
    pub lang: Option<String>,
}

pub fn run(a: Args, ui: &Ui) -> Result<()> {
    let (study, mut opts) = a.study.load()?;
    opts.lang = a.lang.clone();
    let summary = run_study(&study, &opts, &a.study.out, Sections { reliability: true, validity: false })?;
    ui.info(format!("wrote {} ({} statistics)", a.study.out.display(), summary.n_records));
    if a.study.strict && summary.problems > 0 {
        return Err(crate::error::StrictFailure { problems: summary.problems }.into());
    }
    Ok(())
}
