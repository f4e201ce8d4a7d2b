//! `certexam render` and `certexam doctor` as trainers run them: the real
//! binary, the real typst, and the PDFs read back with poppler's pdftotext,
//! pdffonts and pdfinfo. These tests fail (never skip) when typst or poppler
//! is missing: `scripts/setup.sh` installs them.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use certexam::bank::QuestionType;
use certexam::paper::{
    self, Candidate, CategoryTitle, DrawInfo, Exam, Key, Paper, PaperContent, PaperQuestion,
    PassRule, Scoring, Section,
};

mod support;
use support::{certexam, poppler, root, squash};

/// The text of a PDF (or of one page) in content order, without any
/// whitespace (and without the zero-width spaces that let typst break long
/// codes: a reader does not see them).
fn text(pdf: &Path, page: Option<u32>) -> String {
    let range = page.map(|p| p.to_string());
    let mut args = vec!["-raw"];
    if let Some(p) = &range {
        args.extend(["-f", p, "-l", p]);
    }
    squash(&poppler("pdftotext", &args, pdf))
}

fn pages(pdf: &Path) -> u32 {
    let info = poppler("pdfinfo", &[], pdf);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo tells the page count")
}

/// Finds each needle after the previous one; says which one is missing.
fn assert_in_order(haystack: &str, needles: &[String], what: &str) {
    let mut at = 0;
    for n in needles {
        match haystack[at..].find(n.as_str()) {
            Some(i) => at += i + n.len(),
            None => panic!(
                "{what}: `{n}` is missing or out of order (searched from byte {at} of {})",
                haystack.len()
            ),
        }
    }
}

