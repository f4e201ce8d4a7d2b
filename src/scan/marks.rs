//! Finding the four printed corner marks of a scanned sheet and the
//! homography from the sheet's millimetres to the scan's pixels, which
//! undoes rotation, skew, scale, shift and mild perspective in one step.
//! Which way up the page is cannot be told from four identical squares;
//! [`Frame::rotated`] gives the other reading and the QR code decides.

use image::GrayImage;

use crate::sheet::{MARK_SIZE, PAGE_WIDTH, SheetPage};

/// A projective map from sheet millimetres to image pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Homography([f64; 9]);

impl Homography {
    /// The map taking each `from[i]` to `to[i]`; `None` if the points are degenerate.
    pub fn from_points(from: &[(f64, f64); 4], to: &[(f64, f64); 4]) -> Option<Self> {
        // h33 = 1; two equations per correspondence.
        let mut a = [[0.0f64; 9]; 8];
        for i in 0..4 {
            let (x, y) = from[i];
            let (u, v) = to[i];
            a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        // Gauss–Jordan with partial pivoting.
        for col in 0..8 {
            let pivot = (col..8).max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs()))?;
            if a[pivot][col].abs() < 1e-12 {
                return None;
            }
            a.swap(col, pivot);
            let div = a[col][col];
            for v in &mut a[col][col..] {
                *v /= div;
            }
            let pivot_row = a[col];
            for (r, row) in a.iter_mut().enumerate() {
                let f = row[col];
                if r != col && f != 0.0 {
                    for (v, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                        *v -= f * p;
                    }
                }
            }
        }
        let mut h = [0.0; 9];
        for (i, row) in a.iter().enumerate() {
            h[i] = row[8];
        }
        h[8] = 1.0;
        Some(Homography(h))
    }

    /// The 3×3 matrix, row by row (`u = (h0·x + h1·y + h2) / (h6·x + h7·y + h8)`, …).
    pub fn matrix(&self) -> [f64; 9] {
        self.0
    }

    /// Maps a point in mm to pixels.
    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let h = &self.0;
        let w = h[6] * x + h[7] * y + h[8];
        (
            (h[0] * x + h[1] * y + h[2]) / w,
            (h[3] * x + h[4] * y + h[5]) / w,
        )
    }

    /// Pixels per millimetre near a point (the mean of both directions).
    pub fn scale_at(&self, x: f64, y: f64) -> f64 {
        let (u0, v0) = self.apply(x, y);
        let (u1, v1) = self.apply(x + 1.0, y);
        let (u2, v2) = self.apply(x, y + 1.0);
        ((u1 - u0).hypot(v1 - v0) + (u2 - u0).hypot(v2 - v0)) / 2.0
    }
}

/// Where a sheet page sits in a scan.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    /// Centres of the marks as found, in pixels: the image's top-left,
    /// top-right, bottom-left and bottom-right ones.
    pub found: [(f64, f64); 4],
    /// Mean grey level inside the marks: what black looks like on this scan.
    pub black: f64,
    /// Mm → pixels.
    pub map: Homography,
    /// Whether the page was read as upside down.
    pub upside_down: bool,
    /// The corner mark (of the image) that was not found and was placed
    /// from the other three, to be confirmed by the printed rings.
    pub placed: Option<&'static str>,
}

impl Frame {
    /// The same marks read with the page turned the other way round.
    pub fn rotated(&self, page: &SheetPage) -> Option<Frame> {
        frame(self.found, self.black, page, !self.upside_down).map(|f| Frame {
            placed: self.placed,
            ..f
        })
    }
}

fn frame(found: [(f64, f64); 4], black: f64, page: &SheetPage, upside_down: bool) -> Option<Frame> {
    let c = page.marks.map(|m| m.centre());
    // Upside down, the image's top-left mark is the sheet's bottom-right one.
    let from = if upside_down {
        [c[3], c[2], c[1], c[0]]
    } else {
        c
    };
    Some(Frame {
        found,
        black,
        map: Homography::from_points(&from, &found)?,
        upside_down,
        placed: None,
    })
}

