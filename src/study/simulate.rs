//! `simulate`: a synthetic study with known truth, shaped like real field exports.
//!
//! Model (all draws from ChaCha8 seeded by `--seed`, so outputs are reproducible):
//! - center effect `u_c ~ N(0, 0.5²)`, classroom quality `θ_r = u_c + e_r`, `e_r ~ N(0, 0.75)`
//!   (so Var θ = 1 and the center ICC of θ is .25); a visit adds `N(0, 0.2²)` day noise.
//! - checklist: `items` items in 5 subscales; 3 of every 8 are 3-point (0/1/2, graded response),
//!   the rest binary `Sí`/`No` (2PL: `P(Sí) = logistic(a(θ − b) − s_o)`), one reverse-worded item;
//!   some items can be `No aplica`; 1% of answers are blank. Both observers of a visit see the
//!   same events; each records an item wrongly 12% of the time (a redraw shifted by the
//!   observer's severity `s_o ~ N(0, 0.25²)`).
//! - CLASS-Toddler, 4 cycles: dimension `d` in cycle `k` is
//!   `round(μ_d + λ_d (θ + δ_{r,domain}) + ε + c_o)` clamped to 1–7, with domain-specific classroom
//!   deviations `δ ~ N(0, 0.5²)`, cycle noise `ε ~ N(0, 0.6²)` and CLASS-observer severity
//!   `c_o ~ N(0, 0.2²)`. Negative Climate loads negatively.
//! - ~18% of classroom visits are double-coded on both instruments by a second observer.
//!
//! Files: `checklist.csv` (UTF-8, SurveyCTO-style metadata, `grupo-item` columns),
//! `class.csv` (Windows-1252, `;`, decimal comma, one row per cycle), `roster.csv` (UTF-8 BOM),
//! `study.toml` and `truth.json`.

use crate::io::atomic::write_atomic;
use crate::io::values::civil_from_days;
use anyhow::Result;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde_json::json;
use std::path::Path;

pub struct SimOptions {
    pub centers: usize,
    pub seed: u64,
    pub items: usize,
    pub checklist_only: bool,
    /// Plant one field problem of each kind `check` looks for (see [`plant_errors`]).
    pub plant_errors: bool,
}

/// Bookkeeping for each written checklist row, used to plant errors consistently.
#[derive(Clone)]
struct ClRow {
    visit: usize,
    obs: usize,
    day: i64,
    start: i64,
    dur: i64,
    reliability: bool,
    double: bool,
}

/// Bookkeeping for each CLASS row.
#[derive(Clone)]
struct CsRow {
    visit: usize,
    reliability: bool,
}

pub(crate) struct Rng(pub(crate) ChaCha8Rng);

impl Rng {
    pub(crate) fn unif(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    pub(crate) fn normal(&mut self) -> f64 {
        // Box–Muller; u1 in (0, 1].
        let u1 = 1.0 - self.unif();
        let u2 = self.unif();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
    pub(crate) fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.unif() * (hi - lo + 1) as f64) as usize
    }
    pub(crate) fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[(self.unif() * v.len() as f64) as usize]
    }
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

pub const SUBSCALES: [(&str, &str, &str); 5] = [
    ("clima", "Clima emocional", "Emotional climate"),
    ("sensibilidad", "Sensibilidad y respuesta", "Sensitivity and responsiveness"),
    ("conducta", "Guía de la conducta", "Behavior guidance"),
    ("lenguaje", "Lenguaje e interacción", "Language and interaction"),
    ("aprendizaje", "Apoyo al aprendizaje", "Support for learning"),
];

const ITEM_TEXT: [(&str, &str); 8] = [
    ("La educadora se dirige a los niños por su nombre", "The caregiver calls children by name"),
    (
        "La educadora responde cuando un niño llora o pide ayuda",
        "The caregiver responds when a child cries or asks for help",
    ),
    ("Hay contacto visual y sonrisas con los niños", "There is eye contact and smiling with the children"),
    ("La educadora se pone a la altura de los niños", "The caregiver gets down to the children's level"),
    ("La educadora levanta la voz o usa sarcasmo", "The caregiver raises her voice or uses sarcasm"),
    ("La educadora describe lo que los niños hacen", "The caregiver describes what children are doing"),
    ("Durante la comida conversa con los niños", "During meals the caregiver talks with the children"),
    ("Amplía las ideas o palabras de los niños", "The caregiver expands children's ideas or words"),
];

pub(crate) const STATES: [&str; 8] =
    ["Jalisco", "Nuevo León", "Ciudad de México", "Yucatán", "Sonora", "Puebla", "Veracruz", "Michoacán"];
