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

struct Rng(ChaCha8Rng);

impl Rng {
    fn unif(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    fn normal(&mut self) -> f64 {
        // Box–Muller; u1 in (0, 1].
        let u1 = 1.0 - self.unif();
        let u2 = self.unif();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.unif() * (hi - lo + 1) as f64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
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

const STATES: [&str; 8] =
    ["Jalisco", "Nuevo León", "Ciudad de México", "Yucatán", "Sonora", "Puebla", "Veracruz", "Michoacán"];
const MODALIDADES: [&str; 4] = ["Madres IMSS", "Ordinaria", "Vecinal Comunitaria", "Integradora"];
const SALAS: [&str; 6] = ["Maternal A", "Maternal B1", "Maternal B2", "Maternal C1", "Maternal C2", "Lactantes C"];
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

struct ItemDef {
    id: String,
    group: usize,
    ordinal: bool,
    reverse: bool,
    can_na: bool,
    a: f64,
    b: f64,
    label_es: String,
    label_en: String,
}

/// One item response: binary 2PL (reverse-worded items flip the sign), or 3-point graded.
fn draw_item(rng: &mut Rng, it: &ItemDef, eta: f64) -> u8 {
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

fn surveycto_time(days: i64, secs: i64) -> String {
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

fn iso_date(days: i64) -> String {
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
    // Items
    let per = o.items.div_ceil(SUBSCALES.len());
    let mut items = Vec::with_capacity(o.items);
    for k in 0..o.items {
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
    let n_obs_cl = 12.max(o.centers / 10);
    let n_obs_cs = 8.max(o.centers / 15);
    let sev_cl: Vec<f64> = (0..n_obs_cl).map(|_| 0.25 * rng.normal()).collect();
    let sev_cs: Vec<f64> = (0..n_obs_cs).map(|_| 0.2 * rng.normal()).collect();
    let start_day = crate::io::values::days_from_civil(2026, 3, 2);
    // Files
    let mut cl = csv::WriterBuilder::new().from_writer(Vec::new());
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
    for it in &items {
        header.push(format!("{}-{}", SUBSCALES[it.group].0, it.id));
    }
    header.extend(["comentarios", "instanceID", "formdef_version", "KEY"].iter().map(|s| s.to_string()));
    cl.write_record(&header)?;
    let mut cs = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    let mut cs_header = vec!["Centro", "Sala", "Observador", "Rol", "Fecha", "Ciclo", "Hora inicio", "Duración (min)"];
    cs_header.extend(CLASS_DIMS.iter().map(|d| d.1));
    if !o.checklist_only {
        cs.write_record(&cs_header)?;
    }
    let mut ro = csv::WriterBuilder::new().from_writer(Vec::new());
    ro.write_record(["clave_centro", "nombre", "estado", "municipio", "modalidad", "n_salas"])?;
    let mut truth_rooms = Vec::new();
    let mut n_checklist = 0usize;
    let mut n_double = 0usize;
    let mut sub_counter = 0u64;
    let mut busy: std::collections::HashMap<(usize, i64), i64> = std::collections::HashMap::new();
    let (mut cl_rows, mut cl_info): (Vec<Vec<String>>, Vec<ClRow>) = (Vec::new(), Vec::new());
    let (mut cs_rows, mut cs_info): (Vec<Vec<String>>, Vec<CsRow>) = (Vec::new(), Vec::new());
    let mut roster_rows: Vec<Vec<String>> = Vec::new();
    let mut visit_no = 0usize;
    for c in 0..o.centers {
        let center_id = format!("GDR-{:04}", c + 1);
        let u = 0.5 * rng.normal();
        let n_rooms = rng.range(2, 6);
        let state = *rng.pick(&STATES);
        roster_rows.push(vec![
            center_id.clone(),
            format!("Guardería {}", c + 1),
            state.to_string(),
            format!("Municipio {}", 1 + c % 40),
            rng.pick(&MODALIDADES).to_string(),
            n_rooms.to_string(),
        ]);
        for r in 0..n_rooms {
            let sala = SALAS[r % SALAS.len()];
            let theta = u + 0.75f64.sqrt() * rng.normal();
            let delta = [0.5 * rng.normal(), 0.5 * rng.normal()];
            let day = start_day + (rng.range(0, 12) * 7 + rng.range(0, 4)) as i64;
            let theta_visit = theta + 0.2 * rng.normal();
            let double = rng.unif() < 0.18;
            n_double += usize::from(double);
            let o1 = rng.range(0, n_obs_cl - 1);
            let o2 = (o1 + 1 + rng.range(0, n_obs_cl - 2)) % n_obs_cl;
            let c1 = rng.range(0, n_obs_cs - 1);
            let c2 = (c1 + 1 + rng.range(0, n_obs_cs - 2)) % n_obs_cs;
            let start_secs = (8 * 3600 + rng.range(0, 3 * 3600)) as i64;
            let mut visit_items: Vec<(usize, &str)> = vec![(o1, "principal")];
            if double {
                visit_items.push((o2, "confiabilidad"));
            }
            // Shared N/A pattern for the visit (both observers see the same routine).
            let na_mask: Vec<bool> = items.iter().map(|it| it.can_na && rng.unif() < 0.12).collect();
            // The visit's events: what actually happened for each item (shared by both observers).
            let events: Vec<u8> = items.iter().map(|it| draw_item(&mut rng, it, it.a * (theta_visit - it.b))).collect();
            for (obs, rol) in &visit_items {
                sub_counter += 1;
                n_checklist += 1;
                let heavy_missing = rng.unif() < 0.005;
                let dur = 2400 + rng.range(0, 1800) as i64;
                // An observer is in one classroom at a time: start after their previous visit
                // that day (plus travel), never overlapping it.
                let free = busy.entry((*obs, day)).or_insert(0);
                let st = (start_secs + rng.range(0, 120) as i64).max(*free);
                *free = st + dur + 900;
                let mut row = vec![
                    surveycto_time(day, (st + dur + 600).min(86_399)),
                    surveycto_time(day, st),
                    surveycto_time(day, (st + dur).min(86_399)),
                    format!("android_id:{:016x}", 0xabc000 + *obs as u64),
                    format!("obs{:02}@imss.example", obs + 1),
                    dur.to_string(),
                    center_id.clone(),
                    sala.to_string(),
                    if sala.starts_with("Lact") { "Lactantes" } else { "Maternal" }.to_string(),
                    format!("OBS{:02}", obs + 1),
                    rol.to_string(),
                    iso_date(day),
                ];
                for (k, it) in items.iter().enumerate() {
                    let miss = rng.unif() < if heavy_missing { 0.4 } else { 0.01 };
                    // What the observer records: the visit's event, except for observer error
                    // (12%), when the answer is redrawn with the observer's own severity.
                    let recorded = if rng.unif() < 0.12 {
                        let eta = it.a * (theta_visit - it.b) - sev_cl[*obs];
                        draw_item(&mut rng, it, eta)
                    } else {
                        events[k]
                    };
                    let cell = if na_mask[k] {
                        "No aplica".to_string()
                    } else if miss {
                        String::new()
                    } else if it.ordinal {
                        recorded.to_string()
                    } else if recorded == 1 {
                        "Sí".to_string()
                    } else {
                        "No".to_string()
                    };
                    row.push(cell);
                }
                row.push(if sub_counter % 17 == 0 {
                    "Niños muy inquietos; la sala estaba en remodelación".into()
                } else {
                    String::new()
                });
                let uuid = format!(
                    "uuid:{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
                    rng.0.next_u32(),
                    sub_counter & 0xffff,
                    c % 0xfff,
                    r,
                    sub_counter
                );
                row.push(uuid.clone());
                row.push("2603011200".into());
                row.push(uuid);
                cl_rows.push(row);
                cl_info.push(ClRow {
                    visit: visit_no,
                    obs: *obs,
                    day,
                    start: st,
                    dur,
                    reliability: *rol != "principal",
                    double,
                });
            }
            if !o.checklist_only {
                let mut class_obs = vec![(c1, "principal")];
                if double {
                    class_obs.push((c2, "confiabilidad"));
                }
                for (obs, rol) in class_obs {
                    for cycle in 1..=4u32 {
                        let mut row = vec![
                            center_id.clone(),
                            sala.to_string(),
                            format!("CL{:02}", obs + 1),
                            rol.to_string(),
                            dmy(day),
                            cycle.to_string(),
                            format!("{:02}:{:02}", (start_secs / 3600) as u32 + cycle - 1, 5 + cycle * 3),
                            format!("{},{}", 19 + rng.range(0, 3), rng.range(0, 9)),
                        ];
                        for (_, _, mu, lambda, dom) in CLASS_DIMS.iter() {
                            let x = mu + lambda * (theta_visit + delta[*dom]) + 0.6 * rng.normal() + sev_cs[obs];
                            row.push((x.round().clamp(1.0, 7.0) as i64).to_string());
                        }
                        cs_rows.push(row);
                        cs_info.push(CsRow { visit: visit_no, reliability: rol != "principal" });
                    }
                }
            }
            visit_no += 1;
            truth_rooms.push(json!({
                "center": center_id, "classroom": sala, "theta": theta,
                "delta_EBS": delta[0], "delta_ESL": delta[1], "double_coded": double,
            }));
        }
    }
    let planted = if o.plant_errors {
        Some(plant_errors(&mut cl_rows, &mut cl_info, &mut cs_rows, &mut cs_info, &mut roster_rows, &items, &header))
    } else {
        None
    };
    for r in &cl_rows {
        cl.write_record(r)?;
    }
    for r in &cs_rows {
        cs.write_record(r)?;
    }
    for r in &roster_rows {
        ro.write_record(r)?;
    }
    std::fs::create_dir_all(out)?;
    if let Some(p) = &planted {
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
    write_atomic(&out.join("study.toml"), study_toml(&items, o).as_bytes())?;
    let truth = json!({
        "seed": o.seed,
        "model": {
            "center_sd": 0.5, "classroom_sd": 0.75f64.sqrt(), "visit_sd": 0.2, "icc_center_theta": 0.25,
            "checklist_observer_severity_sd": 0.25, "class_observer_severity_sd": 0.2,
            "class_cycle_noise_sd": 0.6, "class_domain_deviation_sd": 0.5, "double_coded_probability": 0.18,
            "class_dimensions": CLASS_DIMS.iter().map(|d| json!({"code": d.0, "mu": d.2, "lambda": d.3, "domain": (["EBS", "ESL"][d.4])})).collect::<Vec<_>>(),
        },
        "items": items.iter().map(|i| json!({"id": i.id, "a": i.a, "b": i.b, "ordinal": i.ordinal, "reverse": i.reverse})).collect::<Vec<_>>(),
        "checklist_observer_severity": sev_cl,
        "class_observer_severity": sev_cs,
        "n_centers": o.centers,
        "n_classrooms": truth_rooms.len(),
        "n_checklist_observations": n_checklist,
        "n_double_coded_visits": n_double,
        "classrooms": truth_rooms,
    });
    write_atomic(&out.join("truth.json"), (serde_json::to_string_pretty(&truth)? + "\n").as_bytes())?;
    Ok(truth)
}

fn toml_str(s: &str) -> String {
    serde_json::to_string(s).expect("string")
}

fn study_toml(items: &[ItemDef], o: &SimOptions) -> String {
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
    s.push_str(&format!("[analysis]\nlevels = [\"classroom\", \"center\"]\nbootstrap = 2000\nseed = {}\nci_level = 0.95\nlanguage = \"es\"\ncovariates = [\"modalidad\"]\n", o.seed));
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
    let (c_sub, c_start, c_end, c_dur, c_center, c_room, c_obs, c_date, c_key) = (
        col("SubmissionDate"),
        col("starttime"),
        col("endtime"),
        col("duration"),
        col("clave_centro"),
        col("sala"),
        col("observador"),
        col("fecha_visita"),
        col("KEY"),
    );
    let item_col = |k: usize| 12 + k;
    let mut manifest = Vec::new();
    let mut note = |check: &str, what: &str, fields: serde_json::Value| {
        let mut v = json!({ "check_id": check, "what": what });
        for (k, x) in fields.as_object().expect("object") {
            v[k] = x.clone();
        }
        manifest.push(v);
    };
    // Visits used once each: single-coded primaries in file order, skipping the first few.
    let singles: Vec<usize> = (0..cl.len()).filter(|&i| !info[i].double).collect();
    let mut next = singles.iter().copied().skip(3).step_by(3);
    let mut take = || next.next().expect("enough single-coded visits (use --centers 30 or more)");
    let set_times = |row: &mut Vec<String>, r: &mut ClRow, day: i64, start: i64, dur: i64| {
        r.day = day;
        r.start = start;
        r.dur = dur;
        row[c_start] = surveycto_time(day, start);
        row[c_end] = surveycto_time(day, (start + dur).min(86_399));
        row[c_sub] = surveycto_time(day, (start + dur + 600).min(86_399));
        row[c_dur] = dur.to_string();
        row[c_date] = iso_date(day);
    };
    let key = |row: &Vec<String>| row[c_key].clone();
    let n_obs = info.iter().map(|r| r.obs).max().unwrap_or(0) + 1;

    // ---- observers: a severe observer (many "Sí" recorded as "No") and a drifting one.
    let severe = 0usize;
    let drifting = 1usize.min(n_obs - 1);
    let day0 = info.iter().map(|r| r.day).min().unwrap_or(0);
    for (i, r) in info.iter().enumerate() {
        for k in 0..items.len() {
            let cell = &mut cl[i][item_col(k)];
            let flip = match () {
                _ if r.obs == severe => (i * 31 + k * 17) % 10 < 5,
                _ if r.obs == drifting => {
                    ((i * 13 + k * 7) % 100) as f64 / 100.0 < 0.9 * ((r.day - day0) as f64 / 88.0)
                }
                _ => false,
            };
            if flip && !items[k].reverse {
                if cell == "Sí" {
                    *cell = "No".into();
                } else if cell == "2" {
                    *cell = "0".into();
                }
            }
        }
    }
    note(
        "observer_severity",
        "observer OBS01 records about half of the items met as not met",
        json!({ "observer": "OBS01" }),
    );
    note("observer_drift", "observer OBS02 records fewer items met week after week", json!({ "observer": "OBS02" }));
    let not_special = |i: usize, info: &Vec<ClRow>| info[i].obs != severe && info[i].obs != drifting;

    // ---- ids
    let i = take();
    let orig = std::mem::replace(&mut cl[i][c_center], "GDR-9999".into());
    note(
        "center_not_in_roster",
        "center ID not in the roster",
        json!({ "key": key(&cl[i]), "center": "GDR-9999", "original": orig }),
    );
    roster.push(vec![
        "GDR-8888".into(),
        "Guardería sin visitar".into(),
        "Sonora".into(),
        "Municipio 1".into(),
        "Ordinaria".into(),
        "3".into(),
    ]);
    note("roster_center_without_data", "roster center with no observation", json!({ "center": "GDR-8888" }));
    // The exact copy is appended after every other checklist plant, so it stays identical.
    let dup_src = take();
    note("duplicate_exact", "the same submission exported twice", json!({ "key": key(&cl[dup_src]) }));
    let i = take();
    let mut dup = cl[i].clone();
    let new_key = format!("{}-dup", key(&dup));
    let kc = dup.len() - 3;
    dup[kc] = new_key.clone();
    dup[c_key] = new_key.clone();
    cl.push(dup);
    info.push(info[i].clone());
    note(
        "duplicate_visit",
        "same classroom, observer and date submitted twice under two keys",
        json!({ "key": new_key }),
    );
    // A checklist visit whose CLASS rows are missing, and a CLASS visit with no checklist.
    let i = take();
    let v = info[i].visit;
    let (center, room) = (cl[i][c_center].clone(), cl[i][c_room].clone());
    let keep: Vec<bool> = cs_info.iter().map(|r| r.visit != v).collect();
    let mut it = keep.iter();
    cs.retain(|_| *it.next().unwrap());
    let mut it = keep.iter();
    cs_info.retain(|_| *it.next().unwrap());
    note(
        "checklist_without_class",
        "CLASS rows of this classroom are missing",
        json!({ "key": key(&cl[i]), "center": center, "classroom": room }),
    );
    let i = take();
    let (center, room) = (cl[i][c_center].clone(), cl[i][c_room].clone());
    // Removed at the end, so that row indices stay valid for the plants below.
    let removed = i;
    note(
        "class_without_checklist",
        "the checklist of this classroom is missing",
        json!({ "center": center, "classroom": room }),
    );

    // ---- values
    let i = take();
    let k_bin =
        (0..items.len()).find(|&k| !items[k].ordinal && !items[k].reverse && !items[k].can_na).expect("binary item");
    let orig = std::mem::replace(&mut cl[i][item_col(k_bin)], "Tal vez".into());
    note(
        "invalid_value",
        "a binary item answered 'Tal vez'",
        json!({ "row_key": key(&cl[i]), "column": header[item_col(k_bin)], "value": "Tal vez", "original": orig }),
    );
    let i = take();
    let k_ord = (0..items.len()).find(|&k| items[k].ordinal).expect("ordinal item");
    let orig = std::mem::replace(&mut cl[i][item_col(k_ord)], "5".into());
    note(
        "invalid_value",
        "an ordinal item (0-2) answered 5",
        json!({ "row_key": key(&cl[i]), "column": header[item_col(k_ord)], "value": "5", "original": orig }),
    );
    let i = (take()..cl.len()).find(|&j| j != removed && not_special(j, info)).expect("row");
    let first = SUBSCALES[items[0].group].0;
    for k in (0..items.len()).filter(|&k| items[k].group == items[0].group) {
        cl[i][item_col(k)] = if items[k].ordinal { "1".into() } else { "Sí".into() };
    }
    note(
        "straight_lining",
        "every item of the first subscale answered the same (with a reverse-worded item)",
        json!({ "key": key(&cl[i]), "column": first }),
    );
    let i = (take()..cl.len()).find(|&j| j != removed && not_special(j, info)).expect("row");
    for k in 0..items.len() {
        cl[i][item_col(k)] = if items[k].reverse {
            "Sí".into()
        } else if items[k].ordinal {
            "0".into()
        } else {
            "No".into()
        };
    }
    note("outlying_score", "every item at its worst value", json!({ "key": key(&cl[i]) }));
    // One item left blank in 10% of the rows.
    let k_miss = items.len() - 1;
    for r in cl.iter_mut().step_by(9) {
        r[item_col(k_miss)] = String::new();
    }
    note("item_missing_rate", "the last item is blank in about 11% of the rows", json!({ "column": items[k_miss].id }));
    // One observer leaves 20% of the items blank.
    let blanker = 2usize.min(n_obs - 1);
    for (i, _) in info.iter().enumerate().filter(|(_, r)| r.obs == blanker) {
        for k in (0..items.len()).filter(|k| (k + i) % 5 == 0) {
            cl[i][item_col(k)] = String::new();
        }
    }
    note(
        "observer_missing_rate",
        "observer OBS03 leaves a fifth of the items blank",
        json!({ "observer": format!("OBS{:02}", blanker + 1) }),
    );

    // ---- timing
    let i = take();
    let (d, st) = (info[i].day, info[i].start);
    set_times(&mut cl[i], &mut info[i], d, st, 5 * 60);
    note("duration", "a 5-minute observation", json!({ "key": key(&cl[i]) }));
    let i = take();
    let (d, _) = (info[i].day, info[i].start);
    set_times(&mut cl[i], &mut info[i], d, 6 * 3600, 5 * 3600);
    note("duration", "a 5-hour observation", json!({ "key": key(&cl[i]) }));
    let i = take();
    let late = info[i].day + 10;
    cl[i][c_sub] = surveycto_time(late, 20 * 3600);
    note("late_submission", "submitted 10 days after the visit", json!({ "key": key(&cl[i]) }));
    let i = take();
    let st = info[i].start;
    let dur = info[i].dur;
    set_times(&mut cl[i], &mut info[i], crate::io::values::days_from_civil(2025, 12, 1), st, dur);
    note("outside_fieldwork", "visit dated before fieldwork began", json!({ "key": key(&cl[i]) }));
    // Two visits of one observer at the same time in different classrooms: the second
    // visit is moved onto the first one's observer, day and hours.
    let a = take();
    let b = (take()..cl.len()).find(|&j| j != removed && cl[j][c_center] != cl[a][c_center]).expect("row");
    let (oa, da, sa, dura) = (info[a].obs, info[a].day, info[a].start, info[a].dur);
    info[b].obs = oa;
    cl[b][c_obs] = format!("OBS{:02}", oa + 1);
    set_times(&mut cl[b], &mut info[b], da, sa + 600, dura);
    // Nobody else of that observer that day may overlap (they were placed apart).
    note(
        "overlapping_visits",
        "one observer in two classrooms at the same time",
        json!({ "observer": format!("OBS{:02}", oa + 1) }),
    );
    // Seven visits of one observer in one day (limit 6), one after another.
    let load_obs = 3usize.min(n_obs - 1);
    let day = day0 + 3;
    // Clear that observer's own visits on that day out of the way first.
    for k in 0..info.len() {
        if info[k].obs == load_obs && info[k].day == day && !info[k].double {
            let (st, du) = (info[k].start, info[k].dur);
            set_times(&mut cl[k], &mut info[k], day + 1, st, du);
        }
    }
    let mut placed = 0;
    while placed < 7 {
        let i = take();
        if info[i].obs == severe || info[i].obs == drifting || info[i].obs == blanker {
            continue;
        }
        info[i].obs = load_obs;
        cl[i][c_obs] = format!("OBS{:02}", load_obs + 1);
        set_times(&mut cl[i], &mut info[i], day, 6 * 3600 + placed * 45 * 60, 40 * 60);
        placed += 1;
    }
    note(
        "too_many_per_day",
        "seven observations by one observer in one day",
        json!({ "observer": format!("OBS{:02}", load_obs + 1), "value": iso_date(day) }),
    );

    // ---- back-checks
    let rel: Vec<usize> = (0..cl.len()).filter(|&i| info[i].reliability && not_special(i, info)).collect();
    let i = rel[1];
    let (st, du) = (info[i].start, info[i].dur);
    let d = info[i].day + 1;
    set_times(&mut cl[i], &mut info[i], d, st, du);
    note("pair_incomplete", "the reliability copy is dated one day after its primary", json!({ "key": key(&cl[i]) }));
    let i = rel[3];
    for k in (0..items.len()).filter(|k| k % 3 == 0) {
        let c = &mut cl[i][item_col(k)];
        *c = match c.as_str() {
            "Sí" => "No".into(),
            "No" => "Sí".into(),
            "0" => "2".into(),
            "2" => "0".into(),
            "1" => "2".into(),
            _ => c.clone(),
        };
    }
    note("pair_discrepancy", "a third of the items changed in a reliability copy", json!({ "key": key(&cl[i]) }));

    cl.push(cl[dup_src].clone());
    info.push(info[dup_src].clone());
    cl.remove(removed);
    info.remove(removed);
    // ---- CLASS
    if cs.is_empty() {
        return json!({ "description": "Problems planted by `checkval simulate --plant-errors` (checklist only).", "planted": manifest });
    }
    let visits_cs: Vec<usize> = {
        let mut v: Vec<usize> = cs_info.iter().filter(|r| !r.reliability).map(|r| r.visit).collect();
        v.dedup();
        v
    };
    let rows_of = |cs_info: &Vec<CsRow>, v: usize, rel: bool| -> Vec<usize> {
        (0..cs_info.len()).filter(|&j| cs_info[j].visit == v && cs_info[j].reliability == rel).collect()
    };
    let id = |r: &Vec<String>| json!({ "center": r[0], "classroom": r[1], "observer": r[2] });
    let v = visits_cs[5];
    let rows = rows_of(cs_info, v, false);
    let last = *rows.last().unwrap();
    note("few_cycles", "the fourth cycle is missing", id(&cs[last]));
    cs.remove(last);
    cs_info.remove(last);
    let v = visits_cs[11];
    let rows = rows_of(cs_info, v, false);
    note("cycle_gap", "the second cycle is missing", id(&cs[rows[1]]));
    cs.remove(rows[1]);
    cs_info.remove(rows[1]);
    let v = visits_cs[17];
    let rows = rows_of(cs_info, v, false);
    let dup = cs[rows[2]].clone();
    note("duplicate_cycle", "the third cycle entered twice", id(&dup));
    cs.insert(rows[2] + 1, dup);
    cs_info.insert(rows[2] + 1, cs_info[rows[2]].clone());
    let v = visits_cs[23];
    let rows = rows_of(cs_info, v, false);
    let orig = std::mem::replace(&mut cs[rows[0]][8], "9".into());
    note(
        "invalid_value",
        "a CLASS score of 9 (scale 1-7)",
        json!({ "file": "class.csv", "column": "Clima positivo", "value": "9", "original": orig }),
    );
    let v = visits_cs[29];
    let rows = rows_of(cs_info, v, false);
    for x in cs[rows[1]].iter_mut().skip(8) {
        *x = String::new();
    }
    let mut e = id(&cs[rows[1]]);
    e["what_detail"] = json!("cycle 2");
    note("empty_cycle", "a cycle with no scores", e);
    // A double-coded CLASS visit whose second observer scored everything 7.
    let dv = (0..cs_info.len()).filter(|&j| cs_info[j].reliability).map(|j| cs_info[j].visit).find(|&v| {
        let p = rows_of(cs_info, v, false);
        !p.is_empty()
            && p.iter().all(|&j| cs[j][8..].iter().filter_map(|x| x.parse::<f64>().ok()).sum::<f64>() / 8.0 < 4.5)
    });
    if let Some(v) = dv {
        let rows = rows_of(cs_info, v, true);
        for &j in &rows {
            for x in cs[j].iter_mut().skip(8) {
                *x = "7".into();
            }
        }
        note("class_within_one", "the reliability observer scored every dimension 7", id(&cs[rows[0]]));
    }
    json!({
        "description": "Problems planted by `checkval simulate --plant-errors`; `check` must report each with the given check_id and fields. Run the same command without --plant-errors for the clean twin.",
        "planted": manifest,
    })
}
