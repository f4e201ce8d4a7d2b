//! `certexam analyze` and `certexam feedback` as trainers and candidates see
//! them: a tiny exam graded by the real `certexam grade`, whose statistics
//! are worked out by hand below and must come out of the tool exactly; the
//! PDFs read back with pdftotext; and the example session from `examples/`.
//! These tests fail (never skip) when typst or poppler is missing:
//! `scripts/setup.sh` installs them.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use certexam::analysis::{self, stats};
use certexam::bank::QuestionType;
use certexam::paper::{
    self, CategoryTitle, DrawInfo, Exam, Key, Paper, PaperContent, PaperQuestion, PassRule,
    Scoring, Section,
};
use certexam::score_file::ScoreFile;

mod support;
use support::{certexam, pdftotext, squash};

/// The text of a PDF in content order, without any whitespace.
fn pdf_text(pdf: &Path) -> String {
    squash(&pdftotext(pdf, &["-raw"]))
}

// --- the hand-computed fixture ----------------------------------------------
//
// Exam FX-2026, pass mark 60 %, four bank questions, five points:
//
//   FX-1  single      1 point   key A        category alpha
//   FX-2  single      1 point   key B        category beta
//   FX-3  multiple    2 points  key A C      category alpha   (half_if_subset:
//                                             a correct subset earns 1 point)
//   FX-4  truefalse   1 point   key true     category beta
//
// Two forms. Form A prints everything in bank order. Form B prints FX-2
// before FX-1 and shuffles the options (`original`: printed letter → bank
// letter): FX-2 "BADC", FX-1 "DCBA", FX-3 "CDAB". So the same bank answer
// is a different printed letter on form B, and analysis must count it by
// the bank letter.
//
// What each candidate answered, in BANK letters (the sheets below carry the
// printed letters):
//
//   cand form  FX-1    FX-2    FX-3          FX-4   total (points)
//   C1   A     A  1    B  1    C  partial 1  对 1   4
//   C2   A     A  1    A  0    A  partial 1  对 1   3
//   C3   A     A  1    C  0    C  partial 1  对 1   3
//   C4   B     D  0    B  1    BD wrong   0  对 1   2
//   C5   B     B  0    C  0    (blank)    0  对 1   1
//
// Exam: totals 4 3 3 2 1, N = 5.
//   mean = 13 / 5 = 2.6
//   squared deviations 1.96 + 0.16 + 0.16 + 0.36 + 2.56 = 5.2
//   population variance 5.2 / 5 = 1.04, sd = √1.04 = 1.0198039027…
//   percents 80 60 60 40 20 → mean percent 52; pass (≥ 60 %): C1 C2 C3 → 3/5
//   histogram: 20–30: 1, 40–50: 1, 60–70: 2, 80–90: 1
//   category alpha (FX-1 + FX-3, max 3): earned 2 2 2 0 0 → mean 1.2, 6/15 = 40 %
//   category beta  (FX-2 + FX-4, max 2): earned 2 1 1 2 1 → mean 1.4, 7/10 = 70 %
//
// Item score x = earned / points; rest-score R = total − earned on the item.
// Upper and lower groups: 27 % of 5 = 1.35 → 1 candidate each: C1 (4) and C5 (1).
//
// FX-1: x = 1 1 1 0 0, R = 3 2 2 2 1
//   mean x = 0.6, mean R = 10/5 = 2
//   dx = .4 .4 .4 −.6 −.6, dR = 1 0 0 0 −1
//   Σdx·dR = .4 + .6 = 1.0; Σdx² = 3(.16) + 2(.36) = 1.2; ΣdR² = 1 + 1 = 2
//   r = 1.0 / √(1.2 × 2) = 1 / √2.4 = 0.6454972243…
//   facility 3/5 = 0.6; upper − lower = 1 − 0 = 1; blank 0
//   chosen: A 3 (C1 C2 C3), B 1 (C5), C 0, D 1 (C4) → distractor C unused
// FX-2: x = 1 0 0 1 0, R = 3 3 3 1 1
//   mean x = 0.4, mean R = 11/5 = 2.2
//   dx = .6 −.4 −.4 .6 −.4, dR = .8 .8 .8 −1.2 −1.2
//   Σdx·dR = .48 − .32 − .32 − .72 + .48 = −0.4
//   Σdx² = 2(.36) + 3(.16) = 1.2; ΣdR² = 3(.64) + 2(1.44) = 4.8
//   r = −0.4 / √(1.2 × 4.8) = −0.4 / 2.4 = −1/6 = −0.1666…  → negative discrimination
//   (while upper − lower = 1 − 0 = +1: with one candidate per group the
//   index only sees C1 and C5; the flag follows the point-biserial)
//   facility 2/5 = 0.4; chosen A 1, B 2, C 2, D 0 → distractor D unused
// FX-3: earned 1 1 1 0 0 → x = .5 .5 .5 0 0, R = 3 2 2 2 1 (as FX-1)
//   x is FX-1's x halved, and a correlation does not change with scale:
//   r = 0.6454972243…; mean score 1.5/5 = 0.3; upper − lower = .5 − 0 = 0.5
//   facility 0/5 = 0 (nobody got full points) → too hard; blank 1/5 = 0.2
//   chosen A 1 (C2), B 1 (C4), C 2 (C1 C3), D 1 (C4) → none unused
// FX-4: x = 1 1 1 1 1: no variance, r not defined; facility 5/5 = 1 → too easy
//   upper − lower = 1 − 1 = 0; chosen true 5, false 0 (true/false questions
//   get no distractor flag: facility covers them)
//
// KR-20: number fully correct X = 3 2 2 2 1 (C1: FX-1 FX-2 FX-4; C5: FX-4)
//   mean 2, variance (1 + 0 + 0 + 0 + 1) / 5 = 0.4
//   p = .6 .4 0 1 → pq = .24 .24 0 0, Σpq = 0.48, k = 4
//   KR-20 = 4/3 × (1 − 0.48 / 0.4) = 4/3 × (−0.2) = −0.2666…
//   (negative: four questions this different do not measure one thing)

