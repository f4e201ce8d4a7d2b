//! `certexam feedback`: one PDF per candidate (成绩反馈) with the result,
//! the points per category and every question they did not get fully
//! right, with the correct answer and the explanation — rendered in
//! parallel through typst, with a progress bar on a terminal.

use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::Status;
use crate::analysis::feedback;
use crate::cmd::common::{ProgressBar, TypstArgs, document_options, load_scores, papers_for};
use crate::render::document::{self, Document};
use crate::score_file::ScoreFile;

/// The feedback template, shipped in the binary.
pub const FEEDBACK_TEMPLATE: (&str, &str) =
    ("feedback.typ", include_str!("../../templates/feedback.typ"));

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder that `certexam grade --out` wrote (or score files); the latest version of
    /// each candidate's result is used.
    #[arg(required = true, value_name = "SCORES_DIR")]
    pub scores: Vec<PathBuf>,
    /// The folder of paper manifests the sheets were graded against.
    #[arg(long, value_name = "DIR")]
    pub papers: PathBuf,
    /// Output folder: one OUT/<exam-id>/<candidate>.pdf per result.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Only these candidates (repeatable).
    #[arg(long = "candidate", value_name = "ID")]
    pub candidates: Vec<String>,
    /// Use only score files whose signature this public key verifies (NAME.pub from keygen).
    #[arg(long, value_name = "NAME.pub")]
    pub pubkey: Option<PathBuf>,
    #[command(flatten)]
    pub typst: TypstArgs,
    /// How many typst processes run at once [default: the number of cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub jobs: Option<u32>,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Summary {
    written: Vec<PathBuf>,
    failed: Vec<FailedLine>,
}

#[derive(Debug, Serialize)]
struct FailedLine {
    candidate: String,
    exam: String,
    reason: String,
}

pub fn run(args: &Args) -> Result<Status> {
    let loaded = load_scores(&args.scores, args.pubkey.as_deref())?;
    let mut problems = !loaded.problems.is_empty();
    let mut scores: Vec<&ScoreFile> = loaded.scores.iter().map(|l| &l.score).collect();
    if !args.candidates.is_empty() {
        for wanted in &args.candidates {
            if !scores.iter().any(|s| &s.candidate.id == wanted) {
                eprintln!(
                    "error: no result for candidate {wanted} in the score files given; check the id"
                );
                problems = true;
            }
        }
        scores.retain(|s| args.candidates.contains(&s.candidate.id));
    }
    let (papers, missing) = papers_for(&args.papers, &scores)?;
    problems |= !missing.is_empty();

    let mut failed = Vec::new();
    let mut docs = Vec::new();
    let mut owners = Vec::new();
    for s in &scores {
        let Some(paper) = papers.of(s) else {
            failed.push(FailedLine {
                candidate: s.candidate.id.clone(),
                exam: s.exam.id.clone(),
                reason: format!("paper {} is not in {}", s.paper.id, args.papers.display()),
            });
            continue;
        };
        match feedback::feedback_data(s, paper) {
            Ok(data) => {
                docs.push(Document {
                    template: FEEDBACK_TEMPLATE.0,
                    data: data.to_json(),
                    assets: Vec::new(),
                    dest: args
                        .out
                        .join(&s.exam.id)
                        .join(format!("{}.pdf", s.candidate.id)),
                    creation_timestamp: crate::render::data::creation_timestamp(
                        s.exam.date.as_deref(),
                    ),
                    extra_args: &[],
                });
                owners.push(*s);
            }
            Err(e) => {
                eprintln!("error: {}: {e}", s.candidate.id);
                failed.push(FailedLine {
                    candidate: s.candidate.id.clone(),
                    exam: s.exam.id.clone(),
                    reason: e.to_string(),
                });
            }
        }
    }

    let mut written = Vec::new();
    if !docs.is_empty() {
        let (typst, opts) = document_options(&args.typst, args.jobs)?;
        let bar = ProgressBar::new("feedback");
        let results = document::render_documents(
            &typst,
            &docs,
            &[FEEDBACK_TEMPLATE],
            Some("papers"),
            &opts,
            &|p| bar.update(p),
        )
        .context("no feedback report was rendered")?;
        bar.finish();
        for ((doc, s), result) in docs.iter().zip(&owners).zip(results) {
            match result {
                Ok(()) => written.push(doc.dest.clone()),
                Err(error) => {
                    let message = error.to_string();
                    eprintln!(
                        "error: {} could not be made for {}; typst said:\n{}",
                        doc.dest.display(),
                        s.candidate.id,
                        message
                            .lines()
                            .map(|l| format!("    {l}"))
                            .collect::<Vec<_>>()
                            .join("\n")
                    );
                    failed.push(FailedLine {
                        candidate: s.candidate.id.clone(),
                        exam: s.exam.id.clone(),
                        reason: message,
                    });
                }
            }
        }
    }
    problems |= !failed.is_empty();
    eprintln!(
        "wrote {} feedback report(s) into {}{}",
        written.len(),
        args.out.display(),
        if failed.is_empty() {
            String::new()
        } else {
            format!("; {} could not be made (see above)", failed.len())
        }
    );
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&Summary { written, failed })?
        );
    }
    Ok(Status::from_problems(problems))
}