/// Draws the shipped example exam for a small roster into `dir`.
fn draw_example(dir: &Path, ids: &[(&str, &str)]) -> Vec<Paper> {
    let roster = dir.join("roster.csv");
    let mut csv = String::from("id,name\n");
    for (id, name) in ids {
        csv.push_str(&format!("{id},{name}\n"));
    }
    fs::write(&roster, csv).unwrap();
    certexam()
        .args([
            "draw",
            "--blueprint",
            "examples/blueprint.toml",
            "--seed",
            "render-test",
            "--out",
        ])
        .arg(dir.join("exam"))
        .arg("--roster")
        .arg(&roster)
        .assert()
        .success();
    paper::read_dir(&dir.join("exam"))
        .unwrap()
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

fn render(papers: &Path, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    certexam()
        .arg("render")
        .arg("--papers")
        .arg(papers)
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// Files in a folder (not recursive), sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The stems and options of a paper in printed order.
fn printed_texts(p: &Paper) -> Vec<String> {
    let mut out = Vec::new();
    for q in &p.content.questions {
        out.push(squash(&q.stem));
        out.extend(q.options.iter().map(|o| squash(o)));
    }
    out
}

#[test]
fn the_bundle_prints_every_question_in_order_with_a_cjk_font_and_odd_page_starts() {
    let dir = tempfile::tempdir().unwrap();
    let papers = draw_example(
        dir.path(),
        &[("E001", "张三"), ("E002", "李四"), ("E003", "王五")],
    );
    let out = dir.path().join("print");
    let run = render(&dir.path().join("exam"), &out, &["--per-paper"]).success();
    assert!(
        stderr(&run).contains("rendered 3 paper(s) with typst"),
        "{}",
        stderr(&run)
    );

    let print = out.join("print.pdf");
    let all = text(&print, None);
    let mut expected = Vec::new();
    for p in &papers {
        expected.push(squash(&p.content.exam.title));
        expected.push(p.paper_id.clone());
        expected.extend(printed_texts(p));
        // The answer sheet follows the questions, with the paper id again.
        expected.push("答题卡".to_string());
        expected.push(p.paper_id.clone());
    }
    assert_in_order(&all, &expected, "print.pdf");

    let fonts = poppler("pdffonts", &[], &print);
    assert!(
        fonts
            .lines()
            .any(|l| l.contains("CJK") && l.contains(" yes ")),
        "no embedded CJK font in print.pdf:\n{fonts}"
    );

    // Each paper starts on an odd page and so does its answer sheet, which
    // carries the candidate's id and paper id.
    let total = pages(&print);
    let mut covers = Vec::new();
    let mut sheets = Vec::new();
    for page in 1..=total {
        let t = text(&print, Some(page));
        if t.contains("考生须知") {
            covers.push(page);
        }
        if t.contains("考生签名") {
            sheets.push((page, t));
        }
    }
    assert_eq!(covers.len(), papers.len(), "cover pages: {covers:?}");
    assert_eq!(sheets.len(), papers.len(), "one sheet page per paper");
    for (i, p) in papers.iter().enumerate() {
        let (sheet_page, sheet) = &sheets[i];
        assert_eq!(
            covers[i] % 2,
            1,
            "paper {} starts on page {}",
            p.holder(),
            covers[i]
        );
        assert_eq!(
            sheet_page % 2,
            1,
            "sheet of {} on page {sheet_page}",
            p.holder()
        );
        assert!(covers[i] < *sheet_page);
        assert!(
            sheet.contains(&p.paper_id) && sheet.contains(p.holder()),
            "{sheet}"
        );
    }
    assert!(total >= sheets.last().unwrap().0);

    // Per-paper files hold the same paper.
    for p in &papers {
        let one = out.join("pdf").join(format!("{}.pdf", p.holder()));
        assert_in_order(&text(&one, None), &printed_texts(p), "per-paper PDF");
        assert_eq!(pages(&one) % 2, 1, "the sheet is the last, odd page");
        assert!(
            out.join("pdf")
                .join(format!("{}.key.pdf", p.holder()))
                .exists()
        );
    }
    let record = fs::read_to_string(out.join("render.toml")).unwrap();
    assert!(record.contains("typst_version = \"0.15.1\""), "{record}");
}

#[test]
fn full_keys_match_the_manifests() {
    let dir = tempfile::tempdir().unwrap();
    let papers = draw_example(dir.path(), &[("K1", "赵六"), ("K2", "钱七")]);
    let out = dir.path().join("print");
    render(&dir.path().join("exam"), &out, &["--full-keys"]).success();
    assert!(!out.join("explanations.pdf").exists());
    let keys = text(&out.join("keys.pdf"), None);
    let mut expected = Vec::new();
    for p in &papers {
        expected.push(p.paper_id.clone());
        // The quick key, then every question with its answer and explanation.
        for q in &p.content.questions {
            expected.push(format!("{}.{}", q.number, answer_text(&q.answer)));
        }
        for q in &p.content.questions {
            expected.push(format!("{}.答案：{}", q.number, answer_text(&q.answer)));
            expected.push(squash(&q.stem));
            if let Some(e) = &q.explanation {
                expected.push(squash(e));
            }
        }
    }
    assert_in_order(&keys, &expected, "keys.pdf");
}

fn answer_text(key: &Key) -> String {
    match key {
        Key::Letters(l) => l.clone(),
        Key::TrueFalse(true) => "对".into(),
        Key::TrueFalse(false) => "错".into(),
    }
}

#[test]
fn rendering_twice_gives_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    draw_example(dir.path(), &[("R1", "孙八")]);
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    render(&dir.path().join("exam"), &a, &["--per-paper"]).success();
    render(&dir.path().join("exam"), &b, &["--per-paper"]).success();
    for file in [
        "print.pdf",
        "keys.pdf",
        "explanations.pdf",
        "pdf/R1.pdf",
        "pdf/R1.key.pdf",
    ] {
        assert!(
            fs::read(a.join(file)).unwrap() == fs::read(b.join(file)).unwrap(),
            "{file} differs between two renders"
        );
    }
}

// --- papers built by hand -----------------------------------------------------

const INJECTIONS: &[&str] = &[
    "#panic(\"x\")",
    "#read(\"/etc/passwd\")",
    "$x^2$",
    "*a*",
    "_b_",
    "<l>",
    "@ref",
    "\\",
    "//",
];

fn exam(lang: &str, sections: Vec<Section>) -> Exam {
    Exam {
        id: "HAND-1".into(),
        title: if lang == "en" {
            "Hand-made exam #1".into()
        } else {
            "手写试卷 #1".into()
        },
        lang: lang.into(),
        duration_minutes: 30,
        instructions: Some("说明 *不是粗体* #emph[x]".into()),
        date: Some("2026-12-01".into()),
        valid_months: None,
        pass: PassRule {
            percent: 60.0,
            categories: BTreeMap::new(),
        },
        sections,
        categories: BTreeMap::from([(
            "c".to_string(),
            CategoryTitle {
                title: "类别".into(),
                title_en: "Category".into(),
            },
        )]),
    }
}

fn question(
    number: u32,
    kind: QuestionType,
    stem: &str,
    options: &[&str],
    answer: Key,
) -> PaperQuestion {
    PaperQuestion {
        number,
        section: if kind == QuestionType::TrueFalse {
            2
        } else {
            1
        },
        id: format!("Q-{number}"),
        digest: "0".repeat(64),
        kind,
        category: "c".into(),
        difficulty: 1,
        stem: stem.into(),
        options: options.iter().map(|s| s.to_string()).collect(),
        answer,
        original: "ABCD"[..options.len()].to_string(),
        explanation: Some(format!("解析 {stem}")),
    }
}

/// A paper whose every text is one of the strings typst must not interpret.
/// 122 letters and digits without a space or hyphen.
const LONG_CODE: &str = "SF0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789AB";

fn hostile_paper(holder: &str, lang: &str) -> Paper {
    let mut questions = Vec::new();
    for (i, s) in INJECTIONS.iter().enumerate() {
        questions.push(question(
            i as u32 + 1,
            QuestionType::Single,
            &format!("题干 {s} 结束"),
            &[s, "普通选项", &format!("{s}{s}"), "D"],
            Key::Letters("B".into()),
        ));
    }
    // A pasted code with no place to break.
    questions.push(question(
        questions.len() as u32 + 1,
        QuestionType::Single,
        &format!("买家发来的单号 {LONG_CODE} 应如何核对？"),
        &["核对", "忽略", "转发", "删除"],
        Key::Letters("A".into()),
    ));
    let n = questions.len() as u32;
    questions.push(question(
        n + 1,
        QuestionType::TrueFalse,
        "= 标题? - 列表? + 编号?",
        &[],
        Key::TrueFalse(true),
    ));
    let sections = vec![
        Section {
            title: "一、单选 #strong[x]".into(),
            kind: QuestionType::Single,
            points: 2.0,
            scoring: Scoring::AllOrNothing,
            penalty: 0.0,
            first: 1,
            last: n,
        },
        Section {
            title: "二、判断".into(),
            kind: QuestionType::TrueFalse,
            points: 1.0,
            scoring: Scoring::AllOrNothing,
            penalty: 0.0,
            first: n + 1,
            last: n + 1,
        },
    ];
    Paper::new(PaperContent {
        format: paper::FORMAT.into(),
        exam: exam(lang, sections),
        candidate: Some(Candidate {
            id: holder.into(),
            name: "#panic(\"name\") 王$五$".into(),
            extra: BTreeMap::from([("部门".to_string(), "<b>客服</b>".to_string())]),
            ..Default::default()
        }),
        form: None,
        draw: DrawInfo {
            algorithm: "certexam-draw-v1".into(),
            master_seed: "hand".into(),
            seed: "00".into(),
            bank_name: "test".into(),
            bank_version: "1".into(),
            bank_digest: "0".repeat(64),
            ..Default::default()
        },
        questions,
    })
}

fn write_papers(dir: &Path, papers: &[Paper]) {
    fs::create_dir_all(dir).unwrap();
    for p in papers {
        fs::write(
            dir.join(format!("{}{}", p.holder(), paper::EXTENSION)),
            p.to_toml(),
        )
        .unwrap();
    }
}

#[test]
fn user_text_is_printed_literally_and_never_run() {
    let dir = tempfile::tempdir().unwrap();
    let zh = hostile_paper("H1", "zh");
    let en = hostile_paper("H2", "en");
    let papers = dir.path().join("papers");
    write_papers(&papers, &[zh.clone(), en.clone()]);
    let out = dir.path().join("out");
    render(&papers, &out, &[]).success();

    let all = text(&out.join("print.pdf"), None);
    for p in [&zh, &en] {
        let mut expected = vec![squash("#panic(\"name\") 王$五$"), squash("<b>客服</b>")];
        expected.extend(printed_texts(p));
        assert_in_order(&all, &expected, "hostile paper");
    }
    assert!(all.contains(&squash("说明 *不是粗体* #emph[x]")));
    // Nothing runs past the right margin, not even the long code: every
    // word of every page ends inside the A4 page width (595 pt) minus 1 cm.
    let bbox = poppler("pdftotext", &["-bbox"], &out.join("print.pdf"));
    for line in bbox.lines().filter(|l| l.contains("<word ")) {
        let x_max: f64 = line
            .split("xMax=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no xMax in {line}"));
        assert!(x_max < 595.0 - 28.0, "past the margin: {line}");
    }
    assert!(all.contains(&squash("一、单选 #strong[x]")));
    assert!(!all.contains("root:"), "the template read /etc/passwd");
    // English labels on the English paper, Chinese on the Chinese one.
    assert!(all.contains("Answersheet") && all.contains("答题卡"));

    let explanations = text(&out.join("explanations.pdf"), None);
    for s in INJECTIONS {
        assert!(
            explanations.contains(&squash(&format!("解析 题干 {s} 结束"))),
            "{s} in explanations"
        );
    }
    let keys = text(&out.join("keys.pdf"), None);
    assert!(keys.contains(&squash("#panic(\"name\") 王$五$")), "{keys}");
}

