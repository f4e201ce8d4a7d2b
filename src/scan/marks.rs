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
}

impl Frame {
    /// The same marks read with the page turned the other way round.
    pub fn rotated(&self, page: &SheetPage) -> Option<Frame> {
        frame(self.found, self.black, page, !self.upside_down)
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

/// Finds the four corner marks and the upright mm → pixel map.
pub fn find(img: &GrayImage, page: &SheetPage) -> Result<Frame, MarkError> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    // The page fills the scan roughly; its width gives the scale to look for.
    let ppm = w as f64 / PAGE_WIDTH;
    let win = ((28.0 * ppm) as usize).min(w / 2).min(h / 2);
    // Only the corners matter here, and they hold both paper and mark.
    let raw = img.as_raw();
    let threshold = otsu_of((0..4).flat_map(|i| {
        let x0 = if i % 2 == 0 { 0 } else { w - win };
        let y0 = if i < 2 { 0 } else { h - win };
        (y0..y0 + win).flat_map(move |y| raw[y * w + x0..y * w + x0 + win].iter().copied())
    }));
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
        match best_square(img, x0, y0, win, threshold, MARK_SIZE * ppm, corner) {
            Some((cx, cy, mean)) => {
                found[i] = (cx, cy);
                black_sum += mean;
            }
            None => missing.push(*name),
        }
    }
    if !missing.is_empty() {
        return Err(MarkError::Missing(missing));
    }
    // The marks must make a rectangle of the page's proportions.
    let d = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).hypot(a.1 - b.1);
    let c = page.marks.map(|m| m.centre());
    let (top, bottom) = (d(found[0], found[1]), d(found[2], found[3]));
    let (left, right) = (d(found[0], found[2]), d(found[1], found[3]));
    let want = (c[1].0 - c[0].0) / (c[2].1 - c[0].1);
    let ratio = (top + bottom) / (left + right);
    let similar = |a: f64, b: f64| (a / b - 1.0).abs() < 0.06;
    if !similar(ratio, want) || !similar(top, bottom) || !similar(left, right) {
        return Err(MarkError::Shape);
    }
    frame(found, black_sum / 4.0, page, false).ok_or(MarkError::Shape)
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

/// The solid dark square of about `side` pixels in the window nearest to
/// `corner`: its centre and mean grey.
fn best_square(
    img: &GrayImage,
    x0: usize,
    y0: usize,
    win: usize,
    threshold: u8,
    side: f64,
    corner: (f64, f64),
) -> Option<(f64, f64, f64)> {
    let w = img.width() as usize;
    let raw = img.as_raw();
    let dark: Vec<bool> = (0..win * win)
        .map(|i| raw[(y0 + i / win) * w + x0 + i % win] <= threshold)
        .collect();
    let mut seen = vec![false; win * win];
    let mut stack = Vec::new();
    let mut best: Option<(f64, f64, f64, f64)> = None;
    for start in 0..win * win {
        if !dark[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut n, mut sx, mut sy, mut sg) = (0usize, 0.0, 0.0, 0.0);
        let (mut minx, mut maxx, mut miny, mut maxy) = (win, 0, win, 0);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % win, i / win);
            n += 1;
            sx += x as f64;
            sy += y as f64;
            sg += f64::from(raw[(y0 + y) * w + x0 + x]);
            minx = minx.min(x);
            maxx = maxx.max(x);
            miny = miny.min(y);
            maxy = maxy.max(y);
            let mut push = |j: usize| {
                if dark[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                push(i - 1);
            }
            if x + 1 < win {
                push(i + 1);
            }
            if y > 0 {
                push(i - win);
            }
            if y + 1 < win {
                push(i + win);
            }
        }
        let (bw, bh) = ((maxx - minx + 1) as f64, (maxy - miny + 1) as f64);
        let square = bw > side * 0.7 && bw < side * 1.45 && bh > side * 0.7 && bh < side * 1.45;
        let fill = n as f64 / (bw * bh);
        if !square || fill < 0.72 {
            continue;
        }
        let (cx, cy) = (x0 as f64 + sx / n as f64, y0 as f64 + sy / n as f64);
        let dist = (cx - corner.0).hypot(cy - corner.1);
        if best.is_none_or(|b| dist < b.3) {
            best = Some((cx + 0.5, cy + 0.5, sg / n as f64, dist));
        }
    }
    best.map(|(x, y, g, _)| (x, y, g))
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
    fn four_squares_in_the_corners_make_a_frame_and_three_do_not() {
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
        assert_eq!(
            find(&img, page),
            Err(MarkError::Missing(vec!["bottom right"]))
        );
        let m = page.marks[3];
        for y in (m.y * ppm) as u32..((m.y + m.h) * ppm) as u32 {
            for x in (m.x * ppm) as u32..((m.x + m.w) * ppm) as u32 {
                img.put_pixel(x, y, image::Luma([20]));
            }
        }
        let frame = find(&img, page).unwrap();
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
