//! `certexam archive verify-certificate`: a certificate PDF traced back to
//! its record in the archive, and whether it still holds.

use std::path::PathBuf;

use anyhow::{Context, Result};
use jiff::civil::Date;

use crate::Status;
use crate::archive::{self, certificate, ledger, query, store};
use crate::clock;
use crate::sign::{self, PublicKey};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The certificate PDF (from `certexam certificate`).
    #[arg(value_name = "FILE.pdf")]
    pub pdf: PathBuf,
    /// The archive folder.
    #[arg(long, value_name = "DIR")]
    pub archive: PathBuf,
    /// Also check the archived record's signature with the proctor's public key.
    #[arg(long, value_name = "NAME.pub")]
    pub pubkey: Option<PathBuf>,
    /// The date "still valid" refers to (YYYY-MM-DD) [default: today].
    #[arg(long, value_name = "DATE")]
    pub valid_on: Option<Date>,
}

pub fn run(args: &Args) -> Result<Status> {
    let text = certificate::pdf_text(&args.pdf)?;
    let ledger = archive::read(&args.archive)
        .with_context(|| format!("cannot read the archive {}", args.archive.display()))?;
    if !ledger.problems.is_empty() {
        eprintln!(
            "warning: the ledger of {} has {} problem(s) (first: {}); run `certexam archive verify`",
            args.archive.display(),
            ledger.problems.len(),
            ledger.problems[0]
        );
    }
    let pdf = args.pdf.display();
    let fingerprints = certificate::fingerprints_in(&text);
    if fingerprints.is_empty() {
        println!(
            "NOT VERIFIED  {pdf}: no fingerprint ({} hex digits) in its text; it is not a certexam certificate, or a scan without text",
            ledger::FINGERPRINT_LEN
        );
        return Ok(Status::Problems);
    }
    let Some(entry) = ledger
        .entries
        .iter()
        .find(|e| fingerprints.iter().any(|f| f == e.fingerprint()))
    else {
        println!(
            "NOT VERIFIED  {pdf}: fingerprint {} is in no record of {}; the certificate is forged or belongs to another archive",
            fingerprints.join(", "),
            args.archive.display()
        );
        return Ok(Status::Problems);
    };
    let mut problems = Vec::new();
    // A genuine fingerprint pasted onto someone else's certificate.
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let name: String = entry.name.chars().filter(|c| !c.is_whitespace()).collect();
    if !squeezed.contains(&name) || !squeezed.contains(&entry.candidate) {
        problems.push(format!(
            "the certificate does not name {} ({}), whose record has this fingerprint",
            entry.name, entry.candidate
        ));
    }
    let path = store::on_disk(&args.archive, &entry.record);
    match std::fs::read(&path) {
        Ok(bytes) if ledger::sha256_hex(&bytes) == entry.score_sha256 => {}
        Ok(_) => problems.push(format!(
            "the archived record {} was edited since it was added (run `certexam archive verify`)",
            entry.record
        )),
        Err(e) => problems.push(format!(
            "cannot read the archived record {}: {e}",
            entry.record
        )),
    }
    if let Some(pubkey) = &args.pubkey {
        let key = PublicKey::read(pubkey)?;
        if let Err(e) = sign::verify_score_file(&key, &path) {
            problems.push(format!("the record's signature does not verify: {e}"));
        }
    }
    let on = match args.valid_on {
        Some(d) => d,
        None => clock::utc_date(clock::now()?),
    };
    let same_pair = ledger
        .entries
        .iter()
        .filter(|e| e.exam == entry.exam && e.candidate == entry.candidate);
    let (latest, _) = query::latest(same_pair)[0];
    let standing = if latest.seq != entry.seq {
        problems.push(format!(
            "superseded: the archive holds version {} of this result ({}, {} → {})",
            latest.version,
            latest.record,
            if latest.pass { "pass" } else { "fail" },
            query::standing(latest, on).as_str()
        ));
        "superseded".to_string()
    } else {
        match query::standing(entry, on) {
            query::Standing::Certified => format!(
                "certified on {on}, valid until {}",
                entry.valid_until.as_deref().unwrap_or("(no end date)")
            ),
            query::Standing::Expired => {
                problems.push(format!(
                    "expired: it was valid until {}",
                    entry.valid_until.as_deref().unwrap_or("?")
                ));
                "expired".to_string()
            }
            query::Standing::Failed => {
                problems.push("the record is a fail".to_string());
                "failed".to_string()
            }
        }
    };
    let verdict = if problems.is_empty() {
        "VALID"
    } else {
        "NOT VALID"
    };
    println!(
        "{verdict}  {pdf}: fingerprint {} = ledger seq {} ({}): {} {}, {} version {}, {}/{} ({}%); {standing}",
        entry.fingerprint(),
        entry.seq,
        entry.record,
        entry.candidate,
        entry.name,
        entry.exam,
        entry.version,
        entry.total,
        entry.max,
        entry.percent
    );
    for p in &problems {
        println!("  {p}");
    }
    Ok(Status::from_problems(!problems.is_empty()))
}