/// A copy of the shipped templates in `dir`, with `paper.typ` changed by `edit`.
fn templates_with(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let t = dir.join("templates");
    fs::create_dir_all(&t).unwrap();
    for name in ["common.typ", "paper.typ", "key.typ", "fonts.json"] {
        fs::copy(root().join("templates").join(name), t.join(name)).unwrap();
    }
    let paper = fs::read_to_string(t.join("paper.typ")).unwrap();
    fs::write(t.join("paper.typ"), edit(paper)).unwrap();
    t
}

#[test]
fn a_broken_template_is_reported_with_its_line_and_leaves_no_partial_pdf() {
    let dir = tempfile::tempdir().unwrap();
    draw_example(dir.path(), &[("B1", "周九"), ("B2", "吴十")]);
    let templates = templates_with(dir.path(), |t| format!("{t}\n#let broken = (1, 2\n"));
    let out = dir.path().join("out");
    let tmp = dir.path().join("tmp");
    fs::create_dir_all(&tmp).unwrap();
    let run = certexam()
        .env("TMPDIR", &tmp)
        .arg("render")
        .arg("--papers")
        .arg(dir.path().join("exam"))
        .arg("--out")
        .arg(&out)
        .arg("--templates")
        .arg(&templates)
        .assert()
        .code(1);
    let err = stderr(&run);
    assert!(
        err.contains("print.pdf could not be made for 2 papers"),
        "{err}"
    );
    assert!(
        err.contains("─ paper.typ:"),
        "typst's message names the template line: {err}"
    );
    assert!(
        err.contains(&format!("your templates in {}", templates.display())),
        "{err}"
    );
    // The key templates are fine, so the keys are still made; nothing else is left.
    assert_eq!(
        listing(&out),
        ["explanations.pdf", "keys.pdf", "render.toml"]
    );
    assert_eq!(
        listing(&tmp),
        Vec::<String>::new(),
        "the build folder was removed"
    );
}

