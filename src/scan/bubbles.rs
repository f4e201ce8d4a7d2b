//! Deciding whether a bubble is marked. Each bubble is measured inside its
//! printed ring (the inner 70 % of the radius), against the paper white
//! just outside the ring and the black of the corner marks, so a grey scan
//! reads the same as a crisp one. Two measures: the mean darkness (a fill,
//! also a light pencil one) and the share of clearly dark pixels (a tick or
//! a cross covers only part of the bubble but is as dark as a pen).
//! What is in between is never guessed: it is [`Mark::Unsure`].
//!
//! Fixed numbers alone fail a pale writer or a scanner's background
//! removal (pencil grey 110 lightened to about 165): a half-covered light
//! fill then measures like an erased mark. So each page's bubbles are also
//! split into its own "empty" and "marked" groups ([`SheetLevel`], Otsu's
//! split over their fills), and a bubble between the fixed bounds is
//! judged against the marks of its own sheet. The fixed bounds stay as a
//! safety net: above [`FILL_MARKED`] is always a mark, below
//! [`FILL_EMPTY`] always empty.

use image::GrayImage;

use super::marks::Homography;

/// The inner part of the bubble measured, as a share of its radius; keeps
/// the printed ring out even when the frame is a little off.
const INNER: f64 = 0.7;
/// The ring of paper around a bubble used as its local white, in radii.
const WHITE_RING: (f64, f64) = (1.3, 1.5);
/// A pixel this dark (0 white … 1 black) counts as ink; the printed
/// labels (luma 110 of 255, about 0.57) must stay below it.
const INK: f64 = 0.7;

/// Mean darkness above which a bubble is filled (also a light pencil fill).
pub const FILL_MARKED: f64 = 0.30;
/// Share of ink pixels above which a bubble holds a tick or a cross.
pub const INK_MARKED: f64 = 0.12;
/// Below both of these (above the page's empty level) a bubble is clean.
pub const FILL_EMPTY: f64 = 0.07;
pub const INK_EMPTY: f64 = 0.04;
/// A faint, even smudge below this darkness with hardly any ink is an erased
/// mark: read as empty, but flagged. Used when the sheet has no marks of
/// its own to compare with.
pub const FILL_ERASED: f64 = 0.22;
/// Never a mark by the sheet's own level alone: below this a fill is at
/// most faint, however pale the writer (an erased pen mark measures about
/// 0.12 on a clean scan).
pub const FILL_LIGHT_MIN: f64 = 0.12;
/// A bubble at least this share of its sheet's typical mark is marked…
pub const SHARE_MARKED: f64 = 0.55;
/// …and below this share (with hardly any ink) only faint.
pub const SHARE_FAINT: f64 = 0.3;
/// The sheet's groups must be this far apart (in fill) to be trusted.
const GROUPS_APART: f64 = 0.1;

/// How dark a bubble is.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Measure {
    /// Mean darkness inside the ring: 0 paper white … 1 as black as the corner marks.
    pub fill: f64,
    /// Share of the inside that is ink.
    pub ink: f64,
}

/// What a bubble says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    Marked,
    Empty,
    /// Read as empty, but something faint is there (an erased mark).
    Faint,
    /// Neither clearly marked nor clearly empty.
    Unsure,
}

