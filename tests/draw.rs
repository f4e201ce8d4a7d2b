//! `certexam draw` as a trainer runs it: real binary, real files.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use certexam::bank;
use certexam::paper::{self, Key, Paper};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn certexam() -> Command {
    let mut cmd = Command::cargo_bin("certexam").unwrap();
    cmd.current_dir(root());
    cmd
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

fn draw_example(out: &Path, roster: &Path, seed: &str) -> assert_cmd::assert::Assert {
    certexam()
        .args([
            "draw",
            "--blueprint",
            "examples/blueprint.toml",
            "--seed",
            seed,
            "--out",
        ])
        .arg(out)
        .arg("--roster")
        .arg(roster)
        .assert()
}

fn read_papers(dir: &Path) -> BTreeMap<String, Paper> {
    paper::read_dir(dir)
        .unwrap()
        .into_iter()
        .map(|(_, p)| (p.holder().to_string(), p))
        .collect()
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn example_draw_gives_one_valid_paper_per_candidate() {
    let out = tempfile::tempdir().unwrap();
    draw_example(
        out.path(),
        &root().join("examples/roster.csv"),
        "2026-12-01",
    )
    .success();
    let papers = read_papers(&out.path().join("papers"));
    let roster = fs::read_to_string(root().join("examples/roster.csv")).unwrap();
    assert_eq!(papers.len(), roster.lines().count() - 1);

    let bank = bank::load(&root().join("question_bank")).bank.unwrap();
    for (holder, p) in &papers {
        let c = p.content.candidate.as_ref().unwrap();
        assert_eq!(&c.id, holder);
        assert_eq!(p.content.questions.len(), 36);
        assert_eq!(p.paper_id.len(), 8);
        // Every printed key, mapped back through `original`, is the bank's key.
        let mut ids = HashSet::new();
        let mut groups = HashSet::new();
        for q in &p.content.questions {
            assert!(ids.insert(q.id.clone()), "{holder}: {} twice", q.id);
            let b = bank.question(&q.id).unwrap();
            if let Some(g) = &b.group {
                assert!(groups.insert(g.clone()), "{holder}: group {g} twice");
            }
            assert_eq!(q.digest, b.digest());
            match (&q.answer, &b.answer) {
                (Key::TrueFalse(x), bank::Answer::TrueFalse(y)) => assert_eq!(x, y),
                (Key::Letters(_), bank::Answer::Choice(correct)) => {
                    let mut back: Vec<usize> = q
                        .answer
                        .indices()
                        .iter()
                        .map(|&i| usize::from(q.original.as_bytes()[i] - b'A'))
                        .collect();
                    back.sort_unstable();
                    assert_eq!(&back, correct, "{holder} question {}", q.number);
                    for (printed, &orig) in q.original.as_bytes().iter().enumerate() {
                        assert_eq!(q.options[printed], b.options[usize::from(orig - b'A')]);
                    }
                }
                other => panic!("key types differ: {other:?}"),
            }
        }
        let counts = certexam::draw::composition(p);
        assert_eq!(counts[&(1, "security".to_string())], 7);
        assert_eq!(counts[&(2, "logistics".to_string())], 2);
        assert_eq!(counts[&(3, "rules".to_string())], 3);
    }
    let record = fs::read_to_string(out.path().join("draw.toml")).unwrap();
    assert!(record.contains("seed = \"2026-12-01\""));
    assert_eq!(record.matches("[[paper]]").count(), papers.len());
}

#[test]
fn drawing_again_gives_identical_bytes_and_writes_nothing() {
    let out = tempfile::tempdir().unwrap();
    let roster = root().join("examples/roster.csv");
    draw_example(out.path(), &roster, "s1").success();
    let before = files(&out.path().join("papers"));
    let record = fs::read(out.path().join("draw.toml")).unwrap();
    draw_example(out.path(), &roster, "s1")
        .success()
        .stderr(predicates::str::contains(
            "(0 new, 12 unchanged, 0 replaced)",
        ));
    assert_eq!(files(&out.path().join("papers")), before);
    assert_eq!(fs::read(out.path().join("draw.toml")).unwrap(), record);

    let elsewhere = tempfile::tempdir().unwrap();
    draw_example(elsewhere.path(), &roster, "s1").success();
    assert_eq!(files(&elsewhere.path().join("papers")), before);
}

#[test]
fn changing_the_roster_changes_no_one_elses_paper() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full.csv");
    fs::write(
        &full,
        "id,name\nE001,张三\nE002,李四\nE003,王五\nE004,赵六\n",
    )
    .unwrap();
    // Reordered, one removed, one added, extra column, BOM and CRLF as Excel writes.
    let changed = dir.path().join("changed.csv");
    fs::write(
        &changed,
        "\u{feff}name,id,dept\r\n赵六,E004,x\r\n王五,E003,y\r\n新人,E099,z\r\n张三,E001,w\r\n",
    )
    .unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    draw_example(&a, &full, "seed").success();
    draw_example(&b, &changed, "seed").success();
    let pa = read_papers(&a.join("papers"));
    let pb = read_papers(&b.join("papers"));
    for id in ["E001", "E003", "E004"] {
        assert_eq!(
            pa[id].content.questions, pb[id].content.questions,
            "{id}'s questions changed when others were added or removed"
        );
    }
    assert!(pb.contains_key("E099") && !pb.contains_key("E002"));
}

#[test]
fn a_paper_that_would_change_is_refused_without_force() {
    let out = tempfile::tempdir().unwrap();
    let roster = root().join("examples/roster.csv");
    draw_example(out.path(), &roster, "first").success();
    let before = files(&out.path().join("papers"));
    draw_example(out.path(), &roster, "second")
        .code(1)
        .stderr(predicates::str::contains(
            "E001.paper.toml already exists with a different paper",
        ))
        .stderr(predicates::str::contains("12 paper(s)"))
        .stderr(predicates::str::contains("nothing was written"));
    assert_eq!(files(&out.path().join("papers")), before);
    certexam()
        .args([
            "draw",
            "--blueprint",
            "examples/blueprint.toml",
            "--roster",
            "examples/roster.csv",
            "--seed",
            "second",
            "--force",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .success()
        .stderr(predicates::str::contains("12 replaced"));
    assert_ne!(files(&out.path().join("papers")), before);
}

#[test]
fn forms_are_anonymous_and_lettered() {
    let out = tempfile::tempdir().unwrap();
    certexam()
        .args(["draw", "--bank"])
        .arg(fixture("draw_bank"))
        .arg("--blueprint")
        .arg(fixture("draw_blueprint.toml"))
        .args(["--forms", "3", "--seed", "x", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let papers = read_papers(&out.path().join("papers"));
    assert_eq!(papers.keys().cloned().collect::<Vec<_>>(), ["A", "B", "C"]);
    assert!(papers["A"].content.candidate.is_none());
    assert_eq!(papers["B"].content.form.as_deref(), Some("B"));
}

/// Golden paper: pins the whole algorithm (seed derivation, generator,
/// sampling, group rule, shuffles) on a fixture bank that never changes.
#[test]
fn golden_paper_from_the_fixture_bank() {
    let out = tempfile::tempdir().unwrap();
    certexam()
        .args(["draw", "--bank"])
        .arg(fixture("draw_bank"))
        .arg("--blueprint")
        .arg(fixture("draw_blueprint.toml"))
        .args(["--forms", "1", "--seed", "golden", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let paper = &read_papers(&out.path().join("papers"))["A"];
    let printed: Vec<String> = paper
        .content
        .questions
        .iter()
        .map(|q| format!("{}:{}:{}", q.id, q.original, q.answer.display()))
        .collect();
    insta::assert_snapshot!(printed.join("\n"));
    insta::assert_snapshot!(format!("{} {}", paper.paper_id, paper.digest));
}

#[test]
fn a_bank_too_small_for_the_blueprint_is_explained_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let blueprint = dir.path().join("big.toml");
    let text = fs::read_to_string(fixture("draw_blueprint.toml"))
        .unwrap()
        .replace("alpha = 3", "alpha = 8");
    fs::write(&blueprint, text).unwrap();
    let out = dir.path().join("out");
    certexam()
        .args(["draw", "--bank"])
        .arg(fixture("draw_bank"))
        .arg("--blueprint")
        .arg(&blueprint)
        .args(["--forms", "2", "--seed", "x", "--out"])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "error: section \"单选\" asks for 8 single questions of category `alpha` with difficulty 1–4; the bank has 8, 1 left out because a question of the same group was already drawn (first on paper A)",
        ));
    assert!(!out.exists(), "a failed draw must write nothing");
}

#[test]
fn blueprint_mistakes_are_each_reported_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let blueprint = dir.path().join("bad.toml");
    fs::write(
        &blueprint,
        r#"id = "bad id"
title = "考试"
lang = "fr"
duration_minutes = 0
shufle_options = false

[pass]
percent = 120
[pass.categories]
beta = 50

[[section]]
title = "单选"
type = "single"
points = 2
scoring = "half_if_subset"
difficulty = [4, 2]
[section.count]
alpha = 0
gamma = 2
"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    let assert = certexam()
        .args(["draw", "--bank"])
        .arg(fixture("draw_bank"))
        .arg("--blueprint")
        .arg(&blueprint)
        .args(["--forms", "1", "--seed", "x", "--out"])
        .arg(&out)
        .assert()
        .code(1);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let path = blueprint.display().to_string();
    for (place, message) in [
        ("1:6", "exam id `bad id` is not allowed"),
        ("3:8", "unknown lang `fr`"),
        (
            "4:20",
            "`duration_minutes` must be a whole number above 0, not 0",
        ),
        ("5:1", "unknown key `shufle_options` in the blueprint"),
        ("8:11", "the pass mark is 120%, outside 0–100"),
        (
            "10:1",
            "a pass gate names category `beta`, which no section of this exam asks about",
        ),
        (
            "16:11",
            "scoring `half_if_subset` only applies to multiple-choice sections",
        ),
        (
            "17:14",
            "difficulty must be a range like [1, 4] within 1–5, low first",
        ),
        ("19:9", "section \"单选\" asks for 0 `alpha` questions"),
        ("20:1", "section \"单选\" counts unknown category `gamma`"),
    ] {
        assert!(
            stderr.contains(&format!("error: {message}\n  --> {path}:{place}\n")),
            "missing `{message}` at {place} in:\n{stderr}"
        );
    }
    assert!(
        stderr.contains("did you mean `shuffle_options`?"),
        "{stderr}"
    );
    assert!(!out.exists());
}

/// Draws with a roster of `text` in `dir`, which must be refused with
/// nothing drawn; returns what draw printed and the roster's path.
fn refused_roster(dir: &Path, text: &str) -> (String, String) {
    let roster = dir.join("roster.csv");
    fs::write(&roster, text).unwrap();
    let out = dir.join("out");
    let assert = draw_example(&out, &roster, "x").code(1);
    assert!(!out.exists());
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    (stderr, roster.display().to_string())
}

#[test]
fn roster_problems_are_reported_by_row_and_nothing_is_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let (stderr, path) = refused_roster(
        dir.path(),
        "id,name\nE001,张三\nE001,李四\n../x,王五\nE004,\nE005,赵六,extra\n",
    );
    for expected in [
        format!("error: candidate id `E001` is listed twice\n  --> {path}:3\n"),
        format!("error: candidate id `../x` is not allowed: it contains `/`\n  --> {path}:4\n"),
        format!("error: candidate `E004` has an empty name\n  --> {path}:5\n"),
        format!("error: row has 3 fields, the header has 2\n  --> {path}:6\n"),
    ] {
        assert!(
            stderr.contains(&expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
}

#[test]
fn ids_that_vanish_or_collide_on_some_system_are_refused_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let (stderr, path) = refused_roster(
        dir.path(),
        "id,name\nE001,张三\n.hidden,李四\ne001,王五\nCON,赵六\nLPT1.txt,孙七\nfoo.,周八\naux,吴九\n",
    );
    for expected in [
        format!(
            "error: candidate id `.hidden` is not allowed: it starts with `.` (a file name starting with a dot is hidden)\n  --> {path}:3\n"
        ),
        format!(
            "error: candidate id `e001` differs from `E001` only by letter case; Windows and macOS would keep one file for both\n  --> {path}:4\n"
        ),
        format!(
            "error: candidate id `CON` is not allowed: `CON` is a device name on Windows, not a file name\n  --> {path}:5\n"
        ),
        format!(
            "error: candidate id `LPT1.txt` is not allowed: `LPT1.txt` is a device name on Windows, not a file name\n  --> {path}:6\n"
        ),
        format!(
            "error: candidate id `foo.` is not allowed: it ends with a dot, which Windows drops\n  --> {path}:7\n"
        ),
        format!(
            "error: candidate id `aux` is not allowed: `aux` is a device name on Windows, not a file name\n  --> {path}:8\n"
        ),
    ] {
        assert!(
            stderr.contains(&expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
}

/// The same candidates as `examples/roster.csv` would give, as HR keeps
/// them: a title row, a blank row, then the header; ids typed as numbers
/// in Excel arrive as whole numbers.
const HR_ROWS: [[&str; 4]; 3] = [
    ["1001", "张三", "售后客服部", "2025-03-01"],
    ["1002", "李四", "售前客服部", "2024-11-15"],
    ["1003", "王五（兼职）", "售后客服部", "2026-07-01"],
];

#[test]
fn rosters_from_excel_and_chinese_windows_csv_draw_the_same_papers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut plain = String::from("id,name,department,hired\n");
    for [id, name, dept, hired] in HR_ROWS {
        plain.push_str(&format!("{id},{name},{dept},{hired}\n"));
    }
    fs::write(d.join("plain.csv"), &plain).unwrap();
    draw_example(&d.join("plain"), &d.join("plain.csv"), "s").success();
    let expected = read_papers(&d.join("plain/papers"));
    assert_eq!(expected.len(), 3);
    assert_eq!(
        expected["1003"].content.candidate.as_ref().unwrap().name,
        "王五（兼职）"
    );

    // "CSV (逗号分隔)" from Excel on Chinese Windows: GB18030, CRLF, a title
    // line and empty columns at the end.
    let gbk_text = format!(
        "2026年12月上岗认证考生名单,,,,\r\n,,,,\r\n考号,姓名,部门,入职日期,\r\n{}",
        HR_ROWS.map(|r| format!("{},,\r\n", r.join(","))).concat()
    );
    let (gbk, _, lossy) = encoding_rs::GB18030.encode(&gbk_text);
    assert!(!lossy && std::str::from_utf8(&gbk).is_err());
    fs::write(d.join("gbk.csv"), &gbk).unwrap();
    draw_example(&d.join("gbk"), &d.join("gbk.csv"), "s").success();

    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .write_string(0, 0, "2026年12月上岗认证考生名单")
        .unwrap();
    for (c, h) in ["考号", "姓名", "部门", "入职日期"].iter().enumerate() {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy年m月d日");
    for (r, [id, name, dept, hired]) in HR_ROWS.iter().enumerate() {
        let r = r as u32 + 3;
        sheet
            .write_number(r, 0, id.parse::<f64>().unwrap())
            .unwrap();
        sheet.write_string(r, 1, *name).unwrap();
        sheet.write_string(r, 2, *dept).unwrap();
        // A real date cell: Excel stores a day number and shows 2025年3月1日.
        let date = rust_xlsxwriter::ExcelDateTime::parse_from_str(hired).unwrap();
        sheet
            .write_datetime_with_format(r, 3, &date, &date_format)
            .unwrap();
    }
    book.save(d.join("roster.xlsx")).unwrap();
    draw_example(&d.join("xlsx"), &d.join("roster.xlsx"), "s").success();

    for out in ["gbk", "xlsx"] {
        let got = read_papers(&d.join(out).join("papers"));
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>()
        );
        for (id, paper) in &got {
            let want = &expected[id];
            let (c, w) = (
                paper.content.candidate.as_ref().unwrap(),
                want.content.candidate.as_ref().unwrap(),
            );
            // Same values under the Chinese column names (the map is sorted
            // by name, so compare the values as sets).
            let values = |extra: &BTreeMap<String, String>| {
                let mut v: Vec<String> = extra.values().cloned().collect();
                v.sort();
                v
            };
            assert_eq!(
                (&c.name, values(&c.extra)),
                (&w.name, values(&w.extra)),
                "{out} {id}"
            );
            assert_eq!(
                paper.content.questions, want.content.questions,
                "{out} {id}"
            );
        }
    }
}

#[test]
fn a_name_that_would_print_wrong_is_reported_at_its_excel_row() {
    let dir = tempfile::tempdir().unwrap();
    let long = "长".repeat(61);
    let (stderr, path) = refused_roster(
        dir.path(),
        &format!("考生名单\nid,name\nE001,\"张\n三\"\nE002,{long}\nE003,王五\n"),
    );
    for expected in [
        format!(
            "error: the name of `E001` spans more than one line (a line break or tab in the cell)\n  --> {path}:3\n"
        ),
        format!(
            "error: the name of `E002` is 61 characters long; at most 60 fit on the paper\n  --> {path}:4\n"
        ),
    ] {
        assert!(
            stderr.contains(&expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
}

#[test]
fn retakes_avoid_questions_already_seen() {
    let dir = tempfile::tempdir().unwrap();
    let roster = dir.path().join("r.csv");
    fs::write(&roster, "id,name\nE001,张三\nE002,李四\n").unwrap();
    let first = dir.path().join("first");
    draw_example(&first, &roster, "may").success();
    let retake = dir.path().join("retake");
    certexam()
        .args([
            "draw",
            "--blueprint",
            "examples/blueprint.toml",
            "--seed",
            "june",
            "--roster",
        ])
        .arg(&roster)
        .arg("--avoid")
        .arg(first.join("papers"))
        .arg("--out")
        .arg(&retake)
        .assert()
        .success();
    let old = read_papers(&first.join("papers"));
    let new = read_papers(&retake.join("papers"));
    for id in ["E001", "E002"] {
        let seen: HashSet<&str> = old[id]
            .content
            .questions
            .iter()
            .map(|q| q.id.as_str())
            .collect();
        let again: Vec<&str> = new[id]
            .content
            .questions
            .iter()
            .map(|q| q.id.as_str())
            .filter(|q| seen.contains(q))
            .collect();
        assert!(again.is_empty(), "{id} saw {again:?} again");
    }

    // On the small fixture bank, three sittings exhaust the 6 true/false
    // questions per category: the third must reuse some and say for whom.
    let mut avoid = Vec::new();
    for (i, seed) in ["a", "b", "c"].iter().enumerate() {
        let out = dir.path().join(format!("small{i}"));
        let mut cmd = certexam();
        cmd.args(["draw", "--bank"])
            .arg(fixture("draw_bank"))
            .arg("--blueprint")
            .arg(fixture("draw_blueprint.toml"))
            .arg("--roster")
            .arg(&roster)
            .args(["--seed", seed, "--out"])
            .arg(&out);
        for a in &avoid {
            cmd.arg("--avoid").arg(a);
        }
        let assert = cmd.assert().success();
        let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        if i == 2 {
            assert!(
                stderr.contains("note: E001: ")
                    && stderr.contains("were seen before (the bank has too few unseen ones)"),
                "{stderr}"
            );
        } else {
            assert!(!stderr.contains("seen before"), "{stderr}");
        }
        avoid.push(out.join("papers"));
    }
}

#[test]
fn an_edited_paper_is_refused_when_read() {
    let out = tempfile::tempdir().unwrap();
    draw_example(out.path(), &root().join("examples/roster.csv"), "x").success();
    let path = out.path().join("papers/E001.paper.toml");
    let text = fs::read_to_string(&path).unwrap();
    let edited = text.replacen("answer = \"", "answer = \"A", 1);
    fs::write(&path, edited).unwrap();
    let err = Paper::read(&path).unwrap_err().to_string();
    assert!(err.contains("was changed after it was drawn"), "{err}");
}

/// The README's description of the algorithm is enough to re-implement it:
/// scripts/redraw.py (pure Python, its own ChaCha20) draws the same papers.
#[test]
fn an_independent_reimplementation_draws_the_same_papers() {
    let out = tempfile::tempdir().unwrap();
    draw_example(
        out.path(),
        &root().join("examples/roster.csv"),
        "2026-12-01",
    )
    .success();
    for (holder, paper) in read_papers(&out.path().join("papers")) {
        let ours: Vec<String> = paper
            .content
            .questions
            .iter()
            .map(|q| format!("{}:{}:{}", q.id, q.original, q.answer.display()))
            .collect();
        let python = std::process::Command::new("python3")
            .arg(root().join("scripts/redraw.py"))
            .arg(root().join("question_bank"))
            .arg(root().join("examples/blueprint.toml"))
            .arg("2026-12-01")
            .arg(format!("candidate:{holder}"))
            .output()
            .expect("python3 runs scripts/redraw.py");
        assert!(
            python.status.success(),
            "{}",
            String::from_utf8_lossy(&python.stderr)
        );
        assert_eq!(
            String::from_utf8(python.stdout).unwrap(),
            ours.join("\n") + "\n",
            "{holder}"
        );
    }
}

#[test]
fn a_validity_beyond_a_hundred_years_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(root().join("examples/blueprint.toml")).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("valid_months"))
        .unwrap()
        + 1;
    let blueprint = dir.path().join("blueprint.toml");
    let edited: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with("valid_months") {
                "valid_months = 4000000000".to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    fs::write(&blueprint, edited.join("\n") + "\n").unwrap();
    let out = dir.path().join("out");
    let assert = certexam()
        .args(["draw", "--blueprint"])
        .arg(&blueprint)
        .args(["--roster", "examples/roster.csv", "--seed", "x", "--out"])
        .arg(&out)
        .assert()
        .code(1);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains(&format!(
            "error: `valid_months` = 4000000000 is more than 1200 (100 years)\n  --> {}:{line}:16\n",
            blueprint.display()
        )),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn a_roster_workbook_whose_cells_span_the_whole_sheet_is_refused_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    let roster = dir.path().join("roster.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "id").unwrap();
    sheet.write_string(0, 1, "name").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    book.save(&roster).unwrap();
    let out = dir.path().join("out");
    let assert = draw_example(&out, &roster, "x").code(1);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("its cells span 1048576 rows × 16384 columns"),
        "{stderr}"
    );
    assert!(!out.exists());
}