#[test]
fn a_failing_paper_is_named_and_the_others_are_still_printed() {
    let dir = tempfile::tempdir().unwrap();
    let papers = draw_example(dir.path(), &[("F1", "甲"), ("F2", "乙"), ("F3", "丙")]);
    // A template that cannot print F2 (standing in for any paper typst rejects).
    let templates = templates_with(dir.path(), |t| {
        t.replace(
            "  cover(p, L)\n",
            "  if p.holder == \"F2\" { panic(\"cannot print F2\") }\n  cover(p, L)\n",
        )
    });
    let out = dir.path().join("out");
    let run = render(
        &dir.path().join("exam"),
        &out,
        &["--templates", templates.to_str().unwrap(), "--per-paper"],
    )
    .code(1);
    let err = stderr(&run);
    assert!(err.contains("could not be made for paper F2"), "{err}");
    assert!(
        err.contains("cannot print F2"),
        "typst's own message: {err}"
    );
    let print = text(&out.join("print.pdf"), None);
    assert!(print.contains(&papers[0].paper_id) && print.contains(&papers[2].paper_id));
    assert!(
        !print.contains(&papers[1].paper_id),
        "F2 is left out of the bundle"
    );
    assert_eq!(
        listing(&out.join("pdf")),
        ["F1.key.pdf", "F1.pdf", "F2.key.pdf", "F3.key.pdf", "F3.pdf"]
    );
}

/// A stand-in for typst: a script that answers `--version` with `version`
/// and `fonts` with `fonts`, and fails anything else. No real typst is
/// needed: every test that uses it stops before a compile.
#[cfg(unix)]
fn fake_typst(dir: &Path, version: &str, fonts: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("typst");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\ncase \"$1\" in\n  --version) echo '{version}' ;;\n  fonts) printf '{fonts}\\n' ;;\n  *) echo 'this stand-in typst does not compile' >&2; exit 3 ;;\nesac\n"
        ),
    )
    .unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    script
}

#[cfg(unix)]
#[test]
fn without_a_chinese_font_render_stops_with_advice_instead_of_printing_boxes() {
    let dir = tempfile::tempdir().unwrap();
    draw_example(dir.path(), &[("N1", "郑一")]);
    let typst = fake_typst(
        dir.path(),
        "typst 0.15.1 (fake)",
        "DejaVu Sans\\nLibertinus Serif",
    );
    let out = dir.path().join("out");
    let run = render(
        &dir.path().join("exam"),
        &out,
        &["--typst", typst.to_str().unwrap()],
    )
    .code(2);
    let err = stderr(&run);
    assert!(
        err.contains("typst sees none of the template's CJK fonts"),
        "{err}"
    );
    assert!(
        err.contains("apt-get install fonts-noto-cjk") && err.contains("--font-path"),
        "{err}"
    );
    assert!(!out.join("print.pdf").exists());
}

#[cfg(unix)]
#[test]
fn a_missing_or_old_typst_says_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    draw_example(dir.path(), &[("M1", "王二")]);
    let run = render(
        &dir.path().join("exam"),
        &dir.path().join("o"),
        &["--typst", "/no/such/typst"],
    )
    .code(2);
    let err = stderr(&run);
    assert!(
        err.contains("cannot run typst at /no/such/typst (from --typst)"),
        "{err}"
    );
    assert!(
        err.contains("cargo install --locked typst-cli@0.15.1"),
        "{err}"
    );

    let old = fake_typst(dir.path(), "typst 0.12.0 (old)", "Noto Serif CJK SC");
    let run = certexam()
        .env("CERTEXAM_TYPST", &old)
        .args(["render", "--papers"])
        .arg(dir.path().join("exam"))
        .arg("--out")
        .arg(dir.path().join("o"))
        .assert()
        .code(2);
    let err = stderr(&run);
    assert!(err.contains("is typst 0.12.0, older than 0.15.0"), "{err}");
    assert!(
        err.contains("cargo install --locked typst-cli@0.15.1"),
        "{err}"
    );
}

