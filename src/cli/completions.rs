//! `checkval completions SHELL` and `checkval man`: shell completion scripts (clap_complete) and
//! the manual page in roff (clap_mangen), both written to standard output.

use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;

const COMPLETION_EXAMPLES: &str = "\
Examples:
  checkval completions bash > ~/.local/share/bash-completion/completions/checkval
  checkval completions zsh > ~/.zfunc/_checkval
  checkval completions fish > ~/.config/fish/completions/checkval.fish
  checkval completions powershell >> $PROFILE";

const MAN_EXAMPLES: &str = "\
Examples:
  checkval man > checkval.1 && man ./checkval.1
  checkval man | gzip > /usr/local/share/man/man1/checkval.1.gz";

#[derive(clap::Args, Debug)]
#[command(after_help = COMPLETION_EXAMPLES)]
pub struct CompletionArgs {
    /// The shell to write completions for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(clap::Args, Debug)]
#[command(after_help = MAN_EXAMPLES)]
pub struct ManArgs {}

pub fn completions(a: CompletionArgs) -> Result<()> {
    let mut cmd = super::Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "checkval", &mut buf);
    super::common::print_stdout(&String::from_utf8(buf)?)
}

pub fn man(_: ManArgs) -> Result<()> {
    let cmd = super::Cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    super::common::print_stdout(&String::from_utf8(buf)?)
}
