//! Writing files so that nothing is ever half-written or silently replaced:
//! every file is written to a temporary name in the same folder, flushed to
//! disk, then renamed into place.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use tempfile::NamedTempFile;

/// What [`write_new`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// The file did not exist and now does.
    Created,
    /// The file already held exactly these bytes.
    Unchanged,
}

fn temp_beside(path: &Path) -> Result<NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))
}

fn fill(mut temp: NamedTempFile, bytes: &[u8], path: &Path) -> Result<NamedTempFile> {
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
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
        .with_context(|| format!("cannot move the new file into place at {}", path.display()))?;
    sync_parent(path);
    Ok(())
}

/// Writes `bytes` to a file that must not exist yet. A file that already
/// holds exactly these bytes is left alone; one that holds anything else is
/// an error, never overwritten.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<Written> {
    if path.exists() {
        let old = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        if old == bytes {
            return Ok(Written::Unchanged);
        }
        bail!(
            "{} already exists with other content; it is never overwritten",
            path.display()
        );
    }
    let temp = fill(temp_beside(path)?, bytes, path)?;
    temp.persist_noclobber(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot create {} (does it exist already?)", path.display()))?;
    sync_parent(path);
    Ok(Written::Created)
}

/// Writes many new or changed files atomically with two disk flushes in
/// all instead of two per file: every file goes to a temporary name, the
/// file system is flushed once, the temporaries are renamed into place, and
/// the folders are flushed. A crash leaves each file either old or new.
pub fn write_batch(files: &[(&Path, &[u8])]) -> Result<()> {
    let temps = crate::parallel::map(files, |(path, bytes)| -> Result<tempfile::TempPath> {
        let mut temp = temp_beside(path)?;
        temp.write_all(bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(temp.into_temp_path())
    })
    .into_iter()
    .collect::<Result<Vec<_>>>()?;
    let mut folders: Vec<&Path> = files.iter().filter_map(|(p, _)| p.parent()).collect();
    folders.sort();
    folders.dedup();
    for dir in &folders {
        sync_filesystem(dir)?;
    }
    for (temp, (path, _)) in temps.into_iter().zip(files) {
        temp.persist(path).map_err(|e| e.error).with_context(|| {
            format!("cannot move the new file into place at {}", path.display())
        })?;
    }
    for dir in &folders {
        sync_filesystem(dir)?;
    }
    Ok(())
}

/// Flushes the whole file system that holds `dir` (Linux `syncfs`; a plain
/// folder flush elsewhere).
fn sync_filesystem(dir: &Path) -> Result<()> {
    let folder = fs::File::open(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    })
    .with_context(|| format!("cannot open {}", dir.display()))?;
    #[cfg(target_os = "linux")]
    rustix::fs::syncfs(&folder).with_context(|| format!("cannot flush {}", dir.display()))?;
    #[cfg(not(target_os = "linux"))]
    let _ = folder.sync_all();
    Ok(())
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