/// Why no frame was found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MarkError {
    #[error("corner mark not found: {}", .0.join(", "))]
    Missing(Vec<&'static str>),
    #[error("the corner marks do not form the sheet's rectangle (is this an answer sheet?)")]
    Shape,
}

const CORNERS: [&str; 4] = ["top left", "top right", "bottom left", "bottom right"];

/// Finds the four corner marks and the upright mm → pixel map. Each
/// corner's window gets its own threshold (a worn copier is greyer on one
/// side than the other), and a mark is a square of the expected size that
/// is solid inside and mostly paper around, so grey speckle touching it or
/// a streak running through it does not hide it. One lost corner is placed
/// from the other three ([`Frame::placed`]); the caller confirms it.
pub fn find(img: &GrayImage, page: &SheetPage) -> Result<Frame, MarkError> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    // The page fills the scan roughly; its width gives the scale to look for.
    let ppm = w as f64 / PAGE_WIDTH;
    let win = ((28.0 * ppm) as usize).min(w / 2).min(h / 2);
    let mut found = [(0.0, 0.0); 4];
    let mut missing = Vec::new();
    let mut black_sum = 0.0;
    for (i, name) in CORNERS.iter().enumerate() {
        let x0 = if i % 2 == 0 { 0 } else { w - win };
        let y0 = if i < 2 { 0 } else { h - win };
        let corner = (
            if i % 2 == 0 { 0.0 } else { w as f64 },
            if i < 2 { 0.0 } else { h as f64 },
        );
        match best_square(img, x0, y0, win, MARK_SIZE * ppm, corner) {
            Some((cx, cy, mean)) => {
                found[i] = (cx, cy);
                black_sum += mean;
            }
            None => missing.push((i, *name)),
        }
    }
    let c = page.marks.map(|m| m.centre());
    let mut placed = None;
    match missing.as_slice() {
        [] => {}
        // The three found marks fix an affine map, which places the fourth;
        // perspective in a scan is small enough for the rings' local search.
        &[(k, name)] => {
            let others: Vec<usize> = (0..4).filter(|&i| i != k).collect();
            let [a, b, d] = [others[0], others[1], others[2]];
            found[k] = affine_place([c[a], c[b], c[d]], [found[a], found[b], found[d]], c[k])
                .ok_or(MarkError::Shape)?;
            black_sum = black_sum / 3.0 * 4.0;
            placed = Some(name);
        }
        _ => {
            return Err(MarkError::Missing(
                missing.iter().map(|(_, n)| *n).collect(),
            ));
        }
    }
    // The marks must make a rectangle of the page's proportions.
    let d = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).hypot(a.1 - b.1);
    let (top, bottom) = (d(found[0], found[1]), d(found[2], found[3]));
    let (left, right) = (d(found[0], found[2]), d(found[1], found[3]));
    let want = (c[1].0 - c[0].0) / (c[2].1 - c[0].1);
    let ratio = (top + bottom) / (left + right);
    let similar = |a: f64, b: f64| (a / b - 1.0).abs() < 0.06;
    if !similar(ratio, want) || !similar(top, bottom) || !similar(left, right) {
        return Err(MarkError::Shape);
    }
    frame(found, black_sum / 4.0, page, false)
        .map(|f| Frame { placed, ..f })
        .ok_or(MarkError::Shape)
}

/// Where `target` (mm) goes under the affine map taking `from` to `to`.
fn affine_place(
    from: [(f64, f64); 3],
    to: [(f64, f64); 3],
    target: (f64, f64),
) -> Option<(f64, f64)> {
    // target = from[0] + s·(from[1] − from[0]) + t·(from[2] − from[0]).
    let (e1, e2) = (
        (from[1].0 - from[0].0, from[1].1 - from[0].1),
        (from[2].0 - from[0].0, from[2].1 - from[0].1),
    );
    let det = e1.0 * e2.1 - e1.1 * e2.0;
    if det.abs() < 1e-9 {
        return None;
    }
    let (px, py) = (target.0 - from[0].0, target.1 - from[0].1);
    let s = (px * e2.1 - py * e2.0) / det;
    let t = (e1.0 * py - e1.1 * px) / det;
    Some((
        to[0].0 + s * (to[1].0 - to[0].0) + t * (to[2].0 - to[0].0),
        to[0].1 + s * (to[1].1 - to[0].1) + t * (to[2].1 - to[0].1),
    ))
}

