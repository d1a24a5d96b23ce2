//! The `entconf` command line: parses arguments, calls the library, prints,
//! and picks the exit code. The only place that prints.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the CLI is where output is printed"
)]

mod args;
mod bundle;
mod campaign;
mod catalog;
mod exit;
mod init;
mod progress;
mod run;
mod sso;

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use args::{Cli, Command};
pub(crate) use exit::Exit;

/// Runs the command line and returns the process exit code.
pub(crate) fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return match error.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => Exit::Conformant.into(),
                _ => Exit::Usage.into(),
            };
        }
    };
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Demo(args) => run::demo(args),
        Command::List(args) => catalog::list(&args),
        Command::Validate(args) => catalog::validate(&args),
        Command::Idp(args) => sso::idp(args),
        Command::Bundle(command) => bundle::bundle(command),
        Command::Review(args) => bundle::review(&args),
        Command::Diff(args) => campaign::diff(&args),
        Command::Merge(args) => campaign::merge(&args),
        Command::Compare(args) => campaign::compare(&args),
        Command::Aaf(args::AafCommand::Generate(args)) => sso::generate(&args),
        Command::Init(args) => init::init(&args),
        Command::Schema(args) => init::schema(&args),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(error) => {
            eprintln!("erreur : {error:#}");
            Exit::Incomplete.into()
        }
    }
}
