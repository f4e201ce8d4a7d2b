//! Writing files so that nothing is ever half-written or silently replaced:
//! every file is written to a temporary name in the same folder, flushed to
//! disk, then renamed into place.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// A file operation that failed: what was being done to which file, with
/// the system's reason as its cause.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// `doing` names the action and the file ("cannot write results.csv").
    #[error("{doing}")]
    Io {
        doing: String,
        #[source]
        source: io::Error,
    },
    /// [`write_new`] found other bytes where the new file should go.
    #[error("{} already exists with other content; it is never overwritten", .0.display())]
    Exists(PathBuf),
}

/// Names what was being done when an I/O call failed, the way every
/// reader and writer in certexam reports it.
pub trait FileContext<T> {
    fn file_context(self, doing: impl FnOnce() -> String) -> Result<T, FileError>;
}

impl<T, E: Into<io::Error>> FileContext<T> for Result<T, E> {
    fn file_context(self, doing: impl FnOnce() -> String) -> Result<T, FileError> {
        self.map_err(|e| FileError::Io {
            doing: doing(),
            source: e.into(),
        })
    }
}

type Result<T, E = FileError> = std::result::Result<T, E>;

/// What [`write_new`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// The file did not exist and now does.
    Created,
    /// The file already held exactly these bytes.
    Unchanged,
}

/// Files anyone may read, as other programs create them: the umask decides
/// (tempfile's own default, 0600, would make reports and PDFs unreadable to
/// the colleagues they are for).
const SHARED: u32 = 0o666;
/// Secret keys: the owner only, from the moment the file exists.
const PRIVATE: u32 = 0o600;

/// A new temporary file in `path`'s folder (created if missing), named
/// `.<file name>.XXXX.tmp`, readable as the umask allows; for writers that
/// rename many files into place themselves.
pub fn temp_beside(path: &Path) -> Result<NamedTempFile> {
    temp_beside_with_mode(path, SHARED)
}

fn temp_beside_with_mode(path: &Path, mode: u32) -> Result<NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir)
        .file_context(|| format!("cannot create the folder {}", dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    builder
        .tempfile_in(dir)
        .file_context(|| format!("cannot create a temporary file in {}", dir.display()))
}

fn fill(mut temp: NamedTempFile, bytes: &[u8], path: &Path) -> Result<NamedTempFile> {
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .file_context(|| format!("cannot write {}", path.display()))?;
    Ok(temp)
}

fn sync_parent(path: &Path) {
    // Makes the rename itself durable; not every platform can open a folder.
    if let Some(dir) = path.parent()
        && let Ok(d) = fs::File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
    {
        let _ = d.sync_all();
    }
}

/// Writes `bytes` to `path` atomically, replacing any earlier file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let temp = fill(temp_beside(path)?, bytes, path)?;
    temp.persist(path)
        .map_err(|e| e.error)
        .file_context(|| format!("cannot move the new file into place at {}", path.display()))?;
    sync_parent(path);
    Ok(())
}

/// Writes `bytes` to a file that must not exist yet. A file that already
/// holds exactly these bytes is left alone; one that holds anything else is
/// an error, never overwritten.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<Written> {
    write_new_with_mode(path, bytes, SHARED)
}

/// [`write_new`] for secrets: the file is readable by its owner only from
/// the moment it is created.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> Result<Written> {
    write_new_with_mode(path, bytes, PRIVATE)
}

fn write_new_with_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<Written> {
    if path.exists() {
        let old = fs::read(path).file_context(|| format!("cannot read {}", path.display()))?;
        if old == bytes {
            return Ok(Written::Unchanged);
        }
        return Err(FileError::Exists(path.to_path_buf()));
    }
    let temp = fill(temp_beside_with_mode(path, mode)?, bytes, path)?;
    temp.persist_noclobber(path)
        .map_err(|e| e.error)
        .file_context(|| format!("cannot create {} (does it exist already?)", path.display()))?;
    sync_parent(path);
    Ok(Written::Created)
}

/// Writes many new or changed files atomically with two disk flushes in
/// all instead of two per file: every file goes to a temporary name, the
/// file system is flushed once, the temporaries are renamed into place, and
/// the folders are flushed. A crash leaves each file either old or new.
pub fn write_batch(files: &[(&Path, &[u8])]) -> Result<()> {
    // One thread: creating files takes the folder's lock, and on ext4 the
    // inode allocation under it is the slow part; a second thread only
    // spins waiting for the lock (measured: more system time, no less wall
    // time).
    let temps = files
        .iter()
        .map(|(path, bytes)| -> Result<tempfile::TempPath> {
            let mut temp = temp_beside(path)?;
            temp.write_all(bytes)
                .file_context(|| format!("cannot write {}", path.display()))?;
            Ok(temp.into_temp_path())
        })
        .collect::<Result<Vec<_>>>()?;
    let mut folders: Vec<&Path> = files.iter().filter_map(|(p, _)| p.parent()).collect();
    folders.sort();
    folders.dedup();
    let folders = one_per_file_system(folders);
    for dir in &folders {
        sync_filesystem(dir)?;
    }
    for (temp, (path, _)) in temps.into_iter().zip(files) {
        temp.persist(path).map_err(|e| e.error).file_context(|| {
            format!("cannot move the new file into place at {}", path.display())
        })?;
    }
    for dir in &folders {
        sync_filesystem(dir)?;
    }
    Ok(())
}

