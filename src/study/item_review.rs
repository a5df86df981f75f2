//! Items to review: one record per checklist item gathering the signals that an item needs work,
//! the input to the checklist's next revision cycle.
//!
//! Each flag compares one statistic the study already computed with a convention set in
//! `[analysis.item_review]` (the defaults are common rules of thumb, named as conventions, not
//! verdicts):
//! - `floor` / `ceiling`: the item's mean on its 0–1 range is ≤ `extreme_share` or ≥ 1 − it
//!   (almost never or almost always met: it cannot separate classrooms);
//! - `low_discrimination`: corrected item–total r < `min_item_total` (observation level);
//! - `lowers_alpha`: α of the total rises by more than .005 without the item;
//! - `low_agreement`: Gwet's AC1 between double coders < `min_ac1`;
//! - `no_class_validity`: no CLASS domain reaches r ≥ .10 with an FDR-adjusted p < .05;
//! - `high_na` / `high_missing`: "not applicable" or missing share above `max_na_share` /
//!   `max_missing_share`;
//! - `low_irt_discrimination`: 2PL slope < `min_irt_discrimination` (when IRT ran);
//! - `poor_fit`: IRT infit or outfit mean square outside [`min_mnsq`, `max_mnsq`] (when IRT ran);
//! - `dif`: an ETS class B or C in any DIF grouping (when DIF ran).
//!
//! The statistics are read from the records by name, so the IRT and DIF flags appear as soon as
//! those analyses write their records.

