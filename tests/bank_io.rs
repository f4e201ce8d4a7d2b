//! `certexam bank import` / `bank export` as a trainer meets them: Chinese
//! Excel and CSV sheets in, Moodle XML, GIFT and CSV out, and round trips
//! that keep every question digest.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use certexam::bank::{self, Answer, QuestionType};
use quick_xml::events::Event;

mod support;
use support::{certexam_in, copy_dir, fixture, root};

fn read_dir_texts(dir: &Path) -> BTreeMap<String, String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect()
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn clean_bank(dir: &Path) -> bank::Bank {
    let loaded = bank::load(dir);
    assert!(!loaded.has_errors(), "{:#?}", loaded.diagnostics);
    loaded.bank.unwrap()
}

fn by_stem<'b>(bank: &'b bank::Bank, stem: &str) -> &'b bank::Question {
    bank.questions
        .iter()
        .find(|q| q.stem == stem)
        .unwrap_or_else(|| panic!("no question with stem {stem}"))
}

#[test]
fn a_chinese_csv_sheet_becomes_a_bank_that_passes_check() {
    let tmp = tempfile::tempdir().unwrap();
    fs::copy(
        fixture("import_csv/客服题库.csv"),
        tmp.path().join("客服题库.csv"),
    )
    .unwrap();
    let output = certexam_in(tmp.path())
        .args(["bank", "import", "客服题库.csv", "--out", "bank"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    // Rows as Excel numbers them: the title row is 1, the header 2, the
    // stem with a line break inside is still one row, blank rows count.
    let rejected: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("rejected:") || l.starts_with("  = help"))
        .collect();
    assert_eq!(
        rejected,
        [
            "rejected: 客服题库.csv row 10, 答案（必填） (column I): the answer names option E, but this row has only 4 option(s)",
            "  = help: use letters A–D, or fill the missing option",
            "rejected: 客服题库.csv row 11, 题型 (column B): type \"填空题\" cannot be imported: certexam has single-choice, multiple-choice and true/false questions only",
            "  = help: leave such questions out of the sheet, or delete the row",
            "rejected: 客服题库.csv row 12, 答案（必填） (column I): the answer is empty",
            "  = help: write the correct option letters (e.g. B or ACD), or 对/错 for 判断题",
        ]
    );
    assert!(
        stderr.contains("8 new, 0 unchanged, 3 row(s) rejected"),
        "{stderr}"
    );
    assert!(
        stderr.contains("ignored columns: 序号 (column A)"),
        "{stderr}"
    );

    certexam_in(tmp.path())
        .args(["bank", "check", "bank"])
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "8 questions in 2 files, no errors",
        ));
    let bank = clean_bank(&tmp.path().join("bank"));
    let titles: Vec<(&str, &str)> = bank
        .categories
        .iter()
        .map(|c| (c.id.as_str(), c.title.as_str()))
        .collect();
    assert_eq!(
        titles,
        [("shouhoufuwu", "售后服务"), ("xinxianquan", "信息安全")]
    );

    // Full-width answer and difficulty.
    let q = by_stem(&bank, "以下哪些属于买家的个人信息？");
    assert_eq!(
        (q.kind, &q.answer, q.difficulty),
        (QuestionType::Multiple, &Answer::Choice(vec![0, 1, 2]), 3)
    );
    // A stem with a line break; options with their letter repeated; A;B;C.
    let q = by_stem(&bank, "发货前应当检查哪些内容？\n（可多选）");
    assert_eq!(q.options[0], "商品型号");
    assert_eq!(
        (&q.answer, q.difficulty),
        (&Answer::Choice(vec![0, 1, 2]), 4)
    );
    // √ and 错; 正确 with ideographic spaces around the stem.
    assert_eq!(
        by_stem(&bank, "七天无理由退货的商品应保持完好。").answer,
        Answer::TrueFalse(true)
    );
    assert_eq!(
        by_stem(&bank, "客服可以把买家的电话告诉其他买家。").answer,
        Answer::TrueFalse(false)
    );
    assert_eq!(
        by_stem(&bank, "客服应当及时处理买家的退款申请。").difficulty,
        1
    );
    // Lower-case letters; no difficulty → 3; 不定项 with A、B → multiple.
    let q = by_stem(&bank, "客服常用的礼貌用语有：");
    assert_eq!((&q.answer, q.difficulty), (&Answer::Choice(vec![0, 1]), 3));
    assert_eq!(
        by_stem(&bank, "退款纠纷时客服可以提供哪些凭证？").kind,
        QuestionType::Multiple
    );
    // Generated ids: IMP-<category>-<8 hex>.
    assert!(bank.questions.iter().all(|q| q.id.starts_with("IMP-")));
}

#[test]
fn importing_the_same_sheet_again_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let sheet = fixture("import_csv/客服题库.csv");
    let run = || {
        certexam_in(tmp.path())
            .args(["bank", "import"])
            .arg(&sheet)
            .args(["--out", "bank"])
            .output()
            .unwrap()
    };
    run();
    let before = read_dir_texts(&tmp.path().join("bank"));
    let output = run();
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("0 new, 8 unchanged, 3 row(s) rejected; nothing written"),
        "{stderr}"
    );
    assert_eq!(read_dir_texts(&tmp.path().join("bank")), before);
}

