//! `certexam verify`: checks score files against the proctor's public key,
//! the way HR does years later — each file OK or FAILED with the reason.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use serde::Serialize;

use crate::Status;
use crate::score_file;
use crate::sign::{self, PublicKey};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The proctor's public key (NAME.pub from `certexam keygen`).
    #[arg(long, value_name = "NAME.pub")]
    pub pubkey: PathBuf,
    /// Score files, or folders searched for them (*.score.toml, *.score.vN.toml).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Print only the files that fail, and the count.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print the results as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Checked {
    file: PathBuf,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    candidate: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exam: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pass: Option<bool>,
}

/// A regrade whose earlier version is gone or replaced: the history of a
/// result must be complete (a v2 without its v1 hides what was changed).
fn superseded_problem(file: &Path, s: &score_file::ScoreFile) -> Option<String> {
    let regrade = s.regrade.as_ref()?;
    let previous = file.with_file_name(&regrade.supersedes);
    match std::fs::read(&previous) {
        Err(_) => Some(format!(
            "MISSING {}: {} is version {} and supersedes it, but it is not there (removed or never handed over)",
            previous.display(),
            file.display(),
            s.version
        )),
        Ok(bytes) if crate::archive::ledger::sha256_hex(&bytes) != regrade.supersedes_sha256 => {
            Some(format!(
                "FAILED  {}: its SHA-256 is not the one {} recorded for it: it was replaced after the regrade",
                previous.display(),
                file.display()
            ))
        }
        Ok(_) => None,
    }
}

pub fn run(args: &Args) -> Result<Status> {
    let key = PublicKey::read(&args.pubkey)?;
    let files = score_file::find(&args.paths)?;
    if files.is_empty() {
        bail!(
            "no score files (*.score.toml) under {}",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let results = crate::parallel::map(&files, |f| sign::verify_score_file(&key, f));
    let mut checked = Vec::with_capacity(files.len());
    let mut failed = 0;
    // Regrades whose earlier version is missing or replaced.
    let mut history = 0;
    let mut out = String::new();
    for (file, result) in files.iter().zip(results) {
        match result {
            Ok(s) => {
                if let Some(problem) = superseded_problem(file, &s) {
                    history += 1;
                    out.push_str(&format!("{problem}\n"));
                }
                if !args.quiet {
                    out.push_str(&format!(
                        "OK      {}  {} {}  {}  {}/{}  {}\n",
                        file.display(),
                        s.candidate.id,
                        s.candidate.name,
                        s.exam.id,
                        s.result.total,
                        s.result.max,
                        if s.result.pass { "PASS" } else { "FAIL" }
                    ));
                }
                checked.push(Checked {
                    file: file.clone(),
                    ok: true,
                    reason: None,
                    candidate: Some(s.candidate.id),
                    exam: Some(s.exam.id),
                    total: Some(format!("{}/{}", s.result.total, s.result.max)),
                    pass: Some(s.result.pass),
                });
            }
            Err(e) => {
                failed += 1;
                out.push_str(&format!("FAILED  {}: {e}\n", file.display()));
                checked.push(Checked {
                    file: file.clone(),
                    ok: false,
                    reason: Some(e.to_string()),
                    candidate: None,
                    exam: None,
                    total: None,
                    pass: None,
                });
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&checked)?);
    } else {
        print!("{out}");
    }
    eprintln!(
        "{} score file(s) checked with key {}: {} OK, {failed} FAILED",
        files.len(),
        key.key_id(),
        files.len() - failed
    );
    if history > 0 {
        eprintln!(
            "{history} regrade(s) whose earlier version is missing or replaced: get the whole scores folder from the proctor"
        );
    }
    if failed > 0 {
        eprintln!(
            "a FAILED file cannot be trusted: get the original from the proctor (or the archive) and check it again"
        );
    }
    Ok(Status::from_problems(failed > 0 || history > 0))
}