#[test]
fn doctor_reports_typst_and_the_chinese_fonts_it_sees() {
    let run = certexam().arg("doctor").assert().success();
    let out = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(out.contains("version 0.15.1 (the pinned version)"), "{out}");
    assert!(out.contains("CJK font:   Noto Serif CJK SC"), "{out}");
    assert!(out.contains("ok: certexam render can print"), "{out}");
}

#[cfg(unix)]
#[test]
fn doctor_says_what_to_do_when_fonts_are_missing_or_typst_is_another_version() {
    let dir = tempfile::tempdir().unwrap();
    let typst = fake_typst(dir.path(), "typst 0.15.2 (fake)", "DejaVu Sans");
    let run = certexam()
        .args(["doctor", "--typst"])
        .arg(&typst)
        .assert()
        .code(1);
    let out = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(
        out.contains("warning: typst 0.15.2 is not the pinned 0.15.1"),
        "{out}"
    );
    assert!(
        out.contains("problem: typst sees none of the templates' Chinese fonts"),
        "{out}"
    );
    assert!(out.contains("fonts-noto-cjk"), "{out}");
}

#[test]
fn make_draws_and_renders_the_readme_example_in_one_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("exam");
    let make = |roster: &Path| {
        certexam()
            .args([
                "make",
                "--blueprint",
                "examples/blueprint.toml",
                "--seed",
                "2026-12-01",
                "--roster",
            ])
            .arg(roster)
            .arg("--out")
            .arg(&out)
            .assert()
            .success()
    };
    let run = make(&root().join("examples/roster.csv"));
    let said = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    for file in ["print.pdf", "keys.pdf", "explanations.pdf"] {
        let path = out.join(file);
        assert!(said.contains(&path.display().to_string()), "{said}");
        assert!(path.exists());
    }
    let papers: Vec<Paper> = paper::read_dir(&out)
        .unwrap()
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    assert_eq!(
        papers.len(),
        12,
        "one paper per line of examples/roster.csv"
    );
    let print = text(&out.join("print.pdf"), None);
    let mut expected = Vec::new();
    for p in &papers {
        expected.push(p.paper_id.clone());
        expected.extend(printed_texts(p));
    }
    assert_in_order(&print, &expected, "make's print.pdf");
    let keys = text(&out.join("keys.pdf"), None);
    for p in &papers {
        assert_eq!(keys.matches(&p.paper_id).count(), 1, "{}", p.paper_id);
    }

    // Candidates taken off the roster keep their old manifests, but only the
    // papers of this draw are printed.
    let roster = dir.path().join("two.csv");
    let full = fs::read_to_string(root().join("examples/roster.csv")).unwrap();
    fs::write(&roster, full.lines().take(3).collect::<Vec<_>>().join("\n")).unwrap();
    make(&roster);
    let print = text(&out.join("print.pdf"), None);
    assert!(print.contains(&papers[0].paper_id) && print.contains(&papers[1].paper_id));
    assert!(
        !print.contains(&papers[2].paper_id),
        "a stale paper was printed"
    );
}

/// Whether a process is still running (a zombie waiting to be reaped is not).
#[cfg(target_os = "linux")]
fn running(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/status")).is_ok_and(|s| {
        !s.lines()
            .any(|l| l.starts_with("State:") && l.contains('Z'))
    })
}

