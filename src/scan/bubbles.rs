//! Deciding whether a bubble is marked. Each bubble is measured inside its
//! printed ring (the inner 70 % of the radius), against the paper white
//! just outside the ring and the black of the corner marks, so a grey scan
//! reads the same as a crisp one. Two measures: the mean darkness (a fill,
//! also a light pencil one) and the share of clearly dark pixels (a tick or
//! a cross covers only part of the bubble but is as dark as a pen).
//! What is in between is never guessed: it is [`Mark::Unsure`].

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
/// mark: read as empty, but flagged.
pub const FILL_ERASED: f64 = 0.22;

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

/// Decides a bubble, given what an empty bubble with the same printed label
/// measures on this page (the label inside the ring is not ink).
pub fn decide(m: Measure, empty: Measure) -> Mark {
    let fill = m.fill - empty.fill;
    let ink = m.ink - empty.ink;
    if fill >= FILL_MARKED || ink >= INK_MARKED {
        Mark::Marked
    } else if fill < FILL_EMPTY && ink < INK_EMPTY {
        Mark::Empty
    } else if fill < FILL_ERASED && ink < INK_EMPTY {
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
    if single && codes.len() > 1 {
        return Reading::Unsure(format!(
            "{} marks ({codes}) on a question with one answer",
            codes.len()
        ));
    }
    Reading::Answer {
        codes,
        faint: bubbles
            .iter()
            .filter(|(_, m)| *m == Mark::Faint)
            .map(|(c, _)| c.to_string())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(fill: f64, ink: f64) -> Measure {
        Measure { fill, ink }
    }

    #[test]
    fn fills_ticks_pencil_erasures_and_doubtful_marks_are_told_apart() {
        let empty = m(0.04, 0.02);
        assert_eq!(decide(m(0.9, 0.98), empty), Mark::Marked, "pen fill");
        assert_eq!(decide(m(0.42, 0.0), empty), Mark::Marked, "light pencil");
        assert_eq!(decide(m(0.22, 0.28), empty), Mark::Marked, "cross");
        assert_eq!(decide(m(0.05, 0.03), empty), Mark::Empty);
        assert_eq!(decide(m(0.16, 0.02), empty), Mark::Faint, "erased");
        assert_eq!(decide(m(0.28, 0.03), empty), Mark::Unsure, "half-hearted");
        assert_eq!(decide(m(0.15, 0.10), empty), Mark::Unsure, "a short stroke");
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
