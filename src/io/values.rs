//! Cell-level parsing: numbers with either decimal mark, dates and times in the formats field
//! platforms write (ISO 8601, day-first `DD/MM/YYYY`, SurveyCTO's `Mar 3, 2026 9:05:11 AM`).

use super::dialect::DecimalMark;

/// Why a cell could not be read as a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumError {
    NotANumber,
    NonFinite,
}

/// Parse a number written with `mark` as decimal separator. `NaN`, `Inf` and friends are rejected:
/// they are never valid ratings.
pub fn parse_number(s: &str, mark: DecimalMark) -> Result<f64, NumError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(NumError::NotANumber);
    }
    let lower = t.to_ascii_lowercase();
    if matches!(lower.trim_start_matches(['-', '+']), "nan" | "inf" | "infinity") {
        return Err(NumError::NonFinite);
    }
    let owned;
    let t = match mark {
        DecimalMark::Comma if t.contains(',') => {
            owned = t.replacen(',', ".", 1);
            owned.as_str()
        }
        _ => t,
    };
    if !t.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E')) {
        return Err(NumError::NotANumber);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(NumError::NonFinite),
        Err(_) => Err(NumError::NotANumber),
    }
}

/// A civil date-time without time zone: days since 1970-01-01 and seconds since midnight.
/// Stored in two `i32` (±5.8 million years of days): an observation carries three of them, so
/// `Option<DateTime>` is 12 bytes instead of 24 across a national export's million rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    days: i32,
    secs: i32,
}

impl DateTime {
    /// `None` when the day is outside `i32` or the seconds outside one day (86,400 is a leap
    /// second's `23:59:60`).
    pub fn new(days: i64, secs: i64) -> Option<DateTime> {
        if !(0..=86_400).contains(&secs) {
            return None;
        }
        Some(DateTime { days: i32::try_from(days).ok()?, secs: secs as i32 })
    }
    /// Days since 1970-01-01.
    pub fn days(&self) -> i64 {
        i64::from(self.days)
    }
    pub fn timestamp(&self) -> i64 {
        self.days() * 86_400 + i64::from(self.secs)
    }
    pub fn date_iso(&self) -> String {
        let (y, m, d) = civil_from_days(self.days());
        format!("{y:04}-{m:02}-{d:02}")
    }
    pub fn iso(&self) -> String {
        format!("{}T{:02}:{:02}:{:02}", self.date_iso(), self.secs / 3600, (self.secs / 60) % 60, self.secs % 60)
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn valid_ymd(y: i64, m: u32, d: u32) -> bool {
    if !(1900..=2200).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let dim = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(m - 1) as usize];
    d <= dim
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const MESES: [&str; 12] = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"];

fn month_from_name(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    if b.len() < 3 {
        return None;
    }
    let s3 = [b[0].to_ascii_lowercase(), b[1].to_ascii_lowercase(), b[2].to_ascii_lowercase()];
    MONTHS
        .iter()
        .position(|m| m.as_bytes() == s3)
        .or_else(|| MESES.iter().position(|m| m.as_bytes() == s3))
        .map(|i| i as u32 + 1)
}

/// Strip a case-insensitive ASCII suffix.
fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let n = suffix.len();
    if s.len() >= n && s.is_char_boundary(s.len() - n) && s[s.len() - n..].eq_ignore_ascii_case(suffix) {
        Some(&s[..s.len() - n])
    } else {
        None
    }
}

fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    let (s, pm) = if let Some(x) = strip_suffix_ci(s, "pm").or_else(|| strip_suffix_ci(s, "p.m.")) {
        (x.trim(), Some(true))
    } else if let Some(x) = strip_suffix_ci(s, "am").or_else(|| strip_suffix_ci(s, "a.m.")) {
        (x.trim(), Some(false))
    } else {
        (s, None)
    };
    // Drop a time-zone suffix (Z or ±hh:mm): times are kept as local wall-clock.
    let s = s.trim_end_matches(['z', 'Z']);
    let s = match s.find(['+', '-']) {
        Some(i) if i > 0 => &s[..i],
        _ => s,
    };
    let mut parts = s.split(':');
    let h: i64 = parts.next()?.trim().parse().ok()?;
    let m: i64 = parts.next()?.trim().parse().ok()?;
    let sec: f64 = parts.next().map(|x| x.trim().parse().ok()).unwrap_or(Some(0.0))?;
    if parts.next().is_some() || !(0..60).contains(&m) || !(0.0..61.0).contains(&sec) {
        return None;
    }
    let h = match pm {
        Some(true) if (1..=12).contains(&h) => h % 12 + 12,
        Some(false) if (1..=12).contains(&h) => h % 12,
        Some(_) => return None,
        None if (0..24).contains(&h) => h,
        None => return None,
    };
    Some(h * 3600 + m * 60 + sec as i64)
}

