//! `certexam grade`: answer sheets + paper manifests → one signed score
//! file per candidate, with every sheet that could not be graded in
//! `rejects.csv`, and the run's results in `results.csv` and `items.csv`.
//! Signed score files are never overwritten: a changed result becomes the
//! next version and `regrade.csv` says why.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::Status;
use crate::attendance;
use crate::fsutil;
use crate::grade::report::{self, Change, Row};
use crate::grade::store::{self, Decision, Existing, Output};
use crate::grade::{self, Meta, PaperSet, Reason, Reject, answer_file};
use crate::paper;
use crate::roster;
use crate::score_file::ScoreFile;
use crate::sign::SecretKey;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder of paper manifests that `certexam draw` wrote (OUT or OUT/papers).
    #[arg(long, value_name = "DIR")]
    pub papers: PathBuf,
    /// Answer sheets: CSV or .xlsx files (wide `candidate,paper,1,2,…` or
    /// compact `candidate,paper,answers`), TOML sheets, or folders of them.
    #[arg(long, value_name = "FILE", num_args = 1.., required = true)]
    pub sheets: Vec<PathBuf>,
    /// The proctor's secret key (from `certexam keygen`). Its password is asked on the
    /// terminal, or taken from CERTEXAM_KEY_PASSWORD.
    #[arg(long, value_name = "NAME.key")]
    pub key: PathBuf,
    /// Output folder: score files go to OUT/<exam-id>/, reports to OUT/*.csv.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The roster: also lists absent candidates and sheets of candidates not on it
    /// (and gives names to papers drawn with --forms).
    #[arg(long, value_name = "FILE")]
    pub roster: Option<PathBuf>,
    /// The sign-in data of the rooms (CSV/XLSX: id/考号, and room/考场, signed/签到 if
    /// you have them): sheets of candidates who did not sign in, or signed in in
    /// another room, are set aside; signatures without a sheet are listed.
    #[arg(long, value_name = "FILE")]
    pub attendance: Option<PathBuf>,
    /// Void a question (bank id) for everyone: it counts neither in the total nor the maximum.
    #[arg(long = "void", value_name = "QID")]
    pub voids: Vec<String>,
    /// Replace a question's key for everyone, in the bank's option letters (or true/false),
    /// e.g. --key-fix RUL-021=AC.
    #[arg(long = "key-fix", value_name = "QID=LETTERS")]
    pub key_fixes: Vec<String>,
    /// Grade only part K of N (1/4 … 4/4), for N processes or machines (see the README):
    /// the session is split by room (by paper without rooms); every part reads all sheets,
    /// and writes its own score files and its reports as results.shard-K-of-N.csv, ….
    #[arg(long, value_name = "K/N", value_parser = crate::shard::parse)]
    pub shard: Option<crate::shard::Shard>,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// What a grading run did, for `--json`.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub out: PathBuf,
    pub graded: usize,
    pub new: usize,
    pub unchanged: usize,
    pub regraded: usize,
    pub passed: usize,
    pub failed: usize,
    pub rejected: usize,
    pub absent: Vec<String>,
    /// Signed in (`--attendance`), but no answer sheet names them.
    pub signed_in_no_sheet: Vec<String>,
    pub rejects: Vec<RejectLine>,
    pub score_files: Vec<PathBuf>,
}

#[derive(Debug, Serialize)]
pub struct RejectLine {
    pub source: PathBuf,
    pub row: usize,
    pub candidate: String,
    pub paper: String,
    pub code: String,
    pub reason: String,
}

/// A bar for long runs only: 500 sheets or more.
fn progress_bar(len: usize, what: &str) -> Option<indicatif::ProgressBar> {
    if len < 500 {
        return None;
    }
    crate::cmd::common::counting_bar(len as u64, what, "sheets")
}

/// One graded sheet on its way to disk.
struct Planned {
    score: ScoreFile,
    path: PathBuf,
    change: Change,
    previous: Option<ScoreFile>,
}

