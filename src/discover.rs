//! Finding the files a command reads in a folder — bank files, paper
//! manifests, answer sheets, scans, score files, archive records, template
//! overlays — by one rule, so that no reader takes a file another skips:
//!
//! - hidden names (`.x`) are skipped: certexam's own interrupted writes
//!   (`.E001.score.toml.ab12.tmp`), LibreOffice's locks (`.~lock.x.xlsx#`),
//!   macOS's `._x` and `.DS_Store`, version-control folders;
//! - Office's owner files (`~$题库.xlsx`, written beside a workbook while
//!   Excel or WPS has it open) and leftover `*.tmp` files are skipped;
//! - an entry that cannot be read is an error that names it, never silently
//!   left out;
//! - what is found comes sorted by path (bytes), so every run reads the
//!   same files in the same order on every machine.
//!
//! The cleaners of certexam's own leftovers (`fsutil`'s stale temporaries,
//! the archive journal's, `cleanup`'s orphan build folders) look for exactly
//! the names this rule skips, so they are the only code that lists a folder
//! by itself.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// How deep to look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// Only the folder's own files.
    Flat,
    /// The folder and every folder below it.
    Tree,
}

/// A folder or entry that could not be listed.
/// (The reason is part of the message, not a separate cause, so that it is
/// printed once however the error is shown.)
#[derive(Debug, thiserror::Error)]
#[error("cannot read {}: {reason}", path.display())]
pub struct DiscoverError {
    pub path: PathBuf,
    pub reason: std::io::Error,
}

/// Whether certexam never reads a file or folder of this name (the rules
/// in the module's comment).
pub fn is_ignored(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.') || name.starts_with("~$") || name.ends_with(".tmp")
}

/// What a look into a folder found: the files `wanted` accepted, sorted,
/// and every entry that could not be listed.
#[derive(Debug, Default)]
pub struct Found {
    pub files: Vec<PathBuf>,
    pub errors: Vec<DiscoverError>,
}

impl Found {
    /// The files, or the first error when there was one.
    pub fn all_or_first_error(self) -> Result<Vec<PathBuf>, DiscoverError> {
        match self.errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(self.files),
        }
    }
}

/// The files in `dir` (and below it, for [`Depth::Tree`]) that are not
/// ignored and that `wanted` accepts, sorted by path. Symbolic links are
/// followed (a loop is reported as an error, not walked forever).
pub fn files(dir: &Path, depth: Depth, wanted: impl Fn(&Path) -> bool) -> Found {
    let mut walk = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .min_depth(1);
    if depth == Depth::Flat {
        walk = walk.max_depth(1);
    }
    let mut found = Found::default();
    let entries = walk
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored(e.file_name()));
    for entry in entries {
        match entry {
            Ok(e) if e.file_type().is_file() && wanted(e.path()) => {
                found.files.push(e.into_path());
            }
            Ok(_) => {}
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                let reason = e.into_io_error().unwrap_or_else(|| {
                    std::io::Error::other("a symbolic link leads back into its own folder")
                });
                found.errors.push(DiscoverError { path, reason });
            }
        }
    }
    found.files.sort();
    found
}

/// Whether `path`'s file name ends with `suffix` (`.paper.toml`).
pub fn name_ends_with(path: &Path, suffix: &str) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn names(dir: &Path, found: &Found) -> Vec<String> {
        found
            .files
            .iter()
            .map(|p| {
                p.strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect()
    }

    #[test]
    fn hidden_lock_and_leftover_files_are_skipped_and_the_rest_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir_all(d.join("b/c")).unwrap();
        fs::create_dir_all(d.join(".git")).unwrap();
        for name in [
            "z.csv",
            "a.csv",
            "b/c/d.csv",
            "b/x.csv",
            ".hidden.csv",
            ".git/config.csv",
            "~$题库.csv",
            ".~lock.题库.csv#",
            ".E001.score.toml.ab12.tmp",
            "upload.csv.tmp",
            "notes.txt",
        ] {
            fs::write(d.join(name), "x").unwrap();
        }
        let csv = |p: &Path| name_ends_with(p, ".csv");
        let tree = files(d, Depth::Tree, csv);
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
        assert_eq!(names(d, &tree), ["a.csv", "b/c/d.csv", "b/x.csv", "z.csv"]);
        let flat = files(d, Depth::Flat, csv);
        assert_eq!(names(d, &flat), ["a.csv", "z.csv"]);
    }

    #[test]
    fn a_missing_folder_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let found = files(&missing, Depth::Tree, |_| true);
        let err = found.all_or_first_error().unwrap_err();
        assert_eq!(err.path, missing);
        assert!(err.to_string().starts_with("cannot read "), "{err}");
    }

    /// A hidden folder given by name is read: the rule is about what a
    /// folder holds, not about the folder asked for.
    #[test]
    fn the_folder_asked_for_is_read_even_when_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join(".scans");
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("a.csv"), "x").unwrap();
        let found = files(&d, Depth::Flat, |_| true);
        assert_eq!(names(&d, &found), ["a.csv"]);
    }
}
