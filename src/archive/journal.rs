//! Making `archive add` all-or-nothing across crashes and full disks.
//!
//! Before an add writes anything it records, in `DIR/.add-journal.json`,
//! the ledger's length and the record files it is about to create; the
//! journal is removed once the ledger lines are on disk. An append that
//! fails is cut back to the old length at once. If the process dies in
//! between (power cut, `kill -9`), the next `archive add` finds the journal
//! under the lock and undoes the half-done add by itself: the ledger is cut
//! back to its old length and the files the journal names are removed, so
//! the archive is exactly as it was and the score files can simply be added
//! again. Temporary `.…tmp` files a crash left in `records/` go too.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{ledger, store};
use crate::fsutil::{self, FileContext, FileError};

/// Why the journal could not be written, read or acted on.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(
        "{} is damaged; it is left by an `archive add` that was cut short: run `certexam archive verify`, then remove it",
        path.display()
    )]
    Damaged {
        path: std::path::PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

type Result<T, E = JournalError> = std::result::Result<T, E>;

/// The journal's file name inside the archive folder.
pub const FILE: &str = ".add-journal.json";

/// What an add is about to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    /// The ledger's length in bytes before the add.
    pub ledger_len: u64,
    /// Record files (archive paths, `records/…`) the add creates.
    pub files: Vec<String>,
}

/// What [`recover`] undid.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Recovered {
    /// Bytes cut off the end of the ledger.
    pub ledger_bytes: u64,
    /// Record files removed.
    pub files: usize,
    /// Stale temporary files removed.
    pub temporaries: usize,
}

impl Recovered {
    pub fn is_empty(&self) -> bool {
        *self == Recovered::default()
    }
}

/// Writes the journal (flushed) before an add touches anything.
pub fn begin(archive: &Path, journal: &Journal) -> Result<()> {
    let text = serde_json::to_vec(journal).expect("journals serialize");
    Ok(fsutil::write_atomic(&archive.join(FILE), &text)?)
}

/// Removes the journal once the add is complete.
pub fn finish(archive: &Path) -> Result<()> {
    let path = archive.join(FILE);
    fs::remove_file(&path).file_context(|| format!("cannot remove {}", path.display()))?;
    if let Ok(dir) = fs::File::open(archive) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Undoes an add that did not finish (call with the archive lock held,
/// before reading the ledger), and removes stale temporary files.
pub fn recover(archive: &Path) -> Result<Recovered> {
    let mut done = Recovered {
        temporaries: remove_temporaries(archive),
        ..Recovered::default()
    };
    let path = archive.join(FILE);
    let text = match fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(done),
        Err(e) => Err(e).file_context(|| format!("cannot read {}", path.display()))?,
    };
    let journal: Journal =
        serde_json::from_slice(&text).map_err(|source| JournalError::Damaged {
            path: path.clone(),
            source,
        })?;
    done.ledger_bytes = truncate(&archive.join(ledger::FILE), journal.ledger_len)?;
    for file in &journal.files {
        let on_disk = store::on_disk(archive, file);
        for p in [crate::score_file::signature_path(&on_disk), on_disk.clone()] {
            match fs::remove_file(&p) {
                Ok(()) => done.files += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => Err(e).file_context(|| format!("cannot remove {}", p.display()))?,
            }
        }
    }
    finish(archive)?;
    Ok(done)
}

/// Cuts the ledger back to `len` bytes (if it is longer); returns how many
/// bytes were cut.
fn truncate(path: &Path, len: u64) -> Result<u64> {
    let file = match OpenOptions::new().write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => Err(e).file_context(|| format!("cannot open {}", path.display()))?,
    };
    let now = file
        .metadata()
        .file_context(|| format!("cannot read {}", path.display()))?
        .len();
    if now <= len {
        return Ok(0);
    }
    file.set_len(len)
        .and_then(|()| file.sync_all())
        .file_context(|| format!("cannot cut {} back to {len} bytes", path.display()))?;
    Ok(now - len)
}

/// Appends `bytes` to the ledger all or nothing: written and flushed, or,
/// when anything fails (a full disk), cut back to the length it had.
pub fn append(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .file_context(|| format!("cannot open {}", path.display()))?;
    let old = file
        .metadata()
        .file_context(|| format!("cannot read {}", path.display()))?
        .len();
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        let undone = file.set_len(old).and_then(|()| file.sync_all());
        Err::<(), _>(e).file_context(|| match undone {
            Ok(()) => format!(
                "cannot append to {}; it was cut back to what it held before",
                path.display()
            ),
            Err(u) => format!(
                "cannot append to {}, and cannot cut it back either ({u}); the next `archive add` will",
                path.display()
            ),
        })?;
    }
    Ok(())
}

/// Removes the `.<name>.XXXX.tmp` files of writes cut short in `records/`
/// (only ever left by a crash: under the lock no other add is writing).
fn remove_temporaries(archive: &Path) -> usize {
    fn walk(dir: &Path, removed: &mut usize) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                walk(&entry.path(), removed);
            } else if kind.is_file()
                && name.starts_with('.')
                && name.ends_with(".tmp")
                && fs::remove_file(entry.path()).is_ok()
            {
                *removed += 1;
            }
        }
    }
    let mut removed = 0;
    walk(&archive.join(store::RECORDS), &mut removed);
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_half_done_add_is_undone() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path();
        let ledger = a.join(ledger::FILE);
        fs::write(&ledger, "one\n").unwrap();
        let rec = "records/X/E001/E001.score.toml";
        begin(
            a,
            &Journal {
                ledger_len: 4,
                files: vec![rec.into()],
            },
        )
        .unwrap();
        let on_disk = store::on_disk(a, rec);
        fs::create_dir_all(on_disk.parent().unwrap()).unwrap();
        fs::write(&on_disk, "score").unwrap();
        fs::write(on_disk.with_file_name(".E001.score.toml.abcd.tmp"), "x").unwrap();
        fs::write(&ledger, "one\ntwo, half a li").unwrap();
        let done = recover(a).unwrap();
        assert_eq!(
            done,
            Recovered {
                ledger_bytes: 14,
                files: 1,
                temporaries: 1
            }
        );
        assert_eq!(fs::read_to_string(&ledger).unwrap(), "one\n");
        assert!(!on_disk.exists() && !a.join(FILE).exists());
        assert!(recover(a).unwrap().is_empty());
    }
}
