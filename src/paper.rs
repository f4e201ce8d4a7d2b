//! The paper manifest (`<candidate>.paper.toml`): the contract between
//! drawing, rendering, grading and analysis. It is self-contained — the
//! questions as drawn, their printed order, the key and the exam's scoring
//! rules — so that editing the bank later can never change how an old paper
//! is printed or graded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::bank::QuestionType;

/// The manifest format written by this version.
pub const FORMAT: &str = "certexam-paper-v1";

/// File name ending of a paper manifest.
pub const EXTENSION: &str = ".paper.toml";

/// One drawn paper.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "PaperFile")]
pub struct Paper {
    /// Short printed id, from the digest (see [`paper_id`]).
    pub paper_id: String,
    /// SHA-256 of the canonical content (see [`Paper::compute_digest`]).
    pub digest: String,
    #[serde(flatten)]
    pub content: PaperContent,
}

/// The manifest as it is read: the same fields as [`Paper`] written out
/// flat. Grading reads ten thousand manifests at once, and serde's
/// `flatten` would first buffer every value of each of them.
#[derive(Deserialize)]
struct PaperFile {
    paper_id: String,
    digest: String,
    format: String,
    exam: Exam,
    #[serde(default)]
    candidate: Option<Candidate>,
    #[serde(default)]
    form: Option<String>,
    draw: DrawInfo,
    question: Vec<PaperQuestion>,
}

impl From<PaperFile> for Paper {
    fn from(f: PaperFile) -> Self {
        Paper {
            paper_id: f.paper_id,
            digest: f.digest,
            content: PaperContent {
                format: f.format,
                exam: f.exam,
                candidate: f.candidate,
                form: f.form,
                draw: f.draw,
                questions: f.question,
            },
        }
    }
}

/// Everything that the digest covers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaperContent {
    pub format: String,
    pub exam: Exam,
    /// Who sits this paper; absent for anonymous forms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidate: Option<Candidate>,
    /// Form letter (`A`, `B`, …) for papers drawn with `--forms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    pub draw: DrawInfo,
    #[serde(rename = "question")]
    pub questions: Vec<PaperQuestion>,
}

/// The exam as the blueprint described it, with its scoring rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exam {
    pub id: String,
    pub title: String,
    /// Language of printed labels: `zh` or `en`.
    pub lang: String,
    pub duration_minutes: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Exam date (`YYYY-MM-DD`) if the blueprint gives one; printed on the
    /// paper and used as the PDF's creation date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// How many months a pass stays valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_months: Option<u32>,
    pub pass: PassRule,
    #[serde(rename = "section")]
    pub sections: Vec<Section>,
    /// Category titles used on this paper: id → (Chinese title, English title).
    pub categories: BTreeMap<String, CategoryTitle>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryTitle {
    pub title: String,
    pub title_en: String,
}

/// Overall pass mark and per-category gates, in % of the maximum.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PassRule {
    pub percent: f64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub categories: BTreeMap<String, f64>,
}

/// How a multiple-choice answer earns points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// Full points only for exactly the key.
    #[default]
    AllOrNothing,
    /// Full for the key, half for a non-empty proper subset, 0 if any wrong option.
    HalfIfSubset,
    /// Points × (correct picked ÷ correct total), 0 if any wrong option.
    PerCorrectOption,
}

impl Scoring {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AllOrNothing => "all_or_nothing",
            Self::HalfIfSubset => "half_if_subset",
            Self::PerCorrectOption => "per_correct_option",
        }
    }
}

/// One section of the paper.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub title: String,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    /// Points per question.
    pub points: f64,
    pub scoring: Scoring,
    /// Points taken off per wrong (not blank) answer; a section never goes below 0.
    pub penalty: f64,
    /// Numbers of the first and last question of the section, as printed.
    pub first: u32,
    pub last: u32,
}

/// The candidate from the roster.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    /// Exam room (考场), from the roster or `draw --rooms`. Absent without
    /// rooms, so that papers drawn without rooms keep their digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// Seat number (座位号) in the room, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seat: Option<u32>,
    /// Other roster columns (department, employee number, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

/// What the paper was drawn from, so it can be drawn again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawInfo {
    /// `certexam-draw-v1` or `certexam-draw-v2`: the algorithm documented in
    /// the README.
    pub algorithm: String,
    /// The master seed as the trainer gave it.
    pub master_seed: String,
    /// This paper's derived seed, hex.
    pub seed: String,
    pub bank_name: String,
    pub bank_version: String,
    pub bank_digest: String,
    /// v2: the attempt (0, 1, …) that was kept; `seed` is that attempt's.
    /// Absent for v1, whose manifests stay as they always were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    /// v2 with a calibration: SHA-256 of the items.csv that set the
    /// questions' difficulties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration_sha256: Option<String>,
}

