//! Phone photos of answer sheets: the sheet lies somewhere in the frame,
//! seen at an angle, lit unevenly, on a desk. This finds its four corner
//! marks anywhere in the picture, undoes the full perspective and evens out
//! the light, and hands back what a flatbed scanner would have made of the
//! sheet — an upright A4 page at the working resolution — so that the rest
//! of the reader (corner marks, QR code, id row, rings, bubbles) is the one
//! used for scans.
//!
//! Finding the marks: pixels darker than their neighbourhood (a local-mean
//! threshold, so a shadow does not swallow a mark) are joined into blobs; a
//! mark candidate is a solid, squarish blob with paper around it. Of all
//! sets of four candidates, the one that makes the largest convex
//! quadrilateral of a sheet's proportions, with blobs of similar size and
//! of the size a mark has in a quadrilateral that large, is taken first;
//! the next ones are tried if the page then cannot be read.

use image::GrayImage;

use super::marks::Homography;
use super::qr::warp;
use crate::sheet::{MARK_SIZE, PAGE_HEIGHT, PAGE_WIDTH, SheetPage};

/// The long side of the picture the marks are looked for in, pixels.
const WORK_SIDE: usize = 1000;
/// Candidates kept for the search of four (the most square-like first).
const MAX_CANDIDATES: usize = 24;
/// Quadrilaterals handed on to be read, best first.
pub const MAX_TRIES: usize = 3;
/// Paper margin whitened after straightening, mm: nothing is printed
/// there, and the desk may show at the sheet's edge.
const WHITE_MARGIN: f64 = 4.0;
/// Most variation of grey (standard deviation over mean) in the paper
/// around a corner mark.
const UNEVEN_PAPER: f64 = 0.07;
/// Side of the blocks the paper's brightness is estimated in, mm.
const LIGHT_BLOCK: f64 = 9.0;

/// A dark blob that may be a corner mark, in work pixels.
#[derive(Clone, Copy, Debug)]
struct Blob {
    cx: f64,
    cy: f64,
    area: f64,
    /// How mark-like: solid in its box, box not elongated, paper around even.
    score: f64,
}

/// Up to [`MAX_TRIES`] straightened pages, from the likeliest placement of
/// the sheet in the photo to the least, each made only when asked for;
/// none when no four blobs make a sheet.
pub fn straighten<'a>(
    img: &'a GrayImage,
    page: &'a SheetPage,
    ppm: f64,
) -> impl Iterator<Item = GrayImage> + 'a {
    let factor = (img.width().max(img.height()) as usize)
        .div_ceil(WORK_SIDE)
        .max(1);
    let work = super::image_in::block_average(img, factor);
    let blobs = candidates(&work);
    let quads = best_quads(&blobs, MAX_TRIES);
    let f = factor as f64;
    quads.into_iter().filter_map(move |quad| {
        // Work pixels → photo pixels (centres of blocks).
        let found = quad.map(|(x, y)| (x * f, y * f));
        let marks = page.marks.map(|m| m.centre());
        // Clockwise from the sheet's top left: TL, TR, BR, BL.
        let from = [marks[0], marks[1], marks[3], marks[2]];
        let map = Homography::from_points(&from, &found)?;
        let mut flat = warp(img, &map, (0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT), ppm);
        even_out_light(&mut flat, ppm);
        whiten_margin(&mut flat, ppm);
        Some(flat)
    })
}

/// Summed-area table of `values` over a `w`×`h` grid, `(w+1)×(h+1)`.
fn summed(w: usize, h: usize, value: impl Fn(usize, usize) -> u32) -> Vec<u64> {
    let n = w + 1;
    let mut sat = vec![0u64; n * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += u64::from(value(x, y));
            sat[(y + 1) * n + x + 1] = sat[y * n + x + 1] + row;
        }
    }
    sat
}

