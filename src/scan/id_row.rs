//! Reading a sheet page's id row ([`crate::id_row`]) through the page's
//! corner-mark map: the second, QR-independent copy of its paper id and
//! page. Each cell's inside is cut out upright and its mean grey taken; the
//! row's own cells split into black and white at Otsu's threshold, so a
//! light copy or a dark scan reads the same. A row whose two groups are not
//! clearly apart, or whose check value fails, says nothing.

use image::GrayImage;

use super::marks::Homography;
use super::qr::{SheetId, warp};
use crate::id_row::{CELLS, cells, decode};

/// Margin left out of each cell on every side, mm: the map may be a
/// fraction of a millimetre off.
const INSET: f64 = 0.3;
/// Least difference in grey (0–255) between the black and the white cells'
/// means for the row to be read at all.
const MIN_CONTRAST: f64 = 60.0;

/// The paper id and page the row says, if it can be read and checks.
pub fn read(img: &GrayImage, map: &Homography) -> Option<SheetId> {
    let greys: Vec<f64> = cells()
        .iter()
        .map(|c| {
            let crop = warp(
                img,
                map,
                (
                    c.x + INSET,
                    c.y + INSET,
                    c.w - 2.0 * INSET,
                    c.h - 2.0 * INSET,
                ),
                8.0,
            );
            let raw = crop.as_raw();
            raw.iter().map(|&p| f64::from(p)).sum::<f64>() / raw.len().max(1) as f64
        })
        .collect();
    let bits = split(&greys)?;
    let (paper, page) = decode(&bits)?;
    Some(SheetId { paper, page })
}

/// Black (true) and white cells at Otsu's threshold over the row's own
/// greys, or `None` when the two groups are not clearly apart.
fn split(greys: &[f64]) -> Option<[bool; CELLS]> {
    let levels: Vec<u8> = greys
        .iter()
        .map(|g| g.round().clamp(0.0, 255.0) as u8)
        .collect();
    let threshold = super::marks::otsu_of(levels.iter().copied());
    let mean = |dark: bool| {
        let group: Vec<f64> = levels
            .iter()
            .filter(|&&l| (l <= threshold) == dark)
            .map(|&l| f64::from(l))
            .collect();
        (!group.is_empty()).then(|| group.iter().sum::<f64>() / group.len() as f64)
    };
    let (dark, light) = (mean(true)?, mean(false)?);
    if light - dark < MIN_CONTRAST {
        return None;
    }
    let mut bits = [false; CELLS];
    for (bit, &l) in bits.iter_mut().zip(&levels) {
        *bit = l <= threshold;
    }
    Some(bits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id_row::encode;

    #[test]
    fn the_split_follows_the_rows_own_greys_and_refuses_a_flat_row() {
        let bits = encode("FQUXPS98", 1).unwrap();
        // A light copy: black cells at 150, white ones at 235.
        let greys: Vec<f64> = bits
            .iter()
            .map(|&b| if b { 150.0 } else { 235.0 })
            .collect();
        assert_eq!(split(&greys), Some(bits));
        assert_eq!(split(&[240.0; CELLS]), None, "no row printed");
        let faint: Vec<f64> = bits
            .iter()
            .map(|&b| if b { 200.0 } else { 235.0 })
            .collect();
        assert_eq!(split(&faint), None, "not clearly apart");
    }
}
