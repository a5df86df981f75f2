//! Dependability of the study's scores: generalizability theory (Brennan 2001) on the study's own
//! data, through [`crate::analysis::gtheory`] (records) and [`crate::stats::gtheory`] (the engine).
//!
//! Four G studies, each with its D studies (formulas and the exact models: docs/statistics.md,
//! "Dependability in `run`"):
//! - [`GDesign::ClassCycles`]: CLASS double-coded observations, classroom visit × cycle × observer
//!   with the real observer IDs (sparse crossing: REML), per domain and per dimension; D studies for
//!   [`CYCLES`] × [`OBSERVERS`] and `cycles_needed` for Φ ≥ [`PHI_TARGET`].
//! - [`GDesign::ChecklistItems`]: checklist primary observations, classroom visit × item (ANOVA if
//!   balanced, REML when "No aplica" or blank answers leave cells empty); D studies by items.
//! - [`GDesign::ChecklistObservers`]: checklist double-coded visits, classroom visit × item ×
//!   observer with the observers nested in the visits (fitted as item × (observer:classroom), see
//!   [`checklist_observer_records`]); D studies by items × observers.
//! - [`GDesign::CenterMonitoring`]: the center mean of the checklist total with classrooms nested in
//!   centers, visits in classrooms and observations in visits, estimated as a design whose facet
//!   levels are numbered within their parent (see [`fold_nested`]); D studies for [`CLASSROOMS`] ×
//!   [`VISITS`] and `classrooms_needed` for Φ ≥ [`CENTER_TARGETS`].
//!
//! The G studies are independent and fitted in parallel, their records concatenated in a fixed
//! order. Every record carries `analysis = "dependability"`, `gstudy`, `instrument` and `score`. Item
//! scores enter as they enter the checklist score (reflected; rescaled to 0–1 by the proportion
//! method). Deterministic: ANOVA fits get a seeded bootstrap CI (at most [`MAX_ANOVA_BOOTSTRAP`]
//! replicates); REML fits get no CI here (`stat gstudy --bootstrap` gives one).

use super::ingest::{ClassData, Role};
use super::instrument::Instrument;
use super::pipeline::StudyData;
use super::reliability::{pair_observations, stat_opts};
use super::score::{code_value, item_value_table};
use super::spec::{ScoringMethod, Study};
use crate::analysis::gtheory::{component_records, d_records, fit, fit_shared, g_records, method_name, GRequest};
use crate::analysis::StatOpts;
use crate::results::Record;
use crate::stats::gtheory::{self, Component, Design, EffectInfo, FacetSpec, GStudy, LongData, Method};
use crate::stats::Na;
use std::collections::BTreeMap;

/// D-study numbers of CLASS cycles.
pub const CYCLES: [usize; 6] = [1, 2, 3, 4, 5, 6];
/// D-study numbers of observers (CLASS and checklist).
pub const OBSERVERS: [usize; 2] = [1, 2];
/// D-study numbers of checklist items (the checklist's own number is added).
pub const ITEMS: [usize; 4] = [10, 20, 30, 40];
/// D-study classrooms per center.
pub const CLASSROOMS: [usize; 6] = [1, 2, 3, 4, 5, 6];
/// D-study visits per classroom.
pub const VISITS: [usize; 4] = [1, 2, 3, 4];
/// Φ target of `cycles_needed`.
pub const PHI_TARGET: f64 = 0.80;
/// Φ targets of `classrooms_needed`.
pub const CENTER_TARGETS: [f64; 2] = [0.70, 0.80];
/// Largest number of cycles `cycles_needed` searches.
pub const MAX_CYCLES: usize = 12;
/// Largest number of classrooms per center `classrooms_needed` searches.
pub const MAX_CLASSROOMS: usize = 20;
/// Bootstrap replicates of an ANOVA fit (the study's `bootstrap`, capped).
pub const MAX_ANOVA_BOOTSTRAP: usize = 500;

/// The G studies of `run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GDesign {
    ClassCycles,
    ChecklistItems,
    ChecklistObservers,
    CenterMonitoring,
}