/// Otsu's threshold over a picture.
pub fn otsu(img: &GrayImage) -> u8 {
    otsu_of(img.as_raw().iter().copied())
}

/// Otsu's threshold: the grey level that best splits `pixels` into ink and paper.
pub fn otsu_of(pixels: impl Iterator<Item = u8>) -> u8 {
    let mut hist = [0u64; 256];
    for p in pixels {
        hist[p as usize] += 1;
    }
    let total: u64 = hist.iter().sum();
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &n)| i as f64 * n as f64)
        .sum();
    let (mut w0, mut sum0, mut best, mut best_t) = (0u64, 0.0, 0.0, 128u8);
    for (t, &count) in hist.iter().enumerate() {
        w0 += count;
        if w0 == 0 {
            continue;
        }
        let w1 = total - w0;
        if w1 == 0 {
            break;
        }
        sum0 += t as f64 * count as f64;
        let m0 = sum0 / w0 as f64;
        let m1 = (sum_all - sum0) / w1 as f64;
        let between = w0 as f64 * w1 as f64 * (m0 - m1).powi(2);
        if between > best {
            best = between;
            best_t = t as u8;
        }
    }
    best_t
}

/// A square must be at least this dark inside (share of dark pixels)…
const SOLID: f64 = 0.85;
/// …and the band of paper around it at most this dark.
const AROUND: f64 = 0.35;

