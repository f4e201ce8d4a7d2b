//! Where score files go and how they are never lost: each candidate's
//! results are versioned (`E001.score.toml`, `E001.score.v2.toml`, …), a
//! regrade with the same result writes nothing, a changed one becomes the
//! next version with the reason, and files are written atomically with the
//! signature in place before the score file it signs.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::discover::DiscoverError;
use crate::fsutil::{FileContext, FileError};

use crate::score_file::{self, Regrade, ScoreFile};
use crate::sign::{self, PublicKey};

/// Why score files could not be listed or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    List(#[from] DiscoverError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error(
        "{} appeared while grading (is another `certexam grade` writing to this folder?); it was not replaced",
        .0.display()
    )]
    Appeared(PathBuf),
}

type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The score files already in an exam's folder, by candidate.
#[derive(Debug, Default)]
pub struct Existing {
    /// Candidate → (version, path), highest version last.
    by_candidate: HashMap<String, Vec<(u32, PathBuf)>>,
}

impl Existing {
    /// Lists `dir` (missing is empty).
    pub fn scan(dir: &Path) -> Result<Existing> {
        let mut by_candidate: HashMap<String, Vec<(u32, PathBuf)>> = HashMap::new();
        if !dir.exists() {
            return Ok(Existing::default());
        }
        let found = crate::discover::files(dir, crate::discover::Depth::Flat, |_| true)
            .all_or_first_error()?;
        for path in found {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if let Some((candidate, version)) = score_file::parse_file_name(&name) {
                by_candidate
                    .entry(candidate.to_string())
                    .or_default()
                    .push((version, path.clone()));
            }
        }
        for versions in by_candidate.values_mut() {
            versions.sort();
        }
        Ok(Existing { by_candidate })
    }

    /// The latest version of a candidate's result.
    pub fn latest(&self, candidate: &str) -> Option<&(u32, PathBuf)> {
        self.by_candidate.get(candidate).and_then(|v| v.last())
    }
}

/// What to do with a freshly graded result.
#[derive(Debug)]
pub enum Decision {
    /// No earlier result: write version 1.
    New,
    /// The latest version holds the same result: write nothing.
    Unchanged { path: PathBuf },
    /// The result changed: write the next version.
    Regrade {
        previous: PathBuf,
        old: Box<ScoreFile>,
    },
}

/// Why a candidate's latest score file stops their regrade (reported for
/// that candidate alone, on one line).
#[derive(Debug, thiserror::Error)]
pub enum LatestError {
    #[error("cannot read {}: {reason}", path.display())]
    Read {
        path: PathBuf,
        reason: std::io::Error,
    },
    #[error(transparent)]
    Damaged(#[from] score_file::ScoreFileError),
    #[error(
        "not regraded: the latest score file {} does not verify ({reason}); find out what happened to it before grading this candidate again",
        path.display()
    )]
    NotVerified {
        path: PathBuf,
        reason: sign::VerifyError,
    },
}

/// Compares a new result with the candidate's latest score file. The latest
/// file must verify with `key` if it was signed by it (a file signed by
/// another proctor's key is compared as it is); one that fails is an error
/// for this candidate, never silently superseded.
pub fn decide(
    score: &ScoreFile,
    existing: &Existing,
    key: &PublicKey,
) -> Result<Decision, LatestError> {
    let Some((_, path)) = existing.latest(&score.candidate.id) else {
        return Ok(Decision::New);
    };
    if unchanged_bytes(score, key, path) {
        return Ok(Decision::Unchanged { path: path.clone() });
    }
    let old = match sign::verify_score_file(key, path) {
        Ok(old) => old,
        Err(sign::VerifyError::WrongKey { .. }) => {
            let text = fs::read_to_string(path).map_err(|reason| LatestError::Read {
                path: path.clone(),
                reason,
            })?;
            ScoreFile::parse(path, &text)?
        }
        Err(reason) => {
            return Err(LatestError::NotVerified {
                path: path.clone(),
                reason,
            });
        }
    };
    if old.same_result(score) {
        Ok(Decision::Unchanged { path: path.clone() })
    } else {
        Ok(Decision::Regrade {
            previous: path.clone(),
            old: Box::new(old),
        })
    }
}

/// The bookkeeping at the top of a score file, before `[candidate]`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Head {
    format: String,
    version: u32,
    graded_at: String,
    tool: String,
    signer: score_file::Signer,
    regrade: Option<Regrade>,
    sheet: score_file::SheetSource,
}

/// The quick way to find that grading again changed nothing (the common
/// case, for thousands of files): the latest file verifies with `key` and
/// its bytes are exactly what writing `score` with that file's bookkeeping
/// (version, time, tool, signer, regrade, sheet) gives. Then the file is
/// that result, its name and trusted comment match it, and parsing all of
/// it (most of the time of a no-op run) is not needed. `false` means "not
/// shown this way": [`decide`] then checks the file in full.
fn unchanged_bytes(score: &ScoreFile, key: &PublicKey, path: &Path) -> bool {
    // Without an exam date a pass keeps the `valid_until` of the first
    // grading; that comparison needs the whole file.
    if score.exam.date.is_none() {
        return false;
    }
    let (Ok(bytes), Ok(signature)) = (
        fs::read(path),
        fs::read_to_string(score_file::signature_path(path)),
    ) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return false;
    };
    let Some(split) = text.find("\n[candidate]\n") else {
        return false;
    };
    let Ok(head) = toml::from_str::<Head>(&text[..split]) else {
        return false;
    };
    if head.format != score_file::FORMAT {
        return false;
    }
    let mut same = score.clone();
    same.version = head.version;
    same.graded_at = head.graded_at;
    same.tool = head.tool;
    same.signer = head.signer;
    same.regrade = head.regrade;
    same.sheet = head.sheet;
    if same.to_toml().as_bytes() != bytes {
        return false;
    }
    let name = path.file_name().map(|n| n.to_string_lossy());
    if name.as_deref() != Some(same.file_name().as_str()) {
        return false;
    }
    sign::verify_bytes(key, &bytes, &signature, &score_file::signature_path(path))
        .is_ok_and(|comment| comment == same.trusted_comment())
}