/// The answer keys sit in the build folder while typst runs: it is the
/// owner's alone, and termination stops typst and removes it.
#[cfg(target_os = "linux")]
#[test]
fn build_folders_are_owner_only_and_termination_stops_typst_and_removes_them() {
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    draw_example(d, &[("E001", "张三"), ("E002", "李四")]);
    // A typst that is slow to compile, and says which process it is.
    let typst = d.join("typst");
    fs::write(
        &typst,
        format!(
            "#!/bin/sh\ncase \"$1\" in\n  --version) echo 'typst 0.15.1 (test)' ;;\n  fonts) printf 'Noto Serif CJK SC\\nNoto Sans CJK SC\\nDejaVu Sans\\n' ;;\n  *) echo $$ >> '{}'; exec sleep 60 ;;\nesac\n",
            d.join("pids").display()
        ),
    )
    .unwrap();
    fs::set_permissions(&typst, fs::Permissions::from_mode(0o755)).unwrap();
    let tmp = d.join("tmp");
    fs::create_dir(&tmp).unwrap();
    let child = Process::new(env!("CARGO_BIN_EXE_certexam"))
        .current_dir(root())
        .env("TMPDIR", &tmp)
        .arg("render")
        .arg("--papers")
        .arg(d.join("exam"))
        .arg("--out")
        .arg(d.join("out"))
        .arg("--typst")
        .arg(&typst)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    #[allow(clippy::disallowed_methods)] // a test's own time-out, not an output
    let start = Instant::now();
    while !d.join("pids").exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "typst never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let builds: Vec<PathBuf> = fs::read_dir(&tmp)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("certexam-build-")
        })
        .collect();
    assert_eq!(builds.len(), 1, "{builds:?}");
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&builds[0]), 0o700);
    let mut files = 0;
    let mut stack = vec![builds[0].clone()];
    while let Some(p) = stack.pop() {
        for e in fs::read_dir(&p).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files += 1;
                assert_eq!(mode(&path), 0o600, "{}", path.display());
            }
        }
    }
    assert!(files > 0);
    let status = Process::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        !builds[0].exists(),
        "the build folder is left behind: {err}"
    );
    std::thread::sleep(Duration::from_millis(200));
    for pid in fs::read_to_string(d.join("pids")).unwrap().lines() {
        assert!(!running(pid.parse().unwrap()), "typst {pid} runs on");
    }
}

// --- rooms and bundles ----------------------------------------------------------