#[test]
fn a_gb18030_csv_from_chinese_excel_is_read() {
    let sheet = fixture("import_gbk/题库.csv");
    let bytes = fs::read(&sheet).unwrap();
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture must be GB18030"
    );
    let tmp = tempfile::tempdir().unwrap();
    let output = certexam_in(tmp.path())
        .args(["bank", "import"])
        .arg(&sheet)
        .args([
            "--out",
            "bank",
            "--category-map",
            "售后服务=aftersales,信息安全=security",
        ])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("(GB18030, header on row 1): 3 new"),
        "{stderr}"
    );
    let bank = clean_bank(&tmp.path().join("bank"));
    let q = by_stem(&bank, "以下哪些是常见的诈骗话术？");
    assert_eq!(q.category, "security");
    assert_eq!(q.options[1], "“点击链接领取赔偿”");
    assert_eq!(q.answer, Answer::Choice(vec![0, 1, 3]));
    assert_eq!(q.difficulty, 4);
    assert!(tmp.path().join("bank/aftersales.toml").exists());
}

/// A sheet as a training department keeps it: a merged title row above the
/// header, 知识点 merged over several rows, numbers typed as numbers, a
/// TRUE cell, a blank row, and one bad row.
fn write_xlsx(path: &Path) {
    use rust_xlsxwriter::Workbook;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("客服题库").unwrap();
    let plain = rust_xlsxwriter::Format::new();
    sheet
        .merge_range(0, 0, 0, 8, "2026年网店客服上岗培训题库", &plain)
        .unwrap();
    let header = [
        "题型",
        "题目",
        "选项A",
        "选项B",
        "选项C",
        "选项D",
        "正确答案",
        "难度",
        "知识点",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    let rows: [(&str, &str, [&str; 4], &str, f64); 3] = [
        (
            "单选题",
            "买家要求走顺丰，但店铺默认发圆通，客服应当怎么做？",
            [
                "说明默认快递并询问是否愿意补差价",
                "直接拒绝",
                "私下改发顺丰不告诉买家",
                "让买家取消订单",
            ],
            "A",
            2.0,
        ),
        (
            "多选题",
            "包裹破损时需要买家提供哪些材料？",
            ["外包装照片", "商品破损照片", "买家身份证", "签收单"],
            "A、B、D",
            3.0,
        ),
        (
            "单选题",
            "偏远地区不包邮时客服应当怎么说明？",
            ["提前说明运费标准", "发货后再补收", "拒绝发货", "不做说明"],
            "ａ",
            1.0,
        ),
    ];
    for (i, (kind, stem, options, answer, difficulty)) in rows.iter().enumerate() {
        let r = 2 + i as u32;
        sheet.write_string(r, 0, *kind).unwrap();
        sheet.write_string(r, 1, *stem).unwrap();
        for (c, o) in options.iter().enumerate() {
            sheet.write_string(r, 2 + c as u16, *o).unwrap();
        }
        sheet.write_string(r, 6, *answer).unwrap();
        sheet.write_number(r, 7, *difficulty).unwrap();
    }
    sheet.merge_range(2, 8, 4, 8, "物流", &plain).unwrap();
    // Row 6 (index 5) stays blank.
    sheet.write_string(6, 0, "判断题").unwrap();
    sheet
        .write_string(6, 1, "买家签收后发现少件，应当先核对发货记录。")
        .unwrap();
    sheet.write_boolean(6, 6, true).unwrap();
    sheet.write_number(6, 7, 2.0).unwrap();
    sheet.write_string(6, 8, "售后").unwrap();
    sheet.write_string(7, 0, "多选题").unwrap();
    sheet
        .write_string(7, 1, "哪些做法能减少快递丢件？")
        .unwrap();
    sheet.write_string(7, 2, "保价").unwrap();
    sheet.write_string(7, 3, "拍照留存").unwrap();
    sheet.write_string(7, 6, "A").unwrap();
    sheet.write_string(7, 8, "物流").unwrap();
    book.save(path).unwrap();
}

#[test]
fn an_xlsx_sheet_with_a_title_row_merged_cells_and_blank_rows() {
    let tmp = tempfile::tempdir().unwrap();
    write_xlsx(&tmp.path().join("题库.xlsx"));
    let output = certexam_in(tmp.path())
        .args([
            "bank",
            "import",
            "题库.xlsx",
            "--out",
            "bank",
            "--category-map",
            "物流=logistics",
        ])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "rejected: 题库.xlsx [客服题库] row 8, 正确答案 (column G): a multiple-choice question (多选题) needs two or more correct letters, \"A\" has 1"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("(header on row 2): 4 new, 0 unchanged, 1 row(s) rejected"),
        "{stderr}"
    );
    let bank = clean_bank(&tmp.path().join("bank"));
    // The merged 知识点 cell covers all three rows.
    let logistics: Vec<&str> = bank
        .questions
        .iter()
        .filter(|q| q.category == "logistics")
        .map(|q| q.stem.as_str())
        .collect();
    assert_eq!(logistics.len(), 3, "{logistics:?}");
    let q = by_stem(&bank, "包裹破损时需要买家提供哪些材料？");
    assert_eq!(
        (&q.answer, q.difficulty),
        (&Answer::Choice(vec![0, 1, 3]), 3)
    );
    assert_eq!(
        by_stem(&bank, "偏远地区不包邮时客服应当怎么说明？").answer,
        Answer::Choice(vec![0])
    );
    let tf = by_stem(&bank, "买家签收后发现少件，应当先核对发货记录。");
    assert_eq!(
        (tf.kind, &tf.answer),
        (QuestionType::TrueFalse, &Answer::TrueFalse(true))
    );
    assert_eq!(tf.category, "shouhou");
}