/// Parse a date or date-time. Accepted: `2026-03-04`, `2026-03-04T09:05:11(.000)(Z|-06:00)`,
/// `2026-03-04 09:05`, `04/03/2026 (09:05(:11))` (day first, as in Mexico), and SurveyCTO's
/// `Mar 4, 2026 9:05:11 AM` (English or Spanish month abbreviations).
pub fn parse_datetime(s: &str) -> Option<DateTime> {
    // The shape of SurveyCTO exports, three per row of a million-row file: read on the bytes.
    if let Some(d) = surveycto_exact(s.as_bytes()) {
        return Some(d);
    }
    parse_datetime_general(s)
}

/// The value of a `digits` run of ASCII digits, or `None`.
fn ascii_number(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 4 {
        return None;
    }
    b.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
}

/// SurveyCTO's `Mar 4, 2026 9:05:11 AM` exactly (1–2 digit day and hour, `AM`/`PM` in any case),
/// with the same checks as [`parse_datetime_general`], which reads every other spelling; `None`
/// for any other shape. Test `surveycto_fast_path_equals_general`.
fn surveycto_exact(b: &[u8]) -> Option<DateTime> {
    let n = b.len();
    if !(22..=24).contains(&n) || b[3] != b' ' {
        return None;
    }
    let comma = 4 + b[4..7].iter().position(|&c| c == b',')?;
    if b.get(comma + 1) != Some(&b' ') || b.get(comma + 6) != Some(&b' ') {
        return None;
    }
    let mon = month_from_name(std::str::from_utf8(&b[..3]).ok()?)?;
    let day = ascii_number(&b[4..comma])?;
    let y = ascii_number(&b[comma + 2..comma + 6])? as i64;
    let t = &b[comma + 7..];
    let colon = t.iter().position(|&c| c == b':')?;
    if !(1..=2).contains(&colon) || t.len() != colon + 9 || t[colon + 3] != b':' || t[colon + 6] != b' ' {
        return None;
    }
    let (h, m, sec) =
        (ascii_number(&t[..colon])?, ascii_number(&t[colon + 1..colon + 3])?, ascii_number(&t[colon + 4..colon + 6])?);
    let pm = match [t[colon + 7].to_ascii_lowercase(), t[colon + 8].to_ascii_lowercase()] {
        [b'a', b'm'] => false,
        [b'p', b'm'] => true,
        _ => return None,
    };
    if !valid_ymd(y, mon, day) || !(1..=12).contains(&h) || m >= 60 || sec > 60 {
        return None;
    }
    let h = if pm { h % 12 + 12 } else { h % 12 };
    DateTime::new(days_from_civil(y, mon, day), i64::from(h * 3600 + m * 60 + sec))
}

