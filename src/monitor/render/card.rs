//! `cards/<center>.html`: one printable page for the center's mentor.

use super::labels::{self, num, signed, CSS};
use super::{esc, Means};
use crate::choices::Lang;
use crate::monitor::model::{CenterRound, Monitor};
use crate::monitor::observers::Observers;
use crate::study::monitor_spec::Trend;
use crate::study::spec::Study;
use std::fmt::Write;

const PRINT: &str = "@page{size:A4;margin:12mm}@media print{body{font-size:11px}main{padding:0}h2{margin:.6em 0 .2em}.noprint{display:none}}\
.grid{display:grid;grid-template-columns:1fr 1fr;gap:0 18px}@media (max-width:600px){.grid{grid-template-columns:1fr}}ol{margin:.2em 0;padding-left:1.3em}td,th{white-space:normal;overflow-wrap:break-word}";

/// Score and interval across rounds (SVG).
fn rounds_svg(m: &Monitor, rows: &[CenterRound], means: &Means, lang: Lang) -> String {
    let pts: Vec<(usize, f64, f64, f64)> = rows
        .iter()
        .filter_map(|r| r.eb[0].map(|e| (r.round as usize, e.score, e.score - m.z * e.sd, e.score + m.z * e.sd)))
        .collect();
    if pts.is_empty() {
        return String::new();
    }
    let net: Vec<(usize, f64)> =
        means.network.iter().enumerate().filter_map(|(r, v)| v.first().copied().flatten().map(|x| (r, x))).collect();
    let lo = pts.iter().map(|p| p.2).chain(net.iter().map(|p| p.1)).fold(f64::INFINITY, f64::min) - 0.02;
    let hi = pts.iter().map(|p| p.3).chain(net.iter().map(|p| p.1)).fold(f64::NEG_INFINITY, f64::max) + 0.02;
    let (w, h, l, b) = (520.0, 190.0, 46.0, 30.0);
    let nr = m.rounds.len().max(1);
    let x = |i: usize| l + (w - l - 14.0) * (i as f64 + 0.5) / nr as f64;
    let y = |v: f64| 8.0 + (h - b - 8.0) * (1.0 - (v - lo) / (hi - lo).max(1e-9));
    let mut s = format!(
        "<svg viewBox='0 0 {w} {h}' role=img aria-label='{}'>",
        esc(lang.pick("Puntaje por ronda", "Score by round"))
    );
    for k in 0..=3 {
        let v = lo + (hi - lo) * k as f64 / 3.0;
        let _ = write!(s, "<text x={} y={:.1} font-size=11 text-anchor=end>{}</text>", l - 5.0, y(v) + 4.0, num(v, 2));
    }
    for (i, name) in m.rounds.iter().enumerate() {
        let _ = write!(s, "<text x={:.1} y={} font-size=11 text-anchor=middle>{}</text>", x(i), h - 8.0, esc(name));
    }
    let mut np = String::new();
    for (k, (r, v)) in net.iter().enumerate() {
        let _ = write!(np, "{}{:.1},{:.1}", if k == 0 { "M" } else { "L" }, x(*r), y(*v));
    }
    let _ = write!(s, "<path d='{np}' fill=none stroke='#999' stroke-dasharray='4 3' />");
    let mut cp = String::new();
    for (k, &(r, sc, a, bb)) in pts.iter().enumerate() {
        let _ = write!(
            s,
            "<line x1={0:.1} x2={0:.1} y1={1:.1} y2={2:.1} stroke='#1f5fa8' stroke-width=2 /><circle cx={0:.1} cy={3:.1} r=4 fill='#1f5fa8' />",
            x(r), y(a), y(bb), y(sc)
        );
        let _ = write!(cp, "{}{:.1},{:.1}", if k == 0 { "M" } else { "L" }, x(r), y(sc));
    }
    let _ = write!(
        s,
        "<path d='{cp}' fill=none stroke='#1f5fa8' /><text x={} y=14 font-size=11 fill='#777'>{}</text></svg>",
        l + 4.0,
        esc(lang.pick("— — media de la red", "— — network mean"))
    );
    s
}

