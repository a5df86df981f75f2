//! Spanish and English words of the dashboard and cards.

use crate::choices::Lang;
use crate::study::monitor_spec::{QualityLevel, Trend};

pub fn trend(t: Trend, lang: Lang) -> &'static str {
    match t {
        Trend::Improving => lang.pick("mejorando", "improving"),
        Trend::Stable => lang.pick("estable", "stable"),
        Trend::Declining => lang.pick("en descenso", "declining"),
    }
}

pub fn level(l: QualityLevel, lang: Lang) -> &'static str {
    match l {
        QualityLevel::Low => lang.pick("bajo", "low"),
        QualityLevel::Medium => lang.pick("medio", "medium"),
        QualityLevel::High => lang.pick("alto", "high"),
    }
}

/// Number with `d` decimals (Mexican Spanish and English both use the decimal point).
pub fn num(x: f64, d: usize) -> String {
    format!("{x:.d$}").replace('-', "−")
}

/// A signed change.
pub fn signed(x: f64, d: usize) -> String {
    format!("{x:+.d$}").replace('-', "−")
}

pub const CSS: &str = r#"
*{box-sizing:border-box}body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2530;background:#fff}
main{max-width:1100px;margin:0 auto;padding:12px 16px}h1{font-size:1.45rem;margin:.4em 0}h2{font-size:1.15rem;margin:1.2em 0 .4em;border-bottom:1px solid #d9dee5;padding-bottom:.2em}
.muted{color:#5b6675}.kpi{display:flex;flex-wrap:wrap;gap:10px}.kpi div{background:#f3f5f8;border-radius:6px;padding:8px 12px;min-width:120px}
.kpi b{display:block;font-size:1.3rem}svg{max-width:100%;height:auto}figure{margin:0}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{padding:4px 6px;border-bottom:1px solid #e4e8ee;text-align:left;white-space:nowrap}
th{background:#f3f5f8;position:sticky;top:0}td.n,th.n{text-align:right}.scroll{overflow-x:auto;max-width:100%}
.low{color:#b3261e}.high{color:#1b6e3a}.declining{color:#b3261e}.improving{color:#1b6e3a}
.controls{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}.controls input,.controls select,.controls button{font:inherit;padding:4px 6px;max-width:100%}
.pager{display:flex;gap:8px;align-items:center;margin:8px 0}canvas{width:100%;max-width:900px;height:auto;border:1px solid #e4e8ee}
@media (max-width:600px){body{font-size:14px}main{padding:8px}.kpi div{min-width:44%}.controls>*{flex:1 1 100%}}
"#;
