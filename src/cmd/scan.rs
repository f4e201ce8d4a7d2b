//! `certexam scan`: scanned answer sheets (PDF, JPEG, PNG, TIFF) →
//! `sheets.csv` for `grade`, `review.csv` with a picture of everything a
//! person must decide, and `scan-log.csv` with one line per page. Pages are
//! read in parallel, one at a time per worker, so memory stays bounded.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::Status;
use crate::fsutil;
use crate::paper;
use crate::parallel;
use crate::scan::{self, Index, image_in, review};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder of paper manifests that `certexam draw` wrote (OUT or OUT/papers).
    #[arg(long, value_name = "DIR")]
    pub papers: PathBuf,
    /// Output folder: sheets.csv, review.csv, scan-log.csv and review/*.png.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// A review.csv whose `decision` column the proctor filled in (`AC`, `T`, `-` for
    /// unanswered); its decisions replace what was read for those questions.
    #[arg(long, value_name = "REVIEW.csv")]
    pub fix: Option<PathBuf>,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Scans: PDF files, JPEG/PNG/TIFF images (one page each), or folders of them.
    #[arg(value_name = "SCANS", num_args = 1.., required = true)]
    pub scans: Vec<PathBuf>,
}

/// What a scan run did, for `--json`.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub out: PathBuf,
    pub pages: usize,
    pub pages_failed: usize,
    pub sheets: usize,
    pub to_decide: usize,
    pub to_check: usize,
    pub decisions_applied: usize,
}

pub fn run(args: &Args) -> Result<Status> {
    let papers = paper::read_dir(&args.papers)?;
    if papers.is_empty() {
        bail!(
            "{} holds no paper manifests; give the folder `certexam draw` wrote",
            args.papers.display()
        );
    }
    let index = Index::new(papers.iter().map(|(_, p)| p));

    let mut problems = false;
    let decisions = match &args.fix {
        None => review::Decisions::new(),
        Some(path) => {
            let table = crate::spreadsheet::read_table(path, None)
                .with_context(|| format!("cannot read the review file {}", path.display()))?;
            let (decisions, bad) = review::read_decisions(&table, &index);
            for b in &bad {
                eprintln!("error: {b}");
            }
            if !bad.is_empty() {
                bail!(
                    "{} decision(s) in {} cannot be used; correct them and run again",
                    bad.len(),
                    path.display()
                );
            }
            decisions
        }
    };

    let (pages, load_errors) = image_in::list_pages(&args.scans);
    for e in &load_errors {
        eprintln!("error: {e}");
        problems = true;
    }
    if pages.is_empty() {
        bail!("no scanned pages to read (give PDF, JPEG, PNG or TIFF files, or folders of them)");
    }

    let bar = crate::cmd::common::counting_bar(pages.len() as u64, "scanning", "pages");
    // Every page is tens of milliseconds of work (a photo more): worth a
    // thread even for a handful.
    let reads = parallel::pool(parallel::workers(16), &pages, |p| {
        let r = scan::scan_page(p, &index);
        if let Some(b) = &bar {
            b.inc(1);
        }
        r
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }

    let assembled = review::assemble(&index, &reads, &decisions);
    std::fs::create_dir_all(args.out.join("review"))
        .with_context(|| format!("cannot create {}", args.out.join("review").display()))?;
    for (name, png) in &assembled.crops {
        fsutil::write_atomic(&args.out.join(name), png)?;
    }
    let sheets_path = args.out.join("sheets.csv");
    let review_path = args.out.join("review.csv");
    fsutil::write_atomic(&sheets_path, &review::sheets_csv(&assembled.sheets))?;
    fsutil::write_atomic(&review_path, &review::review_csv(&assembled.review))?;
    fsutil::write_atomic(
        &args.out.join("scan-log.csv"),
        &review::log_csv(&assembled.log),
    )?;

    let failed = assembled
        .log
        .iter()
        .filter(|l| l.status == "failed")
        .count();
    let to_decide = assembled.undecided();
    let to_check = assembled
        .review
        .iter()
        .filter(|r| r.status == "check")
        .count();
    let applied = assembled
        .review
        .iter()
        .filter(|r| r.status == "decided")
        .count();
    for r in assembled.review.iter().filter(|r| r.status == "decide") {
        let place = if r.file.is_empty() {
            format!("paper {}", r.paper)
        } else {
            format!("{} page {}", r.file, r.page)
        };
        let question = r
            .question
            .map_or(String::new(), |q| format!(" question {q}"));
        eprintln!("review: {place}{question}: {}", r.problem);
    }
    let summary = Summary {
        out: args.out.clone(),
        pages: pages.len(),
        pages_failed: failed,
        sheets: assembled.sheets.len(),
        to_decide,
        to_check,
        decisions_applied: applied,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "read {} page(s) into {} sheet(s) in {}; {} page(s) unreadable, {} question(s) to decide, {} to check, {} decision(s) applied",
            summary.pages,
            summary.sheets,
            sheets_path.display(),
            failed,
            to_decide,
            to_check,
            applied
        );
        if to_decide > 0 {
            println!(
                "next: look at {} (pictures in {}), write each answer in its `decision` column (`-` for unanswered), then run scan again with --fix {}",
                review_path.display(),
                args.out.join("review").display(),
                review_path.display()
            );
        }
    }
    problems |= to_decide > 0;
    Ok(Status::from_problems(problems))
}
