//! `certexam bank check` / `bank stats` as a trainer meets them, and the
//! digests that pin a bank's content.

use std::fs;
use std::path::{Path, PathBuf};

use certexam::bank::{self, QuestionType};
use proptest::prelude::*;

mod support;
use support::{certexam, copy_dir, root};

#[test]
fn the_shipped_bank_is_clean_and_big_enough() {
    certexam()
        .args(["bank", "check", "question_bank"])
        .assert()
        .success()
        .stderr(predicates::str::contains("no errors, 0 warning(s)"));
    let loaded = bank::load(&root().join("question_bank"));
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let bank = loaded.bank.unwrap();
    assert!(bank.questions.len() >= 240);
    for category in ["security", "rules", "logistics"] {
        let of = |t: QuestionType| {
            bank.questions
                .iter()
                .filter(|q| q.category == category && q.kind == t)
                .count()
        };
        let total = bank
            .questions
            .iter()
            .filter(|q| q.category == category)
            .count();
        assert!(total >= 80, "{category}: {total} questions");
        assert!(of(QuestionType::Single) >= 40, "{category} single");
        assert!(of(QuestionType::Multiple) >= 15, "{category} multiple");
        assert!(of(QuestionType::TrueFalse) >= 20, "{category} truefalse");
        for d in 1..=4 {
            assert!(
                bank.questions
                    .iter()
                    .any(|q| q.category == category && q.difficulty == d),
                "{category} has no difficulty {d}"
            );
        }
    }
    for q in &bank.questions {
        assert!(q.explanation.is_some(), "{} has no explanation", q.id);
        let source = q.source.as_deref().unwrap_or("");
        assert!(source.starts_with("seeds/"), "{} source {source:?}", q.id);
        let seed = source.split_whitespace().next().unwrap();
        // The seed pages live beside the repository in ../shared/seeds.
        let name = seed.trim_start_matches("seeds/");
        assert!(
            name.len() == 24 && name.ends_with(".txt") && name.as_bytes()[3] == b'_',
            "{} names {seed}",
            q.id
        );
        // Missing seeds fail the test (they are beside every clone, CI's too).
        let shared = std::env::var_os("CERTEXAM_SEEDS")
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join("../shared/seeds"));
        assert!(
            shared.is_dir(),
            "the seed pages are needed to check the bank's sources: put them at {} or set CERTEXAM_SEEDS",
            shared.display()
        );
        assert!(
            shared.join(name).is_file(),
            "{} names a missing seed {seed}",
            q.id
        );
        for o in &q.options {
            assert!(!o.contains("以上都") || q.fixed_order, "{}: {o}", q.id);
        }
    }
}

