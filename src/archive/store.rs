//! The archived copies: every score file and its signature are copied to
//! `DIR/records/<exam-id>/<candidate>/` under their own names (which carry
//! the regrade version), never overwriting anything, so the archive keeps
//! the exact signed bytes the ledger's hashes refer to.

use std::path::{Path, PathBuf};

use crate::fsutil;
use crate::score_file::{self, ScoreFile};

/// The records folder's name inside the archive.
pub const RECORDS: &str = "records";

/// Why a record cannot be stored.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("its {what} `{value}` cannot be used as a folder name in the archive: {problem}")]
    UnsafeName {
        what: &'static str,
        value: String,
        problem: crate::ids::IdProblem,
    },
    #[error(
        "the archive already holds a different {} (the same exam, candidate and version with other content); a changed result must be graded as a new version",
        .0
    )]
    Conflict(String),
}

fn safe(what: &'static str, value: &str) -> Result<(), StoreError> {
    crate::ids::check(value).map_err(|problem| StoreError::UnsafeName {
        what,
        value: crate::spreadsheet::excerpt(value).into_owned(),
        problem,
    })
}

/// Where a score file is archived, relative to the archive folder and
/// `/`-separated (as the ledger records it):
/// `records/<exam-id>/<candidate>/<file name>`.
pub fn record_path(score: &ScoreFile) -> Result<String, StoreError> {
    safe("exam id", &score.exam.id)?;
    safe("candidate id", &score.candidate.id)?;
    Ok(format!(
        "{RECORDS}/{}/{}/{}",
        score.exam.id,
        score.candidate.id,
        score.file_name()
    ))
}

/// A ledger path (`records/…`) as a path on disk under `archive`.
pub fn on_disk(archive: &Path, record: &str) -> PathBuf {
    record
        .split('/')
        .fold(archive.to_path_buf(), |p, c| p.join(c))
}

/// One record to store: its ledger path and the bytes of the score file
/// and of its signature.
#[derive(Debug)]
pub struct Copy<'a> {
    pub record: &'a str,
    pub score: &'a [u8],
    pub signature: &'a [u8],
}

/// What is already on disk for a record about to be stored.
pub fn check_existing(archive: &Path, copy: &Copy<'_>) -> Result<bool, StoreError> {
    let score = on_disk(archive, copy.record);
    let sig = score_file::signature_path(&score);
    let same = |path: &Path, bytes: &[u8]| match std::fs::read(path) {
        Ok(old) if old == bytes => Ok(true),
        Ok(_) => Err(StoreError::Conflict(copy.record.to_string())),
        Err(_) => Ok(false),
    };
    Ok(same(&score, copy.score)? & same(&sig, copy.signature)?)
}

/// Copies records into the archive: each file to a temporary name first,
/// one flush, then renamed into place (signature before score file, as
/// grading does). Files that already hold the same bytes are left alone.
/// Call with the archive lock held, after [`check_existing`] found no
/// conflict: nothing else writes into `records/` meanwhile.
pub fn store(archive: &Path, copies: &[Copy<'_>]) -> Result<(), fsutil::FileError> {
    let paths: Vec<(PathBuf, PathBuf)> = copies
        .iter()
        .map(|c| {
            let score = on_disk(archive, c.record);
            (score_file::signature_path(&score), score)
        })
        .collect();
    let mut files: Vec<(&Path, &[u8])> = Vec::new();
    for (copy, (sig, score)) in copies.iter().zip(&paths) {
        if !sig.exists() {
            files.push((sig, copy.signature));
        }
        if !score.exists() {
            files.push((score, copy.score));
        }
    }
    if files.is_empty() {
        return Ok(());
    }
    fsutil::write_batch(&files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_would_escape_the_folder_are_refused() {
        for bad in ["..", "a/b", ".hidden", "", "x y"] {
            assert!(safe("exam id", bad).is_err(), "{bad}");
        }
        assert!(safe("exam id", "CS-CERT-2026Q4").is_ok());
        assert_eq!(
            on_disk(Path::new("arch"), "records/X/E001/E001.score.toml"),
            Path::new("arch/records/X/E001/E001.score.toml")
        );
    }
}
