//! Pure scoring of one paper's answers: per question by its section's rule,
//! penalties and floors per section, category subtotals, and the pass rule
//! with its gates. All arithmetic is in integer hundredths of a point
//! ([`Points`]), so half points and thirds never drift.
//!
//! Rounding (the only place a value is not exact): a partial score is
//! rounded half up to 0.01 point — `half_if_subset` on 4 points gives 2,
//! on 0.05 points 0.03; `per_correct_option` on 4 points with 1 of 3
//! correct options gives 1.33, with 2 of 3 gives 2.67. Percentages are
//! rounded half up to 0.01 % for display; pass marks are compared on the
//! exact fraction (79.995 % does not pass an 80 % mark).

use std::collections::{BTreeMap, BTreeSet};

use crate::bank::QuestionType;
use crate::grade::answer_file::{Answer, letters};
use crate::paper::{Key, Paper, PaperQuestion, Scoring};
use crate::score_file::{
    CategoryScore, FailedGate, Judgement, Outcome, Points, QuestionScore, SectionScore, percent,
};

/// Grader decisions that change scoring for everyone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Adjustments {
    /// Bank ids of voided questions: they count neither in the total nor the maximum.
    pub voided: BTreeSet<String>,
    /// Bank id → corrected key (in bank letters as option indices, or true/false).
    pub key_fixes: BTreeMap<String, Answer>,
}

/// Points of a paper's sections, checked to be exact hundredths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionPoints {
    pub points: Points,
    pub penalty: Points,
}

/// The exact points of every section, or which one cannot be kept exactly.
pub fn section_points(paper: &Paper) -> Result<Vec<SectionPoints>, String> {
    paper
        .content
        .exam
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let exact = |value: f64, what: &str| {
                Points::from_f64(value).filter(|p| p.0 >= 0).ok_or_else(|| {
                    format!(
                        "section {} (\"{}\") has {what} {value}, which is not a non-negative multiple of 0.01",
                        i + 1,
                        s.title
                    )
                })
            };
            Ok(SectionPoints {
                points: exact(s.points, "points")?,
                penalty: exact(s.penalty, "penalty")?,
            })
        })
        .collect()
}

/// `value × num ÷ den`, rounded half up (all non-negative).
fn fraction(value: Points, num: usize, den: usize) -> Points {
    let (v, n, d) = (value.0 as i128, num as i128, den as i128);
    Points(((2 * v * n + d) / (2 * d)) as i64)
}

/// Judges one answer against a key: the points it earns and how it counts.
pub fn judge(
    kind: QuestionType,
    scoring: Scoring,
    points: Points,
    key: &Answer,
    given: &Answer,
) -> (Points, Judgement) {
    let wrong = (Points::ZERO, Judgement::Wrong);
    match (given, key) {
        (Answer::Blank, _) => (Points::ZERO, Judgement::Blank),
        (Answer::TrueFalse(g), Answer::TrueFalse(k)) => {
            if g == k {
                (points, Judgement::Correct)
            } else {
                wrong
            }
        }
        (Answer::Letters(g), Answer::Letters(k)) => {
            if g.iter().any(|x| !k.contains(x)) {
                return wrong;
            }
            match kind {
                // A single-choice key with several letters (after --key-fix)
                // accepts any one of them; two marks are always wrong.
                QuestionType::Single => {
                    if g.len() == 1 {
                        (points, Judgement::Correct)
                    } else {
                        wrong
                    }
                }
                _ if g.len() == k.len() => (points, Judgement::Correct),
                _ => match scoring {
                    Scoring::AllOrNothing => wrong,
                    Scoring::HalfIfSubset => (fraction(points, 1, 2), Judgement::Partial),
                    Scoring::PerCorrectOption => {
                        (fraction(points, g.len(), k.len()), Judgement::Partial)
                    }
                },
            }
        }
        _ => wrong,
    }
}

/// The key of a question in printed terms, with a `--key-fix` applied.
fn key_of(q: &PaperQuestion, adjust: &Adjustments) -> (Answer, bool) {
    if let Some(fix) = adjust.key_fixes.get(&q.id) {
        let printed = match fix {
            Answer::Letters(bank) => {
                let mut idx: Vec<u8> = bank
                    .iter()
                    .filter_map(|&b| {
                        let letter = char::from(b'A' + b);
                        q.original
                            .chars()
                            .position(|c| c == letter)
                            .map(|i| i as u8)
                    })
                    .collect();
                if q.original.is_empty() {
                    idx.clone_from(bank);
                }
                idx.sort_unstable();
                Answer::Letters(idx)
            }
            other => other.clone(),
        };
        return (printed, true);
    }
    let key = match &q.answer {
        Key::TrueFalse(b) => Answer::TrueFalse(*b),
        Key::Letters(l) => {
            let mut idx: Vec<u8> = l.bytes().map(|b| b - b'A').collect();
            idx.sort_unstable();
            Answer::Letters(idx)
        }
    };
    (key, false)
}

