//! Printing records as an aligned table, JSON (`{"results": [...]}`) or CSV.

use crate::choices::Lang;
use crate::results::Record;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

fn fmt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.4}")).unwrap_or_default()
}

fn ctx_value(r: &Record, k: &str) -> String {
    match r.context.get(k) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

pub fn render(records: &[Record], format: Format, lang: Lang) -> String {
    match format {
        Format::Json => crate::results::to_json(records),
        Format::Csv => csv(records),
        Format::Table => table(records, lang),
    }
}

fn csv(records: &[Record]) -> String {
    let keys: BTreeSet<&String> = records.iter().flat_map(|r| r.context.keys()).collect();
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut head: Vec<String> =
        ["statistic", "estimate", "se", "ci_low", "ci_high", "ci_level", "ci_method", "p_value", "n", "na_reason"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    head.extend(keys.iter().map(|k| k.to_string()));
    w.write_record(&head).expect("csv");
    let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for r in records {
        let mut row = vec![
            r.statistic.clone(),
            num(r.estimate),
            num(r.se),
            num(r.ci_low),
            num(r.ci_high),
            num(r.ci_level),
            r.ci_method.clone().unwrap_or_default(),
            num(r.p_value),
            r.n.map(|n| n.to_string()).unwrap_or_default(),
            r.na_reason.clone().unwrap_or_default(),
        ];
        row.extend(keys.iter().map(|k| crate::io::frame::neutralize(&ctx_value(r, k)).into_owned()));
        w.write_record(&row).expect("csv");
    }
    String::from_utf8(w.into_inner().expect("csv")).expect("utf8")
}

fn table(records: &[Record], lang: Lang) -> String {
    let (cuts, main): (Vec<&Record>, Vec<&Record>) = records.iter().partition(|r| r.statistic == "cutoff");
    let main: Vec<Record> = main.into_iter().cloned().collect();
    let mut s = main_table(&main, lang);
    if !cuts.is_empty() {
        s.push_str("\ncut-offs (flag: ");
        s.push_str(&ctx_value(cuts[0], "flag"));
        s.push_str(")\n");
        let mut rows = vec![vec![
            "threshold".to_string(),
            "sensitivity".into(),
            "specificity".into(),
            "ppv".into(),
            "npv".into(),
            "youden_j".into(),
        ]];
        for c in cuts {
            let g = |k: &str| c.context.get(k).and_then(|v| v.as_f64()).map(|v| format!("{v:.4}")).unwrap_or_default();
            rows.push(vec![g("threshold"), g("sensitivity"), g("specificity"), g("ppv"), g("npv"), fmt(c.estimate)]);
        }
        s.push_str(&align(&rows, &[0, 1, 2, 3, 4, 5]));
    }
    s
}

fn align(rows: &[Vec<String>], right: &[usize]) -> String {
    let widths: Vec<usize> =
        (0..rows[0].len()).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut s = String::new();
    for (i, r) in rows.iter().enumerate() {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, v)| {
                let pad = widths[c] - v.chars().count();
                if right.contains(&c) && i > 0 {
                    format!("{}{v}", " ".repeat(pad))
                } else {
                    format!("{v}{}", " ".repeat(pad))
                }
            })
            .collect();
        s.push_str(line.join("  ").trim_end());
        s.push('\n');
    }
    s
}

fn main_table(records: &[Record], lang: Lang) -> String {
    let tag_keys = [
        "factor",
        "item",
        "factor2",
        "lhs",
        "op",
        "rhs",
        "x",
        "y",
        "level",
        "weights",
        "threshold",
        "ci_kind",
        "direction",
        "basis",
        "kind",
        "index",
        "theta",
        "test",
        "model",
    ];
    let mut rows: Vec<Vec<String>> = vec![vec![
        "statistic".into(),
        "for".into(),
        "estimate".into(),
        "se".into(),
        "CI".into(),
        "p".into(),
        "n".into(),
        "note".into(),
    ]];
    for r in records {
        let mut tag: Vec<String> = tag_keys.iter().filter_map(|k| r.context.get(*k).map(|_| ctx_value(r, k))).collect();
        // G theory: the effect, and the D-study sample sizes as `n_item=4`.
        if let Some(e) = r.ctx_str("effect") {
            tag.push(e.to_string());
        }
        for (k, v) in r.context.iter().filter(|(k, _)| k.starts_with("n_") && r.statistic != "variance_component") {
            if r.context.contains_key("design") {
                tag.push(format!("{k}={}", v.as_f64().map(|x| format!("{x}")).unwrap_or_else(|| v.to_string())));
            }
        }
        let ci = match (r.ci_low, r.ci_high) {
            (Some(a), Some(b)) => format!("[{a:.4}, {b:.4}]"),
            _ => String::new(),
        };
        let note = r
            .na_reason
            .clone()
            .or_else(|| r.ctx_str("interpretation").map(|c| crate::report::i18n::interpretation(lang, c, &r.statistic)))
            .or_else(|| r.ci_method.clone())
            .unwrap_or_default();
        rows.push(vec![
            r.statistic.clone(),
            tag.join(" "),
            r.estimate.map(|x| format!("{x:.4}")).unwrap_or_else(|| "NA".into()),
            fmt(r.se),
            ci,
            r.p_value.map(|p| if p < 1e-4 { "<.0001".into() } else { format!("{p:.4}") }).unwrap_or_default(),
            r.n.map(|n| n.to_string()).unwrap_or_default(),
            note,
        ]);
    }
    align(&rows, &[2, 3, 4, 5, 6])
}