const PASS_PERCENT: f64 = 60.0;

fn exam() -> Exam {
    Exam {
        id: "FX-2026".into(),
        title: "分析测试考试".into(),
        lang: "zh".into(),
        duration_minutes: 10,
        instructions: None,
        date: Some("2026-12-01".into()),
        valid_months: None,
        pass: PassRule {
            percent: PASS_PERCENT,
            categories: BTreeMap::new(),
        },
        sections: vec![
            Section {
                title: "一、单项选择题".into(),
                kind: QuestionType::Single,
                points: 1.0,
                scoring: Scoring::AllOrNothing,
                penalty: 0.0,
                first: 1,
                last: 2,
            },
            Section {
                title: "二、多项选择题".into(),
                kind: QuestionType::Multiple,
                points: 2.0,
                scoring: Scoring::HalfIfSubset,
                penalty: 0.0,
                first: 3,
                last: 3,
            },
            Section {
                title: "三、判断题".into(),
                kind: QuestionType::TrueFalse,
                points: 1.0,
                scoring: Scoring::AllOrNothing,
                penalty: 0.0,
                first: 4,
                last: 4,
            },
        ],
        categories: BTreeMap::from([
            (
                "alpha".to_string(),
                CategoryTitle {
                    title: "甲类".into(),
                    title_en: "Alpha".into(),
                },
            ),
            (
                "beta".to_string(),
                CategoryTitle {
                    title: "乙类".into(),
                    title_en: "Beta".into(),
                },
            ),
        ]),
    }
}

/// A bank question: id, type, category, stem, options in bank order, key in
/// bank letters (or "true"), explanation.
struct BankQ {
    id: &'static str,
    kind: QuestionType,
    category: &'static str,
    stem: &'static str,
    options: &'static [&'static str],
    key: &'static str,
    explanation: &'static str,
}

