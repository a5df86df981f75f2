//! Tables of the monitor: `centers.csv`/`.xlsx` and `monitor.json` (one row per center × round)
//! and `groups.csv` (the same summarised by each roster grouping and for the network).

use super::model::{CenterRound, Monitor};
use crate::choices::Lang;
use crate::io::export::{Cell, NumFormat, Sheet};
use crate::study::monitor_spec::{Profile, QualityLevel, Trend};
use crate::study::spec::Study;

/// Header of `centers.csv`.
pub fn center_headers(m: &Monitor) -> Vec<String> {
    let mut h = vec!["center".to_string()];
    h.extend(m.attr_names.iter().cloned());
    h.extend(
        [
            "round",
            "n_classrooms",
            "n_observations",
            "score",
            "ci_low",
            "ci_high",
            "raw_mean",
            "change",
            "change_ci_low",
            "change_ci_high",
            "trend",
            "level",
            "profile",
            "recommendation",
            "priority_subscale",
            "priority_items",
            "strengths",
        ]
        .map(String::from),
    );
    h.extend(m.scales.iter().skip(1).map(|s| format!("score_{s}")));
    h.extend(["score_unadjusted", "observers", "dates", "note"].map(String::from));
    h
}

fn num(v: Option<f64>, f: NumFormat) -> Cell {
    Cell::num(v, f)
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

/// One row of `centers.csv` as cells.
pub fn center_cells(m: &Monitor, study: &Study, r: &CenterRound, lang: Lang) -> Vec<Cell> {
    let c = r.center as usize;
    let mut v = vec![text(m.centers[c].clone())];
    v.extend(m.attrs[c].iter().map(|a| text(a.clone())));
    let eb = r.eb[0];
    let d = NumFormat::Dec3;
    let items = &study.spec.checklist.items;
    let ids = |ix: &[u16]| ix.iter().map(|&j| items[j as usize].id.clone()).collect::<Vec<_>>().join(";");
    v.extend([
        text(m.rounds[r.round as usize].clone()),
        Cell::Number(r.n_classrooms as f64, NumFormat::Integer),
        Cell::Number(r.n_observations as f64, NumFormat::Integer),
        num(eb.map(|e| e.score), d),
        num(eb.map(|e| e.score - m.z * e.sd), d),
        num(eb.map(|e| e.score + m.z * e.sd), d),
        num(r.raw[0], d),
        num(r.change.map(|c| c.0), d),
        num(r.change.map(|c| c.0 - m.z * c.1), d),
        num(r.change.map(|c| c.0 + m.z * c.1), d),
        text(r.trend.map_or("", Trend::as_str)),
        text(r.level.map_or("", QualityLevel::as_str)),
        text(r.profile.map(Profile::key).unwrap_or_default()),
        text(
            r.profile
                .map(|p| {
                    let (es, en) = m.spec.profile_text(p);
                    lang.pick(&es, &en).clone()
                })
                .unwrap_or_default(),
        ),
        text(r.priority_subscale.map(|s| m.scales[s + 1].clone()).unwrap_or_default()),
        text(ids(&r.priority_items)),
        text(ids(&r.strengths)),
    ]);
    for s in 1..m.scales.len() {
        v.push(num(r.eb[s].map(|e| e.score), d));
    }
    v.push(num(r.unadjusted, d));
    v.push(text(r.observers.iter().map(|o| o.to_string()).collect::<Vec<_>>().join(";")));
    v.push(text(r.dates.iter().map(|o| o.to_string()).collect::<Vec<_>>().join(";")));
    v.push(text(r.note.clone().unwrap_or_default()));
    v
}

/// The center sheet's name, title, notes and headers, without its rows: the rows are built one
/// at a time with [`center_cells`] while the workbook, CSV and JSON are written.
pub fn centers_sheet(m: &Monitor, lang: Lang) -> Sheet {
    Sheet {
        name: "centers".into(),
        title: Some(lang.pick("Centros por ronda", "Centers by round").to_string()),
        notes: vec![lang
            .pick(
                "Puntaje: estimación empírica bayesiana (modelo multinivel); cambio: respecto a la ronda anterior, con criterio de cambio confiable.",
                "Score: empirical-Bayes estimate (multilevel model); change: since the previous round, with a reliable-change criterion.",
            )
            .to_string()],
        headers: center_headers(m),
        rows: Vec::new(),
    }
}

/// [`centers_sheet`] for `--xlsx latest`: the same columns, each center's latest round, and a
/// note saying where every round is.
pub fn latest_sheet(all: &Sheet, lang: Lang) -> Sheet {
    let mut s = Sheet {
        name: all.name.clone(),
        title: Some(lang.pick("Centros: última ronda", "Centers: latest round").to_string()),
        notes: all.notes.clone(),
        headers: all.headers.clone(),
        rows: Vec::new(),
    };
    s.notes.push(
        lang.pick(
            "Una fila por centro: su ronda más reciente. Todas las rondas están en centers.csv y monitor.json (--xlsx all las escribe también aquí).",
            "One row per center: its latest round. Every round is in centers.csv and monitor.json (--xlsx all writes them here too).",
        )
        .to_string(),
    );
    s
}

/// One group × round summary.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GroupRow {
    pub grouping: String,
    pub group: String,
    pub round: String,
    pub n_centers: usize,
    pub score: Option<f64>,
    pub sd: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub change: Option<f64>,
    pub n_improving: usize,
    pub n_stable: usize,
    pub n_declining: usize,
    pub n_low: usize,
    pub n_medium: usize,
    pub n_high: usize,
    /// Counts per profile, in [`Profile::all`] order.
    pub profiles: Vec<usize>,
}

