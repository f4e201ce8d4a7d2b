//! How hard a paper is for a candidate, so that certexam can say — and the
//! v2 draw can enforce — that every candidate's randomly drawn paper was
//! equally hard. A pure difficulty model (Rasch), the calibration it takes
//! from earlier sittings (`items.csv` of `certexam analyze`), and the spread
//! of paper difficulty over many papers. The README ("How hard is a
//! paper?") gives every formula.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::bank::Bank;
use crate::paper::Paper;
use crate::spreadsheet::{self, SpreadsheetError};

/// Logits between two neighbouring difficulty levels.
pub const LOGITS_PER_LEVEL: f64 = 0.8;

/// The difficulty level of a question of logit 0 (between levels 2 and 3).
pub const CENTRE_LEVEL: f64 = 2.5;

/// A question's observed facility is used only when at least this many
/// candidates answered it; below that it is too noisy to beat the level.
pub const MIN_ANSWERS: usize = 30;

/// Observed facilities are clamped to this range before taking the logit,
/// so that a question everyone (or no one) got right has a finite difficulty.
pub const FACILITY_RANGE: (f64, f64) = (0.02, 0.98);

/// The logit `b` of a difficulty level `d`: `(d − 2.5) × 0.8`.
pub fn level_logit(level: u8) -> f64 {
    (f64::from(level) - CENTRE_LEVEL) * LOGITS_PER_LEVEL
}

/// The logit of an observed facility `f` for a middle-ability candidate:
/// `b = −logit(f) = ln((1 − f) / f)`, `f` clamped to [`FACILITY_RANGE`].
pub fn facility_logit(facility: f64) -> f64 {
    let f = facility.clamp(FACILITY_RANGE.0, FACILITY_RANGE.1);
    ((1.0 - f) / f).ln()
}

/// Rasch: the chance that a candidate of ability `theta` answers a question
/// of logit `b` right, `1 / (1 + exp(b − θ))`.
pub fn p_correct(b: f64, theta: f64) -> f64 {
    1.0 / (1.0 + (b - theta).exp())
}

/// The difficulty level whose band of logits holds `b`. The levels sit at
/// −1.2, −0.4, 0.4, 1.2 and 2.0 logits; the bands split halfway between
/// them: `b < −0.8` → 1, `< 0` → 2, `< 0.8` → 3, `< 1.6` → 4, else 5. A
/// level's own logit falls in its own band, so an uncalibrated question
/// keeps its level.
pub fn level_of_logit(b: f64) -> u8 {
    if b < -0.8 {
        1
    } else if b < 0.0 {
        2
    } else if b < 0.8 {
        3
    } else if b < 1.6 {
        4
    } else {
        5
    }
}

/// The candidates the spread is reported for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ability {
    /// θ = −1: a weak candidate.
    Low,
    /// θ = 0: a candidate who gets a question of logit 0 right half the time.
    Middle,
    /// θ = +1: a strong candidate.
    High,
}

impl Ability {
    pub const ALL: [Ability; 3] = [Self::Low, Self::Middle, Self::High];

    /// The ability in logits.
    pub fn theta(self) -> f64 {
        match self {
            Self::Low => -1.0,
            Self::Middle => 0.0,
            Self::High => 1.0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Middle => "middle",
            Self::High => "high",
        }
    }
}

/// What earlier sittings observed for one bank question.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observed {
    /// `correct / n`.
    pub facility: f64,
    /// `n`: answers that counted.
    pub answers: usize,
}

/// Item statistics from earlier sittings: the `items.csv` that
/// `certexam analyze` writes (columns `id`, `n` and `facility` are read).
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, recorded in papers drawn with it.
    pub sha256: String,
    items: BTreeMap<String, Observed>,
}

/// A row of a calibration file that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowProblem {
    /// The row as a spreadsheet numbers it.
    pub row: usize,
    pub message: String,
}

