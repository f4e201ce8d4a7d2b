//! After an exam session: item analysis for trainers (`certexam analyze`)
//! and feedback for candidates (`certexam feedback`), both read from the
//! signed score files that grading wrote and the paper manifests they were
//! graded against. This module finds and reads those files; [`stats`]
//! holds the formulas, [`report`] and [`feedback`] the data the typst
//! templates print.

pub mod feedback;
pub mod report;
pub mod stats;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::paper::{Paper, PaperQuestion};
use crate::score_file::{ScoreFile, ScoreFileError};

/// A score file that was read.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub path: PathBuf,
    pub score: ScoreFile,
}

/// A score file (or folder) that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{}: no such file or folder; give the folder `certexam grade --out` wrote", path.display())]
    Missing { path: PathBuf },
    #[error("cannot read {}: {error}", path.display())]
    Unreadable {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{0}; it was left out")]
    Malformed(ScoreFileError),
    #[error("{}: {error}; it was left out", path.display())]
    Unverified {
        path: PathBuf,
        error: crate::sign::VerifyError,
    },
    #[error(
        "{} and {} are both version {version} of {candidate}'s result in exam {exam}; give each grading folder only once",
        first.display(), second.display()
    )]
    Duplicate {
        exam: String,
        candidate: String,
        version: u32,
        first: PathBuf,
        second: PathBuf,
    },
}

/// What [`load_latest`] found.
#[derive(Debug, Default)]
pub struct LoadResult {
    /// The latest version of each candidate's result per exam, sorted by
    /// exam id, then candidate id.
    pub scores: Vec<Loaded>,
    /// Older versions that a regrade replaced (left out of everything).
    pub superseded: usize,
    pub problems: Vec<LoadError>,
}

/// Score file paths under the inputs: files given directly, and every
/// `*.score.toml` / `*.score.vN.toml` in folders given, at any depth.
/// Dot-files (temporary files of an interrupted write) are skipped.
pub fn score_paths(inputs: &[PathBuf]) -> (Vec<PathBuf>, Vec<LoadError>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let found = crate::score_file::files_in(input);
            out.extend(found.files);
            problems.extend(found.errors.into_iter().map(|e| LoadError::Unreadable {
                path: e.path,
                error: e.reason,
            }));
        } else if input.is_file() {
            out.push(input.clone());
        } else {
            problems.push(LoadError::Missing {
                path: input.clone(),
            });
        }
    }
    // The same file given twice (a folder and a file in it) counts once.
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    (out, problems)
}

/// Reads every score file under the inputs and keeps the latest version of
/// each candidate's result per exam. With a public key, only files whose
/// signature it verifies are used.
pub fn load_latest(inputs: &[PathBuf], key: Option<&crate::sign::PublicKey>) -> LoadResult {
    let (paths, mut problems) = score_paths(inputs);
    let read = crate::parallel::map(&paths, |path| {
        if let Some(key) = key {
            return crate::sign::verify_score_file(key, path)
                .map(|score| Loaded {
                    path: path.clone(),
                    score,
                })
                .map_err(|error| LoadError::Unverified {
                    path: path.clone(),
                    error,
                });
        }
        let text = std::fs::read_to_string(path).map_err(|error| LoadError::Unreadable {
            path: path.clone(),
            error,
        })?;
        ScoreFile::parse(path, &text)
            .map(|score| Loaded {
                path: path.clone(),
                score,
            })
            .map_err(LoadError::Malformed)
    });
    let mut latest: BTreeMap<(String, String), Loaded> = BTreeMap::new();
    let mut superseded = 0;
    for r in read {
        let loaded = match r {
            Ok(l) => l,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let key = (
            loaded.score.exam.id.clone(),
            loaded.score.candidate.id.clone(),
        );
        match latest.get(&key) {
            None => {
                latest.insert(key, loaded);
            }
            Some(old) if old.score.version == loaded.score.version => {
                problems.push(LoadError::Duplicate {
                    exam: key.0,
                    candidate: key.1,
                    version: loaded.score.version,
                    first: old.path.clone(),
                    second: loaded.path,
                });
            }
            Some(old) => {
                superseded += 1;
                if loaded.score.version > old.score.version {
                    latest.insert(key, loaded);
                }
            }
        }
    }
    LoadResult {
        scores: latest.into_values().collect(),
        superseded,
        problems,
    }
}

/// The paper manifests, found by their digest (which every score file
/// names), so that each result is read against the exact paper it was
/// graded on.
#[derive(Debug, Default)]
pub struct Papers {
    by_digest: BTreeMap<String, Paper>,
}

impl Papers {
    pub fn new(papers: Vec<(PathBuf, Paper)>) -> Self {
        Self {
            by_digest: papers
                .into_iter()
                .map(|(_, p)| (p.digest.clone(), p))
                .collect(),
        }
    }

    /// The paper a score file was graded on.
    pub fn of(&self, score: &ScoreFile) -> Option<&Paper> {
        self.by_digest.get(&score.paper.digest)
    }

    /// A bank question's text as drawn on some paper, with its options put
    /// back into bank order; the first paper (by digest) that has it.
    pub fn bank_question(&self, id: &str) -> Option<BankQuestion> {
        self.by_digest.values().find_map(|p| {
            p.content
                .questions
                .iter()
                .find(|q| q.id == id)
                .map(BankQuestion::from_printed)
        })
    }
}

/// A question with its options in bank order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankQuestion {
    pub stem: String,
    /// (bank letter, text), in bank-letter order.
    pub options: Vec<(char, String)>,
    pub explanation: Option<String>,
}

