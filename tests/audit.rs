//! `certexam bank audit` as a trainer runs it: planted item-writing flaws
//! found exactly where they are, reviewed findings silenced, and the
//! test-wise simulation checked against banks whose cues are known and
//! against the real `certexam grade`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use assert_cmd::Command;
use certexam::audit::simulate::{Strategy, simulate};
use certexam::grade::answer_file::Answer;
use serde_json::Value;

mod support;
use support::{copy_dir, root};

/// certexam in `dir`; the test keys' password is `x`.
fn certexam(dir: &Path) -> Command {
    let mut cmd = support::certexam_in(dir);
    cmd.env("CERTEXAM_KEY_PASSWORD", "x");
    cmd
}

fn audit_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let out = certexam(dir)
        .args(["bank", "audit", "--json"])
        .args(args)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

/// (code, question, line, column) of every finding.
fn places(json: &Value) -> Vec<(String, String, u64, u64)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["question"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn each_planted_flaw_is_found_once_at_its_field_and_the_controls_are_clean() {
    let (code, json) = audit_json(&root(), &["tests/fixtures/audit_bank"]);
    assert_eq!(code, 0, "findings are warnings without --strict");
    let mut found = places(&json);
    found.sort();
    let mut expected: Vec<(String, String, u64, u64)> = [
        // The key option of P-KL, line 50 column 61.
        ("key-longest", "P-KL", 50, 61),
        ("short-distractor", "P-SD", 60, 55),
        ("all-none-of-above", "P-AN", 70, 53),
        // The caret is on 一律 inside option C.
        ("absolute-term", "P-AB", 80, 45),
        // On 不正确 inside the stem.
        ("negative-stem", "P-NS", 89, 24),
        ("stem-echo", "P-SE", 100, 17),
        ("option-overlap", "P-OO", 110, 19),
        ("all-keys", "P-AK", 121, 10),
        ("absolute-term", "P-TF", 129, 9),
        // Same seed phrase, and (P-EN4) nearly the same words.
        ("enemy-items", "P-EN2", 148, 8),
        ("enemy-items", "P-EN4", 167, 8),
    ]
    .iter()
    .map(|(c, q, l, col)| (c.to_string(), q.to_string(), *l, *col))
    .collect();
    expected.sort();
    assert_eq!(found, expected);
    assert!(
        found.iter().all(|(_, q, _, _)| !q.starts_with("C-")),
        "control questions have no finding"
    );
    let enemy = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "enemy-items" && f["question"] == "P-EN2")
        .unwrap();
    assert!(enemy["message"].as_str().unwrap().contains("P-EN1"));
    assert!(enemy["hint"].as_str().unwrap().contains("group = "));

    let strict = certexam(&root())
        .args(["bank", "audit", "tests/fixtures/audit_bank", "--strict"])
        .output()
        .unwrap();
    assert_eq!(
        strict.status.code(),
        Some(1),
        "--strict fails on open findings"
    );
}

#[test]
fn the_text_report_shows_the_line_with_a_caret_and_what_to_do() {
    let out = certexam(&root())
        .args(["bank", "audit", "tests/fixtures/audit_bank"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("warning[negative-stem]: question P-NS"),
        "{text}"
    );
    assert!(text.contains("--> tests/fixtures/audit_bank/questions.toml:89:24"));
    assert!(
        text.contains("下列做法中不正确的是"),
        "the stem line is shown"
    );
    assert!(text.contains("= help: ask for the right action instead"));
    assert!(text.contains("length-cue      FLAGGED"), "{text}");
    assert!(
        text.contains("11 finding(s) in 11 of 17 questions"),
        "{text}"
    );
}

#[test]
fn a_reviewed_finding_is_silenced_by_audit_ok_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let bank = dir.path().join("bank");
    copy_dir(&root().join("tests/fixtures/audit_bank"), &bank);
    let file = bank.join("questions.toml");
    let text = fs::read_to_string(&file).unwrap();
    let reviewed = text.replace(
        "id = \"P-NS\"\n",
        "id = \"P-NS\"\n# reviewed: the negation is the point of this item\naudit_ok = [\"negative-stem\"]\n",
    );
    fs::write(&file, &reviewed).unwrap();
    let check = certexam(dir.path())
        .args(["bank", "check", "bank"])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let (_, json) = audit_json(dir.path(), &["bank"]);
    assert_eq!(json["silenced"], 1);
    assert_eq!(json["open"], 10);
    let ns = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["question"] == "P-NS")
        .unwrap();
    assert_eq!(ns["silenced"], true);

    // A misspelt code silences nothing and is an error of the bank.
    fs::write(
        &file,
        reviewed.replace("[\"negative-stem\"]", "[\"negativ-stem\"]"),
    )
    .unwrap();
    let check = certexam(dir.path())
        .args(["bank", "check", "bank"])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(
        stderr.contains("names no audit finding `negativ-stem`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean \"negative-stem\""),
        "{stderr}"
    );
}