use super::spec::Study;
use crate::results::{find, Query, Record};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Conventions for flagging an item (`[analysis.item_review]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ItemReview {
    /// Floor/ceiling: share of the range at either end (default .05).
    pub extreme_share: f64,
    /// Lowest acceptable corrected item–total r (default .20).
    pub min_item_total: f64,
    /// Lowest acceptable AC1 between double coders (default .60).
    pub min_ac1: f64,
    /// Highest acceptable "not applicable" share (default .20).
    pub max_na_share: f64,
    /// Highest acceptable missing share (default .10).
    pub max_missing_share: f64,
    /// Lowest acceptable IRT slope (default .65, Baker's "low").
    pub min_irt_discrimination: f64,
    /// Productive range of the IRT infit/outfit mean squares (default .5–1.5, Linacre).
    pub min_mnsq: f64,
    pub max_mnsq: f64,
}

impl Default for ItemReview {
    fn default() -> Self {
        ItemReview {
            extreme_share: 0.05,
            min_item_total: 0.20,
            min_ac1: 0.60,
            max_na_share: 0.20,
            max_missing_share: 0.10,
            min_irt_discrimination: 0.65,
            min_mnsq: 0.5,
            max_mnsq: 1.5,
        }
    }
}

/// Why an item is flagged (the code written to `results.json`; the report translates it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    Floor,
    Ceiling,
    LowDiscrimination,
    LowersAlpha,
    LowAgreement,
    NoClassValidity,
    HighNa,
    HighMissing,
    LowIrtDiscrimination,
    PoorFit,
    Dif,
}

impl Flag {
    pub fn code(self) -> &'static str {
        match self {
            Flag::Floor => "floor",
            Flag::Ceiling => "ceiling",
            Flag::LowDiscrimination => "low_discrimination",
            Flag::LowersAlpha => "lowers_alpha",
            Flag::LowAgreement => "low_agreement",
            Flag::NoClassValidity => "no_class_validity",
            Flag::HighNa => "high_na",
            Flag::HighMissing => "high_missing",
            Flag::LowIrtDiscrimination => "low_irt_discrimination",
            Flag::PoorFit => "poor_fit",
            Flag::Dif => "dif",
        }
    }

    pub fn from_code(code: &str) -> Option<Flag> {
        ALL_FLAGS.iter().copied().find(|f| f.code() == code)
    }
}

pub const ALL_FLAGS: [Flag; 11] = [
    Flag::Floor,
    Flag::Ceiling,
    Flag::LowDiscrimination,
    Flag::LowersAlpha,
    Flag::LowAgreement,
    Flag::NoClassValidity,
    Flag::HighNa,
    Flag::HighMissing,
    Flag::LowIrtDiscrimination,
    Flag::PoorFit,
    Flag::Dif,
];

/// The statistics of one item that the flags look at (`None`: not computed).
#[derive(Debug, Default, Clone)]
struct ItemStats {
    p: Option<f64>,
    item_total: Option<f64>,
    alpha_gain: Option<f64>,
    ac1: Option<f64>,
    discriminates: Option<bool>,
    na_share: Option<f64>,
    missing_share: Option<f64>,
    irt_a: Option<f64>,
    infit: Option<f64>,
    outfit: Option<f64>,
    dif_class: Option<String>,
    max_class_r: Option<f64>,
}

/// The estimate of the first of `records` that is `stat` with every `ctx` pair.
fn est(records: &[&Record], stat: &str, ctx: &[(&str, &str)]) -> Option<f64> {
    find(records.iter().copied(), &Query::stat(stat).with_all(ctx)).and_then(|r| r.estimate)
}

/// The records of each item (context key `item`), in the order of `records`. Every lookup of
/// [`item_stats`] names the item, so searching its records finds what searching all of them
/// would, without passing over every record for each item and statistic.
fn records_by_item(records: &[Record]) -> HashMap<&str, Vec<&Record>> {
    let mut by_item: HashMap<&str, Vec<&Record>> = HashMap::new();
    for r in records {
        if let Some(id) = r.ctx_str("item") {
            by_item.entry(id).or_default().push(r);
        }
    }
    by_item
}

/// Gathers an item's statistics from its records (`records`, as [`records_by_item`] gives them)
/// and the α of the checklist total (`alpha`).
fn item_stats(records: &[&Record], item: &super::spec::Item, alpha: Option<f64>) -> ItemStats {
    let id = item.id.as_str();
    let ic = [("analysis", "internal_consistency"), ("scale", "checklist_total"), ("item", id)];
    let (lo, hi) = item.range();
    let p = est(records, "item_mean", &ic).filter(|_| hi > lo).map(|m| (m - lo) / (hi - lo));
    let alpha_gain = est(records, "alpha_if_deleted", &ic).zip(alpha).map(|(d, a)| d - a);
    let max_class_r = records
        .iter()
        .filter(|r| r.statistic == "point_biserial_r" || r.statistic == "item_r")
        .filter(|r| r.ctx_str("item") == Some(id) && r.ctx_str("analysis") == Some("item_validity"))
        .filter_map(|r| r.estimate)
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
    let dif_class = records
        .iter()
        .filter(|r| r.statistic == "mh_d_dif" && r.ctx_str("analysis") == Some("dif") && r.ctx_str("item") == Some(id))
        .filter_map(|r| r.ctx_str("ets_class").map(str::to_string))
        .max();
    ItemStats {
        p,
        item_total: est(records, "item_total_corrected", &ic),
        alpha_gain,
        ac1: est(records, "gwet_ac1", &[("analysis", "item_agreement"), ("item", id)]),
        discriminates: est(records, "item_discriminates", &[("analysis", "item_validity"), ("item", id)])
            .map(|v| v > 0.5),
        na_share: est(records, "item_na_share", &[("analysis", "item_coverage"), ("item", id)]),
        missing_share: est(records, "item_missing_share", &[("analysis", "item_coverage"), ("item", id)]),
        irt_a: est(records, "discrimination", &[("analysis", "irt"), ("item", id)]),
        infit: est(records, "infit", &[("analysis", "irt"), ("item", id)]),
        outfit: est(records, "outfit", &[("analysis", "irt"), ("item", id)]),
        dif_class,
        max_class_r,
    }
}

impl ItemStats {
    fn flags(&self, c: &ItemReview) -> Vec<Flag> {
        let mut f = Vec::new();
        let below = |v: Option<f64>, t: f64| v.is_some_and(|v| v < t);
        let above = |v: Option<f64>, t: f64| v.is_some_and(|v| v > t);
        if self.p.is_some_and(|p| p <= c.extreme_share) {
            f.push(Flag::Floor);
        }
        if self.p.is_some_and(|p| p >= 1.0 - c.extreme_share) {
            f.push(Flag::Ceiling);
        }
        if below(self.item_total, c.min_item_total) {
            f.push(Flag::LowDiscrimination);
        }
        if above(self.alpha_gain, 0.005) {
            f.push(Flag::LowersAlpha);
        }
        if below(self.ac1, c.min_ac1) {
            f.push(Flag::LowAgreement);
        }
        if self.discriminates == Some(false) {
            f.push(Flag::NoClassValidity);
        }
        if above(self.na_share, c.max_na_share) {
            f.push(Flag::HighNa);
        }
        if above(self.missing_share, c.max_missing_share) {
            f.push(Flag::HighMissing);
        }
        if below(self.irt_a, c.min_irt_discrimination) {
            f.push(Flag::LowIrtDiscrimination);
        }
        let misfit = |v: Option<f64>| v.is_some_and(|v| v < c.min_mnsq || v > c.max_mnsq);
        if misfit(self.infit) || misfit(self.outfit) {
            f.push(Flag::PoorFit);
        }
        if self.dif_class.as_deref().is_some_and(|k| k == "B" || k == "C") {
            f.push(Flag::Dif);
        }
        f
    }
}

/// One `item_review` record per checklist item: the number of flags as the estimate, the flag
/// codes and the statistics behind them.
pub fn item_review_records(study: &Study, records: &[Record]) -> Vec<Record> {
    let conv = &study.spec.analysis.item_review;
    let alpha = find(records, &Query::stat("cronbach_alpha").with_all(&[("scale", "checklist_total")]))
        .filter(|r| r.ctx_str("level") == Some("observation"))
        .and_then(|r| r.estimate);
    let by_item = records_by_item(records);
    study
        .spec
        .checklist
        .items
        .iter()
        .map(|item| {
            let s = item_stats(by_item.get(item.id.as_str()).map_or(&[], Vec::as_slice), item, alpha);
            let flags = s.flags(conv);
            let mut r = Record::new("item_review", Ok(flags.len() as f64))
                .ctx("analysis", "item_review")
                .ctx("item", item.id.as_str())
                .ctx("subscale", item.subscale.as_str())
                .ctx("flags", flags.iter().map(|f| f.code()).collect::<Vec<_>>());
            let values = [
                ("p", s.p),
                ("item_total_r", s.item_total),
                ("alpha_gain", s.alpha_gain),
                ("ac1", s.ac1),
                ("max_class_r", s.max_class_r),
                ("na_share", s.na_share),
                ("missing_share", s.missing_share),
                ("irt_discrimination", s.irt_a),
                ("infit", s.infit),
                ("outfit", s.outfit),
            ];
            for (k, v) in values {
                if let Some(v) = v {
                    r = r.ctx(k, v);
                }
            }
            if let Some(k) = &s.dif_class {
                r = r.ctx("dif_class", k.as_str());
            }
            r
        })
        .collect()
}
