//! Interpretation labels. They describe a coefficient; they never gate anything. Records carry
//! the language-neutral code ([`Interpretation::code`]); the report translates it.
//!
//! - κ-type: Landis & Koch (1977) `<0 poor, ≤.20 slight, ≤.40 fair, ≤.60 moderate, ≤.80
//!   substantial, else almost perfect`; Altman (1991) `≤.20 poor, ≤.40 fair, ≤.60 moderate,
//!   ≤.80 good, else very good`.
//! - ICC: Koo & Li (2016) `<.50 poor, <.75 moderate, <.90 good, else excellent`; Cicchetti
//!   (1994) `<.40 poor, <.60 fair, <.75 good, else excellent`.

use clap::ValueEnum;
use serde::{Deserialize, Serialize};

/// Interpretation scale for κ-type coefficients (`analysis.kappa_scale`, `--kappa-scale`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum KappaScale {
    #[default]
    LandisKoch,
    Altman,
}

/// Interpretation scale for ICCs (`analysis.icc_scale`, `--icc-scale`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum IccScale {
    #[default]
    KooLi,
    Cicchetti,
}

/// The verbal band a coefficient falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpretation {
    Poor,
    Slight,
    Fair,
    Moderate,
    Substantial,
    AlmostPerfect,
    Good,
    VeryGood,
    Excellent,
}

impl Interpretation {
    pub const ALL: [Interpretation; 9] = [
        Interpretation::Poor,
        Interpretation::Slight,
        Interpretation::Fair,
        Interpretation::Moderate,
        Interpretation::Substantial,
        Interpretation::AlmostPerfect,
        Interpretation::Good,
        Interpretation::VeryGood,
        Interpretation::Excellent,
    ];
    /// The code written to records (`"interpretation": "almost_perfect"`).
    pub fn code(self) -> &'static str {
        match self {
            Interpretation::Poor => "poor",
            Interpretation::Slight => "slight",
            Interpretation::Fair => "fair",
            Interpretation::Moderate => "moderate",
            Interpretation::Substantial => "substantial",
            Interpretation::AlmostPerfect => "almost_perfect",
            Interpretation::Good => "good",
            Interpretation::VeryGood => "very_good",
            Interpretation::Excellent => "excellent",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.code() == code)
    }
}

impl KappaScale {
    pub fn label(self, k: f64) -> Interpretation {
        use Interpretation::*;
        match self {
            KappaScale::LandisKoch => match k {
                x if x < 0.0 => Poor,
                x if x <= 0.20 => Slight,
                x if x <= 0.40 => Fair,
                x if x <= 0.60 => Moderate,
                x if x <= 0.80 => Substantial,
                _ => AlmostPerfect,
            },
            KappaScale::Altman => match k {
                x if x <= 0.20 => Poor,
                x if x <= 0.40 => Fair,
                x if x <= 0.60 => Moderate,
                x if x <= 0.80 => Good,
                _ => VeryGood,
            },
        }
    }
}

impl IccScale {
    pub fn label(self, v: f64) -> Interpretation {
        use Interpretation::*;
        match self {
            IccScale::KooLi => match v {
                x if x < 0.5 => Poor,
                x if x < 0.75 => Moderate,
                x if x < 0.9 => Good,
                _ => Excellent,
            },
            IccScale::Cicchetti => match v {
                x if x < 0.4 => Poor,
                x if x < 0.6 => Fair,
                x if x < 0.75 => Good,
                _ => Excellent,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Interpretation::*;
    #[test]
    fn boundaries() {
        assert_eq!(KappaScale::LandisKoch.label(0.20), Slight);
        assert_eq!(KappaScale::LandisKoch.label(0.61), Substantial);
        assert_eq!(KappaScale::LandisKoch.label(-0.1), Poor);
        assert_eq!(KappaScale::Altman.label(0.7), Good);
        assert_eq!(IccScale::KooLi.label(0.75), Good);
        assert_eq!(IccScale::KooLi.label(0.9), Excellent);
        assert_eq!(IccScale::Cicchetti.label(0.59), Fair);
        for i in Interpretation::ALL {
            assert_eq!(Interpretation::from_code(i.code()), Some(i));
        }
    }
}
