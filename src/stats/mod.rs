//! Pure statistics over slices and matrices: no I/O, no polars.
//!
//! Every function that can be undefined for its input (zero variance, n too small, perfect
//! agreement where a ratio is 0/0) returns `Err(Na)` with a reason instead of NaN, infinity or a
//! panic. Each public statistic documents its formula, CI method, reference and the test that
//! pins it; `docs/statistics.md` mirrors these.

pub mod agreement;
pub mod bland_altman;
pub mod bootstrap;
pub mod cfa;
pub mod consistency;
pub mod correlation;
pub mod descriptive;
pub mod dif;
pub mod efa;
pub mod gtheory;
pub mod icc;
pub mod irt;
pub mod item_tables;
pub mod labels;
pub mod linalg;
pub mod multilevel;
pub mod polychoric;
pub mod regression;
pub mod roc;
pub mod rotation;
pub mod shrinkage;
pub mod ttest;

use std::fmt;

/// "Not available", with the reason. Displayed in outputs as NA plus the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Na(pub String);

impl Na {
    pub fn new(s: impl Into<String>) -> Na {
        Na(s.into())
    }
}

impl fmt::Display for Na {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub type StatResult<T> = Result<T, Na>;

/// Guard: turn a non-finite value into NA with the given reason.
pub fn finite(x: f64, reason: &str) -> StatResult<f64> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(Na::new(reason))
    }
}

/// Values present in `x` (drops `None`).
pub fn present(x: &[Option<f64>]) -> Vec<f64> {
    x.iter().flatten().copied().collect()
}

/// Pairs where both are present.
pub fn complete_pairs(x: &[Option<f64>], y: &[Option<f64>]) -> (Vec<f64>, Vec<f64>) {
    let mut a = Vec::new();
    let mut b = Vec::new();
    for (u, v) in x.iter().zip(y) {
        if let (Some(u), Some(v)) = (u, v) {
            a.push(*u);
            b.push(*v);
        }
    }
    (a, b)
}