pub(crate) const MODALIDADES: [&str; 4] = ["Madres IMSS", "Ordinaria", "Vecinal Comunitaria", "Integradora"];
pub(crate) const SALAS: [&str; 6] =
    ["Maternal A", "Maternal B1", "Maternal B2", "Maternal C1", "Maternal C2", "Lactantes C"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// CLASS-Toddler dimensions: code, Spanish header, μ, λ, domain (0 = EBS, 1 = ESL).
const CLASS_DIMS: [(&str, &str, f64, f64, usize); 8] = [
    ("PC", "Clima positivo", 5.0, 0.8, 0),
    ("NC", "Clima negativo", 1.7, -0.5, 0),
    ("TS", "Sensibilidad del docente", 4.6, 0.8, 0),
    ("RCP", "Consideración de la perspectiva del niño", 4.1, 0.7, 0),
    ("BG", "Guía del comportamiento", 4.5, 0.7, 0),
    ("FLD", "Facilitación del aprendizaje y desarrollo", 3.4, 0.7, 1),
    ("QF", "Calidad de la retroalimentación", 2.6, 0.6, 1),
    ("LM", "Modelaje del lenguaje", 2.9, 0.7, 1),
];

pub(crate) struct ItemDef {
    pub(crate) id: String,
    pub(crate) group: usize,
    pub(crate) ordinal: bool,
    pub(crate) reverse: bool,
    pub(crate) can_na: bool,
    pub(crate) a: f64,
    pub(crate) b: f64,
    label_es: String,
    label_en: String,
}

/// One item response: binary 2PL (reverse-worded items flip the sign), or 3-point graded.
/// How a tablet export spells a drawn answer: the level for an ordinal item, `Sí`/`No` for a
/// binary one.
pub(crate) fn answer_text(v: u8, ordinal: bool) -> String {
    if ordinal {
        v.to_string()
    } else if v == 1 {
        "Sí".into()
    } else {
        "No".into()
    }
}

pub(crate) fn draw_item(rng: &mut Rng, it: &ItemDef, eta: f64) -> u8 {
    if it.ordinal {
        let p1 = logistic(eta + 0.9);
        let p2 = logistic(eta - 0.9);
        let u = rng.unif();
        if u < p2 {
            2
        } else if u < p1 {
            1
        } else {
            0
        }
    } else {
        let p = logistic(if it.reverse { -eta - 1.5 } else { eta });
        u8::from(rng.unif() < p)
    }
}

pub(crate) fn surveycto_time(days: i64, secs: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    let h = secs / 3600;
    let (h12, ampm) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    format!("{} {}, {} {}:{:02}:{:02} {}", MONTHS[(m - 1) as usize], d, y, h12, (secs / 60) % 60, secs % 60, ampm)
}

pub(crate) fn iso_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn dmy(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{d:02}/{m:02}/{y:04}")
}

pub fn simulate(out: &Path, o: &SimOptions) -> Result<serde_json::Value> {
    anyhow::ensure!(o.centers >= 1, "--centers must be at least 1");
    anyhow::ensure!((5..=200).contains(&o.items), "--items must be between 5 and 200");
    anyhow::ensure!(
        !o.plant_errors || (o.centers >= 40 && o.items >= 10),
        "--plant-errors needs --centers 40 or more and --items 10 or more"
    );
    let mut rng = Rng(ChaCha8Rng::seed_from_u64(o.seed));
    let items = draw_items(&mut rng, o.items);
    let n_obs_cl = 12.max(o.centers / 10);
    let n_obs_cs = 8.max(o.centers / 15);
    let sev_cl: Vec<f64> = (0..n_obs_cl).map(|_| 0.25 * rng.normal()).collect();
    let sev_cs: Vec<f64> = (0..n_obs_cs).map(|_| 0.2 * rng.normal()).collect();
    let header = checklist_header(&items);
    let mut f = Fieldwork {
        o,
        items: &items,
        sev_cl: &sev_cl,
        sev_cs: &sev_cs,
        rng,
        start_day: crate::io::values::days_from_civil(2026, 3, 2),
        cl_rows: Vec::new(),
        cl_info: Vec::new(),
        cs_rows: Vec::new(),
        cs_info: Vec::new(),
        roster_rows: Vec::new(),
        truth_rooms: Vec::new(),
        n_checklist: 0,
        n_double: 0,
        sub_counter: 0,
        busy: std::collections::HashMap::new(),
        visit_no: 0,
    };
    for c in 0..o.centers {
        f.center(c);
    }
    let planted = if o.plant_errors {
        Some(plant_errors(
            &mut f.cl_rows,
            &mut f.cl_info,
            &mut f.cs_rows,
            &mut f.cs_info,
            &mut f.roster_rows,
            &items,
            &header,
        ))
    } else {
        None
    };
    write_exports(out, o, &header, &f, planted.as_ref())?;
    write_atomic(&out.join("study.toml"), study_toml(&items, o).as_bytes())?;
    let truth = truth_json(o, &f);
    write_atomic(&out.join("truth.json"), (serde_json::to_string_pretty(&truth)? + "\n").as_bytes())?;
    Ok(truth)
}

/// The checklist items: ids by subscale, type, reverse wording and 2PL parameters.
pub(crate) fn draw_items(rng: &mut Rng, n_items: usize) -> Vec<ItemDef> {
    let per = n_items.div_ceil(SUBSCALES.len());
    let mut items = Vec::with_capacity(n_items);
    for k in 0..n_items {
        let g = (k / per).min(SUBSCALES.len() - 1);
        let within = k - g * per;
        let (es, en) = ITEM_TEXT[within % ITEM_TEXT.len()];
        let prefix = &SUBSCALES[g].0[..2];
        items.push(ItemDef {
            id: format!("{}{:02}", prefix, within + 1),
            group: g,
            ordinal: within % 8 == 5 || within % 8 == 7 || within % 8 == 2,
            reverse: within % 8 == 4,
            can_na: within % 8 == 6,
            a: 0.8 + 1.2 * rng.unif(),
            b: -1.5 + 2.3 * rng.unif(),
            label_es: es.to_string(),
            label_en: en.to_string(),
        });
    }
    items
}

/// The checklist export's header: SurveyCTO metadata, `grupo-item` columns, then the form's
/// trailing fields.
pub(crate) fn checklist_header(items: &[ItemDef]) -> Vec<String> {
    let mut header: Vec<String> = [
        "SubmissionDate",
        "starttime",
        "endtime",
        "deviceid",
        "username",
        "duration",
        "clave_centro",
        "sala",
        "grupo_edad",
        "observador",
        "rol",
        "fecha_visita",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for it in items {
        header.push(format!("{}-{}", SUBSCALES[it.group].0, it.id));
    }
    header.extend(["comentarios", "instanceID", "formdef_version", "KEY"].iter().map(|s| s.to_string()));
    header
}

/// The simulated fieldwork: the model's fixed draws, the random stream and every row
/// written so far.
struct Fieldwork<'a> {
    o: &'a SimOptions,
    items: &'a [ItemDef],
    /// Severity of each checklist observer (their count is its length).
    sev_cl: &'a [f64],
    /// Severity of each CLASS observer.
    sev_cs: &'a [f64],
    rng: Rng,
    start_day: i64,
    cl_rows: Vec<Vec<String>>,
    cl_info: Vec<ClRow>,
    cs_rows: Vec<Vec<String>>,
    cs_info: Vec<CsRow>,
    roster_rows: Vec<Vec<String>>,
    truth_rooms: Vec<serde_json::Value>,
    n_checklist: usize,
    n_double: usize,
    sub_counter: u64,
    /// When each observer is free again on each day (seconds after midnight).
    busy: std::collections::HashMap<(usize, i64), i64>,
    visit_no: usize,
}

/// Everything drawn for one classroom visit, shared by its checklist and CLASS rows.
struct Visit {
    center: usize,
    room: usize,
    center_id: String,
    sala: &'static str,
    day: i64,
    theta_visit: f64,
    delta: [f64; 2],
    double: bool,
    start_secs: i64,
}

impl Fieldwork<'_> {
    /// One center: its roster row and its classrooms.
    fn center(&mut self, c: usize) {
        let center_id = format!("GDR-{:04}", c + 1);
        let u = 0.5 * self.rng.normal();
        let n_rooms = self.rng.range(2, 6);
        let state = *self.rng.pick(&STATES);
        self.roster_rows.push(vec![
            center_id.clone(),
            format!("Guardería {}", c + 1),
            state.to_string(),
            format!("Municipio {}", 1 + c % 40),
            self.rng.pick(&MODALIDADES).to_string(),
            n_rooms.to_string(),
        ]);
        for r in 0..n_rooms {
            self.classroom(c, r, &center_id, u);
        }
    }

    /// One classroom of center `c` (effect `u`), visited once, maybe double-coded.
    fn classroom(&mut self, c: usize, r: usize, center_id: &str, u: f64) {
        let (n_obs_cl, n_obs_cs) = (self.sev_cl.len(), self.sev_cs.len());
        let rng = &mut self.rng;
        let sala = SALAS[r % SALAS.len()];
        let theta = u + 0.75f64.sqrt() * rng.normal();
        let delta = [0.5 * rng.normal(), 0.5 * rng.normal()];
        let day = self.start_day + (rng.range(0, 12) * 7 + rng.range(0, 4)) as i64;
        let theta_visit = theta + 0.2 * rng.normal();
        let double = rng.unif() < 0.18;
        self.n_double += usize::from(double);
        let o1 = rng.range(0, n_obs_cl - 1);
        let o2 = (o1 + 1 + rng.range(0, n_obs_cl - 2)) % n_obs_cl;
        let c1 = rng.range(0, n_obs_cs - 1);
        let c2 = (c1 + 1 + rng.range(0, n_obs_cs - 2)) % n_obs_cs;
        let start_secs = (8 * 3600 + rng.range(0, 3 * 3600)) as i64;
        let v = Visit {
            center: c,
            room: r,
            center_id: center_id.to_string(),
            sala,
            day,
            theta_visit,
            delta,
            double,
            start_secs,
        };
        let mut visit_items: Vec<(usize, &str)> = vec![(o1, "principal")];
        if double {
            visit_items.push((o2, "confiabilidad"));
        }
        // Shared N/A pattern for the visit (both observers see the same routine).
        let na_mask: Vec<bool> = self.items.iter().map(|it| it.can_na && rng.unif() < 0.12).collect();
        // The visit's events: what actually happened for each item (shared by both observers).
        let events: Vec<u8> = self.items.iter().map(|it| draw_item(rng, it, it.a * (theta_visit - it.b))).collect();
        for (obs, rol) in &visit_items {
            self.checklist_row(&v, *obs, rol, &na_mask, &events);
        }
        if !self.o.checklist_only {
            self.class_rows(&v, c1, c2);
        }
        self.visit_no += 1;
        self.truth_rooms.push(json!({
            "center": center_id, "classroom": sala, "theta": theta,
            "delta_EBS": delta[0], "delta_ESL": delta[1], "double_coded": double,
        }));
    }

    /// The checklist row of observer `obs` in role `rol` for visit `v`.
    fn checklist_row(&mut self, v: &Visit, obs: usize, rol: &str, na_mask: &[bool], events: &[u8]) {
        self.sub_counter += 1;
        self.n_checklist += 1;
        let sub_counter = self.sub_counter;
        let heavy_missing = self.rng.unif() < 0.005;
        let dur = 2400 + self.rng.range(0, 1800) as i64;
        // An observer is in one classroom at a time: start after their previous visit
        // that day (plus travel), never overlapping it.
        let free = self.busy.entry((obs, v.day)).or_insert(0);
        let st = (v.start_secs + self.rng.range(0, 120) as i64).max(*free);
        *free = st + dur + 900;
        let day = v.day;
        let mut row = vec![
            surveycto_time(day, (st + dur + 600).min(86_399)),
            surveycto_time(day, st),
            surveycto_time(day, (st + dur).min(86_399)),
            format!("android_id:{:016x}", 0xabc000 + obs as u64),
            format!("obs{:02}@imss.example", obs + 1),
            dur.to_string(),
            v.center_id.clone(),
            v.sala.to_string(),
            if v.sala.starts_with("Lact") { "Lactantes" } else { "Maternal" }.to_string(),
            format!("OBS{:02}", obs + 1),
            rol.to_string(),
            iso_date(day),
        ];
        self.item_cells(&mut row, v, obs, heavy_missing, na_mask, events);
        row.push(if sub_counter.is_multiple_of(17) {
            "Niños muy inquietos; la sala estaba en remodelación".into()
        } else {
            String::new()
        });
        let uuid = format!(
            "uuid:{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            self.rng.0.next_u32(),
            sub_counter & 0xffff,
            v.center % 0xfff,
            v.room,
            sub_counter
        );
        row.push(uuid.clone());
        row.push("2603011200".into());
        row.push(uuid);
        self.cl_rows.push(row);
        self.cl_info.push(ClRow {
            visit: self.visit_no,
            obs,
            day,
            start: st,
            dur,
            reliability: rol != "principal",
            double: v.double,
        });
    }

    /// The item answers recorded by observer `obs`, appended to `row`.
    fn item_cells(
        &mut self,
        row: &mut Vec<String>,
        v: &Visit,
        obs: usize,
        heavy_missing: bool,
        na_mask: &[bool],
        events: &[u8],
    ) {
        for (k, it) in self.items.iter().enumerate() {
            let miss = self.rng.unif() < if heavy_missing { 0.4 } else { 0.01 };
            // What the observer records: the visit's event, except for observer error
            // (12%), when the answer is redrawn with the observer's own severity.
            let recorded = if self.rng.unif() < 0.12 {
                let eta = it.a * (v.theta_visit - it.b) - self.sev_cl[obs];
                draw_item(&mut self.rng, it, eta)
            } else {
                events[k]
            };
            let cell = if na_mask[k] {
                "No aplica".to_string()
            } else if miss {
                String::new()
            } else {
                answer_text(recorded, it.ordinal)
            };
            row.push(cell);
        }
    }

    /// The CLASS rows of visit `v`: four cycles by observer `c1`, and by `c2` if double-coded.
    fn class_rows(&mut self, v: &Visit, c1: usize, c2: usize) {
        let mut class_obs = vec![(c1, "principal")];
        if v.double {
            class_obs.push((c2, "confiabilidad"));
        }
        for (obs, rol) in class_obs {
            for cycle in 1..=4u32 {
                let mut row = vec![
                    v.center_id.clone(),
                    v.sala.to_string(),
                    format!("CL{:02}", obs + 1),
                    rol.to_string(),
                    dmy(v.day),
                    cycle.to_string(),
                    format!("{:02}:{:02}", (v.start_secs / 3600) as u32 + cycle - 1, 5 + cycle * 3),
                    format!("{},{}", 19 + self.rng.range(0, 3), self.rng.range(0, 9)),
                ];
                for (_, _, mu, lambda, dom) in CLASS_DIMS.iter() {
                    let x = mu + lambda * (v.theta_visit + v.delta[*dom]) + 0.6 * self.rng.normal() + self.sev_cs[obs];
                    row.push((x.round().clamp(1.0, 7.0) as i64).to_string());
                }
                self.cs_rows.push(row);
                self.cs_info.push(CsRow { visit: self.visit_no, reliability: rol != "principal" });
            }
        }
    }
}

