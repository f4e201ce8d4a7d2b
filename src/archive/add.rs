//! Adding signed score files to an archive: verify each one against the
//! proctor's key, refuse the bad ones, copy the good ones into `records/`
//! and append one chained ledger entry per new record — all under the
//! archive lock, so concurrent adds queue up instead of forking the chain.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::ledger::{self, Entry};
use super::store::{self, Copy, StoreError};
use super::verify::{self, Finding};
use super::{journal, lock, read_ledger_text, record};
use crate::score_file::ScoreFile;
use crate::sign::{self, PublicKey};

/// A score file that was not added, and why.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Rejected {
    pub file: PathBuf,
    pub reason: String,
}

/// A score file the archive already held.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Already {
    pub file: PathBuf,
    /// Ledger seq of the existing entry.
    pub seq: u64,
    pub record: String,
}

/// What an add did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct AddReport {
    pub added: Vec<Entry>,
    pub already: Vec<Already>,
    pub rejected: Vec<Rejected>,
    /// What was undone of an add that a crash cut short, before this one.
    pub recovered: journal::Recovered,
}

/// What stops an add before anything is written.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    #[error(transparent)]
    Lock(#[from] lock::LockError),
    #[error(transparent)]
    Read(#[from] verify::ReadError),
    #[error(
        "the archive is damaged, so nothing was added (appending would hide the damage):\n  {}\nrun `certexam archive verify` and restore what it names (ledger.jsonl or records) from a backup",
        .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  ")
    )]
    Damaged(Vec<Finding>),
    #[error("cannot write to the archive")]
    Write(#[source] journal::JournalError),
}

struct Candidate {
    file: PathBuf,
    score: ScoreFile,
    bytes: Vec<u8>,
    /// SHA-256 (hex) of `bytes`.
    sha: String,
    signature: Vec<u8>,
}

/// Verifies the score file's `bytes` (read once by the caller, so what is
/// verified is exactly what gets archived) with its signature read beside it.
fn verify_read(
    key: &PublicKey,
    file: &Path,
    bytes: Vec<u8>,
    sha: String,
) -> Result<Candidate, String> {
    let sig_path = crate::score_file::signature_path(file);
    let signature = match std::fs::read(&sig_path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(sign::VerifyError::MissingSignature(sig_path).to_string());
        }
        Err(e) => return Err(format!("cannot read {}: {e}", sig_path.display())),
    };
    let signature_text = std::str::from_utf8(&signature).map_err(|_| {
        sign::VerifyError::MalformedSignature {
            path: sig_path.clone(),
            message: "not UTF-8 text".into(),
        }
        .to_string()
    })?;
    let score =
        sign::verify_score_bytes(key, file, &bytes, signature_text).map_err(|e| e.to_string())?;
    Ok(Candidate {
        file: file.to_path_buf(),
        score,
        bytes,
        sha,
        signature,
    })
}

