//! Optical mark reading of scanned answer sheets (答题卡): each page is
//! framed by its corner marks, identified by its QR code and its bubbles
//! measured at the positions [`crate::sheet`] printed them; the pages are
//! then put together into one wide row per paper, the `sheets.csv` that
//! `grade` reads. Nothing uncertain is guessed: it goes to the review list
//! with a picture of the row, and the proctor's decisions are fed back.
//!
//! Everything here is pure over grey images, so it is tested without files.

pub mod bubbles;
pub mod id_row;
pub mod image_in;
pub mod marks;
pub mod photo;
pub mod qr;
pub mod review;
pub mod rings;

use std::collections::BTreeMap;
use std::io::Cursor;

use image::GrayImage;

use crate::bank::QuestionType;
use crate::paper::Paper;
use crate::sheet::{self, BUBBLE_RADIUS, NUMBER_WIDTH, ROW_PITCH, SheetLayout, SheetPage};
use bubbles::{Mark, Measure, Reading};
use image_in::PageRef;

/// What the scanner knows about one paper.
#[derive(Clone, Debug)]
pub struct PaperInfo {
    pub paper_id: String,
    /// The candidate's id, `None` for a paper drawn per form.
    pub candidate: Option<String>,
    pub layout: SheetLayout,
    /// Question number → only one option may be marked.
    pub single: BTreeMap<u32, bool>,
    /// Number of questions.
    pub questions: u32,
}

/// The papers of the session, by printed id.
#[derive(Clone, Debug, Default)]
pub struct Index {
    pub papers: BTreeMap<String, PaperInfo>,
}

impl Index {
    pub fn new<'a>(papers: impl IntoIterator<Item = &'a Paper>) -> Self {
        let papers = papers
            .into_iter()
            .map(|p| {
                let info = PaperInfo {
                    paper_id: p.paper_id.to_uppercase(),
                    candidate: p.content.candidate.as_ref().map(|c| c.id.clone()),
                    layout: sheet::for_paper(p),
                    single: p
                        .content
                        .questions
                        .iter()
                        .map(|q| (q.number, q.kind != QuestionType::Multiple))
                        .collect(),
                    questions: p.content.questions.len() as u32,
                };
                (info.paper_id.clone(), info)
            })
            .collect();
        Self { papers }
    }

    /// The frame of every sheet page (marks, QR) is the same; any page gives it.
    fn frame_page(&self) -> SheetPage {
        self.papers
            .values()
            .find_map(|p| p.layout.pages.first().cloned())
            .unwrap_or_else(|| sheet::layout(&[]).pages.remove(0))
    }
}

/// How one question of a page was read.
#[derive(Clone, Debug, PartialEq)]
pub struct QuestionRead {
    pub number: u32,
    pub reading: Reading,
    /// Each bubble's code and measure less its printed letter's: what the
    /// decision used, for the review list.
    pub measures: Vec<(String, Measure)>,
    /// The bounds the decision used on this sheet.
    pub rule: String,
    /// A PNG of the question's row, when a person should look at it.
    pub crop: Option<Vec<u8>>,
}

impl QuestionRead {
    /// `A 0.91/0.98  B 0.03/0.00 … (rule)`: fill and ink share of every
    /// bubble as the decision used them, and the bounds it used.
    pub fn detail(&self) -> String {
        let values = self
            .measures
            .iter()
            .map(|(c, m)| format!("{c} {:.2}/{:.2}", m.fill.max(0.0), m.ink.max(0.0)))
            .collect::<Vec<_>>()
            .join("  ");
        format!("{values} ({})", self.rule)
    }
}

/// What came of one scanned page.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// A page of an answer sheet, read.
    Sheet {
        paper: String,
        /// Page of the answer sheet, from 1.
        page: u32,
        upside_down: bool,
        questions: Vec<QuestionRead>,
        /// How the page was found when that is worth knowing (a corner
        /// placed from the other three), for the log.
        notes: Vec<String>,
    },
    /// The page could not be read as a sheet: why, and a small picture of it.
    Failed {
        problem: String,
        paper: Option<String>,
        thumbnail: Option<Vec<u8>>,
    },
}

/// One scanned page and what came of it.
#[derive(Clone, Debug, PartialEq)]
pub struct PageRead {
    pub source: PageRef,
    pub outcome: Outcome,
}

