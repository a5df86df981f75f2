//! Arguments and helpers shared by the study commands.

use crate::study::pipeline::RunOptions;
use crate::study::spec::Study;
use anyhow::Result;
use std::path::PathBuf;

pub struct Ui {
    pub quiet: bool,
}

impl Ui {
    pub fn info(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", msg.as_ref());
        }
    }
}

#[derive(clap::Args, Debug, Clone)]
pub struct StudyArgs {
    /// The study spec (TOML).
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// Output directory (created if needed).
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    /// Exclude invalid values (counted in the summary) instead of stopping at the first one.
    #[arg(long)]
    pub keep_going: bool,
    /// Exit with code 1 when data problems are found (outputs are still written).
    #[arg(long)]
    pub strict: bool,
}

impl StudyArgs {
    pub fn load(&self) -> Result<(Study, RunOptions)> {
        let study = Study::load(&self.spec)?;
        Ok((study, RunOptions { keep_going: self.keep_going, lang: None }))
    }
}

pub fn parse_lang(s: &str) -> Result<String, String> {
    match s {
        "es" | "en" => Ok(s.to_string()),
        _ => Err(format!("'{s}' is not a report language; use es or en")),
    }
}