#[test]
fn the_shipped_bank_round_trips_through_csv_with_identical_digests() {
    let tmp = tempfile::tempdir().unwrap();
    let shipped = root().join("question_bank");
    certexam_in(tmp.path())
        .args(["bank", "export"])
        .arg(&shipped)
        .args(["--format", "csv", "--out", "bank.csv"])
        .assert()
        .success();
    let csv = fs::read(tmp.path().join("bank.csv")).unwrap();
    assert!(
        csv.starts_with(b"\xEF\xBB\xBFID,"),
        "UTF-8 with BOM for Excel"
    );

    certexam_in(tmp.path())
        .args(["bank", "import", "bank.csv", "--out", "copy"])
        .assert()
        .success();
    let original = clean_bank(&shipped);
    let copy = clean_bank(&tmp.path().join("copy"));
    let digests = |b: &bank::Bank| -> BTreeMap<String, String> {
        b.questions
            .iter()
            .map(|q| (q.id.clone(), q.digest()))
            .collect()
    };
    assert_eq!(digests(&copy), digests(&original));
    assert_eq!(copy.digest(), original.digest());
    let ids = |b: &bank::Bank| {
        b.categories
            .iter()
            .map(|c| c.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&copy), ids(&original));

    // Into the shipped bank itself: nothing new, nothing changed, no byte moved.
    copy_dir(&shipped, &tmp.path().join("shipped"));
    let before = read_dir_texts(&tmp.path().join("shipped"));
    let output = certexam_in(tmp.path())
        .args(["bank", "import", "bank.csv", "--out", "shipped"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains(&format!(
        "0 new, {} unchanged, 0 row(s) rejected; nothing written",
        original.questions.len()
    )));
    assert_eq!(read_dir_texts(&tmp.path().join("shipped")), before);
}

#[test]
fn changed_questions_are_reported_and_only_rewritten_with_update() {
    let tmp = tempfile::tempdir().unwrap();
    let bank_dir = tmp.path().join("qb");
    copy_dir(&root().join("question_bank"), &bank_dir);
    let original = clean_bank(&bank_dir);
    let log1 = original.question("LOG-001").unwrap();
    // The sheet changes LOG-001's answer to another letter.
    let old_letter = log1.answer.display();
    let (new_letter, new_index) = if old_letter == "B" {
        ("C", 2)
    } else {
        ("B", 1)
    };
    let sheet = format!(
        "ID,题型,分类,难度,题干,选项A,选项B,选项C,选项D,答案\n\
         LOG-001,单选题,物流与付款,{},{},{},{},{},{},{new_letter}\n\
         ,单选题,物流与付款,2,买家问能否指定快递，客服应先查看什么？,店铺合作的快递公司,天气预报,买家等级,商品销量,A\n",
        log1.difficulty,
        log1.stem,
        log1.options[0],
        log1.options[1],
        log1.options[2],
        log1.options[3]
    );
    fs::write(tmp.path().join("sheet.csv"), sheet).unwrap();
    let before = fs::read_to_string(bank_dir.join("logistics.toml")).unwrap();

    let output = certexam_in(tmp.path())
        .args(["bank", "import", "sheet.csv", "--out", "qb"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("changed: LOG-001 (row 2) differs from the bank at qb/logistics.toml:"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(": answer {old_letter} → {new_letter}\n")),
        "{stderr}"
    );
    assert!(stderr.contains("1 new, 0 unchanged, 1 changed but not written (use --update)"));
    // The new question is appended; everything before it is untouched, and
    // the source/tags/group the sheet has no column for are not erased.
    let after = fs::read_to_string(bank_dir.join("logistics.toml")).unwrap();
    assert!(after.starts_with(&before));
    assert!(after[before.len()..].contains("# ── 单选题 · imported from sheet.csv ──"));
    let bank = clean_bank(&bank_dir);
    assert_eq!(bank.question("LOG-001").unwrap(), log1);
    let new = by_stem(&bank, "买家问能否指定快递，客服应先查看什么？");
    assert!(new.id.starts_with("IMP-logistics-"), "{}", new.id);

    let output = certexam_in(tmp.path())
        .args(["bank", "import", "sheet.csv", "--out", "qb", "--update"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("0 new, 1 unchanged, 1 updated"), "{stderr}");
    let updated = clean_bank(&bank_dir);
    let q = updated.question("LOG-001").unwrap();
    assert_eq!(q.answer, Answer::Choice(vec![new_index]));
    assert_eq!(
        (&q.source, &q.tags, &q.group),
        (&log1.source, &log1.tags, &log1.group)
    );
    // Only the answer line of that question changed in the file.
    let final_text = fs::read_to_string(bank_dir.join("logistics.toml")).unwrap();
    let changed: Vec<(&str, &str)> = after
        .lines()
        .zip(final_text.lines())
        .filter(|(a, b)| a != b)
        .collect();
    let (was, now) = (
        format!("answer = \"{old_letter}\""),
        format!("answer = \"{new_letter}\""),
    );
    assert_eq!(changed, [(was.as_str(), now.as_str())]);
}

#[test]
fn columns_and_categories_can_be_named_on_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("sheet.csv"),
        "问题描述,正确选项,A,B,C,备注\n买家催发货时客服应当怎么回复？,B,不理会,说明发货时间并致歉,让买家退款,内部\n",
    )
    .unwrap();
    let output = certexam_in(tmp.path())
        .args(["bank", "import", "sheet.csv", "--out", "bank"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output)
            .contains("no header row with a stem column (题干) and an answer column (答案)"),
        "{}",
        stderr_of(&output)
    );
    let output = certexam_in(tmp.path())
        .args([
            "bank",
            "import",
            "sheet.csv",
            "--out",
            "bank",
            "--columns",
            "问题描述=stem,正确选项=answer,备注=ignore",
            "--category",
            "售前咨询",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let bank = clean_bank(&tmp.path().join("bank"));
    let q = &bank.questions[0];
    // The new category's id is the pinyin of its name, run together as
    // 售后服务 → shouhoufuwu above; the name stays its title.
    assert_eq!(
        (q.category.as_str(), &q.answer),
        ("shouqianzixun", &Answer::Choice(vec![1]))
    );
    assert_eq!(bank.category("shouqianzixun").unwrap().title, "售前咨询");
    assert_eq!(q.options, ["不理会", "说明发货时间并致歉", "让买家退款"]);
}

#[test]
fn a_sheet_without_categories_needs_one_named() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("s.csv"), "题干,答案\n对吗？,对\n").unwrap();
    let output = certexam_in(tmp.path())
        .args(["bank", "import", "s.csv", "--out", "bank"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr_of(&output),
        "error: s.csv: the sheet has no category column (分类); add one, or give --category NAME for all its questions\n"
    );
    assert!(!tmp.path().join("bank").exists());
}

/// The XML as a tree, enough to check what Moodle's importer reads.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn all(&self, name: &str) -> Vec<&Node> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    fn one(&self, name: &str) -> &Node {
        let found = self.all(name);
        assert_eq!(found.len(), 1, "<{name}> in <{}>", self.name);
        found[0]
    }

    /// The text of `<name><text>…</text></name>`.
    fn text_of(&self, name: &str) -> &str {
        &self.one(name).one("text").text
    }
}

