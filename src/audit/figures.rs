//! Bank-level figures: cues that no single question shows but the whole
//! bank does — the key is usually the longest option, the key letters lean
//! one way, most statements are true, some word tells true from false.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::text::{Words, length};
use crate::bank::{Answer, Question, QuestionType, letter};

/// Above this share of single-choice questions whose key is the strictly
/// longest option, the length cue is flagged (chance with 4 options: 25 %).
pub const LENGTH_CUE_LIMIT: f64 = 0.40;
/// Key letters are flagged when uniformity is rejected at this level.
pub const KEY_POSITION_ALPHA: f64 = 0.01;
/// True statements outside this share are flagged.
pub const TF_BALANCE: (f64, f64) = (0.40, 0.60);
/// A word in at least this many statements …
pub const CUE_WORD_MIN_STATEMENTS: usize = 5;
/// … whose statements are at least this much one way is a cue.
pub const CUE_WORD_SKEW: f64 = 0.80;
/// One number of keys holding more than this share of the multiple-choice questions is flagged.
pub const MULTIPLE_COUNT_LIMIT: f64 = 0.60;

#[derive(Clone, Debug, Serialize)]
pub struct Figures {
    pub length_cue: LengthCue,
    pub key_position: KeyPosition,
    pub tf_balance: TfBalance,
    pub tf_cue_word: TfCueWords,
    pub multiple_count: MultipleCount,
}