/// Summaries by the network and each grouping attribute, per round.
pub fn groups(m: &Monitor) -> Vec<GroupRow> {
    let groupings: Vec<String> = m.spec.groups.clone().unwrap_or_else(|| m.attr_names.clone());
    let mut out = Vec::new();
    let mut levels: Vec<(String, Option<usize>)> = vec![("network".into(), None)];
    levels.extend(
        groupings.iter().filter_map(|g| m.attr_names.iter().position(|a| a == g).map(|k| (g.clone(), Some(k)))),
    );
    let profiles: Vec<Profile> = Profile::all().collect();
    let n_rounds = m.rounds.len();
    for (name, k) in levels {
        let mut values: Vec<&str> = match k {
            None => vec![""],
            Some(k) => m.attrs.iter().map(|a| a[k].as_str()).collect(),
        };
        values.sort_unstable();
        values.dedup();
        // Each center's value index, then the rows of each (value, round) in row order.
        let of_center: Vec<usize> = match k {
            None => vec![0; m.attrs.len().max(m.centers.len())],
            Some(k) => m.attrs.iter().map(|a| values.binary_search(&a[k].as_str()).unwrap_or(0)).collect(),
        };
        let mut buckets: Vec<Vec<&CenterRound>> = vec![Vec::new(); values.len() * n_rounds];
        for r in &m.rows {
            if (r.round as usize) < n_rounds {
                buckets[of_center[r.center as usize] * n_rounds + r.round as usize].push(r);
            }
        }
        for (v, val) in values.iter().enumerate() {
            for (ri, rname) in m.rounds.iter().enumerate() {
                out.push(group_row(m, &name, val, rname, &buckets[v * n_rounds + ri], &profiles));
            }
        }
    }
    out
}

fn group_row(m: &Monitor, name: &str, val: &str, round: &str, rows: &[&CenterRound], profiles: &[Profile]) -> GroupRow {
    let scores: Vec<f64> = rows.iter().filter_map(|r| r.eb[0].map(|e| e.score)).collect();
    let n = scores.len();
    let mean = (n > 0).then(|| scores.iter().sum::<f64>() / n as f64);
    let sd = (n > 1).then(|| {
        let mu = mean.unwrap_or(0.0);
        (scores.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    });
    let half = sd.map(|s| m.z * s / (n as f64).sqrt());
    let ch: Vec<f64> = rows.iter().filter_map(|r| r.change.map(|c| c.0)).collect();
    let count = |f: &dyn Fn(&CenterRound) -> bool| rows.iter().filter(|r| f(r)).count();
    GroupRow {
        grouping: name.to_string(),
        group: if val.is_empty() && name == "network" { "network".into() } else { val.to_string() },
        round: round.to_string(),
        n_centers: n,
        score: mean,
        sd,
        ci_low: mean.zip(half).map(|(a, h)| a - h),
        ci_high: mean.zip(half).map(|(a, h)| a + h),
        change: (!ch.is_empty()).then(|| ch.iter().sum::<f64>() / ch.len() as f64),
        n_improving: count(&|r| r.trend == Some(Trend::Improving)),
        n_stable: count(&|r| r.trend == Some(Trend::Stable)),
        n_declining: count(&|r| r.trend == Some(Trend::Declining)),
        n_low: count(&|r| r.level == Some(QualityLevel::Low)),
        n_medium: count(&|r| r.level == Some(QualityLevel::Medium)),
        n_high: count(&|r| r.level == Some(QualityLevel::High)),
        profiles: profiles.iter().map(|p| count(&|r| r.profile == Some(*p))).collect(),
    }
}

/// `groups.csv` as a sheet.
pub fn groups_sheet(rows: &[GroupRow], lang: Lang) -> Sheet {
    let mut headers: Vec<String> = [
        "grouping",
        "group",
        "round",
        "n_centers",
        "score",
        "sd",
        "ci_low",
        "ci_high",
        "change",
        "n_improving",
        "n_stable",
        "n_declining",
        "n_low",
        "n_medium",
        "n_high",
    ]
    .map(String::from)
    .to_vec();
    headers.extend(Profile::all().map(|p| format!("n_{}", p.key())));
    let d = NumFormat::Dec3;
    let i = |x: usize| Cell::Number(x as f64, NumFormat::Integer);
    let rows = rows
        .iter()
        .map(|g| {
            let mut v = vec![
                text(g.grouping.clone()),
                text(g.group.clone()),
                text(g.round.clone()),
                i(g.n_centers),
                num(g.score, d),
                num(g.sd, d),
                num(g.ci_low, d),
                num(g.ci_high, d),
                num(g.change, d),
                i(g.n_improving),
                i(g.n_stable),
                i(g.n_declining),
                i(g.n_low),
                i(g.n_medium),
                i(g.n_high),
            ];
            v.extend(g.profiles.iter().map(|&c| i(c)));
            v
        })
        .collect();
    Sheet {
        name: "groups".into(),
        title: Some(lang.pick("Red y agrupaciones por ronda", "Network and groupings by round").to_string()),
        notes: vec![],
        headers,
        rows,
    }
}