fn parse_xml(text: &str) -> Node {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack = vec![Node::default()];
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => {
                let mut node = Node {
                    name: e.name().as_ref().to_string(),
                    ..Node::default()
                };
                for a in e.attributes() {
                    let a = a.unwrap();
                    node.attrs.insert(
                        a.key.as_ref().to_string(),
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .unwrap()
                            .into_owned(),
                    );
                }
                stack.push(node);
            }
            Event::End(_) => {
                let node = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(node);
            }
            Event::Text(t) => {
                let text = t.xml10_content();
                stack.last_mut().unwrap().text.push_str(&text);
            }
            Event::CData(c) => {
                let text: &str = &c;
                stack.last_mut().unwrap().text.push_str(text);
            }
            Event::GeneralRef(r) => {
                let text = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                        .unwrap()
                        .to_string(),
                };
                stack.last_mut().unwrap().text.push_str(&text);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1);
    stack.pop().unwrap().children.remove(0)
}

#[test]
fn moodle_xml_has_what_moodles_importer_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let shipped = root().join("question_bank");
    certexam_in(tmp.path())
        .args(["bank", "export"])
        .arg(&shipped)
        .args(["--format", "moodle-xml", "--out", "bank.xml"])
        .assert()
        .success();
    let text = fs::read_to_string(tmp.path().join("bank.xml")).unwrap();
    // Moodle wants the XML declaration on the very first line.
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<quiz>"));
    let quiz = parse_xml(&text);
    assert_eq!(quiz.name, "quiz");
    let bank = clean_bank(&shipped);

    let mut category = String::new();
    let mut seen = 0;
    for question in quiz.all("question") {
        let kind = question.attrs["type"].as_str();
        if kind == "category" {
            category = question.text_of("category").to_string();
            assert!(category.starts_with("$course$/"), "{category}");
            continue;
        }
        seen += 1;
        let id = question.text_of("name");
        let q = bank.question(id).unwrap_or_else(|| panic!("{id}"));
        let title = &bank.category(&q.category).unwrap().title;
        assert_eq!(category, format!("$course$/{title}"), "{id}");
        let questiontext = question.one("questiontext");
        assert_eq!(questiontext.attrs["format"], "plain_text");
        assert_eq!(questiontext.one("text").text, q.stem);
        assert_eq!(
            question.text_of("generalfeedback"),
            q.explanation.as_deref().unwrap_or("")
        );
        assert_eq!(question.one("idnumber").text, q.id);
        let answers = question.all("answer");
        let fractions: Vec<f64> = answers
            .iter()
            .map(|a| a.attrs["fraction"].parse().unwrap())
            .collect();
        match q.kind {
            QuestionType::TrueFalse => {
                assert_eq!(kind, "truefalse");
                let texts: Vec<&str> = answers
                    .iter()
                    .map(|a| a.one("text").text.as_str())
                    .collect();
                assert_eq!(texts, ["true", "false"]);
                let Answer::TrueFalse(truth) = q.answer else {
                    unreachable!()
                };
                let expected = if truth { [100.0, 0.0] } else { [0.0, 100.0] };
                assert_eq!(fractions, expected, "{id}");
            }
            QuestionType::Single | QuestionType::Multiple => {
                assert_eq!(kind, "multichoice");
                let single = q.kind == QuestionType::Single;
                assert_eq!(question.one("single").text, single.to_string());
                assert_eq!(
                    question.one("shuffleanswers").text,
                    (!q.fixed_order).to_string()
                );
                assert_eq!(question.one("answernumbering").text, "ABCD");
                let texts: Vec<&str> = answers
                    .iter()
                    .map(|a| a.one("text").text.as_str())
                    .collect();
                assert_eq!(texts, q.options, "{id}");
                let Answer::Choice(correct) = &q.answer else {
                    unreachable!()
                };
                for (i, f) in fractions.iter().enumerate() {
                    let right = correct.contains(&i);
                    match (single, right) {
                        (true, true) => assert_eq!(*f, 100.0),
                        (true, false) => assert_eq!(*f, 0.0),
                        (false, true) => assert!((*f - 100.0 / correct.len() as f64).abs() < 1e-4),
                        (false, false) => assert_eq!(*f, -100.0),
                    }
                }
                let positive: f64 = fractions.iter().filter(|f| **f > 0.0).sum();
                // Moodle rounds the sum of positive fractions to 2 decimals.
                assert!((positive / 100.0 - 1.0).abs() < 0.005, "{id}: {positive}");
            }
        }
    }
    assert_eq!(seen, bank.questions.len());
}

