//! The test-wise simulation: papers drawn from the real blueprint with the
//! real draw code, answered by four virtual candidates, scored by the real
//! scoring code. It shows how far cues alone carry a candidate.
//!
//! The virtual candidates see only what a candidate sees — the printed
//! stem and options — and never a key or a figure computed from the bank:
//!
//! - **random**: single choice, one option at random; multiple choice,
//!   each option marked with probability ½ (one at random if none was);
//!   true/false, a coin.
//! - **test-wise**: single choice, an "all of the above" option if there is
//!   one, else the longest option among those without an absolute
//!   qualifier (ties at random); multiple choice, every option without an
//!   absolute qualifier — leaving out the shortest if that would mark all,
//!   the two longest if fewer than two remain; true/false, false when the
//!   statement holds an absolute or permissive qualifier (一定, 只要, 可以 …),
//!   true otherwise.
//! - **half-knower with cues**: knows each question with probability ½
//!   (answers the key) and is test-wise on the rest.
//! - **half-knower guessing**: knows the same questions, guesses the rest
//!   at random.
//!
//! Every random choice comes from ChaCha20 keyed with SHA-256 over
//! `certexam-audit-v1`, the seed, the paper id and the stream name, so a
//! simulation is the same on every run.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::text::{self, ABSOLUTE_TERMS, FALSE_CUES, Words, length};
use crate::bank::{Bank, Question, QuestionType};
use crate::blueprint::Blueprint;
use crate::draw::{self, DrawRequest, Holder, Shortage};
use crate::grade::answer_file::Answer;
use crate::grade::score::{self, Adjustments};
use crate::paper::{Candidate, Key, Paper, PaperQuestion};
use crate::rng::DrawRng;

/// The four virtual candidates, in the order of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    Random,
    TestWise,
    HalfKnowerCues,
    HalfKnowerRandom,
}

impl Strategy {
    pub const ALL: [Strategy; 4] = [
        Strategy::Random,
        Strategy::TestWise,
        Strategy::HalfKnowerCues,
        Strategy::HalfKnowerRandom,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Strategy::Random => "(a) random guesser",
            Strategy::TestWise => "(b) test-wise, knows nothing",
            Strategy::HalfKnowerCues => "(c) knows half, cues for the rest",
            Strategy::HalfKnowerRandom => "(d) knows half, guesses the rest",
        }
    }
}

/// Flag `testwise-pass` when the half-knower with cues passes more papers than this …
pub const HALF_KNOWER_PASS_LIMIT: f64 = 0.05;
/// … or the test-wise guesser's mean is this many points above the random guesser's.
pub const TESTWISE_GAIN_LIMIT: f64 = 15.0;

/// One row of the table.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub strategy: Strategy,
    pub label: &'static str,
    pub mean_percent: f64,
    pub max_percent: f64,
    /// Share of the papers passed, 0–1 (the pass mark and every gate).
    pub pass_share: f64,
}

/// What one virtual candidate got on one paper.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PaperResult {
    pub percent: f64,
    pub pass: bool,
}

/// The simulation: the papers, every virtual candidate's answers and
/// results, and the table.
#[derive(Debug)]
pub struct Simulation {
    pub seed: String,
    pub papers: Vec<Paper>,
    /// Per paper, the answers of each strategy in [`Strategy::ALL`] order.
    pub answers: Vec<[Vec<Answer>; 4]>,
    pub results: Vec<[PaperResult; 4]>,
    pub table: Vec<Row>,
    /// Why `testwise-pass` is flagged; empty when it is not.
    pub flags: Vec<String>,
}

/// What the guessers see of a bank question: surface features only.
struct Surface {
    absolute: Vec<bool>,
    all_above: Vec<bool>,
    none_above: Vec<bool>,
    lengths: Vec<usize>,
    /// True/false: does the statement hold a false-making qualifier?
    false_cue: bool,
}