impl Figures {
    /// Whether any figure is flagged.
    pub fn flagged(&self) -> bool {
        self.length_cue.flagged
            || self.key_position.flagged
            || self.tf_balance.flagged
            || self.tf_cue_word.flagged
            || self.multiple_count.flagged
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct LengthCue {
    pub single_questions: usize,
    /// Single-choice questions whose key is the strictly longest option.
    pub key_strictly_longest: usize,
    pub share: f64,
    /// Expected score (0–1) of always picking the longest option, ties split.
    pub expected_score_longest: f64,
    pub flagged: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct KeyPosition {
    /// Key letters of single-choice questions as written: letter → count.
    /// E and later are counted together as `E+`.
    pub observed: BTreeMap<String, usize>,
    /// What uniform keys would give.
    pub expected: BTreeMap<String, f64>,
    pub chi_square: f64,
    pub degrees_of_freedom: usize,
    pub p_value: f64,
    pub flagged: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct TfBalance {
    pub statements: usize,
    pub true_statements: usize,
    pub share_true: f64,
    pub flagged: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct CueWord {
    pub word: String,
    pub statements: usize,
    pub true_statements: usize,
    /// `true` or `false`: which way the word's statements lean.
    pub direction: bool,
    /// Share of its statements that go that way.
    pub share: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TfCueWords {
    /// Words that are cues, most telling first.
    pub words: Vec<CueWord>,
    pub flagged: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct MultipleCount {
    pub questions: usize,
    /// Number of keys → questions.
    pub counts: BTreeMap<usize, usize>,
    pub largest_share: f64,
    pub flagged: bool,
}

pub fn figures(questions: &[Question]) -> Figures {
    Figures {
        length_cue: length_cue(questions),
        key_position: key_position(questions),
        tf_balance: tf_balance(questions),
        tf_cue_word: tf_cue_words(questions),
        multiple_count: multiple_count(questions),
    }
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn single_key(q: &Question) -> Option<usize> {
    match (&q.kind, &q.answer) {
        (QuestionType::Single, Answer::Choice(k)) if k.len() == 1 => Some(k[0]),
        _ => None,
    }
}

fn length_cue(questions: &[Question]) -> LengthCue {
    let mut singles = 0;
    let mut strictly = 0;
    let mut expected = 0.0;
    for q in questions {
        let Some(key) = single_key(q) else { continue };
        singles += 1;
        let lengths: Vec<usize> = q.options.iter().map(|o| length(o)).collect();
        let max = lengths.iter().copied().max().unwrap_or(0);
        let tied = lengths.iter().filter(|&&l| l == max).count();
        if lengths[key] == max {
            expected += 1.0 / tied as f64;
            if tied == 1 {
                strictly += 1;
            }
        }
    }
    let share = share(strictly, singles);
    LengthCue {
        single_questions: singles,
        key_strictly_longest: strictly,
        share,
        expected_score_longest: if singles == 0 {
            0.0
        } else {
            expected / singles as f64
        },
        flagged: share > LENGTH_CUE_LIMIT,
    }
}

fn bucket(index: usize) -> String {
    if index < 4 {
        letter(index).to_string()
    } else {
        "E+".to_string()
    }
}

fn key_position(questions: &[Question]) -> KeyPosition {
    let mut observed: BTreeMap<String, usize> = BTreeMap::new();
    let mut expected: BTreeMap<String, f64> = BTreeMap::new();
    for q in questions {
        let Some(key) = single_key(q) else { continue };
        *observed.entry(bucket(key)).or_default() += 1;
        let n = q.options.len() as f64;
        for i in 0..q.options.len() {
            *expected.entry(bucket(i)).or_default() += 1.0 / n;
        }
    }
    // Buckets too rare to test (expected under 1) are left out of the test.
    let tested: Vec<(&String, f64)> = expected
        .iter()
        .filter(|(_, e)| **e >= 1.0)
        .map(|(k, e)| (k, *e))
        .collect();
    let chi_square: f64 = tested
        .iter()
        .map(|(k, e)| {
            let o = observed.get(*k).copied().unwrap_or(0) as f64;
            (o - e).powi(2) / e
        })
        .sum();
    let degrees_of_freedom = tested.len().saturating_sub(1);
    let p_value = if degrees_of_freedom == 0 {
        1.0
    } else {
        ChiSquared::new(degrees_of_freedom as f64)
            .map(|d| d.sf(chi_square))
            .unwrap_or(1.0)
    };
    for k in expected.keys() {
        observed.entry(k.clone()).or_default();
    }
    KeyPosition {
        observed,
        expected,
        chi_square,
        degrees_of_freedom,
        p_value,
        flagged: p_value < KEY_POSITION_ALPHA,
    }
}

fn statements(questions: &[Question]) -> impl Iterator<Item = (&str, bool)> {
    questions.iter().filter_map(|q| match q.answer {
        Answer::TrueFalse(t) => Some((q.stem.as_str(), t)),
        Answer::Choice(_) => None,
    })
}

fn tf_balance(questions: &[Question]) -> TfBalance {
    let (total, truths) =
        statements(questions).fold((0, 0), |(n, t), (_, v)| (n + 1, t + usize::from(v)));
    let share_true = share(truths, total);
    TfBalance {
        statements: total,
        true_statements: truths,
        share_true,
        flagged: total > 0 && !(TF_BALANCE.0..=TF_BALANCE.1).contains(&share_true),
    }
}

fn tf_cue_words(questions: &[Question]) -> TfCueWords {
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (stem, truth) in statements(questions) {
        let words: HashSet<&str> = Words::new(stem).content().collect();
        for w in words {
            let entry = counts.entry(w.to_string()).or_default();
            entry.0 += 1;
            entry.1 += usize::from(truth);
        }
    }
    let mut words: Vec<CueWord> = counts
        .into_iter()
        .filter(|(_, (n, _))| *n >= CUE_WORD_MIN_STATEMENTS)
        .filter_map(|(word, (n, t))| {
            let true_share = share(t, n);
            let (direction, lean) = if true_share >= 0.5 {
                (true, true_share)
            } else {
                (false, 1.0 - true_share)
            };
            (lean >= CUE_WORD_SKEW).then_some(CueWord {
                word,
                statements: n,
                true_statements: t,
                direction,
                share: lean,
            })
        })
        .collect();
    words.sort_by(|a, b| {
        b.share
            .total_cmp(&a.share)
            .then(b.statements.cmp(&a.statements))
            .then(a.word.cmp(&b.word))
    });
    TfCueWords {
        flagged: !words.is_empty(),
        words,
    }
}

fn multiple_count(questions: &[Question]) -> MultipleCount {
    let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
    for q in questions {
        if let (QuestionType::Multiple, Answer::Choice(k)) = (&q.kind, &q.answer) {
            *counts.entry(k.len()).or_default() += 1;
        }
    }
    let total: usize = counts.values().sum();
    let largest_share = share(counts.values().copied().max().unwrap_or(0), total);
    MultipleCount {
        questions: total,
        counts,
        largest_share,
        flagged: total > 0 && largest_share > MULTIPLE_COUNT_LIMIT,
    }
}
