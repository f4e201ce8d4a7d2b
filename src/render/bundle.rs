//! Print bundles of bounded size. One typst compile holds its whole
//! document in memory (13 GB for 2,000 papers), so a session is never compiled
//! as one document: papers are printed per exam room (`print/<room>.pdf`,
//! in seat order, opening with the room's cover and sign-in sheet) or,
//! without rooms, in bundles of at most `--bundle-size` papers. Peak memory
//! is then bundle size × workers, whatever the size of the session.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::paper::Paper;

/// Papers per bundle when not told otherwise: such a compile of the
/// example exam peaks at 0.33 GB (README, "What you get").
pub const DEFAULT_SIZE: u32 = 100;

/// One print bundle: a print PDF and its keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// The room, for a room bundle.
    pub room: Option<String>,
    /// Indices into the papers, in printed (seat) order.
    pub papers: Vec<usize>,
    /// Where the print PDF goes, relative to the output folder.
    pub print: PathBuf,
    /// Where its keys go, relative to the output folder.
    pub keys: PathBuf,
}

/// Splits the papers into bundles. With rooms: one bundle per room, rooms
/// by name, papers in seat order (a room is never split, so its stack stays
/// together); papers without a room follow in bundles of `size`. Without
/// rooms: `print.pdf` and `keys.pdf` as one bundle when the papers fit in
/// one, else `print/001.pdf`, `print/002.pdf`, … of `size` papers each, in
/// the order given.
pub fn plan(papers: &[(PathBuf, Paper)], size: usize) -> Vec<Bundle> {
    let size = size.max(1);
    // A stable sort: papers without a room (or seat) keep the order given.
    let mut ordered: Vec<usize> = (0..papers.len()).collect();
    ordered.sort_by_key(|&i| place(&papers[i].1));
    let mut by_room: Vec<(String, Vec<usize>)> = Vec::new();
    let mut rest = Vec::new();
    for i in ordered {
        match place(&papers[i].1).1 {
            Some(room) => match by_room.last_mut() {
                Some((r, list)) if r == room => list.push(i),
                _ => by_room.push((room.to_string(), vec![i])),
            },
            None => rest.push(i),
        }
    }
    if by_room.is_empty() && rest.len() <= size {
        return vec![Bundle {
            room: None,
            papers: rest,
            print: "print.pdf".into(),
            keys: "keys.pdf".into(),
        }];
    }
    let mut bundles: Vec<Bundle> = by_room
        .into_iter()
        .map(|(room, papers)| Bundle {
            print: Path::new("print").join(format!("{room}.pdf")),
            keys: Path::new("keys").join(format!("{room}.pdf")),
            room: Some(room),
            papers,
        })
        .collect();
    let chunks = rest.len().div_ceil(size);
    let width = chunks.to_string().len().max(3);
    let prefix = if bundles.is_empty() { "" } else { "no-room-" };
    for (k, chunk) in rest.chunks(size).enumerate() {
        let name = format!("{prefix}{:0width$}", k + 1);
        bundles.push(Bundle {
            room: None,
            papers: chunk.to_vec(),
            print: Path::new("print").join(format!("{name}.pdf")),
            keys: Path::new("keys").join(format!("{name}.pdf")),
        });
    }
    bundles
}

/// Rooms by name, then seats; papers without a room or seat after the others.
fn place(p: &Paper) -> (bool, Option<&str>, bool, Option<u32>) {
    let c = p.content.candidate.as_ref();
    let room = c.and_then(|c| c.room.as_deref());
    let seat = c.and_then(|c| c.seat);
    (room.is_none(), room, seat.is_none(), seat)
}

/// What a room bundle's cover and sign-in sheet (签到表) print.
#[derive(Clone, Debug, Serialize)]
pub struct RoomData {
    pub room: String,
    /// `zh` or `en`.
    pub lang: String,
    pub exam_title: String,
    pub exam_id: String,
    pub date: Option<String>,
    pub duration_minutes: u32,
    /// How many candidates sit in the room.
    pub candidates: usize,
    /// First and last seat, formatted (`1–30`); empty without seats.
    pub seats: String,
    /// One row per candidate, in seat order.
    pub rows: Vec<SignInRow>,
}

/// One line of the sign-in sheet.
#[derive(Clone, Debug, Serialize)]
pub struct SignInRow {
    pub seat: String,
    pub candidate: String,
    pub name: String,
    pub paper_id: String,
}