fn surface(q: &Question) -> Surface {
    let absolute = q
        .options
        .iter()
        .map(|o| Words::new(o).first_of(ABSOLUTE_TERMS).is_some())
        .collect();
    let all_above = q.options.iter().map(|o| text::is_all_of_above(o)).collect();
    let none_above = q
        .options
        .iter()
        .map(|o| text::is_all_or_none_of_above(o) && !text::is_all_of_above(o))
        .collect();
    let lengths = q.options.iter().map(|o| length(o)).collect();
    let false_cue = q.kind == QuestionType::TrueFalse && {
        let w = Words::new(&q.stem);
        w.first_of(ABSOLUTE_TERMS).is_some() || w.first_of(FALSE_CUES).is_some()
    };
    Surface {
        absolute,
        all_above,
        none_above,
        lengths,
        false_cue,
    }
}

/// The generator for one paper and one stream of choices.
fn stream(seed: &str, paper: &str, name: &str) -> DrawRng {
    let mut hasher = Sha256::new();
    for part in ["certexam-audit-v1", seed, paper, name] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    DrawRng::new(hasher.finalize().into())
}

/// Draws `papers` papers for virtual candidates `SIM00001` … with
/// `seed` and answers and scores them.
pub fn simulate(
    bank: &Bank,
    blueprint: &Blueprint,
    papers: usize,
    seed: &str,
) -> Result<Simulation, Vec<Shortage>> {
    let holders: Vec<Holder> = (1..=papers)
        .map(|i| {
            Holder::Candidate(Candidate {
                id: format!("SIM{i:05}"),
                name: "模拟考生".to_string(),
                ..Default::default()
            })
        })
        .collect();
    let seen = HashMap::new();
    let drawn = draw::draw(&DrawRequest {
        bank,
        blueprint,
        holders: &holders,
        master_seed: seed,
        seen: &seen,
    })?;
    let used: HashSet<&str> = drawn
        .papers
        .iter()
        .flat_map(|p| p.content.questions.iter().map(|q| q.id.as_str()))
        .collect();
    let surfaces: HashMap<&str, Surface> = bank
        .questions
        .iter()
        .filter(|q| used.contains(q.id.as_str()))
        .map(|q| (q.id.as_str(), surface(q)))
        .collect();

    let per_paper = crate::parallel::map(&drawn.papers, |paper| {
        let answers = answer_paper(paper, &surfaces, seed);
        let results = answers.each_ref().map(|a| grade(paper, a));
        (answers, results)
    });
    let (answers, results): (Vec<_>, Vec<_>) = per_paper.into_iter().unzip();
    let table = table(&results);
    let mut flags = Vec::new();
    let (a, b, c) = (&table[0], &table[1], &table[2]);
    if c.pass_share > HALF_KNOWER_PASS_LIMIT {
        flags.push(format!(
            "a candidate who knows half the answers and uses cues for the rest passes {:.1} % of the papers (limit {:.0} %)",
            c.pass_share * 100.0,
            HALF_KNOWER_PASS_LIMIT * 100.0
        ));
    }
    if b.mean_percent - a.mean_percent > TESTWISE_GAIN_LIMIT {
        flags.push(format!(
            "cues alone score {:.1} points above random guessing (limit {TESTWISE_GAIN_LIMIT:.0})",
            b.mean_percent - a.mean_percent
        ));
    }
    Ok(Simulation {
        seed: seed.to_string(),
        papers: drawn.papers,
        answers,
        results,
        table,
        flags,
    })
}

fn grade(paper: &Paper, answers: &[Answer]) -> PaperResult {
    // Sections of a freshly drawn paper always have exact points (the
    // blueprint check makes sure); a paper that did not would score 0.
    let Ok(points) = score::section_points(paper) else {
        return PaperResult {
            percent: 0.0,
            pass: false,
        };
    };
    let scored = score::score(paper, &points, answers, &Adjustments::default());
    PaperResult {
        percent: scored.outcome.percent,
        pass: scored.outcome.pass,
    }
}

fn table(results: &[[PaperResult; 4]]) -> Vec<Row> {
    Strategy::ALL
        .iter()
        .enumerate()
        .map(|(i, &strategy)| {
            let n = results.len().max(1) as f64;
            let mean = results.iter().map(|r| r[i].percent).sum::<f64>() / n;
            let max = results.iter().map(|r| r[i].percent).fold(0.0, f64::max);
            let passed = results.iter().filter(|r| r[i].pass).count() as f64;
            Row {
                strategy,
                label: strategy.label(),
                mean_percent: mean,
                max_percent: max,
                pass_share: passed / n,
            }
        })
        .collect()
}

