//! `simulate --rounds N`: a monitoring study with planted improving and declining centers.
//!
//! Model (ChaCha8 seeded by `--seed`): center effect `u_c ~ N(0, 0.5²)`, persistent classroom
//! effect `e_cj ~ N(0, 0.5²)`, round-visit noise `N(0, 0.35²)`, a network drift of +0.05 a round.
//! 10% of centers improve and 10% decline by 2.0 (latent SD units) from a planted round on
//! (`truth.json` lists them with the round). Checklist answers follow the 2PL/graded model of
//! [`crate::study::simulate`], shifted by the observer's severity `s_o ~ N(0, 0.25²)`; one
//! observer (the first) drifts by +0.5 a round. Each center is visited once a round (all its
//! classrooms) by an observer of its state, in quarter `r` of 2026–2027. One primary
//! observation per classroom and round.
//!
//! Files: `checklist.csv` (with a `ronda` column), `roster.csv` (state, delegation, modality),
//! `study.toml` (with `[monitor]`) and `truth.json`. Rows are streamed, so national sizes fit in
//! memory.

use crate::io::atomic::{write_atomic, write_atomic_with};
use crate::io::values::days_from_civil;
use crate::study::simulate::{
    answer_text, checklist_header, draw_item, draw_items, iso_date, study_toml, surveycto_time, Rng, SimOptions,
    MODALIDADES, SALAS, STATES, SUBSCALES,
};
use anyhow::Result;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde_json::json;
use std::io::Write;
use std::path::Path;

pub struct RoundsOptions {
    pub centers: usize,
    pub rounds: usize,
    pub seed: u64,
    pub items: usize,
    /// Classrooms per center (`None`: 2–6 at random).
    pub classrooms: Option<usize>,
}

/// Size of the planted change, latent SD units.
pub const PLANTED_DELTA: f64 = 2.0;

struct Center {
    id: String,
    state: usize,
    u: f64,
    rooms: Vec<f64>,
    /// (direction ±1, first round with the change, 1-based) when planted.
    planted: Option<(f64, usize)>,
}

