//! The JSON data files the typst templates read: everything a paper, its
//! answer sheet and its key print, already worked out (numbers, points,
//! option columns, sheet geometry), so the templates only place values.
//! Every piece of user text travels as a JSON string, which typst prints
//! literally: a stem like `#read("/etc/passwd")` is text, never code.

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::bank::QuestionType;
use crate::paper::{Key, Paper};
use crate::sheet::{self, SheetLayout};

/// The format of the data files, so templates can check what they read.
pub const FORMAT: &str = "certexam-render-data-v1";

/// One data file: the papers of one document.
#[derive(Debug, Serialize)]
pub struct DataFile<'a> {
    pub format: &'static str,
    /// A room bundle's cover and sign-in sheet, printed before its papers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room: Option<super::bundle::RoomData>,
    pub papers: Vec<&'a PaperData>,
}

impl<'a> DataFile<'a> {
    pub fn new(papers: Vec<&'a PaperData>) -> Self {
        Self {
            format: FORMAT,
            room: None,
            papers,
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("render data always serializes")
    }
}

/// Everything printed for one paper.
#[derive(Clone, Debug, Serialize)]
pub struct PaperData {
    pub paper_id: String,
    /// Candidate id or form letter: the name of the paper's files.
    pub holder: String,
    /// `zh` or `en`: the language of the printed labels.
    pub lang: String,
    pub exam: ExamData,
    pub candidate: Option<CandidateData>,
    pub form: Option<String>,
    pub sections: Vec<SectionData>,
    pub sheet: SheetLayout,
    /// Per sheet page, the QR code's SVG file (absolute within the build folder).
    pub qr: Vec<String>,
    /// Per sheet page, the black squares of its id row (see [`crate::id_row`]).
    pub id_row: Vec<Vec<sheet::Rect>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExamData {
    pub id: String,
    pub title: String,
    pub date: Option<String>,
    pub duration_minutes: u32,
    pub instructions: Option<String>,
    pub questions: usize,
    /// Maximum points, formatted (`74`, `72.5`).
    pub total: String,
    /// Pass mark in % of the maximum, formatted.
    pub pass_percent: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct CandidateData {
    pub id: String,
    pub name: String,
    /// Other roster columns, in column-name order.
    pub extra: Vec<(String, String)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SectionData {
    pub index: u32,
    pub title: String,
    /// `single`, `multiple` or `truefalse`.
    pub kind: QuestionType,
    /// Points per question, formatted.
    pub points: String,
    /// Points of the whole section, formatted.
    pub subtotal: String,
    pub count: usize,
    pub first: u32,
    pub last: u32,
    pub questions: Vec<QuestionData>,
}

#[derive(Clone, Debug, Serialize)]
pub struct QuestionData {
    pub number: u32,
    pub id: String,
    pub stem: String,
    pub options: Vec<OptionData>,
    /// Options per printed row: 4, 2 or 1, from the options' lengths.
    pub columns: u32,
    /// The key as graded: letters (`AC`) or `T` / `F`.
    pub answer: String,
    /// The key as printed for proctors: letters, or 对/错 (T/F in English).
    pub answer_text: String,
    pub explanation: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OptionData {
    pub letter: String,
    pub text: String,
}

/// Formats points without a useless `.0` (`2`, `0.5`, `72.5`).
pub fn points(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        let s = format!("{rounded:.2}");
        s.trim_end_matches('0').to_string()
    }
}

/// How many options fit on one printed row: short options four to a row
/// (like `A. 24小时  B. 48小时 …`), medium two, long ones one each. Widths
/// are counted in half-ems (a Chinese character is two, a Latin letter one)
/// against the text width of the paper template (170 mm at 10.5 pt).
pub fn option_columns(options: &[String]) -> u32 {
    let widest = options.iter().map(|o| o.width()).max().unwrap_or(0);
    match widest {
        0..=17 => 4,
        18..=36 => 2,
        _ => 1,
    }
}

/// The data for one paper; `qr_file(page)` names the QR SVG of a sheet page.
pub fn paper_data(paper: &Paper, qr_file: impl Fn(u32) -> String) -> PaperData {
    let c = &paper.content;
    let zh = c.exam.lang != "en";
    let sheet = sheet::for_paper(paper);
    let qr = sheet.pages.iter().map(|p| qr_file(p.page)).collect();
    let id_row = sheet
        .pages
        .iter()
        .map(|p| crate::id_row::black_cells(&paper.paper_id, p.page).unwrap_or_default())
        .collect();
    let sections = c
        .exam
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let index = i as u32 + 1;
            let questions: Vec<QuestionData> = c
                .questions
                .iter()
                .filter(|q| q.section == index)
                .map(|q| {
                    let (answer, answer_text) = match &q.answer {
                        Key::Letters(l) => (l.clone(), l.clone()),
                        Key::TrueFalse(b) => {
                            let code = if *b { "T" } else { "F" };
                            let text = match (zh, b) {
                                (true, true) => "对",
                                (true, false) => "错",
                                (false, true) => "True",
                                (false, false) => "False",
                            };
                            (code.to_string(), text.to_string())
                        }
                    };
                    QuestionData {
                        number: q.number,
                        id: q.id.clone(),
                        stem: breakable(&q.stem),
                        options: q
                            .options
                            .iter()
                            .enumerate()
                            .map(|(i, text)| OptionData {
                                letter: char::from(b'A' + i as u8).to_string(),
                                text: breakable(text),
                            })
                            .collect(),
                        columns: option_columns(&q.options),
                        answer,
                        answer_text,
                        explanation: q.explanation.as_deref().map(breakable),
                    }
                })
                .collect();
            SectionData {
                index,
                title: breakable(&s.title),
                kind: s.kind,
                points: points(s.points),
                subtotal: points(s.points * questions.len() as f64),
                count: questions.len(),
                first: s.first,
                last: s.last,
                questions,
            }
        })
        .collect();
    PaperData {
        paper_id: paper.paper_id.clone(),
        holder: paper.holder().to_string(),
        lang: if zh { "zh".into() } else { "en".into() },
        exam: ExamData {
            id: c.exam.id.clone(),
            title: breakable(&c.exam.title),
            date: c.exam.date.clone(),
            duration_minutes: c.exam.duration_minutes,
            instructions: c.exam.instructions.as_deref().map(breakable),
            questions: c.questions.len(),
            total: points(paper.max_points()),
            pass_percent: points(c.exam.pass.percent),
        },
        candidate: c.candidate.as_ref().map(|cand| CandidateData {
            id: cand.id.clone(),
            name: breakable(&cand.name),
            extra: cand
                .extra
                .iter()
                .map(|(k, v)| (k.clone(), breakable(v)))
                .collect(),
        }),
        form: c.form.clone(),
        sections,
        sheet,
        qr,
        id_row,
    }
}

/// Letters and digits in a run this long get a break opportunity.
const LONGEST_UNBROKEN: usize = 24;

/// `text` with a zero-width space after every [`LONGEST_UNBROKEN`]
/// letters or digits in a row. Typst breaks lines at spaces, CJK
/// characters and hyphens, but never inside a word: a pasted order number,
/// tracking code or hash of 100 characters would run past the margin.
/// Shorter words are left alone.
pub fn breakable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = 0;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if run == LONGEST_UNBROKEN {
                out.push('\u{200B}');
                run = 0;
            }
            run += 1;
        } else {
            run = 0;
        }
        out.push(c);
    }
    out
}

