//! Putting the pages read together: one wide row per paper for `grade`
//! (`sheets.csv`), the list of what a person must look at (`review.csv`,
//! each row with a picture) and the per-page log. Decisions the proctor
//! writes into review.csv's `decision` column are applied here on the next
//! run, so the same scans plus the decisions give a complete sheets.csv.

use crate::formula_guard::guard_record;
use crate::spreadsheet::Table;
use std::collections::BTreeMap;

use super::bubbles::Reading;
use super::{Index, Outcome, PageRead, PaperInfo, QuestionRead};
use crate::answer_words::{self, TruthContext, fold_width};

/// What a cell of sheets.csv holds when a question could not be read: not
/// an answer, so `grade` refuses the sheet instead of scoring a guess.
pub const UNDECIDED: &str = "?";

/// The header of review.csv.
pub const REVIEW_HEADER: [&str; 10] = [
    "file",
    "page",
    "paper",
    "candidate",
    "question",
    "status",
    "problem",
    "read",
    "crop",
    "decision",
];

/// One line of review.csv.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewRow {
    pub file: String,
    /// Page of the scan file, from 1.
    pub page: u32,
    pub paper: String,
    pub candidate: String,
    /// Empty for a problem with the whole page.
    pub question: Option<u32>,
    /// `decide` (needs a decision), `check` (read, but worth a look) or `decided`.
    pub status: &'static str,
    pub problem: String,
    /// What the scanner measured.
    pub read: String,
    /// Picture, relative to the output folder.
    pub crop: String,
    pub decision: String,
}

/// One line of the per-page log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRow {
    pub file: String,
    pub page: u32,
    /// `read` or `failed`.
    pub status: &'static str,
    pub paper: String,
    pub sheet_page: String,
    pub upside_down: bool,
    pub answered: usize,
    pub unsure: usize,
    pub problem: String,
}

/// One row of sheets.csv.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetRow {
    pub candidate: String,
    pub paper: String,
    /// One cell per question; [`UNDECIDED`] where a person must decide.
    pub answers: Vec<String>,
}

/// Everything a run writes, plus the pictures (path relative to the output
/// folder, PNG bytes).
#[derive(Debug, Default)]
pub struct Assembled {
    pub sheets: Vec<SheetRow>,
    pub review: Vec<ReviewRow>,
    pub log: Vec<LogRow>,
    pub crops: Vec<(String, Vec<u8>)>,
}

impl Assembled {
    /// Review rows still waiting for a decision.
    pub fn undecided(&self) -> usize {
        self.review.iter().filter(|r| r.status == "decide").count()
    }
}

/// The proctor's decisions: (paper, question) → the answer as it goes into
/// sheets.csv (`""` for unanswered).
pub type Decisions = BTreeMap<(String, u32), String>;

/// A decision in review.csv that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct BadDecision {
    pub file: String,
    pub line: u64,
    pub message: String,
}

/// Reads the decisions from a review.csv the proctor filled in — as scan
/// wrote it, or as Excel saved it again (GB18030 on Chinese Windows, or a
/// workbook). Rows without a decision are skipped; so are page rows, which
/// have no question. Lines are the rows as Excel numbers them.
pub fn read_decisions(table: &Table, index: &Index) -> (Decisions, Vec<BadDecision>) {
    let mut decisions = Decisions::new();
    let mut bad = Vec::new();
    let file = table.path.display().to_string();
    let mut rows = table.rows.iter().filter(|r| !r.is_blank());
    let header: Vec<String> = rows.next().map(|r| r.cells.clone()).unwrap_or_default();
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let (Some(paper_col), Some(question_col), Some(decision_col)) =
        (col("paper"), col("question"), col("decision"))
    else {
        bad.push(BadDecision {
            file,
            line: 1,
            message: "the header needs the columns paper, question and decision (use the review.csv that scan wrote)".into(),
        });
        return (decisions, bad);
    };
    for record in rows {
        let line = record.number as u64;
        let get = |c: usize| record.cell(c).trim();
        let typed = fold_width(get(decision_col));
        let typed = typed.trim();
        if typed.is_empty() {
            continue;
        }
        let paper = get(paper_col).to_uppercase();
        let Ok(question) = get(question_col).parse::<u32>() else {
            bad.push(BadDecision {
                file: file.clone(),
                line,
                message: format!(
                    "decision `{typed}` is on a row without a question number; rescan a page that could not be read, or type its answers into a CSV of your own (candidate,paper,1,2,…) and give it to grade with --sheets"
                ),
            });
            continue;
        };
        let Some(info) = index.papers.get(&paper) else {
            bad.push(BadDecision {
                file: file.clone(),
                line,
                message: format!("paper `{paper}` is not in --papers"),
            });
            continue;
        };
        match normalise_decision(typed, info, question) {
            Ok(answer) => {
                decisions.insert((paper, question), answer);
            }
            Err(message) => bad.push(BadDecision {
                file: file.clone(),
                line,
                message,
            }),
        }
    }
    (decisions, bad)
}

