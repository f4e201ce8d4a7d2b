//! Pure item and test statistics over graded score files: how hard each
//! bank question was, whether it separates strong from weak candidates,
//! which of its options were chosen (by BANK letter, whatever order they
//! were printed in), and how reliable each exam was. No I/O, no printing:
//! the formulas are documented here and in the README, and pinned
//! by a hand-computed fixture in `tests/analysis.rs`.
//!
//! Conventions:
//! - An item's score `x` for one candidate is `earned / points` (before the
//!   section's penalty): 1 or 0 for right/wrong questions, a fraction for
//!   multiple-choice answers that earned partial credit. "Correct" means
//!   full points (`result = "correct"`); a partial answer is not correct.
//! - Voided questions (`--void`) count in `drawn` and nowhere else.
//! - Standard deviations and variances are POPULATION figures (divide by
//!   N, not N − 1), everywhere, as KR-20 is usually stated.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use crate::bank::QuestionType;
use crate::score_file::{CategoryScore, Judgement, Points, ScoreFile};

/// Facility above this flags a question as too easy.
pub const TOO_EASY_ABOVE: f64 = 0.95;
/// Facility below this flags a question as too hard.
pub const TOO_HARD_BELOW: f64 = 0.20;
/// Share of candidates in each of the upper and lower groups, in percent.
pub const GROUP_PERCENT: usize = 27;
/// Below this many answers a question's figures are shown but not flagged:
/// one or two answers say nothing about a question.
pub const DEFAULT_MIN_ANSWERS: usize = 5;

/// Why a trainer should look at a question.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Facility above [`TOO_EASY_ABOVE`].
    TooEasy,
    /// Facility below [`TOO_HARD_BELOW`].
    TooHard,
    /// Point-biserial correlation with the rest-score below zero: weaker
    /// candidates got it right more often than stronger ones.
    NegativeDiscrimination,
    /// Wrong options (bank letters) that nobody chose.
    UnusedDistractor(String),
}

impl Flag {
    /// The code written in `items.csv`: `too_easy`, `too_hard`,
    /// `negative_discrimination`, `unused_distractor:CD`.
    pub fn code(&self) -> String {
        match self {
            Flag::TooEasy => "too_easy".into(),
            Flag::TooHard => "too_hard".into(),
            Flag::NegativeDiscrimination => "negative_discrimination".into(),
            Flag::UnusedDistractor(letters) => format!("unused_distractor:{letters}"),
        }
    }
}

/// How often one option of a question was chosen.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OptionCount {
    /// Bank letter (`A`…`H`), or `true` / `false`.
    pub option: String,
    /// Candidates who marked it (a multiple-choice answer marks several).
    pub chosen: usize,
    /// Whether it is (part of) the key.
    pub key: bool,
}

/// Statistics of one bank question, over every paper it was drawn on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ItemStats {
    /// Bank id.
    pub id: String,
    pub kind: QuestionType,
    pub category: String,
    /// Papers it appeared on (voided or not).
    pub drawn: usize,
    /// Papers on which it was voided.
    pub voided: usize,
    /// Answers that count: `drawn − voided`. Every rate below is over `n`.
    pub n: usize,
    pub correct: usize,
    pub partial: usize,
    pub wrong: usize,
    pub blank: usize,
    /// `correct / n`.
    pub facility: Option<f64>,
    /// Mean of `x = earned / points`; differs from facility only when
    /// partial credit was given.
    pub mean_score: Option<f64>,
    /// Pearson correlation of `x` with the rest-score (the candidate's
    /// total minus this question's net points); `None` when `n < 2` or
    /// either has no variance.
    pub point_biserial: Option<f64>,
    /// Mean `x` of the upper group minus mean `x` of the lower group; the
    /// groups are the [`GROUP_PERCENT`] % best and worst of the `n`
    /// candidates by total percent. `None` when `n < 2`.
    pub upper_lower: Option<f64>,
    /// Candidates in each of the upper and lower groups.
    pub group_size: usize,
    /// `blank / n`.
    pub blank_rate: Option<f64>,
    /// The key in bank letters, or `true` / `false`.
    pub key: String,
    /// Every option in bank order, with how often it was chosen.
    pub options: Vec<OptionCount>,
    /// Empty when `n` is below the minimum number of answers.
    pub flags: Vec<Flag>,
    /// `n` is below the minimum number of answers: not flagged.
    pub few_answers: bool,
}