const BANK: [BankQ; 4] = [
    BankQ {
        id: "FX-1",
        kind: QuestionType::Single,
        category: "alpha",
        stem: "买家要求修改收货地址，客服首先应当怎么做？",
        options: &[
            "核实订单后在后台修改",
            "让买家重新下单",
            "直接拒绝",
            "私下加微信沟通",
        ],
        key: "A",
        explanation: "先核实订单信息，再按平台流程修改地址。",
    },
    BankQ {
        id: "FX-2",
        kind: QuestionType::Single,
        category: "beta",
        stem: "七天无理由退货的期限从哪一天起算？",
        options: &["下单当天", "签收次日", "发货当天", "付款次日"],
        key: "B",
        explanation: "七天无理由退货从买家签收商品的次日开始计算。",
    },
    BankQ {
        id: "FX-3",
        kind: QuestionType::Multiple,
        category: "alpha",
        stem: "以下哪些做法能保护买家的个人信息？",
        options: &[
            "只在平台内沟通",
            "把订单截图发到群里",
            "核验身份后再告知物流信息",
            "把手机号写在评价里",
        ],
        key: "AC",
        explanation: "买家信息只能在平台内、核验身份后使用，不得外传。",
    },
    BankQ {
        id: "FX-4",
        kind: QuestionType::TrueFalse,
        category: "beta",
        stem: "客服不得引导买家到平台外交易。",
        options: &[],
        key: "true",
        explanation: "平台外交易没有保障，平台规则明令禁止。",
    },
];

/// The question as printed: `original` maps printed letters to bank letters.
fn printed(q: &BankQ, number: u32, section: u32, original: &str) -> PaperQuestion {
    let options: Vec<String> = original
        .chars()
        .map(|bank| q.options[(bank as u8 - b'A') as usize].to_string())
        .collect();
    let answer = if q.kind == QuestionType::TrueFalse {
        Key::TrueFalse(q.key == "true")
    } else {
        let mut letters: Vec<char> = original
            .chars()
            .enumerate()
            .filter(|(_, bank)| q.key.contains(*bank))
            .map(|(i, _)| char::from(b'A' + i as u8))
            .collect();
        letters.sort();
        Key::Letters(letters.into_iter().collect())
    };
    PaperQuestion {
        number,
        section,
        id: q.id.into(),
        digest: format!("{:064}", number),
        kind: q.kind,
        category: q.category.into(),
        difficulty: 2,
        stem: q.stem.into(),
        options,
        answer,
        original: original.into(),
        explanation: Some(q.explanation.into()),
    }
}

fn form(letter: &str, questions: Vec<PaperQuestion>) -> Paper {
    Paper::new(PaperContent {
        format: paper::FORMAT.into(),
        exam: exam(),
        candidate: None,
        form: Some(letter.into()),
        draw: DrawInfo {
            algorithm: "certexam-draw-v1".into(),
            master_seed: "hand".into(),
            seed: "00".into(),
            bank_name: "fixture".into(),
            bank_version: "1".into(),
            bank_digest: "0".repeat(64),
            ..Default::default()
        },
        questions,
    })
}

fn fixture_papers() -> (Paper, Paper) {
    let [fx1, fx2, fx3, fx4] = &BANK;
    let a = form(
        "A",
        vec![
            printed(fx1, 1, 1, "ABCD"),
            printed(fx2, 2, 1, "ABCD"),
            printed(fx3, 3, 2, "ABCD"),
            printed(fx4, 4, 3, ""),
        ],
    );
    let b = form(
        "B",
        vec![
            printed(fx2, 1, 1, "BADC"),
            printed(fx1, 2, 1, "DCBA"),
            printed(fx3, 3, 2, "CDAB"),
            printed(fx4, 4, 3, ""),
        ],
    );
    (a, b)
}

