//! `certexam archive verify`: the whole archive checked, every problem named.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::Status;
use crate::archive::verify;
use crate::sign::PublicKey;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The archive folder.
    #[arg(long, value_name = "DIR")]
    pub archive: PathBuf,
    /// The proctor's public key (NAME.pub); every archived signature is checked against it.
    #[arg(long, value_name = "NAME.pub")]
    pub pubkey: PathBuf,
    /// A ledger head written down earlier (SEQ:HASH, as add and verify print it):
    /// that entry must still be there, unchanged. Catches lines removed from the
    /// end and a ledger rewritten from scratch, which the chain alone cannot show.
    #[arg(long, value_name = "SEQ:HASH")]
    pub head: Option<verify::Head>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &Args) -> Result<Status> {
    let key = PublicKey::read(&args.pubkey)?;
    anyhow::ensure!(
        args.archive.is_dir(),
        "the archive folder {} does not exist",
        args.archive.display()
    );
    let report = verify::verify(&args.archive, &key, args.head.as_ref())
        .with_context(|| format!("cannot check the archive {}", args.archive.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for f in &report.findings {
            println!("problem: {f}");
        }
    }
    let head = report
        .head
        .as_ref()
        .map_or("empty".to_string(), |(seq, hash)| {
            format!(
                "ends at seq {seq}; keep `--head {seq}:{hash}` outside the archive to prove later that nothing was cut off"
            )
        });
    if report.findings.is_empty() {
        eprintln!(
            "{}: OK — {} ledger line(s), {} record(s) and signatures checked with key {}; ledger {head}",
            args.archive.display(),
            report.lines,
            report.records,
            key.key_id()
        );
    } else {
        eprintln!(
            "{}: {} problem(s) in {} ledger line(s) and {} record(s); do not trust the records named above — restore them from a backup and verify again",
            args.archive.display(),
            report.findings.len(),
            report.lines,
            report.records
        );
    }
    Ok(Status::from_problems(!report.findings.is_empty()))
}
