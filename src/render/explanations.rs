//! The explanations booklet (解析汇编): every question used in the session
//! once, by bank id, for a trainer's review. Papers shuffle options, so the
//! key is written as option text (the letters differ between papers), with
//! the options in bank order.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::data::breakable;
use crate::bank::QuestionType;
use crate::paper::{Key, Paper, PaperQuestion};

/// The format of the booklet's data file.
pub const FORMAT: &str = "certexam-explanations-data-v1";

/// The booklet's data file.
#[derive(Debug, Serialize)]
pub struct ExplanationsData {
    pub format: &'static str,
    /// `zh` or `en`.
    pub lang: String,
    pub exam_title: String,
    pub exam_id: String,
    pub papers: usize,
    pub questions: Vec<Explained>,
}

/// One question of the session.
#[derive(Debug, Serialize)]
pub struct Explained {
    /// Bank id.
    pub id: String,
    /// The category's title.
    pub category: String,
    pub kind: QuestionType,
    pub stem: String,
    /// The options in bank order, each marked when it is part of the key.
    pub options: Vec<ExplainedOption>,
    /// The key as text: the correct options' texts, or 对/错.
    pub key: Vec<String>,
    pub explanation: Option<String>,
    /// On how many papers of the session it was.
    pub used: usize,
}

#[derive(Debug, Serialize)]
pub struct ExplainedOption {
    pub text: String,
    pub correct: bool,
}

/// Each question once, sorted by bank id (and by digest when a bank id was
/// drawn in two versions), as first met in `papers`.
pub fn explanations(papers: &[(PathBuf, Paper)]) -> ExplanationsData {
    let mut seen: BTreeMap<(&str, &str), (&Paper, &PaperQuestion, usize)> = BTreeMap::new();
    for (_, p) in papers {
        for q in &p.content.questions {
            seen.entry((q.id.as_str(), q.digest.as_str()))
                .or_insert((p, q, 0))
                .2 += 1;
        }
    }
    let first = papers.first().map(|(_, p)| &p.content.exam);
    let zh = first.is_none_or(|e| e.lang != "en");
    ExplanationsData {
        format: FORMAT,
        lang: first.map_or("zh".to_string(), |e| e.lang.clone()),
        exam_title: first.map(|e| e.title.clone()).unwrap_or_default(),
        exam_id: first.map(|e| e.id.clone()).unwrap_or_default(),
        papers: papers.len(),
        questions: seen
            .into_values()
            .map(|(p, q, used)| explained(p, q, used, zh))
            .collect(),
    }
}

fn explained(p: &Paper, q: &PaperQuestion, used: usize, zh: bool) -> Explained {
    let category = p
        .content
        .exam
        .categories
        .get(&q.category)
        .map_or(q.category.clone(), |c| {
            if zh {
                c.title.clone()
            } else {
                c.title_en.clone()
            }
        });
    let correct = q.answer.indices();
    // Printed index i is bank letter original[i]: sorting by it gives bank order.
    let mut printed: Vec<(char, usize)> = (0..q.options.len())
        .map(|i| (q.original_letter(i).unwrap_or('?'), i))
        .collect();
    printed.sort_unstable();
    let options: Vec<ExplainedOption> = printed
        .iter()
        .map(|&(_, i)| ExplainedOption {
            text: breakable(&q.options[i]),
            correct: correct.contains(&i),
        })
        .collect();
    let key = match &q.answer {
        Key::Letters(_) => options
            .iter()
            .filter(|o| o.correct)
            .map(|o| o.text.clone())
            .collect(),
        Key::TrueFalse(b) => vec![
            match (zh, b) {
                (true, true) => "对",
                (true, false) => "错",
                (false, true) => "True",
                (false, false) => "False",
            }
            .to_string(),
        ],
    };
    Explained {
        id: q.id.clone(),
        category,
        kind: q.kind,
        stem: breakable(&q.stem),
        options,
        key,
        explanation: q.explanation.as_deref().map(breakable),
        used,
    }
}

impl ExplanationsData {
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("explanations data always serializes")
    }
}