/// A one-category bank of `n` single-choice questions whose key is always
/// (or never) the longest option, with no other cue, and a blueprint of
/// 20 of them.
fn length_bank(dir: &Path, key_longest: bool, n: usize) {
    let bank = dir.join("bank");
    fs::create_dir_all(&bank).unwrap();
    fs::write(
        bank.join("bank.toml"),
        "name = \"长度\"\nversion = \"1\"\n[[category]]\nid = \"c\"\ntitle = \"类\"\ntitle_en = \"C\"\n",
    )
    .unwrap();
    let mut text = String::new();
    for i in 0..n {
        let (key, others) = if key_longest {
            (
                "甲乙丙丁戊己庚辛",
                ["甲乙丙丁戊己", "甲乙丙丁戊", "甲乙丙丁"],
            )
        } else {
            (
                "甲乙丙丁",
                ["甲乙丙丁戊己庚辛", "甲乙丙丁戊己", "甲乙丙丁戊"],
            )
        };
        let key = format!("{key}{i}");
        let others: Vec<String> = others.iter().map(|o| format!("{o}{i}")).collect();
        let slot = i % 4;
        let mut options: Vec<String> = others.clone();
        options.insert(slot, key);
        let quoted: Vec<String> = options.iter().map(|o| format!("\"{o}\"")).collect();
        text.push_str(&format!(
            "[[question]]\nid = \"Q{i:03}\"\ntype = \"single\"\ncategory = \"c\"\ndifficulty = 2\nstem = \"第{i}题的题干？\"\noptions = [{}]\nanswer = \"{}\"\n\n",
            quoted.join(", "),
            char::from(b'A' + slot as u8)
        ));
    }
    fs::write(bank.join("q.toml"), text).unwrap();
    fs::write(
        dir.join("bp.toml"),
        "id = \"LEN\"\ntitle = \"长度\"\nduration_minutes = 10\n[pass]\npercent = 80\n[[section]]\ntitle = \"单选\"\ntype = \"single\"\npoints = 1\n[section.count]\nc = 20\n",
    )
    .unwrap();
}

fn row(json: &Value, strategy: &str) -> Value {
    json["simulation"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["strategy"] == strategy)
        .unwrap()
        .clone()
}

#[test]
fn the_test_wise_guesser_scores_all_when_keys_are_longest_and_nothing_when_they_never_are() {
    let dir = tempfile::tempdir().unwrap();
    length_bank(dir.path(), true, 40);
    let (code, json) = audit_json(
        dir.path(),
        &[
            "bank",
            "--blueprint",
            "bp.toml",
            "--papers",
            "50",
            "--strict",
        ],
    );
    assert_eq!(code, 1, "a bank that gives its keys away fails --strict");
    assert_eq!(row(&json, "test-wise")["mean_percent"], 100.0);
    assert_eq!(row(&json, "test-wise")["pass_share"], 1.0);
    assert_eq!(json["simulation"]["testwise_pass"], true);
    assert_eq!(json["figures"]["length_cue"]["share"], 1.0);
    let random = row(&json, "random")["mean_percent"].as_f64().unwrap();
    assert!(
        (15.0..=35.0).contains(&random),
        "random guessing near 25 %: {random}"
    );

    let dir = tempfile::tempdir().unwrap();
    length_bank(dir.path(), false, 40);
    let (_, json) = audit_json(
        dir.path(),
        &["bank", "--blueprint", "bp.toml", "--papers", "50"],
    );
    let wise = row(&json, "test-wise")["mean_percent"].as_f64().unwrap();
    assert!(wise <= 25.0, "no better than chance: {wise}");
    assert_eq!(json["figures"]["length_cue"]["share"], 0.0);
}

