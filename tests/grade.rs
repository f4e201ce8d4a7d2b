//! `certexam keygen`, `grade` and `verify` as a proctor and HR run them:
//! the real binary on real files, and the real `minisign` program checking
//! the signatures. Papers are either drawn from the example blueprint or
//! built here with [`Paper::new`], so every expected score can be worked
//! out by hand from the table in [`test_papers`].

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use certexam::bank::QuestionType;
use certexam::paper::{
    Candidate, CategoryTitle, DrawInfo, Exam, Key, Paper, PaperContent, PaperQuestion, PassRule,
    Scoring, Section,
};
use certexam::score_file::{Judgement, Points, ScoreFile};

mod support;
use support::{Run, root, run};

/// The time every grading run in these tests believes it is.
const NOW: &str = "2026-12-01T10:00:00Z";
/// Password of the encrypted test keys.
const PASSWORD: &str = "correct horse battery staple";

/// certexam in `dir` at [`NOW`], with the test keys' password.
fn certexam(dir: &Path) -> Command {
    let mut cmd = support::certexam_in(dir);
    cmd.env("CERTEXAM_NOW", NOW)
        .env("CERTEXAM_KEY_PASSWORD", PASSWORD);
    cmd
}

/// `minisign -Vm FILE -p PUB`: the standard tool. Panics (fails the test)
/// when the program is missing: interoperability is the point.
fn minisign_verify(file: &Path, public: &Path) -> (bool, String) {
    let out = std::process::Command::new("minisign")
        .arg("-Vm")
        .arg(file)
        .arg("-p")
        .arg(public)
        .output()
        .expect("the `minisign` program is needed (Debian package minisign; scripts/setup.sh installs it)");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// An unencrypted key pair: scrypt takes seconds in a debug build, so only
/// the password test uses an encrypted key.
fn keygen(dir: &Path, name: &str) {
    let r = run(certexam(dir).args(["keygen", "--unencrypted", "--out", name]));
    assert_eq!(r.code, 0, "{}", r.stderr);
}

fn grade(dir: &Path, args: &[&str]) -> Run {
    run(certexam(dir)
        .args([
            "grade",
            "--papers",
            "papers",
            "--key",
            "proctor.key",
            "--out",
            "scores",
        ])
        .args(args))
}

fn read_score(path: &Path) -> ScoreFile {
    ScoreFile::parse(path, &fs::read_to_string(path).unwrap()).unwrap()
}

fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    // Reports for people start with a UTF-8 byte-order mark, for Excel.
    let bytes = fs::read(path).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "{} has no BOM",
        path.display()
    );
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Names of the visible files of a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

// ---------------------------------------------------------------------------
// Papers built by hand.

fn section(
    title: &str,
    kind: QuestionType,
    points: f64,
    scoring: Scoring,
    penalty: f64,
    first: u32,
    last: u32,
) -> Section {
    Section {
        title: title.into(),
        kind,
        points,
        scoring,
        penalty,
        first,
        last,
    }
}

#[allow(clippy::too_many_arguments)]
fn question(
    number: u32,
    section: u32,
    id: &str,
    kind: QuestionType,
    category: &str,
    options: usize,
    answer: Key,
    original: &str,
) -> PaperQuestion {
    PaperQuestion {
        number,
        section,
        id: id.into(),
        digest: format!("digest-of-{id}"),
        kind,
        category: category.into(),
        difficulty: 2,
        stem: format!("Question {id}"),
        options: (0..options).map(|i| format!("option {i}")).collect(),
        answer,
        original: original.into(),
        explanation: None,
    }
}

fn letters(s: &str) -> Key {
    Key::Letters(s.into())
}

/// The test exam, 7 questions, 16 points; pass 50 % overall and 60 % in `sec`:
///
/// | no. | bank id | section                                  | cat   | key  | original |
/// |-----|---------|------------------------------------------|-------|------|----------|
/// | 1   | SEC-001 | 1 single 2 pts, penalty 0.5              | sec   | B    | CADB     |
/// | 2   | RUL-001 | 1 (3 options)                            | rules | A    | BCA      |
/// | 3   | SEC-002 | 1                                        | sec   | D    | ABCD     |
/// | 4   | RUL-002 | 2 multiple 4 pts, per_correct_option     | rules | ACD  | EDCBA    |
/// | 5   | SEC-003 | 2                                        | sec   | AB   | ABCD     |
/// | 6   | LOG-001 | 3 true/false 1 pt, penalty 1             | log   | true |          |
/// | 7   | LOG-002 | 3                                        | log   | false|          |
fn test_paper(candidate: &str, name: &str) -> Paper {
    use QuestionType::{Multiple, Single, TrueFalse};
    let categories = [("sec", "信息安全"), ("rules", "平台规则"), ("log", "物流")]
        .into_iter()
        .map(|(id, title)| {
            (
                id.to_string(),
                CategoryTitle {
                    title: title.into(),
                    title_en: id.into(),
                },
            )
        })
        .collect();
    Paper::new(PaperContent {
        format: certexam::paper::FORMAT.into(),
        exam: Exam {
            id: "T-EXAM".into(),
            title: "测试考试".into(),
            lang: "zh".into(),
            duration_minutes: 30,
            instructions: None,
            date: Some("2026-12-01".into()),
            valid_months: Some(12),
            pass: PassRule {
                percent: 50.0,
                categories: [("sec".to_string(), 60.0)].into_iter().collect(),
            },
            sections: vec![
                section("一、单选", Single, 2.0, Scoring::AllOrNothing, 0.5, 1, 3),
                section(
                    "二、多选",
                    Multiple,
                    4.0,
                    Scoring::PerCorrectOption,
                    0.0,
                    4,
                    5,
                ),
                section("三、判断", TrueFalse, 1.0, Scoring::AllOrNothing, 1.0, 6, 7),
            ],
            categories,
        },
        candidate: Some(Candidate {
            id: candidate.into(),
            name: name.into(),
            extra: [("department".to_string(), "售后".to_string())]
                .into_iter()
                .collect(),
            ..Default::default()
        }),
        form: None,
        draw: DrawInfo {
            algorithm: "certexam-draw-v1".into(),
            master_seed: "test".into(),
            seed: "00".into(),
            bank_name: "test bank".into(),
            bank_version: "1".into(),
            bank_digest: "bank-digest".into(),
            ..Default::default()
        },
        questions: vec![
            question(1, 1, "SEC-001", Single, "sec", 4, letters("B"), "CADB"),
            question(2, 1, "RUL-001", Single, "rules", 3, letters("A"), "BCA"),
            question(3, 1, "SEC-002", Single, "sec", 4, letters("D"), "ABCD"),
            question(
                4,
                2,
                "RUL-002",
                Multiple,
                "rules",
                5,
                letters("ACD"),
                "EDCBA",
            ),
            question(5, 2, "SEC-003", Multiple, "sec", 4, letters("AB"), "ABCD"),
            question(
                6,
                3,
                "LOG-001",
                TrueFalse,
                "log",
                0,
                Key::TrueFalse(true),
                "",
            ),
            question(
                7,
                3,
                "LOG-002",
                TrueFalse,
                "log",
                0,
                Key::TrueFalse(false),
                "",
            ),
        ],
    })
}

/// Writes papers for `T01…Tnn` into `dir/papers` and returns their printed ids.
fn write_papers(dir: &Path, count: usize) -> BTreeMap<String, String> {
    let papers = dir.join("papers");
    fs::create_dir_all(&papers).unwrap();
    (1..=count)
        .map(|i| {
            let id = format!("T{i:02}");
            let paper = test_paper(&id, &format!("考生{i}"));
            fs::write(papers.join(format!("{id}.paper.toml")), paper.to_toml()).unwrap();
            (id, paper.paper_id)
        })
        .collect()
}

