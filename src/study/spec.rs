//! The study spec (TOML): files, column roles, checklist items, scoring rules, CLASS instrument
//! and analysis settings. `docs/study-spec.md` documents every key; unknown keys are errors so
//! that a typo never silently changes an analysis.

use super::instrument::{self, Instrument};
use crate::choices::{Lang, Level};
use crate::error::{ErrorKind, InputError};
use crate::io::table::HeaderRow;
use crate::io::ReadOptions;
use crate::stats::consistency::Missing;
use crate::stats::labels::{IccScale, KappaScale};
use crate::stats::roc::CutoffRule;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    #[serde(default)]
    pub study: StudyMeta,
    pub files: Files,
    pub checklist: ChecklistSpec,
    #[serde(default)]
    pub roles: Roles,
    #[serde(default)]
    pub scoring: Scoring,
    pub class: Option<ClassSpec>,
    #[serde(default)]
    pub roster: RosterSpec,
    #[serde(default)]
    pub analysis: Analysis,
    #[serde(default)]
    pub checks: Checks,
    /// Monitoring rounds (`checkval monitor`); see [`super::monitor_spec`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitor: Option<super::monitor_spec::MonitorSpec>,
}

/// Thresholds of the field-data checks (`checkval check`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checks {
    /// Shortest plausible observation, minutes (end − start).
    #[serde(default = "d_min_dur")]
    pub min_duration_min: f64,
    /// Longest plausible observation, minutes.
    #[serde(default = "d_max_dur")]
    pub max_duration_min: f64,
    /// Fieldwork window (ISO dates); visits outside it are flagged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fieldwork_start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fieldwork_end: Option<String>,
    /// Most observations one observer can plausibly do in a day.
    #[serde(default = "d_per_day")]
    pub max_obs_per_observer_day: usize,
    /// Share of items on which two observers may disagree before a pair is flagged (bcstats: 10%).
    #[serde(default = "d_disc")]
    pub discrepancy_threshold: f64,
    /// Robust z (median/MAD) beyond which a checklist total is an outlier.
    #[serde(default = "d_outlier")]
    pub outlier_z: f64,
    /// Days between the end of the visit and its submission before it is flagged.
    #[serde(default = "d_delay")]
    pub max_submission_delay_days: f64,
}
fn d_delay() -> f64 {
    3.0
}
fn d_min_dur() -> f64 {
    20.0
}
fn d_max_dur() -> f64 {
    240.0
}
fn d_per_day() -> usize {
    6
}
fn d_disc() -> f64 {
    0.10
}
fn d_outlier() -> f64 {
    3.5
}
impl Default for Checks {
    fn default() -> Self {
        Checks {
            min_duration_min: d_min_dur(),
            max_duration_min: d_max_dur(),
            fieldwork_start: None,
            fieldwork_end: None,
            max_obs_per_observer_day: d_per_day(),
            discrepancy_threshold: d_disc(),
            outlier_z: d_outlier(),
            max_submission_delay_days: d_delay(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyMeta {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Files {
    pub checklist: FileSpec,
    pub class: Option<FileSpec>,
    pub roster: Option<FileSpec>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    /// Relative to the spec file.
    pub path: PathBuf,
    /// `auto` (default), `utf-8`, `windows-1252`, `latin-1`, `utf-16`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// `auto` (default), `,`, `;`, `tab`, `|`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// `auto` (default), `.`, `,`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimal: Option<String>,
    /// `auto` (default: by extension), `csv`, `xlsx`, `ods`, `sav`, `dta`, `parquet`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Workbook sheet to read (default: the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// SPSS/Stata: `true` (default) reads labelled values as their labels, `false` as codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_labels: Option<bool>,
    /// Text and workbooks: the 1-based row of the header, for title rows that detection cannot
    /// settle (default: detected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_row: Option<u64>,
}

impl FileSpec {
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            encoding: self.encoding.clone(),
            delimiter: self.delimiter.clone(),
            decimal: self.decimal.clone(),
            format: self.format.clone(),
            sheet: self.sheet.clone(),
            codes: self.value_labels == Some(false),
            header: self.header_row.map_or(HeaderRow::Detect, HeaderRow::At),
        }
    }
}

/// Column roles shared by the checklist and CLASS files. Every role is optional except center
/// and classroom.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    /// Submission key (SurveyCTO `KEY`, ODK `instanceID`, Kobo `_uuid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub center: String,
    pub classroom: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observer: Option<String>,
    /// Primary vs reliability (double-coded) observation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// CLASS long layout only: the cycle number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle: Option<String>,
    /// Age group of the classroom (e.g. lactantes, maternal), for breakdowns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_group: Option<String>,
    /// When the form reached the server (SurveyCTO `SubmissionDate`, Kobo `_submission_time`),
    /// for the submission-delay check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted: Option<String>,
    /// Monitoring round of the visit (`checkval monitor`); without it the round comes from
    /// the visit date by `monitor.period`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    #[serde(default = "default_primary")]
    pub primary: Vec<String>,
    #[serde(default = "default_reliability")]
    pub reliability: Vec<String>,
}

impl Default for Roles {
    fn default() -> Self {
        Roles { primary: default_primary(), reliability: default_reliability() }
    }
}

fn default_primary() -> Vec<String> {
    ["principal", "primary", "primario", "1"].iter().map(|s| s.to_string()).collect()
}
fn default_reliability() -> Vec<String> {
    ["confiabilidad", "reliability", "doble", "double", "secundario", "secondary", "2"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Codes {
    /// Values that mean "not answered". Blank cells are always missing.
    #[serde(default = "default_missing")]
    pub missing: Vec<String>,
    /// Values that mean "not applicable": excluded from the denominator, never counted as missing.
    #[serde(default = "default_na")]
    pub not_applicable: Vec<String>,
}

impl Default for Codes {
    fn default() -> Self {
        Codes { missing: default_missing(), not_applicable: default_na() }
    }
}

fn default_missing() -> Vec<String> {
    ["NA", ".", "-99", "-999", "No sabe", "No responde", "Sin dato"].iter().map(|s| s.to_string()).collect()
}
fn default_na() -> Vec<String> {
    ["No aplica", "N/A", "NA_aplica", "-88", "No observado"].iter().map(|s| s.to_string()).collect()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistSpec {
    pub columns: Columns,
    #[serde(default)]
    pub codes: Codes,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscales: Vec<Subscale>,
    pub items: Vec<Item>,
    /// Other columns (free text such as observer comments) that `clean` carries into the
    /// cleaned export. Columns that are neither a role, an item nor listed here are dropped
    /// from every output: free text is carried only where the spec says so.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub carry: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscale {
    pub id: String,
    #[serde(default)]
    pub label_es: String,
    #[serde(default)]
    pub label_en: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemType {
    Binary,
    Ordinal,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    /// Column in the export; defaults to `id`. Group prefixes (`grupo-id`, `grupo/id`) resolve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(default)]
    pub label_es: String,
    #[serde(default)]
    pub label_en: String,
    pub subscale: String,
    #[serde(rename = "type")]
    pub kind: ItemType,
    /// Binary: values meaning "met" (compared ignoring case and accents).
    #[serde(default = "default_yes", skip_serializing_if = "Vec::is_empty")]
    pub yes: Vec<String>,
    /// Binary: values meaning "not met".
    #[serde(default = "default_no", skip_serializing_if = "Vec::is_empty")]
    pub no: Vec<String>,
    /// Ordinal: allowed numeric values, e.g. `[0, 1, 2]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<f64>,
    /// Ordinal: text labels mapped to values, e.g. `{ "Nunca" = 0, "Siempre" = 2 }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, f64>,
    /// Extra not-applicable codes for this item only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_applicable: Vec<String>,
    #[serde(default)]
    pub reverse: bool,
}

fn default_yes() -> Vec<String> {
    ["Sí", "Si", "Yes", "1", "True", "Verdadero"].iter().map(|s| s.to_string()).collect()
}
fn default_no() -> Vec<String> {
    ["No", "0", "False", "Falso"].iter().map(|s| s.to_string()).collect()
}

impl Item {
    pub fn column_name(&self) -> &str {
        self.column.as_deref().unwrap_or(&self.id)
    }
    pub fn label(&self, lang: Lang) -> &str {
        let l = lang.pick(&self.label_es, &self.label_en);
        if l.is_empty() {
            &self.id
        } else {
            l
        }
    }
    /// (min, max) of the item's numeric values.
    pub fn range(&self) -> (f64, f64) {
        match self.kind {
            ItemType::Binary => (0.0, 1.0),
            ItemType::Ordinal => {
                let lo = self.values.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = self.values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                (lo, hi)
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ScoringMethod {
    /// Share of the applicable answered items met (ordinal items rescaled to 0–1).
    #[default]
    Proportion,
    /// Mean of item values (reverse-scored items reflected).
    Mean,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scoring {
    #[serde(default)]
    pub method: ScoringMethod,
    /// Minimum share of applicable items answered for a score to exist (default 0.8).
    #[serde(default = "default_min_answered")]
    pub min_answered: f64,
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring { method: ScoringMethod::Proportion, min_answered: default_min_answered() }
    }
}
fn default_min_answered() -> f64 {
    0.8
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ClassLayout {
    /// One row per cycle, with a cycle column.
    #[default]
    Long,
    /// One row per observation, with one column per dimension and cycle.
    Wide,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassSpec {
    /// `infant`, `toddler`, `prek`, or `custom` (then `instrument` is required).
    pub version: String,
    #[serde(default)]
    pub layout: ClassLayout,
    /// Expected cycles per observation (default 4).
    #[serde(default = "default_cycles")]
    pub cycles: u32,
    /// Wide layout: column name pattern, `{col}` is the dimension's column, `{cycle}` its number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wide_pattern: Option<String>,
    pub columns: Columns,
    /// Dimension code → column name. Unlisted dimensions are looked up by code and name.
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    /// Custom instrument (version = "custom").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instrument: Option<CustomInstrument>,
}

fn default_cycles() -> u32 {
    4
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomInstrument {
    pub name: String,
    #[serde(default = "one")]
    pub min: f64,
    #[serde(default = "seven")]
    pub max: f64,
    pub dimensions: Vec<instrument::Dimension>,
    pub domains: Vec<instrument::Domain>,
}
fn one() -> f64 {
    1.0
}
fn seven() -> f64 {
    7.0
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterSpec {
    /// Center ID column in the roster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub center: Option<String>,
    /// Roster columns carried to `centers.csv` (state, center type, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Analysis {
    #[serde(default = "default_levels")]
    pub levels: Vec<Level>,
    #[serde(default = "default_bootstrap")]
    pub bootstrap: u32,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default = "default_ci")]
    pub ci_level: f64,
    #[serde(default)]
    pub language: Lang,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<Threshold>,
    /// Roster attributes used as covariates in partial correlations (categorical → dummies).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covariates: Vec<String>,
    /// ROC cut-off rule: `youden` (default), `closest`, or `min_sensitivity:80`.
    #[serde(default)]
    pub cutoff_rule: CutoffRule,
    #[serde(default)]
    pub screening: Screening,
    #[serde(default)]
    pub short_form: ShortForm,
    /// Target half-width of a center-level correlation CI, to judge whether n is enough.
    #[serde(default = "default_precision")]
    pub precision: f64,
    /// Interpretation labels for κ-type coefficients: `landis-koch` or `altman`.
    #[serde(default)]
    pub kappa_scale: KappaScale,
    /// Interpretation labels for ICCs: `koo-li` or `cicchetti`.
    #[serde(default)]
    pub icc_scale: IccScale,
    /// Missing item values in α and its family: `pairwise` (default) or `listwise`.
    #[serde(default)]
    pub alpha_missing: Missing,
    /// Conventions for the items-to-review table.
    #[serde(default)]
    pub item_review: super::item_review::ItemReview,
    /// Roster attributes to test differential item functioning by (besides the age group).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dif_groups: Vec<String>,
}

fn default_precision() -> f64 {
    0.10
}

/// Screening benchmark a ROC result is checked against.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Screening {
    #[serde(default = "d075")]
    pub min_auc_lower: f64,
    #[serde(default = "d070")]
    pub min_sensitivity: f64,
    #[serde(default = "d070")]
    pub min_specificity: f64,
}
fn d075() -> f64 {
    0.75
}
fn d070() -> f64 {
    0.70
}
impl Default for Screening {
    fn default() -> Self {
        Screening { min_auc_lower: 0.75, min_sensitivity: 0.70, min_specificity: 0.70 }
    }
}

/// Constraints for proposing a short form.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShortForm {
    #[serde(default = "d080")]
    pub min_alpha: f64,
    #[serde(default = "two")]
    pub min_items_per_subscale: usize,
    /// Largest acceptable drop in the mean correlation with the CLASS domains.
    #[serde(default = "d005")]
    pub max_r_loss: f64,
    /// Folds of the cross-validation by center that estimates the forms' out-of-sample values.
    #[serde(default = "five")]
    pub folds: usize,
}
fn five() -> usize {
    5
}
fn d080() -> f64 {
    0.80
}
fn two() -> usize {
    2
}
fn d005() -> f64 {
    0.05
}
impl Default for ShortForm {
    fn default() -> Self {
        ShortForm { min_alpha: 0.80, min_items_per_subscale: 2, max_r_loss: 0.05, folds: 5 }
    }
}

impl Default for Analysis {
    fn default() -> Self {
        Analysis {
            levels: default_levels(),
            bootstrap: default_bootstrap(),
            seed: default_seed(),
            ci_level: default_ci(),
            language: Lang::default(),
            thresholds: Vec::new(),
            covariates: Vec::new(),
            cutoff_rule: CutoffRule::default(),
            screening: Screening::default(),
            short_form: ShortForm::default(),
            precision: default_precision(),
            kappa_scale: KappaScale::default(),
            icc_scale: IccScale::default(),
            alpha_missing: Missing::default(),
            item_review: Default::default(),
            dif_groups: Vec::new(),
        }
    }
}
fn default_levels() -> Vec<Level> {
    Level::ALL.to_vec()
}
fn default_bootstrap() -> u32 {
    2000
}
fn default_seed() -> u64 {
    20_261_123
}
fn default_ci() -> f64 {
    0.95
}

/// A quality threshold on a score, e.g. `class_EBS` below 3.5 = low quality.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub name: String,
    pub score: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_or_above: Option<f64>,
    #[serde(default)]
    pub label_es: String,
    #[serde(default)]
    pub label_en: String,
}

/// A loaded spec with resolved paths and instrument.
#[derive(Debug, Clone)]
pub struct Study {
    pub spec: Spec,
    pub spec_path: PathBuf,
    pub base_dir: PathBuf,
    pub instrument: Option<Instrument>,
    /// Subscale ids in first-appearance order.
    pub subscales: Vec<String>,
}

fn spec_err(path: &Path, msg: impl Into<String>) -> InputError {
    InputError::new(ErrorKind::Spec, path).found(msg.into())
}

/// Validates the checklist items; returns the subscale ids in first-appearance order (declared
/// subscales first).
fn check_items(spec: &Spec, p: &Path) -> Result<Vec<String>, InputError> {
    if spec.checklist.items.is_empty() {
        return Err(spec_err(p, "no [[checklist.items]]").expected("at least one checklist item"));
    }
    let mut seen = std::collections::HashSet::new();
    let mut subscales: Vec<String> = spec.checklist.subscales.iter().map(|s| s.id.clone()).collect();
    for it in &spec.checklist.items {
        if !seen.insert(it.id.clone()) {
            return Err(spec_err(p, format!("item id '{}' twice", it.id)).expected("unique item ids"));
        }
        if it.id.is_empty() || it.subscale.is_empty() {
            return Err(spec_err(p, format!("item '{}' without id or subscale", it.id)));
        }
        if !it.subscale.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(spec_err(p, format!("subscale '{}' of item '{}'", it.subscale, it.id))
                .expected("a subscale id of ASCII letters, digits and '_' (it becomes a column name)"));
        }
        if !subscales.contains(&it.subscale) {
            subscales.push(it.subscale.clone());
        }
        check_item_values(it, p)?;
    }
    if subscales.len() > 63 {
        return Err(spec_err(p, format!("{} subscales", subscales.len())).expected("at most 63 subscales"));
    }
    if subscales.iter().any(|s| s == "total") {
        return Err(
            spec_err(p, "a subscale named 'total'").expected("another name: checklist_total is the total score")
        );
    }
    Ok(subscales)
}

/// A binary item needs yes/no values; an ordinal one 2–250 finite values and labels among them.
fn check_item_values(it: &Item, p: &Path) -> Result<(), InputError> {
    match it.kind {
        ItemType::Binary => {
            if it.yes.is_empty() || it.no.is_empty() {
                return Err(spec_err(p, format!("binary item '{}' without yes/no values", it.id)));
            }
        }
        ItemType::Ordinal => {
            if it.values.len() < 2 {
                return Err(spec_err(p, format!("ordinal item '{}' has {} allowed value(s)", it.id, it.values.len()))
                    .expected("`values` with at least two numbers, e.g. [0, 1, 2]"));
            }
            if it.values.len() > 250 || it.values.iter().any(|v| !v.is_finite()) {
                return Err(
                    spec_err(p, format!("ordinal item '{}' values", it.id)).expected("at most 250 finite values")
                );
            }
            for (l, v) in &it.labels {
                if !it.values.contains(v) {
                    return Err(spec_err(p, format!("label '{l}' of item '{}' maps to {v}, not in values", it.id)));
                }
            }
        }
    }
    Ok(())
}

/// Validates `[class]` and returns its instrument (built-in or custom).
fn class_instrument(spec: &Spec, c: &ClassSpec, p: &Path) -> Result<Instrument, InputError> {
    if spec.files.class.is_none() {
        return Err(spec_err(p, "[class] without files.class").expected("files.class = { path = ... }"));
    }
    if c.cycles == 0 || c.cycles > 20 {
        return Err(spec_err(p, format!("class.cycles = {}", c.cycles)).expected("1–20"));
    }
    let inst = if c.version == "custom" {
        let ci =
            c.instrument.as_ref().ok_or_else(|| spec_err(p, "class.version = 'custom' without [class.instrument]"))?;
        custom_instrument(ci, p)?
    } else {
        instrument::builtin(&c.version).ok_or_else(|| {
            spec_err(p, format!("class.version = '{}'", c.version)).expected("infant, toddler, prek or custom")
        })?
    };
    for code in c.dimensions.keys() {
        if inst.dimension(code).is_none() {
            return Err(spec_err(p, format!("class.dimensions has '{code}'")).expected(format!(
                "a dimension code of CLASS {}: {}",
                inst.name,
                inst.dimensions.iter().map(|d| d.code.as_str()).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    if c.layout == ClassLayout::Long && c.columns.cycle.is_none() {
        return Err(spec_err(p, "class.layout = 'long' without class.columns.cycle")
            .expected("the cycle column, or layout = 'wide'"));
    }
    Ok(inst)
}

/// A `[class.instrument]`: every dimension's domain declared, min below max.
fn custom_instrument(ci: &CustomInstrument, p: &Path) -> Result<Instrument, InputError> {
    let inst = Instrument {
        name: ci.name.clone(),
        dimensions: ci.dimensions.clone(),
        domains: ci.domains.clone(),
        min: ci.min,
        max: ci.max,
    };
    for d in &inst.dimensions {
        if !inst.domains.iter().any(|x| x.code == d.domain) {
            return Err(spec_err(p, format!("dimension {} has domain '{}', not declared", d.code, d.domain)));
        }
    }
    if !(inst.min < inst.max) {
        return Err(spec_err(p, "custom instrument min >= max"));
    }
    Ok(inst)
}

impl Study {
    pub fn load(path: &Path) -> Result<Study, InputError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            let kind = if e.kind() == std::io::ErrorKind::NotFound { ErrorKind::FileNotFound } else { ErrorKind::Io };
            InputError::new(kind, path).found(e.to_string()).expected("a readable study spec (TOML)")
        })?;
        Self::from_str(path, &text)
    }

    pub fn from_str(path: &Path, text: &str) -> Result<Study, InputError> {
        let spec: Spec = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| 1 + text[..s.start.min(text.len())].matches('\n').count() as u64);
            let mut err = InputError::new(ErrorKind::Spec, path)
                .found(e.message().to_string())
                .expected("a valid study spec; see docs/study-spec.md");
            if let Some(l) = line {
                err = err.line(l);
            }
            err
        })?;
        let base_dir = path.parent().map(|p| p.to_path_buf()).unwrap_or_default();
        Self::from_spec(spec, path, base_dir)
    }

    pub fn from_spec(spec: Spec, path: &Path, base_dir: PathBuf) -> Result<Study, InputError> {
        let p = path;
        let subscales = check_items(&spec, p)?;
        let sc = &spec.scoring;
        if !(0.0..=1.0).contains(&sc.min_answered) {
            return Err(
                spec_err(p, format!("scoring.min_answered = {}", sc.min_answered)).expected("a share between 0 and 1")
            );
        }
        let a = &spec.analysis;
        if !(a.ci_level > 0.5 && a.ci_level < 1.0) {
            return Err(spec_err(p, format!("analysis.ci_level = {}", a.ci_level))
                .expected("a level between 0.5 and 1, e.g. 0.95"));
        }
        let instrument = match &spec.class {
            None => None,
            Some(c) => Some(class_instrument(&spec, c, p)?),
        };
        for c in &a.covariates {
            if !spec.roster.attributes.contains(c) {
                return Err(spec_err(p, format!("analysis.covariates has '{c}'"))
                    .expected("a roster attribute listed in [roster] attributes"));
            }
        }
        for g in &a.dif_groups {
            if !spec.roster.attributes.contains(g) {
                return Err(spec_err(p, format!("analysis.dif_groups has '{g}'"))
                    .expected("a roster attribute listed in [roster] attributes"));
            }
        }
        for t in &a.thresholds {
            if t.below.is_some() == t.at_or_above.is_some() {
                return Err(
                    spec_err(p, format!("threshold '{}'", t.name)).expected("exactly one of `below` or `at_or_above`")
                );
            }
        }
        if let Some(m) = &spec.monitor {
            m.validate(&spec.roster.attributes).map_err(|(found, expected)| spec_err(p, found).expected(expected))?;
        }
        Ok(Study { spec, spec_path: path.to_path_buf(), base_dir, instrument, subscales })
    }

    pub fn resolve_path(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    /// Score column names, in output order.
    pub fn checklist_score_names(&self) -> Vec<String> {
        let mut v = vec!["checklist_total".to_string()];
        v.extend(self.subscales.iter().map(|s| format!("checklist_{s}")));
        v
    }

    pub fn class_score_names(&self) -> Vec<String> {
        match &self.instrument {
            None => vec![],
            Some(i) => i
                .dimensions
                .iter()
                .map(|d| format!("class_{}", d.code))
                .chain(i.domains.iter().map(|d| format!("class_{}", d.code)))
                .collect(),
        }
    }

    pub fn subscale_label(&self, id: &str, lang: Lang) -> String {
        self.spec
            .checklist
            .subscales
            .iter()
            .find(|s| s.id == id)
            .map(|s| lang.pick(&s.label_es, &s.label_en).clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| id.replace('_', " "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::table::code_eq;
    const MINI: &str = r#"
[files.checklist]
path = "c.csv"
[checklist.columns]
center = "centro"
classroom = "sala"
[[checklist.items]]
id = "a1"
subscale = "clima"
type = "binary"
"#;
    #[test]
    fn minimal_spec_loads_with_defaults() {
        let s = Study::from_str(Path::new("s.toml"), MINI).unwrap();
        assert_eq!(s.spec.scoring.min_answered, 0.8);
        assert_eq!(s.subscales, vec!["clima"]);
        assert!(s.spec.checklist.items[0].yes.iter().any(|y| code_eq(y, "si")));
        assert_eq!(s.checklist_score_names(), vec!["checklist_total", "checklist_clima"]);
    }
    #[test]
    fn unknown_key_is_an_error_with_line() {
        let bad = MINI.replace("type = \"binary\"", "type = \"binary\"\nrevers = true");
        let e = Study::from_str(Path::new("s.toml"), &bad).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Spec);
        assert!(e.found.unwrap().contains("revers"));
        assert!(e.line.is_some());
    }
    #[test]
    fn bad_class_version() {
        let bad = format!(
            "{MINI}\n[class]\nversion = \"k3\"\n[class.columns]\ncenter=\"c\"\nclassroom=\"s\"\ncycle=\"ciclo\"\n"
        );
        let bad = bad.replace("[files.checklist]", "[files.class]\npath=\"x.csv\"\n[files.checklist]");
        let e = Study::from_str(Path::new("s.toml"), &bad).unwrap_err();
        assert!(e.expected.unwrap().contains("toddler"));
    }
    #[test]
    fn codes_fold() {
        assert!(code_eq(" SÍ ", "si"));
        assert!(code_eq("No Aplica", "no aplica"));
        assert!(!code_eq("No", "No aplica"));
    }
}
