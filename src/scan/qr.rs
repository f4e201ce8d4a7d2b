//! Reading the sheet's QR code (`CERTEXAM:<paper id>:<page>`, see
//! [`crate::sheet::qr_text`]): the code's square is cut out of the scan
//! through the page's homography, upright and at a fixed resolution, so the
//! decoder sees the same clean picture whatever the scan's skew or dpi.

use image::GrayImage;

use super::marks::Homography;
use crate::sheet::Rect;

/// What a sheet's QR code says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetId {
    pub paper: String,
    /// Page of the answer sheet, from 1.
    pub page: u32,
}

/// Why a QR code gave no sheet id.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("no QR code could be read where the sheet has one")]
    NotFound,
    #[error("the QR code says `{0}`, which is not a certexam answer sheet")]
    Foreign(String),
}

/// Pixels per millimetre of the upright cut-outs the decoder reads.
const CROP_PPM: [f64; 2] = [8.0, 11.0];
/// Extra margin around the QR square, mm, for an imprecise frame.
const MARGIN: f64 = 2.0;

/// Samples an upright, `ppm`-pixels-a-millimetre picture of `rect` (mm)
/// from the scan, bilinearly; pixels outside the scan are white.
pub fn warp(img: &GrayImage, map: &Homography, rect: (f64, f64, f64, f64), ppm: f64) -> GrayImage {
    let (x, y, w, h) = rect;
    let (cw, ch) = (
        (w * ppm).round().max(1.0) as u32,
        (h * ppm).round().max(1.0) as u32,
    );
    let (iw, ih) = (img.width() as i64, img.height() as i64);
    let raw = img.as_raw();
    let at = |px: i64, py: i64| -> f64 {
        if px < 0 || py < 0 || px >= iw || py >= ih {
            255.0
        } else {
            f64::from(raw[(py * iw + px) as usize])
        }
    };
    // The map is linear in homogeneous coordinates, so along an output row
    // its numerators and denominator grow by fixed steps: one division a
    // pixel (this is the hot loop of straightening a photo).
    let h = map.matrix();
    let step = 1.0 / ppm;
    let mut out = vec![0u8; cw as usize * ch as usize];
    for (cy, row) in out.chunks_exact_mut(cw as usize).enumerate() {
        let my = y + (cy as f64 + 0.5) * step;
        let mx = x + 0.5 * step;
        let mut nu = h[0] * mx + h[1] * my + h[2];
        let mut nv = h[3] * mx + h[4] * my + h[5];
        let mut nw = h[6] * mx + h[7] * my + h[8];
        let (du, dv, dw) = (h[0] * step, h[3] * step, h[6] * step);
        for p in row.iter_mut() {
            let (u, v) = (nu / nw - 0.5, nv / nw - 0.5);
            nu += du;
            nv += dv;
            nw += dw;
            let (px, py) = (floor(u), floor(v));
            let (ax, ay) = (u - px as f64, v - py as f64);
            let (a, b, c, d) = if px >= 0 && py >= 0 && px + 1 < iw && py + 1 < ih {
                let i = (py * iw + px) as usize;
                let j = i + iw as usize;
                (
                    f64::from(raw[i]),
                    f64::from(raw[i + 1]),
                    f64::from(raw[j]),
                    f64::from(raw[j + 1]),
                )
            } else {
                (
                    at(px, py),
                    at(px + 1, py),
                    at(px, py + 1),
                    at(px + 1, py + 1),
                )
            };
            let top = a + (b - a) * ax;
            let bottom = c + (d - c) * ax;
            // Rounded by adding a half: the value is never negative.
            *p = (top + (bottom - top) * ay + 0.5) as u8;
        }
    }
    GrayImage::from_raw(cw, ch, out).expect("sized to fit")
}

/// `v.floor()` as an integer, without the library call (a pixel index).
fn floor(v: f64) -> i64 {
    let i = v as i64;
    if (i as f64) > v { i - 1 } else { i }
}