#[test]
fn gift_escapes_its_special_characters() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bank");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("bank.toml"),
        "name = \"t\"\nversion = \"1\"\n\n[[category]]\nid = \"x\"\ntitle = \"售后/退款\"\ntitle_en = \"X\"\n",
    )
    .unwrap();
    // ASCII `:` (in the option) is escaped; the full-width `：` in the stem
    // means nothing to GIFT and stays as it is.
    fs::write(
        dir.join("q.toml"),
        r#"[[question]]
id = "X-1"
type = "single"
category = "x"
difficulty = 2
stem = "价格写成 {99} 元 = 优惠价吗？备注：#1 ~ 见\\说明"
options = ["是:对", "否"]
answer = "B"
explanation = "a=b#c"

[[question]]
id = "X-2"
type = "truefalse"
category = "x"
difficulty = 1
stem = "第一行\n第二行"
answer = true
"#,
    )
    .unwrap();
    certexam_in(tmp.path())
        .args([
            "bank",
            "export",
            "bank",
            "--format",
            "gift",
            "--out",
            "bank.gift",
        ])
        .assert()
        .success();
    let gift = fs::read_to_string(tmp.path().join("bank.gift")).unwrap();
    let body = gift.split_once("\n\n").unwrap().1;
    assert_eq!(
        body,
        "$CATEGORY: $course$/售后//退款\n\
         \n\
         // [id:X-1]\n\
         ::X-1::[plain]价格写成 \\{99\\} 元 \\= 优惠价吗？备注：\\#1 \\~ 见\\\\说明{\n\
         ~是\\:对\n\
         =否\n\
         ####a\\=b\\#c\n\
         }\n\
         \n\
         // [id:X-2]\n\
         ::X-2::[plain]第一行\\n第二行{\n\
         TRUE\n\
         }\n"
    );
}

#[test]
fn a_bank_with_errors_is_not_exported() {
    let tmp = tempfile::tempdir().unwrap();
    let output = certexam_in(tmp.path())
        .args(["bank", "export"])
        .arg(fixture("bad_bank"))
        .args(["--format", "gift", "--out", "bank.gift"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_of(&output).contains("the bank has errors (above); nothing exported"));
    assert!(!tmp.path().join("bank.gift").exists());
}

#[test]
fn the_shipped_bank_exports_to_gift_one_block_per_question() {
    let tmp = tempfile::tempdir().unwrap();
    let shipped = root().join("question_bank");
    certexam_in(tmp.path())
        .args(["bank", "export"])
        .arg(&shipped)
        .args(["--format", "gift", "--out", "bank.gift"])
        .assert()
        .success();
    let gift = fs::read_to_string(tmp.path().join("bank.gift")).unwrap();
    let bank = clean_bank(&shipped);
    let categories: Vec<&str> = gift
        .lines()
        .filter_map(|l| l.strip_prefix("$CATEGORY: $course$/"))
        .collect();
    let titles: Vec<&str> = bank.categories.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(categories, titles);
    // Every question is one `::id::…{ … }` block: outside comments, the
    // only unescaped braces are the ones that open and close its answers.
    let mut names = Vec::new();
    for block in gift.split("\n\n").filter(|b| b.contains("::")) {
        let body: String = block
            .lines()
            .filter(|l| !l.starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut unescaped = Vec::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '{' | '}' => unescaped.push(c),
                _ => {}
            }
        }
        assert_eq!(unescaped, ['{', '}'], "{block}");
        let name = body.strip_prefix("::").unwrap().split("::").next().unwrap();
        names.push(name.to_string());
    }
    let ids: Vec<String> = bankio_order(&bank);
    assert_eq!(names, ids);
}

/// Question ids in export order: categories as bank.toml lists them, ids
/// ascending within each.
fn bankio_order(bank: &bank::Bank) -> Vec<String> {
    bank.categories
        .iter()
        .flat_map(|c| bank.questions.iter().filter(move |q| q.category == c.id))
        .map(|q| q.id.clone())
        .collect()
}

