//! `checkval init`: draft a study spec from the files.

use super::common::Ui;
use crate::io::atomic::write_atomic_str;
use anyhow::Result;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  checkval init --checklist export/checklist.csv --class export/class.csv --roster roster.csv -o study.toml
  checkval init --checklist checklist.csv --class class.csv     # writes study.toml

The draft lists, as comments at its top, what was recognised and what needs your attention.";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Checklist export (CSV/TSV, any common encoding).
    #[arg(long, value_name = "FILE")]
    pub checklist: PathBuf,
    /// CLASS export.
    #[arg(long, value_name = "FILE")]
    pub class: Option<PathBuf>,
    /// Roster of sampled centers.
    #[arg(long, value_name = "FILE")]
    pub roster: Option<PathBuf>,
    /// Where to write the spec.
    #[arg(short = 'o', long = "output", value_name = "FILE", default_value = "study.toml")]
    pub output: PathBuf,
    /// Overwrite an existing spec.
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: Args, ui: &Ui) -> Result<()> {
    if a.output.exists() && !a.force {
        return Err(crate::error::InputError::new(crate::error::ErrorKind::Usage, &a.output)
            .found("the file already exists")
            .expected("a new file name, or --force to overwrite")
            .into());
    }
    let inputs: Vec<&std::path::Path> =
        [Some(a.checklist.as_path()), a.class.as_deref(), a.roster.as_deref()].into_iter().flatten().collect();
    crate::io::atomic::ensure_not_input(&a.output, &inputs)?;
    let r = crate::study::init::draft(&a.checklist, a.class.as_deref(), a.roster.as_deref(), &a.output)?;
    write_atomic_str(&a.output, &r.toml)?;
    ui.info("Recognised:");
    for n in &r.notes {
        ui.info(format!("  {n}"));
    }
    ui.info("Needs your attention:");
    for p in &r.problems {
        ui.info(format!("  {p}"));
    }
    ui.info(format!("wrote {}", a.output.display()));
    Ok(())
}
