//! The id row (编码行): an answer sheet page's paper id and page number
//! printed a second time, as a row of black and white squares under the
//! bubbles, so that a QR code a streak or a stain has made unreadable does
//! not lose the page. It is read through the same corner-mark map as the
//! bubbles, and it carries a check value, so a damaged row is unreadable,
//! never a different paper.
//!
//! 80 cells: the id's 8 characters (5 bits each, over
//! [`crate::paper::ID_ALPHABET`]), the page (8 bits), then 32 bits of
//! SHA-256 over the 48 bits before them; a black square is a 1.

use sha2::{Digest, Sha256};

use crate::paper::ID_ALPHABET;
use crate::sheet::Rect;

/// Cells in the row.
pub const CELLS: usize = 80;
/// Distance between the left edges of neighbouring cells, mm.
pub const PITCH: f64 = 1.8;
/// Width of a cell's square, mm (the rest of the pitch stays white).
pub const CELL_WIDTH: f64 = 1.2;
/// Height of a cell, mm.
pub const HEIGHT: f64 = 3.0;
/// Top of the row, mm from the page's top: between the bubble grid (which
/// ends at 274 mm) and the footer line (283 mm).
pub const TOP: f64 = 277.0;
/// Left edge of the first cell, mm. The row ends left of the QR code's
/// column (from 168 mm), so that one drum streak down the page cannot
/// spoil both copies.
pub const LEFT: f64 = 20.0;

/// Bits of data before the check value.
const DATA_BITS: usize = 48;

/// Every cell of the row, left to right (the same on every sheet page).
pub fn cells() -> Vec<Rect> {
    (0..CELLS)
        .map(|i| Rect {
            x: round(LEFT + i as f64 * PITCH),
            y: TOP,
            w: CELL_WIDTH,
            h: HEIGHT,
        })
        .collect()
}

/// The black cells of `paper`'s row on sheet page `page`, for the template;
/// `None` for an id that is not a printed paper id or a page over 255
/// (such a sheet carries its QR code only).
pub fn black_cells(paper: &str, page: u32) -> Option<Vec<Rect>> {
    let bits = encode(paper, page)?;
    Some(
        cells()
            .into_iter()
            .zip(bits)
            .filter(|(_, b)| *b)
            .map(|(c, _)| c)
            .collect(),
    )
}

/// The row's bits for `paper` and `page`.
pub fn encode(paper: &str, page: u32) -> Option<[bool; CELLS]> {
    let page = u8::try_from(page).ok()?;
    if paper.len() != 8 {
        return None;
    }
    let mut data: u64 = 0;
    for c in paper.bytes() {
        let v = ID_ALPHABET
            .iter()
            .position(|&a| a == c.to_ascii_uppercase())?;
        data = (data << 5) | v as u64;
    }
    data = (data << 8) | u64::from(page);
    let check = check(data);
    let mut bits = [false; CELLS];
    for (i, bit) in bits.iter_mut().enumerate() {
        *bit = if i < DATA_BITS {
            (data >> (DATA_BITS - 1 - i)) & 1 == 1
        } else {
            (check >> (CELLS - 1 - i)) & 1 == 1
        };
    }
    Some(bits)
}

/// The paper id and page a row's bits say, if their check value holds.
pub fn decode(bits: &[bool; CELLS]) -> Option<(String, u32)> {
    let value = |range: std::ops::Range<usize>| {
        bits[range]
            .iter()
            .fold(0u64, |v, &b| (v << 1) | u64::from(b))
    };
    let data = value(0..DATA_BITS);
    if value(DATA_BITS..CELLS) as u32 != check(data) {
        return None;
    }
    let page = (data & 0xFF) as u32;
    let id: String = (0..8)
        .rev()
        .map(|i| char::from(ID_ALPHABET[((data >> (8 + 5 * i)) & 31) as usize]))
        .collect();
    (page >= 1).then_some((id, page))
}

/// The first 32 bits of SHA-256 over the 48 data bits (and a label, so a
/// row of another program's is not taken for ours).
fn check(data: u64) -> u32 {
    let mut h = Sha256::new();
    h.update(b"certexam id row v1");
    h.update(&data.to_be_bytes()[2..]);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_reads_back_as_its_paper_and_page_and_no_single_damage_passes() {
        let bits = encode("A5V8AHD7", 2).unwrap();
        assert_eq!(decode(&bits), Some(("A5V8AHD7".into(), 2)));
        // Any one cell read wrong, or a streak blackening a few cells
        // together, is caught by the check value.
        for i in 0..CELLS {
            let mut b = bits;
            b[i] = !b[i];
            assert_eq!(decode(&b), None, "cell {i} flipped");
            let mut s = bits;
            for cell in s.iter_mut().skip(i).take(3) {
                *cell = true;
            }
            if s != bits {
                assert_eq!(decode(&s), None, "streak at {i}");
            }
        }
        // A blank row (a sheet printed without one), an all-black one and
        // the row read backwards (upside down) say nothing.
        assert_eq!(decode(&[false; CELLS]), None);
        assert_eq!(decode(&[true; CELLS]), None);
        let mut reversed = bits;
        reversed.reverse();
        assert_eq!(decode(&reversed), None);
    }

    #[test]
    fn only_printed_ids_and_pages_up_to_255_get_a_row() {
        assert!(encode("a5v8ahd7", 1).is_some(), "read in either case");
        assert_eq!(encode("A5V8AHD0", 1), None, "0 is not in the alphabet");
        assert_eq!(encode("A5V8AHD", 1), None);
        assert_eq!(encode("A5V8AHD7", 256), None);
        assert_eq!(encode("22222222", 0).and_then(|b| decode(&b)), None);
        let cells = cells();
        assert_eq!(cells.len(), CELLS);
        let last = cells[CELLS - 1];
        let qr = crate::sheet::layout(&[]).pages[0].qr;
        assert!(cells[0].x >= crate::sheet::GRID.0 && last.x + last.w < qr.x - 2.0);
        assert!(TOP > crate::sheet::GRID.3 && TOP + HEIGHT < 283.0);
        assert_eq!(black_cells("A5V8AHD7", 1).unwrap().len(), {
            encode("A5V8AHD7", 1)
                .unwrap()
                .iter()
                .filter(|b| **b)
                .count()
        });
    }
}