/// A typed decision as it goes into sheets.csv: `-` → unanswered, options
/// upper-cased and in order, a true/false word ([`answer_words`]) → T/F;
/// checked against the question.
fn normalise_decision(typed: &str, info: &PaperInfo, question: u32) -> Result<String, String> {
    let codes: Vec<&str> = info
        .layout
        .bubbles()
        .filter(|(_, b)| b.question == question)
        .map(|(_, b)| b.option.as_str())
        .collect();
    if codes.is_empty() {
        return Err(format!(
            "paper {} has no question {question}",
            info.paper_id
        ));
    }
    if answer_words::is_unanswered(typed) {
        return Ok(String::new());
    }
    if codes == ["T", "F"] {
        return match answer_words::truth(typed, TruthContext::AnswerSheet) {
            Some(true) => Ok("T".into()),
            Some(false) => Ok("F".into()),
            None => Err(format!(
                "decision `{typed}`: question {question} is true/false; write T or F (对/错), or `-` for unanswered"
            )),
        };
    }
    let not_an_option = || {
        format!(
            "decision `{typed}`: question {question} has options {}; write the marked ones (e.g. `{}`) or `-` for unanswered",
            codes.join(""),
            codes[0]
        )
    };
    let mut chosen: Vec<&str> = Vec::new();
    for index in answer_words::letters(typed).map_err(|_| not_an_option())? {
        let letter = char::from(b'A' + index);
        let code = codes
            .iter()
            .find(|k| k.starts_with(letter))
            .ok_or_else(not_an_option)?;
        if !chosen.contains(code) {
            chosen.push(code);
        }
    }
    if chosen.len() > 1 && info.single.get(&question).copied().unwrap_or(true) {
        return Err(format!(
            "decision `{typed}`: question {question} takes one answer"
        ));
    }
    let answer: String = codes
        .iter()
        .filter(|c| chosen.contains(c))
        .copied()
        .collect();
    Ok(answer)
}

