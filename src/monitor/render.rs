//! `dashboard.html` and the mentors' cards (filled in by a later step).

use super::model::Monitor;
use super::observers::Observers;
use super::output::GroupRow;
use super::Cards;
use crate::choices::Lang;
use crate::study::monitor_spec::{QualityLevel, Trend};
use crate::study::spec::Study;
use anyhow::Result;
use std::path::Path;

/// Centers whose latest round is low, or declining: indices into `m.centers`.
pub fn priority_centers(m: &Monitor) -> Vec<usize> {
    let starts = m.center_starts();
    starts
        .windows(2)
        .filter_map(|w| {
            let last = &m.rows[w[1] - 1];
            let p = last.profile?;
            (p.0 == QualityLevel::Low || p.1 == Trend::Declining).then_some(last.center as usize)
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub fn write_all(
    _study: &Study,
    _m: &Monitor,
    _groups: &[GroupRow],
    _obs: &Observers,
    _priority: &[usize],
    _cards: &Cards,
    _lang: Lang,
    _out: &Path,
) -> Result<usize> {
    Ok(0)
}
