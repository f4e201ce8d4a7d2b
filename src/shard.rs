//! `--shard K/N`: one of N parts of a run, so that N processes or machines
//! (GNU parallel, a Slurm job array, a Kubernetes Indexed Job — see the
//! README) share a large session without any scheduler of ours. The split
//! depends only on the inputs, so every part agrees on it and the parts'
//! outputs together are byte for byte those of one run.

use std::fmt;

/// Part `index` (from 0) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Whether the item numbered `i` (from 0, in the run's own order) is
    /// this part's: items are dealt out round-robin.
    pub fn takes(self, i: usize) -> bool {
        i % self.count == self.index
    }

    /// Whether this part does the work that is done once for the whole run.
    pub fn is_first(self) -> bool {
        self.index == 0
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

/// The part (from 0) of each paper of a session for a split into `count`
/// parts by room, as `grade --shard` splits a session: rooms in name order
/// are dealt out round-robin, so a room's sheets stay in one part, and the
/// papers without a room follow one by one in paper-id order. `papers` is
/// each paper's id and room.
pub fn parts_by_room<'a>(
    papers: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    count: usize,
) -> std::collections::BTreeMap<String, usize> {
    use std::collections::{BTreeMap, BTreeSet};
    let papers: Vec<(&str, Option<&str>)> = papers.into_iter().collect();
    let rooms: BTreeSet<&str> = papers.iter().filter_map(|(_, r)| *r).collect();
    let room_index: BTreeMap<&str, usize> =
        rooms.iter().enumerate().map(|(i, r)| (*r, i)).collect();
    let mut loose: Vec<&str> = papers
        .iter()
        .filter(|(_, r)| r.is_none())
        .map(|(p, _)| *p)
        .collect();
    loose.sort_unstable();
    let count = count.max(1);
    let mut parts = BTreeMap::new();
    for (paper, room) in &papers {
        if let Some(room) = room {
            parts.insert(paper.to_string(), room_index[room] % count);
        }
    }
    for (i, paper) in loose.iter().enumerate() {
        parts.insert(paper.to_string(), (rooms.len() + i) % count);
    }
    parts
}

/// Parses `K/N` (1 ≤ K ≤ N), as the command line gives it.
pub fn parse(text: &str) -> Result<Shard, String> {
    let bad = || {
        format!(
            "`{text}` is not a shard: write K/N with 1 ≤ K ≤ N, e.g. 1/4 (from 0/N, as Slurm and Kubernetes number them, add 1)"
        )
    };
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if k == 0 || k > n {
        return Err(bad());
    }
    Ok(Shard {
        index: k - 1,
        count: n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_k_of_n_from_one_and_deal_items_round_robin() {
        let s = parse("2/3").unwrap();
        assert_eq!(s, Shard { index: 1, count: 3 });
        assert_eq!(s.to_string(), "2/3");
        let taken: Vec<usize> = (0..8).filter(|&i| s.takes(i)).collect();
        assert_eq!(taken, [1, 4, 7]);
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_room_stays_in_one_part_and_papers_without_one_are_dealt_after_the_rooms() {
        let papers = [
            ("P5", Some("B")),
            ("P1", Some("A")),
            ("P2", Some("A")),
            ("P9", None),
            ("P3", Some("C")),
            ("P4", None),
            ("P6", Some("B")),
        ];
        let parts = parts_by_room(papers, 2);
        // Rooms A, B, C → parts 0, 1, 0; then P4, P9 → 1, 0.
        assert_eq!(parts["P1"], 0);
        assert_eq!(parts["P2"], 0);
        assert_eq!(parts["P5"], 1);
        assert_eq!(parts["P6"], 1);
        assert_eq!(parts["P3"], 0);
        assert_eq!(parts["P4"], 1);
        assert_eq!(parts["P9"], 0);
        // The order the papers come in does not matter.
        let mut reversed = papers;
        reversed.reverse();
        assert_eq!(parts_by_room(reversed, 2), parts);
    }
}