/// Puts the pages together. `reads` is in scan order; the first page of a
/// file is page 1.
pub fn assemble(index: &Index, reads: &[PageRead], decisions: &Decisions) -> Assembled {
    let mut out = Assembled::default();
    // (paper, sheet page) → the reads claiming it, in scan order.
    let mut claims: BTreeMap<(String, u32), Vec<usize>> = BTreeMap::new();
    for (seq, read) in reads.iter().enumerate() {
        let file = read.source.file.display().to_string();
        let page = read.source.page;
        match &read.outcome {
            Outcome::Sheet {
                paper,
                page: sheet_page,
                upside_down,
                questions,
                notes,
            } => {
                claims
                    .entry((paper.clone(), *sheet_page))
                    .or_default()
                    .push(seq);
                out.log.push(LogRow {
                    file,
                    page,
                    status: "read",
                    paper: paper.clone(),
                    sheet_page: sheet_page.to_string(),
                    upside_down: *upside_down,
                    answered: questions
                        .iter()
                        .filter(|q| matches!(&q.reading, Reading::Answer { codes, .. } if !codes.is_empty()))
                        .count(),
                    unsure: questions
                        .iter()
                        .filter(|q| matches!(q.reading, Reading::Unsure(_)))
                        .count(),
                    problem: notes.join("; "),
                });
            }
            Outcome::Failed {
                problem,
                paper,
                thumbnail,
            } => {
                let crop = thumbnail.as_ref().map_or(String::new(), |png| {
                    let name = format!("review/{:04}-page.png", seq + 1);
                    out.crops.push((name.clone(), png.clone()));
                    name
                });
                let paper = paper.clone().unwrap_or_default();
                let candidate = candidate_of(index, &paper);
                out.review.push(ReviewRow {
                    file: file.clone(),
                    page,
                    paper: paper.clone(),
                    candidate,
                    question: None,
                    status: "decide",
                    problem: problem.clone(),
                    read: String::new(),
                    crop,
                    decision: String::new(),
                });
                out.log.push(LogRow {
                    file,
                    page,
                    status: "failed",
                    paper,
                    sheet_page: String::new(),
                    upside_down: false,
                    answered: 0,
                    unsure: 0,
                    problem: problem.clone(),
                });
            }
        }
    }

    // Every paper with at least one page read gets a row.
    let papers: Vec<&String> = {
        let mut p: Vec<&String> = claims.keys().map(|(p, _)| p).collect();
        p.dedup();
        p
    };
    for paper in papers {
        let info = &index.papers[paper];
        let candidate = info.candidate.clone().unwrap_or_default();
        let mut answers = vec![UNDECIDED.to_string(); info.questions as usize];
        for sheet_page in &info.layout.pages {
            let key = (paper.clone(), sheet_page.page);
            let mut numbers: Vec<u32> = sheet_page.bubbles.iter().map(|b| b.question).collect();
            numbers.dedup();
            let Some(seqs) = claims.get(&key) else {
                for &n in &numbers {
                    if let Some(answer) = decisions.get(&(paper.clone(), n)) {
                        answers[n as usize - 1] = answer.clone();
                    }
                }
                let missing = numbers
                    .iter()
                    .filter(|n| !decisions.contains_key(&((*paper).clone(), **n)))
                    .count();
                if missing > 0 {
                    out.review.push(ReviewRow {
                        file: String::new(),
                        page: 0,
                        paper: paper.clone(),
                        candidate: candidate.clone(),
                        question: None,
                        status: "decide",
                        problem: format!(
                            "page {} of this paper's answer sheet is not in the scans (questions {}–{})",
                            sheet_page.page,
                            numbers.first().copied().unwrap_or(0),
                            numbers.last().copied().unwrap_or(0)
                        ),
                        read: String::new(),
                        crop: String::new(),
                        decision: String::new(),
                    });
                }
                continue;
            };
            let page_reads: Vec<(&PageRead, &[QuestionRead])> = seqs
                .iter()
                .map(|&s| match &reads[s].outcome {
                    Outcome::Sheet { questions, .. } => (&reads[s], questions.as_slice()),
                    Outcome::Failed { .. } => unreachable!("only sheets are claims"),
                })
                .collect();
            let (first, first_questions) = page_reads[0];
            let where_ =
                |r: &PageRead| format!("{} page {}", r.source.file.display(), r.source.page);
            for (qi, q) in first_questions.iter().enumerate() {
                let n = q.number;
                let mut row = ReviewRow {
                    file: first.source.file.display().to_string(),
                    page: first.source.page,
                    paper: paper.clone(),
                    candidate: candidate.clone(),
                    question: Some(n),
                    status: "decide",
                    problem: String::new(),
                    read: q.detail(),
                    crop: String::new(),
                    decision: String::new(),
                };
                let crop_name = |seq: usize| format!("review/{:04}-q{n}.png", seq + 1);
                let mut crop = q.crop.as_ref().map(|png| (crop_name(seqs[0]), png.clone()));
                // Several scans of the same sheet page must agree.
                let others: Vec<(&PageRead, &QuestionRead)> = page_reads[1..]
                    .iter()
                    .filter_map(|(r, qs)| qs.get(qi).map(|oq| (*r, oq)))
                    .collect();
                let disagree = others.iter().any(|(_, oq)| oq.reading != q.reading);
                let (cell, problem, status) = if disagree {
                    let mut told = vec![format!("{}: {}", where_(first), describe(&q.reading))];
                    told.extend(
                        others
                            .iter()
                            .map(|(r, oq)| format!("{}: {}", where_(r), describe(&oq.reading))),
                    );
                    if crop.is_none() {
                        crop = Some((crop_name(seqs[0]), q.crop.clone().unwrap_or_default()));
                    }
                    (
                        UNDECIDED.to_string(),
                        format!(
                            "the same sheet page was scanned more than once and read differently: {}",
                            told.join("; ")
                        ),
                        "decide",
                    )
                } else {
                    match &q.reading {
                        Reading::Unsure(why) => (UNDECIDED.to_string(), why.clone(), "decide"),
                        Reading::Answer { codes, faint } if !faint.is_empty() => (
                            codes.clone(),
                            format!(
                                "faint mark in {} read as not marked (erased?); read as `{}`",
                                faint.join(", "),
                                if codes.is_empty() { "-" } else { codes }
                            ),
                            "check",
                        ),
                        Reading::Answer { codes, .. } => (codes.clone(), String::new(), ""),
                    }
                };
                let decided = decisions.get(&(paper.clone(), n));
                answers[n as usize - 1] = decided.cloned().unwrap_or(cell);
                if qi == 0
                    && first_questions
                        .iter()
                        .all(|q| describe(&q.reading) == "blank")
                {
                    out.review.push(ReviewRow {
                        question: None,
                        status: "check",
                        problem: "no bubble is marked on this page (a blank sheet?); its answers are read as unanswered".into(),
                        read: String::new(),
                        ..row.clone()
                    });
                }
                if !others.is_empty() && !disagree && problem.is_empty() && qi == 0 {
                    // Scanned twice, read the same: say so once per page.
                    out.review.push(ReviewRow {
                        question: None,
                        status: "check",
                        problem: format!(
                            "sheet page {} of paper {paper} was scanned more than once ({}); the reads agree",
                            sheet_page.page,
                            page_reads.iter().map(|(r, _)| where_(r)).collect::<Vec<_>>().join(", ")
                        ),
                        read: String::new(),
                        ..row.clone()
                    });
                }
                if problem.is_empty() {
                    continue;
                }
                if let Some((name, png)) = crop.filter(|(_, png)| !png.is_empty()) {
                    row.crop = name.clone();
                    out.crops.push((name, png));
                }
                row.problem = problem;
                row.status = if let Some(d) = decided {
                    row.decision = if d.is_empty() { "-".into() } else { d.clone() };
                    "decided"
                } else {
                    status
                };
                out.review.push(row);
            }
        }
        out.sheets.push(SheetRow {
            candidate,
            paper: paper.clone(),
            answers,
        });
    }
    out.sheets
        .sort_by(|a, b| (&a.candidate, &a.paper).cmp(&(&b.candidate, &b.paper)));
    out
}