/// Write the study; returns `truth.json`.
pub fn simulate_rounds(out: &Path, o: &RoundsOptions) -> Result<serde_json::Value> {
    anyhow::ensure!(o.centers >= 3, "--centers must be at least 3 with --rounds");
    anyhow::ensure!((2..=12).contains(&o.rounds), "--rounds must be between 2 and 12");
    anyhow::ensure!((5..=200).contains(&o.items), "--items must be between 5 and 200");
    anyhow::ensure!(o.classrooms.is_none_or(|k| (1..=6).contains(&k)), "--classrooms must be between 1 and 6");
    let mut rng = Rng(ChaCha8Rng::seed_from_u64(o.seed));
    let items = draw_items(&mut rng, o.items);
    let n_obs = 8.max(o.centers / 20);
    let sev: Vec<f64> = (0..n_obs).map(|_| 0.25 * rng.normal()).collect();
    let mut centers = Vec::with_capacity(o.centers);
    let mut roster = csv::WriterBuilder::new().from_writer(vec![0xEF, 0xBB, 0xBF]);
    roster.write_record(["clave_centro", "nombre", "estado", "delegacion", "municipio", "modalidad", "n_salas"])?;
    for c in 0..o.centers {
        let state = rng.range(0, STATES.len() - 1);
        let n_rooms = o.classrooms.unwrap_or_else(|| rng.range(2, 6));
        let u = 0.5 * rng.normal();
        let rooms = (0..n_rooms).map(|_| 0.5 * rng.normal()).collect();
        let p = rng.unif();
        let planted = if p < 0.2 { Some((if p < 0.1 { 1.0 } else { -1.0 }, rng.range(2, o.rounds))) } else { None };
        let id = format!("GDR-{:06}", c + 1);
        roster.write_record([
            id.clone(),
            format!("Guardería {}", c + 1),
            STATES[state].to_string(),
            format!("Delegación {} {}", STATES[state], 1 + c % 3),
            format!("Municipio {}", 1 + c % 40),
            rng.pick(&MODALIDADES).to_string(),
            n_rooms.to_string(),
        ])?;
        centers.push(Center { id, state, u, rooms, planted });
    }
    std::fs::create_dir_all(out)?;
    write_atomic(&out.join("roster.csv"), &roster.into_inner()?)?;
    let mut header = checklist_header(&items);
    header.insert(12, "ronda".into());
    let start = days_from_civil(2026, 1, 5);
    let mut n_rows = 0usize;
    write_atomic_with(&out.join("checklist.csv"), |w| {
        let mut cw = csv::WriterBuilder::new().from_writer(w);
        cw.write_record(&header)?;
        let mut row: Vec<String> = Vec::with_capacity(header.len());
        // Observers of each state: every 8th observer.
        let pools: Vec<Vec<usize>> = (0..STATES.len()).map(|s| (s..n_obs).step_by(STATES.len()).collect()).collect();
        for r in 1..=o.rounds {
            for c in &centers {
                let obs = *rng.pick(&pools[c.state]);
                let drift = if obs == 0 { 0.5 * (r - 1) as f64 } else { 0.0 };
                let day = start + 91 * (r as i64 - 1) + rng.range(0, 60) as i64;
                let shift = c.planted.map_or(0.0, |(d, from)| if r >= from { d * PLANTED_DELTA } else { 0.0 });
                let mut st = 8 * 3600 + rng.range(0, 1800) as i64;
                for (k, e) in c.rooms.iter().enumerate() {
                    let theta = c.u + e + shift + 0.05 * (r - 1) as f64 + 0.35 * rng.normal();
                    let dur = 2400 + rng.range(0, 1800) as i64;
                    n_rows += 1;
                    row.clear();
                    row.extend([
                        surveycto_time(day, (st + dur + 600).min(86_399)),
                        surveycto_time(day, st),
                        surveycto_time(day, (st + dur).min(86_399)),
                        format!("android_id:{:016x}", 0xabc000 + obs as u64),
                        format!("obs{:02}@imss.example", obs + 1),
                        dur.to_string(),
                        c.id.clone(),
                        SALAS[k % SALAS.len()].to_string(),
                        if SALAS[k % SALAS.len()].starts_with("Lact") { "Lactantes" } else { "Maternal" }.to_string(),
                        format!("OBS{:02}", obs + 1),
                        "principal".to_string(),
                        iso_date(day),
                        r.to_string(),
                    ]);
                    for it in &items {
                        let v = draw_item(&mut rng, it, it.a * (theta - it.b) - sev[obs] - drift);
                        let cell = if rng.unif() < 0.01 {
                            String::new()
                        } else if it.can_na && rng.unif() < 0.1 {
                            "No aplica".into()
                        } else {
                            answer_text(v, it.ordinal)
                        };
                        row.push(cell);
                    }
                    let uuid = format!("uuid:{:08x}-{:04x}-4000-a000-{:012x}", rng.0.next_u32(), r, n_rows);
                    row.extend([String::new(), uuid.clone(), "2601011200".into(), uuid]);
                    cw.write_record(&row)?;
                    st += dur + 900;
                }
            }
        }
        cw.flush()?;
        Ok(())
    })?;
    write_atomic(&out.join("study.toml"), monitor_toml(&items, o).as_bytes())?;
    let truth = json!({
        "seed": o.seed,
        "rounds": o.rounds,
        "n_centers": o.centers,
        "n_checklist_observations": n_rows,
        "planted_delta": PLANTED_DELTA,
        "model": {"center_sd": 0.5, "classroom_sd": 0.5, "visit_sd": 0.35, "network_drift_per_round": 0.05,
                  "observer_severity_sd": 0.25, "drifting_observer": "OBS01", "observer_drift_per_round": 0.5},
        "observer_severity": sev.iter().enumerate().map(|(k, s)| json!({"observer": format!("OBS{:02}", k + 1), "severity": s})).collect::<Vec<_>>(),
        "planted": centers.iter().filter_map(|c| c.planted.map(|(d, from)| json!({
            "center": c.id, "direction": if d > 0.0 { "improving" } else { "declining" }, "round": from.to_string(),
        }))).collect::<Vec<_>>(),
    });
    let mut f = serde_json::to_vec_pretty(&truth)?;
    f.write_all(b"\n")?;
    write_atomic(&out.join("truth.json"), &f)?;
    Ok(truth)
}

/// The study spec: the simulate spec without CLASS, with the round column, the delegation and
/// the `[monitor]` table.
fn monitor_toml(items: &[crate::study::simulate::ItemDef], o: &RoundsOptions) -> String {
    let base = study_toml(
        items,
        &SimOptions { centers: o.centers, seed: o.seed, items: o.items, checklist_only: true, plant_errors: false },
    );
    let mut s = base
        .replacen(
            &format!("`checkval simulate --centers {} --seed {}`", o.centers, o.seed),
            &format!("`checkval simulate --rounds {} --centers {} --seed {}`", o.rounds, o.centers, o.seed),
            1,
        )
        .replacen("age_group = \"grupo_edad\"\n", "age_group = \"grupo_edad\"\nround = \"ronda\"\n", 1)
        .replacen(
            "attributes = [\"estado\", \"modalidad\"]",
            "attributes = [\"estado\", \"delegacion\", \"modalidad\"]",
            1,
        )
        .replacen("fieldwork_start = \"2026-03-02\"\nfieldwork_end = \"2026-05-31\"\n", "", 1);
    debug_assert!(SUBSCALES.len() == 5);
    s.push_str(
        "\n[monitor]\n# Rounds come from the `ronda` column; without it, from the visit date by quarter.\n\
         period = \"quarter\"\nconfidence = 0.95\nmin_change = 0.05\nlevels = \"tertiles\"\n\
         groups = [\"estado\", \"delegacion\"]\n\n[monitor.profiles.low_declining]\n\
         es = \"Bajo y en descenso: mentoría intensiva este mes\"\n\
         en = \"Low and declining: intensive mentoring this month\"\n",
    );
    s
}
