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
pub mod store;
pub mod verify;

use std::path::Path;

use ledger::Entry;
use verify::{Finding, ReadError};

/// The ledger's text; an archive folder without a ledger yet is empty.
pub fn read_ledger_text(archive: &Path) -> Result<String, ReadError> {
    let path = archive.join(ledger::FILE);
    match std::fs::read_to_string(&path) {
        Ok(t) => Ok(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && archive.is_dir() => Ok(String::new()),
        Err(error) => Err(ReadError { path, error }),
    }
}

/// The ledger's entries as read, for queries and exports, with the
/// problems of its chain (the records themselves are not checked here;
/// that is `archive verify`).
#[derive(Clone, Debug)]
pub struct Ledger {
    /// Entries on the chain, in ledger order.
    pub entries: Vec<Entry>,
    pub problems: Vec<Finding>,
}

/// Reads the ledger of an existing archive folder.
pub fn read(archive: &Path) -> Result<Ledger, ReadError> {
    if !archive.is_dir() {
        return Err(ReadError {
            path: archive.to_path_buf(),
            error: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such archive folder (create one with `certexam archive add`)",
            ),
        });
    }
    let text = read_ledger_text(archive)?;
    let (lines, cut_short) = ledger::parse(&text);
    let (chain, problems) = verify::check_chain(&lines, cut_short);
    Ok(Ledger {
        entries: chain.into_iter().map(|(_, e)| e.clone()).collect(),
        problems,
    })
}
