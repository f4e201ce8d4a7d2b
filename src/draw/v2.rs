//! Drawing algorithm v2 (`certexam-draw-v2`): parallel papers. Within each
//! section and category the pool is split into difficulty strata and every
//! paper takes the same number from each stratum (a fixed difficulty
//! profile, in proportion to the pool); then the paper's expected percent
//! for a middle-ability candidate is checked against the profile's target
//! and the paper is drawn again, from the next seeded attempt, while it is
//! too far off. The README ("The drawing algorithm (certexam-draw-v2)")
//! gives every step precisely enough to re-implement it.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;

use super::{Holder, Pools, Selection, Shortage, select};
use crate::bank::{Bank, Question};
use crate::blueprint::Blueprint;
use crate::fairness::{Ability, Model, p_correct};
use crate::rng::{DrawRng, derive_seed_v2};

/// Attempts per paper before the closest one is kept. With the default
/// tolerance and a calibrated bank about a third of attempts are within it,
/// so 50 attempts practically never run out; without calibration the first
/// attempt always is.
pub const MAX_ATTEMPTS: u32 = 50;

/// What v2 takes from each section and category, computed once per draw.
#[derive(Debug)]
pub(super) struct Plan<'b> {
    /// Per section, per category in the blueprint's order.
    pub(super) categories: Vec<Vec<CategoryPlan<'b>>>,
    /// Strata are by calibrated level (the blueprint names a calibration).
    pub(super) calibrated: bool,
    /// Some section and category has a pool smaller than its count.
    too_small: bool,
    /// Chance of a middle-ability candidate, per pool question.
    p: HashMap<&'b str, f64>,
    /// Points per question, per section.
    points: Vec<f64>,
    /// The paper's maximum: Σ over sections of points × count.
    total: f64,
    /// Expected percent, middle ability, implied by the profile.
    target: f64,
    tolerance: f64,
}

/// A section and category under v2.
#[derive(Debug)]
pub(super) enum CategoryPlan<'b> {
    /// The pool is smaller than the count: reported as v1 reports it.
    TooSmall,
    /// Levels ascending, every level present in the pool.
    Strata(Vec<Stratum<'b>>),
}

/// The pool questions of one difficulty level, and how many of them every
/// paper takes.
#[derive(Debug)]
pub(super) struct Stratum<'b> {
    pub(super) level: u8,
    /// Sorted by id.
    pub(super) questions: Vec<&'b Question>,
    pub(super) quota: usize,
}

/// One accepted attempt at a paper.
pub(super) struct Attempt<'b> {
    pub(super) seed: [u8; 32],
    pub(super) attempt: u32,
    /// The attempt's generator, to go on with the options' shuffles.
    pub(super) rng: DrawRng,
    pub(super) selection: Selection<'b>,
}

/// Largest remainder: `n` split over strata of the given sizes in
/// proportion to them. Each stratum first gets `floor(n × size / total)`;
/// the questions left over go one each to the strata with the largest
/// remainders `n × size mod total`, ties to the lower level (the earlier
/// stratum). Integer arithmetic, so every implementation agrees.
pub(super) fn quotas(sizes: &[usize], n: usize) -> Vec<usize> {
    let total: usize = sizes.iter().sum();
    if total == 0 {
        return vec![0; sizes.len()];
    }
    let mut quotas: Vec<usize> = sizes.iter().map(|s| n * s / total).collect();
    let left = n - quotas.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| (Reverse(n * sizes[i] % total), i));
    for &i in order.iter().take(left) {
        quotas[i] += 1;
    }
    quotas
}