/// Draws the example roster (12 candidates) seated by `draw --rooms 5`:
/// three rooms of four.
fn draw_rooms(dir: &Path) -> Vec<Paper> {
    certexam()
        .args([
            "draw",
            "--blueprint",
            "examples/blueprint.toml",
            "--roster",
            "examples/roster.csv",
            "--seed",
            "render-rooms",
            "--rooms",
            "5",
            "--out",
        ])
        .arg(dir.join("exam"))
        .assert()
        .success();
    paper::read_dir(&dir.join("exam"))
        .unwrap()
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

#[test]
fn each_room_gets_a_bundle_with_a_cover_and_sign_in_sheet_then_papers_in_seat_order() {
    let dir = tempfile::tempdir().unwrap();
    let papers = draw_rooms(dir.path());
    let out = dir.path().join("out");
    let a = render(&dir.path().join("exam"), &out, &[]).success();
    assert!(
        stderr(&a).ends_with(&format!(
            "rendered 12 paper(s) with typst 0.15.1: 3 bundles in {} (12 papers), 3 bundles in {} (12 papers), {}\n",
            out.join("print").display(),
            out.join("keys").display(),
            out.join("explanations.pdf").display()
        )),
        "{}",
        stderr(&a)
    );
    assert_eq!(listing(&out.join("print")), ["01.pdf", "02.pdf", "03.pdf"]);
    assert_eq!(listing(&out.join("keys")), ["01.pdf", "02.pdf", "03.pdf"]);
    assert!(!out.join("print.pdf").exists());

    for room in ["01", "02", "03"] {
        let mut seated: Vec<&Paper> = papers
            .iter()
            .filter(|p| p.content.candidate.as_ref().unwrap().room.as_deref() == Some(room))
            .collect();
        seated.sort_by_key(|p| p.content.candidate.as_ref().unwrap().seat);
        assert_eq!(seated.len(), 4);
        let pdf = out.join("print").join(format!("{room}.pdf"));
        let mut cover = vec![
            "网店客服上岗认证考试".to_string(),
            format!("考场{room}"),
            "考试编号CS-CERT-2026Q4".into(),
            "考试时间60分钟".into(),
            "考生人数4人".into(),
            "座位号1–4".into(),
            "本袋试卷（按座位号顺序）".into(),
        ];
        cover.extend(
            seated
                .iter()
                .enumerate()
                .map(|(k, p)| format!("{}.{}", k + 1, p.paper_id)),
        );
        assert_in_order(
            &text(&pdf, Some(1)),
            &cover,
            &format!("cover of room {room}"),
        );

        let mut sign_in = vec![
            format!("考生签到表·考场{room}"),
            "座位号考号姓名试卷编号签名备注".to_string(),
        ];
        for (k, p) in seated.iter().enumerate() {
            let c = p.content.candidate.as_ref().unwrap();
            sign_in.push(format!(
                "{}{}{}{}",
                k + 1,
                c.id,
                squash(&c.name),
                p.paper_id
            ));
        }
        sign_in.push("监考人签名".into());
        assert_in_order(
            &text(&pdf, Some(2)),
            &sign_in,
            &format!("sign-in sheet of room {room}"),
        );

        // The papers follow in seat order, the first on page 3 (an odd
        // page: the cover and sign-in sheet are one sheet of paper).
        assert!(text(&pdf, Some(3)).contains(&seated[0].paper_id));
        let body = text(&pdf, None);
        let after_sign_in = &body[body.find("监考人签名").unwrap()..];
        let ids: Vec<String> = seated
            .iter()
            .map(|p| format!("考号：{}", p.content.candidate.as_ref().unwrap().id))
            .collect();
        assert_in_order(after_sign_in, &ids, &format!("papers of room {room}"));
        let keys = text(&out.join("keys").join(format!("{room}.pdf")), None);
        for p in &seated {
            assert!(
                keys.contains(&p.paper_id),
                "keys of room {room} lack {}",
                p.paper_id
            );
        }
    }

    // The same papers give the same bytes.
    let again = dir.path().join("again");
    render(&dir.path().join("exam"), &again, &[]).success();
    for f in ["print/01.pdf", "print/03.pdf", "keys/02.pdf"] {
        assert!(
            fs::read(out.join(f)).unwrap() == fs::read(again.join(f)).unwrap(),
            "{f} differs"
        );
    }
    let record = fs::read_to_string(out.join("render.toml")).unwrap();
    assert_eq!(record.matches("kind = \"print\"").count(), 3, "{record}");
}

#[test]
fn without_rooms_large_sessions_are_printed_in_bundles_of_the_bundle_size() {
    let dir = tempfile::tempdir().unwrap();
    let ids = [
        ("B1", "甲"),
        ("B2", "乙"),
        ("B3", "丙"),
        ("B4", "丁"),
        ("B5", "戊"),
    ];
    let papers = draw_example(dir.path(), &ids);
    let out = dir.path().join("out");
    render(&dir.path().join("exam"), &out, &["--bundle-size", "2"]).success();
    assert_eq!(
        listing(&out.join("print")),
        ["001.pdf", "002.pdf", "003.pdf"]
    );
    assert_eq!(
        listing(&out.join("keys")),
        ["001.pdf", "002.pdf", "003.pdf"]
    );
    for (bundle, chunk) in ["001", "002", "003"].iter().zip(papers.chunks(2)) {
        let pdf = out.join("print").join(format!("{bundle}.pdf"));
        let body = text(&pdf, None);
        for p in &papers {
            assert_eq!(
                body.contains(&format!("考号：{}", p.holder())),
                chunk.contains(p),
                "bundle {bundle} and paper {}",
                p.holder()
            );
        }
        let order: Vec<String> = chunk
            .iter()
            .map(|p| format!("考号：{}", p.holder()))
            .collect();
        assert_in_order(&body, &order, &format!("bundle {bundle}"));
        // No room: no cover, the first paper starts on page 1.
        assert!(text(&pdf, Some(1)).contains(&chunk[0].paper_id));
    }
}

#[test]
fn the_quick_key_table_has_every_papers_key_letters_section_by_section() {
    let dir = tempfile::tempdir().unwrap();
    let papers = draw_rooms(dir.path());
    let out = dir.path().join("out");
    render(&dir.path().join("exam"), &out, &[]).success();
    for room in ["01", "02", "03"] {
        let keys = text(&out.join("keys").join(format!("{room}.pdf")), None);
        assert!(
            keys.starts_with(&format!("网店客服上岗认证考试—答案速查表·考场{room}")),
            "{keys}"
        );
        assert!(
            keys.contains("试卷编号考生一、单项选择题(1–20)二、多项选择题(21–26)三、判断题(27–36)"),
            "{keys}"
        );
        let seated: Vec<&Paper> = papers
            .iter()
            .filter(|p| p.content.candidate.as_ref().unwrap().room.as_deref() == Some(room))
            .collect();
        let mut rows: Vec<(u32, String)> = seated
            .iter()
            .map(|p| {
                let c = p.content.candidate.as_ref().unwrap();
                let letters: String = p
                    .content
                    .questions
                    .iter()
                    .map(|q| answer_text(&q.answer))
                    .collect();
                (
                    c.seat.unwrap(),
                    format!("{}{}{}{letters}", p.paper_id, c.id, squash(&c.name)),
                )
            })
            .collect();
        rows.sort();
        let rows: Vec<String> = rows.into_iter().map(|(_, r)| r).collect();
        // One row per paper, in seat order, with all its letters in printed order.
        assert_in_order(&keys, &rows, &format!("quick keys of room {room}"));
        assert_eq!(pages(&out.join("keys").join(format!("{room}.pdf"))), 1);
    }
}

#[test]
fn the_explanations_list_each_question_of_the_session_once_with_the_key_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let papers = draw_example(dir.path(), &[("X1", "甲"), ("X2", "乙"), ("X3", "丙")]);
    let out = dir.path().join("out");
    render(&dir.path().join("exam"), &out, &[]).success();
    let booklet = text(&out.join("explanations.pdf"), None);
    let mut used: BTreeMap<&str, (&PaperQuestion, usize)> = BTreeMap::new();
    for p in &papers {
        for q in &p.content.questions {
            used.entry(q.id.as_str()).or_insert((q, 0)).1 += 1;
        }
    }
    assert!(
        booklet.contains(&format!(
            "本场3份试卷共用到{}道题，每题列一次，按题库编号排序。",
            used.len()
        )),
        "{booklet}"
    );
    let exam = &papers[0].content.exam;
    let mut expected = Vec::new();
    for (id, (q, n)) in &used {
        let heading = format!("{id}{}·{n}份试卷", exam.categories[&q.category].title);
        assert_eq!(booklet.matches(&heading).count(), 1, "{heading}");
        expected.push(heading);
        expected.push(squash(&q.stem));
        let key: Vec<String> = match &q.answer {
            Key::Letters(_) => q
                .answer
                .indices()
                .iter()
                .map(|&i| squash(&q.options[i]))
                .collect(),
            tf => vec![answer_text(tf)],
        };
        // The key as option text, in bank order: the printed order of one paper may differ.
        let mut key_in_bank_order: Vec<(char, String)> = match &q.answer {
            Key::Letters(_) => q
                .answer
                .indices()
                .iter()
                .zip(&key)
                .map(|(&i, k)| (q.original_letter(i).unwrap(), k.clone()))
                .collect(),
            _ => vec![(' ', key[0].clone())],
        };
        key_in_bank_order.sort();
        let key: Vec<String> = key_in_bank_order.into_iter().map(|(_, k)| k).collect();
        expected.push(format!("答案：{}", key.join("；")));
        if let Some(e) = &q.explanation {
            expected.push(squash(e));
        }
    }
    assert_in_order(&booklet, &expected, "explanations.pdf");
}