/// Draws nothing: writes the two forms, a roster and the typed-in sheets,
/// makes a key and grades with the real `certexam grade`. Returns (papers
/// folder, scores folder).
fn graded_fixture(dir: &Path) -> (PathBuf, PathBuf) {
    let (a, b) = fixture_papers();
    let papers = dir.join("papers");
    fs::create_dir_all(&papers).unwrap();
    for p in [&a, &b] {
        fs::write(
            papers.join(format!("{}{}", p.holder(), paper::EXTENSION)),
            p.to_toml(),
        )
        .unwrap();
    }
    fs::write(
        dir.join("roster.csv"),
        "id,name\nC1,陈一\nC2,林二\nC3,黄三\nC4,周四\nC5,吴五\n",
    )
    .unwrap();
    // Printed letters. Form B: question 1 is FX-2 ("BADC": bank B is
    // printed A, bank C is printed D), question 2 is FX-1 ("DCBA": bank D is
    // printed A, bank B is printed C), question 3 is FX-3 ("CDAB": bank B is
    // printed D, bank D is printed B).
    let sheets = format!(
        "candidate,paper,1,2,3,4\n\
         C1,{a},A,B,C,对\n\
         C2,{a},A,A,A,对\n\
         C3,{a},A,C,C,对\n\
         C4,{b},A,A,BD,对\n\
         C5,{b},D,C,,对\n",
        a = a.paper_id,
        b = b.paper_id
    );
    fs::write(dir.join("sheets.csv"), sheets).unwrap();
    certexam()
        .args(["keygen", "--unencrypted", "--out"])
        .arg(dir.join("proctor"))
        .assert()
        .success();
    let scores = dir.join("scores");
    certexam()
        .args(["grade", "--papers"])
        .arg(&papers)
        .arg("--sheets")
        .arg(dir.join("sheets.csv"))
        .arg("--roster")
        .arg(dir.join("roster.csv"))
        .arg("--key")
        .arg(dir.join("proctor.key"))
        .arg("--out")
        .arg(&scores)
        .assert()
        .success();
    (papers, scores)
}

fn close(actual: Option<f64>, expected: f64, what: &str) {
    let a = actual.unwrap_or_else(|| panic!("{what}: not computed, expected {expected}"));
    assert!(
        (a - expected).abs() < 1e-9,
        "{what}: got {a}, expected {expected}"
    );
}

