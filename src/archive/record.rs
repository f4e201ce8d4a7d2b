//! The one way a result is read out of the archive. The ledger is only an
//! index: anyone who can write `ledger.jsonl` can rewrite a line and
//! recompute the chain without any key. So every command that reports or
//! certifies a result (`query`, `export`, `certificate`,
//! `verify-certificate`, and `add` before it builds on the chain) opens
//! each record here: the archived score file must still have the SHA-256
//! its ledger line recorded, its signature must verify with the proctor's
//! public key that the caller holds, and then pass/fail, points, validity
//! and version are taken from the **signed file**, never from the line. A
//! line that disagrees with its signed record is reported as a problem.

use std::path::Path;

use super::ledger::{self, Entry};
use super::store;
use super::verify::{self, Finding, ReadError};
use crate::score_file::{self, ScoreFile};
use crate::sign::{self, PublicKey};

/// One ledger entry and what its archived record proved.
#[derive(Clone, Debug)]
pub struct Record {
    /// Ledger line number (1-based).
    pub line: usize,
    /// The ledger entry with every result field (exam, candidate, name,
    /// paper, total, max, percent, pass, valid_until, version) replaced by
    /// the signed score file's when it was opened; the ledger's own values
    /// otherwise (only for naming the record in messages).
    pub entry: Entry,
    /// The archived score file: `Some` only when it has the ledger's
    /// SHA-256 and reads as a score file (and, with a key, its signature
    /// verified).
    pub score: Option<ScoreFile>,
    /// Whether the file is the one the ledger hashed and its signature
    /// verified with the proctor's key.
    pub verified: bool,
    /// Everything wrong with this record or its ledger line.
    pub problems: Vec<Finding>,
}

impl Record {
    /// Whether the result can be relied on: the archived file is the one
    /// the ledger hashed and its signature verified, so [`Record::entry`]
    /// holds the signed values (its ledger line may still disagree with
    /// them: that is among [`Record::problems`]).
    pub fn trusted(&self) -> bool {
        self.verified
    }
}

/// The ledger entry's result fields as the signed score file states them.
fn signed_entry(e: &Entry, score: &ScoreFile) -> Entry {
    let mut out = e.clone();
    out.exam.clone_from(&score.exam.id);
    out.candidate.clone_from(&score.candidate.id);
    out.name.clone_from(&score.candidate.name);
    out.paper_id.clone_from(&score.paper.id);
    out.total = score.result.total;
    out.max = score.result.max;
    out.percent = score.result.percent;
    out.pass = score.result.pass;
    out.valid_until.clone_from(&score.result.valid_until);
    out.version = score.version;
    out
}

