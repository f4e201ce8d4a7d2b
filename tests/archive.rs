//! `certexam archive …` and `certexam certificate` as HR runs them: the real
//! binary on score files made by the real `draw`, `keygen` and `grade` from
//! the example data. Every kind of tampering the issue names must be caught
//! by `archive verify` with a message that says what and where; the export
//! must open in the real LibreOffice; certificates are read back with the
//! real `pdftotext`. Tests needing those programs fail when they are missing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use certexam::archive::ledger::{self, Entry};
use certexam::score_file::{self, Points, ScoreFile};
use certexam::sign::SecretKey;

mod support;
use support::{Run, Test, copy_dir, pdftotext, root};

/// "Now" for every run: the day after the exam.
const NOW: &str = "2026-12-02T09:00:00Z";
const EXAM: &str = "CS-CERT-2026Q4";

/// certexam in `dir` at [`NOW`]; the test looks at the status itself.
fn certexam(dir: &Path, args: &[&str]) -> Run {
    Test::in_dir(dir).now(NOW).args(args).any_status().run()
}

/// The example exam drawn, graded and signed once for all tests:
/// `scores/` (8 score files), `proctor.pub`, `proctor.key`, `exam/`.
fn graded() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let ex = root().join("examples");
        let blueprint = ex.join("blueprint.toml");
        let roster = ex.join("roster.csv");
        let sheets = ex.join("sheets.csv");
        let draw = certexam(
            d,
            &[
                "draw",
                "--bank",
                root().join("question_bank").to_str().unwrap(),
                "--blueprint",
                blueprint.to_str().unwrap(),
                "--roster",
                roster.to_str().unwrap(),
                "--seed",
                "2026-12-01",
                "--out",
                "exam",
            ],
        );
        assert_eq!(draw.code, 0, "{}", draw.stderr);
        let keygen = certexam(d, &["keygen", "--unencrypted", "--out", "proctor"]);
        assert_eq!(keygen.code, 0, "{}", keygen.stderr);
        let grade = certexam(
            d,
            &[
                "grade",
                "--papers",
                "exam",
                "--sheets",
                sheets.to_str().unwrap(),
                "--key",
                "proctor.key",
                "--out",
                "scores",
            ],
        );
        // The example sheets include rows that must be set aside (exit 1).
        assert!(grade.code <= 1, "{}", grade.stderr);
        dir
    })
    .path()
}

/// A fresh working folder with the graded example and an archive `hr`
/// holding its 8 records.
fn archived() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy_dir(&graded().join("scores"), &d.join("scores"));
    for f in ["proctor.pub", "proctor.key"] {
        fs::copy(graded().join(f), d.join(f)).unwrap();
    }
    let add = certexam(
        d,
        &[
            "archive",
            "add",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "scores",
        ],
    );
    assert_eq!(add.code, 0, "{}", add.stderr);
    dir
}

fn verify(d: &Path) -> Run {
    certexam(
        d,
        &[
            "archive",
            "verify",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
        ],
    )
}