impl GDesign {
    /// The `gstudy` context key.
    pub fn as_str(self) -> &'static str {
        match self {
            GDesign::ClassCycles => "class_cycles",
            GDesign::ChecklistItems => "checklist_items",
            GDesign::ChecklistObservers => "checklist_observers",
            GDesign::CenterMonitoring => "center_monitoring",
        }
    }
    /// The `instrument` context key.
    pub fn instrument(self) -> &'static str {
        match self {
            GDesign::ClassCycles => "class",
            _ => "checklist",
        }
    }
}

/// Where the center design's visit-to-visit error comes from (`visit_variance` context key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitError {
    /// Classrooms visited on more than one date: σ²(visit:classroom:center) is estimated.
    Repeated,
    /// One visit per classroom, some double-coded: only the observer part of the visit error is
    /// identified, and the rest of the single-visit variance is counted as stable classroom
    /// variance; Φ for more than one visit is then a lower bound.
    ObserverLowerBound,
    /// One visit per classroom and no double coding: more visits cannot be evaluated.
    NotIdentifiable,
}

impl VisitError {
    pub fn as_str(self) -> &'static str {
        match self {
            VisitError::Repeated => "repeated_visits",
            VisitError::ObserverLowerBound => "observer_error_lower_bound",
            VisitError::NotIdentifiable => "not_identifiable",
        }
    }
}

/// Every dependability record of the study (nothing needs CLASS data or double coding: what
/// cannot be estimated is an NA record with its reason).
pub fn dependability_records(study: &Study, d: &StudyData) -> Vec<Record> {
    use rayon::prelude::*;
    let o = stat_opts(study);
    // Independent G studies, fitted in parallel and concatenated in this order (deterministic).
    let mut jobs: Vec<Job> = class_jobs(study);
    jobs.extend([Job::ChecklistItems, Job::ChecklistObservers, Job::Center]);
    let setup = class_setup(study, d);
    let parts: Vec<Vec<Record>> = jobs
        .par_iter()
        .map(|job| match job {
            Job::Class(score) => class_records(study, d, score, &o, setup.as_ref()),
            Job::ChecklistItems => checklist_item_records(study, d, &o),
            Job::ChecklistObservers => checklist_observer_records(study, d),
            Job::Center => center_records(d),
        })
        .collect();
    parts.into_iter().flatten().collect()
}

/// One G study (and its D studies) of [`dependability_records`].
enum Job {
    Class(String),
    ChecklistItems,
    ChecklistObservers,
    Center,
}

fn class_jobs(study: &Study) -> Vec<Job> {
    study.instrument.as_ref().map(|i| class_scores(i).into_iter().map(Job::Class).collect()).unwrap_or_default()
}

/// The records of one design alone (every CLASS score for [`GDesign::ClassCycles`]), in the
/// order of [`dependability_records`]; for benchmarks (`cargo bench --bench stats`).
pub fn design_records(study: &Study, d: &StudyData, design: GDesign) -> Vec<Record> {
    let o = stat_opts(study);
    match design {
        GDesign::ClassCycles => {
            let setup = class_setup(study, d);
            class_jobs(study)
                .iter()
                .flat_map(|j| match j {
                    Job::Class(score) => class_records(study, d, score, &o, setup.as_ref()),
                    _ => Vec::new(),
                })
                .collect()
        }
        GDesign::ChecklistItems => checklist_item_records(study, d, &o),
        GDesign::ChecklistObservers => checklist_observer_records(study, d),
        GDesign::CenterMonitoring => center_records(d),
    }
}

fn tag(recs: Vec<Record>, g: GDesign, score: &str) -> Vec<Record> {
    recs.into_iter()
        .map(|r| {
            r.ctx("analysis", "dependability")
                .ctx("gstudy", g.as_str())
                .ctx("instrument", g.instrument())
                .ctx("score", score)
        })
        .collect()
}