#[test]
fn statistics_equal_the_hand_computed_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let (_, scores) = graded_fixture(dir.path());
    let loaded = analysis::load_latest(&[scores], None);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    let files: Vec<&ScoreFile> = loaded.scores.iter().map(|l| &l.score).collect();
    let totals: Vec<String> = files
        .iter()
        .map(|s| format!("{}={}", s.candidate.id, s.result.total))
        .collect();
    assert_eq!(totals, ["C1=4", "C2=3", "C3=3", "C4=2", "C5=1"]);

    let items = stats::item_stats(&files, 5);
    let by_id: BTreeMap<&str, &stats::ItemStats> =
        items.iter().map(|i| (i.id.as_str(), i)).collect();
    let chosen = |id: &str| -> Vec<(String, usize)> {
        by_id[id]
            .options
            .iter()
            .map(|o| (o.option.clone(), o.chosen))
            .collect()
    };
    let pairs = |v: &[(&str, usize)]| -> Vec<(String, usize)> {
        v.iter().map(|(o, n)| (o.to_string(), *n)).collect()
    };

    let fx1 = by_id["FX-1"];
    close(fx1.facility, 0.6, "FX-1 facility");
    close(
        fx1.point_biserial,
        1.0 / 2.4f64.sqrt(),
        "FX-1 point-biserial",
    );
    close(fx1.upper_lower, 1.0, "FX-1 upper-lower");
    close(fx1.blank_rate, 0.0, "FX-1 blank rate");
    assert_eq!(
        chosen("FX-1"),
        pairs(&[("A", 3), ("B", 1), ("C", 0), ("D", 1)])
    );
    assert_eq!(fx1.flags, [stats::Flag::UnusedDistractor("C".into())]);

    let fx2 = by_id["FX-2"];
    close(fx2.facility, 0.4, "FX-2 facility");
    close(fx2.point_biserial, -1.0 / 6.0, "FX-2 point-biserial");
    close(fx2.upper_lower, 1.0, "FX-2 upper-lower");
    assert_eq!(
        chosen("FX-2"),
        pairs(&[("A", 1), ("B", 2), ("C", 2), ("D", 0)])
    );
    assert_eq!(
        fx2.flags,
        [
            stats::Flag::NegativeDiscrimination,
            stats::Flag::UnusedDistractor("D".into())
        ]
    );

    let fx3 = by_id["FX-3"];
    close(fx3.facility, 0.0, "FX-3 facility");
    close(fx3.mean_score, 0.3, "FX-3 mean score");
    close(
        fx3.point_biserial,
        1.0 / 2.4f64.sqrt(),
        "FX-3 point-biserial",
    );
    close(fx3.upper_lower, 0.5, "FX-3 upper-lower");
    close(fx3.blank_rate, 0.2, "FX-3 blank rate");
    assert_eq!(
        (fx3.correct, fx3.partial, fx3.wrong, fx3.blank),
        (0, 3, 1, 1)
    );
    assert_eq!(
        chosen("FX-3"),
        pairs(&[("A", 1), ("B", 1), ("C", 2), ("D", 1)])
    );
    assert_eq!(fx3.flags, [stats::Flag::TooHard]);

    let fx4 = by_id["FX-4"];
    close(fx4.facility, 1.0, "FX-4 facility");
    assert_eq!(fx4.point_biserial, None, "FX-4 has no variance");
    close(fx4.upper_lower, 0.0, "FX-4 upper-lower");
    assert_eq!(chosen("FX-4"), pairs(&[("true", 5), ("false", 0)]));
    assert_eq!(fx4.flags, [stats::Flag::TooEasy]);
    assert!(items.iter().all(|i| i.group_size == 1 && i.n == 5));

    let exams = stats::exam_stats(&files);
    assert_eq!(exams.len(), 1);
    let e = &exams[0];
    assert_eq!(e.candidates, 5);
    close(Some(e.mean), 2.6, "mean");
    close(Some(e.sd), 1.04f64.sqrt(), "sd");
    close(Some(e.mean_percent), 52.0, "mean percent");
    assert_eq!(
        (e.min.to_string(), e.max.to_string()),
        ("1".into(), "4".into())
    );
    assert_eq!(e.passed, 3);
    close(Some(e.pass_rate), 0.6, "pass rate");
    close(e.kr20.clone().ok(), 4.0 / 3.0 * (1.0 - 0.48 / 0.4), "KR-20");
    let cats: Vec<(String, f64, f64)> = e
        .categories
        .iter()
        .map(|c| (c.id.clone(), c.mean, c.percent))
        .collect();
    close(Some(cats[0].1), 1.2, "alpha mean");
    close(Some(cats[0].2), 40.0, "alpha percent");
    close(Some(cats[1].1), 1.4, "beta mean");
    close(Some(cats[1].2), 70.0, "beta percent");
    let bars: Vec<usize> = e.histogram.iter().map(|b| b.count).collect();
    assert_eq!(bars, [0, 0, 1, 0, 1, 0, 2, 0, 1, 0]);
}

