//! Interpretation labels. They describe a coefficient; they never gate anything.
//!
//! - κ-type: Landis & Koch (1977) `<0 poor, ≤.20 slight, ≤.40 fair, ≤.60 moderate, ≤.80
//!   substantial, else almost perfect`; Altman (1991) `≤.20 poor, ≤.40 fair, ≤.60 moderate,
//!   ≤.80 good, else very good`.
//! - ICC: Koo & Li (2016) `<.50 poor, <.75 moderate, <.90 good, else excellent`; Cicchetti
//!   (1994) `<.40 poor, <.60 fair, <.75 good, else excellent`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KappaScale {
    LandisKoch,
    Altman,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IccScale {
    KooLi,
    Cicchetti,
}

impl KappaScale {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "landis-koch" => Some(KappaScale::LandisKoch),
            "altman" => Some(KappaScale::Altman),
            _ => None,
        }
    }
    pub fn label(self, k: f64, lang: &str) -> &'static str {
        let es = lang == "es";
        match self {
            KappaScale::LandisKoch => match k {
                x if x < 0.0 => {
                    if es {
                        "pobre"
                    } else {
                        "poor"
                    }
                }
                x if x <= 0.20 => {
                    if es {
                        "leve"
                    } else {
                        "slight"
                    }
                }
                x if x <= 0.40 => {
                    if es {
                        "aceptable"
                    } else {
                        "fair"
                    }
                }
                x if x <= 0.60 => {
                    if es {
                        "moderado"
                    } else {
                        "moderate"
                    }
                }
                x if x <= 0.80 => {
                    if es {
                        "sustancial"
                    } else {
                        "substantial"
                    }
                }
                _ => {
                    if es {
                        "casi perfecto"
                    } else {
                        "almost perfect"
                    }
                }
            },
            KappaScale::Altman => match k {
                x if x <= 0.20 => {
                    if es {
                        "pobre"
                    } else {
                        "poor"
                    }
                }
                x if x <= 0.40 => {
                    if es {
                        "aceptable"
                    } else {
                        "fair"
                    }
                }
                x if x <= 0.60 => {
                    if es {
                        "moderado"
                    } else {
                        "moderate"
                    }
                }
                x if x <= 0.80 => {
                    if es {
                        "bueno"
                    } else {
                        "good"
                    }
                }
                _ => {
                    if es {
                        "muy bueno"
                    } else {
                        "very good"
                    }
                }
            },
        }
    }
}

impl IccScale {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "koo-li" => Some(IccScale::KooLi),
            "cicchetti" => Some(IccScale::Cicchetti),
            _ => None,
        }
    }
    pub fn label(self, v: f64, lang: &str) -> &'static str {
        let es = lang == "es";
        match self {
            IccScale::KooLi => match v {
                x if x < 0.5 => {
                    if es {
                        "pobre"
                    } else {
                        "poor"
                    }
                }
                x if x < 0.75 => {
                    if es {
                        "moderada"
                    } else {
                        "moderate"
                    }
                }
                x if x < 0.9 => {
                    if es {
                        "buena"
                    } else {
                        "good"
                    }
                }
                _ => {
                    if es {
                        "excelente"
                    } else {
                        "excellent"
                    }
                }
            },
            IccScale::Cicchetti => match v {
                x if x < 0.4 => {
                    if es {
                        "pobre"
                    } else {
                        "poor"
                    }
                }
                x if x < 0.6 => {
                    if es {
                        "aceptable"
                    } else {
                        "fair"
                    }
                }
                x if x < 0.75 => {
                    if es {
                        "buena"
                    } else {
                        "good"
                    }
                }
                _ => {
                    if es {
                        "excelente"
                    } else {
                        "excellent"
                    }
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn boundaries() {
        assert_eq!(KappaScale::LandisKoch.label(0.20, "en"), "slight");
        assert_eq!(KappaScale::LandisKoch.label(0.61, "en"), "substantial");
        assert_eq!(KappaScale::LandisKoch.label(-0.1, "es"), "pobre");
        assert_eq!(KappaScale::Altman.label(0.7, "en"), "good");
        assert_eq!(IccScale::KooLi.label(0.75, "en"), "good");
        assert_eq!(IccScale::KooLi.label(0.9, "es"), "excelente");
        assert_eq!(IccScale::Cicchetti.label(0.59, "en"), "fair");
    }
}
