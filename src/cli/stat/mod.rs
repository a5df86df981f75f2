//! `checkval stat`: ad-hoc statistics on plain tables, for users who just need a number.

pub mod agree;
pub mod alpha;
pub mod bland_altman;
pub mod cfa;
pub mod corr;
pub mod dif;
pub mod efa;
pub mod gstudy;
pub mod icc;
pub mod irt;
pub mod output;
pub mod roc;

use crate::analysis::StatOpts;
use crate::choices::Lang;
use crate::stats::labels::{IccScale, KappaScale};
use anyhow::Result;
use output::Format;

#[derive(clap::Args, Debug, Clone)]
pub struct CommonArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Confidence level.
    #[arg(long, default_value_t = 0.95, value_name = "LEVEL")]
    pub ci_level: f64,
    /// Bootstrap replicates (0 = no bootstrap CIs).
    #[arg(long, default_value_t = 2000, value_name = "N")]
    pub bootstrap: usize,
    /// Random seed for bootstrap CIs.
    #[arg(long, default_value_t = 20261123, value_name = "S")]
    pub seed: u64,
    /// Language of interpretation labels.
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
    /// Interpretation scale for κ-type coefficients: landis-koch or altman.
    #[arg(long, value_enum, default_value_t = KappaScale::LandisKoch)]
    pub kappa_scale: KappaScale,
    /// Interpretation scale for ICCs: koo-li or cicchetti.
    #[arg(long, value_enum, default_value_t = IccScale::KooLi)]
    pub icc_scale: IccScale,
}

impl CommonArgs {
    pub fn opts(&self) -> Result<StatOpts> {
        if !(self.ci_level > 0.5 && self.ci_level < 1.0) {
            return Err(crate::error::InputError::new(crate::error::ErrorKind::Usage, "--ci-level")
                .found(self.ci_level.to_string())
                .expected("a level between 0.5 and 1, e.g. 0.95")
                .into());
        }
        Ok(StatOpts {
            ci_level: self.ci_level,
            bootstrap: self.bootstrap,
            seed: self.seed,
            kappa_scale: self.kappa_scale,
            icc_scale: self.icc_scale,
        })
    }
}

#[derive(clap::Subcommand, Debug)]
pub enum StatCommand {
    /// Internal consistency: α (Feldt and bootstrap CIs), standardized α, KR-20, ω, ordinal α, item statistics.
    Alpha(alpha::Args),
    /// Inter-rater agreement: % agreement, κ family, Gwet AC1/AC2, Brennan–Prediger, Krippendorff's α.
    Agree(agree::Args),
    /// Intraclass correlations: the six Shrout–Fleiss/McGraw–Wong forms and REML forms.
    Icc(icc::Args),
    /// Correlation with analytic, bootstrap and cluster-bootstrap CIs.
    Corr(corr::Args),
    /// ROC analysis: AUC (DeLong and bootstrap CIs), cut-off table, chosen cut-off.
    Roc(roc::Args),
    /// Bland–Altman agreement of two measurements on one scale.
    BlandAltman(bland_altman::Args),
    /// Generalizability theory: variance components (ANOVA or REML), Eρ², Φ and D studies.
    Gstudy(gstudy::Args),
    /// Confirmatory factor analysis (lavaan syntax): ML or WLSMV for ordered items, fit indices, std.all loadings.
    Cfa(cfa::Args),
    /// Exploratory factor analysis (ML or minres; oblimin, promax, varimax) with parallel analysis.
    Efa(efa::Args),
    /// Item response theory for binary items: Rasch, 1PL, 2PL by marginal ML.
    Irt(irt::Args),
    /// Differential item functioning: Mantel-Haenszel and logistic-regression DIF.
    Dif(dif::Args),
}

const EXAMPLES: &str = "\
Examples:
  checkval stat alpha items.csv --items q1,q2,q3
  checkval stat agree pairs.csv --level ordinal --format json
  checkval stat icc scores.csv
  checkval stat corr classrooms.csv --x checklist_total --y class_EBS --cluster center
  checkval stat roc classrooms.csv --score checklist_total --truth low --positive 1 --direction lower
  checkval stat bland-altman pairs.csv --a primary --b reliability
  checkval stat gstudy scores.csv --score score --object person --facets item,occasion --d-study item=4,8
  checkval stat cfa items.csv --model 'f1 =~ q1 + q2 + q3; f2 =~ q4 + q5 + q6' --ordered all
  checkval stat efa items.csv --items x1,x2,x3,x4,x5,x6 --factors auto
  checkval stat irt answers.csv --items q1,q2,q3,q4,q5 --model 2pl
  checkval stat dif answers.csv --items q1,q2,q3,q4 --group sex --reference F --purify

Every command takes --format table|json|csv, --ci-level, --bootstrap N and --seed S; JSON is
{\"results\": [records]} with statistic, estimate, se, ci_low, ci_high, ci_level, ci_method,
p_value and n where defined.";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    pub command: StatCommand,
}

pub fn run(a: Args) -> Result<()> {
    let out = match a.command {
        StatCommand::Alpha(a) => alpha::run(a)?,
        StatCommand::Agree(a) => agree::run(a)?,
        StatCommand::Icc(a) => icc::run(a)?,
        StatCommand::Corr(a) => corr::run(a)?,
        StatCommand::Roc(a) => roc::run(a)?,
        StatCommand::BlandAltman(a) => bland_altman::run(a)?,
        StatCommand::Gstudy(a) => gstudy::run(a)?,
        StatCommand::Cfa(a) => cfa::run(a)?,
        StatCommand::Efa(a) => efa::run(a)?,
        StatCommand::Irt(a) => irt::run(a)?,
        StatCommand::Dif(a) => dif::run(a)?,
    };
    super::common::print_stdout(&out)
}

pub fn split_list(s: &Option<String>) -> Option<Vec<String>> {
    s.as_ref().map(|s| s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect())
}