/// One candidate's answer to one question, reduced to what the formulas use.
#[derive(Clone, Debug)]
struct Response {
    /// `earned / points`.
    x: f64,
    /// Total minus this question's net points.
    rest: f64,
    /// Total percent (exact), for the upper and lower groups.
    rank: f64,
    /// (exam, candidate): breaks ties in the ranking.
    who: (String, String),
    judgement: Judgement,
    /// Options marked, in bank letters or `true`/`false`.
    chosen: Vec<String>,
}

/// Mean of a non-empty slice.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Population variance (divide by N).
pub fn variance(values: &[f64]) -> Option<f64> {
    let m = mean(values)?;
    Some(values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / values.len() as f64)
}

/// Population standard deviation (divide by N).
pub fn sd(values: &[f64]) -> Option<f64> {
    variance(values).map(f64::sqrt)
}

/// Pearson's correlation; `None` for fewer than two pairs or when either
/// side is constant (the correlation is not defined then).
pub fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
    if xs.len() != ys.len() || xs.len() < 2 {
        return None;
    }
    let (mx, my) = (mean(xs)?, mean(ys)?);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in xs.iter().zip(ys) {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    // Sums of squares of constant data come out as exact zeros here, but
    // guard against rounding noise as well.
    if sxx <= 1e-12 || syy <= 1e-12 {
        return None;
    }
    Some(sxy / (sxx * syy).sqrt())
}

/// Size of each of the upper and lower groups for `n` candidates:
/// 27 % of `n` rounded half up, at least 1; 0 when `n < 2`.
pub fn group_size(n: usize) -> usize {
    if n < 2 {
        return 0;
    }
    ((GROUP_PERCENT * n + 50) / 100).max(1)
}

fn ratio(a: usize, n: usize) -> Option<f64> {
    (n > 0).then(|| a as f64 / n as f64)
}

fn exact_percent(total: Points, max: Points) -> f64 {
    if max.0 <= 0 {
        0.0
    } else {
        total.0 as f64 * 100.0 / max.0 as f64
    }
}

/// Statistics of every bank question in the score files, sorted by id;
/// questions with fewer than `min_answers` answers are not flagged.
pub fn item_stats(scores: &[&ScoreFile], min_answers: usize) -> Vec<ItemStats> {
    struct Acc {
        kind: QuestionType,
        category: String,
        drawn: usize,
        voided: usize,
        key: Option<String>,
        letters: BTreeSet<String>,
        responses: Vec<Response>,
    }
    let mut items: BTreeMap<&str, Acc> = BTreeMap::new();
    for s in scores {
        let rank = exact_percent(s.result.total, s.result.max);
        for q in &s.questions {
            let acc = items.entry(q.id.as_str()).or_insert_with(|| Acc {
                kind: q.kind,
                category: q.category.clone(),
                drawn: 0,
                voided: 0,
                key: None,
                letters: BTreeSet::new(),
                responses: Vec::new(),
            });
            acc.drawn += 1;
            if q.result == Judgement::Voided {
                acc.voided += 1;
                continue;
            }
            acc.key.get_or_insert_with(|| q.key_bank.clone());
            let chosen: Vec<String> = match q.kind {
                QuestionType::TrueFalse => {
                    acc.letters
                        .extend(["true".to_string(), "false".to_string()]);
                    (!q.given_bank.is_empty())
                        .then(|| q.given_bank.clone())
                        .into_iter()
                        .collect()
                }
                _ => {
                    acc.letters.extend(q.original.chars().map(String::from));
                    q.given_bank.chars().map(String::from).collect()
                }
            };
            let x = if q.points.0 > 0 {
                q.earned.0 as f64 / q.points.0 as f64
            } else {
                0.0
            };
            let net = q.earned - q.penalty;
            acc.responses.push(Response {
                x,
                rest: (s.result.total - net).as_f64(),
                rank,
                who: (s.exam.id.clone(), s.candidate.id.clone()),
                judgement: q.result,
                chosen,
            });
        }
    }
    items
        .into_iter()
        .map(|(id, acc)| {
            let rs = &acc.responses;
            let n = rs.len();
            let count = |j: Judgement| rs.iter().filter(|r| r.judgement == j).count();
            let (correct, partial, wrong, blank) = (
                count(Judgement::Correct),
                count(Judgement::Partial),
                count(Judgement::Wrong),
                count(Judgement::Blank),
            );
            let xs: Vec<f64> = rs.iter().map(|r| r.x).collect();
            let rests: Vec<f64> = rs.iter().map(|r| r.rest).collect();
            let key = acc.key.unwrap_or_default();
            let is_key = |option: &str| match acc.kind {
                QuestionType::TrueFalse => key == option,
                _ => key.contains(option),
            };
            // True/false options read `true` then `false`, letters A, B, ….
            let mut letters: Vec<String> = acc.letters.into_iter().collect();
            if acc.kind == QuestionType::TrueFalse {
                letters.reverse();
            }
            let options: Vec<OptionCount> = letters
                .into_iter()
                .map(|option| OptionCount {
                    chosen: rs.iter().filter(|r| r.chosen.contains(&option)).count(),
                    key: is_key(&option),
                    option,
                })
                .collect();
            let facility = ratio(correct, n);
            let point_biserial = pearson(&xs, &rests);
            let size = group_size(n);
            let upper_lower = (size > 0).then(|| {
                let mut ranked: Vec<&Response> = rs.iter().collect();
                ranked.sort_by(|a, b| b.rank.total_cmp(&a.rank).then_with(|| a.who.cmp(&b.who)));
                let group_mean =
                    |g: &[&Response]| g.iter().map(|r| r.x).sum::<f64>() / g.len() as f64;
                group_mean(&ranked[..size]) - group_mean(&ranked[n - size..])
            });
            let few_answers = n < min_answers.max(1);
            let mut flags = Vec::new();
            if let Some(f) = facility.filter(|_| !few_answers) {
                if f > TOO_EASY_ABOVE {
                    flags.push(Flag::TooEasy);
                }
                if f < TOO_HARD_BELOW {
                    flags.push(Flag::TooHard);
                }
            }
            if !few_answers && point_biserial.is_some_and(|r| r < 0.0) {
                flags.push(Flag::NegativeDiscrimination);
            }
            if acc.kind != QuestionType::TrueFalse && !few_answers {
                let unused: String = options
                    .iter()
                    .filter(|o| !o.key && o.chosen == 0)
                    .map(|o| o.option.as_str())
                    .collect();
                if !unused.is_empty() {
                    flags.push(Flag::UnusedDistractor(unused));
                }
            }
            ItemStats {
                id: id.to_string(),
                kind: acc.kind,
                category: acc.category,
                drawn: acc.drawn,
                voided: acc.voided,
                n,
                correct,
                partial,
                wrong,
                blank,
                facility,
                mean_score: mean(&xs),
                point_biserial,
                upper_lower,
                group_size: size,
                blank_rate: ratio(blank, n),
                key,
                options,
                flags,
                few_answers,
            }
        })
        .collect()
}