/// Measures the bubble centred at (`cx`, `cy`) mm with radius `r` mm.
pub fn measure(img: &GrayImage, map: &Homography, black: f64, cx: f64, cy: f64, r: f64) -> Measure {
    let (u, v) = map.apply(cx, cy);
    let rp = r * map.scale_at(cx, cy);
    let (w, h) = (img.width() as i64, img.height() as i64);
    let raw = img.as_raw();
    let reach = (rp * WHITE_RING.1).ceil() as i64 + 1;
    let (inner2, ring_in2, ring_out2) = (
        (rp * INNER).powi(2),
        (rp * WHITE_RING.0).powi(2),
        (rp * WHITE_RING.1).powi(2),
    );
    let mut inside = Vec::new();
    let mut ring = Vec::new();
    let (ui, vi) = (u.round() as i64, v.round() as i64);
    for y in vi - reach..=vi + reach {
        for x in ui - reach..=ui + reach {
            if x < 0 || y < 0 || x >= w || y >= h {
                continue;
            }
            let d2 = (x as f64 + 0.5 - u).powi(2) + (y as f64 + 0.5 - v).powi(2);
            let g = raw[(y * w + x) as usize];
            if d2 <= inner2 {
                inside.push(g);
            } else if d2 >= ring_in2 && d2 <= ring_out2 {
                ring.push(g);
            }
        }
    }
    if inside.is_empty() || ring.is_empty() {
        return Measure::default();
    }
    // The brighter part of the ring: a neighbour's ink or a stray line
    // should not make the paper look grey.
    ring.sort_unstable();
    let white = f64::from(ring[ring.len() * 7 / 10]);
    let span = (white - black).max(60.0);
    let mut sum = 0.0;
    let mut ink = 0usize;
    for &g in &inside {
        let d = ((white - f64::from(g)) / span).clamp(0.0, 1.0);
        sum += d;
        if d > INK {
            ink += 1;
        }
    }
    Measure {
        fill: sum / inside.len() as f64,
        ink: ink as f64 / inside.len() as f64,
    }
}

/// How dark the marks of one sheet are: the typical fill (above the empty
/// level of its label) of the bubbles in the sheet's "marked" group.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SheetLevel {
    /// `None` when the sheet's fills do not fall into two groups (a blank
    /// sheet, or nothing but ticks): then only the fixed bounds decide.
    pub mark: Option<f64>,
}

impl SheetLevel {
    /// Splits the fills (each already less its label's empty level) into
    /// two groups with Otsu's criterion and takes the median of the upper
    /// one, if the groups are clearly apart.
    pub fn of(fills: &[f64]) -> Self {
        let mut f: Vec<f64> = fills.iter().map(|v| v.max(0.0)).collect();
        f.sort_by(f64::total_cmp);
        let n = f.len();
        if n < 2 {
            return Self::default();
        }
        let total: f64 = f.iter().sum();
        let (mut best, mut split, mut below) = (0.0, 0, 0.0);
        for k in 1..n {
            below += f[k - 1];
            let (w0, w1) = (k as f64, (n - k) as f64);
            let (m0, m1) = (below / w0, (total - below) / w1);
            let between = w0 * w1 * (m1 - m0).powi(2);
            if between > best {
                (best, split) = (between, k);
            }
        }
        if split == 0 {
            return Self::default();
        }
        let (lower, upper) = f.split_at(split);
        let (lo, hi) = (lower[lower.len() / 2], upper[upper.len() / 2]);
        if hi - lo < GROUPS_APART || lo >= FILL_EMPTY {
            return Self::default();
        }
        Self { mark: Some(hi) }
    }
}

impl SheetLevel {
    /// The darkness (less the label's) from which a bubble is marked, and
    /// below which one without ink is only faint.
    pub fn bounds(self) -> (f64, f64) {
        match self.mark {
            Some(level) => (
                (SHARE_MARKED * level).max(FILL_LIGHT_MIN),
                (SHARE_FAINT * level).clamp(FILL_EMPTY, FILL_ERASED),
            ),
            None => (FILL_MARKED, FILL_ERASED),
        }
    }

    /// The rule the decisions used, for the review list: `marked ≥ 0.12
    /// (this sheet's marks 0.21) or ink ≥ 0.12; empty < 0.07; faint < 0.07`.
    pub fn rule(self) -> String {
        let (marked, faint) = self.bounds();
        let whose = match self.mark {
            Some(level) => format!(" (this sheet's marks {level:.2})"),
            None => " (no marks on this sheet to compare with)".into(),
        };
        format!(
            "darkness/ink less the printed letter; marked ≥ {marked:.2}{whose} or ink ≥ {INK_MARKED:.2}; empty < {FILL_EMPTY:.2} and ink < {INK_EMPTY:.2}; faint < {faint:.2}"
        )
    }
}

