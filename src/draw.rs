//! Drawing papers: (bank, blueprint, holders, seed) → papers. Pure and the
//! only user of the seeded generator, so the same inputs give the same
//! papers on every machine, today and years from now. The steps, and the
//! order in which they consume randomness, are documented in the README
//! ("The drawing algorithm", v1 and v2) and pinned by golden tests. v1 and
//! v2 share the taking of questions from a pool (`take`) and everything
//! after the questions are chosen; v2's difficulty strata and seeded
//! retries are in `draw/v2.rs`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use crate::bank::{Answer, Bank, Question, QuestionType, letter, letters};
use crate::blueprint::Blueprint;
use crate::paper::{
    self, Candidate, CategoryTitle, DrawInfo, Exam, Key, Paper, PaperContent, PaperQuestion,
    PassRule, Section,
};
use crate::rng::{Algorithm, DrawRng, derive_seed};

mod v2;
pub use v2::{MAX_ATTEMPTS, Profile, StratumPlan, profile};

/// Who a paper is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Holder {
    Candidate(Candidate),
    /// An anonymous form: `A`, `B`, …
    Form(String),
}

impl Holder {
    /// The holder part of the seed derivation.
    pub fn seed_label(&self) -> String {
        match self {
            Holder::Candidate(c) => format!("candidate:{}", c.id),
            Holder::Form(f) => format!("form:{f}"),
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Holder::Candidate(c) => &c.id,
            Holder::Form(f) => f,
        }
    }
}

/// Form letters as spreadsheets name columns: A … Z, AA, AB, …
pub fn form_letters(count: usize) -> Vec<String> {
    (0..count)
        .map(|mut n| {
            let mut name = Vec::new();
            loop {
                name.push(letter(n % 26));
                if n < 26 {
                    break;
                }
                n = n / 26 - 1;
            }
            name.iter().rev().collect()
        })
        .collect()
}

/// A section and category the bank cannot fill for some paper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shortage {
    pub section: String,
    pub category: String,
    pub kind: QuestionType,
    pub difficulty: (u8, u8),
    pub needed: usize,
    /// Bank questions of this type, category and difficulty range.
    pub in_bank: usize,
    /// Of those, taken by earlier sections of the same paper.
    pub used_earlier: usize,
    /// Of those, left out because another question of their group was already on the paper.
    pub blocked_by_group: usize,
    /// The first paper it happened on.
    pub holder: String,
    /// v2: the difficulty stratum that is short (`needed` and `in_bank` are
    /// then that stratum's), when the category as a whole is not.
    pub stratum: Option<StratumShortage>,
}

/// Which part of a category's v2 difficulty profile cannot be filled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StratumShortage {
    /// The difficulty level of the short stratum.
    pub level: u8,
    /// Levels are calibrated ones (from the blueprint's `calibration`).
    pub calibrated: bool,
    /// The count the blueprint asks for in this section and category.
    pub asked: usize,
    /// Questions per level on every paper, levels ascending (0s left out).
    pub profile: Vec<(u8, usize)>,
}

impl fmt::Display for Shortage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(stratum) = &self.stratum {
            return self.fmt_stratum(stratum, f);
        }
        write!(
            f,
            "section \"{}\" asks for {} {} questions of category `{}` with difficulty {}–{}; the bank has {}",
            self.section,
            self.needed,
            self.kind,
            self.category,
            self.difficulty.0,
            self.difficulty.1,
            self.in_bank
        )?;
        self.fmt_reasons(f)?;
        Ok(())
    }
}

impl Shortage {
    /// Why fewer questions were available than the bank holds.
    fn fmt_reasons(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.used_earlier > 0 {
            write!(
                f,
                ", {} of them already used by an earlier section",
                self.used_earlier
            )?;
        }
        if self.blocked_by_group > 0 {
            write!(
                f,
                ", {} left out because a question of the same group was already drawn (first on paper {})",
                self.blocked_by_group, self.holder
            )?;
        }
        Ok(())
    }

