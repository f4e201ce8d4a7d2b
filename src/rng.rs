//! The seeded randomness behind drawing, written out by hand on top of the
//! raw ChaCha20 stream so that papers never depend on the internals of the
//! `rand` crate and can be re-drawn, years later, by anyone who reads the
//! README ("The drawing algorithm").

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

/// Name of the algorithm, recorded in every paper.
pub const ALGORITHM: &str = "certexam-draw-v1";

/// A paper's 32-byte seed: SHA-256 over length-prefixed parts — for each
/// part, its UTF-8 length as 8 bytes big-endian, then its bytes. The parts
/// are `certexam-draw-v1`, the master seed, the exam id and the holder
/// (`candidate:<id>` or `form:<letter>`).
pub fn derive_seed(master_seed: &str, exam_id: &str, holder: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in [ALGORITHM, master_seed, exam_id, holder] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize().into()
}

/// The generator: ChaCha20 (20 rounds) keyed with the seed, nonce 0, read as
/// consecutive little-endian 32-bit words of its keystream.
#[derive(Debug)]
pub struct DrawRng {
    inner: ChaCha20Rng,
}

impl DrawRng {
    pub fn new(seed: [u8; 32]) -> Self {
        Self {
            inner: ChaCha20Rng::from_seed(seed),
        }
    }

    /// The next 32-bit word of the keystream.
    pub fn next_u32(&mut self) -> u32 {
        self.inner.next_u32()
    }

    /// A uniform integer in `0..n` by rejection: words at or above the
    /// largest multiple of `n` that fits in 2^32 are thrown away, the rest
    /// are taken modulo `n`.
    pub fn below(&mut self, n: u32) -> u32 {
        assert!(n > 0, "below(0) has no value");
        let limit = (1u64 << 32) / u64::from(n) * u64::from(n);
        loop {
            let x = self.next_u32();
            if u64::from(x) < limit {
                return x % n;
            }
        }
    }

    /// Fisher–Yates: for `i` from the last index down to 1, swap item `i`
    /// with item `below(i + 1)`.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(u32::try_from(i + 1).expect("fewer than 2^32 items")) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden vectors: if any of these change, every paper ever drawn would
    /// be drawn differently. Never update them; add a new algorithm version.
    #[test]
    fn seed_derivation_is_pinned() {
        assert_eq!(
            hex::encode(derive_seed("2026", "CS-CERT-2026Q4", "candidate:E001")),
            "91a1c947a8fdd3d732a1f6dc106c8cbc011a1e29b92a8c15e9837b551b5f2704"
        );
    }

    #[test]
    fn keystream_is_chacha20() {
        // RFC 8439 §2.3.2-style check for an all-zero key and nonce, block 0:
        // the first words of the ChaCha20 keystream.
        let mut rng = DrawRng::new([0; 32]);
        let words: Vec<u32> = (0..4).map(|_| rng.next_u32()).collect();
        assert_eq!(words, [0xade0_b876, 0x903d_f1a0, 0xe56a_5d40, 0x28bd_8653]);
    }

    #[test]
    fn shuffle_and_below_are_pinned() {
        let mut rng = DrawRng::new(derive_seed("golden", "EXAM", "form:A"));
        let picks: Vec<u32> = (0..8).map(|_| rng.below(10)).collect();
        let mut items: Vec<u32> = (0..10).collect();
        rng.shuffle(&mut items);
        assert_eq!(picks, [8, 3, 5, 3, 9, 8, 1, 5]);
        assert_eq!(items, [5, 3, 2, 8, 7, 4, 6, 0, 1, 9]);
    }

    #[test]
    fn below_stays_in_range() {
        let mut rng = DrawRng::new([7; 32]);
        for n in [1, 2, 3, 7, 1000, u32::MAX] {
            for _ in 0..100 {
                assert!(rng.below(n) < n);
            }
        }
    }
}