/// One question as printed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaperQuestion {
    /// Printed number, from 1.
    pub number: u32,
    /// Index of the section in `exam.section`, from 1.
    pub section: u32,
    /// Bank id.
    pub id: String,
    /// The bank question's digest when drawn.
    pub digest: String,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    pub category: String,
    pub difficulty: u8,
    pub stem: String,
    /// Options in printed order; empty for true/false.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// The key: printed letters (`"AC"`) or `true`/`false`.
    pub answer: Key,
    /// For each printed option, its letter in the bank: `"CADB"` means
    /// printed A is bank C, printed B is bank A, ….
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub original: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

/// A question's key as stored in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Key {
    Letters(String),
    TrueFalse(bool),
}

impl Key {
    pub fn display(&self) -> String {
        match self {
            Key::Letters(l) => l.clone(),
            Key::TrueFalse(b) => b.to_string(),
        }
    }

    /// Printed option indices of a choice key (`"AC"` → `[0, 2]`).
    pub fn indices(&self) -> Vec<usize> {
        match self {
            Key::Letters(l) => l.bytes().map(|b| usize::from(b - b'A')).collect(),
            Key::TrueFalse(_) => Vec::new(),
        }
    }
}

impl PaperQuestion {
    /// The bank letter of a printed option index.
    pub fn original_letter(&self, printed: usize) -> Option<char> {
        self.original.chars().nth(printed)
    }
}

impl Paper {
    /// Builds a paper from its content, computing digest and printed id.
    pub fn new(content: PaperContent) -> Self {
        let digest = Self::compute_digest(&content);
        Self {
            paper_id: paper_id(&digest),
            digest,
            content,
        }
    }

    /// SHA-256 (hex) of the content serialized as compact JSON, fields in
    /// the order of this file's structs, maps sorted by key.
    pub fn compute_digest(content: &PaperContent) -> String {
        let json = serde_json::to_vec(content).expect("paper content always serializes");
        hex::encode(Sha256::digest(&json))
    }

    /// The candidate id, or the form letter for anonymous forms: the name of
    /// the paper's files.
    pub fn holder(&self) -> &str {
        match (&self.content.candidate, &self.content.form) {
            (Some(c), _) => &c.id,
            (None, Some(f)) => f,
            (None, None) => &self.paper_id,
        }
    }

    /// The section a question belongs to.
    pub fn section_of(&self, q: &PaperQuestion) -> &Section {
        &self.content.exam.sections[(q.section - 1) as usize]
    }

    /// Maximum points of the whole paper.
    pub fn max_points(&self) -> f64 {
        self.content
            .questions
            .iter()
            .map(|q| self.section_of(q).points)
            .sum()
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("paper always serializes")
    }

    /// Reads and checks a manifest file: format, digest and printed id.
    pub fn read(path: &Path) -> Result<Paper, ManifestError> {
        let path_buf = || path.to_path_buf();
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: path_buf(),
            source,
        })?;
        let paper: Paper = toml::from_str(&text).map_err(|source| ManifestError::NotManifest {
            path: path_buf(),
            source,
        })?;
        if paper.content.format != FORMAT {
            return Err(ManifestError::Format {
                path: path_buf(),
                found: paper.content.format,
            });
        }
        let digest = Self::compute_digest(&paper.content);
        if digest != paper.digest || paper_id(&digest) != paper.paper_id {
            return Err(ManifestError::Changed(path_buf()));
        }
        paper
            .content
            .check()
            .map_err(|source| ManifestError::NotDrawn {
                path: path_buf(),
                source,
            })?;
        Ok(paper)
    }
}

/// The longest validity a pass can have, in months (100 years): beyond
/// it dates leave the calendar that every tool can handle.
pub const MAX_VALID_MONTHS: u32 = 1200;

