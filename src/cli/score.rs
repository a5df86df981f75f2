//! `checkval score`: ingest and score.

use super::common::{StudyArgs, Ui};
use crate::study::pipeline;
use anyhow::Result;

const EXAMPLES: &str = "\
Examples:
  checkval score study.toml --out results
  checkval score study.toml --out results --keep-going   # exclude invalid values, count them

Writes results/scores/observations.csv, classrooms.csv and centers.csv.";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pub study: StudyArgs,
}

pub fn run(a: Args, ui: &Ui) -> Result<()> {
    let (study, opts) = a.study.load()?;
    let progress = ui.progress();
    progress.stage("ingest");
    let mut data = pipeline::load(&study, &opts)?;
    // The score files read neither the item codes nor the roster (its attributes are in the
    // center table): released before the files are written, which is the peak of a large run.
    data.obs.checklist.codes = Vec::new();
    data.obs.roster = None;
    progress.stage("scoring");
    let written = pipeline::write_scores(&study, &data, &a.study.out)?;
    drop(progress);
    for l in &data.quality.lines {
        if l.count > 0 || l.severity == crate::study::quality::Severity::Info {
            ui.info(format!("  {}", l.message_en));
        }
    }
    for w in written {
        ui.info(format!("wrote {}", w.display()));
    }
    let problems = data.quality.problems();
    // The process ends here: freeing a national export's million observations one by one
    // would only delay the exit (a few tenths of a second), so the memory goes back with it.
    std::mem::forget(data);
    if a.study.strict && problems > 0 {
        return Err(crate::error::StrictFailure { problems }.into());
    }
    Ok(())
}