/// Sum over the box `[x0, x1) × [y0, y1)` of a summed-area table of width `w`.
fn box_sum(sat: &[u64], w: usize, (x0, y0, x1, y1): (usize, usize, usize, usize)) -> u64 {
    let n = w + 1;
    sat[y1 * n + x1] + sat[y0 * n + x0] - sat[y0 * n + x1] - sat[y1 * n + x0]
}

/// Solid, squarish dark blobs with lighter surroundings.
fn candidates(work: &GrayImage) -> Vec<Blob> {
    let (w, h) = (work.width() as usize, work.height() as usize);
    if w < 20 || h < 20 {
        return Vec::new();
    }
    let raw = work.as_raw();
    let grey = summed(w, h, |x, y| u32::from(raw[y * w + x]));
    let grey2 = summed(w, h, |x, y| u32::from(raw[y * w + x]).pow(2));
    // Dark: below 60 % of the mean of a window about a twentieth of the
    // picture wide (several times a mark's size).
    let r = (w.max(h) / 40).max(4);
    let mut dark = vec![false; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let n = ((x1 - x0) * (y1 - y0)) as u64;
            let mean = box_sum(&grey, w, (x0, y0, x1, y1)) / n;
            dark[y * w + x] = u64::from(raw[y * w + x]) * 10 < mean * 6;
        }
    }
    let dark_sat = summed(w, h, |x, y| u32::from(dark[y * w + x]));
    // The sheet takes at least half of the frame, so a mark is at least
    // about a fortieth of the picture's long side; at most a twelfth.
    let long = w.max(h) as f64;
    let (min_side, max_side) = (long / 90.0, long / 12.0);
    let mut seen = vec![false; w * h];
    let mut blobs = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if !dark[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut area, mut sx, mut sy) = (0usize, 0usize, 0usize);
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            area += 1;
            sx += x;
            sy += y;
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
            let mut visit = |j: usize| {
                if dark[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                visit(i - 1);
            }
            if x + 1 < w {
                visit(i + 1);
            }
            if y > 0 {
                visit(i - w);
            }
            if y + 1 < h {
                visit(i + w);
            }
        }
        let (bw, bh) = ((x1 - x0 + 1) as f64, (y1 - y0 + 1) as f64);
        let side = (bw * bh).sqrt();
        if side < min_side || side > max_side {
            continue;
        }
        let elongation = bw.max(bh) / bw.min(bh);
        let fill = area as f64 / (bw * bh);
        // A square turned up to 45° fills half its box; a mark seen at an
        // angle is a quadrilateral, still more than half.
        if elongation > 1.8 || fill < 0.5 {
            continue;
        }
        // Paper around: the band of a third of the side around the box is
        // mostly light.
        let m = (side / 3.0).ceil() as usize;
        let outer = (
            x0.saturating_sub(m),
            y0.saturating_sub(m),
            (x1 + 1 + m).min(w),
            (y1 + 1 + m).min(h),
        );
        let inner = (x0, y0, x1 + 1, y1 + 1);
        let band_dark = box_sum(&dark_sat, w, outer) - box_sum(&dark_sat, w, inner);
        let band_area = ((outer.2 - outer.0) * (outer.3 - outer.1)) as f64 - bw * bh;
        if band_area <= 0.0 || band_dark as f64 / band_area > 0.2 {
            continue;
        }
        // …and that paper is even: a dark patch of the desk at the sheet's
        // edge has paper on one side and wood on the other. The band starts
        // a little off the blob, past its blurred edge.
        let g = (side / 8.0).ceil() as usize;
        let near = (
            x0.saturating_sub(g),
            y0.saturating_sub(g),
            (x1 + 1 + g).min(w),
            (y1 + 1 + g).min(h),
        );
        let far = (
            x0.saturating_sub(g + m),
            y0.saturating_sub(g + m),
            (x1 + 1 + g + m).min(w),
            (y1 + 1 + g + m).min(h),
        );
        let area_of = |b: (usize, usize, usize, usize)| ((b.2 - b.0) * (b.3 - b.1)) as f64;
        let n = area_of(far) - area_of(near);
        let sum = (box_sum(&grey, w, far) - box_sum(&grey, w, near)) as f64;
        let sum2 = (box_sum(&grey2, w, far) - box_sum(&grey2, w, near)) as f64;
        let mean = sum / n;
        let spread = (sum2 / n - mean * mean).max(0.0).sqrt() / mean.max(1.0);
        if n <= 0.0 || spread > UNEVEN_PAPER {
            continue;
        }
        blobs.push(Blob {
            cx: sx as f64 / area as f64 + 0.5,
            cy: sy as f64 / area as f64 + 0.5,
            area: area as f64,
            score: fill / elongation / (1.0 + 10.0 * spread),
        });
    }
    blobs.sort_by(|a, b| b.score.total_cmp(&a.score));
    blobs.truncate(MAX_CANDIDATES);
    blobs
}