impl BankQuestion {
    fn from_printed(q: &PaperQuestion) -> Self {
        let mut options: Vec<(char, String)> = q
            .options
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let letter = q.original_letter(i).unwrap_or(char::from(b'A' + i as u8));
                (letter, text.clone())
            })
            .collect();
        options.sort();
        Self {
            stem: q.stem.clone(),
            options,
            explanation: q.explanation.clone(),
        }
    }
}

/// Formats a ratio or correlation for people: `0.6124`; `-` when undefined.
pub fn fmt4(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |v| round_half_up(v, 4))
}

/// Formats a mean or standard deviation: `12.35`.
pub fn fmt2(value: f64) -> String {
    round_half_up(value, 2)
}

/// `value` rounded half up (away from zero) to `places` decimals, as the
/// score files round. Means come from exact hundredths (50.305 is 10061 ÷
/// 200), but as a binary float 50.305 is 50.30499999…, which `{:.2}` prints
/// as 50.30: the value is first read to 10 decimals, which undoes that
/// representation error, and rounded from those digits.
pub fn round_half_up(value: f64, places: usize) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let digits = format!("{:.10}", value.abs());
    let (whole, frac) = digits.split_once('.').unwrap_or((&digits, ""));
    let mut number: Vec<u8> = whole.bytes().chain(frac.bytes().take(places)).collect();
    if frac.as_bytes().get(places).is_some_and(|&d| d >= b'5') {
        // Carry the 1 up through the digits.
        let mut i = number.len();
        loop {
            if i == 0 {
                number.insert(0, b'1');
                break;
            }
            i -= 1;
            if number[i] == b'9' {
                number[i] = b'0';
            } else {
                number[i] += 1;
                break;
            }
        }
    }
    let number = String::from_utf8(number).expect("digits are ASCII");
    let (w, f) = number.split_at(number.len() - places);
    let zero = number.bytes().all(|b| b == b'0');
    let sign = if value < 0.0 && !zero { "-" } else { "" };
    if places == 0 {
        format!("{sign}{w}")
    } else {
        format!("{sign}{w}.{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_round_half_up_from_their_exact_value() {
        assert_eq!(fmt2(50.305), "50.31");
        assert_eq!(fmt2(10061.0 / 200.0), "50.31");
        assert_eq!(fmt2(2.675), "2.68");
        assert_eq!(fmt2(1.004999), "1.00");
        assert_eq!(fmt2(99.995), "100.00");
        assert_eq!(fmt2(0.0), "0.00");
        assert_eq!(fmt2(-0.0), "0.00");
        assert_eq!(fmt4(Some(-0.26665)), "-0.2667");
        assert_eq!(fmt4(Some(-0.00001)), "0.0000");
        assert_eq!(fmt4(None), "-");
    }
}
