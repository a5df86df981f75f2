//! The `[monitor]` table of the study spec: how rounds are formed, when a change is real, how
//! levels are cut and what each profile recommends. Read by `checkval monitor`; documented in
//! docs/study-spec.md.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How the round of a visit is found when the checklist has no round column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// Calendar month of the visit date (`2026-03`).
    Month,
    /// Calendar quarter (`2026-Q1`).
    #[default]
    Quarter,
    /// The named date ranges in `monitor.rounds`.
    Dates,
}

/// A named round by dates (inclusive ISO dates), for `period = "dates"`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundDates {
    pub name: String,
    pub start: String,
    pub end: String,
}

/// Where the level cut-offs come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LevelRule {
    /// Tertiles of the first round's center scores.
    Tertiles,
    /// `monitor.cutoffs = [low_below, high_from]` on the score scale.
    Fixed,
    /// Low below the validated ROC cut-off of the checklist total (needs `[class]` and an
    /// `[[analysis.thresholds]]`); medium and high split at the median of the rest in round 1.
    Roc,
}

/// A center's level in a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QualityLevel {
    Low,
    Medium,
    High,
}

impl QualityLevel {
    pub const ALL: [QualityLevel; 3] = [QualityLevel::Low, QualityLevel::Medium, QualityLevel::High];
    pub fn as_str(self) -> &'static str {
        match self {
            QualityLevel::Low => "low",
            QualityLevel::Medium => "medium",
            QualityLevel::High => "high",
        }
    }
}

/// A center's change since the previous round, judged against measurement error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    Improving,
    Stable,
    Declining,
}

impl Trend {
    pub const ALL: [Trend; 3] = [Trend::Declining, Trend::Stable, Trend::Improving];
    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Improving => "improving",
            Trend::Stable => "stable",
            Trend::Declining => "declining",
        }
    }
}

/// One of the nine profiles, `<level>_<trend>` in the spec (`low_declining`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Profile(pub QualityLevel, pub Trend);

impl Profile {
    pub fn all() -> impl Iterator<Item = Profile> {
        QualityLevel::ALL.into_iter().flat_map(|l| Trend::ALL.into_iter().map(move |t| Profile(l, t)))
    }
    pub fn key(self) -> String {
        format!("{}_{}", self.0.as_str(), self.1.as_str())
    }
    pub fn parse(s: &str) -> Option<Profile> {
        Profile::all().find(|p| p.key() == s)
    }
    /// The default recommendation (Spanish, English).
    pub fn default_text(self) -> (&'static str, &'static str) {
        use QualityLevel::*;
        use Trend::*;
        match (self.0, self.1) {
            (Low, Declining) => {
                ("Bajo y en descenso: mentoría intensiva este mes", "Low and declining: intensive mentoring this month")
            }
            (Low, Stable) => ("Bajo y estable: plan de mentoría mensual", "Low and stable: monthly mentoring plan"),
            (Low, Improving) => {
                ("Bajo y mejorando: sostener el acompañamiento", "Low and improving: keep up the support")
            }
            (Medium, Declining) => {
                ("Medio y en descenso: visita de mentoría pronto", "Medium and declining: a mentoring visit soon")
            }
            (Medium, Stable) => (
                "Medio y estable: trabajar la subescala prioritaria",
                "Medium and stable: work on the priority subscale",
            ),
            (Medium, Improving) => {
                ("Medio y mejorando: reconocer el avance", "Medium and improving: acknowledge the progress")
            }
            (High, Declining) => ("Alto y en descenso: revisar qué cambió", "High and declining: check what changed"),
            (High, Stable) => ("Alto y estable: seguimiento de rutina", "High and stable: routine follow-up"),
            (High, Improving) => {
                ("Alto y mejorando: compartir sus prácticas", "High and improving: share its practices")
            }
        }
    }
}

/// A recommendation text in both languages.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileText {
    #[serde(default)]
    pub es: String,
    #[serde(default)]
    pub en: String,
}