/// Why KR-20 could not be computed for an exam.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kr20Undefined {
    /// Fewer than two candidates.
    TooFewCandidates { candidates: usize },
    /// Candidates were scored on different numbers of questions (e.g. a
    /// question voided on some papers only).
    DifferentItemCounts { fewest: usize, most: usize },
    /// Fewer than two questions.
    TooFewItems { items: usize },
    /// Every candidate had the same number correct.
    NoVariance,
}

impl fmt::Display for Kr20Undefined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooFewCandidates { candidates } => write!(
                f,
                "not defined: it needs at least 2 candidates, there are {candidates}"
            ),
            Self::DifferentItemCounts { fewest, most } => write!(
                f,
                "not defined: candidates were scored on different numbers of questions ({fewest} to {most})"
            ),
            Self::TooFewItems { items } => write!(
                f,
                "not defined: it needs at least 2 questions, the papers have {items}"
            ),
            Self::NoVariance => {
                write!(
                    f,
                    "not defined: every candidate had the same number correct"
                )
            }
        }
    }
}

/// One category's mean over an exam's candidates.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CategoryMean {
    pub id: String,
    pub title: String,
    pub title_en: String,
    /// Candidates whose papers had the category.
    pub candidates: usize,
    /// Mean points earned.
    pub mean: f64,
    /// Mean maximum (the same for everyone unless questions were voided).
    pub max: f64,
    /// `Σ earned / Σ max × 100`.
    pub percent: f64,
    /// The pass rule's gate for the category, percent.
    pub gate: Option<f64>,
}

/// One bar of the score histogram: candidates whose exact percent is in
/// `[from, to)` (the last bar includes 100).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Bin {
    pub from: u32,
    pub to: u32,
    pub count: usize,
}

