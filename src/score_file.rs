//! The score file (`<exam-id>/<candidate>.score.toml`): one candidate's
//! graded result, signed by the proctor. It is the contract that HR's
//! archive and the trainers' item analysis read years later, so it is
//! self-describing (format version, everything needed to re-check the
//! arithmetic) and keyed by stable bank question ids, so that results of
//! differently shuffled papers line up.
//!
//! Points are exact multiples of 0.01 ([`Points`], integer hundredths):
//! written as TOML floats, read back and summed without drift.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::bank::QuestionType;
use crate::paper::{Candidate, PassRule, Scoring};

/// The format written by this version.
pub const FORMAT: &str = "certexam-score-v1";

/// File name ending of a first score file (`E001.score.toml`).
pub const EXTENSION: &str = ".score.toml";

/// File name ending of a detached minisign signature (`E001.score.toml.minisig`).
pub const SIG_EXTENSION: &str = ".minisig";

/// A number of points, held exactly in hundredths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Points(pub i64);

impl Points {
    pub const ZERO: Points = Points(0);

    /// Hundredths of a point.
    pub fn hundredths(self) -> i64 {
        self.0
    }

    /// The nearest multiple of 0.01 to a decimal number; `None` when it is
    /// not finite or not within 1e-6 of a multiple of 0.01 (a rule like
    /// `points = 0.125` cannot be kept exactly).
    pub fn from_f64(value: f64) -> Option<Points> {
        if !value.is_finite() || value.abs() > 1e13 {
            return None;
        }
        let scaled = value * 100.0;
        let rounded = scaled.round();
        ((scaled - rounded).abs() < 1e-6).then_some(Points(rounded as i64))
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl fmt::Display for Points {
    /// `2`, `2.5`, `1.33`: no trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let (whole, frac) = (self.0.abs() / 100, self.0.abs() % 100);
        match frac {
            0 => write!(f, "{sign}{whole}"),
            f2 if f2 % 10 == 0 => write!(f, "{sign}{whole}.{}", f2 / 10),
            f2 => write!(f, "{sign}{whole}.{f2:02}"),
        }
    }
}

impl Serialize for Points {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_f64())
    }
}

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A plain visitor: an untagged enum would buffer every number (score
        // files hold hundreds of them) before trying each variant.
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Points;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of points")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Points, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Points, E> {
                self.visit_f64(v as f64)
            }
            fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Points, E> {
                Points::from_f64(value)
                    .ok_or_else(|| E::custom(format!("{value} is not a multiple of 0.01 points")))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl std::ops::Add for Points {
    type Output = Points;
    fn add(self, other: Points) -> Points {
        Points(self.0 + other.0)
    }
}

impl std::ops::Sub for Points {
    type Output = Points;
    fn sub(self, other: Points) -> Points {
        Points(self.0 - other.0)
    }
}

impl std::iter::Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        Points(iter.map(|p| p.0).sum())
    }
}

/// A percentage rounded half up to two decimals (`84.46`), computed from
/// exact points; pass marks are compared against the exact fraction, never
/// against this rounded figure.
pub fn percent(earned: Points, max: Points) -> f64 {
    if max.0 <= 0 {
        return 0.0;
    }
    // Basis points (hundredths of a percent), rounded half up.
    let bp = (earned.0.max(0) as i128 * 20_000 + max.0 as i128) / (2 * max.0 as i128);
    bp as f64 / 100.0
}

/// One signed score file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// 1 for `<candidate>.score.toml`, N for the regrade `<candidate>.score.vN.toml`.
    pub version: u32,
    /// When it was graded, RFC 3339 UTC to the second (`2026-12-01T10:00:00Z`).
    pub graded_at: String,
    /// The program that graded it (`certexam 0.1.0`).
    pub tool: String,
    pub signer: Signer,
    /// For versions after the first: what this one replaces and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regrade: Option<Regrade>,
    /// Where the answers came from.
    pub sheet: SheetSource,
    pub candidate: Candidate,
    pub exam: ExamInfo,
    pub paper: PaperInfo,
    pub grading: Grading,
    pub result: Outcome,
    #[serde(rename = "section")]
    pub sections: Vec<SectionScore>,
    /// Sorted by category id.
    #[serde(rename = "category")]
    pub categories: Vec<CategoryScore>,
    /// In printed order.
    #[serde(rename = "question")]
    pub questions: Vec<QuestionScore>,
}