/// Write `planted.json` (if any), `checklist.csv`, `roster.csv` (with BOM) and `class.csv`
/// (Windows-1252).
fn write_exports(
    out: &Path,
    o: &SimOptions,
    header: &[String],
    f: &Fieldwork,
    planted: Option<&serde_json::Value>,
) -> Result<()> {
    let mut cl = csv::WriterBuilder::new().from_writer(Vec::new());
    cl.write_record(header)?;
    let mut cs = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    let mut cs_header = vec!["Centro", "Sala", "Observador", "Rol", "Fecha", "Ciclo", "Hora inicio", "Duración (min)"];
    cs_header.extend(CLASS_DIMS.iter().map(|d| d.1));
    if !o.checklist_only {
        cs.write_record(&cs_header)?;
    }
    let mut ro = csv::WriterBuilder::new().from_writer(Vec::new());
    ro.write_record(["clave_centro", "nombre", "estado", "municipio", "modalidad", "n_salas"])?;
    for r in &f.cl_rows {
        cl.write_record(r)?;
    }
    for r in &f.cs_rows {
        cs.write_record(r)?;
    }
    for r in &f.roster_rows {
        ro.write_record(r)?;
    }
    std::fs::create_dir_all(out)?;
    if let Some(p) = planted {
        write_atomic(&out.join("planted.json"), (serde_json::to_string_pretty(p)? + "\n").as_bytes())?;
    }
    write_atomic(&out.join("checklist.csv"), &cl.into_inner()?)?;
    let mut roster = vec![0xEF, 0xBB, 0xBF];
    roster.extend(ro.into_inner()?);
    write_atomic(&out.join("roster.csv"), &roster)?;
    if !o.checklist_only {
        let text = String::from_utf8(cs.into_inner()?)?;
        let (latin1, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
        anyhow::ensure!(!unmappable, "CLASS export has characters outside Windows-1252");
        write_atomic(&out.join("class.csv"), &latin1)?;
    }
    Ok(())
}

/// `truth.json`: the seed, the model's parameters and every classroom's true values.
fn truth_json(o: &SimOptions, f: &Fieldwork) -> serde_json::Value {
    json!({
        "seed": o.seed,
        "model": {
            "center_sd": 0.5, "classroom_sd": 0.75f64.sqrt(), "visit_sd": 0.2, "icc_center_theta": 0.25,
            "checklist_observer_severity_sd": 0.25, "class_observer_severity_sd": 0.2,
            "class_cycle_noise_sd": 0.6, "class_domain_deviation_sd": 0.5, "double_coded_probability": 0.18,
            "class_dimensions": CLASS_DIMS.iter().map(|d| json!({"code": d.0, "mu": d.2, "lambda": d.3, "domain": (["EBS", "ESL"][d.4])})).collect::<Vec<_>>(),
        },
        "items": f.items.iter().map(|i| json!({"id": i.id, "a": i.a, "b": i.b, "ordinal": i.ordinal, "reverse": i.reverse})).collect::<Vec<_>>(),
        "checklist_observer_severity": f.sev_cl,
        "class_observer_severity": f.sev_cs,
        "n_centers": o.centers,
        "n_classrooms": f.truth_rooms.len(),
        "n_checklist_observations": f.n_checklist,
        "n_double_coded_visits": f.n_double,
        "classrooms": f.truth_rooms,
    })
}

fn toml_str(s: &str) -> String {
    serde_json::to_string(s).expect("string")
}

pub(crate) fn study_toml(items: &[ItemDef], o: &SimOptions) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "# Study spec written by `checkval simulate --centers {} --seed {}`. See docs/study-spec.md.\n\n",
        o.centers, o.seed
    ));
    s.push_str("[study]\nname = \"Simulated IMSS checklist validation\"\n\n");
    s.push_str("[files.checklist]\npath = \"checklist.csv\"\n\n");
    if !o.checklist_only {
        s.push_str("[files.class]\npath = \"class.csv\"\n# detected: windows-1252, ';', decimal ','\n\n");
    }
    s.push_str("[files.roster]\npath = \"roster.csv\"\n\n");
    s.push_str("[checklist]\n# Free text carried into cleaned exports; other unused columns are dropped.\ncarry = [\"comentarios\"]\n\n");
    s.push_str("[checklist.columns]\nkey = \"KEY\"\ncenter = \"clave_centro\"\nclassroom = \"sala\"\nobserver = \"observador\"\nrole = \"rol\"\ndate = \"fecha_visita\"\nstart = \"starttime\"\nend = \"endtime\"\nsubmitted = \"SubmissionDate\"\nage_group = \"grupo_edad\"\n\n");
    for (id, es, en) in SUBSCALES.iter() {
        if items.iter().any(|i| SUBSCALES[i.group].0 == *id) {
            s.push_str(&format!(
                "[[checklist.subscales]]\nid = \"{id}\"\nlabel_es = {}\nlabel_en = {}\n\n",
                toml_str(es),
                toml_str(en)
            ));
        }
    }
    for it in items {
        s.push_str(&format!(
            "[[checklist.items]]\nid = \"{}\"\nlabel_es = {}\nlabel_en = {}\nsubscale = \"{}\"\n",
            it.id,
            toml_str(&it.label_es),
            toml_str(&it.label_en),
            SUBSCALES[it.group].0
        ));
        if it.ordinal {
            s.push_str("type = \"ordinal\"\nvalues = [0, 1, 2]\n");
        } else {
            s.push_str("type = \"binary\"\nyes = [\"Sí\"]\nno = [\"No\"]\n");
        }
        if it.reverse {
            s.push_str("reverse = true\n");
        }
        s.push('\n');
    }
    s.push_str("[scoring]\nmethod = \"proportion\"\nmin_answered = 0.8\n\n");
    if !o.checklist_only {
        s.push_str("[class]\nversion = \"toddler\"\nlayout = \"long\"\ncycles = 4\n\n[class.columns]\ncenter = \"Centro\"\nclassroom = \"Sala\"\nobserver = \"Observador\"\nrole = \"Rol\"\ndate = \"Fecha\"\ncycle = \"Ciclo\"\n\n");
        s.push_str("[class.dimensions]\n");
        for d in CLASS_DIMS.iter() {
            s.push_str(&format!("{} = {}\n", d.0, toml_str(d.1)));
        }
        s.push('\n');
    }
    s.push_str("[roster]\ncenter = \"clave_centro\"\nattributes = [\"estado\", \"modalidad\"]\n\n");
    s.push_str("[checks]\nfieldwork_start = \"2026-03-02\"\nfieldwork_end = \"2026-05-31\"\n\n");
    s.push_str(&format!("[analysis]\nlevels = [\"classroom\", \"center\"]\nbootstrap = 2000\nseed = {}\nci_level = 0.95\nlanguage = \"es\"\ncovariates = [\"modalidad\"]\ndif_groups = [\"modalidad\"]\n", o.seed));
    if !o.checklist_only {
        s.push_str("\n[[analysis.thresholds]]\nname = \"low_EBS\"\nscore = \"class_EBS\"\nbelow = 3.5\nlabel_es = \"Apoyo emocional y conductual bajo (EBS < 3.5)\"\nlabel_en = \"Low emotional and behavioral support (EBS < 3.5)\"\n");
        s.push_str("\n[[analysis.thresholds]]\nname = \"low_ESL\"\nscore = \"class_ESL\"\nbelow = 3.0\nlabel_es = \"Apoyo activo al aprendizaje bajo (ESL < 3)\"\nlabel_en = \"Low engaged support for learning (ESL < 3)\"\n");
    }
    s
}