/// Adds score files (each with its `.minisig` beside it) to the archive in
/// `archive`, stamping new entries with `added_at`. Calls `waiting` if
/// another process holds the archive lock.
pub fn add(
    archive: &Path,
    key: &PublicKey,
    files: &[PathBuf],
    added_at: &str,
    waiting: impl FnOnce(),
) -> Result<AddReport, AddError> {
    let mut report = AddReport::default();
    // A file whose exact bytes the ledger already lists was verified when it
    // was added: it needs no second signature check (the ledger only grows,
    // so a snapshot read before taking the lock is safe to skip by).
    let snapshot = read_ledger_text(archive).unwrap_or_default();
    let (lines, _) = ledger::parse(&snapshot);
    let archived: HashMap<&str, (u64, &str)> = lines
        .iter()
        .filter_map(|l| l.entry.as_ref().ok())
        .map(|e| (e.score_sha256.as_str(), (e.seq, e.record.as_str())))
        .collect();
    let mut good = Vec::new();
    let checked = crate::parallel::map(
        files,
        |f| -> Result<Result<Candidate, (u64, String)>, String> {
            let bytes =
                std::fs::read(f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
            let sha = ledger::sha256_hex(&bytes);
            if let Some(&(seq, record)) = archived.get(sha.as_str()) {
                return Ok(Err((seq, record.to_string())));
            }
            verify_read(key, f, bytes, sha).map(Ok)
        },
    );
    for (file, result) in files.iter().zip(checked) {
        match result {
            Ok(Ok(c)) => good.push(c),
            Ok(Err((seq, record))) => report.already.push(Already {
                file: file.clone(),
                seq,
                record,
            }),
            Err(reason) => report.rejected.push(Rejected {
                file: file.clone(),
                reason,
            }),
        }
    }
    good.sort_by(|a, b| {
        (
            &a.score.exam.id,
            &a.score.candidate.id,
            a.score.version,
            &a.file,
        )
            .cmp(&(
                &b.score.exam.id,
                &b.score.candidate.id,
                b.score.version,
                &b.file,
            ))
    });

    let _lock = lock::lock(archive, waiting)?;
    super::check_no_symlinks(archive)?;
    report.recovered = journal::recover(archive).map_err(AddError::Write)?;
    let text = read_ledger_text(archive)?;
    let (lines, cut_short) = ledger::parse(&text);
    let (chain, findings) = verify::check_chain(&lines, cut_short);
    if !findings.is_empty() {
        return Err(AddError::Damaged(findings));
    }
    let mut known: HashMap<String, (u64, String)> = chain
        .iter()
        .map(|(_, e)| (e.score_sha256.clone(), (e.seq, e.record.clone())))
        .collect();
    let (mut next_seq, mut prev) = chain
        .last()
        .map_or((0, ledger::GENESIS.to_string()), |(_, e)| {
            (e.seq, e.hash.clone())
        });

    let mut new: Vec<(Candidate, String)> = Vec::new();
    // Record paths taken by this batch: two different files for one record name.
    let mut claimed: std::collections::HashSet<String> = std::collections::HashSet::new();
    for c in good {
        if let Some((seq, record)) = known.get(&c.sha) {
            report.already.push(Already {
                file: c.file,
                seq: *seq,
                record: record.clone(),
            });
            continue;
        }
        let record = match store::record_path(&c.score) {
            Ok(r) => r,
            Err(e) => {
                report.rejected.push(Rejected {
                    file: c.file,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let copy = Copy {
            record: &record,
            score: &c.bytes,
            signature: &c.signature,
        };
        let clash = !claimed.insert(record.clone());
        if let Err(e) = store::check_existing(archive, &copy).and_then(|_| {
            if clash {
                Err(StoreError::Conflict(record.clone()))
            } else {
                Ok(true)
            }
        }) {
            report.rejected.push(Rejected {
                file: c.file,
                reason: e.to_string(),
            });
            continue;
        }
        // The record is not in the ledger yet: a file left by an add
        // that was cut short holds the same bytes and is simply adopted.
        next_seq += 1;
        known.insert(c.sha.clone(), (next_seq, record.clone()));
        new.push((c, record));
    }
    if new.is_empty() {
        return Ok(report);
    }
    // The chain alone proves nothing against someone who rewrote a line and
    // recomputed every hash after it: before building on the ledger, every
    // line must agree with its signed record (only when there is something
    // to append, so adding a folder again stays cheap).
    let opened = record::open_chain(archive, Some(key), &chain);
    let problems: Vec<Finding> = opened.problems().cloned().collect();
    if !problems.is_empty() {
        return Err(AddError::Damaged(problems));
    }
    let copies: Vec<Copy<'_>> = new
        .iter()
        .map(|(c, record)| Copy {
            record,
            score: &c.bytes,
            signature: &c.signature,
        })
        .collect();
    journal::begin(
        archive,
        &journal::Journal {
            ledger_len: text.len() as u64,
            files: copies
                .iter()
                .filter(|c| !store::on_disk(archive, c.record).exists())
                .map(|c| c.record.to_string())
                .collect(),
        },
    )
    .map_err(AddError::Write)?;
    // From here on, any failure leaves the archive as it was: undone now,
    // or (after a crash) by the next add.
    let undo = |e: journal::JournalError| {
        let _ = journal::recover(archive);
        AddError::Write(e)
    };
    store::store(archive, &copies).map_err(|e| undo(e.into()))?;

    let mut seq = chain.last().map_or(0, |(_, e)| e.seq);
    let mut lines = String::new();
    for (c, record) in &new {
        seq += 1;
        let entry = Entry::new(
            seq,
            added_at,
            &prev,
            record,
            &c.score,
            &c.bytes,
            &c.signature,
        );
        prev = entry.hash.clone();
        lines.push_str(&entry.to_line());
        report.added.push(entry);
    }
    journal::append(&archive.join(ledger::FILE), lines.as_bytes()).map_err(undo)?;
    journal::finish(archive).map_err(AddError::Write)?;
    Ok(report)
}