#[test]
fn every_deliberate_mistake_is_reported_at_its_line() {
    let assert = certexam()
        .args(["bank", "check", "tests/fixtures/bad_bank"])
        .assert()
        .code(1);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let m = "tests/fixtures/bad_bank/mistakes.toml";
    let expected = [
        (
            "tests/fixtures/bad_bank/gbk.toml:3:1",
            "the file is not UTF-8 text (first bad byte on line 3)",
        ),
        (
            &format!("{m}:14:8") as &str,
            "unknown question type `singel`",
        ),
        (
            &format!("{m}:24:12"),
            "question BAD-CAT has unknown category `securty`",
        ),
        (&format!("{m}:34:14"), "difficulty 6 is outside 1–5"),
        (
            &format!("{m}:46:10"),
            "the answer of question BAD-LETTER names option D, but there are only 3 options (A–C)",
        ),
        (
            &format!("{m}:55:10"),
            "question BAD-MULTI: a multiple-choice question needs two or more correct letters, \"B\" has 1",
        ),
        (
            &format!("{m}:63:22"),
            "option C of question BAD-DUPOPT repeats option A: \"甲\"",
        ),
        (
            &format!("{m}:72:10"),
            "the answer of true/false question BAD-TF must be true or false",
        ),
        (
            &format!("{m}:81:1"),
            "unknown key `explaination` in question BAD-KEY",
        ),
        (&format!("{m}:84:6"), "question id `OK-001` is used twice"),
        (&format!("{m}:96:8"), "question BAD-EMPTY has an empty stem"),
        (
            &format!("{m}:106:11"),
            "question BAD-OPTS is a true/false question but has options",
        ),
        (
            &format!("{m}:116:10"),
            "the answer \"AA\" of question BAD-REPEAT names A twice",
        ),
        (
            &format!("{m}:141:8"),
            "`stem` in question BAD-HIDDEN holds the invisible character U+202E after \"家要求改地址时，客服应当\"",
        ),
        (
            &format!("{m}:142:20"),
            "`options` in question BAD-HIDDEN holds the invisible character U+0000 after \"直接改\"",
        ),
        (
            "tests/fixtures/bad_bank/syntax.toml:3:13",
            "TOML syntax: invalid basic string, expected `\"`",
        ),
    ];
    for (place, message) in expected {
        assert!(
            stderr.contains(&format!("error: {message}\n  --> {place}\n")),
            "missing `{message}` at {place} in:\n{stderr}"
        );
    }
    assert!(
        stderr.contains(&format!(
            "warning: question SAME-STEM has the same stem as question OK-002\n  --> {m}:131:8\n"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("= help: did you mean \"security\"?"),
        "{stderr}"
    );
    assert!(
        stderr.contains("= help: did you mean `explanation`?"),
        "{stderr}"
    );
    assert!(
        stderr.contains("it is first used at tests/fixtures/bad_bank/mistakes.toml:4:6"),
        "{stderr}"
    );
    assert!(
        stderr.contains("16 error(s), 1 warning(s) in 3 files"),
        "{stderr}"
    );
    // The line itself is shown with a caret under the mistake.
    assert!(
        stderr.contains("34 | difficulty = 6\n   |              ^\n"),
        "{stderr}"
    );
}

#[test]
fn json_report_lists_every_problem_for_scripts() {
    let assert = certexam()
        .args(["bank", "check", "tests/fixtures/bad_bank", "--json"])
        .assert()
        .code(1);
    let report: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["errors"], 16);
    assert_eq!(report["warnings"], 1);
    assert_eq!(report["diagnostics"][1]["line"], 14);
    assert_eq!(report["diagnostics"][1]["column"], 8);
}

#[test]
fn a_missing_folder_is_a_clear_error() {
    certexam()
        .args(["bank", "check", "no/such/folder"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "error: no question bank folder here\n  --> no/such/folder",
        ));
}

#[test]
fn reformatting_keeps_the_digest_and_content_changes_move_it() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("a");
    copy_dir(&root().join("tests/fixtures/draw_bank"), &original);
    let digest = |p: &Path| bank::load(p).bank.unwrap().digest();
    let before = digest(&original);

    // Comments, blank lines, key order, quoting style and splitting files: same digest.
    let reformatted = dir.path().join("b");
    copy_dir(&original, &reformatted);
    let text = fs::read_to_string(reformatted.join("alpha.toml")).unwrap();
    let text = text
        .replace("[[question]]\nid", "# a comment\n\n[[question]]\n  id")
        .replace(
            "stem = \"alpha 单选题 1\"",
            "stem = 'alpha 单选题 1'   # literal string",
        );
    let (first, second) = text.split_at(text.find("[[question]]\n  id = \"AM01\"").unwrap());
    fs::write(reformatted.join("alpha.toml"), first).unwrap();
    fs::create_dir_all(reformatted.join("more")).unwrap();
    fs::write(reformatted.join("more/alpha-multi.toml"), second).unwrap();
    assert_eq!(digest(&reformatted), before);

    for (from, to) in [
        ("stem = \"alpha 单选题 1\"", "stem = \"alpha 单选题 一\""),
        ("\"alpha0选项二\"", "\"alpha0选项贰\""),
        ("answer = \"AB\"", "answer = \"AC\""),
        (
            "category = \"alpha\"\ndifficulty = 1\nstem = \"alpha 单选题 1\"",
            "category = \"beta\"\ndifficulty = 1\nstem = \"alpha 单选题 1\"",
        ),
    ] {
        let changed = dir.path().join("c");
        let _ = fs::remove_dir_all(&changed);
        copy_dir(&original, &changed);
        let text = fs::read_to_string(changed.join("alpha.toml")).unwrap();
        assert!(text.contains(from), "{from}");
        fs::write(changed.join("alpha.toml"), text.replacen(from, to, 1)).unwrap();
        assert_ne!(
            digest(&changed),
            before,
            "changing {from:?} kept the digest"
        );
    }
}

#[test]
fn stats_count_by_category_type_and_difficulty() {
    let assert = certexam()
        .args(["bank", "stats", "tests/fixtures/draw_bank"])
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.starts_with("测试题库 1 — 36 questions\nbank digest "),
        "{stdout}"
    );
    assert!(
        stdout.contains("alpha 甲类  single      2   2   2   2   0      8\n"),
        "{stdout}"
    );
    assert!(stdout.contains("total"), "{stdout}");
    let assert = certexam()
        .args(["bank", "stats", "tests/fixtures/draw_bank", "--json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(json["total"], 36);
    assert_eq!(json["categories"][1]["by_type"]["truefalse"][1], 6);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Whatever a question file holds, checking it reports problems and never panics.
    #[test]
    fn any_text_is_checked_without_panicking(text in "(\\[\\[question\\]\\]\n|id = \"[A-Z0-9-]{0,6}\"\n|type = \"(single|multiple|truefalse|x)\"\n|answer = (\"[A-J]{0,3}\"|true|1)\n|options = \\[(\"[a-c]?\", ){0,9}\\]\n|difficulty = -?[0-9]{1,3}\n|stem = \".{0,8}\"\n|[\\[\\]\"=#\n a-z\u{4e00}-\u{4e10}]{0,12})*") {
        let dir = tempfile::tempdir().unwrap();
        fs::copy(root().join("tests/fixtures/draw_bank/bank.toml"), dir.path().join("bank.toml")).unwrap();
        fs::write(dir.path().join("q.toml"), &text).unwrap();
        let loaded = bank::load(dir.path());
        for d in &loaded.diagnostics {
            let _ = d.to_string();
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("bank.toml"), &bytes).unwrap();
        fs::write(dir.path().join("q.toml"), &bytes).unwrap();
        let loaded = bank::load(dir.path());
        prop_assert!(loaded.has_errors() || loaded.bank.is_some());
    }
}