/// The `n` best sets of four blobs that can be the corner marks, as their
/// centres clockwise from the sheet's top left (which of the two short
/// sides is the top is left to the reader, which turns upside-down pages).
fn best_quads(blobs: &[Blob], n: usize) -> Vec<[(f64, f64); 4]> {
    let marks_w = PAGE_WIDTH - 2.0 * crate::sheet::MARK_INSET - MARK_SIZE;
    let marks_h = PAGE_HEIGHT - 2.0 * crate::sheet::MARK_INSET - MARK_SIZE;
    // A mark's share of the quadrilateral it makes with the others.
    let mark_share = MARK_SIZE * MARK_SIZE / (marks_w * marks_h);
    let want_ratio = marks_h / marks_w;
    let mut found: Vec<(f64, [(f64, f64); 4])> = Vec::new();
    let k = blobs.len();
    for a in 0..k {
        for b in a + 1..k {
            for c in b + 1..k {
                for d in c + 1..k {
                    let set = [blobs[a], blobs[b], blobs[c], blobs[d]];
                    let (min_area, max_area) =
                        set.iter().fold((f64::MAX, 0.0f64), |(lo, hi), s| {
                            (lo.min(s.area), hi.max(s.area))
                        });
                    // The near edge of a sheet photographed at 25° from
                    // close by is seen over twice as large as the far one.
                    if max_area > 5.0 * min_area {
                        continue;
                    }
                    let Some(quad) = clockwise(&set) else {
                        continue;
                    };
                    let area = polygon_area(&quad);
                    let mean_blob = set.iter().map(|s| s.area).sum::<f64>() / 4.0;
                    let share = mean_blob / area;
                    if share < mark_share / 4.0 || share > mark_share * 4.0 {
                        continue;
                    }
                    let Some(quad) = with_short_side_first(quad, want_ratio) else {
                        continue;
                    };
                    found.push((area, quad));
                }
            }
        }
    }
    found.sort_by(|x, y| y.0.total_cmp(&x.0));
    found.into_iter().take(n).map(|(_, q)| q).collect()
}

/// The four centres in clockwise order (on screen, y down), if they make a
/// convex quadrilateral.
fn clockwise(set: &[Blob; 4]) -> Option<[(f64, f64); 4]> {
    let (mx, my) = (
        set.iter().map(|s| s.cx).sum::<f64>() / 4.0,
        set.iter().map(|s| s.cy).sum::<f64>() / 4.0,
    );
    let mut pts: Vec<(f64, f64)> = set.iter().map(|s| (s.cx, s.cy)).collect();
    pts.sort_by(|p, q| {
        (p.1 - my)
            .atan2(p.0 - mx)
            .total_cmp(&(q.1 - my).atan2(q.0 - mx))
    });
    let quad = [pts[0], pts[1], pts[2], pts[3]];
    // Convex: every turn the same way.
    let turns = (0..4).map(|i| {
        let (p, q, r) = (quad[i], quad[(i + 1) % 4], quad[(i + 2) % 4]);
        (q.0 - p.0) * (r.1 - q.1) - (q.1 - p.1) * (r.0 - q.0)
    });
    turns.into_iter().all(|t| t > 0.0).then_some(quad)
}