/// The latent core of `simulate` at classroom level, for Monte Carlo checks with a known
/// truth: `centers` centers with 2–6 classrooms each, classroom quality
/// `θ = u_center + e` (`u ~ N(0, center_sd²)`, `e ~ N(0, 1 − center_sd²)`, so Var θ = 1), and
/// two measures `x = θ + ε₁`, `y = θ + ε₂` with `ε ~ N(0, noise_sd²)`. The population
/// correlation of `x` and `y` is `1 / (1 + noise_sd²)` whatever the clustering.
pub fn latent_classrooms(centers: usize, center_sd: f64, noise_sd: f64, seed: u64) -> (Vec<usize>, Vec<f64>, Vec<f64>) {
    let mut rng = Rng(ChaCha8Rng::seed_from_u64(seed));
    let (mut c, mut x, mut y) = (Vec::new(), Vec::new(), Vec::new());
    let within = (1.0 - center_sd * center_sd).max(0.0).sqrt();
    for k in 0..centers {
        let u = center_sd * rng.normal();
        for _ in 0..rng.range(2, 6) {
            let theta = u + within * rng.normal();
            c.push(k);
            x.push(theta + noise_sd * rng.normal());
            y.push(theta + noise_sd * rng.normal());
        }
    }
    (c, x, y)
}

