//! Counts of a bank by category, type and difficulty: what a trainer looks at
//! to see whether the bank can feed an exam.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Bank, QuestionType};

/// Counts of questions, for `bank stats`.
#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    pub name: String,
    pub version: String,
    pub digest: String,
    pub total: usize,
    pub categories: Vec<CategoryStats>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CategoryStats {
    pub id: String,
    pub title: String,
    pub total: usize,
    /// Per type (`single`, `multiple`, `truefalse`): counts by difficulty 1–5.
    pub by_type: BTreeMap<QuestionType, [usize; 5]>,
}

pub fn stats(bank: &Bank) -> Stats {
    let categories = bank
        .categories
        .iter()
        .map(|c| {
            let mut by_type: BTreeMap<QuestionType, [usize; 5]> =
                QuestionType::ALL.iter().map(|&t| (t, [0; 5])).collect();
            let mut total = 0;
            for q in bank.questions.iter().filter(|q| q.category == c.id) {
                let row = by_type.entry(q.kind).or_default();
                row[usize::from(q.difficulty - 1)] += 1;
                total += 1;
            }
            CategoryStats {
                id: c.id.clone(),
                title: c.title.clone(),
                total,
                by_type,
            }
        })
        .collect();
    Stats {
        name: bank.name.clone(),
        version: bank.version.clone(),
        digest: bank.digest(),
        total: bank.questions.len(),
        categories,
    }
}