/// An answer as printed letters and as bank letters (via `original`).
fn spell(q: &PaperQuestion, answer: &Answer) -> (String, String) {
    match answer {
        Answer::Blank => (String::new(), String::new()),
        Answer::TrueFalse(b) => (b.to_string(), b.to_string()),
        Answer::Letters(idx) => {
            let printed = letters(idx);
            let mut bank: Vec<char> = idx
                .iter()
                .map(|&i| {
                    q.original_letter(usize::from(i))
                        .unwrap_or(char::from(b'A' + i))
                })
                .collect();
            bank.sort_unstable();
            (printed, bank.into_iter().collect())
        }
    }
}

/// Everything scoring computes for one sheet.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    pub questions: Vec<QuestionScore>,
    pub sections: Vec<SectionScore>,
    pub categories: Vec<CategoryScore>,
    /// Without `valid_until`, which needs the date.
    pub outcome: Outcome,
}

#[derive(Default)]
struct Tally {
    max: Points,
    raw: Points,
    penalties: Points,
    correct: u32,
    partial: u32,
    wrong: u32,
    blank: u32,
    voided: u32,
}

impl Tally {
    fn add(&mut self, q: &QuestionScore) {
        match q.result {
            Judgement::Voided => self.voided += 1,
            result => {
                self.max = self.max + q.points;
                self.raw = self.raw + q.earned;
                self.penalties = self.penalties + q.penalty;
                match result {
                    Judgement::Correct => self.correct += 1,
                    Judgement::Partial => self.partial += 1,
                    Judgement::Wrong => self.wrong += 1,
                    _ => self.blank += 1,
                }
            }
        }
    }

    fn earned(&self) -> Points {
        (self.raw - self.penalties).max(Points::ZERO)
    }
}

/// Whether `earned / max` reaches `required` percent, compared exactly
/// (the mark read to 0.01 %). An empty maximum meets no mark.
fn meets(earned: Points, max: Points, required: f64) -> bool {
    let mark = (required * 100.0).round() as i128; // hundredths of a percent
    max.0 > 0 && i128::from(earned.0) * 10_000 >= mark * i128::from(max.0)
}