/// Plant one field problem of each kind that `check` reports as an error or warning, on top
/// of the clean simulated data (the same seed without `--plant-errors` is the clean twin).
/// Returns the manifest written to `planted.json`: per problem, the check id that must find
/// it and the key / center / classroom / observer / column it must be reported with.
///
/// Choices are deterministic (fixed positions among single-coded visits), so the manifest is
/// the same for the same seed. Every plant touches its own visits.
fn plant_errors(
    cl: &mut Vec<Vec<String>>,
    info: &mut Vec<ClRow>,
    cs: &mut Vec<Vec<String>>,
    cs_info: &mut Vec<CsRow>,
    roster: &mut Vec<Vec<String>>,
    items: &[ItemDef],
    header: &[String],
) -> serde_json::Value {
    let col = |name: &str| header.iter().position(|h| h == name).expect("simulated column");
    let cols = PlantCols {
        sub: col("SubmissionDate"),
        start: col("starttime"),
        end: col("endtime"),
        dur: col("duration"),
        center: col("clave_centro"),
        room: col("sala"),
        obs: col("observador"),
        date: col("fecha_visita"),
        key: col("KEY"),
    };
    let n_obs = info.iter().map(|r| r.obs).max().unwrap_or(0) + 1;
    // Visits used once each: single-coded primaries in file order, skipping the first few.
    let singles: Vec<usize> = (0..cl.len()).filter(|&i| !info[i].double).collect();
    let mut p = Planter {
        day0: info.iter().map(|r| r.day).min().unwrap_or(0),
        cl,
        info,
        cs,
        cs_info,
        items,
        header,
        cols,
        manifest: Vec::new(),
        singles,
        taken: 0,
        severe: 0,
        drifting: 1usize.min(n_obs - 1),
        blanker: 2usize.min(n_obs - 1),
        load_obs: 3usize.min(n_obs - 1),
        removed: 0,
    };
    // ---- observers: a severe observer (many "Sí" recorded as "No") and a drifting one.
    p.observers();
    // ---- ids
    let dup_src = p.ids(roster);
    // ---- values
    p.values();
    // ---- timing
    p.timing();
    // ---- back-checks
    p.backchecks();

    // The exact copy goes after every other checklist plant (so it stays identical), and the
    // row of `class_without_checklist` is deleted last (so indices stayed valid).
    p.cl.push(p.cl[dup_src].clone());
    p.info.push(p.info[dup_src].clone());
    p.cl.remove(p.removed);
    p.info.remove(p.removed);
    // ---- CLASS
    if p.cs.is_empty() {
        return json!({ "description": "Problems planted by `checkval simulate --plant-errors` (checklist only).", "planted": p.manifest });
    }
    p.class();
    json!({
        "description": "Problems planted by `checkval simulate --plant-errors`; `check` must report each with the given check_id and fields. Run the same command without --plant-errors for the clean twin.",
        "planted": p.manifest,
    })
}