/// Mean darkness (0 white … 1 black) of the QR square as the map sees it;
/// tells which way up a page is without decoding anything.
pub fn ink(img: &GrayImage, map: &Homography, qr: &Rect) -> f64 {
    let crop = warp(img, map, (qr.x, qr.y, qr.w, qr.h), 1.5);
    let n = crop.as_raw().len().max(1) as f64;
    crop.as_raw()
        .iter()
        .map(|&p| 1.0 - f64::from(p) / 255.0)
        .sum::<f64>()
        / n
}

/// Reads the QR code at `qr` (mm) through `map`.
pub fn read(img: &GrayImage, map: &Homography, qr: &Rect) -> Result<SheetId, QrError> {
    let rect = (
        qr.x - MARGIN,
        qr.y - MARGIN,
        qr.w + 2.0 * MARGIN,
        qr.h + 2.0 * MARGIN,
    );
    // rqrr is pickier about some module sizes than others and samples a
    // blurred module (a phone photo) differently at different thresholds;
    // a second resolution and thresholded pictures rescue most hard pages.
    for ppm in CROP_PPM {
        let crop = warp(img, map, rect, ppm);
        let text = decode(&crop).or_else(|| {
            thresholds(&crop)
                .into_iter()
                .find_map(|t| decode(&binarise(&crop, t)))
        });
        if let Some(text) = text {
            return parse(&text).ok_or(QrError::Foreign(text));
        }
    }
    Err(QrError::NotFound)
}

/// Otsu's threshold, then three levels between the picture's darkest and
/// lightest tenth.
fn thresholds(img: &GrayImage) -> Vec<u8> {
    let mut sorted = img.as_raw().clone();
    sorted.sort_unstable();
    let (lo, hi) = (
        f64::from(sorted[sorted.len() / 10]),
        f64::from(sorted[sorted.len() * 9 / 10]),
    );
    let mut levels = vec![super::marks::otsu(img)];
    levels.extend([0.35, 0.5, 0.65].map(|f| (lo + f * (hi - lo)).round() as u8));
    levels
}

/// Black and white at threshold `t`.
fn binarise(img: &GrayImage, t: u8) -> GrayImage {
    GrayImage::from_fn(img.width(), img.height(), |x, y| {
        image::Luma([if img.get_pixel(x, y).0[0] <= t {
            0
        } else {
            255
        }])
    })
}

/// The first QR code rqrr can decode in the picture.
pub fn decode(img: &GrayImage) -> Option<String> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let raw = img.as_raw();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| raw[y * w + x]);
    prepared
        .detect_grids()
        .into_iter()
        .find_map(|g| g.decode().ok().map(|(_, text)| text))
}

/// Parses `CERTEXAM:<paper>:<page>`.
pub fn parse(text: &str) -> Option<SheetId> {
    let rest = text.strip_prefix("CERTEXAM:")?;
    let (paper, page) = rest.rsplit_once(':')?;
    let page: u32 = page.parse().ok().filter(|&p| p >= 1)?;
    if paper.is_empty() {
        return None;
    }
    Some(SheetId {
        paper: paper.to_uppercase(),
        page,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_written_by_sheet_is_parsed_back() {
        let text = crate::sheet::qr_text("AS8D94X4", 2);
        assert_eq!(
            parse(&text),
            Some(SheetId {
                paper: "AS8D94X4".into(),
                page: 2
            })
        );
        assert_eq!(parse("https://example.com"), None);
        assert_eq!(parse("CERTEXAM:X:0"), None);
        assert_eq!(parse("CERTEXAM::1"), None);
    }

    #[test]
    fn a_generated_qr_code_is_decoded() {
        let code = qrcode::QrCode::new(b"CERTEXAM:AS8D94X4:1").unwrap();
        let modules = code.width();
        let scale = 5;
        let quiet = 4;
        let side = ((modules + 2 * quiet) * scale) as u32;
        let colors = code.to_colors();
        let img = GrayImage::from_fn(side, side, |x, y| {
            let (mx, my) = (x as usize / scale, y as usize / scale);
            let dark = mx >= quiet
                && my >= quiet
                && mx < quiet + modules
                && my < quiet + modules
                && colors[(my - quiet) * modules + mx - quiet] == qrcode::Color::Dark;
            image::Luma([if dark { 10 } else { 240 }])
        });
        assert_eq!(decode(&img).as_deref(), Some("CERTEXAM:AS8D94X4:1"));
    }
}