/// Who signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    /// The minisign key id, 16 upper-case hex digits as `minisign` prints it.
    pub key_id: String,
}

/// The link from a regrade to the version it supersedes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Regrade {
    /// File name of the previous version, in the same folder.
    pub supersedes: String,
    /// SHA-256 (hex) of the previous version's bytes.
    pub supersedes_sha256: String,
    /// Why the result changed, for people (`--void Q12; total 62/74 → 62/72`).
    pub reason: String,
}

/// The answer sheet a result was graded from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetSource {
    /// The sheet file as given to `certexam grade`.
    pub file: String,
    /// Line of the row in a CSV file; 0 for a TOML sheet.
    pub row: usize,
}

/// The exam, as the paper manifest describes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExamInfo {
    pub id: String,
    pub title: String,
    /// Exam date (`YYYY-MM-DD`), when the blueprint gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_months: Option<u32>,
    /// The pass rule applied.
    pub pass: PassRule,
}

/// The paper the candidate sat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperInfo {
    /// The short printed id.
    pub id: String,
    /// SHA-256 of the paper manifest's content.
    pub digest: String,
    /// Form letter, for papers drawn with `--forms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    pub bank_name: String,
    pub bank_version: String,
    pub bank_digest: String,
}

/// Decisions of the grader that apply to this paper.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grading {
    /// Bank ids voided with `--void` (on this paper), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub voided: Vec<String>,
    /// Keys replaced with `--key-fix`, bank id → key in bank letters (or
    /// `true`/`false`), sorted by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_fixes: Vec<KeyFix>,
}

/// One corrected key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFix {
    pub id: String,
    /// The corrected key in bank letters, or `true`/`false`.
    pub key_bank: String,
}

/// The overall result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub total: Points,
    /// Maximum over the questions that count (voided ones do not).
    pub max: Points,
    /// `total / max × 100`, rounded half up to 0.01.
    pub percent: f64,
    pub pass: bool,
    /// Every gate that was not met; empty when passed.
    #[serde(default)]
    pub failed_gates: Vec<FailedGate>,
    /// Last day the pass is valid (inclusive): exam date (or grading date)
    /// plus `valid_months`. Only for a pass with `valid_months`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    pub questions: u32,
    pub correct: u32,
    /// Multiple-choice answers that earned part of the points.
    pub partial: u32,
    pub wrong: u32,
    pub blank: u32,
    pub voided: u32,
}

/// A pass condition that was not met.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FailedGate {
    /// `overall` or a category id.
    pub gate: String,
    /// Required percent.
    pub required: f64,
    /// Achieved percent (rounded as [`percent`]).
    pub achieved: f64,
}

/// One section's subtotal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SectionScore {
    /// From 1, as in the paper.
    pub number: u32,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    pub scoring: Scoring,
    /// Points per question.
    pub points: Points,
    /// Points taken off per wrong answer.
    pub penalty: Points,
    /// Sum of the questions' `points` (voided questions excluded).
    pub max: Points,
    /// Sum of the questions' `earned`, before penalties.
    pub raw: Points,
    /// Penalties taken off (`penalty × wrong`).
    pub penalties: Points,
    /// `max(0, raw − penalties)`: what counts towards the total.
    pub earned: Points,
    pub correct: u32,
    pub partial: u32,
    pub wrong: u32,
    pub blank: u32,
    pub voided: u32,
}

/// One category's subtotal, over all sections.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryScore {
    pub id: String,
    pub title: String,
    pub title_en: String,
    pub max: Points,
    /// `max(0, Σ earned − Σ penalty)` over the category's questions.
    pub earned: Points,
    pub percent: f64,
    /// The category's gate in percent, if the pass rule has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<f64>,
    pub correct: u32,
    pub partial: u32,
    pub wrong: u32,
    pub blank: u32,
    pub voided: u32,
}

/// How one answer was judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Judgement {
    /// Full points.
    Correct,
    /// Part of the points (multiple choice under a partial rule).
    Partial,
    /// No points, not blank (penalised if the section has a penalty).
    Wrong,
    /// Unanswered.
    Blank,
    /// Voided with `--void`: counts neither in the total nor the maximum.
    Voided,
}

