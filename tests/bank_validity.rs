//! The shipped bank measures knowledge, not test-wiseness: the figures
//! issue 15 set are held here, so a later edit cannot quietly bring the
//! cues back — and every fact can be found in the seed page it cites.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use certexam::audit::{self, simulate::simulate};
use certexam::bank::{self, Answer, Bank, QuestionType};
use serde_json::Value;

mod support;
use support::root;

fn shipped() -> Bank {
    let loaded = bank::load(&root().join("question_bank"));
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    loaded.bank.unwrap()
}

/// The seed pages: `$CERTEXAM_SEEDS`, or `../shared/seeds` beside the clone
/// (where CI and every developer have them). Missing seeds fail the test:
/// without them no fact can be checked.
fn seeds_dir() -> PathBuf {
    let dir = std::env::var_os("CERTEXAM_SEEDS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/seeds"));
    assert!(
        dir.is_dir(),
        "the seed pages are needed to check the bank's sources: put them at {} or set CERTEXAM_SEEDS",
        dir.display()
    );
    dir
}

#[test]
fn every_source_names_its_seed_and_a_phrase_found_there_verbatim() {
    let seeds = seeds_dir();
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    let mut problems = Vec::new();
    for q in &shipped().questions {
        let Some(source) = &q.source else {
            problems.push(format!("{}: no source", q.id));
            continue;
        };
        let Some((file, phrase)) = source.split_once(" | ") else {
            problems.push(format!("{}: source \"{source}\" has no ` | phrase`", q.id));
            continue;
        };
        let name = file.trim().trim_start_matches("seeds/");
        let text = texts
            .entry(name.to_string())
            .or_insert_with(|| fs::read_to_string(seeds.join(name)).unwrap_or_default());
        let chars = phrase.chars().count();
        if !(4..=30).contains(&chars) {
            problems.push(format!("{}: phrase of {chars} characters", q.id));
        }
        if text.is_empty() {
            problems.push(format!("{}: no seed {name}", q.id));
        } else if !text.contains(phrase) {
            problems.push(format!("{}: 「{phrase}」 is not in {name}", q.id));
        }
        if q.explanation
            .as_deref()
            .is_none_or(|e| e.chars().count() < 15)
        {
            problems.push(format!("{}: no real explanation", q.id));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_shipped_bank_has_no_test_wise_cues() {
    let bank = shipped();
    let report = audit::audit(&bank);
    let f = &report.figures;
    assert!(
        f.length_cue.share <= 0.30,
        "the key is the strictly longest option in {:.0} % of single-choice questions",
        f.length_cue.share * 100.0
    );
    assert!(
        (0.45..=0.55).contains(&f.tf_balance.share_true),
        "true share {}",
        f.tf_balance.share_true
    );
    assert!(f.tf_cue_word.words.is_empty(), "{:?}", f.tf_cue_word.words);
    assert!(
        f.multiple_count.largest_share <= 0.50,
        "{:?}",
        f.multiple_count.counts
    );
    assert!(!f.key_position.flagged, "{:?}", f.key_position.observed);
    let all_keys = bank
        .questions
        .iter()
        .filter(|q| matches!(&q.answer, Answer::Choice(k) if q.kind == QuestionType::Multiple && k.len() == q.options.len()))
        .count();
    assert_eq!(all_keys, 0);
    let open: Vec<String> = report
        .open()
        .map(|f| format!("{} {}", f.code, f.question))
        .collect();
    assert!(open.is_empty(), "open findings: {open:?}");
    assert!(report.silenced() <= 10, "{} silenced", report.silenced());
}

#[test]
fn on_the_example_exam_cues_do_not_pass_a_half_knower() {
    let bank = shipped();
    let (bp, diags) =
        certexam::blueprint::load(&root().join("examples/blueprint.toml"), &bank.categories);
    let bp = bp.unwrap_or_else(|| panic!("{diags:?}"));
    let sim = simulate(&bank, &bp, 200, "certexam-audit").unwrap();
    let (random, wise, half_cues) = (&sim.table[0], &sim.table[1], &sim.table[2]);
    assert!(
        wise.mean_percent <= random.mean_percent + 10.0,
        "test-wise {:.1} % against random {:.1} %",
        wise.mean_percent,
        random.mean_percent
    );
    assert!(
        half_cues.pass_share <= 0.02,
        "the half-knower with cues passes {:.1} % of 200 papers",
        half_cues.pass_share * 100.0
    );
}

#[test]
fn bank_audit_strict_passes_on_the_shipped_bank_and_example_exam() {
    let out = support::certexam()
        .args([
            "bank",
            "audit",
            "question_bank",
            "--blueprint",
            "examples/blueprint.toml",
            "--strict",
            "--json",
        ])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{json:#}");
    assert_eq!(json["strict_ok"], true);
    assert_eq!(json["simulation"]["testwise_pass"], false);
}