/// The folders whose flush covers all of `folders`: on Linux `syncfs`
/// flushes a whole file system, so one folder per file system is enough
/// (an archive batch spans thousands of candidate folders on one disk).
fn one_per_file_system(folders: Vec<&Path>) -> Vec<&Path> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let mut seen = std::collections::HashSet::new();
        folders
            .into_iter()
            .filter(|dir| {
                let dir = if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                };
                // A folder that cannot be examined is kept: its flush then reports why.
                fs::metadata(dir).map_or(true, |m| seen.insert(m.dev()))
            })
            .collect()
    }
    #[cfg(not(target_os = "linux"))]
    folders
}

/// Flushes the whole file system that holds `dir` (Linux `syncfs`; a plain
/// folder flush elsewhere).
pub fn sync_filesystem(dir: &Path) -> Result<()> {
    let folder = fs::File::open(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    })
    .file_context(|| format!("cannot open {}", dir.display()))?;
    #[cfg(target_os = "linux")]
    rustix::fs::syncfs(&folder).file_context(|| format!("cannot flush {}", dir.display()))?;
    #[cfg(not(target_os = "linux"))]
    let _ = folder.sync_all();
    Ok(())
}

/// Removes the `.<name>.XXXX.tmp` files in `dir` (not below it) that were
/// last changed more than `older_than` ago: left by a write that a crash or
/// `kill -9` cut short. Younger ones may belong to a run still going on.
/// Returns how many were removed.
pub fn remove_stale_temporaries(dir: &Path, older_than: std::time::Duration) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with('.') && name.ends_with(".tmp")) {
            continue;
        }
        let stale = entry
            .metadata()
            .ok()
            .filter(fs::Metadata::is_file)
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > older_than);
        if stale && fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_new_never_replaces_other_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a").join("x.toml");
        assert_eq!(write_new(&path, b"one").unwrap(), Written::Created);
        assert_eq!(write_new(&path, b"one").unwrap(), Written::Unchanged);
        let err = write_new(&path, b"two").unwrap_err().to_string();
        assert!(err.contains("never overwritten"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"one");
    }

    #[test]
    fn batch_writes_every_file_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<_> = (0..100)
            .map(|i| dir.path().join("p").join(format!("{i}.txt")))
            .collect();
        let texts: Vec<String> = (0..100).map(|i| format!("paper {i}")).collect();
        let files: Vec<(&Path, &[u8])> = paths
            .iter()
            .zip(&texts)
            .map(|(p, t)| (p.as_path(), t.as_bytes()))
            .collect();
        write_batch(&files).unwrap();
        for (p, t) in paths.iter().zip(&texts) {
            assert_eq!(fs::read_to_string(p).unwrap(), *t);
        }
        assert_eq!(fs::read_dir(dir.path().join("p")).unwrap().count(), 100);
    }

    /// Reports, PDFs and score files are for colleagues: they get the
    /// permissions the umask gives any new file, while keys stay private.
    #[cfg(target_os = "linux")]
    #[test]
    fn shared_files_follow_the_umask_and_secrets_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let status = fs::read_to_string("/proc/self/status").unwrap();
        let umask = status
            .lines()
            .find_map(|l| l.strip_prefix("Umask:"))
            .map(|m| u32::from_str_radix(m.trim(), 8).unwrap())
            .expect("Linux reports the umask in /proc/self/status");
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let report = dir.path().join("results.csv");
        write_atomic(&report, b"a").unwrap();
        assert_eq!(mode(&report), 0o666 & !umask);
        let record = dir.path().join("E001.score.toml");
        write_new(&record, b"b").unwrap();
        assert_eq!(mode(&record), 0o666 & !umask);
        let secret = dir.path().join("proctor.key");
        write_new_private(&secret, b"c").unwrap();
        assert_eq!(mode(&secret), 0o600);
    }

    #[test]
    fn stale_temporaries_are_removed_and_young_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join(".E001.score.toml.abcd.tmp");
        let young = dir.path().join(".E002.score.toml.efgh.tmp");
        let other = dir.path().join("E003.score.toml");
        for p in [&old, &young, &other] {
            fs::write(p, "x").unwrap();
        }
        let hour_ago = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1);
        fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
        let removed = remove_stale_temporaries(dir.path(), std::time::Duration::from_secs(3600));
        assert_eq!(removed, 1);
        assert!(!old.exists() && young.exists() && other.exists());
    }

    #[test]
    fn atomic_write_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.txt");
        write_atomic(&path, b"1").unwrap();
        write_atomic(&path, b"2").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"2");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