/// Loads and reads one page; a file that cannot be loaded is a failed page.
pub fn scan_page(source: &PageRef, index: &Index) -> PageRead {
    let outcome = match image_in::load(source) {
        Ok(img) => read_page(&img, index),
        Err(e) => Outcome::Failed {
            problem: e.to_string(),
            paper: None,
            thumbnail: None,
        },
    };
    PageRead {
        source: source.clone(),
        outcome,
    }
}

/// Reads one scanned page. A landscape image is a portrait sheet fed in
/// sideways: it is turned a quarter first, and the upside-down check below
/// settles which quarter. A page that cannot be read as a scan may be a
/// phone photo: the sheet is looked for anywhere in it ([`photo`]) and
/// read straightened; if that fails too, the scan's problem is reported.
pub fn read_page(img: &GrayImage, index: &Index) -> Outcome {
    let turned;
    let img = if img.width() > img.height() {
        turned = image::imageops::rotate90(img);
        &turned
    } else {
        img
    };
    let with_thumbnail = |outcome: Outcome, of: &GrayImage| match outcome {
        Outcome::Failed { problem, paper, .. } => Outcome::Failed {
            problem,
            paper,
            thumbnail: Some(thumbnail(of)),
        },
        sheet => sheet,
    };
    let as_scan = read_upright_or_upside_down(img, index);
    if !matches!(as_scan, Outcome::Failed { paper: None, .. }) {
        return with_thumbnail(as_scan, img);
    }
    let frame_page = index.frame_page();
    for flat in photo::straighten(img, &frame_page, image_in::target_ppm()) {
        match read_upright_or_upside_down(&flat, index) {
            Outcome::Sheet {
                paper,
                page,
                upside_down,
                questions,
                mut notes,
            } => {
                notes.insert(0, PHOTO_NOTE.to_string());
                return Outcome::Sheet {
                    paper,
                    page,
                    upside_down,
                    questions,
                    notes,
                };
            }
            // The photo's sheet was identified, but cannot be taken (a
            // paper of another session, ids that disagree): that is the news.
            failed @ Outcome::Failed { paper: Some(_), .. } => {
                return with_thumbnail(failed, &flat);
            }
            Outcome::Failed { .. } => {}
        }
    }
    with_thumbnail(as_scan, img)
}

/// The log's note for a page read as a photo.
pub const PHOTO_NOTE: &str =
    "read as a photo: the sheet was found in the picture, straightened and its light evened out";

fn read_upright_or_upside_down(img: &GrayImage, index: &Index) -> Outcome {
    let fail = |problem: String, paper: Option<String>| Outcome::Failed {
        problem,
        paper,
        // Made by the caller, once it knows that no other reading worked.
        thumbnail: None,
    };
    let frame_page = index.frame_page();
    let upright = match marks::find(img, &frame_page) {
        Ok(f) => f,
        Err(e) => {
            return fail(
                format!("{e}; not an answer sheet page, or its edge was cut off in scanning"),
                None,
            );
        }
    };
    let Some(turned) = upright.rotated(&frame_page) else {
        return fail(
            "the corner marks do not form the sheet's rectangle".into(),
            None,
        );
    };
    // The QR code's corner is dark, the opposite corner is not: try the
    // darker reading first, the other if its code cannot be read.
    let mut frames = [upright, turned];
    if qr::ink(img, &turned.map, &frame_page.qr) > qr::ink(img, &upright.map, &frame_page.qr) {
        frames.swap(0, 1);
    }
    let mut last_err = qr::QrError::NotFound;
    let mut found = None;
    for f in frames {
        match qr::read(img, &f.map, &frame_page.qr) {
            Ok(id) => {
                found = Some((f, id));
                break;
            }
            Err(e) => last_err = e,
        }
    }
    let mut notes = Vec::new();
    let (frame, id) = match found {
        // The id row is read too: a row that checks but names another
        // paper or page than the QR code means one of them is not this
        // page's, and nothing is guessed.
        Some((frame, id)) => match id_row::read(img, &frame.map) {
            Some(row) if row != id => {
                return fail(
                    format!(
                        "the QR code says paper {} page {}, but the id row under the bubbles says paper {} page {}; check the sheet",
                        id.paper, id.page, row.paper, row.page
                    ),
                    Some(id.paper),
                );
            }
            _ => (frame, id),
        },
        // The second copy: the id row, tried the same way up first.
        None => match frames
            .iter()
            .find_map(|f| id_row::read(img, &f.map).map(|id| (*f, id)))
        {
            Some((frame, id)) => {
                notes.push(format!(
                    "{last_err}: paper id and page read from the id row under the bubbles"
                ));
                (frame, id)
            }
            None => {
                return fail(
                    format!(
                        "{last_err}, nor the id row under the bubbles; the page is not a readable answer sheet"
                    ),
                    None,
                );
            }
        },
    };
    let Some(info) = index.papers.get(&id.paper) else {
        return fail(
            format!(
                "paper {} is not in --papers (a sheet of another exam or session?)",
                id.paper
            ),
            Some(id.paper),
        );
    };
    let Some(page) = info.layout.pages.iter().find(|p| p.page == id.page) else {
        return fail(
            format!(
                "the QR code says sheet page {}, but paper {} has a {}-page sheet",
                id.page,
                id.paper,
                info.layout.pages.len()
            ),
            Some(id.paper),
        );
    };
    let (questions, rings_found) = read_bubbles(img, &frame, page, info);
    if let Some(corner) = frame.placed {
        // A placed corner is only trusted when the printed rings are where
        // it puts them.
        if rings_found < PLACED_CONFIRMED {
            return fail(
                format!(
                    "corner mark not found: {corner}; placed from the other three, but only {:.0} % of the printed rings are where that puts them",
                    100.0 * rings_found
                ),
                Some(id.paper),
            );
        }
        notes.push(format!(
            "corner mark {corner} not found: placed from the other three, confirmed by {:.0} % of the printed rings",
            100.0 * rings_found
        ));
    }
    Outcome::Sheet {
        paper: id.paper.clone(),
        page: id.page,
        upside_down: frame.upside_down,
        questions,
        notes,
    }
}

