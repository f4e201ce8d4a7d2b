//! Properties of drawing that must hold for every seed: quotas, groups, no
//! question twice, keys that follow their options, and independence of
//! each paper from the others.

use std::collections::{BTreeMap, HashMap, HashSet};

use certexam::bank::{self, Answer, Bank};
use certexam::blueprint::{self, Blueprint};
use certexam::draw::{self, DrawRequest, Holder};
use certexam::fairness::Model;
use certexam::paper::{Candidate, Key, Paper};
use certexam::rng::Algorithm;
use proptest::prelude::*;

mod support;

/// The fixture blueprints: v1, v2 on difficulty levels, v2 calibrated.
const BLUEPRINTS: [&str; 3] = [
    "draw_blueprint.toml",
    "draw_v2/blueprint.toml",
    "draw_v2/calibrated.toml",
];

fn fixture(blueprint: &str) -> (Bank, Blueprint) {
    let bank = bank::load(&support::fixture("draw_bank")).bank.unwrap();
    let (bp, diags) = blueprint::load(&support::fixture(blueprint), &bank.categories);
    assert!(diags.is_empty(), "{diags:?}");
    (bank, bp.unwrap())
}

/// Questions per (section, category, level as v2 counts it) on a paper.
fn profile(paper: &Paper, model: &Model<'_>) -> BTreeMap<(u32, String, u8), usize> {
    let mut counts = BTreeMap::new();
    for q in &paper.content.questions {
        *counts
            .entry((
                q.section,
                q.category.clone(),
                model.level(&q.id, q.difficulty),
            ))
            .or_default() += 1;
    }
    counts
}

fn candidates(ids: &[String]) -> Vec<Holder> {
    ids.iter()
        .map(|id| {
            Holder::Candidate(Candidate {
                id: id.clone(),
                name: format!("考生{id}"),
                ..Default::default()
            })
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn every_rule_holds_for_any_seed(seed in ".{0,12}", ids in proptest::collection::btree_set("[A-Z][0-9]{1,3}", 1..6), which in 0..BLUEPRINTS.len()) {
        let (bank, bp) = fixture(BLUEPRINTS[which]);
        let ids: Vec<String> = ids.into_iter().collect();
        let holders = candidates(&ids);
        let seen = HashMap::new();
        let drawn = draw::draw(&DrawRequest { bank: &bank, blueprint: &bp, holders: &holders, master_seed: &seed, seen: &seen }).unwrap();
        prop_assert_eq!(drawn.papers.len(), ids.len());
        let model = Model::new(bp.calibration.as_ref());
        let first_profile = profile(&drawn.papers[0], &model);
        for paper in &drawn.papers {
            prop_assert_eq!(&paper.content.draw.algorithm, bp.draw.name());
            if bp.draw == Algorithm::V2 {
                // Parallel papers: the same difficulty profile on every one.
                prop_assert_eq!(&profile(paper, &model), &first_profile);
            }
            let mut used = HashSet::new();
            let mut groups = HashSet::new();
            for (number, q) in paper.content.questions.iter().enumerate() {
                prop_assert_eq!(q.number as usize, number + 1);
                prop_assert!(used.insert(q.id.clone()), "{} twice", q.id);
                let b = bank.question(&q.id).unwrap();
                if let Some(g) = &b.group {
                    prop_assert!(groups.insert(g.clone()), "group {} twice", g);
                }
                let section = &bp.sections[(q.section - 1) as usize];
                prop_assert_eq!(b.kind, section.kind);
                prop_assert!((section.difficulty.0..=section.difficulty.1).contains(&b.difficulty));
                if b.fixed_order {
                    prop_assert_eq!(&q.original, "ABCD");
                }
                if let (Key::Letters(_), Answer::Choice(correct)) = (&q.answer, &b.answer) {
                    let mut back: Vec<usize> = q.answer.indices().iter().map(|&i| usize::from(q.original.as_bytes()[i] - b'A')).collect();
                    back.sort_unstable();
                    prop_assert_eq!(&back, correct);
                }
            }
            let counts = draw::composition(paper);
            for (s, section) in bp.sections.iter().enumerate() {
                for (category, n) in &section.counts {
                    prop_assert_eq!(counts.get(&(s as u32 + 1, category.clone())).copied().unwrap_or(0), *n as usize);
                }
            }
        }
        // A paper depends only on its own holder: drawing one alone gives the same paper.
        let alone = draw::draw(&DrawRequest { bank: &bank, blueprint: &bp, holders: &holders[..1], master_seed: &seed, seen: &seen }).unwrap();
        prop_assert_eq!(&alone.papers[0], &drawn.papers[0]);
    }

    #[test]
    fn unseen_questions_come_first_on_retakes(seed in "[a-z]{1,6}", which in 0..BLUEPRINTS.len()) {
        let (bank, bp) = fixture(BLUEPRINTS[which]);
        let holders = candidates(&["R1".to_string()]);
        let none = HashMap::new();
        let first = draw::draw(&DrawRequest { bank: &bank, blueprint: &bp, holders: &holders, master_seed: &seed, seen: &none }).unwrap();
        let seen = draw::seen_by_candidate(&first.papers);
        let retake = draw::draw(&DrawRequest { bank: &bank, blueprint: &bp, holders: &holders, master_seed: &format!("{seed}-2"), seen: &seen }).unwrap();
        let before: HashSet<&str> = first.papers[0].content.questions.iter().map(|q| q.id.as_str()).collect();
        let repeated = retake.papers[0].content.questions.iter().filter(|q| before.contains(q.id.as_str())).count();
        let reported: usize = retake.repeats.iter().map(|r| r.repeated).sum();
        prop_assert_eq!(repeated, reported, "every repeat is reported");
    }
}
