//! `dashboard.html`: network trend, funnel plot, profile distribution and a sortable,
//! filterable, paginated table of all centers (latest round), from data embedded once.

use super::labels::{self, CSS};
use super::{card_file, esc};
use crate::choices::Lang;
use crate::monitor::model::{CenterRound, Monitor};
use crate::monitor::observers::Observers;
use crate::monitor::output::GroupRow;
use crate::study::monitor_spec::{Profile, QualityLevel, Trend};
use crate::study::spec::Study;
use serde_json::{json, Value};
use std::fmt::Write;

fn r3(x: f64) -> Value {
    json!((x * 1000.0).round() / 1000.0)
}

fn opt3(x: Option<f64>) -> Value {
    x.map_or(Value::Null, r3)
}

fn code<T: PartialEq + Copy>(all: &[T], x: Option<T>) -> i64 {
    x.and_then(|x| all.iter().position(|a| *a == x)).map_or(-1, |p| p as i64)
}

/// The embedded data: one compact array per center (its latest round).
fn data(m: &Monitor, has_card: &[bool], lang: Lang) -> Value {
    let profiles: Vec<Profile> = Profile::all().collect();
    let mut dict: Vec<Vec<String>> = vec![Vec::new(); m.attr_names.len()];
    for a in &m.attrs {
        for (k, v) in a.iter().enumerate() {
            dict[k].push(v.clone());
        }
    }
    for d in dict.iter_mut() {
        d.sort();
        d.dedup();
    }
    let starts = m.center_starts();
    let rows: Vec<Value> = starts
        .windows(2)
        .filter(|w| w[1] > w[0])
        .map(|w| {
            let r: &CenterRound = &m.rows[w[1] - 1];
            let c = r.center as usize;
            let attrs: Vec<usize> =
                m.attrs[c].iter().enumerate().map(|(k, v)| dict[k].binary_search(v).unwrap_or(0)).collect();
            let e = r.eb[0];
            json!([
                m.centers[c],
                attrs,
                opt3(e.map(|e| e.score)),
                opt3(e.map(|e| e.score - m.z * e.sd)),
                opt3(e.map(|e| e.score + m.z * e.sd)),
                opt3(r.change.map(|c| c.0)),
                code(&Trend::ALL, r.trend),
                code(&QualityLevel::ALL, r.level),
                code(&profiles, r.profile),
                r.n_classrooms,
                opt3(r.raw[0]),
                if has_card[c] { Value::String(card_file(&m.centers[c])) } else { Value::Null },
                r.round
            ])
        })
        .collect();
    let (mu, s2, t2) = match (&m.fits[0], m.rounds.len()) {
        (Ok(f), n) if n > 0 => (f.block_means[n - 1], f.sigma2, f.tau2),
        _ => (None, 0.0, 0.0),
    };
    json!({
        "lang": lang.code(),
        "rounds": m.rounds,
        "attrs": m.attr_names,
        "dict": dict,
        "trends": Trend::ALL.iter().map(|t| labels::trend(*t, lang)).collect::<Vec<_>>(),
        "levels": QualityLevel::ALL.iter().map(|l| labels::level(*l, lang)).collect::<Vec<_>>(),
        "profiles": profiles.iter().map(|p| { let (es, en) = m.spec.profile_text(*p); lang.pick(&es, &en).clone() }).collect::<Vec<_>>(),
        "funnel": {"mu": mu, "sigma2": s2, "tau2": t2, "z": m.z},
        "c": rows,
    })
}

