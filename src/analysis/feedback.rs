//! The data of one candidate's feedback report (成绩反馈): the result and
//! what it was made of, and every question they did not get fully right —
//! as printed on THEIR paper (their numbering and option order), with
//! their answer, the key and the explanation.

use crate::render::data::breakable;
use serde::Serialize;

use crate::bank::QuestionType;
use crate::paper::Paper;
use crate::render::data::points as fmt_points;
use crate::score_file::{Judgement, ScoreFile};

/// The format of the feedback data file, so the template can check it.
pub const FORMAT: &str = "certexam-feedback-v1";

/// The data file of `templates/feedback.typ`.
#[derive(Debug, Serialize)]
pub struct FeedbackData {
    pub format: &'static str,
    /// `zh` or `en`: the paper's label language.
    pub lang: String,
    pub candidate: CandidateView,
    pub exam: ExamView,
    pub paper_id: String,
    pub total: String,
    pub max: String,
    pub percent: String,
    pub pass: bool,
    pub pass_percent: String,
    pub valid_until: Option<String>,
    pub correct: u32,
    pub partial: u32,
    pub wrong: u32,
    pub blank: u32,
    pub voided: u32,
    pub failed_gates: Vec<GateView>,
    pub categories: Vec<CategoryView>,
    pub sections: Vec<SectionView>,
    /// Wrong, blank and partly right questions, in printed order.
    pub mistakes: Vec<MistakeView>,
}

#[derive(Debug, Serialize)]
pub struct CandidateView {
    pub id: String,
    pub name: String,
    pub extra: Vec<(String, String)>,
}

#[derive(Debug, Serialize)]
pub struct ExamView {
    pub id: String,
    pub title: String,
    pub date: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct GateView {
    /// The category's title, or the word for "overall".
    pub title: String,
    pub overall: bool,
    pub required: String,
    pub achieved: String,
}

#[derive(Debug, Serialize)]
pub struct CategoryView {
    pub title: String,
    pub earned: String,
    pub max: String,
    pub percent: String,
    /// Percent as a number 0–100, for the bar.
    pub share: f64,
    pub gate: Option<String>,
    /// Whether the category's gate was missed.
    pub missed: bool,
}

#[derive(Debug, Serialize)]
pub struct SectionView {
    pub title: String,
    pub earned: String,
    pub max: String,
}

#[derive(Debug, Serialize)]
pub struct MistakeView {
    /// Printed number.
    pub number: u32,
    pub id: String,
    pub kind: QuestionType,
    /// `wrong`, `blank` or `partial`.
    pub result: String,
    pub earned: String,
    pub points: String,
    pub stem: String,
    /// Options as printed on the candidate's paper.
    pub options: Vec<OptionView>,
    /// The candidate's answer (printed letters, or 对/错); empty when blank.
    pub given: String,
    /// The key (printed letters, or 对/错).
    pub key: String,
    pub explanation: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct OptionView {
    pub letter: String,
    pub text: String,
    /// The candidate marked it.
    pub given: bool,
    /// It is (part of) the key.
    pub key: bool,
}

/// Why a feedback report cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    #[error(
        "question {number} of paper {paper} is {found} in the paper manifest but {expected} in the score file; the paper is not the one this result was graded on"
    )]
    PaperMismatch {
        paper: String,
        number: u32,
        expected: String,
        found: String,
    },
}

fn tf_text(value: &str, zh: bool) -> String {
    match (value, zh) {
        ("true", true) => "对".into(),
        ("false", true) => "错".into(),
        ("true", false) => "True".into(),
        ("false", false) => "False".into(),
        (other, _) => other.to_string(),
    }
}