/// Statistics of one exam (all score files with the same exam id).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExamStats {
    pub id: String,
    pub title: String,
    pub date: Option<String>,
    /// Overall pass mark, percent.
    pub pass_percent: f64,
    pub candidates: usize,
    /// The paper maximum (the largest, if voids made them differ).
    pub max_points: Points,
    /// Mean total points.
    pub mean: f64,
    /// Population standard deviation of the total points.
    pub sd: f64,
    pub min: Points,
    pub max: Points,
    /// Mean of the candidates' exact percentages.
    pub mean_percent: f64,
    pub passed: usize,
    /// `passed / candidates`.
    pub pass_rate: f64,
    /// Questions that counted per candidate, when it is the same for all.
    pub items_per_candidate: Option<usize>,
    /// KR-20 on the number of fully correct answers, or why it is not
    /// defined; serialized as `{"value": 0.87}` or `{"value": null, "note": "…"}`.
    #[serde(serialize_with = "serialize_kr20")]
    pub kr20: Result<f64, Kr20Undefined>,
    /// Sorted by category id.
    pub categories: Vec<CategoryMean>,
    /// Ten bars of ten percentage points each.
    pub histogram: Vec<Bin>,
}

fn serialize_kr20<S: serde::Serializer>(
    kr20: &Result<f64, Kr20Undefined>,
    s: S,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Kr20 {
        value: Option<f64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    }
    Kr20 {
        value: kr20.as_ref().ok().copied(),
        note: kr20.as_ref().err().map(ToString::to_string),
    }
    .serialize(s)
}

/// KR-20 reliability: `k/(k−1) × (1 − Σpq / σ²)`, where `k` is the number
/// of questions each candidate answered, `σ²` the population variance of
/// the candidates' numbers correct, and `Σpq` the sum over a paper's
/// questions of facility × (1 − facility). With drawn papers the
/// candidates do not all have the same questions, so `Σpq` is each
/// candidate's own sum averaged over the candidates; for a single fixed
/// paper this is the textbook formula.
///
/// `items` holds, per candidate, `(number correct, Σ p(1−p) over their
/// questions, number of questions)`.
pub fn kr20(items: &[(usize, f64, usize)]) -> Result<f64, Kr20Undefined> {
    let n = items.len();
    if n < 2 {
        return Err(Kr20Undefined::TooFewCandidates { candidates: n });
    }
    let fewest = items.iter().map(|c| c.2).min().unwrap_or(0);
    let most = items.iter().map(|c| c.2).max().unwrap_or(0);
    if fewest != most {
        return Err(Kr20Undefined::DifferentItemCounts { fewest, most });
    }
    let k = most;
    if k < 2 {
        return Err(Kr20Undefined::TooFewItems { items: k });
    }
    let correct: Vec<f64> = items.iter().map(|c| c.0 as f64).collect();
    let var = variance(&correct).unwrap_or(0.0);
    if var <= 1e-12 {
        return Err(Kr20Undefined::NoVariance);
    }
    let sum_pq = items.iter().map(|c| c.1).sum::<f64>() / n as f64;
    let k = k as f64;
    Ok(k / (k - 1.0) * (1.0 - sum_pq / var))
}

/// Statistics of every exam in the score files, sorted by exam id.
pub fn exam_stats(scores: &[&ScoreFile]) -> Vec<ExamStats> {
    let mut exams: BTreeMap<&str, Vec<&ScoreFile>> = BTreeMap::new();
    for s in scores {
        exams.entry(s.exam.id.as_str()).or_default().push(s);
    }
    exams.into_values().map(|group| one_exam(&group)).collect()
}