/// Network trend: score and interval per round (SVG).
fn trend_svg(groups: &[GroupRow], lang: Lang) -> String {
    let net: Vec<&GroupRow> = groups.iter().filter(|g| g.grouping == "network" && g.score.is_some()).collect();
    if net.is_empty() {
        return format!("<p class=muted>{}</p>", lang.pick("Sin puntajes.", "No scores."));
    }
    let lo = net.iter().filter_map(|g| g.ci_low).fold(f64::INFINITY, f64::min) - 0.02;
    let hi = net.iter().filter_map(|g| g.ci_high).fold(f64::NEG_INFINITY, f64::max) + 0.02;
    let (w, h, l, b) = (640.0, 240.0, 56.0, 36.0);
    let x = |i: usize| l + (w - l - 20.0) * (i as f64 + 0.5) / net.len() as f64;
    let y = |v: f64| 10.0 + (h - b - 10.0) * (1.0 - (v - lo) / (hi - lo).max(1e-9));
    let mut s = format!(
        "<svg viewBox='0 0 {w} {h}' role=img aria-label='{}'><line x1={l} y1={} x2={} y2={} stroke='#999' />",
        lang.pick("Tendencia de la red", "Network trend"),
        h - b,
        w - 10.0,
        h - b
    );
    for k in 0..=4 {
        let v = lo + (hi - lo) * k as f64 / 4.0;
        let _ =
            write!(s, "<text x={} y={} font-size=11 text-anchor=end>{}</text>", l - 6.0, y(v) + 4.0, labels::num(v, 2));
    }
    let mut path = String::new();
    for (i, g) in net.iter().enumerate() {
        let (sc, a, bb) = (g.score.unwrap_or(0.0), g.ci_low.unwrap_or(0.0), g.ci_high.unwrap_or(0.0));
        let _ = write!(
            s,
            "<line x1={0:.1} x2={0:.1} y1={1:.1} y2={2:.1} stroke='#1f5fa8' stroke-width=2 /><circle cx={0:.1} cy={3:.1} r=4 fill='#1f5fa8'><title>{4}: {5}</title></circle><text x={0:.1} y={6} font-size=12 text-anchor=middle>{4}</text>",
            x(i), y(a), y(bb), y(sc), esc(&g.round), labels::num(sc, 3), h - b + 18.0
        );
        let _ = write!(path, "{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, x(i), y(sc));
    }
    let _ = write!(s, "<path d='{path}' fill=none stroke='#1f5fa8' /></svg>");
    s
}

/// Profile distribution of the latest round (SVG bars).
fn profiles_svg(m: &Monitor, groups: &[GroupRow], lang: Lang) -> String {
    let last = m.rounds.last().cloned().unwrap_or_default();
    let Some(net) = groups.iter().find(|g| g.grouping == "network" && g.round == last) else { return String::new() };
    let max = net.profiles.iter().copied().max().unwrap_or(1).max(1) as f64;
    let mut s = String::from("<svg viewBox='0 0 640 300' role=img>");
    for (k, (p, &n)) in Profile::all().zip(&net.profiles).enumerate() {
        let y = 8.0 + k as f64 * 32.0;
        let (es, en) = m.spec.profile_text(p);
        let color = match p.0 {
            QualityLevel::Low => "#c0392b",
            QualityLevel::Medium => "#d89b1d",
            QualityLevel::High => "#2e8b57",
        };
        let _ = write!(
            s,
            "<rect x=0 y={y} width={:.1} height=22 fill='{color}' opacity=.85 /><text x=4 y={:.0} font-size=12>{} — {n}</text>",
            (400.0 * n as f64 / max).max(1.0),
            y + 15.0,
            esc(lang.pick(&es, &en))
        );
    }
    s.push_str("</svg>");
    s
}

const JS: &str = include_str!("dashboard.js");

pub fn render(
    study: &Study,
    m: &Monitor,
    groups: &[GroupRow],
    obs: &Observers,
    has_card: &[bool],
    lang: Lang,
) -> String {
    let d = serde_json::to_string(&data(m, has_card, lang)).unwrap_or_else(|_| "{}".into()).replace("</", "<\\/");
    let t = |es: &str, en: &str| esc(lang.pick(es, en));
    let name = if study.spec.study.name.is_empty() { "checkval" } else { &study.spec.study.name };
    let latest = m.rounds.last().cloned().unwrap_or_default();
    let n_prio = super::priority_centers(m).len();
    let adj = if m.observer_adjusted {
        t(
            "Puntajes ajustados por la severidad de cada observador (estimada en los centros que comparten); el archivo centers.csv incluye el puntaje sin ajuste.",
            "Scores adjusted for each observer's severity (estimated on the centers they share); centers.csv also has the unadjusted score.",
        )
    } else {
        esc(obs.note.as_deref().unwrap_or(""))
    };
    let filters: String = m
        .attr_names
        .iter()
        .enumerate()
        .map(|(k, a)| {
            format!(
                "<select id='f-{k}' data-attr='{k}' aria-label='{0}'><option value=''>{0}: {1}</option></select>",
                esc(a),
                t("todos", "all")
            )
        })
        .collect();
    let heads: String =
        m.attr_names.iter().enumerate().map(|(k, a)| format!("<th data-k='a{k}'>{}</th>", esc(a))).collect();
    format!(
        "<!DOCTYPE html><html lang='{lc}'><head><meta charset='utf-8'><meta name='viewport' content='width=device-width,initial-scale=1'>\
<title>{title}</title><style>{CSS}</style></head><body><main>\
<h1>{title}</h1><p class=muted>{name}</p>\
<div class=kpi><div>{t_centers}<b>{nc}</b></div><div>{t_rounds}<b>{nr}</b></div><div>{t_latest}<b>{latest}</b></div><div>{t_prio}<b>{n_prio}</b></div></div>\
<h2 id=trend>{t_trend}</h2><figure>{trend}</figure>\
<h2 id=funnel>{t_funnel}</h2><p class=muted>{t_funnel_note}</p><canvas id=funnel-canvas width=900 height=420></canvas>\
<h2 id=profiles>{t_profiles}</h2><figure>{profiles}</figure>\
<h2 id=centers>{t_table}</h2>\
<div class=controls><input id=q type=search placeholder='{t_search}' aria-label='{t_search}'>{filters}\
<select id=f-profile aria-label='{t_profile}'><option value=''>{t_profile}: {t_all}</option></select></div>\
<div class=pager><button id=prev type=button>‹</button><span id=page></span><button id=next type=button>›</button><span id=count class=muted></span></div>\
<div class=scroll><table id=table><thead><tr><th data-k=id>{t_center}</th>{heads}<th data-k=round>{t_round}</th><th data-k=n class=n>{t_rooms}</th>\
<th data-k=score class=n>{t_score}</th><th class=n>{t_ci}</th><th data-k=change class=n>{t_change}</th><th data-k=trend>{t_trend_col}</th>\
<th data-k=level>{t_level}</th><th data-k=profile>{t_profile}</th></tr></thead><tbody></tbody></table></div>\
<p class=muted>{adj}</p><p class=muted>{method}</p>\
<script type='application/json' id=data>{d}</script><script>{JS}</script></main></body></html>",
        lc = lang.code(),
        title = t("Monitoreo de la calidad de los centros", "Center quality monitoring"),
        name = esc(name),
        t_centers = t("Centros", "Centers"),
        nc = m.centers.len(),
        t_rounds = t("Rondas", "Rounds"),
        nr = m.rounds.len(),
        t_latest = t("Última ronda", "Latest round"),
        latest = esc(&latest),
        t_prio = t("Centros prioritarios", "Priority centers"),
        t_trend = t("Tendencia de la red", "Network trend"),
        trend = trend_svg(groups, lang),
        t_funnel = t("Gráfico de embudo (última ronda)", "Funnel plot (latest round)"),
        t_funnel_note = t(
            "Media observada de cada centro contra su número de salas; límites de control al 95% y 99.8% alrededor de la media de la red.",
            "Each center's observed mean against its number of classrooms; 95% and 99.8% control limits around the network mean.",
        ),
        t_profiles = t("Perfiles (última ronda)", "Profiles (latest round)"),
        profiles = profiles_svg(m, groups, lang),
        t_table = t("Centros", "Centers"),
        t_search = t("Buscar centro…", "Search center…"),
        t_profile = t("Perfil", "Profile"),
        t_all = t("todos", "all"),
        t_center = t("Centro", "Center"),
        t_round = t("Ronda", "Round"),
        t_rooms = t("Salas", "Classrooms"),
        t_score = t("Puntaje", "Score"),
        t_ci = t("IC", "CI"),
        t_change = t("Cambio", "Change"),
        t_trend_col = t("Tendencia", "Trend"),
        t_level = t("Nivel", "Level"),
        method = t(
            "Puntaje: estimación empírica bayesiana de un modelo multinivel (salas en centros, por ronda). Tendencia: cambio respecto a la ronda anterior mayor que el error de medición (cambio confiable) y que el cambio mínimo relevante.",
            "Score: empirical-Bayes estimate from a multilevel model (classrooms in centers, by round). Trend: change since the previous round larger than measurement error (reliable change) and than the minimum meaningful change.",
        ),
    )
}