/// A session of built papers, a key pair and nothing graded yet.
fn session(papers: usize) -> (tempfile::TempDir, BTreeMap<String, String>) {
    let dir = tempfile::tempdir().unwrap();
    let ids = write_papers(dir.path(), papers);
    keygen(dir.path(), "proctor");
    (dir, ids)
}

/// A wide sheet file: `candidate,paper,1..=columns`.
fn wide_csv(columns: usize, rows: &[(&str, &str, &[&str])]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["candidate".to_string(), "paper".into()];
    header.extend((1..=columns).map(|n| n.to_string()));
    w.write_record(&header).unwrap();
    for (candidate, paper, answers) in rows {
        let mut record = vec![candidate.to_string(), paper.to_string()];
        record.extend(answers.iter().map(|a| a.to_string()));
        record.resize(columns + 2, String::new());
        w.write_record(&record).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// Full marks, typed five different ways.
const ALL_RIGHT: [&str; 7] = ["B", "a", "Ｄ", "A,C,D", "ba", "对", "×"];

// ---------------------------------------------------------------------------
// The example session: what the "done when" asks for.

/// The example session's papers (examples/blueprint.toml and roster.csv,
/// seed 2026-12-01) drawn into `d/exam`.
fn draw_example(d: &Path) {
    let draw = run(certexam(&root())
        .args([
            "draw",
            "--blueprint",
            "examples/blueprint.toml",
            "--roster",
            "examples/roster.csv",
            "--seed",
            "2026-12-01",
            "--out",
        ])
        .arg(d.join("exam")));
    assert_eq!(draw.code, 0, "{}", draw.stderr);
}

#[test]
fn example_session_grades_into_files_that_certexam_and_minisign_accept() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    draw_example(d);
    keygen(d, "proctor");
    let sheets = root().join("examples/sheets.csv");
    let roster = root().join("examples/roster.csv");
    let r = run(certexam(d)
        .args([
            "grade",
            "--papers",
            "exam",
            "--key",
            "proctor.key",
            "--out",
            "scores",
        ])
        .arg("--sheets")
        .arg(&sheets)
        .arg("--roster")
        .arg(&roster));
    assert_eq!(
        r.code, 1,
        "bad rows make grade exit 1 (if every row is rejected as an unknown paper, \
         regenerate examples/sheets.csv as the README says)\n{}",
        r.stderr
    );
    assert!(r.stderr.contains("graded 8 sheet(s)"), "{}", r.stderr);
    assert!(r.stderr.contains("6 passed, 2 failed"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("absent (on the roster, no answer sheet): E012 司马青")
    );

    let folder = d.join("scores/CS-CERT-2026Q4");
    let graded = [
        "E001", "E002", "E003", "E004", "E006", "E007", "E009", "E010",
    ];
    let expected: Vec<String> = graded
        .iter()
        .flat_map(|c| [format!("{c}.score.toml"), format!("{c}.score.toml.minisig")])
        .collect();
    assert_eq!(names(&folder), expected);
    for c in graded {
        let file = folder.join(format!("{c}.score.toml"));
        let (ok, said) = minisign_verify(&file, &d.join("proctor.pub"));
        assert!(ok, "minisign -V refused {}: {said}", file.display());
        assert!(
            said.contains(&format!("candidate={c} ")) && said.contains("exam=CS-CERT-2026Q4"),
            "{said}"
        );
    }
    let v = run(certexam(d).args(["verify", "--pubkey", "proctor.pub", "scores"]));
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    assert_eq!(v.stdout.lines().filter(|l| l.starts_with("OK ")).count(), 8);
    assert!(v.stderr.contains("8 OK, 0 FAILED"), "{}", v.stderr);

    // Who passed, and why not: E004 overall and security, E006 only the security gate.
    let results = csv_rows(&d.join("scores/results.csv"));
    let outcome: Vec<(String, String, String)> = results
        .iter()
        .map(|r| {
            (
                r["candidate"].clone(),
                r["pass"].clone(),
                r["failed_gates"].clone(),
            )
        })
        .collect();
    let want: Vec<(String, String, String)> = [
        ("E001", "true", ""),
        ("E002", "true", ""),
        ("E003", "true", ""),
        ("E004", "false", "overall security"),
        ("E006", "false", "security"),
        ("E007", "true", ""),
        ("E009", "true", ""),
        ("E010", "true", ""),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(outcome, want);
    assert_eq!(results[0]["total"], "74");
    assert_eq!(results[0]["valid_until"], "2028-12-01");
    assert_eq!(csv_rows(&d.join("scores/items.csv")).len(), 8 * 36);

    // The bad rows, each at its line with its reason.
    let rejects = csv_rows(&d.join("scores/rejects.csv"));
    let got: Vec<(String, String, String)> = rejects
        .iter()
        .map(|r| (r["row"].clone(), r["candidate"].clone(), r["code"].clone()))
        .collect();
    let want: Vec<(String, String, String)> = [
        ("10", "E005", "duplicate_candidate"),
        ("11", "E005", "duplicate_candidate"),
        ("12", "E008", "invalid_option"),
        ("13", "E011", "paper_of_other_candidate"),
        ("14", "E099", "not_on_roster"),
        ("", "E012", "absent"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(got, want);
    assert!(rejects[2]["reason"].contains("question 1: `E` names option E"));
    assert!(rejects[2]["reason"].contains("`o` is not a true/false answer"));
    assert!(rejects[4]["reason"].contains("paper `ZZZZ2345` is not among the 12 papers"));
    assert!(
        r.stderr
            .contains("sheets.csv:12 E008: question 1: `E` names option E")
    );
}

// ---------------------------------------------------------------------------
// Keys.

#[cfg(unix)]
#[test]
fn keygen_protects_the_secret_key_and_never_overwrites() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let r = run(certexam(d).args(["keygen", "--out", "proctor"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let secret = fs::read_to_string(d.join("proctor.key")).unwrap();
    let public = fs::read_to_string(d.join("proctor.pub")).unwrap();
    assert!(secret.starts_with("untrusted comment: "), "{secret}");
    assert!(public.starts_with("untrusted comment: "), "{public}");
    let mode = fs::metadata(d.join("proctor.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);

    let again = run(certexam(d).args(["keygen", "--out", "proctor", "--unencrypted"]));
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(fs::read_to_string(d.join("proctor.key")).unwrap(), secret);
    assert_eq!(fs::read_to_string(d.join("proctor.pub")).unwrap(), public);

    let plain = run(certexam(d).env_remove("CERTEXAM_KEY_PASSWORD").args([
        "keygen",
        "--out",
        "auto",
        "--unencrypted",
    ]));
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(
        plain
            .stderr
            .contains("warning: auto.key is NOT password-protected")
    );
    let mode = fs::metadata(d.join("auto.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    // The password protects the key: a wrong one stops grading before
    // anything is written.
    let ids = write_papers(d, 1);
    fs::write(
        d.join("s.csv"),
        wide_csv(7, &[("T01", &ids["T01"], &ALL_RIGHT)]),
    )
    .unwrap();
    let r = run(certexam(d)
        .env("CERTEXAM_KEY_PASSWORD", "not it")
        .args(["grade", "--papers", "papers", "--sheets", "s.csv"])
        .args(["--key", "proctor.key", "--out", "scores"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("wrong password"), "{}", r.stderr);
    assert!(!d.join("scores").exists());
}

// ---------------------------------------------------------------------------
// Scoring, through the whole program.

/// id, given, given in bank letters, key, key in bank letters, earned, penalty, result.
type QuestionRow<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    Points,
    Points,
    Judgement,
);

#[test]
fn every_rule_penalty_floor_and_gate_ends_up_in_the_score_file() {
    let (dir, ids) = session(5);
    let d = dir.path();
    let wide = wide_csv(
        7,
        &[
            ("T01", &ids["T01"], &ALL_RIGHT),
            // wrong (−0.5), right, blank, 2 of 3, 1 of 2, two wrong true/false (−2, floored)
            ("T02", &ids["T02"], &["C", "A", "", "a c", "Ａ", "错", "√"]),
            // passes overall (11.5 / 16) but not the 60 % gate of `sec` (3.5 / 8)
            ("T03", &ids["T03"], &["B", "A", "A", "ACD", "A", "T", "F"]),
        ],
    );
    // Excel's UTF-8 with a BOM and CRLF line ends.
    fs::write(
        d.join("wide.csv"),
        format!("\u{feff}{}", wide.replace('\n', "\r\n")),
    )
    .unwrap();
    fs::write(
        d.join("compact.csv"),
        format!(
            "candidate,paper,answers\nT04,{},B A D ACD AB T F\n",
            ids["T04"]
        ),
    )
    .unwrap();
    fs::create_dir(d.join("toml")).unwrap();
    fs::write(
        d.join("toml/T05.toml"),
        format!(
            "\u{feff}candidate = \"T05\"\npaper = \"{}\"\nanswers = [\"b\", \"a\", \"d\", \"CA D\", \"ＡＢ\", true, \"错\"]\n",
            ids["T05"].to_lowercase()
        ),
    )
    .unwrap();
    let r = grade(d, &["--sheets", "wide.csv", "compact.csv", "toml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("graded 5 sheet(s)"), "{}", r.stderr);
    let folder = d.join("scores/T-EXAM");

    for c in ["T01", "T04", "T05"] {
        let s = read_score(&folder.join(format!("{c}.score.toml")));
        assert_eq!(
            (s.result.total, s.result.max),
            (Points(1600), Points(1600)),
            "{c}"
        );
        assert!(s.result.pass);
        assert_eq!(s.result.valid_until.as_deref(), Some("2027-12-01"));
    }

    let t02 = read_score(&folder.join("T02.score.toml"));
    assert_eq!(t02.format, "certexam-score-v1");
    assert_eq!(t02.graded_at, NOW);
    assert_eq!(t02.sheet.row, 3);
    assert_eq!(t02.candidate.name, "考生2");
    assert_eq!(t02.candidate.extra["department"], "售后");
    assert_eq!(t02.paper.id, ids["T02"]);
    let q: Vec<QuestionRow> = t02
        .questions
        .iter()
        .map(|q| {
            (
                q.id.as_str(),
                q.given.as_str(),
                q.given_bank.as_str(),
                q.key.as_str(),
                q.key_bank.as_str(),
                q.earned,
                q.penalty,
                q.result,
            )
        })
        .collect();
    use Judgement::{Blank, Correct, Partial, Wrong};
    assert_eq!(
        q,
        vec![
            ("SEC-001", "C", "D", "B", "A", Points(0), Points(50), Wrong),
            (
                "RUL-001",
                "A",
                "B",
                "A",
                "B",
                Points(200),
                Points(0),
                Correct
            ),
            ("SEC-002", "", "", "D", "D", Points(0), Points(0), Blank),
            (
                "RUL-002",
                "AC",
                "CE",
                "ACD",
                "BCE",
                Points(267),
                Points(0),
                Partial
            ),
            (
                "SEC-003",
                "A",
                "A",
                "AB",
                "AB",
                Points(200),
                Points(0),
                Partial
            ),
            (
                "LOG-001",
                "false",
                "false",
                "true",
                "true",
                Points(0),
                Points(100),
                Wrong
            ),
            (
                "LOG-002",
                "true",
                "true",
                "false",
                "false",
                Points(0),
                Points(100),
                Wrong
            ),
        ]
    );
    let sections: Vec<(Points, Points, Points, Points)> = t02
        .sections
        .iter()
        .map(|s| (s.max, s.raw, s.penalties, s.earned))
        .collect();
    assert_eq!(
        sections,
        vec![
            (Points(600), Points(200), Points(50), Points(150)),
            (Points(800), Points(467), Points(0), Points(467)),
            // 0 − 2 penalties: a section never goes below 0.
            (Points(200), Points(0), Points(200), Points(0)),
        ]
    );
    assert_eq!(
        (t02.result.total, t02.result.max),
        (Points(617), Points(1600))
    );
    assert_eq!(t02.result.percent, 38.56);
    assert!(!t02.result.pass);
    assert_eq!(t02.result.valid_until, None);
    let gates: Vec<&str> = t02
        .result
        .failed_gates
        .iter()
        .map(|g| g.gate.as_str())
        .collect();
    assert_eq!(gates, ["overall", "sec"]);
    assert_eq!(
        (
            t02.result.correct,
            t02.result.partial,
            t02.result.wrong,
            t02.result.blank
        ),
        (1, 2, 3, 1)
    );
    let sec = t02.categories.iter().find(|c| c.id == "sec").unwrap();
    assert_eq!(
        (sec.earned, sec.max, sec.percent, sec.gate),
        (Points(150), Points(800), 18.75, Some(60.0))
    );

    let t03 = read_score(&folder.join("T03.score.toml"));
    assert_eq!(
        (t03.result.total, t03.result.percent),
        (Points(1150), 71.88)
    );
    assert!(!t03.result.pass, "the category gate fails the candidate");
    assert_eq!(t03.result.failed_gates.len(), 1);
    assert_eq!(t03.result.failed_gates[0].gate, "sec");
    assert_eq!(t03.result.failed_gates[0].achieved, 43.75);

    let results = csv_rows(&d.join("scores/results.csv"));
    let summary: Vec<(String, String, String)> = results
        .iter()
        .map(|r| {
            (
                r["candidate"].clone(),
                r["total"].clone(),
                r["pass"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("T01", "16", "true"),
            ("T02", "6.17", "false"),
            ("T03", "11.5", "false"),
            ("T04", "16", "true"),
            ("T05", "16", "true"),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    assert_eq!(results[1]["sec"], "1.5");
    let items = csv_rows(&d.join("scores/items.csv"));
    assert_eq!(items.len(), 5 * 7);
    assert!(items.iter().all(|i| !i["question_id"].is_empty()));
}

// ---------------------------------------------------------------------------
// Reconciliation.

#[test]
fn every_bad_sheet_is_set_aside_with_file_row_and_reason_and_good_ones_are_graded() {
    let (dir, ids) = session(12);
    let d = dir.path();
    let all: &[&str] = &ALL_RIGHT;
    let wide = wide_csv(
        8,
        &[
            ("T01", &ids["T01"], all), // line 2: good
            ("T06", "ZZZZ9999", all),  // 3: unknown paper
            ("T07", &ids["T01"], all), // 4: T01's paper
            (
                "T02",
                &ids["T02"],
                &["B", "A", "D", "ACD", "AB", "对", "错", "A"],
            ), // 5: 8 answers
            (
                "T03",
                &ids["T03"],
                &["B", "D", "D", "ACD", "AB", "对", "错"],
            ), // 6: Q2 has 3 options
            (
                "T04",
                &ids["T04"],
                &["B", "A", "D", "ACD", "AB", "maybe", "错"],
            ), // 7: not true/false
            ("T05", &ids["T05"], all), // 8: duplicate …
            ("T05", &ids["T05"], all), // 9: … both set aside
            ("T09", &ids["T09"], all), // 10: not on the roster
            ("T 8", &ids["T08"], all), // 11: not an id
            ("T08", "", all),          // 12: no paper id
            ("T10", &ids["T10"], all), // 13: good
        ],
    );
    fs::write(d.join("sheets.csv"), wide).unwrap();
    fs::write(
        d.join("compact.csv"),
        format!(
            "candidate,paper,answers\nT12,{},B A D ACD AB T\n",
            ids["T12"]
        ),
    )
    .unwrap();
    fs::write(d.join("broken.toml"), "candidate = \"T08\"\npaper = 12\n").unwrap();
    let mut roster = String::from("id,name,department\n");
    for i in [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12] {
        roster.push_str(&format!("T{i:02},考生{i},售后\n"));
    }
    fs::write(d.join("roster.csv"), roster).unwrap();

    let r = grade(
        d,
        &[
            "--sheets",
            "sheets.csv",
            "compact.csv",
            "broken.toml",
            "--roster",
            "roster.csv",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        names(&d.join("scores/T-EXAM")),
        [
            "T01.score.toml",
            "T01.score.toml.minisig",
            "T10.score.toml",
            "T10.score.toml.minisig"
        ]
    );
    assert!(r.stderr.contains("graded 2 sheet(s)"), "{}", r.stderr);

    let rejects = csv_rows(&d.join("scores/rejects.csv"));
    let got: Vec<(String, String, String, String)> = rejects
        .iter()
        .map(|r| {
            (
                r["source"].clone(),
                r["row"].clone(),
                r["candidate"].clone(),
                r["code"].clone(),
            )
        })
        .collect();
    let want = [
        ("broken.toml", "", "", "unreadable"),
        ("sheets.csv", "3", "T06", "unknown_paper"),
        ("sheets.csv", "4", "T07", "paper_of_other_candidate"),
        ("sheets.csv", "5", "T02", "wrong_answer_count"),
        ("sheets.csv", "6", "T03", "invalid_option"),
        ("sheets.csv", "7", "T04", "invalid_truefalse"),
        ("sheets.csv", "8", "T05", "duplicate_candidate"),
        ("sheets.csv", "9", "T05", "duplicate_candidate"),
        ("sheets.csv", "10", "T09", "not_on_roster"),
        ("sheets.csv", "11", "T 8", "bad_candidate_id"),
        ("sheets.csv", "12", "T08", "missing_paper_id"),
        ("compact.csv", "2", "T12", "wrong_answer_count"),
        ("roster.csv", "", "T11", "absent"),
    ]
    .map(|(a, b, c, e)| (a.to_string(), b.to_string(), c.to_string(), e.to_string()));
    let mut got_sorted = got.clone();
    got_sorted.sort_by_key(|(s, row, ..)| (s.clone(), row.parse::<u32>().unwrap_or(0)));
    let mut want_sorted = want.to_vec();
    want_sorted.sort_by_key(|(s, row, ..)| (s.clone(), row.parse::<u32>().unwrap_or(0)));
    assert_eq!(got_sorted, want_sorted);

    let reason = |code: &str| -> String {
        rejects
            .iter()
            .find(|r| r["code"] == code)
            .map(|r| r["reason"].clone())
            .unwrap()
    };
    assert!(reason("unknown_paper").contains("paper `ZZZZ9999` is not among the 12 papers"));
    assert!(reason("paper_of_other_candidate").contains("was drawn for T01 (考生1)"));
    assert!(
        reason("wrong_answer_count").contains("answer is given for question 8, but paper")
            || reason("wrong_answer_count").contains("6 answers"),
    );
    assert!(
        reason("invalid_option")
            .contains("question 2: `D` names option D, but the question has only 3 options (A–C)")
    );
    assert!(reason("invalid_truefalse").contains("question 6: `maybe` is not a true/false answer"));
    assert!(reason("duplicate_candidate").contains("sheets.csv:9"));
    assert!(reason("not_on_roster").contains("not on the roster"));
    assert!(reason("bad_candidate_id").contains("`T 8` is not allowed"));
    assert!(reason("missing_paper_id").contains("the paper id is empty"));
    assert!(reason("unreadable").contains("not a valid TOML answer sheet"));
    assert!(reason("absent").contains("考生11 is on the roster"));
    let compact = rejects
        .iter()
        .find(|r| r["source"] == "compact.csv")
        .unwrap();
    assert!(
        compact["reason"].contains("6 answers, but paper"),
        "{}",
        compact["reason"]
    );
    // The terminal shows where each one is.
    assert!(
        r.stderr.contains("sheets.csv:6 T03: question 2: `D`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("absent (on the roster, no answer sheet): T11 考生11")
    );
}

#[test]
fn a_sheet_file_with_a_bad_header_is_reported_not_skipped() {
    let (dir, ids) = session(1);
    let d = dir.path();
    fs::write(
        d.join("s.csv"),
        format!(
            "who,paper,1,2,3,4,5,6,7\nT01,{},B,A,D,ACD,AB,对,错\n",
            ids["T01"]
        ),
    )
    .unwrap();
    let r = grade(d, &["--sheets", "s.csv"]);
    assert_eq!(r.code, 1);
    let rejects = csv_rows(&d.join("scores/rejects.csv"));
    assert_eq!(rejects.len(), 1);
    assert_eq!(
        (rejects[0]["row"].as_str(), rejects[0]["code"].as_str()),
        ("2", "unreadable")
    );
    assert!(
        rejects[0]["reason"].contains("no `candidate` column"),
        "{:?}",
        rejects[0]
    );
}

// ---------------------------------------------------------------------------
// Answer sheets as proctors keep them: Excel workbooks, GBK CSV, titles.

/// `certexam grade` of `sheets` into `out`: exit code and `candidate →
/// total` from results.csv.
fn grade_totals(d: &Path, sheets: &str, out: &str) -> (i32, BTreeMap<String, String>, String) {
    let r = run(certexam(d).args([
        "grade",
        "--papers",
        "papers",
        "--key",
        "proctor.key",
        "--sheets",
        sheets,
        "--out",
        out,
    ]));
    let totals = csv_rows(&d.join(out).join("results.csv"))
        .into_iter()
        .map(|row| (row["candidate"].clone(), row["total"].clone()))
        .collect();
    (r.code, totals, r.stderr)
}

#[test]
fn answer_sheets_kept_in_excel_or_saved_as_gbk_csv_grade_like_utf8_csv() {
    let (dir, ids) = session(2);
    let d = dir.path();
    let wrong: &[&str] = &["A", "B", "C", "B", "A", "错", "对"];
    let rows: [(&str, &str, &[&str]); 2] = [
        ("T01", &ids["T01"], &ALL_RIGHT),
        ("T02", &ids["T02"], wrong),
    ];
    fs::write(d.join("utf8.csv"), wide_csv(7, &rows)).unwrap();
    let (code, expected, stderr) = grade_totals(d, "utf8.csv", "scores-utf8");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(expected.len(), 2);
    assert_ne!(expected["T01"], expected["T02"]);

    // Excel on Chinese Windows saves "CSV (逗号分隔)" in GB18030/GBK; the
    // proctor's sheet has a title line and trailing empty columns.
    let text = format!("2026年12月 答题登记表,,,,,,,,,,\n{}", wide_csv(7, &rows))
        .replace('\n', ",,\r\n")
        .replacen(",,\r\n", "\r\n", 1);
    let (gbk, _, lossy) = encoding_rs::GB18030.encode(&text);
    assert!(!lossy);
    assert!(
        std::str::from_utf8(&gbk).is_err(),
        "the test file must not be UTF-8"
    );
    fs::write(d.join("gbk.csv"), &gbk).unwrap();
    let (code, totals, stderr) = grade_totals(d, "gbk.csv", "scores-gbk");
    assert_eq!((code, &totals), (0, &expected), "{stderr}");

    // A workbook: title in row 1, an empty row, the header in row 3, ids
    // and answers as text cells.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "答题登记表（第一考场）").unwrap();
    let header: Vec<String> = ["candidate", "paper"]
        .into_iter()
        .map(String::from)
        .chain((1..=7).map(|n| n.to_string()))
        .collect();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(2, c as u16, h).unwrap();
    }
    for (r, (candidate, paper, answers)) in rows.iter().enumerate() {
        let r = r as u32 + 3;
        sheet.write_string(r, 0, *candidate).unwrap();
        sheet.write_string(r, 1, *paper).unwrap();
        for (c, a) in answers.iter().enumerate() {
            sheet.write_string(r, c as u16 + 2, *a).unwrap();
        }
    }
    book.save(d.join("sheets.xlsx")).unwrap();
    let (code, totals, stderr) = grade_totals(d, "sheets.xlsx", "scores-xlsx");
    assert_eq!((code, &totals), (0, &expected), "{stderr}");
}

#[test]
fn a_name_excel_would_run_as_a_formula_is_written_as_text_in_results() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let name = "=HYPERLINK(\"http://evil.example\",\"查看成绩\")";
    let paper = test_paper("T01", name);
    fs::create_dir_all(d.join("papers")).unwrap();
    fs::write(d.join("papers/T01.paper.toml"), paper.to_toml()).unwrap();
    keygen(d, "proctor");
    fs::write(
        d.join("s.csv"),
        wide_csv(7, &[("T01", &paper.paper_id, &ALL_RIGHT)]),
    )
    .unwrap();
    let r = grade(d, &["--sheets", "s.csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let results = csv_rows(&d.join("scores/results.csv"));
    assert_eq!(results[0]["name"], format!("'{name}"));
    // The score file keeps the name exactly as drawn.
    let score = read_score(&d.join("scores").join(&results[0]["score_file"]));
    assert_eq!(score.candidate.name, name);
}

#[test]
fn damaged_paper_manifests_are_all_named_and_nothing_is_graded() {
    let (dir, ids) = session(3);
    let d = dir.path();
    let t01 = d.join("papers/T01.paper.toml");
    let text = fs::read_to_string(&t01).unwrap();
    fs::write(&t01, text.replacen("考生1", "考生一", 1)).unwrap();
    let t03 = d.join("papers/T03.paper.toml");
    let text = fs::read_to_string(&t03).unwrap();
    fs::write(&t03, &text[..text.len() / 2]).unwrap();
    fs::write(
        d.join("s.csv"),
        wide_csv(7, &[("T02", &ids["T02"], &ALL_RIGHT)]),
    )
    .unwrap();
    let r = grade(d, &["--sheets", "s.csv"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("2 of the 3 paper manifests"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("T01.paper.toml was changed after it was drawn"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("T03.paper.toml is not a valid paper manifest"),
        "{}",
        r.stderr
    );
    assert!(!d.join("scores").exists());
}

// ---------------------------------------------------------------------------
// Tampering.

/// A session with two graded candidates.
fn graded_pair() -> (tempfile::TempDir, PathBuf) {
    let (dir, ids) = session(2);
    let d = dir.path();
    fs::write(
        d.join("s.csv"),
        wide_csv(
            7,
            &[
                ("T01", &ids["T01"], &ALL_RIGHT),
                ("T02", &ids["T02"], &["C", "A", "", "AC", "A", "错", "√"]),
            ],
        ),
    )
    .unwrap();
    assert_eq!(grade(d, &["--sheets", "s.csv"]).code, 0);
    let folder = d.join("scores/T-EXAM");
    (dir, folder)
}

fn verify(d: &Path, key: &str, path: &Path) -> Run {
    run(certexam(d).args(["verify", "--pubkey", key]).arg(path))
}

#[test]
fn changing_any_byte_or_moving_a_signature_fails_in_certexam_and_minisign() {
    let (dir, folder) = graded_pair();
    let d = dir.path();
    let t01 = folder.join("T01.score.toml");
    let t02 = folder.join("T02.score.toml");
    assert_eq!(verify(d, "proctor.pub", &folder).code, 0);

    // Flip one byte anywhere, e.g. in the total.
    let original = fs::read(&t01).unwrap();
    let text = String::from_utf8(original.clone()).unwrap();
    let forged = text.replacen("total = 16.0", "total = 17.0", 1);
    assert_ne!(forged, text);
    fs::write(&t01, &forged).unwrap();
    let r = verify(d, "proctor.pub", &t01);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("FAILED") && r.stdout.contains("bad signature"),
        "{}",
        r.stdout
    );
    assert!(!minisign_verify(&t01, &d.join("proctor.pub")).0);
    for i in [0, original.len() / 2, original.len() - 1] {
        let mut bytes = original.clone();
        bytes[i] ^= 0x01;
        fs::write(&t01, &bytes).unwrap();
        assert_eq!(verify(d, "proctor.pub", &t01).code, 1, "byte {i}");
    }
    fs::write(&t01, &original).unwrap();
    assert_eq!(verify(d, "proctor.pub", &t01).code, 0);

    // Swap the two files' signatures.
    let s01 = fs::read(folder.join("T01.score.toml.minisig")).unwrap();
    let s02 = fs::read(folder.join("T02.score.toml.minisig")).unwrap();
    fs::write(folder.join("T01.score.toml.minisig"), &s02).unwrap();
    fs::write(folder.join("T02.score.toml.minisig"), &s01).unwrap();
    let r = verify(d, "proctor.pub", &folder);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stdout.lines().filter(|l| l.starts_with("FAILED")).count(),
        2,
        "{}",
        r.stdout
    );
    assert!(!minisign_verify(&t01, &d.join("proctor.pub")).0);
    assert!(!minisign_verify(&t02, &d.join("proctor.pub")).0);
    fs::write(folder.join("T01.score.toml.minisig"), &s01).unwrap();
    fs::write(folder.join("T02.score.toml.minisig"), &s02).unwrap();

    // Another proctor's key.
    keygen(d, "other");
    let r = verify(d, "other.pub", &t01);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("wrong key"), "{}", r.stdout);
    assert!(!minisign_verify(&t01, &d.join("other.pub")).0);

    // A copy under another candidate's name carries its valid signature
    // along, but is not that candidate's result.
    let renamed = d.join("T09.score.toml");
    fs::copy(&t01, &renamed).unwrap();
    fs::copy(
        folder.join("T01.score.toml.minisig"),
        d.join("T09.score.toml.minisig"),
    )
    .unwrap();
    let r = verify(d, "proctor.pub", &renamed);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("does not match its content"),
        "{}",
        r.stdout
    );

    // No signature at all.
    fs::remove_file(folder.join("T02.score.toml.minisig")).unwrap();
    let r = verify(d, "proctor.pub", &folder);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("FAILED  ") && r.stdout.contains("missing signature"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("OK      "),
        "the good file is still reported OK: {}",
        r.stdout
    );
    assert!(r.stderr.contains("1 OK, 1 FAILED"), "{}", r.stderr);
}

#[test]
fn a_validly_signed_file_that_is_not_a_score_file_is_malformed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Sign something else with the `minisign` program under a score file's name.
    keygen(d, "plain");
    let fake = d.join("T03.score.toml");
    fs::write(&fake, "format = \"certexam-score-v1\"\nversion = 1\n").unwrap();
    minisign_sign(&fake, &d.join("plain.key"), "anything");
    let r = verify(d, "plain.pub", &fake);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("malformed file"), "{}", r.stdout);
}

/// Signs `file` with the `minisign` program and an unencrypted secret key.
fn minisign_sign(file: &Path, secret: &Path, trusted_comment: &str) {
    let out = std::process::Command::new("minisign")
        .arg("-S")
        .arg("-W")
        .arg("-s")
        .arg(secret)
        .arg("-m")
        .arg(file)
        .arg("-t")
        .arg(trusted_comment)
        .stdin(Stdio::null())
        .output()
        .expect("the `minisign` program is needed (Debian package minisign)");
    assert!(
        out.status.success(),
        "minisign -S failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------------------
// The minisign program, the other way round.

#[test]
fn certexam_reads_what_the_minisign_program_signs_and_its_keys() {
    let (dir, folder) = graded_pair();
    let d = dir.path();
    let t01 = folder.join("T01.score.toml");
    let comment = read_score(&t01).trusted_comment();

    // Re-sign a certexam score file with the minisign program and a key
    // certexam made without a password.
    keygen(d, "auto");
    fs::remove_file(folder.join("T01.score.toml.minisig")).unwrap();
    minisign_sign(&t01, &d.join("auto.key"), &comment);
    let r = verify(d, "auto.pub", &t01);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("OK "), "{}", r.stdout);

    // Grade with a key pair made by the minisign program itself.
    let out = std::process::Command::new("minisign")
        .args(["-G", "-W", "-p", "mini.pub", "-s", "mini.key"])
        .current_dir(d)
        .stdin(Stdio::null())
        .output()
        .expect("the `minisign` program is needed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = run(certexam(d)
        .args(["grade", "--papers", "papers", "--sheets", "s.csv"])
        .args(["--key", "mini.key", "--out", "mini"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let file = d.join("mini/T-EXAM/T02.score.toml");
    assert!(minisign_verify(&file, &d.join("mini.pub")).0);
    assert_eq!(verify(d, "mini.pub", &d.join("mini")).code, 0);
}

// ---------------------------------------------------------------------------
// Regrades.

#[test]
fn regrades_become_new_versions_and_never_overwrite() {
    let (dir, folder) = graded_pair();
    let d = dir.path();
    let snapshot = |dir: &Path| -> BTreeMap<String, Vec<u8>> {
        names(dir)
            .into_iter()
            .map(|n| {
                let bytes = fs::read(dir.join(&n)).unwrap();
                (n, bytes)
            })
            .collect()
    };
    let first = snapshot(&folder);

    // Same sheets, a day later: nothing new.
    let r = run(certexam(d)
        .env("CERTEXAM_NOW", "2026-12-02T09:00:00Z")
        .args(["grade", "--papers", "papers", "--sheets", "s.csv"])
        .args(["--key", "proctor.key", "--out", "scores"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("nothing new was written"), "{}", r.stderr);
    assert_eq!(snapshot(&folder), first);
    assert!(!d.join("scores/regrade.csv").exists());
    let results = csv_rows(&d.join("scores/results.csv"));
    assert!(results.iter().all(|r| r["change"] == "unchanged"));

    // Void a question T02 answered wrong (with a penalty) and T01 right.
    let r = grade(d, &["--sheets", "s.csv", "--void", "SEC-001"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("2 regraded"), "{}", r.stderr);
    for (name, bytes) in &first {
        assert_eq!(
            &fs::read(folder.join(name)).unwrap(),
            bytes,
            "{name} was changed"
        );
    }
    let v2 = read_score(&folder.join("T02.score.v2.toml"));
    assert_eq!(v2.version, 2);
    assert_eq!(v2.grading.voided, ["SEC-001"]);
    assert_eq!(
        (v2.result.total, v2.result.max),
        (Points(667), Points(1400))
    );
    assert_eq!(v2.questions[0].result, Judgement::Voided);
    let regrade = v2.regrade.as_ref().unwrap();
    assert_eq!(regrade.supersedes, "T02.score.toml");
    assert_eq!(
        regrade.supersedes_sha256,
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            &first["T02.score.toml"]
        ))
    );
    assert!(
        regrade
            .reason
            .starts_with("--void SEC-001; total 6.17/16 → 6.67/14"),
        "{}",
        regrade.reason
    );

    // Same adjustment again: nothing new.
    let r = grade(d, &["--sheets", "s.csv", "--void", "SEC-001"]);
    assert!(r.stderr.contains("nothing new was written"), "{}", r.stderr);

    // A key fix in bank letters: SEC-002's bank key D becomes C (printed C, as
    // original is ABCD), so T01's D is now wrong; T02 left it blank, its
    // total stays, but its record of the key changes.
    let r = grade(
        d,
        &[
            "--sheets",
            "s.csv",
            "--void",
            "SEC-001",
            "--key-fix",
            "SEC-002=C",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v3 = read_score(&folder.join("T01.score.v3.toml"));
    assert_eq!(v3.regrade.as_ref().unwrap().supersedes, "T01.score.v2.toml");
    let q3 = &v3.questions[2];
    assert_eq!(
        (q3.key.as_str(), q3.key_bank.as_str(), q3.key_fixed),
        ("C", "C", true)
    );
    assert_eq!(q3.result, Judgement::Wrong);
    assert_eq!(v3.result.total, Points(1150));
    let t02 = read_score(&folder.join("T02.score.v3.toml"));
    assert_eq!(t02.result.total, Points(667));
    assert_eq!(t02.questions[2].key, "C");

    let regrades = csv_rows(&d.join("scores/regrade.csv"));
    let lines: Vec<(String, String, String)> = regrades
        .iter()
        .map(|r| {
            (
                r["candidate"].clone(),
                r["previous"].clone(),
                r["new"].clone(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("T01", "T01.score.toml", "T01.score.v2.toml"),
            ("T02", "T02.score.toml", "T02.score.v2.toml"),
            ("T01", "T01.score.v2.toml", "T01.score.v3.toml"),
            ("T02", "T02.score.v2.toml", "T02.score.v3.toml"),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    assert!(
        regrades[2]["reason"].contains("--key-fix SEC-002=C"),
        "{:?}",
        regrades[2]
    );

    // Every version still verifies, with certexam and with minisign.
    let r = verify(d, "proctor.pub", &folder);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stderr.contains("6 OK, 0 FAILED"), "{}", r.stderr);
    assert!(minisign_verify(&folder.join("T01.score.v3.toml"), &d.join("proctor.pub")).0);

    // A latest version that no longer verifies is not silently superseded.
    let latest = folder.join("T02.score.v3.toml");
    let text = fs::read_to_string(&latest).unwrap();
    fs::write(&latest, text.replacen("pass = false", "pass = true", 1)).unwrap();
    let r = grade(d, &["--sheets", "s.csv"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rejects = csv_rows(&d.join("scores/rejects.csv"));
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0]["code"], "existing_record_invalid");
    assert!(
        rejects[0]["reason"].contains("does not verify"),
        "{:?}",
        rejects[0]
    );
    assert!(!folder.join("T02.score.v4.toml").exists());
}

// ---------------------------------------------------------------------------
// Atomic writes.

#[test]
fn killing_grade_mid_batch_leaves_only_complete_signed_files() {
    const N: usize = 600;
    let (dir, ids) = session(N);
    let d = dir.path();
    let rows: Vec<(String, String)> = ids.iter().map(|(c, p)| (c.clone(), p.clone())).collect();
    let rows: Vec<(&str, &str, &[&str])> = rows
        .iter()
        .map(|(c, p)| (c.as_str(), p.as_str(), &ALL_RIGHT[..]))
        .collect();
    fs::write(d.join("s.csv"), wide_csv(7, &rows)).unwrap();
    let folder = d.join("scores/T-EXAM");

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_certexam"))
        .current_dir(d)
        .env("CERTEXAM_NOW", NOW)
        .env("CERTEXAM_KEY_PASSWORD", PASSWORD)
        .args(["grade", "--papers", "papers", "--sheets", "s.csv"])
        .args(["--key", "proctor.key", "--out", "scores"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it as soon as the first score file is in place (or it ends).
    #[allow(clippy::disallowed_methods)] // a test's own time-out, not an output
    let start = Instant::now();
    loop {
        let started_writing = fs::read_dir(&folder).is_ok_and(|mut e| {
            e.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".score.toml")))
        });
        if started_writing
            || child.try_wait().unwrap().is_some()
            || start.elapsed() > Duration::from_secs(120)
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let _ = child.kill();
    child.wait().unwrap();

    // Whatever is there is complete and signed.
    let present: Vec<String> = names(&folder)
        .into_iter()
        .filter(|n| n.ends_with(".score.toml"))
        .collect();
    assert!(!present.is_empty());
    assert!(
        present.len() < N,
        "all {N} score files were written before the kill: the test interrupted nothing"
    );
    eprintln!(
        "{} of {N} score files were in place when grade was killed",
        present.len()
    );
    for name in &present {
        assert!(
            folder.join(format!("{name}.minisig")).exists(),
            "{name} has no signature"
        );
    }
    let r = verify(d, "proctor.pub", &folder);
    assert_eq!(r.code, 0, "{}", r.stdout);

    // Running the same command again finishes the batch.
    let r = grade(d, &["--sheets", "s.csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = verify(d, "proctor.pub", &folder);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stderr.contains(&format!("{N} OK, 0 FAILED")),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------
// Hostile and damaged files (issue 16).

/// Replaces line `n` (0-based) of a text file.
fn replace_line(path: &Path, n: usize, line: &str) {
    let text = fs::read_to_string(path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[n] = line;
    fs::write(path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn a_short_signature_line_is_reported_as_damaged_and_every_other_file_still_checked() {
    let (dir, folder) = graded_pair();
    let d = dir.path();
    // "AAAAAAAAAAAAAA==" decodes to 10 bytes; a signature needs 64.
    replace_line(
        &folder.join("T01.score.toml.minisig"),
        3,
        "AAAAAAAAAAAAAA==",
    );
    let r = verify(d, "proctor.pub", &folder);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "T01.score.toml.minisig is not a minisign signature (its comment signature line holds 10 bytes instead of 64: the file is damaged or cut short)"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("OK      "), "{}", r.stdout);
    // Grading again re-checks the existing record: set aside, not a crash.
    let again = grade(d, &["--sheets", "s.csv"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(again.stderr.contains("T01"), "{}", again.stderr);
    // The archive refuses that file and adds the other.
    let add = run(certexam(d).args([
        "archive",
        "add",
        "--archive",
        "hr",
        "--pubkey",
        "proctor.pub",
        "scores",
    ]));
    assert_eq!(add.code, 1, "{}", add.stderr);
    assert!(add.stderr.contains("refused "), "{}", add.stderr);
    assert!(add.stdout.contains("T02"), "{}", add.stdout);
}

/// A test paper with one change, its digest recomputed (as anyone can).
fn write_doctored_paper(d: &Path, edit: impl FnOnce(&mut PaperContent)) {
    let mut content = test_paper("T01", "考生1").content;
    edit(&mut content);
    let paper = Paper::new(content);
    fs::write(d.join("papers/T01.paper.toml"), paper.to_toml()).unwrap();
}

#[test]
fn a_manifest_with_a_recomputed_digest_but_impossible_content_is_refused_not_a_panic() {
    type Edit = fn(&mut PaperContent);
    let cases: [(Edit, &str); 5] = [
        (
            |c| c.questions[0].section = 0,
            "question 1 names section 0, but the paper has 3 section(s)",
        ),
        (
            |c| c.exam.valid_months = Some(4_000_000_000),
            "valid_months = 4000000000 is more than 1200 (100 years)",
        ),
        (
            |c| c.questions[1].answer = Key::Letters("E".into()),
            "question 2: its key names `E`, but its options are A–C",
        ),
        (
            |c| c.questions[2].number = 9,
            "question 3 has number 9; questions are numbered 1, 2, 3, … in order",
        ),
        (
            |c| c.exam.sections[0].points = -2.0,
            "section 1: points -2 is not a number of points ≥ 0 in hundredths",
        ),
    ];
    for (edit, message) in cases {
        let (dir, ids) = session(1);
        let d = dir.path();
        write_doctored_paper(d, edit);
        fs::write(
            d.join("s.csv"),
            wide_csv(7, &[("T01", &ids["T01"], &ALL_RIGHT)]),
        )
        .unwrap();
        let r = grade(d, &["--sheets", "s.csv"]);
        assert_eq!(r.code, 2, "{message}: {}", r.stderr);
        assert!(
            r.stderr
                .contains("T01.paper.toml is not a paper `certexam draw` makes; draw it again"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains(message), "{message}: {}", r.stderr);
    }
}

#[test]
fn verify_names_a_missing_first_version_a_legacy_signature_and_totals_that_do_not_add_up() {
    let (dir, folder) = graded_pair();
    let d = dir.path();
    let regrade = grade(d, &["--sheets", "s.csv", "--void", "SEC-001"]);
    assert!(regrade.code <= 1, "{}", regrade.stderr);
    assert!(folder.join("T01.score.v2.toml").exists());
    fs::remove_file(folder.join("T01.score.toml")).unwrap();
    fs::remove_file(folder.join("T01.score.toml.minisig")).unwrap();
    let r = verify(d, "proctor.pub", &folder);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "MISSING {}: {} is version 2 and supersedes it, but it is not there",
            folder.join("T01.score.toml").display(),
            folder.join("T01.score.v2.toml").display()
        )),
        "{}",
        r.stdout
    );

    // A legacy signature (`minisign -l`) is named as such.
    let t02 = folder.join("T02.score.toml");
    let comment = read_score(&t02).trusted_comment();
    fs::remove_file(folder.join("T02.score.toml.minisig")).unwrap();
    let out = std::process::Command::new("minisign")
        .args(["-S", "-l", "-W", "-s", "proctor.key", "-m"])
        .arg(&t02)
        .arg("-t")
        .arg(&comment)
        .current_dir(d)
        .stdin(Stdio::null())
        .output()
        .expect("the `minisign` program is needed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = verify(d, "proctor.pub", &t02);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("legacy signature: it was made with `minisign -l`"),
        "{}",
        r.stdout
    );

    // A signer's sum that is wrong is caught although the signature holds.
    let mut score = read_score(&t02);
    score.result.total = Points(score.result.total.0 + 100);
    let text = score.to_toml();
    fs::write(&t02, &text).unwrap();
    let sk = certexam::sign::SecretKey::read(&d.join("proctor.key"), || {
        Ok::<_, certexam::sign::KeyError>(String::new())
    })
    .unwrap();
    fs::write(
        folder.join("T02.score.toml.minisig"),
        sk.sign(text.as_bytes(), &score.trusted_comment()),
    )
    .unwrap();
    let r = verify(d, "proctor.pub", &t02);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("signed, but its figures do not add up: its total"),
        "{}",
        r.stdout
    );
}

#[cfg(unix)]
#[test]
fn an_unencrypted_secret_key_readable_by_others_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, ids) = session(1);
    let d = dir.path();
    fs::write(
        d.join("s.csv"),
        wide_csv(7, &[("T01", &ids["T01"], &ALL_RIGHT)]),
    )
    .unwrap();
    fs::set_permissions(d.join("proctor.key"), fs::Permissions::from_mode(0o644)).unwrap();
    let r = grade(d, &["--sheets", "s.csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "warning: proctor.key is a secret key without a password, and every user on this machine may read it"
        ),
        "{}",
        r.stderr
    );
    fs::set_permissions(d.join("proctor.key"), fs::Permissions::from_mode(0o600)).unwrap();
    let r = grade(d, &["--sheets", "s.csv"]);
    assert!(!r.stderr.contains("warning: proctor.key"), "{}", r.stderr);
}

/// Papers T01…T05 seated in rooms A (T01, T02) and B (T03…T05).
fn seated_session() -> (tempfile::TempDir, BTreeMap<String, String>) {
    let dir = tempfile::tempdir().unwrap();
    let papers = dir.path().join("papers");
    fs::create_dir_all(&papers).unwrap();
    let mut ids = BTreeMap::new();
    for i in 1..=5u32 {
        let id = format!("T{i:02}");
        let mut content = test_paper(&id, &format!("考生{i}")).content;
        let c = content.candidate.as_mut().unwrap();
        c.room = Some(if i <= 2 { "A" } else { "B" }.to_string());
        c.seat = Some(i);
        let paper = Paper::new(content);
        fs::write(papers.join(format!("{id}.paper.toml")), paper.to_toml()).unwrap();
        ids.insert(id, paper.paper_id);
    }
    keygen(dir.path(), "proctor");
    (dir, ids)
}

#[test]
fn attendance_sets_aside_sheets_without_a_signature_or_from_another_room_and_lists_lost_sheets() {
    let (dir, ids) = seated_session();
    let d = dir.path();
    let all: &[&str] = &ALL_RIGHT;
    let sheets = wide_csv(
        7,
        &[
            ("T01", &ids["T01"], all), // 2: signed in in A, paper for A
            ("T02", &ids["T02"], all), // 3: signed in in B, paper for A
            ("T03", &ids["T03"], all), // 4: marked absent on the sign-in sheet
            ("T04", &ids["T04"], all), // 5: good
        ],
    );
    fs::write(d.join("sheets.csv"), sheets).unwrap();
    fs::write(
        d.join("attendance.csv"),
        "考号,姓名,考场,签到\nT01,考生1,A,√\nT02,考生2,B,√\nT03,考生3,B,缺考\nT04,考生4,B,√\nT05,考生5,B,√\n",
    )
    .unwrap();
    let r = grade(
        d,
        &["--sheets", "sheets.csv", "--attendance", "attendance.csv"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        names(&d.join("scores/T-EXAM")),
        [
            "T01.score.toml",
            "T01.score.toml.minisig",
            "T04.score.toml",
            "T04.score.toml.minisig"
        ]
    );
    let rejects = csv_rows(&d.join("scores/rejects.csv"));
    let got: Vec<[&str; 5]> = rejects
        .iter()
        .map(|r| {
            [
                r["source"].as_str(),
                r["row"].as_str(),
                r["candidate"].as_str(),
                r["code"].as_str(),
                r["reason"].as_str(),
            ]
        })
        .collect();
    assert_eq!(
        got,
        [
            [
                "sheets.csv",
                "3",
                "T02",
                "wrong_room",
                "this candidate signed in in room B, but the paper is for room A; check where they sat and which paper they were given"
            ],
            [
                "sheets.csv",
                "4",
                "T03",
                "not_signed_in",
                "this candidate did not sign in (not in attendance.csv); check the sign-in sheet and who sat this paper"
            ],
            [
                "attendance.csv",
                "6",
                "T05",
                "signed_in_no_sheet",
                "考生5 signed in in room B, but no answer sheet names them; find the sheet, or note them as absent"
            ],
        ]
    );
    assert!(
        r.stderr.contains(
            "1 candidate(s) signed in but have no answer sheet (listed in scores/rejects.csv):\n  attendance.csv:6 T05: 考生5 signed in in room B"
        ),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("2 sheet(s) set aside"), "{}", r.stderr);

    // Without a room column, only signatures are checked.
    fs::remove_dir_all(d.join("scores")).unwrap();
    fs::write(d.join("plain.csv"), "id\nT01\nT02\nT03\nT04\n").unwrap();
    let r = grade(d, &["--sheets", "sheets.csv", "--attendance", "plain.csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(names(&d.join("scores/T-EXAM")).len(), 8);
}

#[test]
fn a_bad_attendance_file_is_reported_by_row_and_nothing_is_graded() {
    let (dir, ids) = seated_session();
    let d = dir.path();
    let all: &[&str] = &ALL_RIGHT;
    fs::write(
        d.join("sheets.csv"),
        wide_csv(7, &[("T01", &ids["T01"], all)]),
    )
    .unwrap();
    fs::write(d.join("attendance.csv"), "id,room\nT01,A\nT 2,A\nT01,B\n").unwrap();
    let r = grade(
        d,
        &["--sheets", "sheets.csv", "--attendance", "attendance.csv"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    for expected in [
        "error: candidate id `T 2` is not allowed\n  --> attendance.csv:3\n",
        "error: `T01` signed in twice\n  --> attendance.csv:4\n",
        "error: the attendance attendance.csv has problems (above); fix them, or grade without --attendance. Nothing was graded",
    ] {
        assert!(
            r.stderr.contains(expected),
            "missing {expected:?} in:\n{}",
            r.stderr
        );
    }
    assert!(!d.join("scores").exists());
}

/// Files of a folder tree, relative path → bytes.
fn tree_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).unwrap();
            files.insert(rel.display().to_string(), fs::read(entry.path()).unwrap());
        }
    }
    files
}

/// The data lines of a report (BOM and header dropped), sorted.
fn report_lines(bytes: &[u8]) -> (String, Vec<String>) {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let header = lines.next().unwrap_or_default().to_string();
    let mut rows: Vec<String> = lines.map(str::to_string).collect();
    rows.sort();
    (header, rows)
}

#[test]
fn three_shards_run_through_gnu_parallel_grade_what_one_run_grades() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    draw_example(d);
    keygen(d, "proctor");
    let sheets = root().join("examples/sheets.csv");
    let roster = root().join("examples/roster.csv");
    let grade_args = |out: &str| -> Vec<String> {
        [
            "grade",
            "--papers",
            "exam",
            "--key",
            "proctor.key",
            "--out",
            out,
            "--sheets",
            &sheets.display().to_string(),
            "--roster",
            &roster.display().to_string(),
        ]
        .map(str::to_string)
        .to_vec()
    };
    let whole = run(certexam(d).args(grade_args("whole")));
    assert_eq!(whole.code, 1, "{}", whole.stderr);

    // As the README shows: one process per part, two at a time.
    let status = std::process::Command::new("parallel")
        .args(["-j", "2"])
        .arg(env!("CARGO_BIN_EXE_certexam"))
        .args(grade_args("sharded"))
        .args(["--shard", "{}/3", ":::", "1", "2", "3"])
        .current_dir(d)
        .env("CERTEXAM_NOW", NOW)
        .status()
        .unwrap_or_else(|e| {
            panic!("GNU parallel is needed for this test ({e}); run scripts/setup.sh")
        });
    // Each part has set-aside rows or absent candidates of its own, or none.
    assert!(status.code().is_some_and(|c| c <= 3), "{status}");

    let one = tree_of(&d.join("whole"));
    let parts = tree_of(&d.join("sharded"));
    // The score files are byte for byte those of one run, each in one part,
    // and every signature checks with minisign.
    let score_files = |t: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        t.iter()
            .filter(|(name, _)| name.ends_with(".score.toml"))
            .map(|(n, b)| (n.clone(), b.clone()))
            .collect()
    };
    assert_eq!(score_files(&one).len(), 8);
    assert_eq!(score_files(&one), score_files(&parts));
    for name in score_files(&parts).keys() {
        let (ok, out) = minisign_verify(&d.join("sharded").join(name), &d.join("proctor.pub"));
        assert!(ok, "{name}: {out}");
    }
    // The parts' reports together hold one run's rows, with its header.
    for report in ["results", "items", "rejects"] {
        let (header, rows) = report_lines(&one[&format!("{report}.csv")]);
        let mut together = Vec::new();
        for k in 1..=3 {
            let (h, r) = report_lines(&parts[&format!("{report}.shard-{k}-of-3.csv")]);
            assert_eq!(h, header, "{report} part {k}");
            if report == "results" {
                assert!(!r.is_empty(), "every part grades some of the 8 sheets");
            }
            together.extend(r);
        }
        together.sort();
        assert!(!rows.is_empty(), "{report}");
        assert_eq!(together, rows, "{report}: the parts' rows are one run's");
    }
}