pub fn run(args: &Args) -> Result<Status> {
    let papers = paper::read_dir(&args.papers)?;
    let set = PaperSet::new(&args.papers, papers)?;
    let adjust = set.adjustments(&args.voids, &args.key_fixes)?;
    let roster = match &args.roster {
        Some(path) => match roster::load(path) {
            Ok(r) => Some((path.as_path(), r)),
            Err(diags) => {
                for d in &diags {
                    eprintln!("{d}");
                }
                bail!(
                    "the roster {} has problems (above); fix them, or grade without --roster. Nothing was graded",
                    path.display()
                );
            }
        },
        None => None,
    };
    let attendance = match &args.attendance {
        Some(path) => match attendance::load(path) {
            Ok(a) => Some(a),
            Err(diags) => {
                for d in &diags {
                    eprintln!("{d}");
                }
                bail!(
                    "the attendance {} has problems (above); fix them, or grade without --attendance. Nothing was graded",
                    path.display()
                );
            }
        },
        None => None,
    };
    let key = SecretKey::read(&args.key, || crate::cmd::common::password_for(&args.key))
        .with_context(|| format!("cannot use the secret key {}", args.key.display()))?;
    if !key.is_encrypted()
        && let Some(who) = crate::sign::readable_by_others(&args.key)
    {
        eprintln!(
            "warning: {} is a secret key without a password, and {who} on this machine may read it: anyone who can read it can sign score files in your name; restrict it with `chmod 600 {}`",
            args.key.display(),
            args.key.display()
        );
    }

    let read = answer_file::read_all(&args.sheets);
    for note in &read.notes {
        eprintln!("note: {note}");
    }
    let (mut accepted, mut rejects) = grade::reconcile(
        &set,
        read,
        roster.as_ref().map(|(p, r)| (*p, r)),
        attendance.as_ref(),
    );
    // A part grades its papers' sheets and reports its papers' problems;
    // a problem with no known paper (an unreadable file, an unknown paper
    // id) is the first part's. Every part reconciled all sheets above, so
    // a sheet given twice is caught whichever parts its copies are in.
    if let Some(shard) = args.shard {
        let parts = crate::shard::parts_by_room(
            set.papers.iter().map(|p| {
                (
                    p.paper_id.as_str(),
                    p.content.candidate.as_ref().and_then(|c| c.room.as_deref()),
                )
            }),
            shard.count,
        );
        // An absent candidate's line goes with the paper drawn for them.
        let paper_of: BTreeMap<&str, &str> = set
            .papers
            .iter()
            .filter_map(|p| {
                Some((
                    p.content.candidate.as_ref()?.id.as_str(),
                    p.paper_id.as_str(),
                ))
            })
            .collect();
        let mine = |paper: &str| {
            parts
                .get(paper)
                .map_or(shard.is_first(), |&part| part == shard.index)
        };
        accepted.retain(|a| mine(&set.papers[a.paper].paper_id));
        rejects.retain(
            |r| match (r.paper.as_str(), paper_of.get(r.candidate.as_str())) {
                ("", Some(paper)) => mine(paper),
                (paper, _) => mine(paper),
            },
        );
    }
    let meta = Meta {
        graded_at: crate::clock::now()?,
        tool: format!("certexam {}", env!("CARGO_PKG_VERSION")),
        key_id: key.key_id().to_string(),
    };
    let scores: Vec<ScoreFile> =
        crate::parallel::map(&accepted, |a| grade::build(&set, a, &adjust, &meta));

    // Compare with what each exam folder already holds.
    let mut existing: BTreeMap<String, Existing> = BTreeMap::new();
    for s in &scores {
        if !existing.contains_key(&s.exam.id) {
            let dir = args.out.join(&s.exam.id);
            // Temporaries of a grading that was killed (an hour is far
            // longer than any write takes; younger ones may be another run's).
            let stale =
                crate::fsutil::remove_stale_temporaries(&dir, std::time::Duration::from_secs(3600));
            if stale > 0 {
                eprintln!(
                    "removed {stale} temporary file(s) left in {} by a grading that was cut short",
                    dir.display()
                );
            }
            existing.insert(s.exam.id.clone(), Existing::scan(&dir)?);
        }
    }
    let decisions = crate::parallel::map(&scores, |s| {
        store::decide(s, &existing[&s.exam.id], key.public())
    });
    let mut planned: Vec<Planned> = Vec::with_capacity(scores.len());
    for ((mut score, decision), acc) in scores.into_iter().zip(decisions).zip(&accepted) {
        let dir = args.out.join(&score.exam.id);
        match decision {
            Ok(Decision::New) => planned.push(Planned {
                path: dir.join(score.file_name()),
                score,
                change: Change::New,
                previous: None,
            }),
            Ok(Decision::Unchanged { path }) => planned.push(Planned {
                path,
                score,
                change: Change::Unchanged,
                previous: None,
            }),
            Ok(Decision::Regrade { previous, old }) => {
                store::supersede(&mut score, &old, &previous)?;
                planned.push(Planned {
                    path: dir.join(score.file_name()),
                    score,
                    change: Change::Regraded,
                    previous: Some(*old),
                });
            }
            Err(latest) => rejects.push(Reject {
                source: acc.sheet.source.clone(),
                row: acc.sheet.row,
                candidate: acc.candidate.id.clone(),
                paper: score.paper.id.clone(),
                reasons: vec![Reason::ExistingRecord(latest.to_string())],
            }),
        }
    }

    // Sign and write.
    let to_write: Vec<&Planned> = planned
        .iter()
        .filter(|p| p.change != Change::Unchanged)
        .collect();
    let bar = progress_bar(to_write.len(), "signing");
    let outputs: Vec<Output> = crate::parallel::map(&to_write, |p| {
        let text = p.score.to_toml();
        let signature = key.sign(text.as_bytes(), &p.score.trusted_comment());
        if let Some(b) = &bar {
            b.inc(1);
        }
        Output {
            path: p.path.clone(),
            text,
            signature,
        }
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let bar = progress_bar(outputs.len(), "writing");
    store::write_all(&outputs, &|| {
        if let Some(b) = &bar {
            b.inc(1);
        }
    })?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }

    // Reports.
    let rows: Vec<Row> = planned
        .iter()
        .map(|p| Row {
            score: &p.score,
            file: p
                .path
                .strip_prefix(&args.out)
                .unwrap_or(&p.path)
                .display()
                .to_string(),
            change: p.change,
        })
        .collect();
    let results_path = args.out.join(report_name(args, "results"));
    let items_path = args.out.join(report_name(args, "items"));
    let rejects_path = args.out.join(report_name(args, "rejects"));
    let regrade_path = args.out.join(report_name(args, "regrade"));
    fsutil::write_atomic(&results_path, &report::results_csv(&rows)?)?;
    fsutil::write_atomic(&items_path, &report::items_csv(&rows)?)?;
    fsutil::write_atomic(&rejects_path, &report::rejects_csv(&rejects)?)?;
    let regrades: Vec<(&ScoreFile, &ScoreFile)> = planned
        .iter()
        .filter_map(|p| p.previous.as_ref().map(|old| (old, &p.score)))
        .collect();
    if !regrades.is_empty() {
        let old = match std::fs::read(&regrade_path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {}", regrade_path.display()));
            }
        };
        fsutil::write_atomic(&regrade_path, &report::regrade_csv(&old, &regrades)?)?;
    }

    let summary = summarize(args, &planned, &rejects);
    print_summary(args, &summary, &planned, &rejects);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    }
    Ok(Status::from_problems(
        summary.rejected > 0 || !summary.signed_in_no_sheet.is_empty(),
    ))
}