/// Why a calibration file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    #[error(transparent)]
    Spreadsheet(#[from] SpreadsheetError),
    #[error(
        "{} has no `{}` column; give the items.csv that `certexam analyze` wrote (it has columns id, n, facility, …)",
        path.display(),
        missing.join("`, `")
    )]
    Columns {
        path: PathBuf,
        missing: Vec<&'static str>,
    },
    #[error(
        "{} cannot be used for calibration:\n{}\nfix these rows, or give the items.csv exactly as `certexam analyze` wrote it",
        path.display(),
        problems.iter().map(|p| format!("  row {}: {}", p.row, p.message)).collect::<Vec<_>>().join("\n")
    )]
    Rows {
        path: PathBuf,
        problems: Vec<RowProblem>,
    },
}

impl Calibration {
    /// Reads an `items.csv` (also as Excel re-saves it: GB18030, UTF-16,
    /// .xlsx). Rows with an empty facility (no answers) are skipped; every
    /// bad row is reported at once.
    pub fn read(path: &Path) -> Result<Calibration, CalibrationError> {
        let bytes = std::fs::read(path).map_err(|source| SpreadsheetError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let table = spreadsheet::read_table(path, None)?;
        let mut rows = table.rows.iter().filter(|r| !r.is_blank());
        let header = rows.next();
        let column = |name: &str| {
            header.and_then(|h| h.cells.iter().position(|c| c.eq_ignore_ascii_case(name)))
        };
        let (id_col, n_col, f_col) = (column("id"), column("n"), column("facility"));
        let missing: Vec<&'static str> = [("id", id_col), ("n", n_col), ("facility", f_col)]
            .into_iter()
            .filter(|(_, c)| c.is_none())
            .map(|(name, _)| name)
            .collect();
        let (Some(id_col), Some(n_col), Some(f_col)) = (id_col, n_col, f_col) else {
            return Err(CalibrationError::Columns {
                path: path.to_path_buf(),
                missing,
            });
        };
        let mut items = BTreeMap::new();
        let mut first_row: BTreeMap<String, usize> = BTreeMap::new();
        let mut problems = Vec::new();
        for row in rows {
            let mut problem = |message: String| {
                problems.push(RowProblem {
                    row: row.number,
                    message,
                })
            };
            let id = row.cell(id_col);
            if id.is_empty() {
                problem("the `id` cell is empty".to_string());
                continue;
            }
            if let Some(first) = first_row.get(id) {
                problem(format!(
                    "question `{id}` is listed again (first in row {first})"
                ));
                continue;
            }
            first_row.insert(id.to_string(), row.number);
            let n_text = row.cell(n_col);
            let Ok(answers) = n_text.parse::<usize>() else {
                problem(format!(
                    "`n` of `{id}` is `{n_text}`, not a whole number of answers"
                ));
                continue;
            };
            let f_text = row.cell(f_col);
            if f_text.is_empty() {
                continue;
            }
            match f_text.parse::<f64>() {
                Ok(facility) if (0.0..=1.0).contains(&facility) => {
                    items.insert(id.to_string(), Observed { facility, answers });
                }
                _ => problem(format!(
                    "`facility` of `{id}` is `{f_text}`, not a number from 0 to 1"
                )),
            }
        }
        if !problems.is_empty() {
            return Err(CalibrationError::Rows {
                path: path.to_path_buf(),
                problems,
            });
        }
        Ok(Calibration {
            path: path.to_path_buf(),
            sha256: hex::encode(Sha256::digest(&bytes)),
            items,
        })
    }

    /// What the file says about a question, however few answered it.
    pub fn observed(&self, id: &str) -> Option<Observed> {
        self.items.get(id).copied()
    }

    /// The calibrated logit of a question: from its facility when at least
    /// [`MIN_ANSWERS`] answered it, else `None`.
    pub fn logit(&self, id: &str) -> Option<f64> {
        self.items
            .get(id)
            .filter(|o| o.answers >= MIN_ANSWERS)
            .map(|o| facility_logit(o.facility))
    }

    /// Every question id in the file, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.items.keys().map(String::as_str)
    }
}

