//! Choices parsed at the edge. Each is deserialised from the spec with serde and parsed on the
//! command line as a clap `ValueEnum`; an unknown value is an error that lists the allowed
//! values. Deeper layers match on the enum, never on strings.

use clap::ValueEnum;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Report language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Spanish (Mexico).
    #[default]
    Es,
    /// English.
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }
    pub fn is_es(self) -> bool {
        self == Lang::Es
    }
    /// The Spanish or the English of a pair.
    pub fn pick<'a, T: ?Sized>(self, es: &'a T, en: &'a T) -> &'a T {
        match self {
            Lang::Es => es,
            Lang::En => en,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Level of analysis of aggregated scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Classroom,
    Center,
}

impl Level {
    pub const ALL: [Level; 2] = [Level::Classroom, Level::Center];
    /// The name used in records (`"level": "classroom"`) and file names.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Classroom => "classroom",
            Level::Center => "center",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Level> for serde_json::Value {
    fn from(l: Level) -> Self {
        serde_json::Value::String(l.as_str().to_string())
    }
}

/// Which rows `monitor` writes to `centers.xlsx` (`--xlsx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum XlsxRows {
    /// Every round of every center, as `centers.csv`.
    All,
    /// The latest round of each center (the full history stays in `centers.csv` and
    /// `monitor.json`).
    Latest,
    /// No workbook.
    None,
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn unknown_values_list_the_allowed_ones() {
        #[derive(Deserialize)]
        struct S {
            #[allow(dead_code)]
            language: Lang,
        }
        let e = toml::from_str::<S>("language = 'fr'").err().unwrap().to_string();
        assert!(e.contains("unknown variant `fr`") && e.contains("`es`") && e.contains("`en`"), "{e}");
        assert_eq!(Lang::from_str("en", false).unwrap(), Lang::En);
        assert!(Lang::from_str("fr", false).is_err());
        assert_eq!(serde_json::to_string(&Level::Center).unwrap(), "\"center\"");
    }
}
