//! The archive lock: `DIR/.lock`, held exclusively for a whole `archive
//! add`, so that two HR clerks adding at once append one after the other
//! and the chain stays one chain. The operating system releases it when
//! the process ends, even after a crash.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The lock file's name inside the archive folder.
pub const FILE: &str = ".lock";

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
#[error("cannot lock the archive ({}): {error}", path.display())]
pub struct LockError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

/// An exclusive lock on an archive; released when dropped.
#[derive(Debug)]
pub struct ArchiveLock {
    _file: File,
}

/// Takes the archive's lock, creating the folder if needed. When another
/// process holds it, calls `waiting` once and blocks until it is free.
pub fn lock(dir: &Path, waiting: impl FnOnce()) -> Result<ArchiveLock, LockError> {
    let path = dir.join(FILE);
    let err = |error| LockError {
        path: path.clone(),
        error,
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(err)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            waiting();
            file.lock().map_err(err)?;
        }
        Err(TryLockError::Error(e)) => return Err(err(e)),
    }
    Ok(ArchiveLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_waits_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock(dir.path(), || panic!("nobody holds it yet")).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let path = dir.path().to_path_buf();
        let second = std::thread::spawn(move || {
            let mut waited = false;
            let _l = lock(&path, || waited = true).unwrap();
            tx.send(waited).unwrap();
        });
        // The second taker is blocked while the first one holds the lock.
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(300))
                .is_err()
        );
        drop(first);
        assert!(rx.recv().unwrap());
        second.join().unwrap();
    }
}
