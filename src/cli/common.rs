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

    /// A spinner on standard error showing the current stage of a long job (ingest, scoring,
    /// bootstrap, checks, report); silent under `--quiet` and when standard error is not a
    /// terminal (pipes, CI, tests). Cleared when dropped.
    pub fn progress(&self) -> Progress {
        use std::io::IsTerminal;
        let bar = (!self.quiet && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {elapsed:>3} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            b
        });
        Progress { bar }
    }
}

/// See [`Ui::progress`].
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// Show the stage now running.
    pub fn stage(&self, msg: &str) {
        if let Some(b) = &self.bar {
            b.set_message(msg.to_string());
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
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
    #[command(flatten)]
    pub privacy: PrivacyArgs,
}

impl StudyArgs {
    pub fn load(&self) -> Result<(Study, RunOptions)> {
        let study = Study::load(&self.spec)?;
        Ok((study, RunOptions { keep_going: self.keep_going, lang: None, pseudonymize: self.privacy.pseudonymizer()? }))
    }
}

/// `--pseudonymize` and where its salt comes from.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct PrivacyArgs {
    /// Replace observer and center IDs by salted hashes in every output. The salt is read from
    /// the CHECKVAL_SALT environment variable or --salt-file, and is never written out.
    #[arg(long)]
    pub pseudonymize: bool,
    /// File whose first line is the salt for --pseudonymize.
    #[arg(long, value_name = "FILE", requires = "pseudonymize")]
    pub salt_file: Option<PathBuf>,
}

impl PrivacyArgs {
    pub fn pseudonymizer(&self) -> Result<Option<crate::study::privacy::Pseudonymizer>> {
        if !self.pseudonymize {
            return Ok(None);
        }
        Ok(Some(crate::study::privacy::Pseudonymizer::from_sources(self.salt_file.as_deref())?))
    }
}

/// Arguments of the commands that write a report (`run`, `reliability`, `validity`).
#[derive(clap::Args, Debug, Clone)]
pub struct ReportArgs {
    #[command(flatten)]
    pub study: StudyArgs,
    /// Report language (default: the spec's analysis.language).
    #[arg(long, value_enum)]
    pub lang: Option<crate::choices::Lang>,
}

/// Run the pipeline with the given sections and report what was written.
pub fn run_sections(a: ReportArgs, ui: &Ui, sections: crate::app::Sections) -> Result<()> {
    let (study, mut opts) = a.study.load()?;
    opts.lang = a.lang;
    let progress = ui.progress();
    let summary = crate::app::run_study(&study, &opts, &a.study.out, sections, &|s| progress.stage(s))?;
    drop(progress);
    for l in &summary.quality_lines {
        ui.info(format!("  {l}"));
    }
    ui.info(format!("wrote {} ({} statistics)", a.study.out.display(), summary.n_records));
    if a.study.strict && summary.problems > 0 {
        return Err(crate::error::StrictFailure { problems: summary.problems }.into());
    }
    Ok(())
}

/// Write to standard output; a closed pipe (`checkval stat ... | head`) ends quietly with success.
pub fn print_stdout(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