    /// What makes two shortages the same problem (reported once).
    fn key(&self) -> (&str, &str, Option<u8>) {
        (
            &self.section,
            &self.category,
            self.stratum.as_ref().map(|s| s.level),
        )
    }

    fn fmt_stratum(&self, st: &StratumShortage, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = if st.calibrated {
            "calibrated difficulty"
        } else {
            "difficulty"
        };
        let parts: Vec<String> = st
            .profile
            .iter()
            .map(|(l, n)| format!("{n} of {level} {l}"))
            .collect();
        write!(
            f,
            "section \"{}\" asks for {} {} questions of category `{}` with difficulty {}–{}, which draw v2 takes as {} on every paper; of {level} {} the bank has {}",
            self.section,
            st.asked,
            self.kind,
            self.category,
            self.difficulty.0,
            self.difficulty.1,
            parts.join(", "),
            st.level,
            self.in_bank
        )?;
        self.fmt_reasons(f)?;
        if self.used_earlier == 0 && self.blocked_by_group == 0 {
            write!(f, ", fewer than the {} needed", self.needed)?;
        }
        Ok(())
    }
}

/// A candidate who had to get questions seen before, because the bank had
/// too few unseen ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repeat {
    pub candidate: String,
    pub section: String,
    pub category: String,
    pub repeated: usize,
}

/// The result of a draw.
#[derive(Clone, Debug)]
pub struct Drawn {
    pub papers: Vec<Paper>,
    pub repeats: Vec<Repeat>,
}

/// What to draw.
#[derive(Debug)]
pub struct DrawRequest<'a> {
    pub bank: &'a Bank,
    pub blueprint: &'a Blueprint,
    pub holders: &'a [Holder],
    pub master_seed: &'a str,
    /// Bank ids each candidate has already seen (from `--avoid`).
    pub seen: &'a HashMap<String, HashSet<String>>,
}

/// Draws one paper per holder, or says what the bank cannot satisfy.
pub fn draw(request: &DrawRequest<'_>) -> Result<Drawn, Vec<Shortage>> {
    let exam = exam_of(request.bank, request.blueprint);
    let pools = Pools::new(request.bank, request.blueprint);
    let plan =
        (request.blueprint.draw == Algorithm::V2).then(|| v2::Plan::new(request.blueprint, &pools));
    // Digests are the same for every paper: computed once, not per paper.
    let digests = Digests {
        bank: request.bank.digest(),
        questions: request
            .bank
            .questions
            .iter()
            .map(|q| (q.id.as_str(), q.digest()))
            .collect(),
    };
    let no_seen = HashSet::new();
    // Each paper depends only on its holder, so papers are drawn in parallel;
    // results keep roster order.
    let results = crate::parallel::map(request.holders, |holder| {
        let seen = request.seen.get(holder.id()).unwrap_or(&no_seen);
        draw_one(
            request,
            &exam,
            &pools,
            plan.as_ref(),
            &digests,
            holder,
            seen,
        )
    });
    let mut papers = Vec::with_capacity(request.holders.len());
    let mut repeats = Vec::new();
    let mut shortages: Vec<Shortage> = Vec::new();
    for result in results {
        match result {
            Ok((paper, mut r)) => {
                papers.push(paper);
                repeats.append(&mut r);
            }
            Err(s) => {
                for s in s {
                    if !shortages.iter().any(|o| o.key() == s.key()) {
                        shortages.push(s);
                    }
                }
            }
        }
    }
    if shortages.is_empty() {
        Ok(Drawn { papers, repeats })
    } else {
        Err(shortages)
    }
}