/// `results.csv`, or `results.shard-2-of-4.csv` for a part.
fn report_name(args: &Args, report: &str) -> String {
    match args.shard {
        Some(s) => format!("{report}.shard-{}-of-{}.csv", s.index + 1, s.count),
        None => format!("{report}.csv"),
    }
}

fn summarize(args: &Args, planned: &[Planned], rejects: &[Reject]) -> Summary {
    let count = |c: Change| planned.iter().filter(|p| p.change == c).count();
    let passed = planned.iter().filter(|p| p.score.result.pass).count();
    Summary {
        out: args.out.clone(),
        graded: planned.len(),
        new: count(Change::New),
        unchanged: count(Change::Unchanged),
        regraded: count(Change::Regraded),
        passed,
        failed: planned.len() - passed,
        rejected: rejects.iter().filter(|r| r.is_sheet()).count(),
        absent: rejects
            .iter()
            .filter(|r| matches!(r.reasons.first(), Some(Reason::Absent { .. })))
            .map(|r| r.candidate.clone())
            .collect(),
        signed_in_no_sheet: rejects
            .iter()
            .filter(|r| matches!(r.reasons.first(), Some(Reason::SignedInNoSheet { .. })))
            .map(|r| r.candidate.clone())
            .collect(),
        rejects: rejects
            .iter()
            .map(|r| RejectLine {
                source: r.source.clone(),
                row: r.row,
                candidate: r.candidate.clone(),
                paper: r.paper.clone(),
                code: r.reasons.first().map_or("", |x| x.code()).to_string(),
                reason: r.message(),
            })
            .collect(),
        score_files: planned.iter().map(|p| p.path.clone()).collect(),
    }
}