/// The `[monitor]` table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorSpec {
    /// Round from the visit date when the checklist has no `round` column.
    #[serde(default)]
    pub period: Period,
    /// Named rounds by dates, for `period = "dates"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<RoundDates>,
    /// Confidence of the reliable-change criterion and of the intervals.
    #[serde(default = "d_conf")]
    pub confidence: f64,
    /// Minimum meaningful change on the score scale.
    #[serde(default = "d_min_change")]
    pub min_change: f64,
    /// Where the level cut-offs come from (default: `roc` with a validation study, else
    /// `tertiles`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<LevelRule>,
    /// `[low_below, high_from]` for `levels = "fixed"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cutoffs: Option<[f64; 2]>,
    /// Roster attributes to group by (default: all of `[roster] attributes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    /// Recommendation texts by profile (`low_declining = { es = "...", en = "..." }`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub profiles: BTreeMap<String, ProfileText>,
    /// Above this many centers, `--cards` defaults to the priority centers only.
    #[serde(default = "d_cards_all")]
    pub cards_all_up_to: usize,
    /// Above this many centers, `centers.xlsx` holds each center's latest round by default
    /// (`--xlsx latest`); every round stays in `centers.csv` and `monitor.json`.
    #[serde(default = "d_xlsx_all")]
    pub xlsx_all_rounds_up_to: usize,
}

fn d_conf() -> f64 {
    0.95
}
fn d_min_change() -> f64 {
    0.05
}
fn d_cards_all() -> usize {
    5000
}
fn d_xlsx_all() -> usize {
    50_000
}

impl Default for MonitorSpec {
    fn default() -> Self {
        MonitorSpec {
            period: Period::default(),
            rounds: Vec::new(),
            confidence: d_conf(),
            min_change: d_min_change(),
            levels: None,
            cutoffs: None,
            groups: None,
            profiles: BTreeMap::new(),
            cards_all_up_to: d_cards_all(),
            xlsx_all_rounds_up_to: d_xlsx_all(),
        }
    }
}

impl MonitorSpec {
    /// Check the table; returns a message naming the key when it is wrong.
    pub fn validate(&self, roster_attributes: &[String]) -> Result<(), (String, String)> {
        if !(self.confidence > 0.5 && self.confidence < 1.0) {
            return Err((format!("monitor.confidence = {}", self.confidence), "a level between 0.5 and 1".into()));
        }
        if !(self.min_change >= 0.0 && self.min_change.is_finite()) {
            return Err((format!("monitor.min_change = {}", self.min_change), "a change ≥ 0".into()));
        }
        if self.period == Period::Dates && self.rounds.is_empty() {
            return Err(("monitor.period = \"dates\" without [[monitor.rounds]]".into(), "named date ranges".into()));
        }
        for r in &self.rounds {
            let ok = |s: &str| crate::io::values::parse_datetime(s).is_some();
            if !ok(&r.start) || !ok(&r.end) {
                return Err((format!("monitor.rounds '{}'", r.name), "ISO dates start and end".into()));
            }
        }
        match (self.levels, self.cutoffs) {
            (Some(LevelRule::Fixed), None) => {
                return Err((
                    "monitor.levels = \"fixed\" without cutoffs".into(),
                    "cutoffs = [low_below, high_from]".into(),
                ))
            }
            (_, Some([a, b])) if a > b => {
                return Err((format!("monitor.cutoffs = [{a}, {b}]"), "low_below ≤ high_from".into()))
            }
            _ => {}
        }
        for g in self.groups.iter().flatten() {
            if !roster_attributes.contains(g) {
                return Err((
                    format!("monitor.groups has '{g}'"),
                    "a roster attribute listed in [roster] attributes".into(),
                ));
            }
        }
        for k in self.profiles.keys() {
            if Profile::parse(k).is_none() {
                return Err((
                    format!("monitor.profiles has '{k}'"),
                    "a profile <low|medium|high>_<declining|stable|improving>".into(),
                ));
            }
        }
        Ok(())
    }

    /// The recommendation of a profile in Spanish and English (spec text, else the default).
    pub fn profile_text(&self, p: Profile) -> (String, String) {
        let (es, en) = p.default_text();
        match self.profiles.get(&p.key()) {
            Some(t) => (
                if t.es.is_empty() { es.to_string() } else { t.es.clone() },
                if t.en.is_empty() { en.to_string() } else { t.en.clone() },
            ),
            None => (es.to_string(), en.to_string()),
        }
    }
}