fn ledger_lines(d: &Path) -> Vec<String> {
    fs::read_to_string(d.join("hr/ledger.jsonl"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn write_ledger(d: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    fs::write(d.join("hr/ledger.jsonl"), text).unwrap();
}

fn entry(line: &str) -> Entry {
    serde_json::from_str(line).unwrap()
}

/// Which ledger line holds a candidate's record.
fn line_of(d: &Path, candidate: &str) -> usize {
    ledger_lines(d)
        .iter()
        .position(|l| entry(l).candidate == candidate)
        .unwrap()
        + 1
}

fn record(d: &Path, candidate: &str) -> PathBuf {
    d.join(format!(
        "hr/records/{EXAM}/{candidate}/{candidate}.score.toml"
    ))
}

/// `archive verify` exits 1 and prints exactly these problems.
fn assert_problems(d: &Path, expected: &[String]) {
    let run = verify(d);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let found: Vec<&str> = run.stdout.lines().collect();
    let expected: Vec<String> = expected.iter().map(|e| format!("problem: {e}")).collect();
    assert_eq!(found, expected, "stderr: {}", run.stderr);
}

#[test]
fn add_copies_records_chains_them_and_a_second_add_is_a_no_op() {
    let dir = archived();
    let d = dir.path();
    let lines = ledger_lines(d);
    assert_eq!(lines.len(), 8);
    let mut prev = ledger::GENESIS.to_string();
    for (i, line) in lines.iter().enumerate() {
        let e = entry(line);
        assert_eq!(e.seq, i as u64 + 1);
        assert_eq!(e.prev, prev);
        assert_eq!(e.hash, e.compute_hash());
        assert_eq!(e.added_at, NOW);
        prev = e.hash.clone();
        let copy = d.join("hr").join(&e.record);
        assert_eq!(
            fs::read(&copy).unwrap(),
            fs::read(d.join("scores").join(EXAM).join(copy.file_name().unwrap())).unwrap()
        );
        assert!(score_file::signature_path(&copy).exists());
    }
    let again = certexam(
        d,
        &[
            "archive",
            "add",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "scores",
        ],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains(&format!(
            "scores/{EXAM}/E001.score.toml: already in the archive as records/{EXAM}/E001/E001.score.toml (seq 1); nothing to do"
        )),
        "{}",
        again.stderr
    );
    assert!(
        again
            .stderr
            .contains("0 record(s) added, 8 already there, 0 refused")
    );
    assert_eq!(ledger_lines(d), lines);
    let ok = verify(d);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    assert!(
        ok.stderr.contains("OK — 8 ledger line(s), 8 record(s)"),
        "{}",
        ok.stderr
    );
}

#[test]
fn add_refuses_a_bad_score_file_and_still_adds_the_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy_dir(&graded().join("scores"), &d.join("scores"));
    fs::copy(graded().join("proctor.pub"), d.join("proctor.pub")).unwrap();
    let bad = d.join("scores").join(EXAM).join("E004.score.toml");
    let text = fs::read_to_string(&bad).unwrap();
    fs::write(&bad, text.replacen("pass = false", "pass = true", 1)).unwrap();
    let run = certexam(
        d,
        &[
            "archive",
            "add",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "scores",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "refused scores/{EXAM}/E004.score.toml: bad signature: the file was changed after it was signed"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("7 record(s) added, 0 already there, 1 refused")
    );
    assert!(!d.join(format!("hr/records/{EXAM}/E004")).exists());
    assert_eq!(verify(d).code, 0);
}

#[test]
fn an_edited_record_is_named_with_its_ledger_line() {
    let dir = archived();
    let d = dir.path();
    let path = record(d, "E002");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replacen("total = 67.0", "total = 72.0", 1)).unwrap();
    let line = line_of(d, "E002");
    assert_problems(
        d,
        &[format!(
            "records/{EXAM}/E002/E002.score.toml was edited (its SHA-256 differs from ledger line {line})"
        )],
    );
}

#[test]
fn a_deleted_record_is_named() {
    let dir = archived();
    let d = dir.path();
    fs::remove_file(record(d, "E003")).unwrap();
    let line = line_of(d, "E003");
    assert_problems(
        d,
        &[format!(
            "records/{EXAM}/E003/E003.score.toml is missing (listed on ledger line {line})"
        )],
    );
}

#[test]
fn a_replaced_signature_is_named() {
    let dir = archived();
    let d = dir.path();
    let other = score_file::signature_path(&record(d, "E003"));
    fs::copy(other, score_file::signature_path(&record(d, "E002"))).unwrap();
    let line = line_of(d, "E002");
    assert_problems(
        d,
        &[format!(
            "records/{EXAM}/E002/E002.score.toml.minisig was replaced or edited (its SHA-256 differs from ledger line {line})"
        )],
    );
}

#[test]
fn a_changed_ledger_line_is_named() {
    let dir = archived();
    let d = dir.path();
    let mut lines = ledger_lines(d);
    // E004 failed; someone makes the ledger say it passed.
    let i = line_of(d, "E004") - 1;
    assert!(lines[i].contains("\"pass\":false"));
    lines[i] = lines[i].replace("\"pass\":false", "\"pass\":true");
    write_ledger(d, &lines);
    let n = i + 1;
    assert_problems(
        d,
        &[
            format!(
                "ledger line {n} (seq {n}) was changed: its content no longer matches its hash"
            ),
            format!(
                "ledger line {n} says pass = true, but the signed record records/{EXAM}/E004/E004.score.toml says false"
            ),
        ],
    );
}

#[test]
fn a_changed_and_rehashed_ledger_line_breaks_the_chain_and_disagrees_with_its_record() {
    let dir = archived();
    let d = dir.path();
    let mut lines = ledger_lines(d);
    let i = line_of(d, "E004") - 1;
    let mut e = entry(&lines[i]);
    e.pass = true;
    e.valid_until = Some("2028-12-01".into());
    e.hash = e.compute_hash();
    lines[i] = e.to_line().trim_end().to_string();
    write_ledger(d, &lines);
    let n = i + 1;
    assert_problems(
        d,
        &[
            format!(
                "ledger line {n} (seq {n}) was changed or replaced and given a new hash: line {} (seq {}) chained to a different hash",
                n + 1,
                n + 1
            ),
            format!(
                "ledger line {n} says pass = true, but the signed record records/{EXAM}/E004/E004.score.toml says false"
            ),
            format!(
                "ledger line {n} says valid_until = 2028-12-01, but the signed record records/{EXAM}/E004/E004.score.toml says (none)"
            ),
        ],
    );
}

#[test]
fn a_removed_ledger_line_is_a_gap_and_leaves_an_unknown_record() {
    let dir = archived();
    let d = dir.path();
    let mut lines = ledger_lines(d);
    let removed = entry(&lines[3]);
    lines.remove(3);
    write_ledger(d, &lines);
    assert_problems(
        d,
        &[
            "ledger seq 4 is missing: line(s) were removed (the chain breaks between seq 3 and 5)"
                .to_string(),
            format!(
                "unknown file {}: no ledger line lists it (slipped in, or its ledger line was removed)",
                removed.record
            ),
            format!(
                "unknown file {}.minisig: no ledger line lists it (slipped in, or its ledger line was removed)",
                removed.record
            ),
        ],
    );
}

#[test]
fn reordered_ledger_lines_are_named() {
    let dir = archived();
    let d = dir.path();
    let mut lines = ledger_lines(d);
    lines.swap(4, 5);
    write_ledger(d, &lines);
    assert_problems(
        d,
        &["ledger line 6 holds seq 5 after seq 6: lines were reordered".to_string()],
    );
}

#[test]
fn an_inserted_ledger_line_is_named() {
    let dir = archived();
    let d = dir.path();
    let mut lines = ledger_lines(d);
    // A forged duplicate of line 2 claiming a better score, slipped in after it.
    let mut forged = entry(&lines[1]);
    forged.total = Points(7400);
    forged.hash = forged.compute_hash();
    lines.insert(2, forged.to_line().trim_end().to_string());
    write_ledger(d, &lines);
    let run = verify(d);
    assert_eq!(run.code, 1);
    let first = run.stdout.lines().next().unwrap();
    assert_eq!(
        first,
        "problem: ledger line 3 repeats seq 2 of line 2: a line was inserted"
    );
}

#[test]
fn a_record_slipped_into_the_folder_is_an_unknown_file() {
    let dir = archived();
    let d = dir.path();
    let src = record(d, "E001");
    let fake = d.join(format!("hr/records/{EXAM}/E099/E099.score.toml"));
    fs::create_dir_all(fake.parent().unwrap()).unwrap();
    fs::copy(&src, &fake).unwrap();
    assert_problems(
        d,
        &[format!(
            "unknown file records/{EXAM}/E099/E099.score.toml: no ledger line lists it (slipped in, or its ledger line was removed)"
        )],
    );
}

#[test]
fn a_record_re_signed_with_another_key_and_a_rebuilt_chain_is_caught_by_the_signature() {
    // The strongest attacker with write access: edits a record, signs it
    // with a key of their own, and rebuilds the whole ledger so every hash
    // is consistent. Only the proctor's key can tell.
    let dir = archived();
    let d = dir.path();
    let fake_key = certexam(d, &["keygen", "--unencrypted", "--out", "mallory"]);
    assert_eq!(fake_key.code, 0, "{}", fake_key.stderr);
    let sk = SecretKey::read(&d.join("mallory.key"), || {
        Ok::<_, certexam::sign::KeyError>(String::new())
    })
    .unwrap();
    let path = record(d, "E004");
    let mut score = ScoreFile::parse(&path, &fs::read_to_string(&path).unwrap()).unwrap();
    score.result.pass = true;
    let text = score.to_toml();
    let sig = sk.sign(text.as_bytes(), &score.trusted_comment());
    fs::write(&path, &text).unwrap();
    fs::write(score_file::signature_path(&path), &sig).unwrap();
    let mut prev = ledger::GENESIS.to_string();
    let lines: Vec<String> = ledger_lines(d)
        .iter()
        .map(|l| {
            let mut e = entry(l);
            if e.candidate == "E004" {
                e.pass = true;
                e.score_sha256 = ledger::sha256_hex(text.as_bytes());
                e.sig_sha256 = ledger::sha256_hex(sig.as_bytes());
            }
            e.prev = prev.clone();
            e.hash = e.compute_hash();
            prev = e.hash.clone();
            e.to_line().trim_end().to_string()
        })
        .collect();
    write_ledger(d, &lines);
    let run = verify(d);
    assert_eq!(run.code, 1);
    let line = line_of(d, "E004");
    let expected = format!(
        "problem: signature of records/{EXAM}/E004/E004.score.toml (ledger line {line}) does not verify: wrong key: signed by key {}",
        sk.key_id()
    );
    assert!(run.stdout.starts_with(&expected), "{}", run.stdout);
}

/// Signed score files for `n` made-up candidates (C0000…), made from the
/// example's E001 with the proctor's key, in `out/<exam>/`.
fn many_records(n: usize, out: &Path) {
    let src = graded().join("scores").join(EXAM).join("E001.score.toml");
    let base = ScoreFile::parse(&src, &fs::read_to_string(&src).unwrap()).unwrap();
    let sk = SecretKey::read(&graded().join("proctor.key"), || {
        Ok::<_, certexam::sign::KeyError>(String::new())
    })
    .unwrap();
    let dir = out.join(EXAM);
    fs::create_dir_all(&dir).unwrap();
    for i in 0..n {
        let mut s = base.clone();
        s.candidate.id = format!("C{i:04}");
        s.candidate.name = format!("考生{i}");
        let text = s.to_toml();
        let path = dir.join(s.file_name());
        fs::write(&path, &text).unwrap();
        fs::write(
            score_file::signature_path(&path),
            sk.sign(text.as_bytes(), &s.trusted_comment()),
        )
        .unwrap();
    }
}

#[test]
fn two_adds_at_once_leave_one_valid_chain_with_every_record_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::copy(graded().join("proctor.pub"), d.join("proctor.pub")).unwrap();
    many_records(300, &d.join("all"));
    // Two overlapping batches: C0000–C0199 and C0100–C0299.
    for (name, range) in [("a", 0..200), ("b", 100..300)] {
        let to = d.join(name).join(EXAM);
        fs::create_dir_all(&to).unwrap();
        for i in range {
            let f = format!("C{i:04}.score.toml");
            let from = d.join("all").join(EXAM).join(&f);
            fs::copy(&from, to.join(&f)).unwrap();
            fs::copy(
                score_file::signature_path(&from),
                score_file::signature_path(&to.join(&f)),
            )
            .unwrap();
        }
    }
    let add = |batch: &str| {
        let args = [
            "archive",
            "add",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            batch,
        ];
        Test::in_dir(d).now(NOW).args(args).run()
    };
    // Both must succeed (the harness checks the status of each).
    std::thread::scope(|s| {
        let a = s.spawn(|| add("a"));
        let b = s.spawn(|| add("b"));
        a.join().unwrap();
        b.join().unwrap();
    });
    let lines = ledger_lines(d);
    assert_eq!(lines.len(), 300);
    let mut candidates: Vec<String> = lines.iter().map(|l| entry(l).candidate).collect();
    candidates.sort();
    candidates.dedup();
    assert_eq!(candidates.len(), 300);
    let ok = verify(d);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
}

fn query_json(d: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "archive",
        "query",
        "--archive",
        "hr",
        "--pubkey",
        "proctor.pub",
        "--json",
    ];
    args.extend_from_slice(extra);
    let run = certexam(d, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

fn standings(v: &serde_json::Value) -> Vec<(String, String, u64)> {
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["candidate"].as_str().unwrap().to_string(),
                r["standing"].as_str().unwrap().to_string(),
                r["version"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn query_uses_the_latest_version_and_expiry() {
    let dir = archived();
    let d = dir.path();
    // A regrade voiding one of E002's questions makes a version 2 for E002.
    let e002 = d.join("scores").join(EXAM).join("E002.score.toml");
    let score = ScoreFile::parse(&e002, &fs::read_to_string(&e002).unwrap()).unwrap();
    let wrong = score
        .questions
        .iter()
        .find(|q| q.result == certexam::score_file::Judgement::Wrong)
        .unwrap();
    copy_dir(&graded().join("exam"), &d.join("exam"));
    let sheets = root().join("examples/sheets.csv");
    let regrade = certexam(
        d,
        &[
            "grade",
            "--papers",
            "exam",
            "--sheets",
            sheets.to_str().unwrap(),
            "--key",
            "proctor.key",
            "--out",
            "scores",
            "--void",
            &wrong.id,
        ],
    );
    assert!(regrade.code <= 1, "{}", regrade.stderr);
    assert!(
        d.join("scores")
            .join(EXAM)
            .join("E002.score.v2.toml")
            .exists()
    );
    let add = certexam(
        d,
        &[
            "archive",
            "add",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "scores",
        ],
    );
    assert_eq!(add.code, 0, "{}", add.stderr);
    assert!(
        add.stdout
            .contains(&format!("records/{EXAM}/E002/E002.score.v2.toml"))
    );

    let e002_rows = query_json(d, &["--candidate", "E002"]);
    assert_eq!(
        standings(&e002_rows),
        [("E002".into(), "certified".into(), 2)]
    );
    assert_eq!(e002_rows["rows"][0]["records"], 2);

    let today = query_json(d, &[]);
    let all = standings(&today);
    assert_eq!(all.len(), 8);
    let standing_of = |id: &str| all.iter().find(|r| r.0 == id).unwrap().1.clone();
    assert_eq!(standing_of("E004"), "failed");
    assert_eq!(standing_of("E001"), "certified");
    let passed = query_json(d, &["--passed"]);
    assert_eq!(standings(&passed).len(), 6);
    let failed = query_json(d, &["--failed"]);
    let ids: Vec<String> = standings(&failed).into_iter().map(|r| r.0).collect();
    assert_eq!(ids, ["E004", "E006"]);

    // Valid through 2028-12-01, inclusive.
    let last_day = query_json(d, &["--candidate", "E001", "--valid-on", "2028-12-01"]);
    assert_eq!(standings(&last_day)[0].1, "certified");
    let after = query_json(d, &["--candidate", "E001", "--valid-on", "2028-12-02"]);
    assert_eq!(standings(&after)[0].1, "expired");
    assert!(standings(&query_json(d, &["--passed", "--valid-on", "2028-12-02"])).is_empty());
    let soon = query_json(d, &["--valid-on", "2028-11-15", "--expiring-within", "30"]);
    assert_eq!(standings(&soon).len(), 6);
    assert!(standings(&query_json(d, &["--expiring-within", "30"])).is_empty());
}

#[test]
fn query_prints_a_table_for_people() {
    let dir = archived();
    let run = certexam(
        dir.path(),
        &[
            "archive",
            "query",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "--candidate",
            "E001",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines[0].starts_with("EXAM            CANDIDATE  NAME  STATUS"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("CS-CERT-2026Q4  E001       张三  certified  74/74"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("2028-12-01"));
}

#[test]
fn the_xlsx_export_opens_in_libreoffice_with_chinese_headers() {
    let dir = archived();
    let d = dir.path();
    let run = certexam(
        d,
        &[
            "archive",
            "export",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "--format",
            "xlsx",
            "--lang",
            "zh",
            "--out",
            "档案.xlsx",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let profile = d.join("lo-profile");
    let out = Command::new("libreoffice")
        .current_dir(d)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            "converted",
            "档案.xlsx",
        ])
        .output()
        .expect(
            "LibreOffice is needed for this test: run scripts/setup.sh (installs libreoffice-calc)",
        );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = fs::read_to_string(d.join("converted/档案.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 9, "{csv}");
    assert!(
        lines[0].starts_with("序号,入档时间,考试编号,考号,姓名,试卷编号,版本,得分,满分"),
        "{csv}"
    );
    let first = lines.iter().find(|l| l.contains(",E001,")).unwrap();
    assert!(
        first.contains(",张三,") && first.contains(",74,74,100,合格,2028-12-01,有效,"),
        "{first}"
    );
}

#[test]
fn the_csv_export_has_one_row_per_record() {
    let dir = archived();
    let d = dir.path();
    let run = certexam(
        d,
        &[
            "archive",
            "export",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "--out",
            "hr.csv",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = fs::read_to_string(d.join("hr.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 9);
    // A byte-order mark in English too: the names are Chinese either way.
    assert!(lines[0].starts_with("\u{feff}seq,added_at,exam,candidate,name,paper_id,version,total,max,percent,result,valid_until,status,fingerprint"));
    assert!(text.contains(",E004,赵六,"));
}

#[test]
fn a_certificate_holds_the_name_and_fingerprint_and_verifies_against_the_archive() {
    let dir = archived();
    let d = dir.path();
    let run = certexam(
        d,
        &[
            "certificate",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "--candidate",
            "E001",
            "--exam",
            EXAM,
            "--out",
            "certs",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let pdf = d.join(format!("certs/{EXAM}/E001.pdf"));
    let e = entry(&ledger_lines(d)[line_of(d, "E001") - 1]);
    let text = pdftotext(&pdf, &[]);
    for needle in [
        "证",
        "张三",
        "网店客服上岗认证考试",
        "2028-12-01",
        e.fingerprint(),
    ] {
        assert!(text.contains(needle), "{needle} not in:\n{text}");
    }
    let bytes = fs::read(&pdf).unwrap();
    let xmp = String::from_utf8_lossy(&bytes);
    assert!(xmp.contains("<pdfaid:part>2</pdfaid:part>"), "not PDF/A-2");

    let check = certexam(
        d,
        &[
            "archive",
            "verify-certificate",
            pdf.to_str().unwrap(),
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
        ],
    );
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    assert!(
        check.stdout.starts_with(&format!(
            "VALID  {}: fingerprint {} = ledger seq {} (records/{EXAM}/E001/E001.score.toml): E001 张三",
            pdf.display(),
            e.fingerprint(),
            e.seq
        )),
        "{}",
        check.stdout
    );
    // Two years and a day later the same certificate no longer holds.
    let later = certexam(
        d,
        &[
            "archive",
            "verify-certificate",
            pdf.to_str().unwrap(),
            "--archive",
            "hr",
            "--valid-on",
            "2028-12-02",
        ],
    );
    assert_eq!(later.code, 1);
    assert!(
        later
            .stdout
            .contains("expired: it was valid until 2028-12-01"),
        "{}",
        later.stdout
    );
}

#[test]
fn no_certificate_for_a_failed_candidate_and_all_passed_makes_one_each() {
    let dir = archived();
    let d = dir.path();
    let run = certexam(
        d,
        &[
            "certificate",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "--candidate",
            "E004",
            "--exam",
            EXAM,
            "--out",
            "certs",
        ],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(&format!(
            "no certificate for E004 赵六 in {EXAM}: the latest record (version 1) is failed"
        )),
        "{}",
        run.stderr
    );
    let all = certexam(
        d,
        &[
            "certificate",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "--all-passed",
            "--out",
            "certs",
        ],
    );
    assert_eq!(all.code, 0, "{}", all.stderr);
    let mut made: Vec<String> = fs::read_dir(d.join("certs").join(EXAM))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    made.sort();
    assert_eq!(
        made,
        [
            "E001.pdf", "E002.pdf", "E003.pdf", "E007.pdf", "E009.pdf", "E010.pdf"
        ]
    );
}

#[test]
fn a_certificate_from_another_archive_is_not_verified() {
    let dir = archived();
    let d = dir.path();
    let run = certexam(
        d,
        &[
            "certificate",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "--candidate",
            "E002",
            "--exam",
            EXAM,
            "--out",
            "c",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    fs::create_dir_all(d.join("empty")).unwrap();
    let pdf = d.join(format!("c/{EXAM}/E002.pdf"));
    let check = certexam(
        d,
        &[
            "archive",
            "verify-certificate",
            pdf.to_str().unwrap(),
            "--archive",
            "empty",
        ],
    );
    assert_eq!(check.code, 1);
    assert!(check.stdout.starts_with("NOT VERIFIED"), "{}", check.stdout);
    assert!(
        check.stdout.contains("is in no record of empty"),
        "{}",
        check.stdout
    );
}

#[test]
fn lines_cut_off_the_end_with_their_files_are_caught_by_a_written_down_head() {
    let dir = archived();
    let d = dir.path();
    let mut lines = ledger_lines(d);
    let head = entry(lines.last().unwrap());
    lines.pop();
    write_ledger(d, &lines);
    fs::remove_dir_all(d.join("hr").join(&head.record).parent().unwrap()).unwrap();
    // Without an outside reference the shorter ledger is a valid ledger…
    assert_eq!(verify(d).code, 0);
    // …but not against the head written down after the add.
    let written_down = format!("{}:{}", head.seq, head.hash);
    let run = certexam(
        d,
        &[
            "archive",
            "verify",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "--head",
            &written_down,
        ],
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "problem: the ledger no longer holds seq 8, which it held when its head was written down: lines were removed from the end\n"
    );
}

// ---- Attacks of the outside review (issue 16): only what the proctor signed counts.

/// Rewrites the ledger with `edit` applied to every entry and the whole
/// chain recomputed, as anyone who can write the folder can, without a key.
fn rechain(d: &Path, mut edit: impl FnMut(&mut Entry)) {
    let mut prev = ledger::GENESIS.to_string();
    let lines: Vec<String> = ledger_lines(d)
        .iter()
        .map(|l| {
            let mut e = entry(l);
            edit(&mut e);
            e.prev = prev.clone();
            e.hash = e.compute_hash();
            prev = e.hash.clone();
            e.to_line().trim_end().to_string()
        })
        .collect();
    write_ledger(d, &lines);
}

fn with_key(args: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let at = out.iter().position(|a| a == "hr").unwrap() + 1;
    out.insert(at, "proctor.pub".into());
    out.insert(at, "--pubkey".into());
    out
}

fn certexam_keyed(d: &Path, args: &[&str]) -> Run {
    let args = with_key(args);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    certexam(d, &args)
}

#[test]
fn a_keyless_ledger_edit_makes_no_pass_in_query_export_certificate_or_add() {
    let dir = archived();
    let d = dir.path();
    rechain(d, |e| {
        if e.candidate == "E004" {
            e.pass = true;
            e.total = e.max;
            e.percent = 100.0;
            e.valid_until = Some("2028-12-01".into());
        }
    });
    let line = line_of(d, "E004");
    let record = format!("records/{EXAM}/E004/E004.score.toml");
    let disagreement = format!(
        "problem: ledger line {line} says pass = true, but the signed record {record} says false"
    );

    let query = certexam_keyed(
        d,
        &[
            "archive",
            "query",
            "--archive",
            "hr",
            "--candidate",
            "E004",
            "--json",
        ],
    );
    assert_eq!(query.code, 1, "{}", query.stderr);
    assert!(query.stderr.contains(&disagreement), "{}", query.stderr);
    let rows: serde_json::Value = serde_json::from_str(&query.stdout).unwrap();
    assert_eq!(standings(&rows), [("E004".into(), "failed".into(), 1)]);
    assert_eq!(rows["rows"][0]["total"], "43");
    assert_eq!(rows["rows"][0]["valid_until"], serde_json::Value::Null);

    let export = certexam_keyed(
        d,
        &["archive", "export", "--archive", "hr", "--out", "hr.csv"],
    );
    assert_eq!(export.code, 1, "{}", export.stderr);
    let csv = fs::read_to_string(d.join("hr.csv")).unwrap();
    let row = csv.lines().find(|l| l.contains(",E004,")).unwrap();
    assert!(row.contains(",43,74,58.11,fail,,failed,"), "{row}");

    let cert = certexam_keyed(
        d,
        &[
            "certificate",
            "--archive",
            "hr",
            "--candidate",
            "E004",
            "--exam",
            EXAM,
            "--out",
            "certs",
        ],
    );
    assert_eq!(cert.code, 1, "{}", cert.stderr);
    assert!(
        cert.stderr.contains(&format!(
            "no certificate for E004 赵六 in {EXAM}: the latest record (version 1) is failed"
        )),
        "{}",
        cert.stderr
    );
    assert!(!d.join(format!("certs/{EXAM}/E004.pdf")).exists());

    // `add` does not build on the forged line: nothing is appended and no new head printed.
    many_records(1, &d.join("more"));
    let before = fs::read(d.join("hr/ledger.jsonl")).unwrap();
    let add = certexam(
        d,
        &[
            "archive",
            "add",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "more",
        ],
    );
    assert_eq!(add.code, 2, "{}", add.stderr);
    assert!(
        add.stderr.contains(
            "the archive is damaged, so nothing was added (appending would hide the damage)"
        ),
        "{}",
        add.stderr
    );
    assert!(
        add.stderr.contains(&disagreement["problem: ".len()..]),
        "{}",
        add.stderr
    );
    assert!(!add.stderr.contains("ledger head is now"), "{}", add.stderr);
    assert_eq!(fs::read(d.join("hr/ledger.jsonl")).unwrap(), before);
}

#[test]
fn a_record_signed_with_another_key_gets_no_certificate_and_is_unverified() {
    let dir = archived();
    let d = dir.path();
    let fake_key = certexam(d, &["keygen", "--unencrypted", "--out", "mallory"]);
    assert_eq!(fake_key.code, 0, "{}", fake_key.stderr);
    let sk = SecretKey::read(&d.join("mallory.key"), || {
        Ok::<_, certexam::sign::KeyError>(String::new())
    })
    .unwrap();
    let path = record(d, "E004");
    let mut score = ScoreFile::parse(&path, &fs::read_to_string(&path).unwrap()).unwrap();
    score.result.pass = true;
    score.result.valid_until = Some("2028-12-01".into());
    let text = score.to_toml();
    let sig = sk.sign(text.as_bytes(), &score.trusted_comment());
    fs::write(&path, &text).unwrap();
    fs::write(score_file::signature_path(&path), &sig).unwrap();
    rechain(d, |e| {
        if e.candidate == "E004" {
            e.pass = true;
            e.valid_until = Some("2028-12-01".into());
            e.score_sha256 = ledger::sha256_hex(text.as_bytes());
            e.sig_sha256 = ledger::sha256_hex(sig.as_bytes());
        }
    });
    let cert = certexam_keyed(
        d,
        &[
            "certificate",
            "--archive",
            "hr",
            "--candidate",
            "E004",
            "--exam",
            EXAM,
            "--out",
            "certs",
        ],
    );
    assert_eq!(cert.code, 1, "{}", cert.stderr);
    assert!(
        cert.stderr.contains(&format!(
            "no certificate for E004 赵六 in {EXAM}: a record of theirs does not verify with key"
        )),
        "{}",
        cert.stderr
    );
    assert!(
        cert.stderr.contains("wrong key: signed by key"),
        "{}",
        cert.stderr
    );
    assert!(!d.join(format!("certs/{EXAM}/E004.pdf")).exists());
    let query = certexam_keyed(
        d,
        &[
            "archive",
            "query",
            "--archive",
            "hr",
            "--candidate",
            "E004",
            "--json",
        ],
    );
    assert_eq!(query.code, 1);
    let rows: serde_json::Value = serde_json::from_str(&query.stdout).unwrap();
    assert_eq!(standings(&rows), [("E004".into(), "unverified".into(), 1)]);
    assert_eq!(rows["rows"][0]["total"], "");
    // No key, no certificate: the trust comes from the key HR holds.
    let keyless = certexam(
        d,
        &[
            "certificate",
            "--archive",
            "hr",
            "--all-passed",
            "--out",
            "certs",
        ],
    );
    assert_eq!(keyless.code, 2, "{}", keyless.stderr);
    assert!(
        keyless.stderr.contains("--pubkey <NAME.pub>"),
        "{}",
        keyless.stderr
    );
}

/// The certificate template with a forged data file and `extra` typst
/// markup appended, compiled by the real typst into `out`.
fn forge_certificate(d: &Path, data: &serde_json::Value, extra: &str, out: &Path) {
    let forge = d.join("forge");
    fs::create_dir_all(&forge).unwrap();
    let template = fs::read_to_string(root().join("templates/certificate.typ")).unwrap();
    fs::write(
        forge.join("certificate.typ"),
        format!("{template}\n{extra}\n"),
    )
    .unwrap();
    fs::copy(
        root().join("templates/fonts.json"),
        forge.join("fonts.json"),
    )
    .unwrap();
    fs::write(
        forge.join("qr.svg"),
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>"#,
    )
    .unwrap();
    fs::write(forge.join("data.json"), data.to_string()).unwrap();
    let status = Command::new(std::env::var("CERTEXAM_TYPST").unwrap_or("typst".into()))
        .arg("compile")
        .arg("--root")
        .arg(&forge)
        .args(["--input", "data=/data.json"])
        .arg(forge.join("certificate.typ"))
        .arg(out)
        .output()
        .expect("typst is needed for this test: run scripts/setup.sh");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

#[test]
fn a_certificate_showing_another_name_over_a_genuine_fingerprint_is_not_valid() {
    let dir = archived();
    let d = dir.path();
    let run = certexam_keyed(
        d,
        &[
            "certificate",
            "--archive",
            "hr",
            "--candidate",
            "E001",
            "--exam",
            EXAM,
            "--out",
            "certs",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let genuine = d.join(format!("certs/{EXAM}/E001.pdf"));
    // Renders are reproducible: the same record issued the same day gives the same bytes.
    let again = certexam_keyed(
        d,
        &[
            "certificate",
            "--archive",
            "hr",
            "--candidate",
            "E001",
            "--exam",
            EXAM,
            "--out",
            "again",
        ],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        fs::read(&genuine).unwrap(),
        fs::read(d.join(format!("again/{EXAM}/E001.pdf"))).unwrap()
    );
    let e = entry(&ledger_lines(d)[line_of(d, "E001") - 1]);
    let data = serde_json::json!({
        "name": "李四", "candidate": "E002", "department": "", "exam_id": EXAM,
        "exam_title": "网店客服上岗认证考试", "date": "2026-12-01", "total": "74", "max": "74",
        "percent": "100", "valid_until": "2028-12-01", "fingerprint": e.fingerprint(),
        "sha256": e.score_sha256, "record": e.record, "issued": "2026-12-02", "qr": "/qr.svg",
    });
    let forged = d.join("forged.pdf");
    forge_certificate(
        d,
        &data,
        "#place(top + left, text(size: 1pt, fill: white)[张三 E001])",
        &forged,
    );
    let check = certexam_keyed(
        d,
        &[
            "archive",
            "verify-certificate",
            forged.to_str().unwrap(),
            "--archive",
            "hr",
        ],
    );
    assert_eq!(check.code, 1, "{}{}", check.stdout, check.stderr);
    assert!(check.stdout.starts_with("NOT VALID  "), "{}", check.stdout);
    assert!(
        check
            .stdout
            .contains("its text is not what the archive prints for this record"),
        "{}",
        check.stdout
    );
    for line in [
        "    only on the certificate (its line 1): `张三 E001`",
        "    only on the certificate (its line 13): `李四`",
        "    missing from the certificate: `张三`",
    ] {
        assert!(check.stdout.contains(line), "{line}: {}", check.stdout);
    }

    // The genuine one is VALID with the key, and at most NOT VERIFIED without it.
    let keyed = certexam_keyed(
        d,
        &[
            "archive",
            "verify-certificate",
            genuine.to_str().unwrap(),
            "--archive",
            "hr",
        ],
    );
    assert_eq!(keyed.code, 0, "{}{}", keyed.stdout, keyed.stderr);
    assert!(keyed.stdout.starts_with("VALID  "), "{}", keyed.stdout);
    let keyless = certexam(
        d,
        &[
            "archive",
            "verify-certificate",
            genuine.to_str().unwrap(),
            "--archive",
            "hr",
        ],
    );
    assert_eq!(keyless.code, 1, "{}{}", keyless.stdout, keyless.stderr);
    assert!(
        keyless
            .stdout
            .starts_with("NOT VERIFIED (no key given: add --pubkey NAME.pub)  "),
        "{}",
        keyless.stdout
    );
}

/// `archive add` of `folder` under a file-size limit of `limit` bytes, as a
/// full disk behaves: with `crash`, the process dies at the limit (like a
/// power cut mid-write); without, the write fails and the add goes on.
fn add_with_size_limit(d: &Path, folder: &str, limit: u64, crash: bool) -> Run {
    let trap = if crash { "" } else { "trap '' XFSZ; " };
    let script = format!(
        "{trap}exec prlimit --fsize={limit} -- \"$0\" archive add --archive hr --pubkey proctor.pub {folder}"
    );
    let out = Command::new("sh")
        .current_dir(d)
        .env("CERTEXAM_NOW", NOW)
        .args(["-c", &script, env!("CARGO_BIN_EXE_certexam")])
        .output()
        .expect("sh and prlimit (util-linux) are needed for this test");
    out.into()
}

/// An archive whose ledger is longer than a score file (so that a size
/// limit just above the ledger stops the append, not the record copies),
/// and a folder `more` with one record more than it holds.
fn big_archive() -> tempfile::TempDir {
    let dir = archived();
    let d = dir.path();
    many_records(40, &d.join("bulk"));
    let add = certexam(
        d,
        &[
            "archive",
            "add",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "bulk",
        ],
    );
    assert_eq!(add.code, 0, "{}", add.stderr);
    many_records(41, &d.join("more"));
    let ledger = fs::metadata(d.join("hr/ledger.jsonl")).unwrap().len();
    let record = fs::metadata(d.join(format!("more/{EXAM}/C0040.score.toml")))
        .unwrap()
        .len();
    assert!(record + 200 < ledger, "ledger {ledger}, record {record}");
    dir
}

#[test]
fn a_full_disk_during_add_leaves_the_ledger_exactly_as_it_was() {
    let dir = big_archive();
    let d = dir.path();
    let before = fs::read(d.join("hr/ledger.jsonl")).unwrap();
    let full = add_with_size_limit(d, "more", before.len() as u64 + 100, false);
    assert_eq!(full.code, 2, "{}", full.stderr);
    assert!(
        full.stderr
            .contains("cannot append to hr/ledger.jsonl; it was cut back to what it held before"),
        "{}",
        full.stderr
    );
    assert_eq!(fs::read(d.join("hr/ledger.jsonl")).unwrap(), before);
    assert!(
        !d.join(format!("hr/records/{EXAM}/C0040/C0040.score.toml"))
            .exists()
    );
    assert!(!d.join("hr/.add-journal.json").exists());
    assert_eq!(verify(d).code, 0);
    // Space freed: the same add just works.
    let again = certexam(
        d,
        &[
            "archive",
            "add",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "more",
        ],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.contains("C0040"), "{}", again.stdout);
    assert_eq!(verify(d).code, 0);
}

#[test]
fn an_add_killed_mid_append_is_undone_by_the_next_add() {
    let dir = big_archive();
    let d = dir.path();
    let before = fs::read(d.join("hr/ledger.jsonl")).unwrap();
    let crashed = add_with_size_limit(d, "more", before.len() as u64 + 100, true);
    assert_ne!(crashed.code, 0);
    let torn = fs::read(d.join("hr/ledger.jsonl")).unwrap();
    assert_eq!(torn.len(), before.len() + 100, "half a line was appended");
    assert!(d.join("hr/.add-journal.json").exists());
    let stale = d.join(format!("hr/records/{EXAM}/E001/.E001.score.toml.x1y2.tmp"));
    fs::write(&stale, "cut short").unwrap();
    // Without the journal's undo, every later add and certificate would refuse.
    let next = certexam(
        d,
        &[
            "archive",
            "add",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "more",
        ],
    );
    assert_eq!(next.code, 0, "{}", next.stderr);
    assert!(
        next.stderr.contains(
            "undid an `archive add` that was cut short: 100 byte(s) cut off the end of ledger.jsonl, 2 record file(s) it had copied removed"
        ),
        "{}",
        next.stderr
    );
    assert!(
        next.stderr
            .contains("removed 1 temporary file(s) left in records/ by a write that was cut short"),
        "{}",
        next.stderr
    );
    assert!(next.stdout.contains("C0040"), "{}", next.stdout);
    assert!(!stale.exists());
    let run = verify(d);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn a_ledger_or_records_folder_that_is_a_symlink_is_refused() {
    let dir = archived();
    let d = dir.path();
    fs::rename(d.join("hr/ledger.jsonl"), d.join("elsewhere.jsonl")).unwrap();
    std::os::unix::fs::symlink(d.join("elsewhere.jsonl"), d.join("hr/ledger.jsonl")).unwrap();
    many_records(1, &d.join("more"));
    let add = certexam(
        d,
        &[
            "archive",
            "add",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "more",
        ],
    );
    assert_eq!(add.code, 2, "{}", add.stderr);
    assert!(
        add.stderr
            .contains("cannot read hr/ledger.jsonl: it is a symbolic link"),
        "{}",
        add.stderr
    );
    fs::remove_file(d.join("hr/ledger.jsonl")).unwrap();
    fs::rename(d.join("elsewhere.jsonl"), d.join("hr/ledger.jsonl")).unwrap();
    fs::rename(d.join("hr/records"), d.join("records-elsewhere")).unwrap();
    std::os::unix::fs::symlink(d.join("records-elsewhere"), d.join("hr/records")).unwrap();
    let run = verify(d);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("hr/records: it is a symbolic link"),
        "{}",
        run.stderr
    );
}