/// Why a paper manifest, or a folder of them, cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read the paper {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a valid paper manifest", path.display())]
    NotManifest {
        path: PathBuf,
        #[source]
        source: toml::de::Error,
    },
    #[error("{} has format `{found}`; this certexam reads `{FORMAT}`", path.display())]
    Format { path: PathBuf, found: String },
    #[error(
        "{} was changed after it was drawn (its digest does not match its content); draw it again instead of editing it",
        .0.display()
    )]
    Changed(PathBuf),
    #[error("{} is not a paper `certexam draw` makes; draw it again", path.display())]
    NotDrawn {
        path: PathBuf,
        #[source]
        source: PaperError,
    },
    #[error(
        "the papers folder {} does not exist; give the folder `certexam draw --out` wrote",
        .0.display()
    )]
    NoFolder(PathBuf),
    #[error("cannot read the papers folder {}", folder.display())]
    Unlisted {
        folder: PathBuf,
        #[source]
        source: crate::discover::DiscoverError,
    },
    #[error(
        "no paper manifests (*{EXTENSION}) in {}; give the folder `certexam draw --out` wrote",
        .0.display()
    )]
    Empty(PathBuf),
    #[error(
        "{} of the {total} paper manifests in {} cannot be used:\n{}\n\
         draw them again with the same bank, blueprint, roster and seed (that gives the same bytes), \
         or restore them from a backup",
        problems.len(),
        folder.display(),
        problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n")
    )]
    Damaged {
        total: usize,
        folder: PathBuf,
        /// Each damaged manifest's error with its causes.
        problems: Vec<String>,
    },
}

/// An error followed by its causes, `a: b: c`, as the command line prints
/// it (for errors listed inside another error).
fn with_causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// A manifest whose digest matches but whose content cannot be a drawn
/// paper (hand-made, or written by a faulty tool): grading it would go wrong.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum PaperError {
    #[error("it has no sections")]
    NoSections,
    #[error("question {position} has number {number}; questions are numbered 1, 2, 3, … in order")]
    Numbering { position: usize, number: u32 },
    #[error("question {number} names section {section}, but the paper has {sections} section(s)")]
    NoSuchSection {
        number: u32,
        section: u32,
        sections: usize,
    },
    #[error("question {number} is not within its section's numbers {first}–{last}")]
    OutsideSection { number: u32, first: u32, last: u32 },
    #[error("question {number} is of another type than its section")]
    WrongType { number: u32 },
    #[error("question {number}: {problem}")]
    BadKey { number: u32, problem: String },
    #[error("section {section}: {what} {value} is not a number of points ≥ 0 in hundredths")]
    BadPoints {
        section: usize,
        what: &'static str,
        value: f64,
    },
    #[error("valid_months = {0} is more than {MAX_VALID_MONTHS} (100 years)")]
    ValidMonths(u32),
    #[error("the pass mark {what} = {value} is not a percentage from 0 to 100")]
    PassMark { what: String, value: f64 },
}

/// A choice key's problem, if any: letters A… within the options, no repeats.
fn key_problem(q: &PaperQuestion) -> Option<String> {
    match (&q.kind, &q.answer) {
        (QuestionType::TrueFalse, Key::TrueFalse(_)) => {
            (!q.options.is_empty()).then(|| "a true/false question has options".to_string())
        }
        (QuestionType::TrueFalse, Key::Letters(l)) => Some(format!(
            "a true/false question has the letter key `{}`",
            crate::spreadsheet::excerpt(l)
        )),
        (_, Key::TrueFalse(_)) => Some("a choice question has a true/false key".to_string()),
        (_, Key::Letters(letters)) => {
            let n = q.options.len();
            if !(2..=26).contains(&n) {
                return Some(format!("it has {n} options (2–26 can be printed)"));
            }
            if letters.is_empty() {
                return Some("its key is empty".to_string());
            }
            let last = char::from(b'A' + n as u8 - 1);
            if let Some(c) = letters.chars().find(|c| !('A'..=last).contains(c)) {
                return Some(format!("its key names `{c}`, but its options are A–{last}"));
            }
            let mut seen = letters.chars().collect::<Vec<_>>();
            seen.sort_unstable();
            seen.dedup();
            if seen.len() != letters.chars().count() {
                return Some(format!("its key `{letters}` repeats a letter"));
            }
            let original_ok = q.original.is_empty()
                || (q.original.chars().count() == n
                    && q.original.chars().all(|c| c.is_ascii_uppercase()));
            (!original_ok).then(|| {
                format!(
                    "its bank letters `{}` do not match its {n} options",
                    crate::spreadsheet::excerpt(&q.original)
                )
            })
        }
    }
}

