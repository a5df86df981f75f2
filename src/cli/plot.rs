//! `checkval plot KIND SPEC --out FILE`: draw one figure of the report.

use super::common::Ui;
use crate::choices::Lang;
use crate::report::figures::{build_all, FigureKind};
use crate::study::pipeline::{self, RunOptions};
use crate::study::spec::Study;
use anyhow::Result;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  checkval plot scatter study.toml --out scatter.svg
  checkval plot roc study.toml --out roc.png --variant low_EBS --lang en
  checkval plot forest study.toml --out items.png --variant item-validity

Kinds: scatter (variants: classroom, center), roc (one per threshold), bland-altman,
forest (agreement, item-validity), heatmap, distributions, observers (observers, drift),
class-profile, short-form, d-study (one per CLASS domain, and center), test-information. The format follows the
extension: .svg, or .png at 2x.";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Figure kind.
    #[arg(value_enum)]
    pub kind: FigureKind,
    /// The study spec.
    pub spec: PathBuf,
    /// Output file (.svg or .png).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Which figure of the kind (matched against the end of the figure id); default the first.
    #[arg(long)]
    pub variant: Option<String>,
    /// Labels' language (default: the spec's).
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
    /// Exclude invalid values instead of stopping.
    #[arg(long)]
    pub keep_going: bool,
    #[command(flatten)]
    pub privacy: super::common::PrivacyArgs,
}

pub fn run(a: Args, ui: &Ui) -> Result<()> {
    let study = Study::load(&a.spec)?;
    let lang = a.lang.unwrap_or(study.spec.analysis.language);
    let opts = RunOptions { keep_going: a.keep_going, lang: Some(lang), pseudonymize: a.privacy.pseudonymizer()? };
    let data = pipeline::load(&study, &opts)?;
    let records = crate::app::all_records(&study, &data);
    let figs: Vec<_> =
        build_all(&study, &data, &records, lang).into_iter().filter(|(k, _)| *k == a.kind).map(|(_, f)| f).collect();
    let ids: Vec<String> = figs.iter().map(|f| f.id.clone()).collect();
    let fig = match &a.variant {
        Some(v) => figs.into_iter().find(|f| f.id.ends_with(v.as_str())),
        None => figs.into_iter().next(),
    };
    let Some(fig) = fig else {
        return Err(crate::error::InputError::new(crate::error::ErrorKind::Usage, &a.spec)
            .found(format!(
                "no '{}' figure{}",
                a.kind,
                a.variant.as_ref().map(|v| format!(" for variant '{v}'")).unwrap_or_default()
            ))
            .expected(if ids.is_empty() {
                "data for this figure (e.g. CLASS data, thresholds, double-coded visits)".to_string()
            } else {
                format!("one of: {}", ids.join(", "))
            })
            .into());
    };
    fig.write_file(&a.out)?;
    ui.info(format!("wrote {} ({})", a.out.display(), fig.id));
    Ok(())
}
