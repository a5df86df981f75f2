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

use crate::choices::{Lang, XlsxRows};
use crate::io::atomic::{write_atomic, write_atomic_with};
use crate::io::export::{csv::RowsCsv, xlsx::Book, Cell};
use crate::stats::StatResult;
use crate::study::ingest::{self, Issues, OnInvalid};
use crate::study::monitor_spec::LevelRule;
use crate::study::score::{classrooms, score_checklist, score_class};
use crate::study::spec::Study;
use crate::study::validity::ScreeningCutoff;
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
    /// The rows of `centers.xlsx`; `None`: every round up to `monitor.xlsx_all_rounds_up_to`
    /// centers, each center's latest round above.
    pub xlsx: Option<XlsxRows>,
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
    /// What `centers.xlsx` holds.
    pub xlsx: XlsxRows,
    pub written: Vec<PathBuf>,
}

/// With `CHECKVAL_TIMING` set, the elapsed time at the end of each phase on stderr (for
/// docs/performance.md; nothing else reads it).
fn phase_time(t0: std::time::Instant, phase: &str) {
    if std::env::var_os("CHECKVAL_TIMING").is_some() {
        eprintln!("timing: {phase} done at {:.2} s", t0.elapsed().as_secs_f64());
    }
}

/// The validated ROC cut-off of the checklist total, as `run` reports it, when the levels may
/// come from it (`monitor.levels` unset or `"roc"`) and the spec has CLASS data and a quality
/// threshold; `None` otherwise. The classroom table is `run`'s: every primary observation of
/// the checklist (all rounds, before any observer adjustment) paired with the CLASS file.
fn screening_cutoff(
    study: &Study,
    data: &ingest::ChecklistData,
    scores: &crate::study::score::ObsScores,
    issues: &mut Issues,
) -> Result<Option<StatResult<ScreeningCutoff>>> {
    let levels = study.spec.monitor.as_ref().and_then(|m| m.levels);
    if !matches!(levels, None | Some(LevelRule::Roc)) || study.spec.analysis.thresholds.is_empty() {
        return Ok(None);
    }
    let Some(class) = ingest::read_class(study, issues)? else { return Ok(None) };
    let class_scores = score_class(study, &class);
    let rooms = classrooms(&data.meta, scores, Some((class.obs.as_slice(), &class_scores)));
    Ok(Some(crate::study::validity::screening_cutoff(study, &rooms)))
}

/// Load, model and write every output.
pub fn run(study: &Study, opts: &MonitorOptions, out: &Path) -> Result<MonitorSummary> {
    let lang = opts.lang.unwrap_or(study.spec.analysis.language);
    let t0 = std::time::Instant::now();
    let tm = |phase: &str| phase_time(t0, phase);
    let mut issues = Issues::new(if opts.keep_going { OnInvalid::Exclude } else { OnInvalid::Stop });
    let data = ingest::read_checklist(study, &mut issues)?;
    let roster = ingest::read_roster(study)?;
    tm("ingest");
    let scores = score_checklist(study, &data);
    let screening = screening_cutoff(study, &data, &scores, &mut issues)?;
    let rounds = rounds::assign(study, &data.meta)?;
    let obs = observers::estimate(&data, &scores, &rounds);
    tm("observers");
    let adjusted = obs.adjust(&scores);
    let m = match &adjusted {
        None => model::build(study, &data, &scores, None, &rounds, roster.as_ref(), screening.as_ref())?,
        Some(adj) => model::build(study, &data, adj, Some(&scores), &rounds, roster.as_ref(), screening.as_ref())?,
    };
    drop(adjusted);
    drop(scores);
    tm("model");
    std::fs::create_dir_all(out)?;
    let xlsx = opts.xlsx.unwrap_or(if m.centers.len() <= m.spec.xlsx_all_rounds_up_to {
        XlsxRows::All
    } else {
        XlsxRows::Latest
    });
    let sheet = output::centers_sheet(&m, lang);
    let groups = output::groups(&m);
    let gsheet = output::groups_sheet(&groups, lang);
    tm("sheet");
    let rows = || m.rows.iter().map(|r| output::center_cells(&m, study, r, lang));
    let priority = render::priority_centers(&m);
    // Four streams side by side: the workbook (XML and deflate) and then the dashboard with the
    // cards (rendered in parallel batches) on one side, monitor.json and then centers.csv on the
    // other; the cards' batches spread over both cores once the other side is done. The CSV and
    // the JSON each build the row cells: cheaper than holding them, and neither waits for the
    // other.
    let ((r_xlsx, r_cards), (r_json, r_csv)) = rayon::join(
        || {
            rayon::join(
                || -> Result<()> {
                    write_xlsx(study, &m, &sheet, &gsheet, xlsx, lang, out)?;
                    tm("xlsx");
                    Ok(())
                },
                || -> Result<usize> {
                    let n_cards = render::write_all(study, &m, &groups, &obs, &priority, &opts.cards, lang, out)?;
                    tm("dashboard+cards");
                    Ok(n_cards)
                },
            )
        },
        || {
            rayon::join(
                || -> Result<()> {
                    write_monitor_json(&m, &obs, &sheet, rows(), out)?;
                    tm("json");
                    Ok(())
                },
                || -> Result<()> {
                    write_atomic(&out.join("groups.csv"), &crate::io::export::csv::sheet_csv(&gsheet)?)?;
                    write_centers_csv(&sheet, rows(), out)?;
                    tm("csv");
                    Ok(())
                },
            )
        },
    );
    r_xlsx?;
    r_csv?;
    r_json?;
    let n_cards = r_cards?;
    let mut written = Vec::new();
    for f in ["centers.csv", "centers.xlsx", "groups.csv", "monitor.json", "dashboard.html"] {
        if f != "centers.xlsx" || xlsx != XlsxRows::None {
            written.push(out.join(f));
        }
    }
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
        xlsx,
        written,
    })
}

