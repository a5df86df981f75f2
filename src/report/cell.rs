//! A table cell of the report: the text documents show (HTML, Markdown, LaTeX: `.44 [.38, .51]`)
//! and the numbers behind it, which `tables.xlsx` and `tables/*.csv` write as numeric cells
//! (an estimate with a CI becomes three numeric columns: estimate, ci_low, ci_high).

use crate::format::{bounded, ci, num, pct};
use crate::io::export::NumFormat;

/// The numbers behind a cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text only (labels, names, verdicts).
    None,
    /// One number (`None` when NA).
    Num(Option<f64>, NumFormat),
    /// An estimate with its confidence interval.
    Est { v: Option<f64>, lo: Option<f64>, hi: Option<f64>, fmt: NumFormat },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub value: Value,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, value: Value::None }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell { text: text.to_string(), value: Value::None }
    }
}

impl From<&String> for Cell {
    fn from(text: &String) -> Cell {
        Cell { text: text.clone(), value: Value::None }
    }
}

/// A row of cells from anything that converts into a [`Cell`].
#[macro_export]
macro_rules! cells {
    ($($c:expr),* $(,)?) => { vec![$($crate::report::cell::Cell::from($c)),*] };
}

impl Cell {
    /// A number with the text it shows.
    pub fn num(text: String, v: Option<f64>, fmt: NumFormat) -> Cell {
        Cell { text, value: Value::Num(v.filter(|x| x.is_finite()), fmt) }
    }
    /// A count; `missing` is shown when absent.
    pub fn count(n: Option<usize>, missing: &str) -> Cell {
        Cell::num(
            n.map(|n| n.to_string()).unwrap_or_else(|| missing.to_string()),
            n.map(|n| n as f64),
            NumFormat::Integer,
        )
    }
    /// A bounded statistic (r, α, κ: no leading zero), "NA" when absent.
    pub fn bounded(v: Option<f64>, decimals: usize) -> Cell {
        let text = v.map(|x| bounded(x, decimals)).unwrap_or_else(|| "NA".into());
        Cell::num(text, v, if decimals >= 3 { NumFormat::Dec3 } else { NumFormat::Dec2 })
    }
    /// A plain number, "NA" when absent.
    pub fn plain(v: Option<f64>, decimals: usize) -> Cell {
        let text = v.map(|x| num(x, decimals)).unwrap_or_else(|| "NA".into());
        let fmt = match decimals {
            0 => NumFormat::Integer,
            1 | 2 => NumFormat::Dec2,
            _ => NumFormat::Dec3,
        };
        Cell::num(text, v, fmt)
    }
    /// A proportion shown as a percentage, "NA" when absent.
    pub fn pct(v: Option<f64>) -> Cell {
        Cell::num(v.map(pct).unwrap_or_else(|| "NA".into()), v, NumFormat::Percent)
    }
    /// An estimate and its CI with the text already formatted.
    pub fn est_text(text: String, v: Option<f64>, lo: Option<f64>, hi: Option<f64>, fmt: NumFormat) -> Cell {
        let f = |x: Option<f64>| x.filter(|x| x.is_finite());
        Cell { text, value: Value::Est { v: f(v), lo: f(lo), hi: f(hi), fmt } }
    }
    /// `est [lo, hi]` for a bounded statistic (the CI part left out when there is none).
    pub fn bounded_ci(v: Option<f64>, lo: Option<f64>, hi: Option<f64>, decimals: usize) -> Cell {
        let text = match v {
            Some(x) if lo.is_some() => format!("{} {}", bounded(x, decimals), ci(lo, hi, decimals, true)),
            Some(x) => bounded(x, decimals),
            None => "NA".into(),
        };
        Cell::est_text(text, v, lo, hi, if decimals >= 3 { NumFormat::Dec3 } else { NumFormat::Dec2 })
    }
    /// A CI alone (`[lo, hi]`), `missing` when absent.
    pub fn ci_only(lo: Option<f64>, hi: Option<f64>, decimals: usize, is_bounded: bool, missing: &str) -> Cell {
        let text = if lo.is_some() && hi.is_some() { ci(lo, hi, decimals, is_bounded) } else { missing.to_string() };
        let fmt = if decimals >= 3 { NumFormat::Dec3 } else { NumFormat::Dec2 };
        Cell::est_text(text, None, lo, hi, fmt)
    }
}
