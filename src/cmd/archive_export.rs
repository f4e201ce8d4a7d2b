//! `certexam archive export`: every record as a CSV or Excel sheet for HR.

use std::path::PathBuf;

use anyhow::{Context, Result};
use jiff::civil::Date;

use crate::Status;
use crate::archive::{export, record};
use crate::sign::PublicKey;
use crate::{clock, fsutil};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Xlsx,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// English column names.
    En,
    /// Chinese column names and values (CSV gets a UTF-8 byte-order mark for Excel).
    Zh,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The archive folder.
    #[arg(long, value_name = "DIR")]
    pub archive: PathBuf,
    /// The proctor's public key (NAME.pub): results are read from the signed
    /// score files it verifies, never from the ledger alone.
    #[arg(long, value_name = "NAME.pub", env = "CERTEXAM_PUBKEY")]
    pub pubkey: PathBuf,
    /// File format [default: from the --out extension].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// The file to write (replaced if it exists).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Language of the header row.
    #[arg(long, value_enum, default_value = "en")]
    pub lang: Lang,
    /// The date the status column refers to (YYYY-MM-DD) [default: today].
    #[arg(long, value_name = "DATE")]
    pub valid_on: Option<Date>,
}

pub fn run(args: &Args) -> Result<Status> {
    let format = match args.format {
        Some(f) => f,
        None => match args.out.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("xlsx") => Format::Xlsx,
            Some(e) if e.eq_ignore_ascii_case("csv") => Format::Csv,
            _ => anyhow::bail!(
                "cannot tell the format from {}: give --format csv or --format xlsx",
                args.out.display()
            ),
        },
    };
    let key = PublicKey::read(&args.pubkey)?;
    let opened = record::open_archive(&args.archive, Some(&key))
        .with_context(|| format!("cannot export the archive {}", args.archive.display()))?;
    let problems = crate::cmd::common::print_archive_problems(&args.archive, &opened);
    let on = match args.valid_on {
        Some(d) => d,
        None => clock::utc_date(clock::now()?),
    };
    let lang = match args.lang {
        Lang::En => export::Lang::En,
        Lang::Zh => export::Lang::Zh,
    };
    let (header, rows) = export::rows(&opened.records, lang, on);
    let bytes = match format {
        Format::Csv => export::csv(&header, &rows),
        Format::Xlsx => export::xlsx(&header, &rows, lang)
            .with_context(|| format!("cannot make the workbook {}", args.out.display()))?,
    };
    fsutil::write_atomic(&args.out, &bytes)?;
    eprintln!(
        "wrote {} record(s) to {} (status as of {on})",
        rows.len(),
        args.out.display()
    );
    Ok(Status::from_problems(problems))
}
