//! `certexam certificate`: PDF/A certificates (证书) for passing records
//! of the archive, through typst.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::Status;
use crate::archive::{certificate, query, record};
use crate::clock;
use crate::render;
use crate::render::document::DocumentOptions;
use crate::render::typst::{self, Typst};
use crate::sign::PublicKey;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The archive folder.
    #[arg(long, value_name = "DIR")]
    pub archive: PathBuf,
    /// The proctor's public key (NAME.pub): a certificate is made only from a
    /// signed score file it verifies, never from the ledger alone.
    #[arg(long, value_name = "NAME.pub", env = "CERTEXAM_PUBKEY")]
    pub pubkey: PathBuf,
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
    /// typst processes at once [default: the number of cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
}

pub fn run(args: &Args) -> Result<Status> {
    let key = PublicKey::read(&args.pubkey)?;
    let opened = record::open_archive(&args.archive, Some(&key))
        .with_context(|| format!("cannot read the archive {}", args.archive.display()))?;
    if !opened.chain_problems.is_empty() {
        bail!(
            "the ledger of {} has {} problem(s) (first: {}); run `certexam archive verify` and repair it before issuing certificates",
            args.archive.display(),
            opened.chain_problems.len(),
            opened.chain_problems[0]
        );
    }
    let mut problems = crate::cmd::common::print_archive_problems(&args.archive, &opened);
    let now = clock::now()?;
    let today = clock::utc_date(now);
    let filter = query::Filter {
        candidate: args.candidate.clone(),
        exam: args.exam.clone(),
        ..query::Filter::default()
    };
    let rows = query::query(&opened.records, &filter, today);
    if let (Some(c), Some(x)) = (&args.candidate, &args.exam) {
        match rows.first() {
            None => bail!(
                "the archive {} holds no record of candidate {c} in exam {x}; check both ids with `certexam archive query --candidate {c}`",
                args.archive.display()
            ),
            Some(r) if r.standing == query::Standing::Unverified => {
                eprintln!(
                    "no certificate for {c} {} in {x}: a record of theirs does not verify with key {} (see the problems above)",
                    r.name,
                    key.key_id()
                );
                return Ok(Status::Problems);
            }
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
    for r in rows
        .iter()
        .filter(|r| r.standing == query::Standing::Unverified)
    {
        problems = true;
        eprintln!(
            "no certificate for {} {} in {}: a record of theirs does not verify (see the problems above)",
            r.candidate, r.name, r.exam
        );
    }
    // A ledger line that disagrees with its signed record means someone
    // edited the ledger: no certificate for that candidate until it is
    // repaired, even though the signed values are known.
    let disputed = |r: &query::Row<'_>| {
        opened.records.iter().any(|o| {
            o.entry.exam == r.exam && o.entry.candidate == r.candidate && !o.problems.is_empty()
        })
    };
    let mut certified: Vec<&record::Record> = Vec::new();
    for r in rows
        .iter()
        .filter(|r| r.standing == query::Standing::Certified)
    {
        if disputed(r) {
            problems = true;
            eprintln!(
                "no certificate for {} {} in {}: the ledger disagrees with their signed record (see the problems above)",
                r.candidate, r.name, r.exam
            );
        } else {
            certified.push(r.latest);
        }
    }
    if args.candidate.is_some() && certified.is_empty() && problems {
        return Ok(Status::Problems);
    }
    if certified.is_empty() {
        eprintln!(
            "nobody is certified on {today} among the records asked for; no certificate made"
        );
        return Ok(Status::from_problems(problems));
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
    let issued = today.to_string();
    let mut certificates = Vec::with_capacity(certified.len());
    for r in &certified {
        let e = &r.entry;
        let score = r
            .score
            .as_ref()
            .context("a certified record always holds its signed score file")?;
        let dest = args.out.join(&e.exam).join(format!("{}.pdf", e.candidate));
        certificates.push((certificate::data(e, score, &issued), dest));
    }
    let opts = DocumentOptions {
        templates: None,
        font_paths: args.font_path.clone(),
        jobs: args
            .jobs
            .map_or_else(|| crate::parallel::workers(256), |j| j as usize),
    };
    let results = render::certificate::render_certificates(
        &typst,
        &certificates,
        certificate::creation_timestamp(today),
        &opts,
        &|_| {},
    )?;
    let mut made = 0;
    for ((r, (_, dest)), result) in certified.iter().zip(&certificates).zip(results) {
        let e = &r.entry;
        match result {
            Ok(()) => {
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