#[test]
fn csv_files_have_the_documented_columns_and_the_hand_computed_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (papers, scores) = graded_fixture(dir.path());
    let out = dir.path().join("analysis");
    let assert = certexam()
        .arg("analyze")
        .arg(&scores)
        .arg("--papers")
        .arg(&papers)
        .arg("--out")
        .arg(&out)
        .arg("--no-pdf")
        .assert()
        .success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains(
            "FX-2026 (分析测试考试): 5 candidate(s), mean 2.60 of 5 (sd 1.02), 3 passed; KR-20 -0.2667"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("4 question(s) analysed, 4 flagged for review:"),
        "{stderr}"
    );

    let items = fs::read_to_string(out.join("items.csv")).unwrap();
    let mut lines = items.lines();
    assert_eq!(
        lines.next().unwrap(),
        "\u{feff}id,type,category,drawn,voided,n,correct,partial,wrong,blank,facility,mean_score,\
         point_biserial,upper_lower,group_size,blank_rate,key,chosen_A,chosen_B,chosen_C,\
         chosen_D,chosen_E,chosen_F,chosen_G,chosen_H,chosen_true,chosen_false,few_answers,flags"
    );
    let rest: Vec<&str> = lines.collect();
    assert_eq!(
        rest,
        [
            "FX-1,single,alpha,5,0,5,3,0,2,0,0.6000,0.6000,0.6455,1.0000,1,0.0000,A,3,1,0,1,,,,,,,false,unused_distractor:C",
            "FX-2,single,beta,5,0,5,2,0,3,0,0.4000,0.4000,-0.1667,1.0000,1,0.0000,B,1,2,2,0,,,,,,,false,negative_discrimination unused_distractor:D",
            "FX-3,multiple,alpha,5,0,5,0,3,1,1,0.0000,0.3000,0.6455,0.5000,1,0.2000,AC,1,1,2,1,,,,,,,false,too_hard",
            "FX-4,truefalse,beta,5,0,5,5,0,0,0,1.0000,1.0000,,0.0000,1,0.0000,true,,,,,,,,,5,0,false,too_easy",
        ]
    );

    let exam = fs::read_to_string(out.join("exam.csv")).unwrap();
    assert_eq!(
        exam.lines().collect::<Vec<_>>(),
        [
            "\u{feff}exam,title,date,candidates,max_points,mean,sd,min,max,mean_percent,passed,pass_rate,\
             pass_percent,items_per_candidate,kr20,kr20_note,alpha_mean,alpha_max,alpha_percent,\
             beta_mean,beta_max,beta_percent",
            "FX-2026,分析测试考试,2026-12-01,5,5,2.60,1.02,1,4,52.00,3,0.6000,60,4,-0.2667,,\
             1.20,3.00,40.00,1.40,2.00,70.00",
        ]
    );
    assert!(!out.join("report.pdf").exists(), "--no-pdf writes no PDF");
}

fn analyze(scores: &Path, papers: &Path, out: &Path) {
    certexam()
        .arg("analyze")
        .arg(scores)
        .arg("--papers")
        .arg(papers)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

#[test]
fn report_pdf_has_the_histogram_category_means_and_flagged_stems() {
    let dir = tempfile::tempdir().unwrap();
    let (papers, scores) = graded_fixture(dir.path());
    let out = dir.path().join("analysis");
    analyze(&scores, &papers, &out);
    let pdf = out.join("report.pdf");
    let text = pdf_text(&pdf);
    for needle in [
        "分析测试考试—试题分析报告",
        "成绩分布",
        "各分类平均分",
        "甲类1.203.0040.00%",
        "乙类1.402.0070.00%",
        "信度KR-20-0.2667",
        "需要复查的试题",
    ] {
        assert!(
            text.contains(needle),
            "`{needle}` missing from the report:\n{text}"
        );
    }
    // Every flagged question with its stem and the reason.
    for q in &BANK {
        assert!(text.contains(&squash(q.stem)), "stem of {} missing", q.id);
    }
    for reason in [
        "过易：答对率1.0000",
        "过难：答对率0.0000",
        "负区分度：与其余得分的点二列相关为-0.1667",
        "干扰项无人选择：选项C",
    ] {
        assert!(text.contains(reason), "`{reason}` missing:\n{text}");
    }
    // Rendering again gives the same bytes.
    let first = fs::read(&pdf).unwrap();
    let again = dir.path().join("again");
    analyze(&scores, &papers, &again);
    assert!(
        first == fs::read(again.join("report.pdf")).unwrap(),
        "the report is not byte-identical when rendered twice"
    );
}

#[test]
fn feedback_pdf_per_candidate_lists_wrong_answers_with_explanations() {
    let dir = tempfile::tempdir().unwrap();
    let (papers, scores) = graded_fixture(dir.path());
    let out = dir.path().join("feedback");
    let run = |out: &Path| {
        certexam()
            .arg("feedback")
            .arg(&scores)
            .arg("--papers")
            .arg(&papers)
            .arg("--out")
            .arg(out)
            .assert()
            .success()
    };
    let assert = run(&out);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("wrote 5 feedback report(s)"), "{stderr}");
    let pdf = |c: &str| out.join("FX-2026").join(format!("{c}.pdf"));

    // C5 (form B): printed 1 is FX-2, answered D (bank C); printed 2 is FX-1,
    // answered C (bank B); FX-3 left blank; FX-4 right.
    let c5 = pdf_text(&pdf("C5"));
    for needle in [
        "分析测试考试·成绩反馈",
        "姓名：吴五",
        "1/5",
        "20%",
        "不合格",
        "总分：要求60%，实际20%",
        "甲类030%",
        "乙类1250%",
        // printed number, stem, the candidate's answer, the key, the explanation
        "1.七天无理由退货的期限从哪一天起算？",
        "你的答案：D正确答案：A",
        "解析：七天无理由退货从买家签收商品的次日开始计算。",
        "2.买家要求修改收货地址，客服首先应当怎么做？",
        "你的答案：C正确答案：D",
        "3.以下哪些做法能保护买家的个人信息？",
        "你的答案：未作答正确答案：AC",
        "解析：买家信息只能在平台内、核验身份后使用，不得外传。",
    ] {
        assert!(
            c5.contains(needle),
            "`{needle}` missing from C5's feedback:\n{c5}"
        );
    }
    assert!(
        !c5.contains("客服不得引导买家到平台外交易"),
        "a right answer is not listed"
    );

    // C1 passed; only the partly right FX-3 is listed.
    let c1 = pdf_text(&pdf("C1"));
    for needle in [
        "4/5",
        "80%",
        "合格",
        "3.以下哪些做法能保护买家的个人信息？",
        "部分得分",
        "你的答案：C正确答案：AC",
    ] {
        assert!(
            c1.contains(needle),
            "`{needle}` missing from C1's feedback:\n{c1}"
        );
    }
    assert!(!c1.contains("未达到的合格要求"));
    assert!(!c1.contains("七天无理由退货的期限"));

    // Same bytes when rendered again.
    let again = dir.path().join("again");
    run(&again);
    for c in ["C1", "C2", "C3", "C4", "C5"] {
        assert!(
            fs::read(pdf(c)).unwrap()
                == fs::read(again.join("FX-2026").join(format!("{c}.pdf"))).unwrap(),
            "{c}'s feedback is not byte-identical when rendered twice"
        );
    }
}