/// The difficulty model: each question's logit from its calibrated facility
/// where there is one, from its difficulty level otherwise.
#[derive(Clone, Copy, Debug, Default)]
pub struct Model<'c> {
    calibration: Option<&'c Calibration>,
}

impl<'c> Model<'c> {
    pub fn new(calibration: Option<&'c Calibration>) -> Self {
        Self { calibration }
    }

    pub fn calibration(&self) -> Option<&'c Calibration> {
        self.calibration
    }

    /// The calibrated logit of a question, if it has one.
    pub fn calibrated(&self, id: &str) -> Option<f64> {
        self.calibration.and_then(|c| c.logit(id))
    }

    /// The logit `b` of a question of bank id `id` and difficulty `level`.
    pub fn logit(&self, id: &str, level: u8) -> f64 {
        self.calibrated(id).unwrap_or_else(|| level_logit(level))
    }

    /// The level a question counts as: its calibrated logit's band
    /// ([`level_of_logit`]) when calibrated, else its own level.
    pub fn level(&self, id: &str, level: u8) -> u8 {
        self.calibrated(id).map_or(level, level_of_logit)
    }
}

/// How hard one paper is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PaperFigures {
    /// Expected percent of the maximum for a low, middle and high candidate.
    pub expected_percent: [f64; 3],
    /// Points-weighted mean of the questions' difficulty levels (as written
    /// in the bank, 1–5).
    pub mean_level: f64,
}

/// The expected percent and mean difficulty level of one paper. Every
/// question counts `p × points` — a multiple-choice question too, as if
/// partial credit did not exist — and penalties are left out: the figure
/// compares papers, it does not predict a score.
pub fn paper_figures(paper: &Paper, model: &Model<'_>) -> PaperFigures {
    let mut points = 0.0;
    let mut expected = [0.0; 3];
    let mut levels = 0.0;
    for q in &paper.content.questions {
        let w = paper.section_of(q).points;
        let b = model.logit(&q.id, q.difficulty);
        points += w;
        levels += w * f64::from(q.difficulty);
        for (e, a) in expected.iter_mut().zip(Ability::ALL) {
            *e += w * p_correct(b, a.theta());
        }
    }
    let share = |x: f64| if points > 0.0 { x / points } else { 0.0 };
    PaperFigures {
        expected_percent: expected.map(|e| 100.0 * share(e)),
        mean_level: share(levels),
    }
}

/// Mean, (population) standard deviation and range of some figure over the
/// papers; all 0 for no papers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Figures {
    pub mean: f64,
    pub sd: f64,
    pub min: f64,
    pub max: f64,
}

impl Figures {
    pub fn of(values: &[f64]) -> Figures {
        if values.is_empty() {
            return Figures::default();
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        // Papers with the same profile sum the same terms in another order:
        // they are equal, and their spread shows no rounding noise.
        if max - min <= 1e-9 * max.abs().max(1.0) {
            return Figures {
                mean,
                sd: 0.0,
                min: mean,
                max: mean,
            };
        }
        Figures {
            mean,
            sd: var.sqrt(),
            min,
            max,
        }
    }
}

/// The expected percent of one ability over the papers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AbilitySpread {
    pub ability: Ability,
    pub theta: f64,
    #[serde(flatten)]
    pub percent: Figures,
}

/// Which calibration was used, and for which questions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CalibrationUse {
    pub path: PathBuf,
    pub min_answers: usize,
    /// Bank questions whose observed facility replaced their level, sorted.
    pub calibrated: Vec<String>,
    /// Bank questions in the file with fewer than `min_answers` answers:
    /// their level is used.
    pub too_few_answers: Vec<String>,
    /// Ids in the file that the bank does not have (removed or renamed).
    pub not_in_bank: Vec<String>,
}

/// How much paper difficulty varies over a set of papers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Spread {
    pub papers: usize,
    /// Expected percent for low, middle and high ability, in that order.
    pub expected_percent: Vec<AbilitySpread>,
    /// The points-weighted mean difficulty level of each paper.
    pub mean_level: Figures,
    /// Distinct difficulty profiles among the papers: how many questions of
    /// each section, category and level (calibrated level where calibrated).
    /// 1 means every paper has the same profile.
    pub profiles: usize,
    pub calibration: Option<CalibrationUse>,
}