/// Decides a bubble, given what an empty bubble with the same printed label
/// measures on this page (the label inside the ring is not ink) and how
/// dark this sheet's marks are.
pub fn decide(m: Measure, empty: Measure, sheet: SheetLevel) -> Mark {
    let fill = m.fill - empty.fill;
    let ink = m.ink - empty.ink;
    if fill >= FILL_MARKED || ink >= INK_MARKED {
        return Mark::Marked;
    }
    if fill < FILL_EMPTY && ink < INK_EMPTY {
        return Mark::Empty;
    }
    let (marked, faint) = sheet.bounds();
    if fill >= marked {
        Mark::Marked
    } else if fill < faint && ink < INK_EMPTY {
        Mark::Faint
    } else {
        Mark::Unsure
    }
}

/// The empty level for a group of bubbles with the same printed label: the
/// lower quartile (a true/false page has half its 对 bubbles marked, so the
/// median would be a mark), capped so that a sheet where nearly every
/// bubble is marked does not raise the bar above a real mark.
pub fn empty_level(measures: &[Measure]) -> Measure {
    if measures.is_empty() {
        return Measure::default();
    }
    let mut fills: Vec<f64> = measures.iter().map(|m| m.fill).collect();
    let mut inks: Vec<f64> = measures.iter().map(|m| m.ink).collect();
    fills.sort_by(f64::total_cmp);
    inks.sort_by(f64::total_cmp);
    Measure {
        fill: fills[fills.len() / 4].min(0.2),
        ink: inks[inks.len() / 4].min(0.03),
    }
}

/// The lowest darkness and ink share among `measures` (capped as
/// [`empty_level`] caps them): the empty level of a label printed on only
/// a few bubbles, some of which may be marked.
pub fn cleanest(measures: &[Measure]) -> Measure {
    Measure {
        fill: measures.iter().map(|m| m.fill).fold(0.2, f64::min),
        ink: measures.iter().map(|m| m.ink).fold(0.03, f64::min),
    }
}

/// What a question's row says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reading {
    /// The marked options' codes in printed order (`""` for unanswered),
    /// and the options that held only a faint (erased?) mark.
    Answer { codes: String, faint: Vec<String> },
    /// Cannot be read without a person: why.
    Unsure(String),
}

