//! `checkval monitor`: the checklist in routine use: center scores with uncertainty, change
//! beyond measurement error, profiles, the network view, the dashboard and mentors' cards.

use super::common::Ui;
use crate::choices::{Lang, XlsxRows};
use crate::monitor::{self, Cards, MonitorOptions};
use crate::study::spec::Study;
use anyhow::Result;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  checkval monitor data-samples/monitor-300/study.toml --out monitor
  checkval monitor study.toml --out monitor --lang en --cards priority
  checkval monitor study.toml --out monitor --cards GDR-000012,GDR-000140
  checkval monitor national.toml --out monitor --xlsx all     # every round in the workbook too
  checkval simulate --rounds 4 --centers 300 --out rounds && checkval monitor rounds/study.toml --out rounds/monitor

Writes centers.csv and monitor.json (one row per center and round: EB score and interval,
change and trend, level, profile, priority subscale and items), centers.xlsx (the same rows; above
monitor.xlsx_all_rounds_up_to centers, each center's latest round), groups.csv (the network and
each roster grouping by round), dashboard.html (offline) and cards/<center>.html.
The round comes from checklist.columns.round, else from the visit date by monitor.period.";

/// `--cards`: all, none, priority, or a comma-separated list of center IDs.
fn parse_cards(s: &str) -> Result<Cards, String> {
    match s.trim() {
        "all" => Ok(Cards::All),
        "none" => Ok(Cards::None),
        "priority" => Ok(Cards::Priority),
        "" => Err("expected all, none, priority or center IDs separated by commas".into()),
        list => Ok(Cards::Ids(list.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect())),
    }
}

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The study spec (TOML), with rounds (checklist.columns.round or a visit date).
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// Output directory (created if needed).
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// Language of the dashboard, cards and recommendation texts (default: the spec's).
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
    /// Mentors' cards: all, none, priority, or center IDs (default: all up to
    /// monitor.cards_all_up_to centers, priority centers above).
    #[arg(long, value_name = "WHICH", value_parser = parse_cards)]
    pub cards: Option<Cards>,
    /// Rows of centers.xlsx: all (every round), latest (each center's latest round) or none
    /// (default: all up to monitor.xlsx_all_rounds_up_to centers, latest above).
    #[arg(long, value_enum, value_name = "ROWS")]
    pub xlsx: Option<XlsxRows>,
    /// Exclude invalid values (counted) instead of stopping at the first one.
    #[arg(long)]
    pub keep_going: bool,
}

pub fn run(a: Args, ui: &Ui) -> Result<()> {
    let study = Study::load(&a.spec)?;
    crate::io::atomic::ensure_not_input(&a.out, &[&a.spec])?;
    let opts = MonitorOptions {
        lang: a.lang,
        cards: a.cards.unwrap_or(Cards::Default),
        xlsx: a.xlsx,
        keep_going: a.keep_going,
    };
    let s = monitor::run(&study, &opts, &a.out)?;
    ui.info(format!(
        "{} centers, {} rounds, {} observations; {} priority centers; {} cards",
        s.n_centers, s.n_rounds, s.n_observations, s.n_priority, s.n_cards
    ));
    if s.xlsx == XlsxRows::Latest {
        ui.info("  centers.xlsx: each center's latest round (every round is in centers.csv; --xlsx all)");
    }
    if s.excluded_no_round > 0 {
        ui.info(format!("  {} observations without a round were left out", s.excluded_no_round));
    }
    for w in s.written {
        ui.info(format!("wrote {}", w.display()));
    }
    Ok(())
}