/// The exam part of every manifest, from the blueprint.
fn exam_of(bank: &Bank, bp: &Blueprint) -> Exam {
    let mut number = 0;
    let sections = bp
        .sections
        .iter()
        .map(|s| {
            let first = number + 1;
            number += s.question_count();
            Section {
                title: s.title.clone(),
                kind: s.kind,
                points: s.points,
                scoring: s.scoring,
                penalty: s.penalty,
                first,
                last: number,
            }
        })
        .collect();
    let categories = bp
        .sections
        .iter()
        .flat_map(|s| s.counts.iter().map(|(c, _)| c))
        .filter_map(|c| bank.category(c))
        .map(|c| {
            (
                c.id.clone(),
                CategoryTitle {
                    title: c.title.clone(),
                    title_en: c.title_en.clone(),
                },
            )
        })
        .collect();
    Exam {
        id: bp.id.clone(),
        title: bp.title.clone(),
        lang: bp.lang.clone(),
        duration_minutes: bp.duration_minutes,
        instructions: bp.instructions.clone(),
        date: bp.date.clone(),
        valid_months: bp.valid_months,
        pass: PassRule {
            percent: bp.pass_percent,
            categories: bp.gates.clone(),
        },
        sections,
        categories,
    }
}

/// For each section and category, the matching bank questions sorted by id.
struct Pools<'b> {
    by_section: Vec<Vec<Vec<&'b Question>>>,
}