/// Below this many bubbles with the same printed label, the label's empty
/// level is taken from its cleanest bubble rather than a quartile.
const FEW_LABELS: usize = 8;

/// Share of question rows whose printed rings must be found for a corner
/// placed from the other three to be trusted.
const PLACED_CONFIRMED: f64 = 0.9;

fn read_bubbles(
    img: &GrayImage,
    frame: &marks::Frame,
    page: &SheetPage,
    info: &PaperInfo,
) -> (Vec<QuestionRead>, f64) {
    // Each question's rings are looked for near where the map puts them
    // (its bubbles move together); `None` where they were not found.
    let rows = question_rows(page);
    let offsets: Vec<Option<(f64, f64)>> = rows
        .iter()
        .map(|&(i, j)| {
            let places: Vec<rings::Place> = page.bubbles[i..j]
                .iter()
                .map(|b| rings::Place {
                    cx: b.cx,
                    cy: b.cy,
                    r: b.r,
                })
                .collect();
            rings::find_row(img, &frame.map, frame.black, &places)
        })
        .collect();
    let shift_of = |k: usize| {
        let row = rows.iter().position(|&(i, j)| k >= i && k < j).unwrap_or(0);
        offsets[row].unwrap_or((0.0, 0.0))
    };
    let places: Vec<rings::Place> = page
        .bubbles
        .iter()
        .enumerate()
        .map(|(k, b)| {
            let (dx, dy) = shift_of(k);
            rings::Place {
                cx: b.cx + dx,
                cy: b.cy + dy,
                r: b.r,
            }
        })
        .collect();
    let measures: Vec<Measure> = places
        .iter()
        .map(|p| bubbles::measure(img, &frame.map, frame.black, p.cx, p.cy, p.r))
        .collect();
    // The printed label inside a ring shows up as a little darkness; each
    // label's empty level is learnt from the page itself.
    let mut by_label: BTreeMap<&str, Vec<Measure>> = BTreeMap::new();
    for (b, m) in page.bubbles.iter().zip(&measures) {
        by_label.entry(b.label.as_str()).or_default().push(*m);
    }
    let all: Vec<Measure> = measures.clone();
    let page_level = bubbles::empty_level(&all);
    // A label printed on few bubbles (`E` on the five-option questions
    // only) may be marked on most of them: its cleanest bubble is then the
    // better estimate of its empty level than a quartile.
    let levels: BTreeMap<&str, Measure> = by_label
        .into_iter()
        .map(|(l, ms)| {
            let level = match ms.len() {
                n if n >= FEW_LABELS => bubbles::empty_level(&ms),
                n if n >= 3 => bubbles::cleanest(&ms),
                _ => page_level,
            };
            (l, level)
        })
        .collect();
    // How dark this candidate's marks are on this scan: a pale writer or a
    // lightened scan is judged against its own marks.
    let sheet_level = bubbles::SheetLevel::of(
        &page
            .bubbles
            .iter()
            .zip(&measures)
            .map(|(b, m)| m.fill - levels[b.label.as_str()].fill)
            .collect::<Vec<_>>(),
    );
    let rule = sheet_level.rule();
    let mut out: Vec<QuestionRead> = Vec::new();
    for (&(i, j), offset) in rows.iter().zip(&offsets) {
        let number = page.bubbles[i].question;
        let row = &page.bubbles[i..j];
        let marks: Vec<(&str, Mark)> = row
            .iter()
            .zip(&measures[i..j])
            .map(|(b, m)| {
                (
                    b.option.as_str(),
                    bubbles::decide(*m, levels[b.label.as_str()], sheet_level),
                )
            })
            .collect();
        // A line through a bubble that reads as anything but empty may be
        // the scanner's, not the candidate's.
        let crossed: Vec<&str> = row
            .iter()
            .zip(&places[i..j])
            .zip(&marks)
            .filter(|((_, p), (_, m))| {
                *m != Mark::Empty && rings::crossed(img, &frame.map, frame.black, **p)
            })
            .map(|((b, _), _)| b.option.as_str())
            .collect();
        let single = info.single.get(&number).copied().unwrap_or(true);
        let reading = if offset.is_none() {
            Reading::Unsure(format!(
                "the printed rings of this question were not found within {} mm of their place (a slipped, stretched or damaged scan?)",
                rings::SEARCH
            ))
        } else if !crossed.is_empty() {
            Reading::Unsure(format!(
                "a line runs through bubble {} beyond its ring (a scanner streak or a stray stroke?)",
                crossed.join(", ")
            ))
        } else {
            bubbles::read_question(single, &marks)
        };
        let (dx, dy) = offset.unwrap_or((0.0, 0.0));
        let look = match &reading {
            Reading::Unsure(_) => true,
            Reading::Answer { faint, .. } => !faint.is_empty(),
        };
        let crop = look.then(|| {
            let first = &row[0];
            let last = &row[row.len() - 1];
            let rect = (
                first.cx + dx - BUBBLE_RADIUS - NUMBER_WIDTH,
                first.cy + dy - ROW_PITCH / 2.0,
                last.cx - first.cx + 2.0 * BUBBLE_RADIUS + NUMBER_WIDTH + 2.0,
                ROW_PITCH,
            );
            png(&qr::warp(img, &frame.map, rect, 10.0))
        });
        out.push(QuestionRead {
            number,
            reading,
            measures: row
                .iter()
                .zip(&measures[i..j])
                .map(|(b, m)| {
                    let empty = levels[b.label.as_str()];
                    let used = Measure {
                        fill: m.fill - empty.fill,
                        ink: m.ink - empty.ink,
                    };
                    (b.option.clone(), used)
                })
                .collect(),
            rule: rule.clone(),
            crop,
        });
    }
    let found = offsets.iter().filter(|o| o.is_some()).count();
    (out, found as f64 / offsets.len().max(1) as f64)
}

/// The bubbles of each question, as index ranges into the page's bubbles
/// (a question's bubbles are consecutive).
fn question_rows(page: &SheetPage) -> Vec<(usize, usize)> {
    let mut rows = Vec::new();
    let mut i = 0;
    while i < page.bubbles.len() {
        let number = page.bubbles[i].question;
        let mut j = i;
        while j < page.bubbles.len() && page.bubbles[j].question == number {
            j += 1;
        }
        rows.push((i, j));
        i = j;
    }
    rows
}

/// A small PNG of a whole page, for the review list.
fn thumbnail(img: &GrayImage) -> Vec<u8> {
    let small = image::imageops::resize(
        img,
        (img.width() / 3).max(1),
        (img.height() / 3).max(1),
        image::imageops::FilterType::Triangle,
    );
    png(&small)
}

fn png(img: &GrayImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("PNG encoding into memory does not fail");
    out.into_inner()
}