#[test]
fn the_example_sheet_goes_into_the_shipped_bank_without_splitting_categories() {
    let tmp = tempfile::tempdir().unwrap();
    let bank_dir = tmp.path().join("qb");
    copy_dir(&root().join("question_bank"), &bank_dir);
    let shipped = clean_bank(&bank_dir).questions.len();
    let sheet = root().join("examples/bank_sheet.csv");
    let import = |extra: &[&str]| {
        certexam_in(tmp.path())
            .args(["bank", "import"])
            .arg(&sheet)
            .args(["--out", "qb"])
            .args(extra)
            .output()
            .unwrap()
    };
    let output = import(&[]);
    let stderr = stderr_of(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("5 new, 0 unchanged, 0 row(s) rejected"),
        "{stderr}"
    );
    let bank = clean_bank(&bank_dir);
    // Titles the bank has are its categories; 售后服务 is new.
    let q = by_stem(&bank, "以下哪些属于买家的个人信息？");
    assert_eq!(q.category, "security");
    let q = by_stem(&bank, "买家拍下商品后要求修改收货地址，客服应当先做什么？");
    assert_eq!(q.category, "shouhoufuwu");

    // The same sheet with another id for 售后服务: the questions are found
    // by their content, not added a second time under new ids.
    let output = import(&["--category-map", "售后服务=aftersales"]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("0 new, 3 unchanged, 2 changed but not written (use --update)"),
        "{stderr}"
    );
    assert!(
        stderr.contains(": category shouhoufuwu → aftersales\n"),
        "{stderr}"
    );
    assert!(
        !fs::read_to_string(bank_dir.join("bank.toml"))
            .unwrap()
            .contains("aftersales")
    );
    let output = import(&["--category-map", "售后服务=aftersales", "--update"]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let bank = clean_bank(&bank_dir);
    assert_eq!(bank.questions.len(), shipped + 5);
    let q = by_stem(&bank, "买家拍下商品后要求修改收货地址，客服应当先做什么？");
    assert_eq!(q.category, "aftersales");

    // A shortened title is not made a category of its own.
    fs::write(
        tmp.path().join("s.csv"),
        "题干,答案,分类\n客服可以透露买家地址。,错,信息安全\n",
    )
    .unwrap();
    let output = certexam_in(tmp.path())
        .args(["bank", "import", "s.csv", "--out", "qb"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_of(&output).contains(
        "rejected: s.csv row 2, 分类 (column C): category \"信息安全\" is not in the bank, which has \"信息安全与隐私\" (security)\n  \
         = help: to put these rows there, import again with --category-map 信息安全=security; \
         for a new category, give it an id, e.g. --category-map 信息安全=xinxianquan"
    ));
}

#[test]
fn the_csv_export_keeps_excel_from_running_formulas_and_reads_back() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bank");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("bank.toml"),
        "name = \"t\"\nversion = \"1\"\n\n[[category]]\nid = \"x\"\ntitle = \"杂项\"\ntitle_en = \"X\"\n",
    )
    .unwrap();
    fs::write(
        dir.join("q.toml"),
        r#"[[question]]
id = "X-1"
type = "single"
category = "x"
difficulty = 2
stem = "=HYPERLINK(\"http://example.com\",\"领取退款\") 这样的链接能点吗？"
options = ["-1 元", "+1 元", "@客服", "'引号'"]
answer = "A"
"#,
    )
    .unwrap();
    certexam_in(tmp.path())
        .args([
            "bank", "export", "bank", "--format", "csv", "--out", "b.csv",
        ])
        .assert()
        .success();
    let csv = fs::read_to_string(tmp.path().join("b.csv")).unwrap();
    assert!(
        csv.contains(",\"'=HYPERLINK(\"\"http://example.com\"\",\"\"领取退款\"\") 这样的链接能点吗？\",'-1 元,'+1 元,'@客服,'引号',"),
        "{csv}"
    );
    certexam_in(tmp.path())
        .args(["bank", "import", "b.csv", "--out", "copy"])
        .assert()
        .success();
    let original = clean_bank(&dir);
    let copy = clean_bank(&tmp.path().join("copy"));
    assert_eq!(copy.questions[0].digest(), original.questions[0].digest());
    assert_eq!(copy.questions[0].options[3], "'引号'");
}

// ---- Memory bombs (issue 16): refused before anything big is allocated.

/// A workbook of two cells, A1 and XFD1048576: tiny on disk, but its used
/// range is 1,048,576 × 16,384 cells, which calamine would allocate at once.
fn sparse_bomb(path: &Path) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "题型").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    book.save(path).unwrap();
}

#[test]
fn a_workbook_whose_cells_span_the_whole_sheet_is_refused_not_an_abort() {
    let tmp = tempfile::tempdir().unwrap();
    sparse_bomb(&tmp.path().join("bomb.xlsx"));
    let out = certexam_in(tmp.path())
        .args(["bank", "import", "bomb.xlsx", "--out", "bank"])
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "bomb.xlsx sheet sheet1: its cells span 1048576 rows × 16384 columns (17179869184 cells); at most 1000000 cells are read"
        ),
        "{stderr}"
    );
}

