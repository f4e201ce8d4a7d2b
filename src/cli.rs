//! The command line: one clap `Args` struct per subcommand, whose doc
//! comments are the `--help` text. Nothing here does any work.

use clap::{Parser, Subcommand};

use crate::cmd;

/// Certification exams for e-commerce customer-service staff (网店客服上岗认证).
///
/// Trainers keep a question bank and draw seeded papers; typst renders them;
/// proctors grade answer sheets into signed score files; HR archives them.
#[derive(Debug, Parser)]
#[command(name = "certexam", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the question bank, count it, import and export it.
    Bank(BankArgs),
    /// Draw one seeded paper per candidate (or per form) from the bank.
    ///
    /// The same bank, blueprint, roster and seed always give byte-identical
    /// papers; adding a candidate changes no one else's paper.
    ///
    /// Example: certexam draw --blueprint examples/blueprint.toml --roster examples/roster.csv --seed 2026-12-01 --out exam
    Draw(cmd::draw::Args),
}

#[derive(Debug, clap::Args)]
pub struct BankArgs {
    #[command(subcommand)]
    pub command: BankCommand,
}

#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// Report every problem in a question bank, each at its file:line:column.
    ///
    /// Exit status 0 when there is no error (warnings are allowed), 1 otherwise.
    ///
    /// Example: certexam bank check question_bank
    Check(cmd::bank_check::Args),
    /// Count the questions by category, type and difficulty, with the bank digest.
    ///
    /// Example: certexam bank stats question_bank --json
    Stats(cmd::bank_stats::Args),
}