/// Rejected sheets shown on the terminal before pointing to rejects.csv.
const SHOWN_REJECTS: usize = 20;

fn print_summary(args: &Args, s: &Summary, planned: &[Planned], rejects: &[Reject]) {
    let mut exams: Vec<&str> = planned.iter().map(|p| p.score.exam.id.as_str()).collect();
    exams.dedup();
    exams.sort_unstable();
    exams.dedup();
    let folders: Vec<String> = exams
        .iter()
        .map(|e| args.out.join(e).display().to_string())
        .collect();
    let part = args
        .shard
        .map_or(String::new(), |s| format!(" (shard {s})"));
    if s.graded == 0 {
        eprintln!("no sheet could be graded{part}");
    } else {
        eprintln!(
            "graded {} sheet(s){part} into {}: {} passed, {} failed",
            s.graded,
            folders.join(", "),
            s.passed,
            s.failed
        );
        if s.new + s.regraded == 0 {
            eprintln!(
                "nothing new was written: every result is the same as in its existing score file"
            );
        } else {
            eprintln!(
                "score files: {} new, {} regraded (new version beside the old one), {} unchanged",
                s.new, s.regraded, s.unchanged
            );
        }
        for p in planned.iter().filter(|p| p.change == Change::Regraded) {
            if let Some(r) = &p.score.regrade {
                eprintln!(
                    "  regraded {} → {}: {}",
                    r.supersedes,
                    p.score.file_name(),
                    r.reason
                );
            }
        }
    }
    let sheets: Vec<&Reject> = rejects.iter().filter(|r| r.is_sheet()).collect();
    if !sheets.is_empty() {
        eprintln!(
            "{} sheet(s) set aside, not graded (all listed in {}):",
            sheets.len(),
            args.out.join(report_name(args, "rejects")).display()
        );
        for r in sheets.iter().take(SHOWN_REJECTS) {
            let who = if r.candidate.is_empty() {
                String::new()
            } else {
                format!(" {}", r.candidate)
            };
            eprintln!("  {}{who}: {}", r.place(), r.message());
        }
        if sheets.len() > SHOWN_REJECTS {
            eprintln!("  … and {} more", sheets.len() - SHOWN_REJECTS);
        }
        eprintln!(
            "fix those rows and run the same command again: sheets already graded are not written twice"
        );
    }
    let lost: Vec<&Reject> = rejects
        .iter()
        .filter(|r| matches!(r.reasons.first(), Some(Reason::SignedInNoSheet { .. })))
        .collect();
    if !lost.is_empty() {
        eprintln!(
            "{} candidate(s) signed in but have no answer sheet (listed in {}):",
            lost.len(),
            args.out.join(report_name(args, "rejects")).display()
        );
        for r in lost.iter().take(SHOWN_REJECTS) {
            eprintln!("  {} {}: {}", r.place(), r.candidate, r.message());
        }
        if lost.len() > SHOWN_REJECTS {
            eprintln!("  … and {} more", lost.len() - SHOWN_REJECTS);
        }
    }
    let absent: Vec<&Reject> = rejects
        .iter()
        .filter(|r| matches!(r.reasons.first(), Some(Reason::Absent { .. })))
        .collect();
    if !absent.is_empty() {
        let names: Vec<String> = absent
            .iter()
            .map(|r| match r.reasons.first() {
                Some(Reason::Absent { name }) => format!("{} {name}", r.candidate),
                _ => r.candidate.clone(),
            })
            .collect();
        eprintln!(
            "absent (on the roster, no answer sheet): {}",
            names.join(", ")
        );
    }
    eprintln!(
        "reports: {}, {}",
        args.out.join(report_name(args, "results")).display(),
        args.out.join(report_name(args, "items")).display()
    );
}