/// `centers.csv`, streamed row by row.
fn write_centers_csv(
    sheet: &crate::io::export::Sheet,
    rows: impl Iterator<Item = Vec<Cell>>,
    out: &Path,
) -> Result<()> {
    write_atomic_with(&out.join("centers.csv"), |w| {
        let mut csv = RowsCsv::new(w, &sheet.headers)?;
        for cells in rows {
            csv.row(&cells)?;
        }
        csv.finish()
    })
}

/// `monitor.json`, streamed: the model and observers, then one object per row.
fn write_monitor_json(
    m: &model::Monitor,
    obs: &observers::Observers,
    sheet: &crate::io::export::Sheet,
    rows: impl Iterator<Item = Vec<Cell>>,
    out: &Path,
) -> Result<()> {
    let keys = JsonKeys::new(&sheet.headers);
    write_atomic_with(&out.join("monitor.json"), |w| {
        json_head(w, m, obs)?;
        for (i, cells) in rows.enumerate() {
            keys.write_row(w, i == 0, &cells)?;
        }
        writeln!(w, "\n  ]\n}}")?;
        Ok(())
    })
}

/// `centers.xlsx`: the centers sheet (every row, or each center's latest round) and the groups
/// sheet. With [`XlsxRows::None`] no workbook, and one left by an earlier run is removed (it
/// would not match the other outputs).
fn write_xlsx(
    study: &Study,
    m: &model::Monitor,
    sheet: &crate::io::export::Sheet,
    gsheet: &crate::io::export::Sheet,
    xlsx: XlsxRows,
    lang: Lang,
    out: &Path,
) -> Result<()> {
    let path = out.join("centers.xlsx");
    let cells = |r: &model::CenterRound| output::center_cells(m, study, r, lang);
    let mut book = Book::new();
    match xlsx {
        XlsxRows::None => {
            if path.exists() {
                std::fs::remove_file(&path)?;
            }
            return Ok(());
        }
        XlsxRows::All => book.add_rows_streamed(sheet, m.rows.iter().map(cells))?,
        XlsxRows::Latest => {
            // Rows are sorted by center, then round: a center's last row is its latest round.
            let starts = m.center_starts();
            let last = starts.windows(2).filter(|w| w[1] > w[0]).map(|w| &m.rows[w[1] - 1]);
            book.add_rows_streamed(&output::latest_sheet(sheet, lang), last.map(cells))?
        }
    }
    book.add(gsheet)?;
    write_atomic_with(&path, |w| book.finish_to(w))
}

/// The keys of a center row in `monitor.json`, in the order a `serde_json::Map` (a `BTreeMap`)
/// keeps them: sorted, a repeated header keeping its last column.
struct JsonKeys {
    /// (quoted key, column) in key order.
    order: Vec<(String, usize)>,
}

impl JsonKeys {
    fn new(headers: &[String]) -> JsonKeys {
        let mut last: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
        for (j, h) in headers.iter().enumerate() {
            last.insert(h, j);
        }
        let order = last
            .into_iter()
            .map(|(h, j)| (serde_json::to_string(h).unwrap_or_else(|_| format!("\"{h}\"")), j))
            .collect();
        JsonKeys { order }
    }

    /// One row as a compact JSON object (the bytes of `serde_json::to_string` of the map).
    fn write_row(&self, w: &mut impl Write, first: bool, cells: &[Cell]) -> Result<()> {
        w.write_all(if first { b"\n    {" } else { b",\n    {" })?;
        for (k, (key, j)) in self.order.iter().enumerate() {
            if k > 0 {
                w.write_all(b",")?;
            }
            w.write_all(key.as_bytes())?;
            w.write_all(b":")?;
            match cells.get(*j) {
                Some(Cell::Text(s)) => serde_json::to_writer(&mut *w, s)?,
                Some(Cell::Number(v, _)) => serde_json::to_writer(&mut *w, v)?,
                Some(Cell::Empty) | None => w.write_all(b"null")?,
            }
        }
        w.write_all(b"}")?;
        Ok(())
    }
}

/// `monitor.json` up to its `centers` array: the model (variance components, round means,
/// cut-offs) and the observer analysis. The rows follow, one object per center × round with
/// the columns of `centers.csv` ([`JsonKeys::write_row`]).
fn json_head(w: &mut impl Write, m: &model::Monitor, obs: &observers::Observers) -> Result<()> {
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
        "low_at_cutoff": m.low_inclusive,
        "roc_cutoff": m.screening.as_ref().map(|s| serde_json::json!({
            "threshold": s.threshold,
            "cutoff": s.cutoff,
            "rule": s.rule,
            "low": if m.low_inclusive { "score <= cutoff" } else { "score < cutoff" },
        })),
        "level_note": m.level_note,
        "observer_adjusted": m.observer_adjusted,
        "observers": obs,
        "excluded_no_round": m.excluded_no_round,
    });
    let mut head = serde_json::to_string_pretty(&meta)?;
    head.pop(); // the closing brace
    write!(w, "{head},\n  \"centers\": [")?;
    Ok(())
}
