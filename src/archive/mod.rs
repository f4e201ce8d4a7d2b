//! The HR archive: signed score files copied into `DIR/records/` and listed
//! in a hash-chained ledger (`DIR/ledger.jsonl`), so that years later HR can
//! answer "is this person certified, until when?" and prove that no record
//! was edited, removed or slipped in — even by someone with write access.

pub mod add;
pub mod certificate;
pub mod export;
pub mod journal;
pub mod ledger;
pub mod lock;
pub mod query;
pub mod record;
pub mod store;
pub mod verify;

use std::path::Path;

use verify::ReadError;

/// Refuses an archive whose ledger or records folder is a symbolic link:
/// whoever set it could point the archive's writes and reads elsewhere.
pub fn check_no_symlinks(archive: &Path) -> Result<(), ReadError> {
    for name in [ledger::FILE, store::RECORDS] {
        let path = archive.join(name);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(ReadError {
                path,
                error: std::io::Error::other(
                    "it is a symbolic link; an archive keeps its ledger and records itself: replace the link with the real file or folder",
                ),
            });
        }
    }
    Ok(())
}

/// The ledger's text; an archive folder without a ledger yet is empty.
pub fn read_ledger_text(archive: &Path) -> Result<String, ReadError> {
    check_no_symlinks(archive)?;
    let path = archive.join(ledger::FILE);
    match std::fs::read_to_string(&path) {
        Ok(t) => Ok(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && archive.is_dir() => Ok(String::new()),
        Err(error) => Err(ReadError { path, error }),
    }
}