impl Spread {
    /// The spread of one ability.
    pub fn of(&self, ability: Ability) -> &Figures {
        &self.expected_percent[ability as usize].percent
    }
}

/// The spread of paper difficulty over `papers`, with the bank's
/// difficulty levels or, where `calibration` has enough answers, observed
/// facilities.
pub fn spread(papers: &[Paper], bank: &Bank, calibration: Option<&Calibration>) -> Spread {
    let model = Model::new(calibration);
    let figures: Vec<PaperFigures> = papers.iter().map(|p| paper_figures(p, &model)).collect();
    let expected_percent = Ability::ALL
        .into_iter()
        .enumerate()
        .map(|(i, ability)| {
            let values: Vec<f64> = figures.iter().map(|f| f.expected_percent[i]).collect();
            AbilitySpread {
                ability,
                theta: ability.theta(),
                percent: Figures::of(&values),
            }
        })
        .collect();
    let levels: Vec<f64> = figures.iter().map(|f| f.mean_level).collect();
    let profiles: HashSet<Vec<(u32, &str, u8, usize)>> =
        papers.iter().map(|p| profile(p, &model)).collect();
    Spread {
        papers: papers.len(),
        expected_percent,
        mean_level: Figures::of(&levels),
        profiles: profiles.len(),
        calibration: calibration.map(|c| calibration_use(c, bank)),
    }
}

/// Questions per section, category and (calibrated) level, sorted.
fn profile<'p>(paper: &'p Paper, model: &Model<'_>) -> Vec<(u32, &'p str, u8, usize)> {
    let mut counts: BTreeMap<(u32, &str, u8), usize> = BTreeMap::new();
    for q in &paper.content.questions {
        let level = model.level(&q.id, q.difficulty);
        *counts
            .entry((q.section, q.category.as_str(), level))
            .or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((s, c, l), n)| (s, c, l, n))
        .collect()
}

fn calibration_use(c: &Calibration, bank: &Bank) -> CalibrationUse {
    let in_bank: BTreeSet<&str> = bank.questions.iter().map(|q| q.id.as_str()).collect();
    let mut used = CalibrationUse {
        path: c.path.clone(),
        min_answers: MIN_ANSWERS,
        calibrated: Vec::new(),
        too_few_answers: Vec::new(),
        not_in_bank: Vec::new(),
    };
    for id in c.ids() {
        let list = if !in_bank.contains(id) {
            &mut used.not_in_bank
        } else if c.logit(id).is_some() {
            &mut used.calibrated
        } else {
            &mut used.too_few_answers
        };
        list.push(id.to_string());
    }
    used
}

