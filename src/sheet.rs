//! The answer sheet's geometry (答题卡): the one source of truth for where
//! every corner mark, QR code and bubble sits on the page, in millimetres
//! from the top-left corner of an A4 page. The typst template places
//! everything from this layout with absolute positions, and the scanner reads
//! sheets back with the same layout, so the two can never disagree.
//!
//! The layout depends only on the questions' numbers, sections and option
//! counts (and the label language), never on fonts or text lengths.

use serde::Serialize;

use crate::bank::QuestionType;
use crate::paper::{Key, Paper};

/// Page width (A4), mm.
pub const PAGE_WIDTH: f64 = 210.0;
/// Page height (A4), mm.
pub const PAGE_HEIGHT: f64 = 297.0;
/// Side of a filled square corner mark, mm.
pub const MARK_SIZE: f64 = 6.0;
/// Distance from the page edge to the outer edge of a corner mark, mm.
pub const MARK_INSET: f64 = 8.0;
/// Side of the QR code, mm (its quiet zone is inside this square).
pub const QR_SIZE: f64 = 26.0;
/// Bubble radius, mm.
pub const BUBBLE_RADIUS: f64 = 2.2;
/// Distance between the centres of neighbouring bubbles of a question, mm.
pub const BUBBLE_PITCH: f64 = 7.0;
/// Distance between the centres of neighbouring question rows, mm.
pub const ROW_PITCH: f64 = 6.5;
/// Questions per block; blocks are separated by [`BLOCK_GAP_X`] / [`BLOCK_GAP_Y`].
pub const BLOCK_ROWS: usize = 5;
/// Width reserved for the question number left of the first bubble, mm.
pub const NUMBER_WIDTH: f64 = 9.0;
/// Horizontal space between blocks, mm.
pub const BLOCK_GAP_X: f64 = 6.0;
/// Vertical space between block rows, mm.
pub const BLOCK_GAP_Y: f64 = 4.0;
/// Height of a section heading band, mm.
pub const HEADING_HEIGHT: f64 = 8.0;
/// The bubble grid's area: left, top, right, bottom, mm.
pub const GRID: (f64, f64, f64, f64) = (18.0, 62.0, 192.0, 274.0);

/// A rectangle, mm from the page's top-left corner.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    fn new(x: f64, y: f64, w: f64, h: f64) -> Self {
        Self {
            x: mm(x),
            y: mm(y),
            w: mm(w),
            h: mm(h),
        }
    }

    /// The centre point, mm.
    pub fn centre(&self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
}

/// One option a candidate can mark: its code as graded (`A`…`H`, or `T`/`F`
/// for true/false) and its printed label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetOption {
    pub code: String,
    pub label: String,
}

/// One question as the sheet needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetQuestion {
    /// Printed number.
    pub number: u32,
    /// Section index, from 1.
    pub section: u32,
    pub options: Vec<SheetOption>,
}

/// A section heading on the sheet; the template prints the section's title
/// at this point.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Heading {
    pub section: u32,
    pub x: f64,
    pub y: f64,
    /// The section started on an earlier page (printed as “(续)”).
    pub continued: bool,
}

/// A question number; `x` is the right edge of the number, `y` the row's centre line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NumberLabel {
    pub number: u32,
    pub x: f64,
    pub y: f64,
}

/// One bubble: which question and option it stands for, and where it is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bubble {
    pub question: u32,
    /// The option's code as graded: `A`…`H`, `T` or `F`.
    pub option: String,
    /// What is printed inside the bubble.
    pub label: String,
    /// Centre, mm.
    pub cx: f64,
    pub cy: f64,
    /// Radius, mm.
    pub r: f64,
}

/// One page of an answer sheet.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SheetPage {
    /// Page of the sheet, from 1.
    pub page: u32,
    /// Pages of the sheet.
    pub pages: u32,
    pub width: f64,
    pub height: f64,
    /// Filled squares: top-left, top-right, bottom-left, bottom-right.
    pub marks: [Rect; 4],
    /// Where the QR code (`CERTEXAM:<paper id>:<page>`) goes.
    pub qr: Rect,
    /// The printed header: exam, candidate, paper id.
    pub header: Rect,
    /// How to mark a bubble.
    pub legend: Rect,
    /// Page number and handling note.
    pub footer: Rect,
    pub headings: Vec<Heading>,
    pub numbers: Vec<NumberLabel>,
    pub bubbles: Vec<Bubble>,
}

/// A whole answer sheet (one or more pages).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SheetLayout {
    pub pages: Vec<SheetPage>,
}

impl SheetLayout {
    /// Every bubble of every page, with its page number (from 1).
    pub fn bubbles(&self) -> impl Iterator<Item = (u32, &Bubble)> {
        self.pages
            .iter()
            .flat_map(|p| p.bubbles.iter().map(move |b| (p.page, b)))
    }
}

/// The text a QR code on a sheet page carries.
pub fn qr_text(paper_id: &str, page: u32) -> String {
    format!("CERTEXAM:{paper_id}:{page}")
}

