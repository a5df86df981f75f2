//! `checkval simulate`: a synthetic study with known truth.

use super::common::Ui;
use crate::monitor::simulate::{simulate_rounds, RoundsOptions};
use crate::study::simulate::{simulate, SimOptions};
use anyhow::Result;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  checkval simulate --out demo                      # 150 centers, seed 1
  checkval simulate --out big --centers 1500 --seed 42
  checkval simulate --out scale --centers 250000 --items 50 --checklist-only
  checkval simulate --out planted --plant-errors     # one field problem of each kind
  checkval check planted/study.toml --out planted/checks
  checkval simulate --out rounds --rounds 4 --centers 300   # monitoring rounds, planted changes
  checkval monitor rounds/study.toml --out rounds/monitor

Writes checklist.csv (SurveyCTO-style, UTF-8), class.csv (CLASS-Toddler, Windows-1252, ';'),
roster.csv, study.toml (runs as is) and truth.json (the parameters and latent values). With
--plant-errors, also planted.json: each planted problem with the check id that must find it;
the same seed without --plant-errors is the clean twin. With --rounds N: a monitoring study
(checklist with a `ronda` column, roster with state and delegation, a [monitor] spec) where 10%
of centers improve and 10% decline from a planted round on, listed in truth.json.";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Output directory.
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// Number of centers (each with 2–6 classrooms).
    #[arg(long, default_value_t = 150)]
    pub centers: usize,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of checklist items (5–200), spread over 5 subscales.
    #[arg(long, default_value_t = 40)]
    pub items: usize,
    /// Write no CLASS file (for checklist-scale benchmarks).
    #[arg(long)]
    pub checklist_only: bool,
    /// Plant one field problem of each kind `check` looks for, listed in planted.json.
    #[arg(long)]
    pub plant_errors: bool,
    /// Monitoring rounds (2–12): write a multi-round study with planted changes instead.
    #[arg(long, value_name = "N", conflicts_with_all = ["plant_errors", "checklist_only"])]
    pub rounds: Option<usize>,
    /// With --rounds: classrooms per center (default 2–6 at random).
    #[arg(long, value_name = "N", requires = "rounds")]
    pub classrooms: Option<usize>,
}

pub fn run(a: Args, ui: &Ui) -> Result<()> {
    if let Some(rounds) = a.rounds {
        let o = RoundsOptions { centers: a.centers, rounds, seed: a.seed, items: a.items, classrooms: a.classrooms };
        let truth = simulate_rounds(&a.out, &o)?;
        ui.info(format!(
            "wrote {}: {} centers, {} rounds, {} checklist observations ({} planted changes)",
            a.out.display(),
            truth["n_centers"],
            rounds,
            truth["n_checklist_observations"],
            truth["planted"].as_array().map_or(0, Vec::len)
        ));
        return Ok(());
    }
    let truth = simulate(
        &a.out,
        &SimOptions {
            centers: a.centers,
            seed: a.seed,
            items: a.items,
            checklist_only: a.checklist_only,
            plant_errors: a.plant_errors,
        },
    )?;
    ui.info(format!(
        "wrote {}: {} centers, {} classrooms, {} checklist observations ({} double-coded visits)",
        a.out.display(),
        truth["n_centers"],
        truth["n_classrooms"],
        truth["n_checklist_observations"],
        truth["n_double_coded_visits"]
    ));
    Ok(())
}