impl Judgement {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Correct => "correct",
            Self::Partial => "partial",
            Self::Wrong => "wrong",
            Self::Blank => "blank",
            Self::Voided => "voided",
        }
    }
}

/// One question of the paper and how it was answered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionScore {
    /// Printed number.
    pub number: u32,
    /// Stable bank id: the key for lining up results across papers.
    pub id: String,
    /// Section number, from 1.
    pub section: u32,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    pub category: String,
    /// For each printed option, its bank letter (`"CADB"`: printed A is
    /// bank C, …); empty for true/false.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub original: String,
    /// The answer in printed letters, sorted (`"AC"`), or `true`/`false`;
    /// empty when blank.
    pub given: String,
    /// The same answer in bank letters, sorted; `true`/`false` as given.
    pub given_bank: String,
    /// The key in printed letters, or `true`/`false`.
    pub key: String,
    /// The key in bank letters, or `true`/`false`.
    pub key_bank: String,
    /// Whether the key was replaced with `--key-fix`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub key_fixed: bool,
    /// The question's maximum.
    pub points: Points,
    /// Points earned, before the section's penalty.
    pub earned: Points,
    /// Penalty charged for this (wrong) answer.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub penalty: Points,
    pub result: Judgement,
}

fn is_zero(p: &Points) -> bool {
    p.0 == 0
}

/// Why a score file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ScoreFileError {
    #[error("{path} is not a score file: {message}")]
    Malformed { path: PathBuf, message: String },
    #[error("{path} has format `{found}`; this certexam reads `{FORMAT}`")]
    Format { path: PathBuf, found: String },
}

impl ScoreFile {
    /// The TOML text that is signed and written.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("score files always serialize")
    }

    /// Parses a score file's text; `path` is for messages only.
    pub fn parse(path: &Path, text: &str) -> Result<ScoreFile, ScoreFileError> {
        #[derive(Deserialize)]
        struct Probe {
            format: Option<String>,
        }
        let malformed = |e: toml::de::Error| ScoreFileError::Malformed {
            path: path.to_path_buf(),
            message: e.message().trim().to_string(),
        };
        let wrong_format = |found: Option<&str>| ScoreFileError::Format {
            path: path.to_path_buf(),
            found: found.unwrap_or("(none)").to_string(),
        };
        // One full parse in the common case; the probe runs only when that
        // fails, to tell another format from a damaged file.
        match toml::from_str::<ScoreFile>(text) {
            Ok(score) if score.format == FORMAT => Ok(score),
            Ok(score) => Err(wrong_format(Some(&score.format))),
            Err(full) => {
                let probe: Probe = toml::from_str(text).map_err(malformed)?;
                match probe.format.as_deref() {
                    Some(FORMAT) => Err(malformed(full)),
                    found => Err(wrong_format(found)),
                }
            }
        }
    }

    /// Whether two score files hold the same result: everything but the
    /// bookkeeping of when, by whom and from which file it was graded
    /// (`version`, `graded_at`, `tool`, `signer`, `regrade`, `sheet`). A
    /// regrade that is the same by this measure writes nothing. For an exam
    /// without a date, `valid_until` of two passes is not compared either:
    /// it counts from the grading day, and a pass stays valid from the
    /// first grading that gave it.
    pub fn same_result(&self, other: &ScoreFile) -> bool {
        let mut a = self.clone();
        if a.exam.date.is_none() && a.result.pass && other.result.pass {
            a.result.valid_until.clone_from(&other.result.valid_until);
        }
        a.version = other.version;
        a.graded_at.clone_from(&other.graded_at);
        a.tool.clone_from(&other.tool);
        a.signer.clone_from(&other.signer);
        a.regrade.clone_from(&other.regrade);
        a.sheet.clone_from(&other.sheet);
        a == *other
    }

    /// What does not add up in the file, if anything: each section's
    /// maximum, raw points, penalties and earned points from its questions,
    /// the total and maximum from the sections, the percent from those, and
    /// pass against the failed gates. Cheap, and it catches a signer's bug
    /// (or a hand-made file signed with a stolen key that forgot a sum).
    pub fn arithmetic_problem(&self) -> Option<String> {
        for q in &self.questions {
            if !self.sections.iter().any(|s| s.number == q.section) {
                return Some(format!(
                    "question {} names section {}, which the file does not have",
                    q.number, q.section
                ));
            }
        }
        for s in &self.sections {
            let counted: Vec<&QuestionScore> = self
                .questions
                .iter()
                .filter(|q| q.section == s.number && q.result != Judgement::Voided)
                .collect();
            let max: Points = counted.iter().map(|q| q.points).sum();
            let raw: Points = counted.iter().map(|q| q.earned).sum();
            let penalties: Points = counted.iter().map(|q| q.penalty).sum();
            let earned = (raw - penalties).max(Points::ZERO);
            for (what, stated, sum) in [
                ("maximum", s.max, max),
                ("raw points", s.raw, raw),
                ("penalties", s.penalties, penalties),
                ("points", s.earned, earned),
            ] {
                if stated != sum {
                    return Some(format!(
                        "section {} states {what} {stated}, but its questions add up to {sum}",
                        s.number
                    ));
                }
            }
        }
        let total: Points = self.sections.iter().map(|s| s.earned).sum();
        let max: Points = self.sections.iter().map(|s| s.max).sum();
        let r = &self.result;
        if r.total != total {
            return Some(format!(
                "its total {} is not the sum of its sections, {total}",
                r.total
            ));
        }
        if r.max != max {
            return Some(format!(
                "its maximum {} is not the sum of its sections, {max}",
                r.max
            ));
        }
        if r.percent != percent(total, max) {
            return Some(format!(
                "its percent {} is not {total}/{max} = {}",
                r.percent,
                percent(total, max)
            ));
        }
        if r.pass != r.failed_gates.is_empty() {
            return Some(format!(
                "it says pass = {} with {} failed gate(s)",
                r.pass,
                r.failed_gates.len()
            ));
        }
        None
    }

    /// The file name of this version (see [`file_name`]).
    pub fn file_name(&self) -> String {
        file_name(&self.candidate.id, self.version)
    }

    /// The one-line summary put in the signature's trusted comment, which
    /// `minisign -V` prints and `certexam verify` checks against the file:
    /// `certexam-score-v1 file=E001.score.toml candidate=E001 name="张三"
    /// exam=CS-CERT-2026Q4 paper=7KQ2M9XA total=62.5/74 percent=84.46 pass=true`.
    pub fn trusted_comment(&self) -> String {
        let name: String = self
            .candidate
            .name
            .chars()
            .map(|c| if c.is_control() || c == '"' { ' ' } else { c })
            .collect();
        format!(
            "{FORMAT} file={} candidate={} name=\"{name}\" exam={} paper={} total={}/{} percent={} pass={}",
            self.file_name(),
            self.candidate.id,
            self.exam.id,
            self.paper.id,
            self.result.total,
            self.result.max,
            self.result.percent,
            self.result.pass
        )
    }
}