fn fixture_inputs() -> (certexam::bank::Bank, certexam::blueprint::Blueprint) {
    let bank = certexam::bank::load(&root().join("tests/fixtures/draw_bank"))
        .bank
        .unwrap();
    let (bp, diags) = certexam::blueprint::load(
        &root().join("tests/fixtures/draw_blueprint.toml"),
        &bank.categories,
    );
    assert!(diags.is_empty(), "{diags:?}");
    (bank, bp.unwrap())
}

#[test]
fn the_simulation_is_the_same_for_the_same_seed() {
    let (bank, bp) = fixture_inputs();
    let one = simulate(&bank, &bp, 40, "s1").unwrap();
    let two = simulate(&bank, &bp, 40, "s1").unwrap();
    assert_eq!(one.results, two.results);
    assert_eq!(one.answers, two.answers);
    let other = simulate(&bank, &bp, 40, "s2").unwrap();
    assert_ne!(
        one.answers, other.answers,
        "another seed, other papers and guesses"
    );
}

fn sheet_cell(a: &Answer) -> String {
    match a {
        Answer::Blank => String::new(),
        Answer::TrueFalse(true) => "对".into(),
        Answer::TrueFalse(false) => "错".into(),
        Answer::Letters(l) => l.iter().map(|&i| char::from(b'A' + i)).collect(),
    }
}

#[test]
fn the_simulated_scores_are_what_certexam_grade_gives_the_same_answers() {
    let (bank, bp) = fixture_inputs();
    let sim = simulate(&bank, &bp, 8, "agree").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("papers")).unwrap();
    let questions = sim.papers[0].content.questions.len();
    let mut sheets = String::from("candidate,paper");
    for n in 1..=questions {
        sheets.push_str(&format!(",{n}"));
    }
    sheets.push('\n');
    let mut expected: BTreeMap<String, f64> = BTreeMap::new();
    // Paper i is answered by strategy i % 4: every virtual candidate is graded for real.
    for (i, paper) in sim.papers.iter().enumerate() {
        let holder = paper.holder().to_string();
        fs::write(
            d.join(format!("papers/{holder}.paper.toml")),
            paper.to_toml(),
        )
        .unwrap();
        let s = i % Strategy::ALL.len();
        let cells: Vec<String> = sim.answers[i][s].iter().map(sheet_cell).collect();
        sheets.push_str(&format!(
            "{holder},{},{}\n",
            paper.paper_id,
            cells.join(",")
        ));
        expected.insert(holder, sim.results[i][s].percent);
    }
    fs::write(d.join("sheets.csv"), sheets).unwrap();
    let keygen = certexam(d)
        .args(["keygen", "--unencrypted", "--out", "proctor"])
        .output()
        .unwrap();
    assert!(keygen.status.success());
    let graded = certexam(d)
        .args([
            "grade",
            "--papers",
            "papers",
            "--sheets",
            "sheets.csv",
            "--key",
            "proctor.key",
            "--out",
            "scores",
        ])
        .output()
        .unwrap();
    assert!(
        graded.status.success(),
        "{}",
        String::from_utf8_lossy(&graded.stderr)
    );
    let text = fs::read_to_string(d.join("scores/results.csv")).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut graded: BTreeMap<String, f64> = BTreeMap::new();
    for record in reader.records() {
        let r = record.unwrap();
        graded.insert(
            r[at("candidate")].to_string(),
            r[at("percent")].parse().unwrap(),
        );
    }
    assert_eq!(graded, expected);
}

