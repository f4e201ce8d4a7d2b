//! The HR archive: signed score files copied into `DIR/records/` and listed
//! in a hash-chained ledger (`DIR/ledger.jsonl`), so that years later HR can
//! answer "is this person certified, until when?" and prove that no record
//! was edited, removed or slipped in — even by someone with write access.

pub mod add;
pub mod certificate;
pub mod export;
pub mod ledger;
pub mod lock;
pub mod query;
pub mod record;
pub mod store;
pub mod verify;

use std::path::Path;

use verify::ReadError;

/// The ledger's text; an archive folder without a ledger yet is empty.
pub fn read_ledger_text(archive: &Path) -> Result<String, ReadError> {
    let path = archive.join(ledger::FILE);
    match std::fs::read_to_string(&path) {
        Ok(t) => Ok(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && archive.is_dir() => Ok(String::new()),
        Err(error) => Err(ReadError { path, error }),
    }
}