/// Twice-signed area halved: the quadrilateral's area.
fn polygon_area(q: &[(f64, f64); 4]) -> f64 {
    (0..4)
        .map(|i| {
            let (p, r) = (q[i], q[(i + 1) % 4]);
            p.0 * r.1 - r.0 * p.1
        })
        .sum::<f64>()
        .abs()
        / 2.0
}

/// Rotates the clockwise quadrilateral so that it starts at a corner whose
/// next side is a short one (the sheet's top), choosing of the two such
/// corners the one nearer the picture's top left; `None` if its sides are
/// not a sheet's proportions seen at up to about 30°.
fn with_short_side_first(q: [(f64, f64); 4], want_ratio: f64) -> Option<[(f64, f64); 4]> {
    let d = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).hypot(a.1 - b.1);
    let sides = [d(q[0], q[1]), d(q[1], q[2]), d(q[2], q[3]), d(q[3], q[0])];
    // Opposite sides within the foreshortening of a tilted sheet.
    let similar = |a: f64, b: f64| a.max(b) / a.min(b) < 1.6;
    if !similar(sides[0], sides[2]) || !similar(sides[1], sides[3]) {
        return None;
    }
    let (even, odd) = (sides[0] + sides[2], sides[1] + sides[3]);
    let ratio = even.max(odd) / even.min(odd);
    if ratio < want_ratio / 1.45 || ratio > want_ratio * 1.45 {
        return None;
    }
    // Start where the short side begins.
    let start = if even < odd { 0 } else { 1 };
    let a: [(f64, f64); 4] = std::array::from_fn(|i| q[(start + i) % 4]);
    let b: [(f64, f64); 4] = std::array::from_fn(|i| q[(start + 2 + i) % 4]);
    let key = |p: &[(f64, f64); 4]| p[0].0 + p[0].1;
    Some(if key(&a) <= key(&b) { a } else { b })
}

/// Divides the page by a smooth estimate of its paper's brightness, so a
/// shadow or a lamp's gradient leaves paper white everywhere and ink as
/// dark as it is against its own paper.
fn even_out_light(img: &mut GrayImage, ppm: f64) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let block = ((LIGHT_BLOCK * ppm) as usize).max(4);
    let (gw, gh) = (w.div_ceil(block), h.div_ceil(block));
    let raw = img.as_raw();
    // Paper is the bright part of a block: its 90th percentile.
    let mut grid = vec![0.0f64; gw * gh];
    let mut hist = [0u32; 256];
    for gy in 0..gh {
        for gx in 0..gw {
            hist.fill(0);
            let (x0, y0) = (gx * block, gy * block);
            let (x1, y1) = ((x0 + block).min(w), (y0 + block).min(h));
            for y in y0..y1 {
                for &p in &raw[y * w + x0..y * w + x1] {
                    hist[p as usize] += 1;
                }
            }
            let n = ((x1 - x0) * (y1 - y0)) as u32;
            let (mut seen, mut level) = (0u32, 255usize);
            for (v, &c) in hist.iter().enumerate().rev() {
                seen += c;
                if seen * 10 >= n {
                    level = v;
                    break;
                }
            }
            grid[gy * gw + gx] = level as f64;
        }
    }
    // Smooth over neighbouring blocks: a block all ink (the QR code, a
    // corner mark) takes its neighbours' paper.
    let smooth: Vec<f64> = (0..gw * gh)
        .map(|i| {
            let (gx, gy) = ((i % gw) as i64, (i / gw) as i64);
            let mut around = Vec::with_capacity(9);
            for dy in -1..=1 {
                for dx in -1..=1 {
                    let (x, y) = (gx + dx, gy + dy);
                    if x >= 0 && y >= 0 && x < gw as i64 && y < gh as i64 {
                        around.push(grid[y as usize * gw + x as usize]);
                    }
                }
            }
            around.sort_by(f64::total_cmp);
            let median = around[around.len() / 2];
            // A block much darker than its neighbours is ink, not a shadow:
            // it takes their paper; others keep their own, so a gradient
            // stays exact.
            let own = grid[i];
            if own < 0.85 * median { median } else { own }.max(40.0)
        })
        .collect();
    // Bilinear between block centres: per column its two blocks and
    // weight, per row the two block rows blended once.
    let place = |v: usize, cells: usize| {
        let f = ((v as f64 + 0.5) / block as f64 - 0.5).clamp(0.0, (cells - 1) as f64);
        let i = f as usize;
        (i, (i + 1).min(cells - 1), f - i as f64)
    };
    let columns: Vec<(usize, usize, f64)> = (0..w).map(|x| place(x, gw)).collect();
    let mut row = vec![0.0f64; gw];
    let pixels = img.as_mut();
    for y in 0..h {
        let (y0, y1, ay) = place(y, gh);
        for (gx, r) in row.iter_mut().enumerate() {
            *r = smooth[y0 * gw + gx] * (1.0 - ay) + smooth[y1 * gw + gx] * ay;
        }
        for (p, &(x0, x1, ax)) in pixels[y * w..(y + 1) * w].iter_mut().zip(&columns) {
            let paper = row[x0] * (1.0 - ax) + row[x1] * ax;
            *p = (f64::from(*p) * 245.0 / paper + 0.5).min(255.0) as u8;
        }
    }
}

