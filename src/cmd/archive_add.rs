//! `certexam archive add`: verified score files into the archive.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::Status;
use crate::archive::add;
use crate::clock;
use crate::sign::PublicKey;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The archive folder (created on first use).
    #[arg(long, value_name = "DIR")]
    pub archive: PathBuf,
    /// The proctor's public key (NAME.pub from `certexam keygen`); only files it verifies are added.
    #[arg(long, value_name = "NAME.pub")]
    pub pubkey: PathBuf,
    /// Score files, or folders searched for them (*.score.toml, *.score.vN.toml, each with its .minisig).
    #[arg(required = true, value_name = "SCORES")]
    pub paths: Vec<PathBuf>,
    /// Print the outcome as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &Args) -> Result<Status> {
    let key = PublicKey::read(&args.pubkey)?;
    let files = crate::score_file::find(&args.paths)?;
    if files.is_empty() {
        bail!(
            "no score files (*.score.toml) under {}; give the folder `certexam grade --out` wrote",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let now = clock::format(clock::now()?);
    let archive = &args.archive;
    let report = add::add(archive, &key, &files, &now, || {
        eprintln!(
            "waiting: another certexam is adding to {}…",
            archive.display()
        );
    })
    .with_context(|| format!("cannot add to the archive {}", archive.display()))?;
    let mut report = report;
    report.already.sort_by(|a, b| a.file.cmp(&b.file));

    let recovered = &report.recovered;
    if recovered.ledger_bytes > 0 || recovered.files > 0 {
        eprintln!(
            "undid an `archive add` that was cut short: {} byte(s) cut off the end of ledger.jsonl, {} record file(s) it had copied removed; the archive is as it was before it (add those score files again)",
            recovered.ledger_bytes, recovered.files
        );
    }
    if recovered.temporaries > 0 {
        eprintln!(
            "removed {} temporary file(s) left in records/ by a write that was cut short",
            recovered.temporaries
        );
    }
    for r in &report.rejected {
        eprintln!("refused {}: {}", r.file.display(), r.reason);
    }
    // Adding a whole scores folder again is common: name a few, count the rest.
    const NAMED: usize = 10;
    for a in report.already.iter().take(NAMED) {
        eprintln!(
            "{}: already in the archive as {} (seq {}); nothing to do",
            a.file.display(),
            a.record,
            a.seq
        );
    }
    if report.already.len() > NAMED {
        eprintln!(
            "… and {} more file(s) already in the archive; nothing to do for them",
            report.already.len() - NAMED
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for e in &report.added {
            println!(
                "added seq {:>5}  {}  {} {}  {}/{}  {}",
                e.seq,
                e.record,
                e.candidate,
                e.name,
                e.total,
                e.max,
                if e.pass { "PASS" } else { "FAIL" }
            );
        }
    }
    let mut summary = format!(
        "{}: {} record(s) added, {} already there, {} refused",
        archive.display(),
        report.added.len(),
        report.already.len(),
        report.rejected.len()
    );
    if let Some(last) = report.added.last() {
        summary.push_str(&format!(
            "; ledger head is now {}:{} (for `archive verify --head`)",
            last.seq, last.hash
        ));
    }
    eprintln!("{summary}");
    if !report.rejected.is_empty() {
        eprintln!(
            "a refused file was not archived: get a good copy from the proctor (check it with `certexam verify`) and add it again"
        );
    }
    Ok(Status::from_problems(!report.rejected.is_empty()))
}