impl<'b> Pools<'b> {
    fn new(bank: &'b Bank, bp: &Blueprint) -> Self {
        let by_section = bp
            .sections
            .iter()
            .map(|s| {
                s.counts
                    .iter()
                    .map(|(category, _)| {
                        bank.questions
                            .iter()
                            .filter(|q| {
                                q.kind == s.kind
                                    && &q.category == category
                                    && (s.difficulty.0..=s.difficulty.1).contains(&q.difficulty)
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        Self { by_section }
    }
}

type OnePaper = (Paper, Vec<Repeat>);

/// The bank's digest and every question's, computed once per draw.
struct Digests<'b> {
    bank: String,
    questions: HashMap<&'b str, String>,
}

/// What is already on the paper being drawn.
#[derive(Default)]
struct OnPaper<'b> {
    ids: HashSet<&'b str>,
    groups: HashSet<&'b str>,
}

/// How taking questions from one pool went.
struct Taken {
    picked: usize,
    blocked: usize,
    repeated: usize,
    /// Questions of the pool not already on the paper.
    available: usize,
}

/// Step 5 of the README's algorithm for one pool (v1: a section and
/// category; v2: one difficulty stratum of it): leave out what is on the
/// paper, shuffle the fresh questions, then the seen ones, and walk them,
/// skipping any whose group is on the paper, until `needed` are taken.
fn take<'b>(
    pool: &[&'b Question],
    needed: usize,
    seen: &HashSet<String>,
    on_paper: &mut OnPaper<'b>,
    rng: &mut DrawRng,
    out: &mut Vec<&'b Question>,
) -> Taken {
    let available: Vec<&Question> = pool
        .iter()
        .copied()
        .filter(|q| !on_paper.ids.contains(q.id.as_str()))
        .collect();
    let (mut fresh, mut old): (Vec<&Question>, Vec<&Question>) =
        available.iter().partition(|q| !seen.contains(&q.id));
    rng.shuffle(&mut fresh);
    rng.shuffle(&mut old);
    let mut taken = Taken {
        picked: 0,
        blocked: 0,
        repeated: 0,
        available: available.len(),
    };
    for (q, is_old) in fresh
        .iter()
        .map(|q| (q, false))
        .chain(old.iter().map(|q| (q, true)))
    {
        if taken.picked == needed {
            break;
        }
        if let Some(g) = &q.group
            && on_paper.groups.contains(g.as_str())
        {
            taken.blocked += 1;
            continue;
        }
        taken.picked += 1;
        taken.repeated += usize::from(is_old);
        on_paper.ids.insert(&q.id);
        if let Some(g) = &q.group {
            on_paper.groups.insert(g);
        }
        out.push(q);
    }
    taken
}

/// The questions of one paper, each with its section number, in printed
/// order; and who had to see questions again.
struct Selection<'b> {
    printed: Vec<(u32, &'b Question)>,
    repeats: Vec<Repeat>,
}

/// Takes every section's questions (v1, or v2 with its plan) and orders
/// each section; the questions are not yet numbered and their options not
/// yet shuffled.
fn select<'b>(
    bp: &Blueprint,
    pools: &Pools<'b>,
    plan: Option<&v2::Plan<'b>>,
    holder: &Holder,
    seen: &HashSet<String>,
    rng: &mut DrawRng,
) -> Result<Selection<'b>, Vec<Shortage>> {
    let mut on_paper = OnPaper::default();
    let mut shortages = Vec::new();
    let mut repeats = Vec::new();
    let mut printed: Vec<(u32, &Question)> = Vec::new();

    for (s_index, section) in bp.sections.iter().enumerate() {
        let mut section_questions: Vec<&Question> = Vec::new();
        for (c_index, (category, count)) in section.counts.iter().enumerate() {
            let matching = &pools.by_section[s_index][c_index];
            let needed = *count as usize;
            let shortage = |taken: &Taken, needed: usize, in_bank: usize| Shortage {
                section: section.title.clone(),
                category: category.clone(),
                kind: section.kind,
                difficulty: section.difficulty,
                needed,
                in_bank,
                used_earlier: in_bank - taken.available,
                blocked_by_group: taken.blocked,
                holder: holder.id().to_string(),
                stratum: None,
            };
            let strata = plan.map(|p| &p.categories[s_index][c_index]);
            let repeated = match strata {
                // v1, and v2 where the category's pool is smaller than its
                // count (no strata can be formed): one pool.
                None | Some(v2::CategoryPlan::TooSmall) => {
                    let taken = take(
                        matching,
                        needed,
                        seen,
                        &mut on_paper,
                        rng,
                        &mut section_questions,
                    );
                    if taken.picked < needed {
                        shortages.push(shortage(&taken, needed, matching.len()));
                    }
                    taken.repeated
                }
                Some(v2::CategoryPlan::Strata(strata)) => {
                    let mut repeated = 0;
                    for stratum in strata.iter().filter(|s| s.quota > 0) {
                        let taken = take(
                            &stratum.questions,
                            stratum.quota,
                            seen,
                            &mut on_paper,
                            rng,
                            &mut section_questions,
                        );
                        repeated += taken.repeated;
                        if taken.picked < stratum.quota {
                            let mut s = shortage(&taken, stratum.quota, stratum.questions.len());
                            s.stratum = Some(StratumShortage {
                                level: stratum.level,
                                calibrated: plan.is_some_and(|p| p.calibrated),
                                asked: needed,
                                profile: strata
                                    .iter()
                                    .filter(|s| s.quota > 0)
                                    .map(|s| (s.level, s.quota))
                                    .collect(),
                            });
                            shortages.push(s);
                        }
                    }
                    repeated
                }
            };
            if repeated > 0 {
                repeats.push(Repeat {
                    candidate: holder.id().to_string(),
                    section: section.title.clone(),
                    category: category.clone(),
                    repeated,
                });
            }
        }
        if bp.shuffle_questions {
            rng.shuffle(&mut section_questions);
        } else {
            let order: HashMap<&str, usize> = section
                .counts
                .iter()
                .enumerate()
                .map(|(i, (c, _))| (c.as_str(), i))
                .collect();
            section_questions.sort_by(|a, b| {
                (order[a.category.as_str()], &a.id).cmp(&(order[b.category.as_str()], &b.id))
            });
        }
        let section_number = u32::try_from(s_index + 1).expect("few sections");
        printed.extend(section_questions.into_iter().map(|q| (section_number, q)));
    }
    if shortages.is_empty() {
        Ok(Selection { printed, repeats })
    } else {
        Err(shortages)
    }
}

fn draw_one(
    request: &DrawRequest<'_>,
    exam: &Exam,
    pools: &Pools<'_>,
    plan: Option<&v2::Plan<'_>>,
    digests: &Digests<'_>,
    holder: &Holder,
    seen: &HashSet<String>,
) -> Result<OnePaper, Vec<Shortage>> {
    let bp = request.blueprint;
    let (seed, attempt, mut rng, selection) = match plan {
        None => {
            let seed = derive_seed(request.master_seed, &bp.id, &holder.seed_label());
            let mut rng = DrawRng::new(seed);
            let selection = select(bp, pools, None, holder, seen, &mut rng)?;
            (seed, None, rng, selection)
        }
        Some(plan) => {
            let a = plan.draw(bp, pools, request.master_seed, holder, seen)?;
            (a.seed, Some(a.attempt), a.rng, a.selection)
        }
    };
    let Selection { printed, repeats } = selection;

    let questions = printed
        .into_iter()
        .enumerate()
        .map(|(i, (section, q))| {
            let number = u32::try_from(i + 1).expect("fewer than 2^32 questions");
            let digest = digests.questions[q.id.as_str()].clone();
            place_question(q, digest, number, section, bp.shuffle_options, &mut rng)
        })
        .collect();
    let (candidate, form) = match holder {
        Holder::Candidate(c) => (Some(c.clone()), None),
        Holder::Form(f) => (None, Some(f.clone())),
    };
    let content = PaperContent {
        format: paper::FORMAT.to_string(),
        exam: exam.clone(),
        candidate,
        form,
        draw: DrawInfo {
            algorithm: bp.draw.name().to_string(),
            master_seed: request.master_seed.to_string(),
            seed: hex::encode(seed),
            bank_name: request.bank.name.clone(),
            bank_version: request.bank.version.clone(),
            bank_digest: digests.bank.clone(),
            attempt,
            calibration_sha256: plan.and(bp.calibration.as_ref()).map(|c| c.sha256.clone()),
        },
        questions,
    };
    Ok((Paper::new(content), repeats))
}

/// A question as printed: options shuffled (unless kept in order) and the
/// key rewritten in printed letters.
fn place_question(
    q: &Question,
    digest: String,
    number: u32,
    section: u32,
    shuffle: bool,
    rng: &mut DrawRng,
) -> PaperQuestion {
    let mut order: Vec<usize> = (0..q.options.len()).collect();
    if shuffle && !q.fixed_order && q.kind != QuestionType::TrueFalse {
        rng.shuffle(&mut order);
    }
    let answer = match &q.answer {
        Answer::TrueFalse(b) => Key::TrueFalse(*b),
        Answer::Choice(correct) => {
            let printed: Vec<usize> = (0..order.len())
                .filter(|p| correct.contains(&order[*p]))
                .collect();
            Key::Letters(letters(&printed))
        }
    };
    PaperQuestion {
        number,
        section,
        id: q.id.clone(),
        digest,
        kind: q.kind,
        category: q.category.clone(),
        difficulty: q.difficulty,
        stem: q.stem.clone(),
        options: order.iter().map(|&i| q.options[i].clone()).collect(),
        answer,
        original: letters(&order),
        explanation: q.explanation.clone(),
    }
}

/// Bank ids seen per candidate, from earlier papers (for `--avoid`).
pub fn seen_by_candidate<'a>(
    papers: impl IntoIterator<Item = &'a Paper>,
) -> HashMap<String, HashSet<String>> {
    let mut seen: HashMap<String, HashSet<String>> = HashMap::new();
    for p in papers {
        if let Some(c) = &p.content.candidate {
            seen.entry(c.id.clone())
                .or_default()
                .extend(p.content.questions.iter().map(|q| q.id.clone()));
        }
    }
    seen
}

/// Counts of questions per (section, category) on a paper, for checks.
pub fn composition(paper: &Paper) -> BTreeMap<(u32, String), usize> {
    let mut counts = BTreeMap::new();
    for q in &paper.content.questions {
        *counts.entry((q.section, q.category.clone())).or_default() += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_named_like_spreadsheet_columns() {
        let names = form_letters(28);
        assert_eq!(names[0], "A");
        assert_eq!(names[25], "Z");
        assert_eq!(names[26], "AA");
        assert_eq!(names[27], "AB");
    }
}
