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
    let t0 = std::time::Instant::now();
    let mut obs = pipeline::load_observations(&study, &opts)?;
    // Nothing after the observation scores reads the item codes: released before the
    // classroom tables are built (a national export's peak).
    obs.checklist.codes = Vec::new();
    let mut data = pipeline::with_levels(&study, obs, t0);
    // The score files do not read the roster (its attributes are in the center table).
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