/// Scores `answers` (one per question, in printed order, already checked
/// to fit the paper) on `paper`.
pub fn score(
    paper: &Paper,
    points: &[SectionPoints],
    answers: &[Answer],
    adjust: &Adjustments,
) -> Scored {
    let exam = &paper.content.exam;
    let mut questions = Vec::with_capacity(answers.len());
    for (q, given) in paper.content.questions.iter().zip(answers) {
        let si = (q.section - 1) as usize;
        let section = &exam.sections[si];
        let sp = &points[si];
        let (key, key_fixed) = key_of(q, adjust);
        let (earned, result) = if adjust.voided.contains(&q.id) {
            (Points::ZERO, Judgement::Voided)
        } else {
            judge(q.kind, section.scoring, sp.points, &key, given)
        };
        let penalty = if result == Judgement::Wrong {
            sp.penalty
        } else {
            Points::ZERO
        };
        let (given_printed, given_bank) = spell(q, given);
        let (key_printed, key_bank) = spell(q, &key);
        questions.push(QuestionScore {
            number: q.number,
            id: q.id.clone(),
            section: q.section,
            kind: q.kind,
            category: q.category.clone(),
            original: q.original.clone(),
            given: given_printed,
            given_bank,
            key: key_printed,
            key_bank,
            key_fixed,
            points: sp.points,
            earned,
            penalty,
            result,
        });
    }

    let mut section_tallies: Vec<Tally> = exam.sections.iter().map(|_| Tally::default()).collect();
    let mut category_tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    for q in &questions {
        section_tallies[(q.section - 1) as usize].add(q);
        category_tallies.entry(&q.category).or_default().add(q);
    }
    let sections: Vec<SectionScore> = exam
        .sections
        .iter()
        .zip(&section_tallies)
        .zip(points)
        .enumerate()
        .map(|(i, ((s, t), sp))| SectionScore {
            number: i as u32 + 1,
            title: s.title.clone(),
            kind: s.kind,
            scoring: s.scoring,
            points: sp.points,
            penalty: sp.penalty,
            max: t.max,
            raw: t.raw,
            penalties: t.penalties,
            earned: t.earned(),
            correct: t.correct,
            partial: t.partial,
            wrong: t.wrong,
            blank: t.blank,
            voided: t.voided,
        })
        .collect();
    let total: Points = sections.iter().map(|s| s.earned).sum();
    let max: Points = sections.iter().map(|s| s.max).sum();

    let mut failed_gates = Vec::new();
    if !meets(total, max, exam.pass.percent) {
        failed_gates.push(FailedGate {
            gate: "overall".into(),
            required: exam.pass.percent,
            achieved: percent(total, max),
        });
    }
    let categories: Vec<CategoryScore> = category_tallies
        .iter()
        .map(|(id, t)| {
            let title = exam.categories.get(*id);
            let gate = exam.pass.categories.get(*id).copied();
            let earned = t.earned();
            if let Some(required) = gate
                && t.max.0 > 0
                && !meets(earned, t.max, required)
            {
                failed_gates.push(FailedGate {
                    gate: (*id).to_string(),
                    required,
                    achieved: percent(earned, t.max),
                });
            }
            CategoryScore {
                id: (*id).to_string(),
                title: title.map(|c| c.title.clone()).unwrap_or_default(),
                title_en: title.map(|c| c.title_en.clone()).unwrap_or_default(),
                max: t.max,
                earned,
                percent: percent(earned, t.max),
                gate,
                correct: t.correct,
                partial: t.partial,
                wrong: t.wrong,
                blank: t.blank,
                voided: t.voided,
            }
        })
        .collect();
    let count = |j: Judgement| questions.iter().filter(|q| q.result == j).count() as u32;
    let outcome = Outcome {
        total,
        max,
        percent: percent(total, max),
        pass: failed_gates.is_empty(),
        failed_gates,
        valid_until: None,
        questions: questions.len() as u32,
        correct: count(Judgement::Correct),
        partial: count(Judgement::Partial),
        wrong: count(Judgement::Wrong),
        blank: count(Judgement::Blank),
        voided: count(Judgement::Voided),
    };
    Scored {
        questions,
        sections,
        categories,
        outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use QuestionType::{Multiple, Single, TrueFalse};
    use Scoring::{AllOrNothing, HalfIfSubset, PerCorrectOption};

    fn l(s: &str) -> Answer {
        if s.is_empty() {
            return Answer::Blank;
        }
        Answer::Letters(s.bytes().map(|b| b - b'A').collect())
    }

    fn p(x: f64) -> Points {
        Points::from_f64(x).unwrap()
    }

    /// (rule, points, key, given) → (earned, judgement), for every rule.
    #[test]
    fn scoring_table() {
        let rows: &[(QuestionType, Scoring, f64, &str, &str, f64, Judgement)] = &[
            (Single, AllOrNothing, 2.0, "B", "B", 2.0, Judgement::Correct),
            (Single, AllOrNothing, 2.0, "B", "C", 0.0, Judgement::Wrong),
            (Single, AllOrNothing, 2.0, "B", "BC", 0.0, Judgement::Wrong),
            (Single, AllOrNothing, 2.0, "B", "", 0.0, Judgement::Blank),
            // --key-fix Q=BC on a single question accepts either letter.
            (
                Single,
                AllOrNothing,
                2.0,
                "BC",
                "C",
                2.0,
                Judgement::Correct,
            ),
            (Single, AllOrNothing, 2.0, "BC", "BC", 0.0, Judgement::Wrong),
            (
                Multiple,
                AllOrNothing,
                4.0,
                "ACD",
                "ACD",
                4.0,
                Judgement::Correct,
            ),
            (
                Multiple,
                AllOrNothing,
                4.0,
                "ACD",
                "AC",
                0.0,
                Judgement::Wrong,
            ),
            (
                Multiple,
                AllOrNothing,
                4.0,
                "ACD",
                "ABCD",
                0.0,
                Judgement::Wrong,
            ),
            (
                Multiple,
                AllOrNothing,
                4.0,
                "ACD",
                "",
                0.0,
                Judgement::Blank,
            ),
            (
                Multiple,
                HalfIfSubset,
                4.0,
                "ACD",
                "ACD",
                4.0,
                Judgement::Correct,
            ),
            (
                Multiple,
                HalfIfSubset,
                4.0,
                "ACD",
                "AC",
                2.0,
                Judgement::Partial,
            ),
            (
                Multiple,
                HalfIfSubset,
                4.0,
                "ACD",
                "D",
                2.0,
                Judgement::Partial,
            ),
            (
                Multiple,
                HalfIfSubset,
                4.0,
                "ACD",
                "AB",
                0.0,
                Judgement::Wrong,
            ),
            (
                Multiple,
                HalfIfSubset,
                4.0,
                "ACD",
                "ABCD",
                0.0,
                Judgement::Wrong,
            ),
            (
                Multiple,
                HalfIfSubset,
                3.0,
                "AC",
                "A",
                1.5,
                Judgement::Partial,
            ),
            // Half of 0.05 is 0.025: rounded half up to 0.03.
            (
                Multiple,
                HalfIfSubset,
                0.05,
                "AC",
                "A",
                0.03,
                Judgement::Partial,
            ),
            (
                Multiple,
                PerCorrectOption,
                4.0,
                "ACD",
                "ACD",
                4.0,
                Judgement::Correct,
            ),
            (
                Multiple,
                PerCorrectOption,
                4.0,
                "ACD",
                "A",
                1.33,
                Judgement::Partial,
            ),
            (
                Multiple,
                PerCorrectOption,
                4.0,
                "ACD",
                "AD",
                2.67,
                Judgement::Partial,
            ),
            (
                Multiple,
                PerCorrectOption,
                3.0,
                "ACD",
                "CD",
                2.0,
                Judgement::Partial,
            ),
            (
                Multiple,
                PerCorrectOption,
                5.0,
                "AB",
                "A",
                2.5,
                Judgement::Partial,
            ),
            (
                Multiple,
                PerCorrectOption,
                4.0,
                "ACD",
                "AB",
                0.0,
                Judgement::Wrong,
            ),
            (
                Multiple,
                PerCorrectOption,
                4.0,
                "ACD",
                "",
                0.0,
                Judgement::Blank,
            ),
        ];
        for &(kind, rule, points, key, given, earned, judgement) in rows {
            assert_eq!(
                judge(kind, rule, p(points), &l(key), &l(given)),
                (p(earned), judgement),
                "{kind:?} {rule:?} {points} key {key} given {given:?}"
            );
        }
        let tf =
            |k: bool, g: Answer| judge(TrueFalse, AllOrNothing, p(1.0), &Answer::TrueFalse(k), &g);
        assert_eq!(
            tf(true, Answer::TrueFalse(true)),
            (p(1.0), Judgement::Correct)
        );
        assert_eq!(
            tf(true, Answer::TrueFalse(false)),
            (p(0.0), Judgement::Wrong)
        );
        assert_eq!(tf(false, Answer::Blank), (p(0.0), Judgement::Blank));
    }

    /// A paper of `(type, scoring, points, penalty, category, key, options)`
    /// sections of one question each, gated at 50 % in `sec`.
    fn paper(sections: &[(QuestionType, Scoring, f64, f64, &str, Key, usize)]) -> Paper {
        use crate::paper::{CategoryTitle, DrawInfo, Exam, PaperContent, PassRule, Section};
        let section = |i: usize, s: &(QuestionType, Scoring, f64, f64, &str, Key, usize)| Section {
            title: format!("section {}", i + 1),
            kind: s.0,
            points: s.2,
            scoring: s.1,
            penalty: s.3,
            first: i as u32 + 1,
            last: i as u32 + 1,
        };
        let question =
            |i: usize, s: &(QuestionType, Scoring, f64, f64, &str, Key, usize)| PaperQuestion {
                number: i as u32 + 1,
                section: i as u32 + 1,
                id: format!("Q{}", i + 1),
                digest: String::new(),
                kind: s.0,
                category: s.4.to_string(),
                difficulty: 1,
                stem: String::new(),
                options: vec![String::new(); s.6],
                answer: s.5.clone(),
                original: String::new(),
                explanation: None,
            };
        Paper::new(PaperContent {
            format: crate::paper::FORMAT.into(),
            exam: Exam {
                id: "X".into(),
                title: "X".into(),
                lang: "zh".into(),
                duration_minutes: 10,
                instructions: None,
                date: None,
                valid_months: None,
                pass: PassRule {
                    percent: 50.0,
                    categories: [("sec".to_string(), 50.0)].into_iter().collect(),
                },
                sections: sections
                    .iter()
                    .enumerate()
                    .map(|(i, s)| section(i, s))
                    .collect(),
                categories: ["sec", "ops"]
                    .map(|c| {
                        (
                            c.to_string(),
                            CategoryTitle {
                                title: c.into(),
                                title_en: c.into(),
                            },
                        )
                    })
                    .into_iter()
                    .collect(),
            },
            candidate: None,
            form: Some("A".into()),
            draw: DrawInfo {
                algorithm: String::new(),
                master_seed: String::new(),
                seed: String::new(),
                bank_name: String::new(),
                bank_version: String::new(),
                bank_digest: String::new(),
                ..Default::default()
            },
            questions: sections
                .iter()
                .enumerate()
                .map(|(i, s)| question(i, s))
                .collect(),
        })
    }

    /// Penalties per wrong answer, floors at 0 per section and per
    /// category, and the overall and category gates.
    #[test]
    fn penalties_floors_and_gates() {
        let tf = |b: bool| Key::TrueFalse(b);
        let letters = |s: &str| Key::Letters(s.into());
        // sec: one single (2 pts, −1 if wrong) and one true/false (1 pt, −1 if wrong);
        // ops: one multiple (4 pts, half_if_subset, −0.5 if wrong).
        let paper = paper(&[
            (Single, AllOrNothing, 2.0, 1.0, "sec", letters("B"), 4),
            (TrueFalse, AllOrNothing, 1.0, 1.0, "sec", tf(true), 0),
            (Multiple, HalfIfSubset, 4.0, 0.5, "ops", letters("AC"), 4),
        ]);
        let points = section_points(&paper).unwrap();
        let run = |answers: &[Answer]| score(&paper, &points, answers, &Adjustments::default());

        // Wrong, wrong, full: 0 − 1 is floored at 0 in both sections; 4 of 7.
        let s = run(&[l("C"), Answer::TrueFalse(false), l("AC")]);
        let earned: Vec<(Points, Points, Points)> = s
            .sections
            .iter()
            .map(|x| (x.raw, x.penalties, x.earned))
            .collect();
        assert_eq!(
            earned,
            [
                (p(0.0), p(1.0), p(0.0)),
                (p(0.0), p(1.0), p(0.0)),
                (p(4.0), p(0.0), p(4.0))
            ]
        );
        assert_eq!((s.outcome.total, s.outcome.max), (p(4.0), p(7.0)));
        // 57.14 % passes 50 % overall, but sec has 0 of 3: the gate fails.
        assert!(!s.outcome.pass);
        let gates: Vec<(&str, f64)> = s
            .outcome
            .failed_gates
            .iter()
            .map(|g| (g.gate.as_str(), g.achieved))
            .collect();
        assert_eq!(gates, [("sec", 0.0)]);
        let sec = s.categories.iter().find(|c| c.id == "sec").unwrap();
        assert_eq!((sec.earned, sec.max, sec.wrong), (p(0.0), p(3.0), 2));

        // Blanks cost nothing; a wrong multiple answer costs its penalty.
        let s = run(&[l("B"), Answer::Blank, l("AB")]);
        assert_eq!(s.questions[1].penalty, Points::ZERO);
        assert_eq!(s.questions[2].penalty, p(0.5));
        assert_eq!(s.sections[2].earned, Points::ZERO);
        assert_eq!((s.outcome.total, s.outcome.percent), (p(2.0), 28.57));
        let gates: Vec<&str> = s
            .outcome
            .failed_gates
            .iter()
            .map(|g| g.gate.as_str())
            .collect();
        assert_eq!(gates, ["overall"]);
        assert_eq!(
            (s.outcome.correct, s.outcome.wrong, s.outcome.blank),
            (1, 1, 1)
        );

        // A subset earns half: 4 of 7 overall and 2 of 3 in sec pass both marks.
        let s = run(&[l("B"), Answer::Blank, l("A")]);
        assert_eq!(s.questions[2].result, Judgement::Partial);
        assert_eq!(s.outcome.total, p(4.0));
        assert!(s.outcome.pass);
        assert!(s.outcome.failed_gates.is_empty());
    }

    #[test]
    fn pass_marks_are_compared_exactly() {
        // 79.995 % is shown as 80 % but does not pass an 80 % mark.
        assert!(!meets(Points(15999), Points(20000), 80.0));
        assert_eq!(percent(Points(15999), Points(20000)), 80.0);
        assert!(meets(Points(16000), Points(20000), 80.0));
        assert!(meets(Points(7250), Points(10000), 72.5));
        assert!(!meets(Points(7249), Points(10000), 72.5));
        assert!(!meets(Points(0), Points(0), 0.0));
    }
}
