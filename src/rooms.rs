//! Exam rooms (考场) and seats: assigning them when the roster has none
//! (`draw --rooms CAPACITY`), and the room lists printed and written from
//! them. Pure and seeded like drawing, so the same roster, seed and
//! capacity seat everyone the same way on every machine. Rooms and seats
//! never touch a paper's questions: those depend only on the seed, the exam
//! and the candidate id.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::paper::{Candidate, Paper};
use crate::rng::DrawRng;

/// The name of the assignment algorithm, recorded in `draw.toml`.
pub const ALGORITHM: &str = "certexam-rooms-v1";

/// Roster columns used to spread colleagues when `--spread-by` is not given,
/// the first one the roster has.
pub const DEFAULT_SPREAD: &[&str] = &["department", "部门"];

/// How rooms were assigned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// Most candidates in one room.
    pub capacity: u32,
    /// The roster column whose values are spread across rooms, if any.
    pub spread_by: Option<String>,
    /// How many rooms were used.
    pub rooms: usize,
}

/// The seed of the assignment: length-prefixed SHA-256 (as for papers,
/// README "The drawing algorithm") over `certexam-rooms-v1`, the master seed
/// and the exam id.
fn seed(master_seed: &str, exam_id: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in [ALGORITHM, master_seed, exam_id] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize().into()
}

/// The name of room `index` (from 0) of `count`: `01`, `02`, … zero-padded
/// so that file names sort in room order.
pub fn room_name(index: usize, count: usize) -> String {
    let width = count.to_string().len().max(2);
    format!("{:0width$}", index + 1)
}

/// Assigns rooms and seats to every candidate, in place.
///
/// The fewest rooms of at most `capacity` are used, filled evenly (sizes
/// differ by at most one). Candidates are grouped by their `spread_by`
/// value (largest group first, then by value); each group, in candidate-id
/// order, is shuffled with the seeded generator; the groups are then dealt
/// out one candidate at a time to room 1, 2, …, so each group is spread as
/// evenly as the rooms allow. Within a room, seats go round the groups in
/// the same order (first of each group, then second of each, …), so
/// colleagues sit apart unless one group fills most of the room. Roster
/// order does not matter.
pub fn assign(
    candidates: &mut [Candidate],
    capacity: u32,
    spread_by: Option<&str>,
    master_seed: &str,
    exam_id: &str,
) -> Assignment {
    assert!(capacity > 0, "a room holds at least one candidate");
    let n = candidates.len();
    let rooms = n.div_ceil(capacity as usize).max(1);
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, c) in candidates.iter().enumerate() {
        let value = spread_by
            .and_then(|col| c.extra.get(col))
            .map_or("", String::as_str);
        groups.entry(value).or_default().push(i);
    }
    let mut groups: Vec<(&str, Vec<usize>)> = groups.into_iter().collect();
    groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    let mut rng = DrawRng::new(seed(master_seed, exam_id));
    // (room, rank within the group in this room, group rank, candidate)
    let mut placed: Vec<(usize, usize, usize, usize)> = Vec::with_capacity(n);
    let mut in_room: Vec<BTreeMap<usize, usize>> = vec![BTreeMap::new(); rooms];
    let mut next = 0;
    for (rank, (_, members)) in groups.iter_mut().enumerate() {
        members.sort_by(|&a, &b| candidates[a].id.cmp(&candidates[b].id));
        rng.shuffle(members);
        for &m in members.iter() {
            let room = next % rooms;
            next += 1;
            let count = in_room[room].entry(rank).or_default();
            placed.push((room, *count, rank, m));
            *count += 1;
        }
    }
    placed.sort_unstable();
    let mut seat = 0;
    let mut last_room = usize::MAX;
    for (room, _, _, m) in placed {
        if room != last_room {
            seat = 0;
            last_room = room;
        }
        seat += 1;
        candidates[m].room = Some(room_name(room, rooms));
        candidates[m].seat = Some(seat);
    }
    Assignment {
        capacity,
        spread_by: spread_by.map(str::to_string),
        rooms,
    }
}

/// Papers in room and seat order: rooms by name, then seat (papers without
/// a seat last), then holder. Papers without a room come after all rooms.
pub fn seat_order<'a>(papers: impl IntoIterator<Item = &'a Paper>) -> Vec<&'a Paper> {
    let mut sorted: Vec<&Paper> = papers.into_iter().collect();
    sorted.sort_by(|a, b| place_key(a).cmp(&place_key(b)));
    sorted
}