/// Every file under `dir`, by path relative to it, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).unwrap().display().to_string();
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The `[[output]]` tables of a render record.
fn record_outputs(path: &Path) -> Vec<toml::Value> {
    let record: toml::Value = toml::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    record["output"].as_array().unwrap().clone()
}

#[test]
fn four_shards_run_through_gnu_parallel_make_the_same_files_as_one_run() {
    let dir = tempfile::tempdir().unwrap();
    draw_rooms(dir.path());
    let papers = dir.path().join("exam");
    let whole = dir.path().join("whole");
    render(&papers, &whole, &[]).success();

    // As the README shows: one process per shard, two at a time.
    let sharded = dir.path().join("sharded");
    let status = Process::new("parallel")
        .args(["--halt", "now,fail=1", "-j", "2"])
        .arg(env!("CARGO_BIN_EXE_certexam"))
        .arg("render")
        .arg("--papers")
        .arg(&papers)
        .arg("--out")
        .arg(&sharded)
        .args(["--jobs", "1", "--shard", "{}/4", ":::", "1", "2", "3", "4"])
        .current_dir(root())
        .status()
        .unwrap_or_else(|e| {
            panic!("GNU parallel is needed for this test ({e}); run scripts/setup.sh")
        });
    assert!(status.success());

    let mut one = tree(&whole);
    let record = one.remove("render.toml").unwrap();
    let mut parts = tree(&sharded);
    let mut outputs = Vec::new();
    for k in 1..=4 {
        parts
            .remove(&format!("render.shard-{k}-of-4.toml"))
            .unwrap();
        outputs.extend(record_outputs(
            &sharded.join(format!("render.shard-{k}-of-4.toml")),
        ));
    }
    assert_eq!(
        one.keys().collect::<Vec<_>>(),
        parts.keys().collect::<Vec<_>>()
    );
    for (file, bytes) in &one {
        assert!(
            *bytes == parts[file],
            "{file} differs between the shards and one run"
        );
    }
    // The shards' records together list what one run's record lists.
    let name = |v: &toml::Value| {
        let file = v["file"].as_str().unwrap();
        let file = file
            .rsplit_once("/whole/")
            .or(file.rsplit_once("/sharded/"))
            .unwrap()
            .1;
        (
            file.to_string(),
            v["kind"].clone(),
            v["papers"].clone(),
            v["sha256"].clone(),
        )
    };
    let mut from_shards: Vec<_> = outputs.iter().map(name).collect();
    from_shards.sort_by(|a, b| a.0.cmp(&b.0));
    let whole_record: toml::Value = toml::from_str(std::str::from_utf8(&record).unwrap()).unwrap();
    let mut from_one: Vec<_> = whole_record["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(name)
        .collect();
    from_one.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(from_shards, from_one);
}

#[test]
fn a_shard_that_is_not_k_of_n_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = render(dir.path(), &dir.path().join("out"), &["--shard", "5/4"]).code(2);
    assert!(
        stderr(&a).contains(
            "invalid value '5/4' for '--shard <K/N>': `5/4` is not a shard: write K/N with 1 ≤ K ≤ N, e.g. 1/4 (from 0/N, as Slurm and Kubernetes number them, add 1)"
        ),
        "{}",
        stderr(&a)
    );
}
