//! Monitoring: the checklist in routine use (issue 15). Observers visit every center in repeated
//! rounds; `checkval monitor` gives each center its score with uncertainty, its change beyond
//! measurement error, its level, profile and priorities, and the network view by roster
//! grouping. It sits after `study` (it uses the spec, ingest and scoring); `study` never
//! imports it.
//!
//! - [`rounds`]: the round of each observation (column or visit date by period).
//! - [`model`]: center-round summaries, the multilevel model, EB scores, reliable change.
//! - [`observers`]: observer severity and drift across rounds.
//! - [`output`]: `centers.csv`/`.xlsx`, `monitor.json`, `groups.csv`.
//! - [`render`]: `dashboard.html` and `cards/<center>.html`.
//! - [`simulate`]: `simulate --rounds N`.

pub mod model;
pub mod observers;
pub mod output;
pub mod render;
pub mod rounds;
pub mod simulate;

use crate::choices::Lang;
use crate::io::atomic::{write_atomic, write_atomic_with};
use crate::io::export::{xlsx::Book, Cell};
use crate::study::ingest::{self, Issues, OnInvalid};
use crate::study::score::score_checklist;
use crate::study::spec::Study;
use anyhow::Result;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Which centers get a mentor's card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cards {
    /// All centers up to `monitor.cards_all_up_to`, priority centers above.
    Default,
    All,
    None,
    Priority,
    Ids(Vec<String>),
}

pub struct MonitorOptions {
    pub lang: Option<Lang>,
    pub cards: Cards,
    pub keep_going: bool,
}

/// What `monitor` wrote, for the command's summary.
pub struct MonitorSummary {
    pub n_centers: usize,
    pub n_rounds: usize,
    pub n_observations: usize,
    pub excluded_no_round: usize,
    pub n_cards: usize,
    pub n_priority: usize,
    pub written: Vec<PathBuf>,
}

/// Load, model and write every output.
pub fn run(study: &Study, opts: &MonitorOptions, out: &Path) -> Result<MonitorSummary> {
    let lang = opts.lang.unwrap_or(study.spec.analysis.language);
    let mut issues = Issues::new(if opts.keep_going { OnInvalid::Exclude } else { OnInvalid::Stop });
    let data = ingest::read_checklist(study, &mut issues)?;
    let roster = ingest::read_roster(study)?;
    let scores = score_checklist(study, &data);
    let rounds = rounds::assign(study, &data.meta)?;
    let obs = observers::estimate(&data, &scores, &rounds);
    let m = match obs.adjust(&scores) {
        None => model::build(study, &data, &scores, &rounds, roster.as_ref())?,
        Some(adj) => {
            let plain = model::build(study, &data, &scores, &rounds, roster.as_ref())?;
            let mut m = model::build(study, &data, &adj, &rounds, roster.as_ref())?;
            for (r, u) in m.rows.iter_mut().zip(&plain.rows) {
                r.unadjusted = u.eb[0].map(|e| e.score);
            }
            m.observer_adjusted = true;
            m
        }
    };
    drop(scores);
    std::fs::create_dir_all(out)?;
    let mut written = Vec::new();
    let sheet = output::centers_sheet(&m, study, lang);
    let groups = output::groups(&m);
    let gsheet = output::groups_sheet(&groups, lang);
    let (r1, r2) = rayon::join(
        || -> Result<()> {
            let mut book = Book::new();
            book.add(&sheet)?;
            book.add(&gsheet)?;
            write_atomic(&out.join("centers.xlsx"), &book.finish()?)
        },
        || -> Result<()> {
            write_atomic(&out.join("centers.csv"), &crate::io::export::csv::sheet_csv(&sheet)?)?;
            write_atomic(&out.join("groups.csv"), &crate::io::export::csv::sheet_csv(&gsheet)?)?;
            write_json(&out.join("monitor.json"), &m, &sheet, &obs)
        },
    );
    r1?;
    r2?;
    for f in ["centers.csv", "centers.xlsx", "groups.csv", "monitor.json"] {
        written.push(out.join(f));
    }
    drop(sheet);
    let priority = render::priority_centers(&m);
    let n_cards = render::write_all(study, &m, &groups, &obs, &priority, &opts.cards, lang, out)?;
    written.push(out.join("dashboard.html"));
    if n_cards > 0 {
        written.push(out.join("cards"));
    }
    Ok(MonitorSummary {
        n_centers: m.centers.len(),
        n_rounds: m.rounds.len(),
        n_observations: data.meta.len(),
        excluded_no_round: m.excluded_no_round,
        n_cards,
        n_priority: priority.len(),
        written,
    })
}

fn cell_json(c: &Cell) -> serde_json::Value {
    match c {
        Cell::Text(s) => serde_json::Value::String(s.clone()),
        Cell::Number(v, _) => serde_json::json!(v),
        Cell::Empty => serde_json::Value::Null,
    }
}

/// `monitor.json`: the model (variance components, round means, cut-offs), the observer
/// analysis and one object per center × round with the columns of `centers.csv`.
fn write_json(
    path: &Path,
    m: &model::Monitor,
    sheet: &crate::io::export::Sheet,
    obs: &observers::Observers,
) -> Result<()> {
    let fits: Vec<serde_json::Value> = m
        .fits
        .iter()
        .zip(&m.scales)
        .map(|(f, s)| match f {
            Ok(f) => serde_json::json!({"scale": s, "sigma2": f.sigma2, "tau2": f.tau2, "round_means": f.block_means}),
            Err(e) => serde_json::json!({"scale": s, "na": e.0}),
        })
        .collect();
    let meta = serde_json::json!({
        "rounds": m.rounds,
        "scales": m.scales,
        "model": fits,
        "confidence": m.spec.confidence,
        "min_change": m.spec.min_change,
        "level_rule": m.level_rule,
        "cutoffs": m.cuts.map(|c| [c.0, c.1]),
        "observer_adjusted": m.observer_adjusted,
        "observers": obs,
        "excluded_no_round": m.excluded_no_round,
    });
    write_atomic_with(path, |w| {
        let mut head = serde_json::to_string_pretty(&meta)?;
        head.pop(); // the closing brace
        write!(w, "{head},\n  \"centers\": [")?;
        for (i, row) in sheet.rows.iter().enumerate() {
            let obj: serde_json::Map<String, serde_json::Value> =
                sheet.headers.iter().cloned().zip(row.iter().map(cell_json)).collect();
            write!(w, "{}\n    {}", if i == 0 { "" } else { "," }, serde_json::to_string(&obj)?)?;
        }
        writeln!(w, "\n  ]\n}}")?;
        Ok(())
    })
}