#[test]
fn the_audit_reports_how_equally_hard_the_simulated_papers_are() {
    let spread_of = |blueprint: &str, extra: &[&str]| {
        let mut args = vec![
            "tests/fixtures/draw_bank",
            "--blueprint",
            blueprint,
            "--papers",
            "60",
        ];
        args.extend_from_slice(extra);
        let (code, json) = audit_json(&root(), &args);
        assert_eq!(code, 0, "{json:#}");
        json["simulation"]["paper_difficulty"].clone()
    };
    let sd = |spread: &Value| spread["expected_percent"][1]["sd"].as_f64().unwrap();
    // v1 papers differ in difficulty; v2 papers share one profile.
    let v1 = spread_of("tests/fixtures/draw_blueprint.toml", &[]);
    let v2 = spread_of("tests/fixtures/draw_v2/blueprint.toml", &[]);
    assert_eq!(v2["papers"], 60);
    assert_eq!(v2["profiles"], 1, "{v2:#}");
    assert!(v1["profiles"].as_u64().unwrap() > 1);
    assert!(sd(&v2) < sd(&v1), "v2 {} against v1 {}", sd(&v2), sd(&v1));
    assert!(v2["calibration"].is_null());
    // With item statistics of an earlier sitting, the calibrated questions are named.
    let calibrated = spread_of(
        "tests/fixtures/draw_v2/blueprint.toml",
        &["--calibration", "tests/fixtures/draw_v2/items.csv"],
    );
    let ids = calibrated["calibration"]["calibrated"].as_array().unwrap();
    assert!(ids.iter().any(|id| id == "AS03"), "{calibrated:#}");
    assert!(
        !ids.iter().any(|id| id == "AM02"),
        "a question without answers keeps its level"
    );
}

mod hostile_text {
    use certexam::bank::{Answer, Bank, Origin, Question, QuestionType};
    use proptest::prelude::*;

    fn question(i: usize, stem: String, options: Vec<String>, kind: QuestionType) -> Question {
        let answer = match kind {
            QuestionType::TrueFalse => Answer::TrueFalse(i.is_multiple_of(2)),
            QuestionType::Single => Answer::Choice(vec![i % options.len()]),
            QuestionType::Multiple => Answer::Choice((0..options.len().min(2)).collect()),
        };
        Question {
            id: format!("Q{i}"),
            kind,
            category: "c".into(),
            difficulty: 1 + (i % 5) as u8,
            stem,
            options: if kind == QuestionType::TrueFalse {
                Vec::new()
            } else {
                options
            },
            answer,
            explanation: None,
            source: Some(format!("seeds/x.txt | {}", i % 3)),
            tags: Vec::new(),
            group: None,
            fixed_order: false,
            audit_ok: Vec::new(),
            origin: Origin::default(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Any text — mixed scripts, combining marks, case changes that
        /// change byte lengths (İ), punctuation only — is audited without a panic.
        #[test]
        fn any_text_is_audited_without_a_panic(
            texts in proptest::collection::vec("[a-zA-Z0-9 İı\u{0130}ǅ以上都对只要除外不能所有权一定\u{0301}，。！？()\\-]{0,40}", 6..40)
        ) {
            let questions: Vec<Question> = texts
                .chunks(3)
                .enumerate()
                .map(|(i, c)| {
                    let kind = [QuestionType::Single, QuestionType::Multiple, QuestionType::TrueFalse][i % 3];
                    let options: Vec<String> = (0..3).map(|k| format!("{}{k}", c.get(k % c.len()).cloned().unwrap_or_default())).collect();
                    question(i, c[0].clone(), options, kind)
                })
                .collect();
            let bank = Bank {
                root: ".".into(),
                name: "b".into(),
                version: "1".into(),
                categories: Vec::new(),
                questions,
            };
            let report = certexam::audit::audit(&bank);
            prop_assert_eq!(report.questions, bank.questions.len());
        }
    }
}
