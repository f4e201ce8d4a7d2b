//! certexam: certification exams for e-commerce customer-service staff
//! (网店客服上岗认证) — a TOML question bank, seeded paper drawing, typst
//! rendering, signed grading and a tamper-evident archive.
//!
//! The binary is a thin doorway; [`run`] dispatches each subcommand to its
//! module under [`cmd`], which turns arguments into calls on the domain
//! modules and does all the printing.

pub mod analysis;
pub mod answer_words;
pub mod archive;
pub mod attendance;
pub mod audit;
pub mod bank;
pub mod bankio;
pub mod blueprint;
pub mod cleanup;
pub mod cli;
pub mod clock;
pub mod cmd;
pub mod diag;
pub mod discover;
pub mod draw;
pub mod fairness;
pub mod formula_guard;
pub mod fsutil;
pub mod grade;
pub mod id_row;
pub mod ids;
pub mod paper;
pub mod parallel;
pub mod poppler;
pub mod render;
pub mod rng;
pub mod rooms;
pub mod roster;
pub mod scan;
pub mod score_file;
pub mod shard;
pub mod sheet;
pub mod sign;
pub mod spreadsheet;
pub mod table;
pub mod tomlread;

use std::process::ExitCode;

use cli::{BankCommand, Cli, Command};

/// How a command ended when it did not fail outright.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Everything went through.
    Ok,
    /// Some input had problems; they were reported, the good part was done.
    Problems,
}

impl Status {
    pub fn exit_code(self) -> ExitCode {
        match self {
            Status::Ok => ExitCode::SUCCESS,
            Status::Problems => ExitCode::from(1),
        }
    }

    /// `Problems` if `problems` is true.
    pub fn from_problems(problems: bool) -> Self {
        if problems {
            Status::Problems
        } else {
            Status::Ok
        }
    }
}

/// Runs one subcommand.
pub fn run(cli: Cli) -> anyhow::Result<Status> {
    match cli.command {
        Command::Bank(bank) => match bank.command {
            BankCommand::Check(args) => cmd::bank_check::run(&args),
            BankCommand::Audit(args) => cmd::bank_audit::run(&args),
            BankCommand::Stats(args) => cmd::bank_stats::run(&args),
            BankCommand::Import(args) => cmd::bank_import::run(&args),
            BankCommand::Export(args) => cmd::bank_export::run(&args),
        },
        Command::Draw(args) => cmd::draw::run(&args),
        Command::Keygen(args) => cmd::keygen::run(&args),
        Command::Grade(args) => cmd::grade::run(&args),
        Command::Verify(args) => cmd::verify::run(&args),
        Command::Render(args) => cmd::render::run(&args),
        Command::Scan(args) => cmd::scan::run(&args),
        Command::Doctor(args) => cmd::doctor::run(&args),
        Command::Analyze(args) => cmd::analyze::run(&args),
        Command::Feedback(args) => cmd::feedback::run(&args),
        Command::Make(args) => cmd::make::run(&args),
        Command::Archive(args) => cmd::archive::run(&args),
        Command::Certificate(args) => cmd::certificate::run(&args),
    }
}

/// Prints a failure as `error: …` with its causes and gives exit status 2;
/// a closed pipe (`certexam … | head`) is not a failure.
pub fn report_error(err: &anyhow::Error) -> ExitCode {
    let broken_pipe = err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {err:#}");
    ExitCode::from(2)
}