fn one_exam(group: &[&ScoreFile]) -> ExamStats {
    let first = group[0];
    let totals: Vec<f64> = group.iter().map(|s| s.result.total.as_f64()).collect();
    let percents: Vec<f64> = group
        .iter()
        .map(|s| exact_percent(s.result.total, s.result.max))
        .collect();
    let passed = group.iter().filter(|s| s.result.pass).count();

    // Facility of each question within this exam, for KR-20.
    let mut tally: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for s in group {
        for q in s.questions.iter().filter(|q| q.result != Judgement::Voided) {
            let t = tally.entry(q.id.as_str()).or_default();
            t.1 += 1;
            if q.result == Judgement::Correct {
                t.0 += 1;
            }
        }
    }
    let pq = |id: &str| {
        let (c, n) = tally[id];
        let p = c as f64 / n as f64;
        p * (1.0 - p)
    };
    let per_candidate: Vec<(usize, f64, usize)> = group
        .iter()
        .map(|s| {
            let counted: Vec<_> = s
                .questions
                .iter()
                .filter(|q| q.result != Judgement::Voided)
                .collect();
            (
                counted
                    .iter()
                    .filter(|q| q.result == Judgement::Correct)
                    .count(),
                counted.iter().map(|q| pq(&q.id)).sum(),
                counted.len(),
            )
        })
        .collect();
    let fewest = per_candidate.iter().map(|c| c.2).min();
    let most = per_candidate.iter().map(|c| c.2).max();

    // Per category: its first score (for titles) and every (earned, max).
    type Tally<'a> = (&'a CategoryScore, Vec<(Points, Points)>);
    let mut cats: BTreeMap<&str, Tally> = BTreeMap::new();
    for s in group {
        for c in &s.categories {
            cats.entry(c.id.as_str())
                .or_insert_with(|| (c, Vec::new()))
                .1
                .push((c.earned, c.max));
        }
    }
    let categories = cats
        .into_values()
        .map(|(c, values)| {
            let earned: Points = values.iter().map(|v| v.0).sum();
            let max: Points = values.iter().map(|v| v.1).sum();
            let n = values.len() as f64;
            CategoryMean {
                id: c.id.clone(),
                title: c.title.clone(),
                title_en: c.title_en.clone(),
                candidates: values.len(),
                mean: earned.as_f64() / n,
                max: max.as_f64() / n,
                percent: exact_percent(earned, max),
                gate: first.exam.pass.categories.get(&c.id).copied(),
            }
        })
        .collect();

    let mut histogram: Vec<Bin> = (0..10)
        .map(|i| Bin {
            from: i * 10,
            to: i * 10 + 10,
            count: 0,
        })
        .collect();
    for s in group {
        let bar = if s.result.max.0 > 0 {
            (s.result.total.0.max(0) * 10 / s.result.max.0).clamp(0, 9) as usize
        } else {
            0
        };
        histogram[bar].count += 1;
    }

    ExamStats {
        id: first.exam.id.clone(),
        title: first.exam.title.clone(),
        date: first.exam.date.clone(),
        pass_percent: first.exam.pass.percent,
        candidates: group.len(),
        max_points: group.iter().map(|s| s.result.max).max().unwrap_or_default(),
        mean: mean(&totals).unwrap_or(0.0),
        sd: sd(&totals).unwrap_or(0.0),
        min: group
            .iter()
            .map(|s| s.result.total)
            .min()
            .unwrap_or_default(),
        max: group
            .iter()
            .map(|s| s.result.total)
            .max()
            .unwrap_or_default(),
        mean_percent: mean(&percents).unwrap_or(0.0),
        passed,
        pass_rate: passed as f64 / group.len() as f64,
        items_per_candidate: (fewest == most).then_some(most).flatten(),
        kr20: kr20(&per_candidate),
        categories,
        histogram,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn population_sd_and_pearson() {
        // Mean 5, squared deviations 9 1 1 1 0 0 4 16 → 32 / 8 = 4, sd 2.
        let v = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(variance(&v), Some(4.0));
        assert_eq!(sd(&v), Some(2.0));
        assert_eq!(pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]), Some(1.0));
        assert_eq!(pearson(&[1.0, 2.0, 3.0], &[6.0, 4.0, 2.0]), Some(-1.0));
        assert_eq!(pearson(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(pearson(&[1.0], &[2.0]), None);
        assert_eq!(mean(&[]), None);
    }

    #[test]
    fn groups_are_27_percent_rounded_half_up() {
        assert_eq!(group_size(1), 0);
        assert_eq!(group_size(2), 1);
        assert_eq!(group_size(5), 1); // 1.35
        assert_eq!(group_size(50), 14); // 13.5 → 14
        assert_eq!(group_size(100), 27);
    }

    #[test]
    fn kr20_says_when_it_is_not_defined() {
        assert_eq!(
            kr20(&[(1, 0.5, 2)]),
            Err(Kr20Undefined::TooFewCandidates { candidates: 1 })
        );
        assert_eq!(
            kr20(&[(1, 0.5, 2), (1, 0.5, 3)]),
            Err(Kr20Undefined::DifferentItemCounts { fewest: 2, most: 3 })
        );
        assert_eq!(
            kr20(&[(1, 0.5, 2), (1, 0.5, 2)]),
            Err(Kr20Undefined::NoVariance)
        );
        // Two candidates, two items: one gets both, one neither; p = ½ for
        // both items, Σpq = 0.5, σ² of (2, 0) = 1 → 2/1 × (1 − 0.5) = 1.
        assert_eq!(kr20(&[(2, 0.5, 2), (0, 0.5, 2)]), Ok(1.0));
        assert_eq!(
            Kr20Undefined::DifferentItemCounts {
                fewest: 35,
                most: 36
            }
            .to_string(),
            "not defined: candidates were scored on different numbers of questions (35 to 36)"
        );
    }
}