impl<'b> Plan<'b> {
    pub(super) fn new(bp: &Blueprint, pools: &Pools<'b>) -> Self {
        let model = Model::new(bp.calibration.as_ref());
        let middle = Ability::Middle.theta();
        let mut p = HashMap::new();
        let categories: Vec<Vec<CategoryPlan<'b>>> = bp
            .sections
            .iter()
            .enumerate()
            .map(|(s_index, section)| {
                section
                    .counts
                    .iter()
                    .enumerate()
                    .map(|(c_index, (_, count))| {
                        let pool = &pools.by_section[s_index][c_index];
                        for q in pool {
                            p.entry(q.id.as_str()).or_insert_with(|| {
                                p_correct(model.logit(&q.id, q.difficulty), middle)
                            });
                        }
                        let needed = *count as usize;
                        if pool.len() < needed {
                            return CategoryPlan::TooSmall;
                        }
                        let mut by_level: BTreeMap<u8, Vec<&Question>> = BTreeMap::new();
                        for q in pool {
                            by_level
                                .entry(model.level(&q.id, q.difficulty))
                                .or_default()
                                .push(q);
                        }
                        let sizes: Vec<usize> = by_level.values().map(Vec::len).collect();
                        let quotas = quotas(&sizes, needed);
                        CategoryPlan::Strata(
                            by_level
                                .into_iter()
                                .zip(quotas)
                                .map(|((level, questions), quota)| Stratum {
                                    level,
                                    questions,
                                    quota,
                                })
                                .collect(),
                        )
                    })
                    .collect()
            })
            .collect();
        let points: Vec<f64> = bp.sections.iter().map(|s| s.points).collect();
        let too_small = categories
            .iter()
            .flatten()
            .any(|c| matches!(c, CategoryPlan::TooSmall));
        let mut plan = Plan {
            categories,
            calibrated: bp.calibration.is_some(),
            too_small,
            p,
            points,
            total: 0.0,
            target: 0.0,
            tolerance: bp.draw_tolerance,
        };
        for section in &bp.sections {
            plan.total += section.points * f64::from(section.question_count());
        }
        let mut sum = 0.0;
        for (s_index, section) in plan.categories.iter().enumerate() {
            for category in section {
                let CategoryPlan::Strata(strata) = category else {
                    continue;
                };
                for stratum in strata.iter().filter(|s| s.quota > 0) {
                    let mut p_sum = 0.0;
                    for q in &stratum.questions {
                        p_sum += plan.p[q.id.as_str()];
                    }
                    let mean = p_sum / stratum.questions.len() as f64;
                    sum += plan.points[s_index] * stratum.quota as f64 * mean;
                }
            }
        }
        plan.target = 100.0 * sum / plan.total;
        plan
    }

    /// Expected percent of a middle-ability candidate on the questions
    /// taken: `100 × Σ points × p / total`, summed in printed order.
    fn expected(&self, selection: &Selection<'_>) -> f64 {
        let mut sum = 0.0;
        for (section, q) in &selection.printed {
            sum += self.points[*section as usize - 1] * self.p[q.id.as_str()];
        }
        100.0 * sum / self.total
    }

    /// Attempts 0, 1, … at one paper until one is filled and within the
    /// tolerance of the target; after [`MAX_ATTEMPTS`] the filled attempt
    /// closest to the target (the earliest of equally close ones). Only if
    /// no attempt could be filled, the first attempt's shortages.
    pub(super) fn draw(
        &self,
        bp: &Blueprint,
        pools: &Pools<'b>,
        master_seed: &str,
        holder: &Holder,
        seen: &HashSet<String>,
    ) -> Result<Attempt<'b>, Vec<Shortage>> {
        let label = holder.seed_label();
        let mut best: Option<(f64, Attempt<'b>)> = None;
        let mut first_failure = None;
        for attempt in 0..MAX_ATTEMPTS {
            let seed = derive_seed_v2(master_seed, &bp.id, &label, attempt);
            let mut rng = DrawRng::new(seed);
            match select(bp, pools, Some(self), holder, seen, &mut rng) {
                Ok(selection) => {
                    let off = (self.expected(&selection) - self.target).abs();
                    if best.as_ref().is_none_or(|(closest, _)| off < *closest) {
                        best = Some((
                            off,
                            Attempt {
                                seed,
                                attempt,
                                rng,
                                selection,
                            },
                        ));
                    }
                    if off <= self.tolerance {
                        break;
                    }
                }
                Err(shortages) => {
                    first_failure.get_or_insert(shortages);
                    // A pool smaller than its count fails every attempt.
                    if self.too_small {
                        break;
                    }
                }
            }
        }
        match best {
            Some((_, attempt)) => Ok(attempt),
            None => Err(first_failure.expect("MAX_ATTEMPTS is above 0")),
        }
    }
}