fn describe(reading: &Reading) -> String {
    match reading {
        Reading::Answer { codes, .. } if codes.is_empty() => "blank".into(),
        Reading::Answer { codes, .. } => codes.clone(),
        Reading::Unsure(why) => format!("unsure ({why})"),
    }
}

fn candidate_of(index: &Index, paper: &str) -> String {
    index
        .papers
        .get(paper)
        .and_then(|p| p.candidate.clone())
        .unwrap_or_default()
}

/// sheets.csv in the wide layout `grade` reads: `candidate,paper,1,2,…`;
/// a paper with fewer questions than the longest leaves its last cells empty.
/// Its cells are ids and letters, but they pass the formula guard all the
/// same: a candidate id comes from a roster someone else typed.
pub fn sheets_csv(rows: &[SheetRow]) -> Vec<u8> {
    let width = rows.iter().map(|r| r.answers.len()).max().unwrap_or(0);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["candidate".to_string(), "paper".to_string()];
    header.extend((1..=width).map(|n| n.to_string()));
    w.write_record(&header).expect("writing to memory");
    for r in rows {
        let mut rec = vec![r.candidate.clone(), r.paper.clone()];
        rec.extend(r.answers.iter().cloned());
        rec.resize(width + 2, String::new());
        w.write_record(guard_record(&rec))
            .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// review.csv, with a UTF-8 BOM so that Excel shows the Chinese columns
/// right, and formula-like cells (a scan named `=HYPERLINK(…).jpg`) as text.
pub fn review_csv(rows: &[ReviewRow]) -> Vec<u8> {
    let mut w = crate::spreadsheet::report_writer();
    w.write_record(REVIEW_HEADER).expect("writing to memory");
    for r in rows {
        w.write_record(guard_record([
            r.file.as_str(),
            &if r.page == 0 {
                String::new()
            } else {
                r.page.to_string()
            },
            &r.paper,
            &r.candidate,
            &r.question.map_or(String::new(), |q| q.to_string()),
            r.status,
            &r.problem,
            &r.read,
            &r.crop,
            &r.decision,
        ]))
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// The per-page log, scan-log.csv (BOM and formula guard as review.csv).
pub fn log_csv(rows: &[LogRow]) -> Vec<u8> {
    let mut w = crate::spreadsheet::report_writer();
    w.write_record([
        "file",
        "page",
        "status",
        "paper",
        "sheet_page",
        "upside_down",
        "answered",
        "unsure",
        "problem",
    ])
    .expect("writing to memory");
    for r in rows {
        w.write_record(guard_record([
            r.file.as_str(),
            &r.page.to_string(),
            r.status,
            &r.paper,
            &r.sheet_page,
            if r.upside_down { "yes" } else { "no" },
            &r.answered.to_string(),
            &r.unsure.to_string(),
            &r.problem,
        ]))
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scan file named like a formula must reach Excel as text, in both
    /// files people open (review.csv and scan-log.csv), and both start with
    /// a byte-order mark.
    #[test]
    fn formula_like_file_names_are_written_as_text() {
        let name = "=HYPERLINK(\"http://x\",\"点击\").jpg";
        let review = review_csv(&[ReviewRow {
            file: name.into(),
            page: 1,
            paper: "ABCD2345".into(),
            candidate: "E001".into(),
            question: Some(3),
            status: "decide",
            problem: "@SUM(1)".into(),
            read: String::new(),
            crop: "review/x.png".into(),
            decision: String::new(),
        }]);
        let log = log_csv(&[LogRow {
            file: name.into(),
            page: 1,
            status: "read",
            paper: "ABCD2345".into(),
            sheet_page: "1/1".into(),
            upside_down: false,
            answered: 3,
            unsure: 0,
            problem: String::new(),
        }]);
        for bytes in [&review, &log] {
            assert!(bytes.starts_with(crate::spreadsheet::BOM));
            let text = String::from_utf8_lossy(bytes);
            assert!(
                text.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"点击\"\").jpg\""),
                "{text}"
            );
        }
        assert!(String::from_utf8_lossy(&review).contains(",'@SUM(1),"));
    }

    /// A paper of three questions: 1 true/false, 2 single of four options,
    /// 3 multiple of four options.
    fn paper() -> PaperInfo {
        use crate::sheet::{SheetOption, SheetQuestion};
        let letters = |n: u8| {
            (0..n)
                .map(|i| {
                    let l = char::from(b'A' + i).to_string();
                    SheetOption {
                        code: l.clone(),
                        label: l,
                    }
                })
                .collect::<Vec<_>>()
        };
        let questions = [
            SheetQuestion {
                number: 1,
                section: 1,
                options: crate::sheet::true_false_options(true),
            },
            SheetQuestion {
                number: 2,
                section: 1,
                options: letters(4),
            },
            SheetQuestion {
                number: 3,
                section: 1,
                options: letters(4),
            },
        ];
        PaperInfo {
            paper_id: "ABCD2345".into(),
            candidate: Some("E001".into()),
            layout: crate::sheet::layout(&questions),
            single: BTreeMap::from([(1, true), (2, true), (3, false)]),
            questions: 3,
        }
    }

    /// `scan --fix` reads the words `grade` and `bank import` read: 是 and
    /// the traditional 對/錯 were refused here before there was one list.
    #[test]
    fn decisions_take_every_answer_word() {
        let info = paper();
        for word in ["对", "對", "是", "√", "T", "ｔ", "true", "A", "对的"] {
            assert_eq!(
                normalise_decision(word, &info, 1).as_deref(),
                Ok("T"),
                "{word}"
            );
        }
        for word in ["错", "錯", "否", "×", "F", "X", "不对", "B", "錯誤"] {
            assert_eq!(
                normalise_decision(word, &info, 1).as_deref(),
                Ok("F"),
                "{word}"
            );
        }
        assert_eq!(normalise_decision("-", &info, 1).as_deref(), Ok(""));
        assert_eq!(normalise_decision("－", &info, 2).as_deref(), Ok(""));
        assert!(
            normalise_decision("C", &info, 1)
                .unwrap_err()
                .contains("true/false")
        );
        assert_eq!(normalise_decision("ｂ", &info, 2).as_deref(), Ok("B"));
        for typed in ["CA", "A、C", "ａ，ｃ", "A;C", "A/C", "ACA"] {
            assert_eq!(
                normalise_decision(typed, &info, 3).as_deref(),
                Ok("AC"),
                "{typed}"
            );
        }
        assert!(
            normalise_decision("AB", &info, 2)
                .unwrap_err()
                .contains("one answer")
        );
        assert!(
            normalise_decision("E", &info, 2)
                .unwrap_err()
                .contains("has options ABCD")
        );
        assert!(
            normalise_decision("A?", &info, 3)
                .unwrap_err()
                .contains("has options ABCD")
        );
    }

    /// sheets.csv passes the formula guard too: a roster id is someone
    /// else's typing.
    #[test]
    fn sheets_csv_cells_are_guarded() {
        let bytes = sheets_csv(&[SheetRow {
            candidate: "=1+1".into(),
            paper: "ABCD2345".into(),
            answers: vec!["A".into(), String::new()],
        }]);
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text, "candidate,paper,1,2\n'=1+1,ABCD2345,A,\n");
    }
}