/// The change since the previous round in plain words.
fn change_words(m: &Monitor, rows: &[CenterRound], lang: Lang) -> String {
    let last = &rows[rows.len() - 1];
    let (Some((d, se)), Some(t)) = (last.change, last.trend) else {
        return esc(lang.pick(
            "Es la primera ronda observada de este centro: todavía no hay cambio que medir.",
            "This is the center's first observed round: there is no change to measure yet.",
        ));
    };
    let prev = rows.iter().rev().nth(1).map(|r| m.rounds[r.round as usize].clone()).unwrap_or_default();
    let (a, b) = (num(d - m.z * se, 3), num(d + m.z * se, 3));
    let pct = (m.spec.confidence * 100.0).round();
    let what = match t {
        Trend::Improving => lang.pick("mejoró más allá del error de medición", "improved beyond measurement error"),
        Trend::Declining => lang.pick("bajó más allá del error de medición", "declined beyond measurement error"),
        Trend::Stable => lang.pick(
            "no cambió más allá del error de medición (o menos que el cambio mínimo relevante)",
            "did not change beyond measurement error (or less than the minimum meaningful change)",
        ),
    };
    esc(&match lang {
        Lang::Es => format!(
            "Desde la ronda {prev}, el puntaje cambió {} (IC {pct}%: {a} a {b}): el centro {what}.",
            signed(d, 3)
        ),
        Lang::En => format!(
            "Since round {prev}, the score changed by {} ({pct}% CI {a} to {b}): the center {what}.",
            signed(d, 3)
        ),
    })
}