/// The difficulty profile v2 gives every paper of a blueprint.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Profile {
    pub strata: Vec<StratumPlan>,
    /// Expected percent of a middle-ability candidate implied by the
    /// profile: what every paper is checked against.
    pub target_percent: f64,
    /// How far a paper may be from the target (`draw_tolerance`).
    pub tolerance: f64,
    /// Strata are calibrated levels (the blueprint names a calibration).
    pub calibrated: bool,
    /// Pool questions that no paper can get: their level's share rounds to
    /// 0 (in every pool they are in). Sorted by id.
    pub never_drawn: Vec<String>,
}

/// One stratum of a section and category.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StratumPlan {
    pub section: String,
    pub category: String,
    /// Difficulty level (calibrated level when calibrated).
    pub level: u8,
    /// Questions of the pool at this level.
    pub in_pool: usize,
    /// Of those, how many every paper takes.
    pub per_paper: usize,
    /// Of the pool's questions at this level, how many got their level from
    /// calibration.
    pub calibrated: usize,
}

/// The v2 difficulty profile of a blueprint on a bank (whichever `draw` the
/// blueprint names). Sections and categories whose pool is smaller than the
/// count have no strata.
pub fn profile(bank: &Bank, bp: &Blueprint) -> Profile {
    let pools = Pools::new(bank, bp);
    let plan = Plan::new(bp, &pools);
    let model = Model::new(bp.calibration.as_ref());
    let mut strata = Vec::new();
    let mut drawn: HashSet<&str> = HashSet::new();
    let mut undrawn: BTreeSet<&str> = BTreeSet::new();
    for (section, categories) in bp.sections.iter().zip(&plan.categories) {
        for ((category, _), c) in section.counts.iter().zip(categories) {
            let CategoryPlan::Strata(list) = c else {
                continue;
            };
            for s in list {
                let ids = s.questions.iter().map(|q| q.id.as_str());
                if s.quota > 0 {
                    drawn.extend(ids);
                } else {
                    undrawn.extend(ids);
                }
            }
            strata.extend(list.iter().map(|s| {
                StratumPlan {
                    section: section.title.clone(),
                    category: category.clone(),
                    level: s.level,
                    in_pool: s.questions.len(),
                    per_paper: s.quota,
                    calibrated: s
                        .questions
                        .iter()
                        .filter(|q| model.calibrated(&q.id).is_some())
                        .count(),
                }
            }));
        }
    }
    Profile {
        strata,
        target_percent: plan.target,
        tolerance: plan.tolerance,
        calibrated: plan.calibrated,
        never_drawn: undrawn
            .into_iter()
            .filter(|id| !drawn.contains(id))
            .map(String::from)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::quotas;

    #[test]
    fn largest_remainder_is_proportional_and_deterministic() {
        // 7 of 44 as 9/15/15/5: floors 1, 2, 2, 0; remainders 19, 17, 17, 35.
        assert_eq!(quotas(&[9, 15, 15, 5], 7), [2, 2, 2, 1]);
        // Equal remainders go to the lower level.
        assert_eq!(quotas(&[1, 1, 1], 1), [1, 0, 0]);
        assert_eq!(quotas(&[1, 1, 1], 2), [1, 1, 0]);
        assert_eq!(quotas(&[3, 6, 9, 1], 2), [0, 1, 1, 0]);
        assert_eq!(quotas(&[4, 4], 8), [4, 4]);
        for (sizes, n) in [(vec![5, 1, 7, 2], 9), (vec![30, 1], 3), (vec![2], 2)] {
            let q = quotas(&sizes, n);
            assert_eq!(q.iter().sum::<usize>(), n);
            assert!(q.iter().zip(&sizes).all(|(q, s)| q <= s));
        }
    }
}