fn place_key(p: &Paper) -> (bool, Option<&str>, bool, Option<u32>, &str) {
    let c = p.content.candidate.as_ref();
    let room = c.and_then(|c| c.room.as_deref());
    let seat = c.and_then(|c| c.seat);
    (room.is_none(), room, seat.is_none(), seat, p.holder())
}

/// `rooms.csv`: one row per candidate in room and seat order — room, seat,
/// candidate, name, the spread column (if any) and the paper id — with a
/// BOM so that Excel opens it as UTF-8.
pub fn rooms_csv(papers: &[Paper], spread_by: Option<&str>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let mut header = vec!["room", "seat", "candidate", "name"];
    if let Some(col) = spread_by {
        header.push(col);
    }
    header.push("paper_id");
    w.write_record(crate::formula_guard::guard_record(header))
        .expect("writing to memory");
    for p in seat_order(papers) {
        let Some(c) = &p.content.candidate else {
            continue;
        };
        let mut row = vec![
            c.room.clone().unwrap_or_default(),
            c.seat.map(|s| s.to_string()).unwrap_or_default(),
            c.id.clone(),
            c.name.clone(),
        ];
        if let Some(col) = spread_by {
            row.push(c.extra.get(col).cloned().unwrap_or_default());
        }
        row.push(p.paper_id.clone());
        w.write_record(crate::formula_guard::guard_record(row))
            .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster(n: usize, departments: &[&str]) -> Vec<Candidate> {
        (0..n)
            .map(|i| Candidate {
                id: format!("E{i:04}"),
                name: format!("N{i}"),
                extra: [(
                    "department".to_string(),
                    departments[i % departments.len()].to_string(),
                )]
                .into(),
                ..Default::default()
            })
            .collect()
    }

    fn rooms_of(cs: &[Candidate]) -> BTreeMap<String, Vec<&Candidate>> {
        let mut rooms: BTreeMap<String, Vec<&Candidate>> = BTreeMap::new();
        for c in cs {
            rooms.entry(c.room.clone().unwrap()).or_default().push(c);
        }
        rooms
    }

    #[test]
    fn rooms_are_filled_evenly_within_capacity_with_seats_from_one() {
        let mut cs = roster(95, &["a", "b", "c"]);
        let a = assign(&mut cs, 30, Some("department"), "s", "X");
        assert_eq!(a.rooms, 4);
        let rooms = rooms_of(&cs);
        assert_eq!(rooms.keys().collect::<Vec<_>>(), ["01", "02", "03", "04"]);
        for members in rooms.values() {
            assert!((23..=24).contains(&members.len()));
            let mut seats: Vec<u32> = members.iter().map(|c| c.seat.unwrap()).collect();
            seats.sort_unstable();
            assert_eq!(seats, (1..=members.len() as u32).collect::<Vec<_>>());
        }
    }

    #[test]
    fn each_department_is_spread_across_rooms_and_seated_apart() {
        let mut cs = roster(60, &["a", "a", "b", "c"]);
        assign(&mut cs, 20, Some("department"), "s", "X");
        for members in rooms_of(&cs).values() {
            let count = |d: &str| {
                members
                    .iter()
                    .filter(|c| c.extra["department"] == d)
                    .count()
            };
            assert_eq!((count("a"), count("b"), count("c")), (10, 5, 5));
            let mut by_seat = members.clone();
            by_seat.sort_by_key(|c| c.seat);
            let neighbours = by_seat
                .windows(2)
                .filter(|w| w[0].extra["department"] == w[1].extra["department"])
                .count();
            // 10 of department a in 20 seats: only the last ones can sit together.
            assert!(neighbours <= 5, "{neighbours}");
        }
    }

    #[test]
    fn the_assignment_depends_on_seed_not_roster_order() {
        let mut first = roster(50, &["a", "b"]);
        assign(&mut first, 12, Some("department"), "s", "X");
        let mut reversed = roster(50, &["a", "b"]);
        reversed.reverse();
        assign(&mut reversed, 12, Some("department"), "s", "X");
        reversed.reverse();
        assert_eq!(first, reversed);
        let mut other = roster(50, &["a", "b"]);
        assign(&mut other, 12, Some("department"), "t", "X");
        assert_ne!(first, other);
    }

    #[test]
    fn room_names_sort_in_room_order() {
        assert_eq!(room_name(0, 5), "01");
        assert_eq!(room_name(99, 120), "100");
        assert_eq!(room_name(8, 120), "009");
    }
}