/// Every accepted spelling (see [`parse_datetime`]).
fn parse_datetime_general(s: &str) -> Option<DateTime> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let b = s.as_bytes();
    // ISO
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        let y: i64 = s[0..4].parse().ok()?;
        let m: u32 = s[5..7].parse().ok()?;
        let d: u32 = s[8..10].parse().ok()?;
        if !valid_ymd(y, m, d) {
            return None;
        }
        let secs = if b.len() > 10 {
            if b[10] != b'T' && b[10] != b' ' {
                return None;
            }
            parse_time(&s[11..])?
        } else {
            0
        };
        return DateTime::new(days_from_civil(y, m, d), secs);
    }
    // Day-first with slashes
    if let Some((date, rest)) = s.split_once(' ').map(|(a, b)| (a, Some(b))).or(Some((s, None))) {
        let mut parts = date.split('/');
        if let (Some(d), Some(m), Some(y), None) = (parts.next(), parts.next(), parts.next(), parts.next()) {
            let d: u32 = d.parse().ok()?;
            let m: u32 = m.parse().ok()?;
            let y: i64 = y.parse().ok()?;
            if !valid_ymd(y, m, d) {
                return None;
            }
            let secs = match rest {
                Some(r) => parse_time(r)?,
                None => 0,
            };
            return DateTime::new(days_from_civil(y, m, d), secs);
        }
    }
    // SurveyCTO: "Mar 4, 2026 9:05:11 AM"
    let mut it = s.splitn(3, ' ');
    let mon = month_from_name(it.next()?)?;
    let day: u32 = it.next()?.trim_end_matches(',').parse().ok()?;
    let rest = it.next()?;
    let (year, time) = match rest.split_once(' ') {
        Some((y, t)) => (y, Some(t)),
        None => (rest, None),
    };
    let y: i64 = year.parse().ok()?;
    if !valid_ymd(y, mon, day) {
        return None;
    }
    let secs = match time {
        Some(t) => parse_time(t)?,
        None => 0,
    };
    DateTime::new(days_from_civil(y, mon, day), secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    /// The compact date-time keeps every day an `i32` holds and rejects the rest (and seconds
    /// outside one day, a leap second allowed) instead of wrapping.
    #[test]
    fn date_time_range() {
        let max = i64::from(i32::MAX);
        assert_eq!(DateTime::new(max, 86_400).map(|d| (d.days(), d.timestamp())), Some((max, (max + 1) * 86_400)));
        assert_eq!(DateTime::new(-max - 1, 0).map(|d| d.days()), Some(-max - 1));
        assert_eq!(DateTime::new(max + 1, 0), None);
        assert_eq!(DateTime::new(-max - 2, 0), None);
        assert_eq!(DateTime::new(0, -1), None);
        assert_eq!(DateTime::new(0, 86_401), None);
        assert_eq!(DateTime::new(20_000, 3_600).map(|d| d.iso()), Some("2024-10-04T01:00:00".to_string()));
    }
    #[test]
    fn numbers() {
        assert_eq!(parse_number("3,5", DecimalMark::Comma), Ok(3.5));
        assert_eq!(parse_number(" 7 ", DecimalMark::Point), Ok(7.0));
        assert_eq!(parse_number("NaN", DecimalMark::Point), Err(NumError::NonFinite));
        assert_eq!(parse_number("-inf", DecimalMark::Point), Err(NumError::NonFinite));
        assert_eq!(parse_number("1e999", DecimalMark::Point), Err(NumError::NonFinite));
        assert_eq!(parse_number("Sí", DecimalMark::Point), Err(NumError::NotANumber));
        assert_eq!(parse_number("3,5", DecimalMark::Point), Err(NumError::NotANumber));
    }
    #[test]
    fn civil_roundtrip() {
        for z in [-1000, 0, 1, 19_000, 20_500, 60_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }
    #[test]
    fn datetimes() {
        let a = parse_datetime("2026-03-04T09:05:11.000-06:00").unwrap();
        assert_eq!(a.iso(), "2026-03-04T09:05:11");
        assert_eq!(parse_datetime("Mar 4, 2026 9:05:11 PM").unwrap().iso(), "2026-03-04T21:05:11");
        assert_eq!(parse_datetime("Mar 4, 2026 12:05:11 AM").unwrap().iso(), "2026-03-04T00:05:11");
        assert_eq!(parse_datetime("04/03/2026 09:05").unwrap().iso(), "2026-03-04T09:05:00");
        assert_eq!(parse_datetime("2026-03-04").unwrap().date_iso(), "2026-03-04");
        assert!(parse_datetime("2026-02-30").is_none());
        assert!(parse_datetime("mañana").is_none());
    }

    /// The byte-level reading of SurveyCTO's shape gives what the general parser gives, on
    /// that shape (valid or not: day 0–39, hour 0–19, minute and second 0–69, both meridiems in
    /// two cases, real and made-up months) and on near misses around it.
    #[test]
    fn surveycto_fast_path_equals_general() {
        use proptest::prelude::*;
        let shape = (
            prop::sample::select(vec!["Jan", "Feb", "mar", "ABR", "Dic", "Sep", "Foo", "Ma1"]),
            0u32..40,
            prop::sample::select(vec![1899i64, 1900, 2024, 2026, 2200, 2201]),
            0u32..20,
            0u32..70,
            0u32..70,
            prop::sample::select(vec!["AM", "PM", "am", "pm", "Pm", "AX"]),
            prop::bool::ANY,
        );
        use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
        let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
        let mut runner = TestRunner::new_with_rng(Config::with_cases(4096), rng);
        runner
            .run(&shape, |(mon, d, y, h, m, s, ap, pad)| {
                let text = if pad {
                    format!("{mon} {d:02}, {y} {h:02}:{m:02}:{s:02} {ap}")
                } else {
                    format!("{mon} {d}, {y} {h}:{m:02}:{s:02} {ap}")
                };
                let general = parse_datetime_general(&text);
                let fast = surveycto_exact(text.as_bytes());
                prop_assert!(fast.is_none() || fast == general, "{text}: {fast:?} vs {general:?}");
                prop_assert_eq!(parse_datetime(&text), general);
                Ok(())
            })
            .unwrap();
        let hits = ["Mar 4, 2026 9:05:11 AM", "Dic 31, 2026 12:59:59 pm", "feb 29, 2024 1:00:60 AM"];
        for t in hits {
            assert!(surveycto_exact(t.as_bytes()).is_some(), "{t}");
            assert_eq!(surveycto_exact(t.as_bytes()), parse_datetime_general(t), "{t}");
        }
        for t in [
            "Mar 4, 2026 9:05 AM",
            "Mar 4 2026 9:05:11 AM",
            " Mar 4, 2026 9:05:11 AM",
            "Mar 4, 2026 9:05:11.5 AM",
            "Mar 4, 2026 19:05:11",
        ] {
            assert!(surveycto_exact(t.as_bytes()).is_none(), "{t}");
            assert_eq!(parse_datetime(t), parse_datetime_general(t), "{t}");
        }
    }
}