/// The study's options for a fitted G study: ANOVA gets a capped bootstrap, REML none.
fn opts_for(g: &GStudy, o: &StatOpts) -> StatOpts {
    let mut o = *o;
    o.bootstrap = match g.method {
        Method::Anova => o.bootstrap.min(MAX_ANOVA_BOOTSTRAP),
        Method::Reml => 0,
    };
    o
}

/// Every combination of two lists of D-study sizes.
fn grid(a: &[usize], b: &[usize]) -> Vec<Vec<Option<f64>>> {
    a.iter().flat_map(|&x| b.iter().map(move |&y| vec![Some(x as f64), Some(y as f64)])).collect()
}

/// Dense codes of labels, in sorted label order.
fn codes<'a>(labels: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, u32> {
    let mut m: BTreeMap<&str, u32> = labels.map(|l| (l, 0)).collect();
    for (i, v) in m.values_mut().enumerate() {
        *v = i as u32;
    }
    m
}

fn push(data: &mut LongData, object: usize, levels: &[u32], score: f64) {
    data.object.push(object as u32);
    for (f, &l) in levels.iter().enumerate() {
        data.facets[f].push(l);
    }
    data.score.push(score);
}

fn empty(n_facets: usize) -> LongData {
    LongData { object: Vec::new(), facets: vec![Vec::new(); n_facets], score: Vec::new() }
}

// ------------------------------------------------------------------------------------------------
// CLASS: classroom visit × cycle × observer on double-coded observations.

/// A CLASS score of the G study.
#[derive(Debug, Clone, Copy)]
enum ClassScore {
    Domain(usize),
    Dimension(usize),
}

/// The score of one cycle: a dimension's value, or the domain mean of the cycle's dimensions
/// (reversed ones as `min + max − x`; NA if any is missing), as in `study::score`.
fn cycle_value(inst: &Instrument, vals: &[Option<f64>], s: ClassScore) -> Option<f64> {
    match s {
        ClassScore::Dimension(d) => vals[d],
        ClassScore::Domain(k) => {
            let (mut sum, mut m) = (0.0, 0usize);
            for (di, dim) in inst.dimensions.iter().enumerate().filter(|(_, x)| x.domain == inst.domains[k].code) {
                let v = vals[di]?;
                sum += if dim.reversed { inst.min + inst.max - v } else { v };
                m += 1;
            }
            (m > 0).then(|| sum / m as f64)
        }
    }
}

/// Long data of one CLASS score: object = double-coded pair (visit), facets = cycle, observer.
pub fn class_long(c: &ClassData, inst: &Instrument, score: &str) -> Option<LongData> {
    let s = class_score(inst, score)?;
    let pairs = pair_observations(&c.obs);
    let obs = codes(pairs.iter().flat_map(|&(p, r)| [&*c.obs[p].observer, &*c.obs[r].observer]));
    let mut cycles_of: Vec<Vec<usize>> = vec![Vec::new(); c.obs.len()];
    for (k, cy) in c.cycles.iter().enumerate() {
        cycles_of[cy.obs].push(k);
    }
    let mut data = empty(2);
    for (u, &(p, r)) in pairs.iter().enumerate() {
        for i in [p, r] {
            for &k in &cycles_of[i] {
                let cy = &c.cycles[k];
                if let Some(v) = cycle_value(inst, &cy.values, s) {
                    push(&mut data, u, &[cy.cycle, obs[&*c.obs[i].observer]], v);
                }
            }
        }
    }
    Some(data)
}

fn class_score(inst: &Instrument, score: &str) -> Option<ClassScore> {
    let code = score.strip_prefix("class_")?;
    if let Some(k) = inst.domains.iter().position(|d| d.code == code) {
        return Some(ClassScore::Domain(k));
    }
    inst.dimensions.iter().position(|d| d.code == code).map(ClassScore::Dimension)
}

/// The CLASS scores of the G studies: domains, then dimensions.
pub fn class_scores(inst: &Instrument) -> Vec<String> {
    let mut v: Vec<String> = inst.domains.iter().map(|d| format!("class_{}", d.code)).collect();
    v.extend(inst.dimensions.iter().map(|d| format!("class_{}", d.code)));
    v
}