/// Whitens the outer [`WHITE_MARGIN`] of the straightened page.
fn whiten_margin(img: &mut GrayImage, ppm: f64) {
    let m = (WHITE_MARGIN * ppm) as u32;
    let (w, h) = (img.width() as usize, img.height() as usize);
    let m = (m as usize).min(w / 2).min(h / 2);
    let pixels = img.as_mut();
    for y in 0..h {
        let row = &mut pixels[y * w..(y + 1) * w];
        if y < m || y + m >= h {
            row.fill(255);
        } else {
            row[..m].fill(255);
            row[w - m..].fill(255);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(cx: f64, cy: f64) -> Blob {
        Blob {
            cx,
            cy,
            area: 100.0,
            score: 1.0,
        }
    }

    #[test]
    fn four_marks_of_a_tilted_sheet_are_ordered_from_its_top_left_and_a_square_is_refused() {
        // A sheet seen from below: its top edge shorter, turned a little.
        let marks = [
            blob(300.0, 110.0),
            blob(610.0, 120.0),
            blob(660.0, 560.0),
            blob(250.0, 550.0),
        ];
        // Stray blobs inside the sheet make smaller quadrilaterals.
        let mut all = marks.to_vec();
        all.push(blob(450.0, 300.0));
        all.push(blob(500.0, 200.0));
        let quads = best_quads(&all, 3);
        let q = quads[0];
        assert_eq!(q[0], (300.0, 110.0));
        assert_eq!(q[1], (610.0, 120.0));
        assert_eq!(q[2], (660.0, 560.0));
        assert_eq!(q[3], (250.0, 550.0));
        // Four blobs in a square are not a sheet.
        let square = [
            blob(100.0, 100.0),
            blob(500.0, 100.0),
            blob(500.0, 500.0),
            blob(100.0, 500.0),
        ];
        assert!(best_quads(&square, 3).is_empty());
    }

    #[test]
    fn a_gradient_of_light_is_evened_out() {
        // A lamp on the right: paper from grey 120 to 220 across the page,
        // with a dark mark that must stay dark.
        let mut img = GrayImage::from_fn(1240, 300, |x, y| {
            let paper = 120 + x * 100 / 1240;
            let ink = (100..130).contains(&x) && (100..130).contains(&y);
            image::Luma([if ink { paper / 4 } else { paper } as u8])
        });
        even_out_light(&mut img, 5.9);
        for x in [20, 300, 620, 900, 1220] {
            let v = img.get_pixel(x, 200).0[0];
            assert!((237..=253).contains(&v), "paper at x = {x}: {v}");
        }
        assert!(img.get_pixel(115, 115).0[0] < 90, "the mark stays dark");
    }
}