#[test]
fn a_missing_paper_is_reported_and_the_rest_still_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let (papers, scores) = graded_fixture(dir.path());
    fs::remove_file(papers.join("B.paper.toml")).unwrap();
    let out = dir.path().join("analysis");
    let assert = certexam()
        .arg("analyze")
        .arg(&scores)
        .arg("--papers")
        .arg(&papers)
        .arg("--out")
        .arg(&out)
        .arg("--no-pdf")
        .assert()
        .code(1);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let (_, b) = fixture_papers();
    assert!(
        stderr.contains(&format!(
            "error: C4's paper {} (exam FX-2026) is not in {}; its questions' stems and options are not available",
            b.paper_id,
            papers.display()
        )),
        "{stderr}"
    );
    assert!(out.join("items.csv").exists());

    let fb = dir.path().join("feedback");
    certexam()
        .arg("feedback")
        .arg(&scores)
        .arg("--papers")
        .arg(&papers)
        .arg("--out")
        .arg(&fb)
        .assert()
        .code(1);
    assert!(fb.join("FX-2026/C1.pdf").exists());
    assert!(!fb.join("FX-2026/C4.pdf").exists());
}

#[test]
fn no_score_files_is_a_usage_error_that_says_what_to_give() {
    let dir = tempfile::tempdir().unwrap();
    let (papers, _) = graded_fixture(dir.path());
    let empty = dir.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    let assert = certexam()
        .arg("analyze")
        .arg(&empty)
        .arg("--papers")
        .arg(&papers)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert_eq!(
        stderr,
        format!(
            "error: no usable score files in {}; give the folder that `certexam grade --out` wrote\n",
            empty.display()
        )
    );
}