/// `workbook` with its shared strings replaced by one string of `len` bytes.
fn with_huge_cell(workbook: &Path, out: &Path, len: usize) {
    use std::io::{Read, Write};
    let mut zin = zip::ZipArchive::new(fs::File::open(workbook).unwrap()).unwrap();
    let mut zout = zip::ZipWriter::new(fs::File::create(out).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zin.len() {
        let mut entry = zin.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        zout.start_file(name.as_str(), options).unwrap();
        if name == "xl/sharedStrings.xml" {
            zout.write_all(
                br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#,
            )
            .unwrap();
            let chunk = vec![b'A'; 1 << 20];
            for _ in 0..len / chunk.len() {
                zout.write_all(&chunk).unwrap();
            }
            zout.write_all(b"</t></si></sst>").unwrap();
        } else {
            zout.write_all(&bytes).unwrap();
        }
    }
    zout.finish().unwrap();
}

#[test]
fn a_workbook_with_a_cell_of_70_mb_is_refused_and_never_echoed() {
    let tmp = tempfile::tempdir().unwrap();
    let small = tmp.path().join("small.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "题型").unwrap();
    book.save(&small).unwrap();
    with_huge_cell(&small, &tmp.path().join("huge.xlsx"), 70 << 20);
    let size = fs::metadata(tmp.path().join("huge.xlsx")).unwrap().len();
    assert!(size < 1 << 20, "{size}");
    let out = certexam_in(tmp.path())
        .args(["bank", "import", "huge.xlsx", "--out", "bank"])
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("huge.xlsx holds the part xl/sharedStrings.xml of 73 MB when unpacked; at most 64 MB is read"),
        "{stderr}"
    );
    assert!(stderr.len() < 1000, "{} bytes of messages", stderr.len());
}

#[test]
fn a_csv_cell_longer_than_excel_allows_is_refused_with_an_excerpt() {
    let tmp = tempfile::tempdir().unwrap();
    let long = "题".repeat(40_000);
    fs::write(
        tmp.path().join("sheet.csv"),
        format!("题型,题干,答案\n单选,{long},A\n"),
    )
    .unwrap();
    let out = certexam_in(tmp.path())
        .args(["bank", "import", "sheet.csv", "--out", "bank"])
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("sheet.csv row 2, column B: the cell holds 40000 characters; Excel keeps at most 32767 in a cell"),
        "{stderr}"
    );
    assert!(stderr.len() < 1000, "{} bytes of messages", stderr.len());
}

#[test]
fn a_sheet_file_of_100_mb_is_refused_before_it_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let f = fs::File::create(tmp.path().join("big.csv")).unwrap();
    f.set_len(100_000_000).unwrap();
    let out = certexam_in(tmp.path())
        .args(["bank", "import", "big.csv", "--out", "bank"])
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("big.csv is 100 MB; a sheet certexam reads is at most 16 MB"),
        "{stderr}"
    );
}

/// A bank folder with one category and the questions given (TOML text).
fn bank_with(dir: &Path, category_title: &str, questions: &str) {
    fs::create_dir_all(dir).unwrap();
    fs::write(
        dir.join("bank.toml"),
        format!(
            "name = \"t\"\nversion = \"1\"\n\n[[category]]\nid = \"x\"\ntitle = {category_title:?}\ntitle_en = \"X\"\n"
        ),
    )
    .unwrap();
    fs::write(dir.join("q.toml"), questions).unwrap();
}

#[test]
fn moodle_xml_texts_are_cdata_so_moodle_keeps_every_space() {
    let tmp = tempfile::tempdir().unwrap();
    // Moodle's xmlize dropped the space after an escaped character before
    // Chinese text, and a space on its 4,096-byte read boundary.
    let specials = "A & 退款 < 换货 > 说明 \" 引号 ' 单引号 ]]> 结束";
    let long = format!("{}{}", "售后 服务 ".repeat(500), specials);
    assert!(long.len() > 4096);
    let questions = format!(
        "[[question]]\nid = \"X-1\"\ntype = \"single\"\ncategory = \"x\"\ndifficulty = 2\nstem = {long:?}\noptions = [{specials:?}, \"否 & 是\"]\nanswer = \"A\"\nexplanation = {specials:?}\n"
    );
    bank_with(&tmp.path().join("bank"), "售后", &questions);
    certexam_in(tmp.path())
        .args([
            "bank",
            "export",
            "bank",
            "--format",
            "moodle-xml",
            "--out",
            "bank.xml",
        ])
        .assert()
        .success();
    let text = fs::read_to_string(tmp.path().join("bank.xml")).unwrap();
    assert!(
        text.contains(
            "<text><![CDATA[A & 退款 < 换货 > 说明 \" 引号 ' 单引号 ]]]]><![CDATA[> 结束]]></text>"
        ),
        "{text}"
    );
    let quiz = parse_xml(&text);
    let q = quiz
        .all("question")
        .into_iter()
        .find(|q| q.attrs["type"] == "multichoice")
        .unwrap();
    assert_eq!(q.text_of("questiontext"), long);
    assert_eq!(q.text_of("generalfeedback"), specials);
    let answers: Vec<&str> = q
        .all("answer")
        .iter()
        .map(|a| a.one("text").text.as_str())
        .collect();
    assert_eq!(answers, [specials, "否 & 是"]);
    // No text of a question, answer or feedback goes through entity escapes.
    for part in text.split("<text>").skip(1) {
        let inner = part.split("</text>").next().unwrap();
        if inner.starts_with("<![CDATA[") {
            assert!(
                !inner.contains("&amp;") && !inner.contains("&lt;"),
                "{inner}"
            );
        }
    }
}