/// The fixed creation date used when the exam has no date: 2000-01-01 UTC.
pub const DEFAULT_TIMESTAMP: i64 = 946_684_800;

/// The PDF creation timestamp for an exam date (`YYYY-MM-DD`, midnight UTC),
/// or [`DEFAULT_TIMESTAMP`]; never the clock, so the bytes are reproducible.
pub fn creation_timestamp(date: Option<&str>) -> i64 {
    date.and_then(crate::clock::calendar_date)
        .map_or(DEFAULT_TIMESTAMP, crate::clock::midnight_utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_long_runs_of_letters_and_digits_get_break_points() {
        assert_eq!(
            breakable("运单号 SF1234567890 已发出"),
            "运单号 SF1234567890 已发出"
        );
        let long = "A".repeat(50);
        let broken = breakable(&format!("码 {long} 止"));
        assert_eq!(broken.replace('\u{200B}', ""), format!("码 {long} 止"));
        assert_eq!(broken.matches('\u{200B}').count(), 2);
        assert!(
            broken
                .split('\u{200B}')
                .all(|part| part.len() <= LONGEST_UNBROKEN + 4)
        );
    }

    #[test]
    fn points_print_without_trailing_zeros() {
        assert_eq!(points(2.0), "2");
        assert_eq!(points(74.0), "74");
        assert_eq!(points(0.5), "0.5");
        assert_eq!(points(72.25), "72.25");
    }

    #[test]
    fn exam_date_gives_a_fixed_timestamp() {
        assert_eq!(creation_timestamp(Some("1970-01-01")), 0);
        assert_eq!(creation_timestamp(Some("2000-03-01")), 951_868_800);
        assert_eq!(creation_timestamp(Some("2026-12-01")), 1_796_083_200);
        assert_eq!(creation_timestamp(None), DEFAULT_TIMESTAMP);
        assert_eq!(creation_timestamp(Some("next week")), DEFAULT_TIMESTAMP);
        // An impossible day is no date (it used to become 2026-03-03).
        assert_eq!(creation_timestamp(Some("2026-02-31")), DEFAULT_TIMESTAMP);
    }

    #[test]
    fn short_options_share_a_row() {
        let short: Vec<String> = ["24小时", "48小时", "72小时", "7天"]
            .map(String::from)
            .into();
        assert_eq!(option_columns(&short), 4);
        let medium: Vec<String> = ["婉拒并说明买家信息受保护", "直接发送"]
            .map(String::from)
            .into();
        assert_eq!(option_columns(&medium), 2);
        let long = vec![
            "先核实订单信息，再通过平台内的官方渠道联系买家，说明情况并留存聊天记录备查"
                .to_string(),
        ];
        assert_eq!(option_columns(&long), 1);
    }
}
