//! `certexam analyze`: item analysis of an exam session for trainers —
//! `items.csv`, `exam.csv` and a PDF report (score histogram, category
//! means, flagged questions with their stems) through typst.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::Status;
use crate::analysis::report::{self, ReportData};
use crate::analysis::stats::{self, ExamStats, ItemStats};
use crate::analysis::{LoadResult, fmt2, fmt4};
use crate::cmd::common::{TypstArgs, document_options, load_scores, papers_for};
use crate::fsutil;
use crate::render::document::{self, Document};
use crate::score_file::ScoreFile;

/// The report template, shipped in the binary.
pub const REPORT_TEMPLATE: (&str, &str) =
    ("report.typ", include_str!("../../templates/report.typ"));

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folders that `certexam grade --out` wrote (or score files); the latest version of
    /// each candidate's result is used, older regrades are left out.
    #[arg(required = true, value_name = "SCORES_DIR")]
    pub scores: Vec<PathBuf>,
    /// The folder of paper manifests the sheets were graded against (for the stems and options).
    #[arg(long, value_name = "DIR")]
    pub papers: PathBuf,
    /// Output folder: items.csv, exam.csv and report.pdf.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Use only score files whose signature this public key verifies (NAME.pub from keygen).
    #[arg(long, value_name = "NAME.pub")]
    pub pubkey: Option<PathBuf>,
    /// Questions with fewer answers than this are shown but not flagged.
    #[arg(long, value_name = "N", default_value_t = stats::DEFAULT_MIN_ANSWERS)]
    pub min_answers: usize,
    /// Write the CSV files only, no PDF (no typst needed).
    #[arg(long)]
    pub no_pdf: bool,
    #[command(flatten)]
    pub typst: TypstArgs,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// What an analysis found, for `--json`.
#[derive(Debug, Serialize)]
struct Summary<'a> {
    results: usize,
    superseded: usize,
    problems: Vec<String>,
    exams: &'a [ExamStats],
    flagged: Vec<Flagged<'a>>,
    files: Vec<PathBuf>,
}

#[derive(Debug, Serialize)]
struct Flagged<'a> {
    id: &'a str,
    flags: Vec<String>,
}

pub fn run(args: &Args) -> Result<Status> {
    let loaded = load_scores(&args.scores, args.pubkey.as_deref())?;
    let scores: Vec<&ScoreFile> = loaded.scores.iter().map(|l| &l.score).collect();
    let (papers, missing) = papers_for(&args.papers, &scores)?;
    let lang = scores
        .iter()
        .find_map(|s| papers.of(s))
        .map_or("zh", |p| p.content.exam.lang.as_str())
        .to_string();

    let items = stats::item_stats(&scores, args.min_answers);
    let exams = stats::exam_stats(&scores);
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create the output folder {}", args.out.display()))?;
    let items_path = args.out.join("items.csv");
    let exam_path = args.out.join("exam.csv");
    fsutil::write_atomic(&items_path, &report::items_csv(&items)?)?;
    fsutil::write_atomic(&exam_path, &report::exam_csv(&exams)?)?;
    let mut files = vec![items_path, exam_path];
    let mut problems: Vec<String> = loaded.problems.iter().map(|p| p.to_string()).collect();
    problems.extend(missing);

    if !args.no_pdf {
        let data = report::report_data(&exams, &items, &papers, &lang, args.min_answers);
        let pdf = args.out.join("report.pdf");
        render_report(&data, &exams, &pdf, &args.typst)?;
        files.push(pdf);
    }

    print_summary(&loaded, &exams, &items, &files, args.min_answers);
    if args.json {
        let summary = Summary {
            results: scores.len(),
            superseded: loaded.superseded,
            problems: problems.clone(),
            exams: &exams,
            flagged: items
                .iter()
                .filter(|i| !i.flags.is_empty())
                .map(|i| Flagged {
                    id: &i.id,
                    flags: i.flags.iter().map(|f| f.code()).collect(),
                })
                .collect(),
            files,
        };
        println!("{}", serde_json::to_string_pretty(&summary)?);
    }
    Ok(Status::from_problems(!problems.is_empty()))
}

fn render_report(
    data: &ReportData,
    exams: &[ExamStats],
    pdf: &Path,
    args: &TypstArgs,
) -> Result<()> {
    let (typst, opts) = document_options(args, Some(1))
        .context("the report was not rendered (items.csv and exam.csv were written)")?;
    let doc = Document {
        template: REPORT_TEMPLATE.0,
        data: data.to_json(),
        assets: Vec::new(),
        dest: pdf.to_path_buf(),
        creation_timestamp: crate::render::data::creation_timestamp(
            exams.first().and_then(|e| e.date.as_deref()),
        ),
        extra_args: &[],
    };
    let results = document::render_documents(
        &typst,
        &[doc],
        &[REPORT_TEMPLATE],
        Some("papers"),
        &opts,
        &|_| {},
    )
    .context("the report was not rendered (items.csv and exam.csv were written)")?;
    if let Some(Err(message)) = results.into_iter().next() {
        bail!(
            "the report {} could not be made (items.csv and exam.csv were written); typst said:\n{message}",
            pdf.display()
        );
    }
    Ok(())
}

fn print_summary(
    loaded: &LoadResult,
    exams: &[ExamStats],
    items: &[ItemStats],
    files: &[PathBuf],
    min_answers: usize,
) {
    for e in exams {
        let kr20 = match &e.kr20 {
            Ok(v) => fmt4(Some(*v)),
            Err(why) => why.to_string(),
        };
        eprintln!(
            "{} ({}): {} candidate(s), mean {} of {} (sd {}), {} passed; KR-20 {kr20}",
            e.id,
            e.title,
            e.candidates,
            fmt2(e.mean),
            e.max_points,
            fmt2(e.sd),
            e.passed,
        );
    }
    if loaded.superseded > 0 {
        eprintln!(
            "{} older version(s) replaced by a regrade were left out",
            loaded.superseded
        );
    }
    let flagged: Vec<&ItemStats> = items.iter().filter(|i| !i.flags.is_empty()).collect();
    let few = items.iter().filter(|i| i.few_answers).count();
    let few_note = if few > 0 {
        format!(
            " ({few} had fewer than {min_answers} answers and were not flagged; --min-answers changes that)"
        )
    } else {
        String::new()
    };
    eprintln!(
        "{} question(s) analysed, {} flagged for review{few_note}{}",
        items.len(),
        flagged.len(),
        if flagged.is_empty() { "" } else { ":" }
    );
    for i in flagged {
        let flags: Vec<String> = i.flags.iter().map(|f| f.code()).collect();
        eprintln!(
            "  {:<10} facility {} point-biserial {}  {}",
            i.id,
            fmt4(i.facility),
            fmt4(i.point_biserial),
            flags.join(" ")
        );
    }
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    eprintln!("wrote {}", names.join(", "));
}