/// The CLASS design: cycles and observers, crossed and random.
pub fn class_design() -> Design {
    Design { facets: vec![FacetSpec::crossed("cycle"), FacetSpec::crossed("observer")] }
}

/// The REML set-up of the CLASS design on the rows of the first CLASS score, shared by the G
/// studies of every score (the ten scores of the demo have the same rows; a score with other
/// rows, e.g. missing values, is set up on its own: [`gtheory::g_study_shared`] checks).
fn class_setup(study: &Study, d: &StudyData) -> Option<gtheory::RemlSetup> {
    let (c, inst) = (d.class.as_ref()?, study.instrument.as_ref()?);
    let data = class_long(c, inst, class_scores(inst).first()?)?;
    gtheory::RemlSetup::new(&data, &class_design(), "classroom").ok()
}

fn class_records(
    study: &Study,
    d: &StudyData,
    score: &str,
    o: &StatOpts,
    setup: Option<&gtheory::RemlSetup>,
) -> Vec<Record> {
    let (Some(c), Some(inst)) = (&d.class, &study.instrument) else { return Vec::new() };
    let design = class_design();
    let data = class_long(c, inst, score).unwrap_or_else(|| empty(2));
    let req = GRequest {
        data: &data,
        design: &design,
        object: "classroom",
        method: None,
        d_studies: grid(&CYCLES, &OBSERVERS),
        fixed: vec![false, false],
    };
    let recs = match fit_shared(&req, setup) {
        Ok(g) => {
            let mut recs = g_records(&g, &req, &opts_for(&g, o), &format!("dependability/{score}"));
            recs.extend(OBSERVERS.iter().map(|&n| cycles_needed(&g, n)));
            recs
        }
        Err(na) => {
            let mut recs = vec![Record::new("variance_component", Err(na.clone()))];
            recs.extend(OBSERVERS.iter().map(|&n| Record::new("cycles_needed", Err(na.clone())).ctx("n_observer", n)));
            recs
        }
    };
    tag(recs, GDesign::ClassCycles, score)
}

/// Fewest cycles (up to [`MAX_CYCLES`]) for Φ ≥ [`PHI_TARGET`] with `n_observer` observers
/// (through [`gtheory::cycles_needed`]); NA with Φ at the limit when not reached.
fn cycles_needed(g: &GStudy, n_observer: usize) -> Record {
    let mut g1 = g.clone();
    g1.sample_sizes[1] = n_observer as f64;
    let phi = |n: usize| gtheory::d_study(&g1, &[n as f64, n_observer as f64], &[false, false]).ok();
    let r = match gtheory::cycles_needed(&g1, 0, PHI_TARGET, MAX_CYCLES) {
        Some(n) => {
            let r = Record::new("cycles_needed", Ok(n as f64));
            match phi(n) {
                Some(d) => r.ctx("phi_at_needed", d.phi_coefficient),
                None => r,
            }
        }
        None => {
            let r = Record::na(
                "cycles_needed",
                format!("Φ stays below {PHI_TARGET} with up to {MAX_CYCLES} cycles and {n_observer} observer(s)"),
            );
            match phi(MAX_CYCLES) {
                Some(d) => r.ctx("phi_at_max", d.phi_coefficient),
                None => r,
            }
        }
    };
    r.n(g.n_objects)
        .ctx("target", PHI_TARGET)
        .ctx("n_observer", n_observer)
        .ctx("max_cycles", MAX_CYCLES)
        .ctx("method", method_name(g.method))
}

// ------------------------------------------------------------------------------------------------
// Checklist: classroom visit × item (primary), × observer (double-coded).

/// Per item and answer code, the item score as it enters the checklist score.
fn item_scores(study: &Study) -> Vec<Vec<f64>> {
    let prop = study.spec.scoring.method == ScoringMethod::Proportion;
    item_value_table(study)
        .into_iter()
        .zip(&study.spec.checklist.items)
        .map(|(vals, it)| {
            let (lo, hi) = it.range();
            vals.into_iter().map(|x| if prop { (x - lo) / (hi - lo) } else { x }).collect()
        })
        .collect()
}