/// Reads a question from its bubbles' marks; `single` when only one option
/// may be marked (single choice, true/false).
pub fn read_question(single: bool, bubbles: &[(&str, Mark)]) -> Reading {
    let unsure: Vec<&str> = bubbles
        .iter()
        .filter(|(_, m)| *m == Mark::Unsure)
        .map(|(c, _)| *c)
        .collect();
    if !unsure.is_empty() {
        return Reading::Unsure(format!(
            "bubble {} neither clearly marked nor clearly empty",
            unsure.join(", ")
        ));
    }
    let codes: String = bubbles
        .iter()
        .filter(|(_, m)| *m == Mark::Marked)
        .map(|(c, _)| *c)
        .collect();
    let faint: Vec<String> = bubbles
        .iter()
        .filter(|(_, m)| *m == Mark::Faint)
        .map(|(c, _)| c.to_string())
        .collect();
    // A faint mark with no other mark beside it may be the candidate's
    // only (light) answer: reading it as blank would be a silent guess.
    if codes.is_empty() && !faint.is_empty() {
        return Reading::Unsure(format!(
            "faint mark in {} and no other mark: a light answer or an erased one?",
            faint.join(", ")
        ));
    }
    if single && codes.len() > 1 {
        return Reading::Unsure(format!(
            "{} marks ({codes}) on a question with one answer",
            codes.len()
        ));
    }
    Reading::Answer { codes, faint }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(fill: f64, ink: f64) -> Measure {
        Measure { fill, ink }
    }

    #[test]
    fn a_label_on_a_few_bubbles_mostly_marked_takes_its_cleanest_as_empty() {
        // `E` on five bubbles, four of them filled in pencil.
        let es = [
            m(0.45, 0.1),
            m(0.04, 0.0),
            m(0.5, 0.2),
            m(0.42, 0.1),
            m(0.47, 0.1),
        ];
        assert!((cleanest(&es).fill - 0.04).abs() < 1e-9);
        // The quartile would take a mark for the printed letter (capped).
        assert!(empty_level(&es).fill > 0.19);
        // Never above the caps, even if every bubble is marked.
        assert!(cleanest(&[m(0.9, 0.9); 4]).fill <= 0.2);
    }

    #[test]
    fn fills_ticks_pencil_erasures_and_doubtful_marks_are_told_apart() {
        let empty = m(0.04, 0.02);
        let none = SheetLevel::default();
        assert_eq!(decide(m(0.9, 0.98), empty, none), Mark::Marked, "pen fill");
        assert_eq!(
            decide(m(0.42, 0.0), empty, none),
            Mark::Marked,
            "light pencil"
        );
        assert_eq!(decide(m(0.22, 0.28), empty, none), Mark::Marked, "cross");
        assert_eq!(decide(m(0.05, 0.03), empty, none), Mark::Empty);
        assert_eq!(decide(m(0.16, 0.02), empty, none), Mark::Faint, "erased");
        assert_eq!(
            decide(m(0.28, 0.03), empty, none),
            Mark::Unsure,
            "half-hearted"
        );
        assert_eq!(
            decide(m(0.15, 0.10), empty, none),
            Mark::Unsure,
            "a short stroke"
        );
    }

    #[test]
    fn a_pale_writers_light_fills_are_marks_on_their_own_sheet_only() {
        let empty = m(0.04, 0.0);
        // Half-covered pencil after background removal, among empty bubbles.
        let mut fills = vec![0.0, 0.01, 0.02, 0.0, 0.01, 0.03, 0.0, 0.02];
        fills.extend([0.17, 0.21, 0.25, 0.19]);
        let pale = SheetLevel::of(&fills);
        assert_eq!(pale.mark, Some(0.21));
        assert_eq!(decide(m(0.21, 0.0), empty, pale), Mark::Marked);
        assert_eq!(decide(m(0.10, 0.0), empty, pale), Mark::Empty);
        assert_eq!(decide(m(0.14, 0.0), empty, pale), Mark::Unsure);
        // The same light fill on a pen writer's sheet is not taken as a mark.
        let mut fills = vec![0.0, 0.01, 0.02, 0.0, 0.01, 0.03, 0.0, 0.02];
        fills.extend([0.86, 0.9, 0.88]);
        let pen = SheetLevel::of(&fills);
        assert_eq!(pen.mark, Some(0.88));
        assert_eq!(decide(m(0.30, 0.0), empty, pen), Mark::Unsure);
        assert_eq!(decide(m(0.16, 0.0), empty, pen), Mark::Faint);
        // A blank sheet has no marked group.
        assert_eq!(SheetLevel::of(&[0.0, 0.01, 0.02, 0.0, 0.03]).mark, None);
    }

    #[test]
    fn the_empty_level_ignores_marked_bubbles_and_is_capped() {
        // Half marked, as the 对 bubbles of a true/false section.
        let half = [
            m(0.05, 0.0),
            m(0.9, 0.9),
            m(0.06, 0.01),
            m(0.9, 0.9),
            m(0.04, 0.0),
            m(0.9, 1.0),
        ];
        assert_eq!(empty_level(&half), m(0.05, 0.0));
        let all_marked = [m(0.9, 0.9); 5];
        assert_eq!(empty_level(&all_marked), m(0.2, 0.03));
    }

    #[test]
    fn two_marks_on_a_single_answer_question_are_not_guessed() {
        use Mark::*;
        assert_eq!(
            read_question(
                true,
                &[("A", Marked), ("B", Empty), ("C", Marked), ("D", Empty)]
            ),
            Reading::Unsure("2 marks (AC) on a question with one answer".into())
        );
        assert_eq!(
            read_question(true, &[("A", Empty), ("B", Faint), ("C", Empty)]),
            Reading::Unsure(
                "faint mark in B and no other mark: a light answer or an erased one?".into()
            )
        );
        assert_eq!(
            read_question(false, &[("A", Marked), ("B", Faint), ("C", Marked)]),
            Reading::Answer {
                codes: "AC".into(),
                faint: vec!["B".into()]
            }
        );
        assert_eq!(
            read_question(true, &[("T", Empty), ("F", Empty)]),
            Reading::Answer {
                codes: String::new(),
                faint: vec![]
            }
        );
        assert!(matches!(
            read_question(true, &[("A", Unsure), ("B", Marked)]),
            Reading::Unsure(_)
        ));
    }
}