#[test]
fn example_session_gives_report_and_feedback_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certexam()
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
        .arg(d.join("exam"))
        .assert()
        .success();
    certexam()
        .args(["keygen", "--unencrypted", "--out"])
        .arg(d.join("proctor"))
        .assert()
        .success();
    // examples/sheets.csv has bad rows on purpose: grade exits 1.
    certexam()
        .args(["grade", "--sheets", "examples/sheets.csv", "--papers"])
        .arg(d.join("exam"))
        .arg("--key")
        .arg(d.join("proctor.key"))
        .arg("--out")
        .arg(d.join("scores"))
        .assert()
        .code(1);
    let out = d.join("analysis");
    let assert = certexam()
        .arg("analyze")
        .arg(d.join("scores"))
        .arg("--papers")
        .arg(d.join("exam"))
        .arg("--out")
        .arg(&out)
        .arg("--pubkey")
        .arg(d.join("proctor.pub"))
        .args(["--min-answers", "3"])
        .assert()
        .success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("CS-CERT-2026Q4 (网店客服上岗认证考试): 8 candidate(s)"),
        "{stderr}"
    );
    for f in ["items.csv", "exam.csv", "report.pdf"] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let report = pdf_text(&out.join("report.pdf"));
    assert!(report.contains("成绩分布") && report.contains("需要复查的试题"));

    let fb = d.join("feedback");
    certexam()
        .arg("feedback")
        .arg(d.join("scores"))
        .arg("--papers")
        .arg(d.join("exam"))
        .arg("--out")
        .arg(&fb)
        .assert()
        .success();
    let written: Vec<String> = fs::read_dir(fb.join("CS-CERT-2026Q4"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(
        written,
        [
            "E001.pdf", "E002.pdf", "E003.pdf", "E004.pdf", "E006.pdf", "E007.pdf", "E009.pdf",
            "E010.pdf"
        ]
    );
    // E004 failed both the overall mark and the security gate.
    let e004 = pdf_text(&fb.join("CS-CERT-2026Q4/E004.pdf"));
    assert!(
        e004.contains("不合格") && e004.contains("未达到的合格要求"),
        "{e004}"
    );
}

#[test]
fn a_regrade_replaces_the_older_version_and_voided_questions_count_only_as_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let (papers, scores) = graded_fixture(dir.path());
    // FX-2 voided for everyone: every result changes, so every candidate
    // gets a version 2 beside the signed version 1.
    certexam()
        .args(["grade", "--void", "FX-2", "--papers"])
        .arg(&papers)
        .arg("--sheets")
        .arg(dir.path().join("sheets.csv"))
        .arg("--roster")
        .arg(dir.path().join("roster.csv"))
        .arg("--key")
        .arg(dir.path().join("proctor.key"))
        .arg("--out")
        .arg(&scores)
        .assert()
        .success();
    assert!(scores.join("FX-2026/C1.score.v2.toml").exists());
    let out = dir.path().join("analysis");
    let assert = certexam()
        .arg("analyze")
        .arg(&scores)
        .arg("--papers")
        .arg(&papers)
        .arg("--out")
        .arg(&out)
        .arg("--no-pdf")
        .arg("--pubkey")
        .arg(dir.path().join("proctor.pub"))
        .assert()
        .success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    // Without FX-2 the totals are 3 3 3 1 1 of 4: mean 11/5 = 2.2. Numbers
    // correct X = 2 2 2 1 1 (variance 0.24); p = .6 0 1 → Σpq = 0.24, so
    // KR-20 = 3/2 × (1 − 0.24/0.24) = 0.
    assert!(
        stderr.contains("5 candidate(s), mean 2.20 of 4 (sd 0.98), 3 passed; KR-20 0.0000"),
        "{stderr}"
    );
    assert!(
        stderr.contains("5 older version(s) replaced by a regrade were left out"),
        "{stderr}"
    );
    let items = fs::read_to_string(out.join("items.csv")).unwrap();
    let fx2 = items.lines().find(|l| l.starts_with("FX-2,")).unwrap();
    assert!(
        fx2.starts_with("FX-2,single,beta,5,5,0,0,0,0,0,,,,,0,,"),
        "{fx2}"
    );
    let exam = fs::read_to_string(out.join("exam.csv")).unwrap();
    let row: Vec<&str> = exam.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[13], "3", "three questions counted per candidate");
}