fn answer_paper(paper: &Paper, surfaces: &HashMap<&str, Surface>, seed: &str) -> [Vec<Answer>; 4] {
    let id = &paper.paper_id;
    let mut knows = stream(seed, id, "knows");
    let mut random = stream(seed, id, "random");
    let mut wise = stream(seed, id, "test-wise");
    let mut half_cues = stream(seed, id, "half-knower-cues");
    let mut half_random = stream(seed, id, "half-knower-random");
    let mut out: [Vec<Answer>; 4] = Default::default();
    for q in &paper.content.questions {
        let s = &surfaces[q.id.as_str()];
        let known = knows.below(2) == 0;
        out[0].push(guess_random(q, &mut random));
        out[1].push(guess_testwise(q, s, &mut wise));
        out[2].push(if known {
            key_answer(q)
        } else {
            guess_testwise(q, s, &mut half_cues)
        });
        out[3].push(if known {
            key_answer(q)
        } else {
            guess_random(q, &mut half_random)
        });
    }
    out
}

fn key_answer(q: &PaperQuestion) -> Answer {
    match &q.answer {
        Key::TrueFalse(b) => Answer::TrueFalse(*b),
        Key::Letters(_) => Answer::Letters(q.answer.indices().iter().map(|&i| i as u8).collect()),
    }
}

fn guess_random(q: &PaperQuestion, rng: &mut DrawRng) -> Answer {
    let n = q.options.len() as u32;
    match q.kind {
        QuestionType::TrueFalse => Answer::TrueFalse(rng.below(2) == 0),
        QuestionType::Single => Answer::Letters(vec![rng.below(n) as u8]),
        QuestionType::Multiple => {
            let mut marked: Vec<u8> = (0..n)
                .filter(|_| rng.below(2) == 0)
                .map(|i| i as u8)
                .collect();
            if marked.is_empty() {
                marked.push(rng.below(n) as u8);
            }
            Answer::Letters(marked)
        }
    }
}

/// The bank index of each printed option.
fn bank_index(q: &PaperQuestion, printed: usize) -> usize {
    q.original_letter(printed)
        .map_or(printed, |c| usize::from(c as u8 - b'A'))
}

fn guess_testwise(q: &PaperQuestion, s: &Surface, rng: &mut DrawRng) -> Answer {
    let n = q.options.len();
    let feature = |printed: usize| bank_index(q, printed);
    match q.kind {
        QuestionType::TrueFalse => Answer::TrueFalse(!s.false_cue),
        QuestionType::Single => {
            if let Some(p) = (0..n).find(|&p| s.all_above[feature(p)]) {
                return Answer::Letters(vec![p as u8]);
            }
            let mut candidates: Vec<usize> = (0..n).filter(|&p| !s.absolute[feature(p)]).collect();
            if candidates.is_empty() {
                candidates = (0..n).collect();
            }
            let longest = candidates
                .iter()
                .map(|&p| s.lengths[feature(p)])
                .max()
                .unwrap_or(0);
            let tied: Vec<usize> = candidates
                .into_iter()
                .filter(|&p| s.lengths[feature(p)] == longest)
                .collect();
            let pick = tied[rng.below(tied.len() as u32) as usize];
            Answer::Letters(vec![pick as u8])
        }
        QuestionType::Multiple => {
            let mut marked: Vec<usize> = (0..n)
                .filter(|&p| !s.absolute[feature(p)] && !s.none_above[feature(p)])
                .collect();
            let by_length = |p: &usize| s.lengths[feature(*p)];
            if marked.len() == n && n >= 3 {
                // Keys are rarely all the options: leave out the shortest.
                let shortest = *marked.iter().min_by_key(|p| by_length(p)).unwrap_or(&0);
                marked.retain(|&p| p != shortest);
            }
            if marked.len() < 2 {
                let mut all: Vec<usize> = (0..n).collect();
                all.sort_by_key(|p| std::cmp::Reverse(by_length(p)));
                marked = all.into_iter().take(2.min(n)).collect();
            }
            marked.sort_unstable();
            Answer::Letters(marked.into_iter().map(|p| p as u8).collect())
        }
    }
}