/// D-study numbers of items: [`ITEMS`] and the checklist's own number.
fn item_sizes(study: &Study) -> Vec<usize> {
    let mut v: Vec<usize> = ITEMS.iter().copied().chain([study.spec.checklist.items.len()]).collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn checklist_item_records(study: &Study, d: &StudyData, o: &StatOpts) -> Vec<Record> {
    let cl = &d.checklist;
    let vt = item_scores(study);
    let mut data = empty(1);
    let primary = (0..cl.meta.len()).filter(|&i| cl.meta[i].role == Role::Primary);
    for (u, i) in primary.enumerate() {
        for (j, &code) in cl.row(i).iter().enumerate() {
            if let Some(v) = code_value(&vt, j, code) {
                push(&mut data, u, &[j as u32], v);
            }
        }
    }
    let design = Design { facets: vec![FacetSpec::crossed("item")] };
    let d_studies = item_sizes(study).into_iter().map(|n| vec![Some(n as f64)]).collect();
    let req =
        GRequest { data: &data, design: &design, object: "classroom", method: None, d_studies, fixed: vec![false] };
    let recs = match fit(&req) {
        Ok(g) => g_records(&g, &req, &opts_for(&g, o), "dependability/checklist_items"),
        Err(na) => vec![Record::new("variance_component", Err(na))],
    };
    tag(recs, GDesign::ChecklistItems, "checklist_total")
}

/// Classroom visit × item × observer on double-coded visits, observers nested in visits: fitted
/// as item × (observer:classroom), a design the engine supports (all effects random, so the
/// components do not depend on which factor is the object), then read with the classroom as the
/// object by [`observers_in_classrooms`]. `σ²(observer:classroom)` is `σ²(observer) +
/// σ²(classroom × observer)` of the crossed design and the residual `σ²(item × observer) +
/// σ²(classroom × item × observer, e)`: Φ is the crossed design's, and Eρ² is that of a design
/// where each classroom has its own observers, as in monitoring. (The crossed fit with the real
/// observer IDs makes a dense block of ~1,000 random levels: seconds, not milliseconds.)
fn checklist_observer_records(study: &Study, d: &StudyData) -> Vec<Record> {
    let cl = &d.checklist;
    let vt = item_scores(study);
    let pairs = pair_observations(&cl.meta);
    let mut data = empty(2);
    let mut items_per_visit = Vec::with_capacity(pairs.len());
    for (u, &(p, r)) in pairs.iter().enumerate() {
        let mut answered = vec![false; cl.n_items];
        for (k, i) in [p, r].into_iter().enumerate() {
            for (j, &code) in cl.row(i).iter().enumerate() {
                if let Some(v) = code_value(&vt, j, code) {
                    push(&mut data, j, &[u as u32, k as u32], v);
                    answered[j] = true;
                }
            }
        }
        items_per_visit.push(answered.iter().filter(|&&a| a).count());
    }
    let design = Design { facets: vec![FacetSpec::crossed("classroom"), FacetSpec::nested("observer", 0)] };
    let req = GRequest { data: &data, design: &design, object: "item", method: None, d_studies: vec![], fixed: vec![] };
    let recs = match fit(&req) {
        Ok(g) => {
            let hm = |v: &[usize]| v.len() as f64 / v.iter().map(|&c| 1.0 / c.max(1) as f64).sum::<f64>();
            let g = observers_in_classrooms(&g, pairs.len(), hm(&items_per_visit));
            let mut out = component_records(&g);
            let fixed = [false, false];
            match gtheory::d_study(&g, &g.sample_sizes, &fixed) {
                Ok(dr) => out.extend(d_records(&g, &dr, "observed")),
                Err(na) => out.push(Record::new("g_coefficient", Err(na)).ctx("design", "observed")),
            }
            for n in grid(&item_sizes(study), &OBSERVERS) {
                let n: Vec<f64> = n.into_iter().flatten().collect();
                match gtheory::d_study(&g, &n, &fixed) {
                    Ok(dr) => out.extend(d_records(&g, &dr, "d_study")),
                    Err(na) => out.push(Record::new("g_coefficient", Err(na)).ctx("design", "d_study")),
                }
            }
            out.into_iter().map(|r| r.ctx("observers", "nested in classrooms")).collect()
        }
        Err(na) => vec![Record::new("variance_component", Err(na))],
    };
    tag(recs, GDesign::ChecklistObservers, "checklist_total")
}

/// The item × (observer:classroom) G study read with the classroom (visit) as the object: facets
/// `item` and `observer` (nested in the classroom, so every effect with the observer involves the
/// classroom). Components: classroom, item, classroom × item, observer:classroom, residual.
fn observers_in_classrooms(g: &GStudy, n_visits: usize, items_per_visit: f64) -> GStudy {
    let order = ["classroom", "item", "classroom x item", "observer:classroom", "residual"];
    let mut components: Vec<Component> = g
        .components
        .iter()
        .map(|c| {
            let classroom = c.effect.facets.contains(&0);
            let observer = c.effect.facets.contains(&1);
            let mut facets = Vec::new();
            if c.effect.object {
                facets.push(0);
            }
            if observer {
                facets.push(1);
            }
            let name = match (classroom, c.effect.object, observer) {
                (_, _, true) if c.effect.residual => "residual",
                (_, _, true) => "observer:classroom",
                (true, true, false) => "classroom x item",
                (true, false, false) => "classroom",
                (false, _, _) => "item",
            };
            let effect = EffectInfo { name: name.into(), object: classroom, facets, residual: c.effect.residual };
            Component { effect, ..c.clone() }
        })
        .collect();
    components.sort_by_key(|c| order.iter().position(|n| *n == c.effect.name));
    GStudy {
        object_name: "classroom".into(),
        design: Design { facets: vec![FacetSpec::crossed("item"), FacetSpec::crossed("observer")] },
        n_objects: n_visits,
        sample_sizes: vec![items_per_visit, g.sample_sizes.get(1).copied().unwrap_or(2.0)],
        components,
        reml: None,
        ..g.clone()
    }
}

// ------------------------------------------------------------------------------------------------
// Center monitoring: center > classroom > visit > observation, checklist total.

/// Long data of the center design and which facets it has.
pub struct CenterLong {
    pub data: LongData,
    pub design: Design,
    pub visit_error: VisitError,
}

/// Observations with a checklist total, grouped center → classroom → visit (date) → observation
/// (primary first). Facet levels are numbered within their parent: classrooms within centers,
/// visits within classrooms, observations within visits. The visit facet is kept only when some
/// classroom has two visits, the observation facet only when some visit is double-coded.
pub fn center_long(d: &StudyData) -> CenterLong {
    let cl = &d.checklist;
    let total = &d.checklist_scores.values[0];
    type Visits<'a> = BTreeMap<Option<&'a str>, Vec<(bool, usize)>>;
    let mut tree: BTreeMap<&str, BTreeMap<&str, Visits>> = BTreeMap::new();
    for (i, m) in cl.meta.iter().enumerate() {
        if total.get(i).is_some() {
            let visit = tree.entry(&m.center).or_default().entry(&m.classroom).or_default();
            visit.entry(m.date.as_deref()).or_default().push((m.role != Role::Primary, i));
        }
    }
    let rooms = || tree.values().flat_map(|c| c.values());
    let repeated = rooms().any(|v| v.len() > 1);
    let double = rooms().flat_map(|v| v.values()).any(|o| o.len() > 1);
    let mut facets = vec![FacetSpec::crossed("classroom")];
    if repeated {
        facets.push(FacetSpec::nested("visit", 0));
    }
    if double {
        facets.push(FacetSpec::nested("observation", facets.len() - 1));
    }
    let mut data = empty(facets.len());
    for (c, rooms) in tree.values().enumerate() {
        for (r, visits) in rooms.values().enumerate() {
            for (v, obs) in visits.values().enumerate() {
                let mut obs = obs.clone();
                obs.sort_unstable();
                for (k, &(_, i)) in obs.iter().enumerate() {
                    let mut lv = vec![r as u32];
                    if repeated {
                        lv.push(v as u32);
                    }
                    if double {
                        lv.push(k as u32);
                    }
                    push(&mut data, c, &lv, total.get(i).unwrap_or(0.0));
                }
            }
        }
    }
    let visit_error = match (repeated, double) {
        (true, _) => VisitError::Repeated,
        (false, true) => VisitError::ObserverLowerBound,
        (false, false) => VisitError::NotIdentifiable,
    };
    CenterLong { data, design: Design { facets }, visit_error }
}

/// Brennan's rule for facets nested in the object of measurement: when a facet's levels are
/// numbered within each object, the crossed design's `σ²(α)` and `σ²(p α)` are together the
/// nested design's `σ²(α:p)` (Brennan 2001, sec. 3.4 and 7.x). Returns `(facets, raw, levels)`
/// per effect containing the object, in component order, with the confounded effect added.
pub fn fold_nested(g: &GStudy) -> Vec<(Vec<usize>, f64, usize)> {
    g.components
        .iter()
        .filter(|c| c.effect.object)
        .map(|c| {
            let twin: f64 = g
                .components
                .iter()
                .filter(|t| !t.effect.object && t.effect.facets == c.effect.facets)
                .map(|t| t.raw)
                .sum();
            (c.effect.facets.clone(), c.raw + twin, c.levels)
        })
        .collect()
}

/// The nested center design as a G study the D-study engine reads: object `center`, facets
/// `classroom` and `visit:classroom`, every component involving the center (so `Eρ² = Φ`, as in
/// any design nested in the object): `center`, `classroom:center` and the visit-level errors,
/// each divided by `n_classroom · n_visit` (one observer per visit).
pub fn center_nested(g: &GStudy, visit_error: VisitError) -> GStudy {
    let folded = fold_nested(g);
    let by_depth = |k: usize| folded.iter().filter(|f| f.0.len() == k).map(|f| (f.1, f.2)).next();
    let mut parts: Vec<(&str, Vec<usize>, f64, usize)> = Vec::new();
    if let Some((v, l)) = by_depth(0) {
        parts.push(("center", vec![], v, l));
    }
    if let Some((v, l)) = by_depth(1) {
        parts.push(("classroom:center", vec![0], v, l));
    }
    match visit_error {
        VisitError::Repeated => {
            if let Some((v, l)) = by_depth(2) {
                parts.push(("visit:classroom:center", vec![0, 1], v, l));
            }
            if let Some((v, l)) = by_depth(3) {
                parts.push(("observation:visit:classroom:center", vec![0, 1], v, l));
            }
        }
        VisitError::ObserverLowerBound => {
            if let Some((v, l)) = by_depth(2) {
                parts.push(("observation:classroom:center", vec![0, 1], v, l));
            }
        }
        VisitError::NotIdentifiable => {}
    }
    let total: f64 = parts.iter().map(|p| p.2.max(0.0)).sum();
    let last = parts.len().saturating_sub(1);
    let components = parts
        .into_iter()
        .enumerate()
        .map(|(k, (name, facets, raw, levels))| Component {
            effect: EffectInfo { name: name.into(), object: true, facets, residual: k == last },
            levels,
            ss: None,
            df: None,
            ms: None,
            raw,
            variance: raw.max(0.0),
            share: if total > 0.0 { raw.max(0.0) / total } else { 0.0 },
        })
        .collect();
    GStudy {
        object_name: "center".into(),
        design: Design { facets: vec![FacetSpec::crossed("classroom"), FacetSpec::nested("visit", 0)] },
        method: g.method,
        balanced: g.balanced,
        n_scores: g.n_scores,
        n_objects: g.n_objects,
        // Observed: classrooms per center, and visits per classroom when some are repeated.
        sample_sizes: vec![
            g.sample_sizes[0],
            if visit_error == VisitError::Repeated { g.sample_sizes[1] } else { 1.0 },
        ],
        components,
        reml: None,
    }
}

fn center_records(d: &StudyData) -> Vec<Record> {
    let cd = center_long(d);
    let req = GRequest {
        data: &cd.data,
        design: &cd.design,
        object: "center",
        method: None,
        d_studies: Vec::new(),
        fixed: vec![false; cd.design.facets.len()],
    };
    let mut out = match fit(&req) {
        Ok(g) => center_d_records(&center_nested(&g, cd.visit_error), cd.visit_error),
        Err(na) => {
            let mut v = vec![Record::new("variance_component", Err(na.clone()))];
            v.extend(
                CENTER_TARGETS.iter().map(|&t| Record::new("classrooms_needed", Err(na.clone())).ctx("target", t)),
            );
            v
        }
    };
    out = out.into_iter().map(|r| r.ctx("visit_variance", cd.visit_error.as_str())).collect();
    tag(out, GDesign::CenterMonitoring, "checklist_total")
}

fn center_d_records(g: &GStudy, ve: VisitError) -> Vec<Record> {
    let mut out = component_records(g);
    let na_visits = |n_v: usize| {
        Na::new(format!(
            "{n_v} visits per classroom: one visit per classroom and no double-coded visit, so the visit-to-visit error is not identifiable"
        ))
    };
    let fixed = [false, false];
    match gtheory::d_study(g, &g.sample_sizes, &fixed) {
        Ok(dr) => out.extend(d_records(g, &dr, "observed")),
        Err(na) => out.push(Record::new("phi_coefficient", Err(na)).ctx("design", "observed")),
    }
    for &n_r in &CLASSROOMS {
        for &n_v in &VISITS {
            if ve == VisitError::NotIdentifiable && n_v > 1 {
                out.push(
                    Record::new("phi_coefficient", Err(na_visits(n_v)))
                        .ctx("n_classroom", n_r as f64)
                        .ctx("n_visit", n_v as f64)
                        .ctx("design", "d_study"),
                );
                continue;
            }
            match gtheory::d_study(g, &[n_r as f64, n_v as f64], &fixed) {
                Ok(dr) => out.extend(d_records(g, &dr, "d_study")),
                Err(na) => out.push(Record::new("phi_coefficient", Err(na)).ctx("design", "d_study")),
            }
        }
    }
    for &target in &CENTER_TARGETS {
        for &n_v in &VISITS {
            let r = if ve == VisitError::NotIdentifiable && n_v > 1 {
                Record::new("classrooms_needed", Err(na_visits(n_v)))
            } else {
                classrooms_needed(g, target, n_v)
            };
            out.push(r.n(g.n_objects).ctx("target", target).ctx("n_visit", n_v).ctx("method", method_name(g.method)));
        }
    }
    out
}

/// Fewest classrooms per center (up to [`MAX_CLASSROOMS`]) for Φ ≥ `target` with `n_visit`
/// visits per classroom (through [`gtheory::cycles_needed`] on the classroom facet).
fn classrooms_needed(g: &GStudy, target: f64, n_visit: usize) -> Record {
    let mut g1 = g.clone();
    g1.sample_sizes[1] = n_visit as f64;
    let phi = |n: usize| gtheory::d_study(&g1, &[n as f64, n_visit as f64], &[false, false]).ok();
    match gtheory::cycles_needed(&g1, 0, target, MAX_CLASSROOMS) {
        Some(n) => {
            let r = Record::new("classrooms_needed", Ok(n as f64)).ctx("max_classrooms", MAX_CLASSROOMS);
            match phi(n) {
                Some(d) => r.ctx("phi_at_needed", d.phi_coefficient),
                None => r,
            }
        }
        None => {
            let r = Record::na(
                "classrooms_needed",
                format!("Φ stays below {target} with up to {MAX_CLASSROOMS} classrooms of {n_visit} visit(s)"),
            )
            .ctx("max_classrooms", MAX_CLASSROOMS);
            match phi(MAX_CLASSROOMS) {
                Some(d) => r.ctx("phi_at_max", d.phi_coefficient),
                None => r,
            }
        }
    }
}
