//! Checking locally where the global map may be wrong. The four corner
//! marks place the page as a whole, but a band of a page can slip in the
//! feeder, and a drum streak can run through an empty bubble: read where
//! the map alone puts it, either becomes a silent wrong answer. So each
//! question's printed rings are looked for near their predicted place (a
//! small search, ±[`SEARCH`] mm, the whole row moving together), the
//! bubbles are read where the rings are, and a line that crosses a ring
//! from one side to the other is reported instead of read as a mark.

use image::GrayImage;

use super::marks::Homography;

/// How far from its predicted place a question's rings are looked for, mm.
pub const SEARCH: f64 = 1.5;
/// Step of the coarse search, mm; the best step is then refined by half.
const STEP: f64 = 0.5;
/// A row's rings are found when they are at least this much darker than the
/// paper beside them (0 … 1 of the way from paper white to the marks'
/// black): printed rings give 0.3 or more on the tests' scans (clean,
/// noisy, blurred, JPEG 50, lightened), a row 3 mm off under 0.05.
pub const RING_FOUND: f64 = 0.15;
/// Sample points around a circle (a ring is about 80 pixels round at 150 dpi).
const ANGLES: usize = 32;
/// Where a crossing line is looked for, in radii: between the ring and the
/// neighbours.
const CROSS_AT: f64 = 1.4;
/// Darkness (0 paper … 1 black) of a point on a crossing line.
const CROSS_DARK: f64 = 0.3;

/// A bubble's place for the search: centre and radius, mm.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Place {
    pub cx: f64,
    pub cy: f64,
    pub r: f64,
}

/// Near one point the homography is linear: the pixel of the point and
/// the pixels one mm right and one mm down.
struct Local {
    u: f64,
    v: f64,
    jx: (f64, f64),
    jy: (f64, f64),
}

impl Local {
    fn at(map: &Homography, x: f64, y: f64) -> Self {
        let (u, v) = map.apply(x, y);
        let (ux, vx) = map.apply(x + 1.0, y);
        let (uy, vy) = map.apply(x, y + 1.0);
        Local {
            u,
            v,
            jx: (ux - u, vx - v),
            jy: (uy - u, vy - v),
        }
    }

    fn pixel(&self, dx: f64, dy: f64) -> (i64, i64) {
        (
            (self.u + self.jx.0 * dx + self.jy.0 * dy).floor() as i64,
            (self.v + self.jx.1 * dx + self.jy.1 * dy).floor() as i64,
        )
    }
}

fn grey(img: &GrayImage, (x, y): (i64, i64)) -> f64 {
    if x < 0 || y < 0 || x >= i64::from(img.width()) || y >= i64::from(img.height()) {
        255.0
    } else {
        f64::from(img.as_raw()[(y * i64::from(img.width()) + x) as usize])
    }
}

fn circle() -> impl Iterator<Item = (f64, f64)> {
    (0..ANGLES).map(|i| (i as f64 * std::f64::consts::TAU / ANGLES as f64).sin_cos())
}

/// How much darker the ring of a bubble is than the paper just outside it,
/// when the bubble is moved by (`dx`, `dy`) mm.
fn ring_score(img: &GrayImage, at: &Local, r: f64, black: f64, dx: f64, dy: f64) -> f64 {
    // Inside, a fill may be as dark as the ring: only the paper outside
    // tells a ring from nothing.
    let (mut ring, mut outer) = (0.0, 0.0);
    for (s, c) in circle() {
        ring += grey(img, at.pixel(dx + r * c, dy + r * s));
        outer += grey(img, at.pixel(dx + (r + 0.5) * c, dy + (r + 0.5) * s));
    }
    let n = ANGLES as f64;
    let (ring, outer) = (ring / n, outer / n);
    (outer - ring) / (outer - black).max(60.0)
}

/// Where a question's rings are: the offset (mm) from their predicted
/// place that fits them best, or `None` when no offset within ±[`SEARCH`]
/// mm shows printed rings.
pub fn find_row(
    img: &GrayImage,
    map: &Homography,
    black: f64,
    row: &[Place],
) -> Option<(f64, f64)> {
    let locals: Vec<(Local, f64)> = row
        .iter()
        .map(|p| (Local::at(map, p.cx, p.cy), p.r))
        .collect();
    let score = |dx: f64, dy: f64| {
        locals
            .iter()
            .map(|(l, r)| ring_score(img, l, *r, black, dx, dy))
            .sum::<f64>()
            / locals.len().max(1) as f64
    };
    let steps = (SEARCH / STEP).round() as i32;
    // Ties go to the offset nearest the predicted place.
    let consider = |best: &mut (f64, f64, f64), dx: f64, dy: f64| {
        let s = score(dx, dy);
        if s > best.0 + 1e-9 || (s > best.0 - 1e-9 && dx.hypot(dy) < best.1.hypot(best.2)) {
            *best = (s, dx, dy);
        }
    };
    let mut best = (score(0.0, 0.0), 0.0, 0.0);
    // Nearly always the rings are where the map says: printed rings there,
    // and nothing better one step away, settle it without the whole search.
    for (i, j) in [
        (-1, -1),
        (-1, 0),
        (-1, 1),
        (0, -1),
        (0, 1),
        (1, -1),
        (1, 0),
        (1, 1),
    ] {
        consider(&mut best, f64::from(i) * STEP, f64::from(j) * STEP);
    }
    let settled = best.0 >= RING_FOUND && best.1 == 0.0 && best.2 == 0.0;
    if !settled {
        for i in -steps..=steps {
            for j in -steps..=steps {
                consider(&mut best, f64::from(i) * STEP, f64::from(j) * STEP);
            }
        }
    }
    let (_, bx, by) = best;
    for i in -1..=1 {
        for j in -1..=1 {
            let (dx, dy) = (
                bx + f64::from(i) * STEP / 2.0,
                by + f64::from(j) * STEP / 2.0,
            );
            if dx.abs() <= SEARCH && dy.abs() <= SEARCH {
                consider(&mut best, dx, dy);
            }
        }
    }
    (best.0 >= RING_FOUND).then_some((best.1, best.2))
}

/// Whether a dark line crosses the bubble at (`cx`, `cy`) mm from one side
/// of its ring to the other (a drum streak, a ruler line): darkness just
/// outside the ring at two opposite points, while most of the way round
/// is paper. A candidate's fill does not leave the ring on opposite sides.
pub fn crossed(img: &GrayImage, map: &Homography, black: f64, place: Place) -> bool {
    let at = Local::at(map, place.cx, place.cy);
    let rr = place.r * CROSS_AT;
    let greys: Vec<f64> = circle()
        .map(|(s, c)| grey(img, at.pixel(rr * c, rr * s)))
        .collect();
    let mut sorted = greys.clone();
    sorted.sort_by(f64::total_cmp);
    let white = sorted[sorted.len() * 7 / 10];
    let span = (white - black).max(60.0);
    let dark: Vec<bool> = greys
        .iter()
        .map(|g| (white - g) / span > CROSS_DARK)
        .collect();
    let n_dark = dark.iter().filter(|d| **d).count();
    if n_dark == 0 || n_dark > ANGLES / 4 {
        return false;
    }
    let half = ANGLES / 2;
    (0..ANGLES).any(|i| dark[i] && (half - 1..=half + 1).any(|k| dark[(i + k) % ANGLES]))
}