/// Opens the record of ledger entry `e` (on ledger line `line`). With
/// `key`, its signature must verify; without, the file is only checked
/// against the ledger's SHA-256 (which whoever wrote the ledger chose), and
/// the caller must not call the result verified.
pub fn open(archive: &Path, key: Option<&PublicKey>, line: usize, e: &Entry) -> Record {
    let mut problems = Vec::new();
    let done = |problems: Vec<Finding>| Record {
        line,
        entry: e.clone(),
        score: None,
        verified: false,
        problems,
    };
    let expected = format!(
        "{}/{}/{}/{}",
        store::RECORDS,
        e.exam,
        e.candidate,
        score_file::file_name(&e.candidate, e.version)
    );
    if e.record != expected || e.record.split('/').any(|c| c == ".." || c.is_empty()) {
        problems.push(Finding::WrongPlace {
            line,
            record: e.record.clone(),
            expected,
        });
        return done(problems);
    }
    let path = store::on_disk(archive, &e.record);
    let signature = format!("{}{}", e.record, score_file::SIG_EXTENSION);
    let sig_path = score_file::signature_path(&path);
    let Ok(bytes) = std::fs::read(&path) else {
        problems.push(Finding::RecordMissing {
            line,
            record: e.record.clone(),
        });
        return done(problems);
    };
    if ledger::sha256_hex(&bytes) != e.score_sha256 {
        problems.push(Finding::RecordEdited {
            line,
            record: e.record.clone(),
        });
    }
    let sig = match std::fs::read(&sig_path) {
        Ok(sig) if ledger::sha256_hex(&sig) != e.sig_sha256 => {
            problems.push(Finding::SignatureReplaced { line, signature });
            sig
        }
        Ok(sig) => sig,
        Err(_) => {
            problems.push(Finding::SignatureMissing { line, signature });
            Vec::new()
        }
    };
    if !problems.is_empty() {
        return done(problems);
    }
    // The bytes just hashed are the ones verified: each file is read once.
    let opened = match key {
        Some(key) => match std::str::from_utf8(&sig) {
            Ok(sig_text) => sign::verify_score_bytes(key, &path, &bytes, sig_text),
            Err(_) => Err(sign::VerifyError::MalformedSignature {
                path: sig_path.clone(),
                message: "not UTF-8 text".into(),
            }),
        }
        .map_err(|err| err.to_string()),
        None => std::str::from_utf8(&bytes)
            .map_err(|_| "the record is not UTF-8 text".to_string())
            .and_then(|text| ScoreFile::parse(&path, text).map_err(|e| e.to_string())),
    };
    let score = match opened {
        Ok(score) => score,
        Err(reason) => {
            problems.push(Finding::BadSignature {
                line,
                record: e.record.clone(),
                reason,
            });
            return done(problems);
        }
    };
    for (field, ledger, file) in e.disagreements(&score) {
        problems.push(Finding::Disagrees {
            line,
            record: e.record.clone(),
            field: field.to_string(),
            ledger,
            file,
        });
    }
    Record {
        line,
        entry: signed_entry(e, &score),
        score: Some(score),
        verified: key.is_some(),
        problems,
    }
}

/// An archive opened for reading results.
#[derive(Clone, Debug)]
pub struct Opened {
    /// Ledger lines read.
    pub lines: usize,
    /// Every record on the chain, in ledger order (a score file listed
    /// twice only once).
    pub records: Vec<Record>,
    /// Problems of the ledger itself: its chain, repeated lines.
    pub chain_problems: Vec<Finding>,
    /// The last entry's seq and hash.
    pub head: Option<(u64, String)>,
}

impl Opened {
    /// Every problem: the chain's first, then each record's.
    pub fn problems(&self) -> impl Iterator<Item = &Finding> {
        self.chain_problems
            .iter()
            .chain(self.records.iter().flat_map(|r| &r.problems))
    }
}

/// Opens every record of the chain `chain` (ledger line, entry) in parallel.
pub fn open_chain(archive: &Path, key: Option<&PublicKey>, chain: &[(usize, &Entry)]) -> Opened {
    let mut first_line: std::collections::HashMap<&str, usize> = Default::default();
    let mut chain_problems = Vec::new();
    let mut to_open = Vec::new();
    for &(line, e) in chain {
        if let Some(&first) = first_line.get(e.score_sha256.as_str()) {
            chain_problems.push(Finding::Repeated {
                line,
                first_line: first,
                record: e.record.clone(),
            });
        } else {
            first_line.insert(&e.score_sha256, line);
            to_open.push((line, e));
        }
    }
    let records = crate::parallel::map(&to_open, |&(line, e)| open(archive, key, line, e));
    let head = chain
        .iter()
        .max_by_key(|(_, e)| e.seq)
        .map(|(_, e)| (e.seq, e.hash.clone()));
    Opened {
        lines: 0,
        records,
        chain_problems,
        head,
    }
}

/// Reads the ledger of an existing archive folder and opens every record.
pub fn open_archive(archive: &Path, key: Option<&PublicKey>) -> Result<Opened, ReadError> {
    if !archive.is_dir() {
        return Err(ReadError {
            path: archive.to_path_buf(),
            error: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such archive folder (create one with `certexam archive add`)",
            ),
        });
    }
    let text = super::read_ledger_text(archive)?;
    let (lines, cut_short) = ledger::parse(&text);
    let (chain, mut problems) = verify::check_chain(&lines, cut_short);
    let mut opened = open_chain(archive, key, &chain);
    problems.append(&mut opened.chain_problems);
    opened.chain_problems = problems;
    opened.lines = lines.len();
    Ok(opened)
}