/// `E001.score.toml` for version 1, `E001.score.v2.toml` for version 2, ….
pub fn file_name(candidate: &str, version: u32) -> String {
    if version <= 1 {
        format!("{candidate}{EXTENSION}")
    } else {
        format!("{candidate}.score.v{version}.toml")
    }
}

/// The score files under `dir`, at any depth, by [`crate::discover`]'s
/// rule: files whose names [`parse_file_name`] reads.
pub fn files_in(dir: &Path) -> crate::discover::Found {
    crate::discover::files(dir, crate::discover::Depth::Tree, |p| {
        p.file_name()
            .is_some_and(|n| parse_file_name(&n.to_string_lossy()).is_some())
    })
}

/// Score files under `paths`: files as given, folders searched at any depth
/// ([`files_in`]), sorted, each once. A path that does not exist, or a
/// folder that cannot be listed, is an error.
pub fn find(paths: &[PathBuf]) -> Result<Vec<PathBuf>, crate::discover::DiscoverError> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            found.extend(files_in(path).all_or_first_error()?);
        } else if path.exists() {
            found.push(path.clone());
        } else {
            return Err(crate::discover::DiscoverError {
                path: path.clone(),
                reason: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
            });
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// The candidate id and version of a score file name, or `None` if the name
/// is not one ([`file_name`] backwards).
pub fn parse_file_name(name: &str) -> Option<(&str, u32)> {
    if let Some(candidate) = name.strip_suffix(EXTENSION) {
        return (!candidate.is_empty()).then_some((candidate, 1));
    }
    let stem = name.strip_suffix(".toml")?;
    let (candidate, version) = stem.rsplit_once(".score.v")?;
    if candidate.is_empty()
        || version.is_empty()
        || !version.bytes().all(|b| b.is_ascii_digit())
        || version.starts_with('0')
    {
        return None;
    }
    let version: u32 = version.parse().ok()?;
    (version >= 2).then_some((candidate, version))
}

/// The detached signature beside a score file: `FILE.minisig`.
pub fn signature_path(score: &Path) -> PathBuf {
    let mut name = score.as_os_str().to_os_string();
    name.push(SIG_EXTENSION);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_round_trip_and_never_collide() {
        for (cand, v) in [("E001", 1), ("E001", 2), ("E001", 12), ("a.score.v2", 1)] {
            let name = file_name(cand, v);
            assert_eq!(parse_file_name(&name), Some((cand, v)), "{name}");
        }
        assert_eq!(file_name("E001", 1), "E001.score.toml");
        assert_eq!(file_name("E001", 3), "E001.score.v3.toml");
        for bad in [
            "E001.paper.toml",
            ".score.toml",
            "E001.score.v1.toml",
            "E001.score.v02.toml",
            "E001.score.vx.toml",
            "E001.score.toml.minisig",
        ] {
            assert_eq!(parse_file_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn another_format_is_told_apart_from_a_damaged_file() {
        let path = Path::new("E001.score.toml");
        let parse = |text: &str| ScoreFile::parse(path, text).unwrap_err();
        assert!(matches!(
            parse("format = \"certexam-score-v2\"\nversion = 1\n"),
            ScoreFileError::Format { found, .. } if found == "certexam-score-v2"
        ));
        assert!(matches!(
            parse("version = 1\n"),
            ScoreFileError::Format { found, .. } if found == "(none)"
        ));
        let missing = parse("format = \"certexam-score-v1\"\nversion = 1\n");
        assert!(
            matches!(&missing, ScoreFileError::Malformed { message, .. } if message.contains("missing field")),
            "{missing}"
        );
        assert!(matches!(
            parse("format = [\n"),
            ScoreFileError::Malformed { .. }
        ));
    }

    #[test]
    fn points_read_from_integers_and_floats_only() {
        #[derive(Deserialize)]
        struct P {
            x: Points,
        }
        let read = |text: &str| toml::from_str::<P>(text).map(|p| p.x);
        assert_eq!(read("x = 2").unwrap(), Points(200));
        assert_eq!(read("x = 62.5").unwrap(), Points(6250));
        assert_eq!(read("x = -0.5").unwrap(), Points(-50));
        let err = read("x = 0.125").unwrap_err().to_string();
        assert!(err.contains("not a multiple of 0.01"), "{err}");
        assert!(read("x = \"2\"").is_err());
        let json: Points = serde_json::from_str("74.0").unwrap();
        assert_eq!(json, Points(7400));
    }

    #[test]
    fn points_are_exact_hundredths() {
        assert_eq!(Points::from_f64(0.1 + 0.2), Some(Points(30)));
        assert_eq!(Points::from_f64(2.5), Some(Points(250)));
        assert_eq!(Points::from_f64(0.125), None);
        assert_eq!(Points(250).to_string(), "2.5");
        assert_eq!(Points(133).to_string(), "1.33");
        assert_eq!(Points(7400).to_string(), "74");
        assert_eq!(Points(-50).to_string(), "-0.5");
    }

    #[test]
    fn percent_rounds_half_up_to_hundredths() {
        // 62.5 / 74 = 84.4594… %
        assert_eq!(percent(Points(6250), Points(7400)), 84.46);
        // 1 / 8 = 12.5 %, 1 / 3 = 33.333… %, 2 / 3 = 66.666… %
        assert_eq!(percent(Points(100), Points(800)), 12.5);
        assert_eq!(percent(Points(100), Points(300)), 33.33);
        assert_eq!(percent(Points(200), Points(300)), 66.67);
        // 1 / 16 = 6.25 % exactly; 1 / 1600 = 0.0625 % → 0.06 %, 1/800 = 0.125 → 0.13
        assert_eq!(percent(Points(1), Points(1600)), 0.06);
        assert_eq!(percent(Points(1), Points(800)), 0.13);
        assert_eq!(percent(Points(5), Points(0)), 0.0);
    }
}