/// Rounds to 1/100 mm so the data file holds `62.5`, not `62.50000000001`.
fn mm(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The sheet of a drawn paper, with labels in the exam's language.
pub fn for_paper(paper: &Paper) -> SheetLayout {
    let zh = paper.content.exam.lang != "en";
    let questions: Vec<SheetQuestion> = paper
        .content
        .questions
        .iter()
        .map(|q| SheetQuestion {
            number: q.number,
            section: q.section,
            options: match (q.kind, &q.answer) {
                (QuestionType::TrueFalse, _) | (_, Key::TrueFalse(_)) => true_false_options(zh),
                _ => (0..q.options.len())
                    .map(|i| {
                        let letter = char::from(b'A' + i as u8).to_string();
                        SheetOption {
                            code: letter.clone(),
                            label: letter,
                        }
                    })
                    .collect(),
            },
        })
        .collect();
    layout(&questions)
}

/// The two bubbles of a true/false question: `T` (对 / T) and `F` (错 / F).
pub fn true_false_options(zh: bool) -> Vec<SheetOption> {
    let (t, f) = if zh { ("对", "错") } else { ("T", "F") };
    vec![
        SheetOption {
            code: "T".into(),
            label: t.into(),
        },
        SheetOption {
            code: "F".into(),
            label: f.into(),
        },
    ]
}

/// Lays the questions out: per section a heading, then blocks of
/// [`BLOCK_ROWS`] questions side by side, block rows going down the page,
/// and a new page whenever the next heading or block row does not fit.
pub fn layout(questions: &[SheetQuestion]) -> SheetLayout {
    let (left, top, right, bottom) = GRID;
    let mut pages: Vec<SheetPage> = vec![blank_page()];
    let mut y = top;

    // Sections in order of appearance, each with its questions.
    let mut sections: Vec<(u32, Vec<&SheetQuestion>)> = Vec::new();
    for q in questions {
        match sections.last_mut() {
            Some((s, qs)) if *s == q.section => qs.push(q),
            _ => sections.push((q.section, vec![q])),
        }
    }

    for (section, qs) in &sections {
        let widest = qs.iter().map(|q| q.options.len()).max().unwrap_or(0).max(1);
        let block_width = NUMBER_WIDTH + widest as f64 * BUBBLE_PITCH;
        let per_row = (((right - left) + BLOCK_GAP_X) / (block_width + BLOCK_GAP_X))
            .floor()
            .max(1.0) as usize;
        let blocks: Vec<&[&SheetQuestion]> = qs.chunks(BLOCK_ROWS).collect();
        let mut first_row = true;
        for row in blocks.chunks(per_row) {
            let rows_here = row.iter().map(|b| b.len()).max().unwrap_or(0);
            let row_height = rows_here as f64 * ROW_PITCH;
            let needed = if first_row {
                HEADING_HEIGHT + row_height
            } else {
                row_height
            };
            let mut continued = false;
            if y + needed > bottom {
                pages.push(blank_page());
                y = top;
                continued = !first_row;
            }
            if first_row || continued {
                pages.last_mut().expect("a page").headings.push(Heading {
                    section: *section,
                    x: mm(left),
                    y: mm(y),
                    continued,
                });
                y += HEADING_HEIGHT;
            }
            first_row = false;
            let page = pages.last_mut().expect("a page");
            for (b, block) in row.iter().enumerate() {
                let x0 = left + b as f64 * (block_width + BLOCK_GAP_X);
                for (r, q) in block.iter().enumerate() {
                    let cy = y + (r as f64 + 0.5) * ROW_PITCH;
                    page.numbers.push(NumberLabel {
                        number: q.number,
                        x: mm(x0 + NUMBER_WIDTH - 2.0),
                        y: mm(cy),
                    });
                    for (i, opt) in q.options.iter().enumerate() {
                        page.bubbles.push(Bubble {
                            question: q.number,
                            option: opt.code.clone(),
                            label: opt.label.clone(),
                            cx: mm(x0 + NUMBER_WIDTH + (i as f64 + 0.5) * BUBBLE_PITCH),
                            cy: mm(cy),
                            r: BUBBLE_RADIUS,
                        });
                    }
                }
            }
            y += row_height + BLOCK_GAP_Y;
        }
    }

    let count = pages.len() as u32;
    for (i, p) in pages.iter_mut().enumerate() {
        p.page = i as u32 + 1;
        p.pages = count;
    }
    SheetLayout { pages }
}

fn blank_page() -> SheetPage {
    let far_x = PAGE_WIDTH - MARK_INSET - MARK_SIZE;
    let far_y = PAGE_HEIGHT - MARK_INSET - MARK_SIZE;
    let qr_x = far_x - QR_SIZE - 2.0;
    SheetPage {
        page: 0,
        pages: 0,
        width: PAGE_WIDTH,
        height: PAGE_HEIGHT,
        marks: [
            Rect::new(MARK_INSET, MARK_INSET, MARK_SIZE, MARK_SIZE),
            Rect::new(far_x, MARK_INSET, MARK_SIZE, MARK_SIZE),
            Rect::new(MARK_INSET, far_y, MARK_SIZE, MARK_SIZE),
            Rect::new(far_x, far_y, MARK_SIZE, MARK_SIZE),
        ],
        qr: Rect::new(qr_x, 16.0, QR_SIZE, QR_SIZE),
        header: Rect::new(GRID.0, 14.0, qr_x - GRID.0 - 4.0, 32.0),
        legend: Rect::new(GRID.0, 48.0, GRID.2 - GRID.0, 9.0),
        footer: Rect::new(GRID.0, far_y, GRID.2 - GRID.0, MARK_SIZE),
        headings: Vec::new(),
        numbers: Vec::new(),
        bubbles: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn questions(spec: &[(usize, usize)]) -> Vec<SheetQuestion> {
        let mut n = 0;
        let mut out = Vec::new();
        for &(count, options) in spec {
            let section = out.last().map_or(1, |q: &SheetQuestion| q.section + 1);
            for _ in 0..count {
                n += 1;
                out.push(SheetQuestion {
                    number: n,
                    section,
                    options: (0..options)
                        .map(|i| {
                            let l = char::from(b'A' + i as u8).to_string();
                            SheetOption {
                                code: l.clone(),
                                label: l,
                            }
                        })
                        .collect(),
                });
            }
        }
        out
    }

    fn overlaps(a: &Bubble, b: &Bubble) -> bool {
        let d = ((a.cx - b.cx).powi(2) + (a.cy - b.cy).powi(2)).sqrt();
        d < a.r + b.r + 1.0
    }

    fn inside(b: &Bubble, (l, t, r, bt): (f64, f64, f64, f64)) -> bool {
        b.cx - b.r >= l && b.cx + b.r <= r && b.cy - b.r >= t && b.cy + b.r <= bt
    }

    #[test]
    fn the_example_exam_fits_on_one_page_with_every_bubble_in_the_grid() {
        let sheet = layout(&questions(&[(20, 4), (6, 4), (10, 2)]));
        assert_eq!(sheet.pages.len(), 1);
        let page = &sheet.pages[0];
        assert_eq!(page.bubbles.len(), 20 * 4 + 6 * 4 + 10 * 2);
        assert_eq!(page.numbers.len(), 36);
        assert_eq!(page.headings.len(), 3);
        assert!(page.bubbles.iter().all(|b| inside(b, GRID)));
        // 20 four-option questions: four blocks of five side by side.
        let q6 = page.bubbles.iter().find(|b| b.question == 6).unwrap();
        let q1 = page.bubbles.iter().find(|b| b.question == 1).unwrap();
        assert_eq!(q6.cy, q1.cy);
        assert!(q6.cx > q1.cx);
    }

    #[test]
    fn no_two_bubbles_touch_and_none_leaves_the_grid() {
        for spec in [
            vec![(120, 4)],
            vec![(7, 8), (33, 5), (41, 2)],
            vec![(300, 8)],
        ] {
            let sheet = layout(&questions(&spec));
            for page in &sheet.pages {
                for (i, a) in page.bubbles.iter().enumerate() {
                    assert!(inside(a, GRID), "{a:?} outside the grid");
                    for b in &page.bubbles[i + 1..] {
                        assert!(!overlaps(a, b), "{a:?} touches {b:?}");
                    }
                }
            }
            let total: usize = spec.iter().map(|(n, o)| n * o).sum();
            assert_eq!(sheet.bubbles().count(), total);
        }
    }

    #[test]
    fn a_long_paper_spills_onto_more_pages_and_says_the_section_continues() {
        let sheet = layout(&questions(&[(300, 8)]));
        assert!(sheet.pages.len() > 1);
        assert!(
            sheet
                .pages
                .iter()
                .all(|p| p.pages == sheet.pages.len() as u32)
        );
        assert!(!sheet.pages[0].headings[0].continued);
        assert!(sheet.pages[1].headings[0].continued);
        // Every question appears exactly once, in order.
        let numbers: Vec<u32> = sheet
            .pages
            .iter()
            .flat_map(|p| p.numbers.iter().map(|n| n.number))
            .collect();
        assert_eq!(numbers, (1..=300).collect::<Vec<_>>());
    }

    #[test]
    fn corner_marks_and_qr_stay_clear_of_the_grid_and_each_other() {
        let sheet = layout(&questions(&[(10, 4)]));
        let page = &sheet.pages[0];
        let (l, t, r, b) = GRID;
        for m in &page.marks {
            let clear = m.x + m.w <= l || m.x >= r || m.y + m.h <= t || m.y >= b;
            assert!(clear, "{m:?} inside the grid");
        }
        assert!(page.qr.y + page.qr.h < t);
        assert!(page.qr.x + page.qr.w <= page.marks[1].x);
        assert_eq!(page.marks[3].centre(), (199.0, 286.0));
    }

    #[test]
    fn qr_text_names_paper_and_page() {
        assert_eq!(qr_text("AS8D94X4", 2), "CERTEXAM:AS8D94X4:2");
    }
}
