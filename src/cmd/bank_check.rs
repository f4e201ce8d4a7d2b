//! `certexam bank check`: every problem of a bank at once, for the trainer
//! who keeps it.

use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

use crate::Status;
use crate::bank;
use crate::diag::{self, Diagnostic};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bank folder (holding bank.toml).
    #[arg(default_value = "question_bank")]
    pub dir: PathBuf,
    /// Print the result as JSON on stdout, for scripts.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    ok: bool,
    errors: usize,
    warnings: usize,
    questions: usize,
    files: usize,
    digest: Option<String>,
    diagnostics: &'a [Diagnostic],
}

pub fn run(args: &Args) -> Result<Status> {
    let loaded = bank::load(&args.dir);
    let (errors, warnings) = diag::count(&loaded.diagnostics);
    let questions = loaded.bank.as_ref().map_or(0, |b| b.questions.len());
    if args.json {
        let report = Report {
            ok: errors == 0,
            errors,
            warnings,
            questions,
            files: loaded.files,
            digest: (errors == 0)
                .then(|| loaded.bank.as_ref().map(bank::Bank::digest))
                .flatten(),
            diagnostics: &loaded.diagnostics,
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for d in &loaded.diagnostics {
            eprintln!("{d}");
        }
        let dir = args.dir.display();
        if errors == 0 {
            let digest = loaded
                .bank
                .as_ref()
                .map(bank::Bank::digest)
                .unwrap_or_default();
            eprintln!(
                "{dir}: {questions} questions in {} files, no errors, {warnings} warning(s); bank digest {digest}",
                loaded.files
            );
        } else {
            eprintln!(
                "{dir}: {errors} error(s), {warnings} warning(s) in {} files; fix them and run `certexam bank check {dir}` again",
                loaded.files
            );
        }
    }
    Ok(Status::from_problems(errors > 0))
}