/// The cover and sign-in data of a room bundle.
pub fn room_data(room: &str, papers: &[&Paper]) -> RoomData {
    let first = papers.first().map(|p| &p.content.exam);
    let rows: Vec<SignInRow> = papers
        .iter()
        .map(|p| {
            let c = p.content.candidate.as_ref();
            SignInRow {
                seat: c
                    .and_then(|c| c.seat)
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
                candidate: p.holder().to_string(),
                name: c.map(|c| c.name.clone()).unwrap_or_default(),
                paper_id: p.paper_id.clone(),
            }
        })
        .collect();
    let seats: Vec<u32> = papers
        .iter()
        .filter_map(|p| p.content.candidate.as_ref().and_then(|c| c.seat))
        .collect();
    RoomData {
        room: room.to_string(),
        lang: first.map_or("zh".to_string(), |e| e.lang.clone()),
        exam_title: first.map(|e| e.title.clone()).unwrap_or_default(),
        exam_id: first.map(|e| e.id.clone()).unwrap_or_default(),
        date: first.and_then(|e| e.date.clone()),
        duration_minutes: first.map_or(0, |e| e.duration_minutes),
        candidates: papers.len(),
        seats: match (seats.iter().min(), seats.iter().max()) {
            (Some(a), Some(b)) => format!("{a}–{b}"),
            _ => String::new(),
        },
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paper::{Candidate, DrawInfo, Exam, PaperContent, PassRule};

    fn paper(id: &str, room: Option<&str>, seat: Option<u32>) -> (PathBuf, Paper) {
        let content = PaperContent {
            format: crate::paper::FORMAT.into(),
            exam: Exam {
                id: "X".into(),
                title: "T".into(),
                lang: "zh".into(),
                duration_minutes: 60,
                instructions: None,
                date: None,
                valid_months: None,
                pass: PassRule {
                    percent: 60.0,
                    categories: Default::default(),
                },
                sections: Vec::new(),
                categories: Default::default(),
            },
            candidate: Some(Candidate {
                id: id.into(),
                name: id.into(),
                room: room.map(str::to_string),
                seat,
                ..Default::default()
            }),
            form: None,
            draw: DrawInfo::default(),
            questions: Vec::new(),
        };
        (PathBuf::from(id), Paper::new(content))
    }

    #[test]
    fn rooms_are_kept_whole_in_seat_order_and_the_rest_is_cut_to_size() {
        let papers = vec![
            paper("a", Some("B"), Some(2)),
            paper("b", Some("A"), Some(1)),
            paper("c", Some("B"), Some(1)),
            paper("d", None, None),
            paper("e", Some("B"), Some(3)),
            paper("f", None, None),
            paper("g", None, None),
        ];
        let plan = plan(&papers, 2);
        let got: Vec<(Option<&str>, Vec<usize>, &Path)> = plan
            .iter()
            .map(|b| (b.room.as_deref(), b.papers.clone(), b.print.as_path()))
            .collect();
        assert_eq!(
            got,
            [
                (Some("A"), vec![1], Path::new("print/A.pdf")),
                // Room B has three papers: more than the size, kept together.
                (Some("B"), vec![2, 0, 4], Path::new("print/B.pdf")),
                (None, vec![3, 5], Path::new("print/no-room-001.pdf")),
                (None, vec![6], Path::new("print/no-room-002.pdf")),
            ]
        );
        assert_eq!(plan[1].keys, Path::new("keys/B.pdf"));
    }

    #[test]
    fn without_rooms_one_bundle_is_print_pdf_and_more_are_numbered() {
        let papers: Vec<_> = ["a", "b", "c"]
            .iter()
            .map(|id| paper(id, None, None))
            .collect();
        let one = plan(&papers, 3);
        assert_eq!(one.len(), 1);
        assert_eq!(
            (one[0].print.as_path(), one[0].keys.as_path()),
            (Path::new("print.pdf"), Path::new("keys.pdf"))
        );
        let two = plan(&papers, 2);
        let got: Vec<(&Path, Vec<usize>)> = two
            .iter()
            .map(|b| (b.print.as_path(), b.papers.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (Path::new("print/001.pdf"), vec![0, 1]),
                (Path::new("print/002.pdf"), vec![2])
            ]
        );
    }
}
