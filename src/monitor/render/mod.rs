//! `dashboard.html` (the network view, offline, for up to national size) and the mentors'
//! `cards/<center>.html` (one printable page per center). Both are self-contained: inline CSS,
//! inline SVG, data embedded once as compact JSON, plain JS, no external requests.

pub mod card;
pub mod dashboard;
pub mod labels;

use super::model::Monitor;
use super::observers::Observers;
use super::output::GroupRow;
use super::Cards;
use crate::choices::Lang;
use crate::study::monitor_spec::{QualityLevel, Trend};
use crate::study::spec::Study;
use anyhow::{Context, Result};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;

/// HTML-escape text ([`crate::format::html_escape`]).
pub fn esc(s: &str) -> String {
    crate::format::html_escape(s)
}

/// A center ID as a file name: letters, digits, `-`, `_` and `.` kept, anything else `_`.
pub fn card_file(id: &str) -> String {
    let s: String = id.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    format!("{}.html", s.trim_start_matches('.'))
}

/// Centers whose latest round is low, or declining: indices into `m.centers`.
pub fn priority_centers(m: &Monitor) -> Vec<usize> {
    let starts = m.center_starts();
    starts
        .windows(2)
        .filter(|w| w[1] > w[0])
        .filter_map(|w| {
            let last = &m.rows[w[1] - 1];
            let p = last.profile?;
            (p.0 == QualityLevel::Low || p.1 == Trend::Declining).then_some(last.center as usize)
        })
        .collect()
}

/// Mean EB score per (grouping value, round) and scale, for the cards' comparisons.
pub struct Means {
    /// Index of the comparison attribute (the first grouping), if any.
    pub attr: Option<usize>,
    pub by_group: HashMap<(String, u16), Vec<Option<f64>>>,
    pub network: Vec<Vec<Option<f64>>>,
}

pub fn means(m: &Monitor) -> Means {
    let groupings = m.spec.groups.clone().unwrap_or_else(|| m.attr_names.clone());
    let attr = groupings.first().and_then(|g| m.attr_names.iter().position(|a| a == g));
    let ns = m.scales.len();
    let mut acc: HashMap<(String, u16), Vec<(f64, usize)>> = HashMap::new();
    let mut net = vec![vec![(0.0, 0usize); ns]; m.rounds.len()];
    for r in &m.rows {
        let key = attr.map(|a| m.attrs[r.center as usize][a].clone());
        for s in 0..ns {
            if let Some(e) = r.eb[s] {
                net[r.round as usize][s].0 += e.score;
                net[r.round as usize][s].1 += 1;
                if let Some(k) = &key {
                    let v = acc.entry((k.clone(), r.round)).or_insert_with(|| vec![(0.0, 0); ns]);
                    v[s].0 += e.score;
                    v[s].1 += 1;
                }
            }
        }
    }
    let fin = |v: &[(f64, usize)]| v.iter().map(|&(s, n)| (n > 0).then(|| s / n as f64)).collect::<Vec<_>>();
    Means {
        attr,
        by_group: acc.into_iter().map(|(k, v)| (k, fin(&v))).collect(),
        network: net.iter().map(|v| fin(v)).collect(),
    }
}

/// Cards rendered per batch while the previous batch is written.
const CARD_BATCH: usize = 512;

/// Write the dashboard and the selected cards; returns the number of cards.
#[allow(clippy::too_many_arguments)]
pub fn write_all(
    study: &Study,
    m: &Monitor,
    groups: &[GroupRow],
    obs: &Observers,
    priority: &[usize],
    cards: &Cards,
    lang: Lang,
    out: &Path,
) -> Result<usize> {
    let selected: Vec<usize> = match cards {
        Cards::None => Vec::new(),
        Cards::All => (0..m.centers.len()).collect(),
        Cards::Priority => priority.to_vec(),
        Cards::Default if m.centers.len() <= m.spec.cards_all_up_to => (0..m.centers.len()).collect(),
        Cards::Default => priority.to_vec(),
        Cards::Ids(ids) => {
            let index: HashMap<&str, usize> = m.centers.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
            ids.iter()
                .map(|id| {
                    index.get(id.as_str()).copied().ok_or_else(|| {
                        anyhow::anyhow!(
                            "--cards: center '{id}' is not in the checklist data (no observation with a round)"
                        )
                    })
                })
                .collect::<Result<_>>()?
        }
    };
    let mut has_card = vec![false; m.centers.len()];
    for &c in &selected {
        has_card[c] = true;
    }
    let html = dashboard::render(study, m, groups, obs, &has_card, lang);
    crate::io::atomic::write_atomic(&out.join("dashboard.html"), html.as_bytes())?;
    if selected.is_empty() {
        return Ok(0);
    }
    let means = means(m);
    let starts = m.center_starts();
    let first_row: HashMap<u32, usize> = starts.windows(2).map(|w| (m.rows[w[0]].center, w[0])).collect();
    let render = |c: usize| -> Option<(String, String)> {
        let &from = first_row.get(&(c as u32))?;
        let to = starts[starts.partition_point(|&s| s <= from)];
        Some((card_file(&m.centers[c]), card::render(study, m, &m.rows[from..to], &means, obs, lang)))
    };
    // Pages are rendered in parallel, a batch at a time, while one thread writes the previous
    // batch: files created from several threads in one directory contend for its lock.
    crate::io::atomic::write_dir_atomic(&out.join("cards"), |dir| {
        let write = |pages: Vec<Option<(String, String)>>| -> Result<()> {
            for (name, page) in pages.into_iter().flatten() {
                let path = dir.join(name);
                std::fs::write(&path, page).with_context(|| format!("writing {}", path.display()))?;
            }
            Ok(())
        };
        let mut pending = Vec::new();
        for batch in selected.chunks(CARD_BATCH) {
            let (done, next) = rayon::join(
                || write(std::mem::take(&mut pending)),
                || batch.par_iter().map(|&c| render(c)).collect::<Vec<_>>(),
            );
            done?;
            pending = next;
        }
        write(pending)
    })?;
    Ok(selected.len())
}