/// Positions of the checklist columns that [`plant_errors`] edits.
struct PlantCols {
    sub: usize,
    start: usize,
    end: usize,
    dur: usize,
    center: usize,
    room: usize,
    obs: usize,
    date: usize,
    key: usize,
}

/// The exports being edited by [`plant_errors`], with the manifest so far.
struct Planter<'a> {
    cl: &'a mut Vec<Vec<String>>,
    info: &'a mut Vec<ClRow>,
    cs: &'a mut Vec<Vec<String>>,
    cs_info: &'a mut Vec<CsRow>,
    items: &'a [ItemDef],
    header: &'a [String],
    cols: PlantCols,
    manifest: Vec<serde_json::Value>,
    /// Rows of single-coded visits; [`Planter::take`] hands out every third one.
    singles: Vec<usize>,
    taken: usize,
    day0: i64,
    severe: usize,
    drifting: usize,
    /// The observer who leaves a fifth of the items blank.
    blanker: usize,
    /// The observer with too many visits in one day.
    load_obs: usize,
    /// The row deleted at the end (`class_without_checklist`), so that indices stay valid.
    removed: usize,
}

/// How a planted CLASS problem is reported: center, classroom and observer of the row.
fn cs_ids(r: &[String]) -> serde_json::Value {
    json!({ "center": r[0], "classroom": r[1], "observer": r[2] })
}

/// Column of item `k` in the checklist export.
fn item_col(k: usize) -> usize {
    12 + k
}