/// The feedback data of one result, read against its paper.
pub fn feedback_data(score: &ScoreFile, paper: &Paper) -> Result<FeedbackData, FeedbackError> {
    let zh = paper.content.exam.lang != "en";
    let r = &score.result;
    let title_of = |id: &str| {
        score.categories.iter().find(|c| c.id == id).map_or_else(
            || id.to_string(),
            |c| {
                if zh {
                    c.title.clone()
                } else {
                    c.title_en.clone()
                }
            },
        )
    };
    let failed_gates = r
        .failed_gates
        .iter()
        .map(|g| GateView {
            overall: g.gate == "overall",
            title: if g.gate == "overall" {
                if zh { "总分" } else { "Overall" }.to_string()
            } else {
                title_of(&g.gate)
            },
            required: fmt_points(g.required),
            achieved: fmt_points(g.achieved),
        })
        .collect();
    let categories = score
        .categories
        .iter()
        .map(|c| CategoryView {
            title: if zh {
                c.title.clone()
            } else {
                c.title_en.clone()
            },
            earned: c.earned.to_string(),
            max: c.max.to_string(),
            percent: fmt_points(c.percent),
            share: c.percent.clamp(0.0, 100.0),
            gate: c.gate.map(fmt_points),
            missed: r.failed_gates.iter().any(|g| g.gate == c.id),
        })
        .collect();
    let sections = score
        .sections
        .iter()
        .map(|s| SectionView {
            title: s.title.clone(),
            earned: s.earned.to_string(),
            max: s.max.to_string(),
        })
        .collect();
    let mut mistakes = Vec::new();
    for q in &score.questions {
        if !matches!(
            q.result,
            Judgement::Wrong | Judgement::Blank | Judgement::Partial
        ) {
            continue;
        }
        let printed = paper
            .content
            .questions
            .iter()
            .find(|p| p.number == q.number)
            .filter(|p| p.id == q.id)
            .ok_or_else(|| FeedbackError::PaperMismatch {
                paper: score.paper.id.clone(),
                number: q.number,
                expected: q.id.clone(),
                found: paper
                    .content
                    .questions
                    .iter()
                    .find(|p| p.number == q.number)
                    .map_or_else(|| "missing".to_string(), |p| p.id.clone()),
            })?;
        let (given, key) = match q.kind {
            QuestionType::TrueFalse => (tf_text(&q.given, zh), tf_text(&q.key, zh)),
            _ => (q.given.clone(), q.key.clone()),
        };
        let options = printed
            .options
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let letter = char::from(b'A' + i as u8);
                OptionView {
                    letter: letter.to_string(),
                    text: breakable(text),
                    given: q.given.contains(letter),
                    key: q.key.contains(letter),
                }
            })
            .collect();
        mistakes.push(MistakeView {
            number: q.number,
            id: q.id.clone(),
            kind: q.kind,
            result: q.result.as_str().to_string(),
            earned: q.earned.to_string(),
            points: q.points.to_string(),
            stem: breakable(&printed.stem),
            options,
            given,
            key,
            explanation: printed.explanation.as_deref().map(breakable),
        });
    }
    Ok(FeedbackData {
        format: FORMAT,
        lang: if zh { "zh" } else { "en" }.to_string(),
        candidate: CandidateView {
            id: score.candidate.id.clone(),
            name: breakable(&score.candidate.name),
            extra: score
                .candidate
                .extra
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        },
        exam: ExamView {
            id: score.exam.id.clone(),
            title: score.exam.title.clone(),
            date: score.exam.date.clone(),
        },
        paper_id: score.paper.id.clone(),
        total: r.total.to_string(),
        max: r.max.to_string(),
        percent: fmt_points(r.percent),
        pass: r.pass,
        pass_percent: fmt_points(score.exam.pass.percent),
        valid_until: r.valid_until.clone(),
        correct: r.correct,
        partial: r.partial,
        wrong: r.wrong,
        blank: r.blank,
        voided: r.voided,
        failed_gates,
        categories,
        sections,
        mistakes,
    })
}

impl FeedbackData {
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("feedback data always serializes")
    }
}