/// Makes `score` the next version after `old` (file `previous`).
pub fn supersede(score: &mut ScoreFile, old: &ScoreFile, previous: &Path) -> Result<()> {
    let bytes =
        fs::read(previous).file_context(|| format!("cannot read {}", previous.display()))?;
    score.version = old.version + 1;
    // Without an exam date, validity counts from the first grading that
    // passed, not from this regrade.
    if score.exam.date.is_none() && score.result.pass && old.result.pass {
        score.result.valid_until.clone_from(&old.result.valid_until);
    }
    score.regrade = Some(Regrade {
        supersedes: previous
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        supersedes_sha256: hex::encode(Sha256::digest(&bytes)),
        reason: regrade_reason(old, score),
    });
    Ok(())
}

/// Why a result changed, in words (`--void SEC-003; total 62/74 → 62/72, now passed`).
pub fn regrade_reason(old: &ScoreFile, new: &ScoreFile) -> String {
    let mut parts = Vec::new();
    for id in &new.grading.voided {
        if !old.grading.voided.contains(id) {
            parts.push(format!("--void {id}"));
        }
    }
    for id in &old.grading.voided {
        if !new.grading.voided.contains(id) {
            parts.push(format!("{id} no longer voided"));
        }
    }
    for fix in &new.grading.key_fixes {
        if !old.grading.key_fixes.contains(fix) {
            parts.push(format!("--key-fix {}={}", fix.id, fix.key_bank));
        }
    }
    for fix in &old.grading.key_fixes {
        if !new.grading.key_fixes.iter().any(|f| f.id == fix.id) {
            parts.push(format!("key fix of {} withdrawn", fix.id));
        }
    }
    if old.paper.digest != new.paper.digest {
        parts.push(format!("paper {} → {}", old.paper.id, new.paper.id));
    } else {
        let changed: Vec<String> = old
            .questions
            .iter()
            .zip(&new.questions)
            .filter(|(a, b)| a.given != b.given)
            .map(|(a, _)| a.number.to_string())
            .collect();
        if !changed.is_empty() {
            parts.push(format!(
                "answers changed on question(s) {} ({})",
                changed.join(", "),
                new.sheet.file
            ));
        }
    }
    if old.candidate != new.candidate {
        parts.push("candidate details changed".into());
    }
    if parts.is_empty() {
        parts.push(format!("scoring changed ({} → {})", old.tool, new.tool));
    }
    let mut reason = parts.join("; ");
    reason.push_str(&format!(
        "; total {}/{} → {}/{}",
        old.result.total, old.result.max, new.result.total, new.result.max
    ));
    if old.result.pass != new.result.pass {
        reason.push_str(if new.result.pass {
            ", now passed"
        } else {
            ", now failed"
        });
    }
    reason
}

/// A signed score file to write.
#[derive(Debug)]
pub struct Output {
    pub path: PathBuf,
    pub text: String,
    pub signature: String,
}

/// Writes score files and their signatures so that an interruption at any
/// moment leaves only complete, signed files: every file first goes to a
/// temporary name, the file system is flushed once, then each signature
/// and after it its score file are renamed into place (a score file is
/// never replaced; a signature only when it is a leftover without its
/// score file), and the folders are flushed.
pub fn write_all(outputs: &[Output], progress: &(dyn Fn() + Sync)) -> Result<()> {
    struct Temps {
        score: tempfile::TempPath,
        sig: tempfile::TempPath,
    }
    let mut folders: Vec<&Path> = outputs.iter().filter_map(|o| o.path.parent()).collect();
    folders.sort();
    folders.dedup();
    for dir in &folders {
        fs::create_dir_all(dir)
            .file_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    // One thread: creating files in one folder takes the folder's lock, so
    // a second thread only spins waiting for it (measured: a third of the
    // CPU time of a 10,000-sheet run) and finishes no sooner.
    let temps = outputs
        .iter()
        .map(|o| -> Result<Temps> {
            let sig_path = score_file::signature_path(&o.path);
            Ok(Temps {
                score: temp_with(&o.path, o.text.as_bytes())?,
                sig: temp_with(&sig_path, o.signature.as_bytes())?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    for dir in &folders {
        crate::fsutil::sync_filesystem(dir)?;
    }
    for (t, o) in temps.into_iter().zip(outputs) {
        if o.path.exists() {
            return Err(StoreError::Appeared(o.path.clone()));
        }
        let sig_path = score_file::signature_path(&o.path);
        t.sig
            .persist(&sig_path)
            .map_err(|e| e.error)
            .file_context(|| format!("cannot put {} in place", sig_path.display()))?;
        t.score
            .persist_noclobber(&o.path)
            .map_err(|e| e.error)
            .file_context(|| {
                format!(
                    "cannot put {} in place (does it exist already?)",
                    o.path.display()
                )
            })?;
        progress();
    }
    for dir in &folders {
        crate::fsutil::sync_filesystem(dir)?;
    }
    Ok(())
}

fn temp_with(path: &Path, bytes: &[u8]) -> Result<tempfile::TempPath> {
    let mut temp = crate::fsutil::temp_beside(path)?;
    temp.write_all(bytes)
        .file_context(|| format!("cannot write {}", path.display()))?;
    Ok(temp.into_temp_path())
}