impl Planter<'_> {
    fn note(&mut self, check: &str, what: &str, fields: serde_json::Value) {
        let mut v = json!({ "check_id": check, "what": what });
        for (k, x) in fields.as_object().expect("object") {
            v[k] = x.clone();
        }
        self.manifest.push(v);
    }

    /// The next unused single-coded visit (skipping the first three, then every third).
    fn take(&mut self) -> usize {
        let i = *self.singles.get(3 + 3 * self.taken).expect("enough single-coded visits (use --centers 30 or more)");
        self.taken += 1;
        i
    }

    fn key(&self, i: usize) -> String {
        self.cl[i][self.cols.key].clone()
    }

    fn not_special(&self, i: usize) -> bool {
        self.info[i].obs != self.severe && self.info[i].obs != self.drifting
    }

    /// Move row `i` to `day`, starting at `start` (seconds) and lasting `dur`.
    fn set_times(&mut self, i: usize, day: i64, start: i64, dur: i64) {
        let (row, r, c) = (&mut self.cl[i], &mut self.info[i], &self.cols);
        r.day = day;
        r.start = start;
        r.dur = dur;
        row[c.start] = surveycto_time(day, start);
        row[c.end] = surveycto_time(day, (start + dur).min(86_399));
        row[c.sub] = surveycto_time(day, (start + dur + 600).min(86_399));
        row[c.dur] = dur.to_string();
        row[c.date] = iso_date(day);
    }

    /// A severe observer (half the items met recorded as not met) and a drifting one.
    fn observers(&mut self) {
        let (severe, drifting, day0, items) = (self.severe, self.drifting, self.day0, self.items);
        for (i, r) in self.info.iter().enumerate() {
            for (k, item) in items.iter().enumerate() {
                let cell = &mut self.cl[i][item_col(k)];
                let flip = match () {
                    _ if r.obs == severe => (i * 31 + k * 17) % 10 < 5,
                    _ if r.obs == drifting => {
                        ((i * 13 + k * 7) % 100) as f64 / 100.0 < 0.9 * ((r.day - day0) as f64 / 88.0)
                    }
                    _ => false,
                };
                if flip && !item.reverse {
                    if cell == "Sí" {
                        *cell = "No".into();
                    } else if cell == "2" {
                        *cell = "0".into();
                    }
                }
            }
        }
        self.note(
            "observer_severity",
            "observer OBS01 records about half of the items met as not met",
            json!({ "observer": "OBS01" }),
        );
        self.note(
            "observer_drift",
            "observer OBS02 records fewer items met week after week",
            json!({ "observer": "OBS02" }),
        );
    }

    /// ID problems. Returns the row whose exact copy is appended after every other checklist
    /// plant (so it stays identical); sets the row removed at the end.
    fn ids(&mut self, roster: &mut Vec<Vec<String>>) -> usize {
        let c = &self.cols;
        let (c_center, c_room, c_key) = (c.center, c.room, c.key);
        let i = self.take();
        let orig = std::mem::replace(&mut self.cl[i][c_center], "GDR-9999".into());
        let key = self.key(i);
        self.note(
            "center_not_in_roster",
            "center ID not in the roster",
            json!({ "key": key, "center": "GDR-9999", "original": orig }),
        );
        roster.push(vec![
            "GDR-8888".into(),
            "Guardería sin visitar".into(),
            "Sonora".into(),
            "Municipio 1".into(),
            "Ordinaria".into(),
            "3".into(),
        ]);
        self.note("roster_center_without_data", "roster center with no observation", json!({ "center": "GDR-8888" }));
        let dup_src = self.take();
        let key = self.key(dup_src);
        self.note("duplicate_exact", "the same submission exported twice", json!({ "key": key }));
        let i = self.take();
        let mut dup = self.cl[i].clone();
        let new_key = format!("{}-dup", dup[c_key]);
        let kc = dup.len() - 3;
        dup[kc] = new_key.clone();
        dup[c_key] = new_key.clone();
        self.cl.push(dup);
        self.info.push(self.info[i].clone());
        self.note(
            "duplicate_visit",
            "same classroom, observer and date submitted twice under two keys",
            json!({ "key": new_key }),
        );
        // A checklist visit whose CLASS rows are missing, and a CLASS visit with no checklist.
        let i = self.take();
        let v = self.info[i].visit;
        let (center, room) = (self.cl[i][c_center].clone(), self.cl[i][c_room].clone());
        let keep: Vec<bool> = self.cs_info.iter().map(|r| r.visit != v).collect();
        let mut it = keep.iter();
        self.cs.retain(|_| *it.next().unwrap());
        let mut it = keep.iter();
        self.cs_info.retain(|_| *it.next().unwrap());
        let key = self.key(i);
        self.note(
            "checklist_without_class",
            "CLASS rows of this classroom are missing",
            json!({ "key": key, "center": center, "classroom": room }),
        );
        let i = self.take();
        let (center, room) = (self.cl[i][c_center].clone(), self.cl[i][c_room].clone());
        // Removed at the end, so that row indices stay valid for the plants below.
        self.removed = i;
        self.note(
            "class_without_checklist",
            "the checklist of this classroom is missing",
            json!({ "center": center, "classroom": room }),
        );
        dup_src
    }

    /// Invalid values, straight-lining, an all-worst form and missing answers.
    fn values(&mut self) {
        let (items, removed) = (self.items, self.removed);
        let i = self.take();
        let k_bin = (0..items.len())
            .find(|&k| !items[k].ordinal && !items[k].reverse && !items[k].can_na)
            .expect("binary item");
        let orig = std::mem::replace(&mut self.cl[i][item_col(k_bin)], "Tal vez".into());
        let fields = json!({ "row_key": self.key(i), "column": self.header[item_col(k_bin)], "value": "Tal vez", "original": orig });
        self.note("invalid_value", "a binary item answered 'Tal vez'", fields);
        // With few items (`--items 10`) no item is ordinal: that plant is then left out.
        if let Some(k_ord) = (0..items.len()).find(|&k| items[k].ordinal) {
            let i = self.take();
            let orig = std::mem::replace(&mut self.cl[i][item_col(k_ord)], "5".into());
            let fields = json!({ "row_key": self.key(i), "column": self.header[item_col(k_ord)], "value": "5", "original": orig });
            self.note("invalid_value", "an ordinal item (0-2) answered 5", fields);
        }
        let i = (self.take()..self.cl.len()).find(|&j| j != removed && self.not_special(j)).expect("row");
        let first = SUBSCALES[items[0].group].0;
        for k in (0..items.len()).filter(|&k| items[k].group == items[0].group) {
            self.cl[i][item_col(k)] = if items[k].ordinal { "1".into() } else { "Sí".into() };
        }
        self.note(
            "straight_lining",
            "every item of the first subscale answered the same (with a reverse-worded item)",
            json!({ "key": self.key(i), "column": first }),
        );
        let i = (self.take()..self.cl.len()).find(|&j| j != removed && self.not_special(j)).expect("row");
        for (k, item) in items.iter().enumerate() {
            self.cl[i][item_col(k)] = if item.reverse {
                "Sí".into()
            } else if item.ordinal {
                "0".into()
            } else {
                "No".into()
            };
        }
        self.note("outlying_score", "every item at its worst value", json!({ "key": self.key(i) }));
        self.missing_answers();
    }

    /// One item left blank in about 10% of the rows; one observer leaving 20% of the items blank.
    fn missing_answers(&mut self) {
        let items = self.items;
        let k_miss = items.len() - 1;
        for r in self.cl.iter_mut().step_by(9) {
            r[item_col(k_miss)] = String::new();
        }
        self.note(
            "item_missing_rate",
            "the last item is blank in about 11% of the rows",
            json!({ "column": items[k_miss].id }),
        );
        let blanker = self.blanker;
        for (i, _) in self.info.iter().enumerate().filter(|(_, r)| r.obs == blanker) {
            for k in (0..items.len()).filter(|k| (k + i) % 5 == 0) {
                self.cl[i][item_col(k)] = String::new();
            }
        }
        self.note(
            "observer_missing_rate",
            "observer OBS03 leaves a fifth of the items blank",
            json!({ "observer": format!("OBS{:02}", blanker + 1) }),
        );
    }

    /// Durations out of range, a late submission, a visit before fieldwork, overlapping visits
    /// and too many visits in one day.
    fn timing(&mut self) {
        let (c_sub, c_center, c_obs, removed) = (self.cols.sub, self.cols.center, self.cols.obs, self.removed);
        let i = self.take();
        let (d, st) = (self.info[i].day, self.info[i].start);
        self.set_times(i, d, st, 5 * 60);
        self.note("duration", "a 5-minute observation", json!({ "key": self.key(i) }));
        let i = self.take();
        let (d, _) = (self.info[i].day, self.info[i].start);
        self.set_times(i, d, 6 * 3600, 5 * 3600);
        self.note("duration", "a 5-hour observation", json!({ "key": self.key(i) }));
        let i = self.take();
        let late = self.info[i].day + 10;
        self.cl[i][c_sub] = surveycto_time(late, 20 * 3600);
        self.note("late_submission", "submitted 10 days after the visit", json!({ "key": self.key(i) }));
        let i = self.take();
        let st = self.info[i].start;
        let dur = self.info[i].dur;
        self.set_times(i, crate::io::values::days_from_civil(2025, 12, 1), st, dur);
        self.note("outside_fieldwork", "visit dated before fieldwork began", json!({ "key": self.key(i) }));
        // Two visits of one observer at the same time in different classrooms: the second
        // visit is moved onto the first one's observer, day and hours.
        let a = self.take();
        let b = (self.take()..self.cl.len())
            .find(|&j| j != removed && self.cl[j][c_center] != self.cl[a][c_center])
            .expect("row");
        let (oa, da, sa, dura) = (self.info[a].obs, self.info[a].day, self.info[a].start, self.info[a].dur);
        self.info[b].obs = oa;
        self.cl[b][c_obs] = format!("OBS{:02}", oa + 1);
        self.set_times(b, da, sa + 600, dura);
        // Nobody else of that observer that day may overlap (they were placed apart).
        self.note(
            "overlapping_visits",
            "one observer in two classrooms at the same time",
            json!({ "observer": format!("OBS{:02}", oa + 1) }),
        );
        self.busy_day();
    }

    /// Seven visits of one observer in one day (limit 6), one after another.
    fn busy_day(&mut self) {
        let (c_obs, load_obs) = (self.cols.obs, self.load_obs);
        let day = self.day0 + 3;
        // Clear that observer's own visits on that day out of the way first.
        for k in 0..self.info.len() {
            if self.info[k].obs == load_obs && self.info[k].day == day && !self.info[k].double {
                let (st, du) = (self.info[k].start, self.info[k].dur);
                self.set_times(k, day + 1, st, du);
            }
        }
        let mut placed = 0;
        while placed < 7 {
            let i = self.take();
            let o = self.info[i].obs;
            if o == self.severe || o == self.drifting || o == self.blanker {
                continue;
            }
            self.info[i].obs = load_obs;
            self.cl[i][c_obs] = format!("OBS{:02}", load_obs + 1);
            self.set_times(i, day, 6 * 3600 + placed * 45 * 60, 40 * 60);
            placed += 1;
        }
        self.note(
            "too_many_per_day",
            "seven observations by one observer in one day",
            json!({ "observer": format!("OBS{:02}", load_obs + 1), "value": iso_date(day) }),
        );
    }

    /// A reliability copy dated a day late, and one with a third of its items changed.
    fn backchecks(&mut self) {
        let rel: Vec<usize> = (0..self.cl.len()).filter(|&i| self.info[i].reliability && self.not_special(i)).collect();
        let i = rel[1];
        let (st, du) = (self.info[i].start, self.info[i].dur);
        let d = self.info[i].day + 1;
        self.set_times(i, d, st, du);
        self.note(
            "pair_incomplete",
            "the reliability copy is dated one day after its primary",
            json!({ "key": self.key(i) }),
        );
        let i = rel[3];
        for k in (0..self.items.len()).filter(|k| k % 3 == 0) {
            let c = &mut self.cl[i][item_col(k)];
            *c = match c.as_str() {
                "Sí" => "No".into(),
                "No" => "Sí".into(),
                "0" => "2".into(),
                "2" => "0".into(),
                "1" => "2".into(),
                _ => c.clone(),
            };
        }
        self.note(
            "pair_discrepancy",
            "a third of the items changed in a reliability copy",
            json!({ "key": self.key(i) }),
        );
    }

    /// CLASS rows of the primary (`rel` false) or reliability observation of `visit`.
    fn cs_rows_of(&self, visit: usize, rel: bool) -> Vec<usize> {
        (0..self.cs_info.len())
            .filter(|&j| self.cs_info[j].visit == visit && self.cs_info[j].reliability == rel)
            .collect()
    }

    /// CLASS problems: missing, skipped and repeated cycles, an out-of-range score, an empty
    /// cycle and a reliability observer out of line.
    fn class(&mut self) {
        let visits_cs: Vec<usize> = {
            let mut v: Vec<usize> = self.cs_info.iter().filter(|r| !r.reliability).map(|r| r.visit).collect();
            v.dedup();
            v
        };
        let rows = self.cs_rows_of(visits_cs[5], false);
        let last = *rows.last().unwrap();
        self.note("few_cycles", "the fourth cycle is missing", cs_ids(&self.cs[last]));
        self.cs.remove(last);
        self.cs_info.remove(last);
        let rows = self.cs_rows_of(visits_cs[11], false);
        self.note("cycle_gap", "the second cycle is missing", cs_ids(&self.cs[rows[1]]));
        self.cs.remove(rows[1]);
        self.cs_info.remove(rows[1]);
        let rows = self.cs_rows_of(visits_cs[17], false);
        let dup = self.cs[rows[2]].clone();
        self.note("duplicate_cycle", "the third cycle entered twice", cs_ids(&dup));
        self.cs.insert(rows[2] + 1, dup);
        self.cs_info.insert(rows[2] + 1, self.cs_info[rows[2]].clone());
        let rows = self.cs_rows_of(visits_cs[23], false);
        let orig = std::mem::replace(&mut self.cs[rows[0]][8], "9".into());
        self.note(
            "invalid_value",
            "a CLASS score of 9 (scale 1-7)",
            json!({ "file": "class.csv", "column": "Clima positivo", "value": "9", "original": orig }),
        );
        let rows = self.cs_rows_of(visits_cs[29], false);
        for x in self.cs[rows[1]].iter_mut().skip(8) {
            *x = String::new();
        }
        let mut e = cs_ids(&self.cs[rows[1]]);
        e["what_detail"] = json!("cycle 2");
        self.note("empty_cycle", "a cycle with no scores", e);
        self.class_within_one();
    }

    /// A double-coded CLASS visit whose second observer scored everything 7.
    fn class_within_one(&mut self) {
        let dv = (0..self.cs_info.len()).filter(|&j| self.cs_info[j].reliability).map(|j| self.cs_info[j].visit).find(
            |&v| {
                let p = self.cs_rows_of(v, false);
                !p.is_empty()
                    && p.iter()
                        .all(|&j| self.cs[j][8..].iter().filter_map(|x| x.parse::<f64>().ok()).sum::<f64>() / 8.0 < 4.5)
            },
        );
        if let Some(v) = dv {
            let rows = self.cs_rows_of(v, true);
            for &j in &rows {
                for x in self.cs[j].iter_mut().skip(8) {
                    *x = "7".into();
                }
            }
            self.note(
                "class_within_one",
                "the reliability observer scored every dimension 7",
                cs_ids(&self.cs[rows[0]]),
            );
        }
    }
}
