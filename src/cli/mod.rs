//! Command-line interface: one module per subcommand, each with its arguments, usage examples
//! and `run` function. Raw arguments become validated options before any work starts.

pub mod check;
pub mod clean;
pub mod common;
pub mod completions;
pub mod init;
pub mod monitor;
pub mod plot;
pub mod reliability;
pub mod report;
pub mod run;
pub mod score;
pub mod simulate;
pub mod stat;
pub mod validity;

use clap::{Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  checkval simulate --out demo --centers 150 --seed 7
  checkval init --checklist demo/checklist.csv --class demo/class.csv --roster demo/roster.csv -o demo/draft.toml
  checkval score demo/study.toml --out results
  checkval run data-samples/demo-150/study.toml --out report --lang en
  checkval stat agree pairs.csv --level ordinal --format json
  checkval completions bash > ~/.local/share/bash-completion/completions/checkval

Exit codes: 0 ok, 1 data problems found with --strict, 2 usage or input error.";

#[derive(Parser, Debug)]
#[command(
    name = "checkval",
    version,
    about = "Validate a childcare quality checklist against CLASS: from raw field exports to scores, statistics and a report",
    after_help = EXAMPLES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Worker threads (default: all cores). Results are identical for any value.
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    /// Print only errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Draft a study spec from the checklist, CLASS and roster files.
    Init(init::Args),
    /// Write a synthetic study with known truth (checklist, CLASS, roster, spec, truth).
    Simulate(simulate::Args),
    /// High-frequency field checks: IDs, values, CLASS cycles, timing, observers, back-checks.
    Check(check::Args),
    /// Apply a corrections file to the checklist export, with an audit log.
    Clean(clean::Args),
    /// Ingest and score: observations, classrooms and centers.
    Score(score::Args),
    /// Monitoring rounds: center scores with uncertainty, reliable change, profiles, dashboard, cards.
    Monitor(monitor::Args),
    /// The main job: ingest, data-quality summary, scores, statistics and report.
    Run(run::Args),
    /// Reliability: internal consistency, inter-observer agreement, ICCs (part of `run`).
    Reliability(reliability::Args),
    /// Concurrent validity: checklist vs CLASS, ROC, item analysis, short form (part of `run`).
    Validity(validity::Args),
    /// The full report: HTML, Markdown, LaTeX, XLSX and CSV tables, SVG and PNG figures.
    Report(report::Args),
    /// Draw one figure of the report as SVG or PNG.
    Plot(plot::Args),
    /// Ad-hoc statistics on plain tables: alpha, agree, icc, corr, roc, bland-altman.
    Stat(stat::Args),
    /// Shell completions for bash, zsh, fish or PowerShell.
    Completions(completions::CompletionArgs),
    /// The manual page (roff), for `man`.
    Man(completions::ManArgs),
}

/// Parse arguments, run, and return the process exit code.
/// glibc's allocator raises its mmap threshold each time a large block is freed, so that later
/// large blocks (a chunk of a national export, a column of a million scores) come from the heap,
/// whose freed memory stays resident: on the 1M-row `score` that kept ~70 MB more at the peak.
/// A fixed threshold of 4 MiB (blocks that size and larger are mapped, and returned on free)
/// and a trim threshold of 128 MiB (the heap is not shrunk and regrown between the many small
/// allocations of a study run) keep the peak down without slowing the demo's `run`
/// (docs/performance.md). Left alone when the user tunes them (`MALLOC_MMAP_THRESHOLD_`,
/// `MALLOC_TRIM_THRESHOLD_`); other platforms and allocators are not touched.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() && std::env::var_os("MALLOC_TRIM_THRESHOLD_").is_none() {
        // SAFETY: mallopt only sets allocator parameters; it is called before any thread starts.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 128 << 20);
        }
    }
}

pub fn main() -> i32 {
    tune_allocator();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    if let Some(n) = cli.threads {
        if n == 0 {
            eprintln!("error[usage]: --threads must be at least 1");
            return 2;
        }
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n).build_global();
    }
    let ui = common::Ui { quiet: cli.quiet };
    let res = match cli.command {
        Command::Init(a) => init::run(a, &ui),
        Command::Simulate(a) => simulate::run(a, &ui),
        Command::Score(a) => score::run(a, &ui),
        Command::Check(a) => check::run(a, &ui),
        Command::Clean(a) => clean::run(a, &ui),
        Command::Run(a) => run::run(a, &ui),
        Command::Monitor(a) => monitor::run(a, &ui),
        Command::Stat(a) => stat::run(a),
        Command::Reliability(a) => reliability::run(a, &ui),
        Command::Validity(a) => validity::run(a, &ui),
        Command::Plot(a) => plot::run(a, &ui),
        Command::Report(a) => report::run(a, &ui),
        Command::Completions(a) => completions::completions(a),
        Command::Man(a) => completions::man(a),
    };
    match res {
        Ok(()) => 0,
        Err(e) => {
            if let Some(ie) = e.downcast_ref::<crate::error::InputError>() {
                eprintln!("{ie}");
            } else if let Some(sf) = e.downcast_ref::<crate::error::StrictFailure>() {
                eprintln!("{sf}");
            } else {
                eprintln!("error: {e:#}");
            }
            crate::error::exit_code(&e)
        }
    }
}
