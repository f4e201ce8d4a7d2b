//! `certexam archive verify-certificate`: a certificate PDF traced back to
//! its record in the archive, rendered again from that signed record and
//! compared, and whether it still holds.

use std::path::PathBuf;

use anyhow::{Context, Result};
use jiff::civil::Date;

use crate::Status;
use crate::archive::{certificate, ledger, query, record};
use crate::clock;
use crate::render::document::DocumentOptions;
use crate::render::typst::Typst;
use crate::score_file::ScoreFile;
use crate::sign::PublicKey;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The certificate PDF (from `certexam certificate`).
    #[arg(value_name = "FILE.pdf")]
    pub pdf: PathBuf,
    /// The archive folder.
    #[arg(long, value_name = "DIR")]
    pub archive: PathBuf,
    /// The proctor's public key (NAME.pub). Without it a certificate is at
    /// most NOT VERIFIED: only the proctor's signature makes a record genuine.
    #[arg(long, value_name = "NAME.pub", env = "CERTEXAM_PUBKEY")]
    pub pubkey: Option<PathBuf>,
    /// The date "still valid" refers to (YYYY-MM-DD) [default: today].
    #[arg(long, value_name = "DATE")]
    pub valid_on: Option<Date>,
    /// The typst program that renders the certificate again for comparison
    /// [default: $CERTEXAM_TYPST, else `typst` on PATH].
    #[arg(long, value_name = "PATH")]
    pub typst: Option<PathBuf>,
    /// An extra folder of fonts for typst (repeatable), e.g. one holding a Chinese font.
    #[arg(long = "font-path", value_name = "DIR")]
    pub font_path: Vec<PathBuf>,
}

pub fn run(args: &Args) -> Result<Status> {
    let pdf_bytes =
        std::fs::read(&args.pdf).with_context(|| format!("cannot read {}", args.pdf.display()))?;
    let text = crate::poppler::text(&args.pdf)?;
    let key = args.pubkey.as_deref().map(PublicKey::read).transpose()?;
    let opened = record::open_archive(&args.archive, key.as_ref())
        .with_context(|| format!("cannot read the archive {}", args.archive.display()))?;
    let pdf = args.pdf.display();
    let fingerprints = certificate::fingerprints_in(&text);
    if fingerprints.is_empty() {
        println!(
            "NOT VERIFIED  {pdf}: no fingerprint ({} hex digits) in its text; it is not a certexam certificate, or a scan without text",
            ledger::FINGERPRINT_LEN
        );
        return Ok(Status::Problems);
    }
    let Some(r) = opened
        .records
        .iter()
        .find(|r| fingerprints.iter().any(|f| f == r.entry.fingerprint()))
    else {
        println!(
            "NOT VERIFIED  {pdf}: fingerprint {} is in no record of {}; the certificate is forged or belongs to another archive",
            fingerprints.join(", "),
            args.archive.display()
        );
        return Ok(Status::Problems);
    };
    let entry = &r.entry;
    let mut problems: Vec<String> = opened
        .chain_problems
        .iter()
        .chain(&r.problems)
        .map(ToString::to_string)
        .collect();
    let on = match args.valid_on {
        Some(d) => d,
        None => clock::utc_date(clock::now()?),
    };
    let same_pair = opened
        .records
        .iter()
        .filter(|o| o.entry.exam == entry.exam && o.entry.candidate == entry.candidate);
    let (latest, _, all_trusted) = query::latest(same_pair)[0];
    for other in opened.records.iter().filter(|o| {
        o.entry.seq != entry.seq
            && o.entry.exam == entry.exam
            && o.entry.candidate == entry.candidate
    }) {
        problems.extend(other.problems.iter().map(ToString::to_string));
    }
    let standing = if latest.entry.seq != entry.seq {
        problems.push(format!(
            "superseded: the archive holds version {} of this result ({}, {} → {})",
            latest.entry.version,
            latest.entry.record,
            if latest.entry.pass { "pass" } else { "fail" },
            query::standing_of(latest, all_trusted, on).as_str()
        ));
        "superseded".to_string()
    } else {
        match query::standing(entry, on) {
            query::Standing::Certified | query::Standing::Unverified => format!(
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
    // A genuine fingerprint on a certificate that says something else (another
    // name, hidden text): the archive renders the certificate again from the
    // record and the two must be the same.
    if let Some(score) = &r.score {
        match certificate::issued_in(&text) {
            None => problems.push(format!(
                "the certificate has no issue date (`{} YYYY-MM-DD`), so it is not as `certexam certificate` prints it",
                certificate::ISSUED_LABEL
            )),
            Some(issued) => {
                let expected_pdf = render_again(args, entry, score, issued)?;
                let expected = std::fs::read(&expected_pdf)
                    .context("cannot read the certificate rendered again")?;
                if expected != pdf_bytes {
                    let expected_text = crate::poppler::text(&expected_pdf)?;
                    let differences = certificate::text_differences(&text, &expected_text);
                    if !differences.is_empty() {
                        problems.push(format!(
                            "its text is not what the archive prints for this record ({} line(s) differ):",
                            differences.len()
                        ));
                        for d in differences {
                            problems.push(match d {
                                certificate::Difference::Extra { line, text } => {
                                    format!("  only on the certificate (its line {line}): `{text}`")
                                }
                                certificate::Difference::Missing { text } => {
                                    format!("  missing from the certificate: `{text}`")
                                }
                            });
                        }
                    }
                }
            }
        }
    }
    let verdict = if !problems.is_empty() {
        "NOT VALID"
    } else if key.is_none() {
        "NOT VERIFIED (no key given: add --pubkey NAME.pub)"
    } else {
        "VALID"
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
    Ok(Status::from_problems(verdict != "VALID"))
}

/// The certificate `certexam certificate` prints for this record on
/// `issued`, rendered into a temporary file.
fn render_again(
    args: &Args,
    entry: &ledger::Entry,
    score: &ScoreFile,
    issued: Date,
) -> Result<tempfile::TempPath> {
    let typst = Typst::locate(args.typst.as_deref())?;
    let dest = tempfile::Builder::new()
        .prefix("certexam-certificate-")
        .suffix(".pdf")
        .tempfile()
        .context("cannot create a temporary file")?
        .into_temp_path();
    let data = certificate::data(entry, score, &issued.to_string());
    let opts = DocumentOptions {
        templates: None,
        font_paths: args.font_path.clone(),
        jobs: 1,
    };
    let results = crate::render::certificate::render_certificates(
        &typst,
        &[(data, dest.to_path_buf())],
        certificate::creation_timestamp(issued),
        &opts,
        &|_| {},
    )?;
    for result in results {
        result.context("cannot render the certificate again to compare")?;
    }
    Ok(dest)
}