impl fmt::Display for Spread {
    /// The lines `certexam draw` prints (and `bank audit` may).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let model = match &self.calibration {
            None => "difficulty levels".to_string(),
            Some(c) => format!(
                "{} question(s) calibrated from {}, difficulty levels for the rest",
                c.calibrated.len(),
                c.path.display()
            ),
        };
        writeln!(
            f,
            "paper difficulty over {} paper(s), {} difficulty profile(s) (Rasch model; {model}):",
            self.papers, self.profiles
        )?;
        for a in &self.expected_percent {
            let p = &a.percent;
            writeln!(
                f,
                "  expected percent, {:<6} ability (θ = {:>2}): mean {:5.1}  sd {:4.2}  range {:.1}–{:.1}",
                a.ability.as_str(),
                match a.ability {
                    Ability::Low => "-1",
                    Ability::Middle => "0",
                    Ability::High => "+1",
                },
                p.mean,
                p.sd,
                p.min,
                p.max
            )?;
        }
        let l = &self.mean_level;
        write!(
            f,
            "  mean difficulty level (points-weighted):    mean {:5.2}  sd {:4.2}  range {:.2}–{:.2}",
            l.mean, l.sd, l.min, l.max
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_facilities_map_to_logits_as_documented() {
        assert!((level_logit(1) + 1.2).abs() < 1e-12);
        assert!((level_logit(5) - 2.0).abs() < 1e-12);
        assert_eq!(facility_logit(0.5), 0.0);
        // Clamped: everyone right is as easy as 98 % right.
        assert_eq!(facility_logit(1.0), facility_logit(0.98));
        assert!((facility_logit(0.98) + (0.98f64 / 0.02).ln()).abs() < 1e-12);
        assert!((p_correct(0.0, 0.0) - 0.5).abs() < 1e-12);
        assert!(p_correct(level_logit(1), 0.0) > p_correct(level_logit(4), 0.0));
    }

    #[test]
    fn each_level_falls_in_its_own_band() {
        for level in 1..=5 {
            assert_eq!(level_of_logit(level_logit(level)), level);
        }
        assert_eq!(level_of_logit(-0.8), 2);
        assert_eq!(level_of_logit(0.0), 3);
        assert_eq!(level_of_logit(-3.9), 1);
        assert_eq!(level_of_logit(3.9), 5);
    }

    fn calibration_of(text: &[u8]) -> (tempfile::TempDir, Result<Calibration, CalibrationError>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("items.csv");
        std::fs::write(&path, text).unwrap();
        let result = Calibration::read(&path);
        (dir, result)
    }

    #[test]
    fn a_calibration_reads_ids_answers_and_facilities() {
        // As analyze writes it, opened and saved again by Excel: a BOM, and
        // the guard Excel-safe cells get for an id starting with `-`.
        let (_dir, c) = calibration_of(
            "\u{feff}id,type,n,correct,facility\nSEC-001,single,40,24,0.6000\n'-X,single,12,6,0.5000\nNEW,single,0,0,\n"
                .as_bytes(),
        );
        let c = c.unwrap();
        assert_eq!(c.ids().collect::<Vec<_>>(), ["-X", "SEC-001"]);
        assert_eq!(
            c.observed("SEC-001"),
            Some(Observed {
                facility: 0.6,
                answers: 40
            })
        );
        assert_eq!(c.logit("SEC-001"), Some(facility_logit(0.6)));
        // Fewer than 30 answers: known, but not used.
        assert_eq!(c.logit("-X"), None);
        assert_eq!(c.observed("NEW"), None);
        let model = Model::new(Some(&c));
        assert_eq!(model.level("SEC-001", 4), 2);
        assert_eq!(model.level("-X", 4), 4);
        assert_eq!(model.logit("-X", 4), level_logit(4));
    }

    #[test]
    fn a_calibration_without_its_columns_is_refused() {
        let (dir, c) = calibration_of(b"id,facility\nA,0.5\n");
        assert_eq!(
            c.unwrap_err().to_string(),
            format!(
                "{} has no `n` column; give the items.csv that `certexam analyze` wrote (it has columns id, n, facility, …)",
                dir.path().join("items.csv").display()
            )
        );
    }

    #[test]
    fn every_bad_row_of_a_calibration_is_reported() {
        let (dir, c) =
            calibration_of(b"id,n,facility\nA,40,0.5\nA,40,0.6\nB,many,0.5\nC,40,1.7\n,40,0.5\n");
        assert_eq!(
            c.unwrap_err().to_string(),
            format!(
                "{} cannot be used for calibration:\n  row 3: question `A` is listed again (first in row 2)\n  row 4: `n` of `B` is `many`, not a whole number of answers\n  row 5: `facility` of `C` is `1.7`, not a number from 0 to 1\n  row 6: the `id` cell is empty\nfix these rows, or give the items.csv exactly as `certexam analyze` wrote it",
                dir.path().join("items.csv").display()
            )
        );
    }

    #[test]
    fn figures_are_population_figures() {
        let f = Figures::of(&[1.0, 3.0]);
        assert_eq!((f.mean, f.sd, f.min, f.max), (2.0, 1.0, 1.0, 3.0));
        assert_eq!(Figures::of(&[]), Figures::default());
    }
}
