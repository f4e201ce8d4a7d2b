//! `certexam archive query`: who is certified, until when.

use crate::formula_guard::guard_record;
use std::path::PathBuf;

use anyhow::{Context, Result};
use jiff::civil::Date;

use crate::Status;
use crate::archive::{query, record};
use crate::clock;
use crate::sign::PublicKey;
use crate::table::Table;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The archive folder.
    #[arg(long, value_name = "DIR")]
    pub archive: PathBuf,
    /// The proctor's public key (NAME.pub): results are read from the signed
    /// score files it verifies, never from the ledger alone.
    #[arg(long, value_name = "NAME.pub", env = "CERTEXAM_PUBKEY")]
    pub pubkey: PathBuf,
    /// Only this candidate (id).
    #[arg(long, value_name = "ID")]
    pub candidate: Option<String>,
    /// Only this exam (id).
    #[arg(long, value_name = "ID")]
    pub exam: Option<String>,
    /// Only candidates certified on the reference date (latest record a pass, not expired).
    #[arg(long, conflicts_with = "failed")]
    pub passed: bool,
    /// Only candidates whose latest record is a fail.
    #[arg(long)]
    pub failed: bool,
    /// The reference date for "certified" and "expired" (YYYY-MM-DD) [default: today].
    #[arg(long, value_name = "DATE")]
    pub valid_on: Option<Date>,
    /// Only certified candidates whose validity ends within DAYS of the reference date.
    #[arg(long, value_name = "DAYS", conflicts_with = "failed")]
    pub expiring_within: Option<u32>,
    /// Print JSON on stdout.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV on stdout.
    #[arg(long)]
    pub csv: bool,
}

pub fn run(args: &Args) -> Result<Status> {
    let key = PublicKey::read(&args.pubkey)?;
    let opened = record::open_archive(&args.archive, Some(&key))
        .with_context(|| format!("cannot query the archive {}", args.archive.display()))?;
    let problems = crate::cmd::common::print_archive_problems(&args.archive, &opened);
    let on = match args.valid_on {
        Some(d) => d,
        None => clock::utc_date(clock::now()?),
    };
    let filter = query::Filter {
        candidate: args.candidate.clone(),
        exam: args.exam.clone(),
        passed: match (args.passed, args.failed) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        expiring_within: args.expiring_within.map(i64::from),
    };
    let rows = query::query(&opened.records, &filter, on);
    let days = |r: &query::Row<'_>| r.days_left.map_or(String::new(), |d| d.to_string());
    if args.json {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            valid_on: String,
            rows: &'a [query::Row<'a>],
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&Out {
                valid_on: on.to_string(),
                rows: &rows
            })?
        );
    } else if args.csv {
        let mut w = csv::Writer::from_writer(std::io::stdout().lock());
        w.write_record(guard_record([
            "exam",
            "candidate",
            "name",
            "status",
            "total",
            "max",
            "percent",
            "valid_until",
            "days_left",
            "version",
            "records",
            "fingerprint",
        ]))?;
        for r in &rows {
            w.write_record(guard_record([
                r.exam,
                r.candidate,
                r.name,
                r.standing.as_str(),
                &r.total,
                &r.max,
                &r.percent.map_or(String::new(), |p| p.to_string()),
                r.valid_until.unwrap_or(""),
                &days(r),
                &r.version.to_string(),
                &r.records.to_string(),
                r.fingerprint,
            ]))?;
        }
        w.flush()?;
    } else {
        let mut t = Table::new([
            "EXAM",
            "CANDIDATE",
            "NAME",
            "STATUS",
            "SCORE",
            "PERCENT",
            "VALID UNTIL",
            "DAYS LEFT",
            "VERSION",
            "FINGERPRINT",
        ]);
        for r in &rows {
            t.row([
                r.exam.to_string(),
                r.candidate.to_string(),
                r.name.to_string(),
                r.standing.as_str().to_string(),
                if r.total.is_empty() {
                    String::new()
                } else {
                    format!("{}/{}", r.total, r.max)
                },
                r.percent.map_or(String::new(), |p| format!("{p}%")),
                r.valid_until.unwrap_or("").to_string(),
                days(r),
                r.version.to_string(),
                r.fingerprint.to_string(),
            ]);
        }
        if !t.is_empty() {
            print!("{}", t.render());
        }
        eprintln!(
            "{} candidate/exam pair(s), standing on {on} (certified = latest record a pass, valid through that day)",
            rows.len()
        );
    }
    Ok(Status::from_problems(problems))
}