pub fn render(study: &Study, m: &Monitor, rows: &[CenterRound], means: &Means, obs: &Observers, lang: Lang) -> String {
    let last = &rows[rows.len() - 1];
    let c = last.center as usize;
    let t = |es: &str, en: &str| esc(lang.pick(es, en));
    let items = &study.spec.checklist.items;
    let item_list = |ix: &[u16]| -> String {
        if ix.is_empty() {
            return format!("<p class=muted>{}</p>", t("Ninguno destaca.", "None stands out."));
        }
        let li: String = ix
            .iter()
            .map(|&j| {
                format!(
                    "<li>{} <span class=muted>({})</span></li>",
                    esc(items[j as usize].label(lang)),
                    esc(&items[j as usize].id)
                )
            })
            .collect();
        format!("<ol>{li}</ol>")
    };
    let attrs: String = m
        .attr_names
        .iter()
        .zip(&m.attrs[c])
        .map(|(a, v)| format!("{}: <b>{}</b>", esc(a), esc(v)))
        .collect::<Vec<_>>()
        .join(" · ");
    let score = last.eb[0].map_or_else(
        || t("sin puntaje", "no score"),
        |e| {
            format!(
                "{} <span class=muted>({} {}–{})</span>",
                num(e.score, 3),
                t("IC", "CI"),
                num(e.score - m.z * e.sd, 3),
                num(e.score + m.z * e.sd, 3)
            )
        },
    );
    let level = last.level.map_or(String::new(), |l| labels::level(l, lang).to_string());
    let trend = last.trend.map_or(String::new(), |x| labels::trend(x, lang).to_string());
    let rec = last.profile.map_or(String::new(), |p| {
        let (es, en) = m.spec.profile_text(p);
        lang.pick(&es, &en).clone()
    });
    let group_name = means.attr.map(|a| m.attrs[c][a].clone()).unwrap_or_default();
    let mut sub = String::new();
    for s in 1..m.scales.len() {
        let own = last.eb[s].map_or(String::new(), |e| num(e.score, 2));
        let st = means
            .by_group
            .get(&(group_name.clone(), last.round))
            .and_then(|v| v[s])
            .map_or(String::new(), |x| num(x, 2));
        let net = means.network[last.round as usize][s].map_or(String::new(), |x| num(x, 2));
        let mark = if last.priority_subscale == Some(s - 1) { " ◀" } else { "" };
        let _ = write!(
            sub,
            "<tr><td>{}{mark}</td><td class=n><b>{own}</b></td><td class=n>{st}</td><td class=n>{net}</td></tr>",
            esc(&study.subscale_label(&m.scales[s], lang))
        );
    }
    let mut visits = String::new();
    for r in rows {
        let _ = write!(
            visits,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
            esc(&m.rounds[r.round as usize]),
            esc(&r.observers.iter().map(|o| o.to_string()).collect::<Vec<_>>().join(", ")),
            esc(&r.dates.iter().map(|o| o.to_string()).collect::<Vec<_>>().join(", ")),
            r.n_classrooms,
            r.eb[0].map_or(String::new(), |e| num(e.score, 3)),
        );
    }
    let adj = match (m.observer_adjusted, last.unadjusted) {
        (true, Some(u)) => format!(
            "{} {}.",
            t(
                "Puntaje ajustado por la severidad del observador; sin ajuste:",
                "Score adjusted for observer severity; unadjusted:"
            ),
            num(u, 3)
        ),
        _ => esc(obs.note.as_deref().unwrap_or("")),
    };
    format!(
        "<!DOCTYPE html><html lang='{lc}'><head><meta charset='utf-8'><meta name='viewport' content='width=device-width,initial-scale=1'>\
<title>{id}</title><style>{CSS}{PRINT}</style></head><body><main>\
<h1>{id}</h1><p class=muted>{attrs}</p>\
<div class=kpi><div>{t_score} ({round})<b>{score}</b></div><div>{t_level}<b class='{lvc}'>{level}</b></div><div>{t_trend}<b class='{trc}'>{trend}</b></div></div>\
<p><b>{rec}</b></p><p>{change}</p>\
<div class=grid><div><h2>{t_rounds}</h2><figure>{svg}</figure></div>\
<div><h2>{t_sub}</h2><div class=scroll><table><thead><tr><th>{t_subscale}</th><th class=n>{t_center}</th><th class=n>{gname}</th><th class=n>{t_net}</th></tr></thead><tbody>{sub}</tbody></table></div>\
<p class=muted>◀ {t_prio_sub}</p></div>\
<div><h2>{t_strengths}</h2>{strengths}</div><div><h2>{t_priorities}</h2>{priorities}</div></div>\
<h2>{t_visits}</h2><div class=scroll><table><thead><tr><th>{t_round}</th><th>{t_obs}</th><th>{t_dates}</th><th class=n>{t_rooms}</th><th class=n>{t_score}</th></tr></thead><tbody>{visits}</tbody></table></div>\
<p class=muted>{adj} {t_method}</p></main></body></html>",
        lc = lang.code(),
        id = esc(&m.centers[c]),
        round = esc(&m.rounds[last.round as usize]),
        lvc = last.level.map_or("", |l| l.as_str()),
        trc = last.trend.map_or("", |x| x.as_str()),
        rec = esc(&rec),
        change = change_words(m, rows, lang),
        svg = rounds_svg(m, rows, means, lang),
        gname = if group_name.is_empty() { t("grupo", "group") } else { esc(&group_name) },
        strengths = item_list(&last.strengths),
        priorities = item_list(&last.priority_items),
        t_score = t("Puntaje", "Score"),
        t_level = t("Nivel", "Level"),
        t_trend = t("Tendencia", "Trend"),
        t_rounds = t("Puntaje e intervalo por ronda", "Score and interval by round"),
        t_sub = t("Subescalas (última ronda)", "Subscales (latest round)"),
        t_subscale = t("Subescala", "Subscale"),
        t_center = t("Centro", "Center"),
        t_net = t("Red", "Network"),
        t_prio_sub = t("subescala prioritaria", "priority subscale"),
        t_strengths = t("Tres fortalezas", "Three strengths"),
        t_priorities = t("Tres reactivos prioritarios", "Three priority items"),
        t_visits = t("Visitas", "Visits"),
        t_round = t("Ronda", "Round"),
        t_obs = t("Observador(es)", "Observer(s)"),
        t_dates = t("Fechas", "Dates"),
        t_rooms = t("Salas", "Classrooms"),
        t_method = t(
            "Puntaje: estimación empírica bayesiana (modelo multinivel) con su intervalo; fortalezas y prioridades: reactivos más por encima y por debajo de la red en la última ronda.",
            "Score: empirical-Bayes estimate (multilevel model) with its interval; strengths and priorities: the items furthest above and below the network in the latest round.",
        ),
    )
}