/// The solid dark square of about `side` pixels in the window: its centre
/// and mean grey. Pixels are dark below the window's own Otsu threshold;
/// every placement of a `side` square is scored by how solid it is inside
/// and how light the band (a sixth of the side wide) around it is, with
/// summed-area tables so the search costs a few operations a pixel. Of the
/// placements that pass, the best wins; ties go to the one nearest `corner`.
fn best_square(
    img: &GrayImage,
    x0: usize,
    y0: usize,
    win: usize,
    side: f64,
    corner: (f64, f64),
) -> Option<(f64, f64, f64)> {
    let w = img.width() as usize;
    let raw = img.as_raw();
    let threshold =
        otsu_of((y0..y0 + win).flat_map(|y| raw[y * w + x0..y * w + x0 + win].iter().copied()));
    // Summed-area table of the dark mask, (win + 1)².
    let n = win + 1;
    let mut sat = vec![0u32; n * n];
    for y in 0..win {
        let mut row = 0u32;
        for x in 0..win {
            row += u32::from(raw[(y0 + y) * w + x0 + x] <= threshold);
            sat[(y + 1) * n + x + 1] = sat[y * n + x + 1] + row;
        }
    }
    let sum = |x: usize, y: usize, s: usize| -> f64 {
        f64::from(
            sat[(y + s) * n + x + s] + sat[y * n + x] - sat[y * n + x + s] - sat[(y + s) * n + x],
        )
    };
    let s = side.round().max(3.0) as usize;
    let m = (side / 6.0).round().max(1.0) as usize;
    let outer = s + 2 * m;
    if outer >= win {
        return None;
    }
    let ring_area = (outer * outer - s * s) as f64;
    let mut best: Option<(f64, f64, usize, usize)> = None;
    for y in 0..win - outer {
        for x in 0..win - outer {
            let inner = sum(x + m, y + m, s) / (s * s) as f64;
            if inner < SOLID {
                continue;
            }
            let around = (sum(x, y, outer) - sum(x + m, y + m, s)) / ring_area;
            if around > AROUND {
                continue;
            }
            let score = inner - around;
            let (cx, cy) = (
                (x0 + x + m) as f64 + s as f64 / 2.0,
                (y0 + y + m) as f64 + s as f64 / 2.0,
            );
            let dist = (cx - corner.0).hypot(cy - corner.1);
            let better = match best {
                None => true,
                Some((bs, bd, _, _)) => score > bs + 1e-9 || (score > bs - 1e-9 && dist < bd),
            };
            if better {
                best = Some((score, dist, x + m, y + m));
            }
        }
    }
    let (_, _, bx, by) = best?;
    // The centre and the black: the dark pixels of the square and a little
    // around it (a square a little larger than expected, or turned).
    let (lo_x, lo_y) = (bx.saturating_sub(m), by.saturating_sub(m));
    let (hi_x, hi_y) = ((bx + s + m).min(win), (by + s + m).min(win));
    let (mut k, mut sx, mut sy, mut sg) = (0usize, 0.0, 0.0, 0.0);
    for y in lo_y..hi_y {
        for x in lo_x..hi_x {
            let g = raw[(y0 + y) * w + x0 + x];
            if g <= threshold {
                k += 1;
                sx += x as f64;
                sy += y as f64;
                sg += f64::from(g);
            }
        }
    }
    (k > 0).then(|| {
        (
            x0 as f64 + sx / k as f64 + 0.5,
            y0 as f64 + sy / k as f64 + 0.5,
            sg / k as f64,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::PAGE_HEIGHT;

    #[test]
    fn a_homography_maps_its_four_points_and_keeps_lines_straight() {
        let from = [(11.0, 11.0), (199.0, 11.0), (11.0, 286.0), (199.0, 286.0)];
        let to = [
            (70.0, 60.0),
            (1180.0, 90.0),
            (40.0, 1700.0),
            (1160.0, 1720.0),
        ];
        let h = Homography::from_points(&from, &to).unwrap();
        for (f, t) in from.iter().zip(&to) {
            let (u, v) = h.apply(f.0, f.1);
            assert!((u - t.0).abs() < 1e-6 && (v - t.1).abs() < 1e-6);
        }
        assert!(Homography::from_points(&[(0.0, 0.0); 4], &to).is_none());
    }

    #[test]
    fn four_squares_make_a_frame_three_place_the_fourth_and_two_do_not() {
        let sheet = crate::sheet::layout(&[]);
        let page = &sheet.pages[0];
        let ppm = 4.0;
        let mut img = GrayImage::from_pixel(
            (PAGE_WIDTH * ppm) as u32,
            (PAGE_HEIGHT * ppm) as u32,
            image::Luma([235]),
        );
        for m in &page.marks[..3] {
            for y in (m.y * ppm) as u32..((m.y + m.h) * ppm) as u32 {
                for x in (m.x * ppm) as u32..((m.x + m.w) * ppm) as u32 {
                    img.put_pixel(x, y, image::Luma([20]));
                }
            }
        }
        // Three marks place the fourth.
        let placed = find(&img, page).unwrap();
        assert_eq!(placed.placed, Some("bottom right"));
        let (u, v) = placed.map.apply(105.0, 148.5);
        assert!(
            (u - 420.0).abs() < 1.5 && (v - 594.0).abs() < 1.5,
            "{u},{v}"
        );
        let mut two = img.clone();
        let m = page.marks[2];
        for y in (m.y * ppm) as u32..((m.y + m.h) * ppm) as u32 {
            for x in (m.x * ppm) as u32..((m.x + m.w) * ppm) as u32 {
                two.put_pixel(x, y, image::Luma([235]));
            }
        }
        assert_eq!(
            find(&two, page),
            Err(MarkError::Missing(vec!["bottom left", "bottom right"]))
        );
        let m = page.marks[3];
        for y in (m.y * ppm) as u32..((m.y + m.h) * ppm) as u32 {
            for x in (m.x * ppm) as u32..((m.x + m.w) * ppm) as u32 {
                img.put_pixel(x, y, image::Luma([20]));
            }
        }
        let frame = find(&img, page).unwrap();
        assert_eq!(frame.placed, None);
        let (u, v) = frame.map.apply(105.0, 148.5);
        assert!(
            (u - 420.0).abs() < 1.0 && (v - 594.0).abs() < 1.0,
            "{u},{v}"
        );
        assert!((frame.black - 20.0).abs() < 1.0);
        let turned = frame.rotated(page).unwrap();
        let (u, v) = turned.map.apply(11.0, 11.0);
        assert!(
            (u - 796.0).abs() < 1.0 && (v - 1144.0).abs() < 1.0,
            "{u},{v}"
        );
    }
}