impl PaperContent {
    /// What grading relies on beyond the digest: sections and numbering,
    /// keys against options, points, validity and pass marks in range.
    pub fn check(&self) -> Result<(), PaperError> {
        let exam = &self.exam;
        if exam.sections.is_empty() {
            return Err(PaperError::NoSections);
        }
        if let Some(m) = exam.valid_months.filter(|&m| m > MAX_VALID_MONTHS) {
            return Err(PaperError::ValidMonths(m));
        }
        let marks = std::iter::once(("percent".to_string(), exam.pass.percent)).chain(
            exam.pass
                .categories
                .iter()
                .map(|(c, v)| (format!("for {c}"), *v)),
        );
        for (what, value) in marks {
            if !(0.0..=100.0).contains(&value) {
                return Err(PaperError::PassMark { what, value });
            }
        }
        for (i, section) in exam.sections.iter().enumerate() {
            for (what, value) in [("points", section.points), ("penalty", section.penalty)] {
                if value < 0.0 || crate::score_file::Points::from_f64(value).is_none() {
                    return Err(PaperError::BadPoints {
                        section: i + 1,
                        what,
                        value,
                    });
                }
            }
        }
        for (i, q) in self.questions.iter().enumerate() {
            if q.number as usize != i + 1 {
                return Err(PaperError::Numbering {
                    position: i + 1,
                    number: q.number,
                });
            }
            let section = q
                .section
                .checked_sub(1)
                .and_then(|s| exam.sections.get(s as usize))
                .ok_or(PaperError::NoSuchSection {
                    number: q.number,
                    section: q.section,
                    sections: exam.sections.len(),
                })?;
            if !(section.first..=section.last).contains(&q.number) {
                return Err(PaperError::OutsideSection {
                    number: q.number,
                    first: section.first,
                    last: section.last,
                });
            }
            if section.kind != q.kind {
                return Err(PaperError::WrongType { number: q.number });
            }
            if let Some(problem) = key_problem(q) {
                return Err(PaperError::BadKey {
                    number: q.number,
                    problem,
                });
            }
        }
        Ok(())
    }
}

/// The alphabet of printed ids: digits and capitals without 0, 1, I and O,
/// which are easy to misread on paper.
pub const ID_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// The 8-character printed id: the first 40 bits of the digest in base 32
/// over [`ID_ALPHABET`].
pub fn paper_id(digest_hex: &str) -> String {
    let bytes = hex::decode(&digest_hex[..10]).unwrap_or_default();
    let mut bits: u64 = 0;
    for b in bytes {
        bits = (bits << 8) | u64::from(b);
    }
    (0..8)
        .rev()
        .map(|i| char::from(ID_ALPHABET[((bits >> (i * 5)) & 31) as usize]))
        .collect()
}

/// Reads every `*.paper.toml` in a folder (and its `papers/` subfolder, so
/// the folder `draw` wrote can be given directly), sorted by file name.
/// Damaged manifests are all named in the one error, so that one redraw
/// fixes them all.
pub fn read_dir(dir: &Path) -> Result<Vec<(PathBuf, Paper)>, ManifestError> {
    if !dir.is_dir() {
        return Err(ManifestError::NoFolder(dir.to_path_buf()));
    }
    let mut folder = dir.to_path_buf();
    if !has_papers(&folder) && has_papers(&dir.join("papers")) {
        folder = dir.join("papers");
    }
    let paths =
        manifests(&folder)
            .all_or_first_error()
            .map_err(|source| ManifestError::Unlisted {
                folder: folder.clone(),
                source,
            })?;
    if paths.is_empty() {
        return Err(ManifestError::Empty(folder));
    }
    // Parsing and digest-checking dominate grading a large session; spread
    // them over the cores (the order of `paths` is kept).
    let (papers, damaged): (Vec<_>, Vec<_>) =
        crate::parallel::map(&paths, |p| Paper::read(p).map(|paper| (p.clone(), paper)))
            .into_iter()
            .partition(Result::is_ok);
    if !damaged.is_empty() {
        return Err(ManifestError::Damaged {
            total: paths.len(),
            folder,
            problems: damaged
                .iter()
                .filter_map(|r| r.as_ref().err())
                .map(|e| with_causes(e))
                .collect(),
        });
    }
    Ok(papers.into_iter().flatten().collect())
}

/// The paper manifests directly in `dir` ([`crate::discover`]'s rule).
fn manifests(dir: &Path) -> crate::discover::Found {
    crate::discover::files(dir, crate::discover::Depth::Flat, |p| {
        crate::discover::name_ends_with(p, EXTENSION)
    })
}

fn has_papers(dir: &Path) -> bool {
    !manifests(dir).files.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_id_uses_only_unambiguous_characters() {
        let id = paper_id("ffffffffff00");
        assert_eq!(id, "ZZZZZZZZ");
        assert_eq!(paper_id("0000000000"), "22222222");
        assert!(!paper_id("0123456789abcdef").contains(['0', '1', 'I', 'O']));
    }
}