#[test]
fn gift_puts_a_wrong_option_first_when_the_right_one_has_an_arrow_and_warns_about_what_moodle_alters()
 {
    let tmp = tempfile::tempdir().unwrap();
    bank_with(
        &tmp.path().join("bank"),
        "售后 <退款>",
        r#"[[question]]
id = "X-1"
type = "single"
category = "x"
difficulty = 2
stem = "退款流程是？"
options = ["申请 -> 审核 -> 退款", "直接退款", "%25%先退一半"]
answer = "A"
tags = ["a<b", "`code`"]
"#,
    );
    let out = certexam_in(tmp.path())
        .args([
            "bank",
            "export",
            "bank",
            "--format",
            "gift",
            "--out",
            "bank.gift",
        ])
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let gift = fs::read_to_string(tmp.path().join("bank.gift")).unwrap();
    // gift-pegjs reads a question whose first answer is `=… -> …` as a
    // matching question and rejects the whole file.
    assert!(
        gift.contains(
            "::X-1::[plain]退款流程是？{\n~直接退款\n=申请 -> 审核 -> 退款\n~%0%%25%先退一半\n}\n"
        ),
        "{gift}"
    );
    for warning in [
        "warning: X-1: Moodle drops `<`, `>` and `` ` `` from tags on import (tag `a<b`)",
        "warning: X-1: Moodle drops `<`, `>` and `` ` `` from tags on import (tag `` `code` ``)",
        "warning: category x: Moodle strips `<` and `>` from category titles on import (`售后 <退款>`)",
        "warning: X-1: option C begins with `%25%`, which Moodle reads as a weight of 25 %",
    ] {
        assert!(
            stderr.contains(warning),
            "missing {warning:?} in:\n{stderr}"
        );
    }
}

/// gift-pegjs as scripts/setup.sh --tests installs it (or `$CERTEXAM_GIFT_PEGJS`):
/// the test fails, not skips, without it.
fn gift_pegjs(file: &Path) -> Vec<serde_json::Value> {
    let module = std::env::var_os("CERTEXAM_GIFT_PEGJS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/gift-pegjs/node_modules/gift-pegjs"));
    assert!(
        module.join("package.json").is_file(),
        "gift-pegjs is needed at {} (bash scripts/setup.sh --tests installs it)",
        module.display()
    );
    let out = std::process::Command::new("node")
        .arg(root().join("tests/support/gift_parse.js"))
        .arg(&module)
        .arg(file)
        .output()
        .expect("node is needed to run gift-pegjs (Debian package nodejs)");
    assert!(
        out.status.success(),
        "gift-pegjs rejected {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn gift_pegjs_reads_every_question_of_the_shipped_bank_as_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = certexam_in(tmp.path())
        .args(["bank", "export"])
        .arg(root().join("question_bank"))
        .args(["--format", "gift", "--out", "bank.gift"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let parsed = gift_pegjs(&tmp.path().join("bank.gift"));
    let bank = clean_bank(&root().join("question_bank"));
    assert_eq!(parsed.len(), bank.questions.len());
    for p in &parsed {
        let id = p["title"].as_str().unwrap();
        let q = bank
            .question(id)
            .unwrap_or_else(|| panic!("no {id} in the bank"));
        assert_eq!(p["stem"].as_str().unwrap().trim(), q.stem, "{id}");
        match &q.answer {
            Answer::TrueFalse(t) => {
                assert_eq!(p["type"], "TF", "{id}");
                assert_eq!(p["isTrue"], *t, "{id}");
            }
            Answer::Choice(keys) => {
                let mut got: Vec<(String, bool)> = p["choices"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| {
                        (
                            c["text"].as_str().unwrap().trim().to_string(),
                            c["correct"].as_bool().unwrap(),
                        )
                    })
                    .collect();
                let mut want: Vec<(String, bool)> = q
                    .options
                    .iter()
                    .enumerate()
                    .map(|(i, o)| (o.clone(), keys.contains(&i)))
                    .collect();
                got.sort();
                want.sort();
                assert_eq!(got, want, "{id}");
            }
        }
    }
}

#[test]
fn gift_pegjs_accepts_a_correct_option_holding_an_arrow() {
    let tmp = tempfile::tempdir().unwrap();
    bank_with(
        &tmp.path().join("bank"),
        "售后",
        r#"[[question]]
id = "X-1"
type = "single"
category = "x"
difficulty = 2
stem = "退款流程是？"
options = ["申请 -> 审核 -> 退款", "直接退款", "先退一半再审核"]
answer = "A"
"#,
    );
    let out = certexam_in(tmp.path())
        .args([
            "bank",
            "export",
            "bank",
            "--format",
            "gift",
            "--out",
            "bank.gift",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let parsed = gift_pegjs(&tmp.path().join("bank.gift"));
    assert_eq!(parsed.len(), 1);
    assert_eq!(
        parsed[0]["type"], "MC",
        "read as multiple choice, not matching"
    );
    let correct: Vec<&str> = parsed[0]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["correct"] == true)
        .map(|c| c["text"].as_str().unwrap().trim())
        .collect();
    assert_eq!(correct, ["申请 -> 审核 -> 退款"]);
}
