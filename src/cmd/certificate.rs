//! `certexam certificate`: PDF/A certificates (证书) for passing records
//! of the archive, through typst.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::Status;
use crate::archive::{self, certificate, ledger, query, store};
use crate::render::typst::{self, Typst};
use crate::score_file::ScoreFile;
use crate::{clock, fsutil};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The archive folder.
    #[arg(long, value_name = "DIR")]
    pub archive: PathBuf,
    /// The candidate (id); with --exam, one certificate.
    #[arg(
        long,
        value_name = "ID",
        required_unless_present = "all_passed",
        requires = "exam"
    )]
    pub candidate: Option<String>,
    /// The exam (id); alone with --all-passed, everyone certified in that exam.
    #[arg(long, value_name = "ID")]
    pub exam: Option<String>,
    /// A certificate for every candidate currently certified (optionally only in --exam).
    #[arg(long, conflicts_with = "candidate")]
    pub all_passed: bool,
    /// Output folder: OUT/<exam-id>/<candidate>.pdf.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The typst program [default: $CERTEXAM_TYPST, else `typst` on PATH].
    #[arg(long, value_name = "PATH")]
    pub typst: Option<PathBuf>,
    /// An extra folder of fonts for typst (repeatable), e.g. one holding a Chinese font.
    #[arg(long = "font-path", value_name = "DIR")]
    pub font_path: Vec<PathBuf>,
}

pub fn run(args: &Args) -> Result<Status> {
    let ledger = archive::read(&args.archive)
        .with_context(|| format!("cannot read the archive {}", args.archive.display()))?;
    if !ledger.problems.is_empty() {
        bail!(
            "the ledger of {} has {} problem(s) (first: {}); run `certexam archive verify` and repair it before issuing certificates",
            args.archive.display(),
            ledger.problems.len(),
            ledger.problems[0]
        );
    }
    let now = clock::now()?;
    let today = clock::utc_date(now);
    let filter = query::Filter {
        candidate: args.candidate.clone(),
        exam: args.exam.clone(),
        ..query::Filter::default()
    };
    let rows = query::query(&ledger.entries, &filter, today);
    let mut problems = false;
    if let (Some(c), Some(x)) = (&args.candidate, &args.exam) {
        match rows.first() {
            None => bail!(
                "the archive {} holds no record of candidate {c} in exam {x}; check both ids with `certexam archive query --candidate {c}`",
                args.archive.display()
            ),
            Some(r) if r.standing != query::Standing::Certified => {
                eprintln!(
                    "no certificate for {c} {} in {x}: the latest record (version {}) is {}{}",
                    r.name,
                    r.version,
                    r.standing.as_str(),
                    r.valid_until
                        .map(|d| format!(" (valid until {d})"))
                        .unwrap_or_default()
                );
                return Ok(Status::Problems);
            }
            Some(_) => {}
        }
    }
    let certified: Vec<&ledger::Entry> = rows
        .iter()
        .filter(|r| r.standing == query::Standing::Certified)
        .map(|r| r.latest)
        .collect();
    if certified.is_empty() {
        eprintln!(
            "nobody is certified on {today} among the records asked for; no certificate made"
        );
        return Ok(Status::Ok);
    }
    let typst = Typst::locate(args.typst.as_deref())?;
    if typst.version != typst::PINNED {
        eprintln!(
            "warning: {} is typst {}; certificates are byte-identical across machines only with typst {}",
            typst.program.display(),
            typst.version,
            typst::PINNED
        );
    }
    let renderer = certificate::Renderer::new(typst, args.font_path.clone())?;
    let issued = today.to_string();
    let jobs: Vec<(usize, &ledger::Entry)> = certified.into_iter().enumerate().collect();
    let results = crate::parallel::map(&jobs, |&(job, e)| -> Result<PathBuf> {
        let path = store::on_disk(&args.archive, &e.record);
        let bytes = std::fs::read(&path)
            .with_context(|| format!("cannot read the archived record {}", path.display()))?;
        if ledger::sha256_hex(&bytes) != e.score_sha256 {
            bail!(
                "{} was edited since it was archived (SHA-256 differs from ledger seq {}); run `certexam archive verify`",
                e.record,
                e.seq
            );
        }
        let text = String::from_utf8(bytes).context("the record is not UTF-8 text")?;
        let score = ScoreFile::parse(&path, &text)?;
        let data = certificate::data(e, &score, &issued);
        let pdf = renderer.render(job, &data, now.as_second())?;
        let dest = args.out.join(&e.exam).join(format!("{}.pdf", e.candidate));
        fsutil::write_atomic(&dest, &pdf)?;
        Ok(dest)
    });
    let mut made = 0;
    for ((_, e), result) in jobs.iter().zip(results) {
        match result {
            Ok(dest) => {
                made += 1;
                println!(
                    "{}  {} {}  {}  fingerprint {}",
                    dest.display(),
                    e.candidate,
                    e.name,
                    e.exam,
                    e.fingerprint()
                );
            }
            Err(err) => {
                problems = true;
                eprintln!("no certificate for {} in {}: {err:#}", e.candidate, e.exam);
            }
        }
    }
    eprintln!(
        "{made} certificate(s) (PDF/A-2b) written to {}",
        args.out.display()
    );
    Ok(Status::from_problems(problems))
}
