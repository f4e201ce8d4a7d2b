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
    GrayImage::from_fn(cw, ch, |cx, cy| {
        let (u, v) = map.apply(
            x + (f64::from(cx) + 0.5) / ppm,
            y + (f64::from(cy) + 0.5) / ppm,
        );
        let (u, v) = (u - 0.5, v - 0.5);
        let (fx, fy) = (u.floor(), v.floor());
        let (ax, ay) = (u - fx, v - fy);
        let (px, py) = (fx as i64, fy as i64);
        let top = at(px, py) * (1.0 - ax) + at(px + 1, py) * ax;
        let bottom = at(px, py + 1) * (1.0 - ax) + at(px + 1, py + 1) * ax;
        image::Luma([(top * (1.0 - ay) + bottom * ay).round() as u8])
    })
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
    // rqrr is pickier about some module sizes than others; a second
    // resolution and a thresholded picture rescue most hard pages.
    for ppm in CROP_PPM {
        let crop = warp(img, map, rect, ppm);
        let text = decode(&crop).or_else(|| decode(&binarise(&crop)));
        if let Some(text) = text {
            return parse(&text).ok_or(QrError::Foreign(text));
        }
    }
    Err(QrError::NotFound)
}

/// Black and white at Otsu's threshold.
fn binarise(img: &GrayImage) -> GrayImage {
    let t = super::marks::otsu(img);
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
