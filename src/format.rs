//! APA-style number formatting: no leading zero for statistics bounded by ±1 (r, α, κ,
//! proportions), two decimals by default, CIs in brackets.

/// `0.834` → `.83`, `-0.2` → `−.20` (bounded statistics).
/// HTML-escape text (`& < > " '`), for every HTML the tool writes.
pub fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

pub fn bounded(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let s = s.strip_prefix('0').unwrap_or(&s).to_string();
    let zero = s.chars().all(|c| c == '0' || c == '.');
    if x < 0.0 && !zero {
        format!("−{s}")
    } else {
        s
    }
}

/// Unbounded number with fixed decimals and a true minus sign.
pub fn num(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let zero = s.chars().all(|c| c == '0' || c == '.');
    if x < 0.0 && !zero {
        format!("−{s}")
    } else {
        s
    }
}

pub fn opt_num(x: Option<f64>, decimals: usize) -> String {
    x.map(|v| num(v, decimals)).unwrap_or_else(|| "NA".into())
}

pub fn opt_bounded(x: Option<f64>, decimals: usize) -> String {
    x.map(|v| bounded(v, decimals)).unwrap_or_else(|| "NA".into())
}

/// `[1.23, 4.56]`
pub fn ci(low: Option<f64>, high: Option<f64>, decimals: usize, is_bounded: bool) -> String {
    match (low, high) {
        (Some(l), Some(h)) => {
            let f = |v| if is_bounded { bounded(v, decimals) } else { num(v, decimals) };
            format!("[{}, {}]", f(l), f(h))
        }
        _ => "—".into(),
    }
}

/// Percentage with one decimal: `0.1834` → `18.3%`.
pub fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// p-values APA style: `< .001` or `.034`.
pub fn p_value(p: f64) -> String {
    if p < 0.001 {
        "< .001".into()
    } else {
        bounded(p, 3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn apa() {
        assert_eq!(bounded(0.834, 2), ".83");
        assert_eq!(bounded(-0.2, 2), "−.20");
        assert_eq!(bounded(1.0, 2), "1.00");
        assert_eq!(bounded(-0.001, 2), ".00");
        assert_eq!(num(3.14659, 2), "3.15");
        assert_eq!(num(-2.1, 1), "−2.1");
        assert_eq!(ci(Some(0.71), Some(0.88), 2, true), "[.71, .88]");
        assert_eq!(p_value(0.0004), "< .001");
        assert_eq!(p_value(0.0342), ".034");
        assert_eq!(pct(0.1834), "18.3%");
    }
}
